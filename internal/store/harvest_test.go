package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func TestHarvestCheckpointRoundTripAndOverwrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.HarvestCheckpoint(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing checkpoint: err = %v, want ErrNotFound", err)
		}
		cp := store.HarvestCheckpoint{
			Job: "arxiv-oai arXivRaw cs 2025-01-01..2025-01-31", Source: "arxiv-oai", Set: "cs",
			MetadataPrefix: "arXivRaw", From: "2025-01-01", Until: "2025-01-31",
			ResumptionToken: "tok|1001", LastDatestamp: "2025-01-07", Pages: 1, Records: 1000, Deleted: 2,
			Counts: store.UpsertCounts{Inserted: 990, Updated: 5, Unchanged: 3},
		}
		del := []store.DeletedRecord{{PaperID: "2501.00001", Source: "arxiv-oai", Datestamp: "2025-01-02"}}
		if err := s.SaveHarvestCheckpoint(ctx, cp, del); err != nil {
			t.Fatal(err)
		}
		got, err := s.HarvestCheckpoint(ctx, cp.Job)
		if err != nil {
			t.Fatal(err)
		}
		cp.StartedAt, cp.UpdatedAt = fixedNow, fixedNow
		if diff := cmp.Diff(cp, got); diff != "" {
			t.Errorf("checkpoint differs (-want +got):\n%s", diff)
		}
		cp.ResumptionToken, cp.Done, cp.Pages = "", true, 2
		if err := s.SaveHarvestCheckpoint(ctx, cp, del); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.HarvestCheckpoint(ctx, cp.Job); !got.Done || got.ResumptionToken != "" || got.Pages != 2 {
			t.Errorf("overwritten checkpoint = %+v", got)
		}
		dels, err := s.DeletedRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(del, dels); diff != "" {
			t.Errorf("deleted records differ (-want +got):\n%s", diff)
		}
	})
}

func TestHarvestRuns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		id1, err := s.StartHarvestRun(ctx, "job-a", "arxiv-oai")
		if err != nil {
			t.Fatal(err)
		}
		st := store.HarvestStats{Pages: 3, Records: 2500, Deleted: 1, Counts: store.UpsertCounts{Inserted: 2499}}
		if err := s.FinishHarvestRun(ctx, id1, st, nil); err != nil {
			t.Fatal(err)
		}
		id2, err := s.StartHarvestRun(ctx, "job-b", "hf")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishHarvestRun(ctx, id2, store.HarvestStats{}, errors.New("hf: 404")); err != nil {
			t.Fatal(err)
		}
		runs, err := s.HarvestRuns(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.HarvestRun{
			{ID: id2, Job: "job-b", Source: "hf", Status: "failed", Error: "hf: 404", StartedAt: fixedNow, FinishedAt: fixedNow},
			{ID: id1, Job: "job-a", Source: "arxiv-oai", Status: "ok", Stats: st, StartedAt: fixedNow, FinishedAt: fixedNow},
		}
		if diff := cmp.Diff(want, runs, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("runs differ (-want +got):\n%s", diff)
		}
	})
}

func TestHarvestJobLeases(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2025, 6, 3, 12, 0, 0, 0, time.UTC)
		if err := s.AddHarvestJob(ctx, "job", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.AddHarvestJob(ctx, "job", t0.Add(time.Hour)); err != nil { // registered already: kept
			t.Fatal(err)
		}
		if _, ok, err := s.ClaimHarvestJob(ctx, "job", "a", t0.Add(-time.Second), time.Minute); ok || err != nil {
			t.Fatalf("claimed before due: %v %v", ok, err)
		}
		j, ok, err := s.ClaimHarvestJob(ctx, "job", "a", t0.Add(500*time.Millisecond), time.Minute)
		if !ok || err != nil || j.ClaimedBy != "a" || !j.ClaimedUntil.Equal(t0.Add(time.Minute)) || !j.NextRunAt.Equal(t0) {
			t.Fatalf("claim: %+v %v %v", j, ok, err)
		}
		if _, ok, _ := s.ClaimHarvestJob(ctx, "job", "b", t0.Add(30*time.Second), time.Minute); ok {
			t.Fatal("b claimed a job under a's lease")
		}
		if err := s.RenewHarvestJob(ctx, "job", "a", t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.ClaimHarvestJob(ctx, "job", "b", t0.Add(90*time.Second), time.Minute); ok {
			t.Fatal("b claimed a job under a's renewed lease")
		}
		// a stalls; its lease runs out and b takes over.
		if _, ok, _ := s.ClaimHarvestJob(ctx, "job", "b", t0.Add(3*time.Minute), time.Minute); !ok {
			t.Fatal("b could not take over an expired lease")
		}
		if err := s.RenewHarvestJob(ctx, "job", "a", t0.Add(5*time.Minute)); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("a renewing: %v, want ErrLeaseLost", err)
		}
		if err := s.FinishHarvestJob(ctx, "job", "a", store.HarvestJobOutcome{NextRunAt: t0, FinishedAt: t0}); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("a finishing: %v, want ErrLeaseLost", err)
		}
		done := t0.Add(4 * time.Minute)
		if err := s.FinishHarvestJob(ctx, "job", "b", store.HarvestJobOutcome{NextRunAt: t0.Add(time.Hour), Failures: 2,
			ResumeFrom: "2025-06-03", Records: 7, Err: errors.New("source down"), FinishedAt: done}); err != nil {
			t.Fatal(err)
		}
		jobs, err := s.HarvestJobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.HarvestJob{{Name: "job", NextRunAt: t0.Add(time.Hour), Failures: 2, ResumeFrom: "2025-06-03",
			LastStatus: "failed", LastError: "source down", LastRecords: 7, LastStartedAt: t0.Add(3 * time.Minute),
			LastFinishedAt: done}}
		if diff := cmp.Diff(want, jobs); diff != "" {
			t.Errorf("jobs differ (-want +got):\n%s", diff)
		}
		if _, ok, _ := s.ClaimHarvestJob(ctx, "job", "c", t0.Add(59*time.Minute), time.Minute); ok {
			t.Error("claimed before the next run")
		}
	})
}

// TestHarvestJobClaimIsExclusive has many claimants on two connections
// race for one due job: exactly one gets it.
func TestHarvestJobClaimIsExclusive(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.MigratedURL(t, d)
			var stores []*store.Store
			for range 2 {
				s, err := store.Open(ctx, url, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if _, err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				stores = append(stores, s)
			}
			t0 := time.Date(2025, 6, 3, 12, 0, 0, 0, time.UTC)
			for round := range 5 {
				name := fmt.Sprintf("job-%d", round)
				if err := stores[0].AddHarvestJob(ctx, name, t0); err != nil {
					t.Fatal(err)
				}
				var wins atomic.Int64
				var wg sync.WaitGroup
				for i := range 16 {
					wg.Go(func() {
						_, ok, err := stores[i%2].ClaimHarvestJob(ctx, name, fmt.Sprint("owner-", i), t0, time.Minute)
						if err != nil {
							t.Error(err)
						}
						if ok {
							wins.Add(1)
						}
					})
				}
				wg.Wait()
				if wins.Load() != 1 {
					t.Errorf("%s: %d claims succeeded, want 1", name, wins.Load())
				}
			}
		})
	}
}

func TestDeletedRecordsHideTheirPapers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustUpsert(t, s, arxivPaper("2501.00001", 1), arxivPaper("2501.00002", 1))
		before, err := s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cp := store.HarvestCheckpoint{Job: "oai cs", Source: "arxiv-oai", Set: "cs", MetadataPrefix: "arXiv"}
		del := []store.DeletedRecord{{PaperID: "2501.00001", Source: "arxiv-oai", Datestamp: "2025-01-02"}}
		if err := s.SaveHarvestCheckpoint(ctx, cp, del); err != nil {
			t.Fatal(err)
		}
		p, err := s.Paper(ctx, "2501.00001")
		if err != nil || !p.Community.Hidden {
			t.Fatalf("deleted paper: hidden=%v err=%v, want hidden and kept", p.Community.Hidden, err)
		}
		if p, _ := s.Paper(ctx, "2501.00002"); p.Community.Hidden {
			t.Fatal("a paper the source did not delete was hidden")
		}
		changes, err := s.Changes(ctx, before.LastChange, 10)
		if err != nil || len(changes) != 1 || changes[0].PaperID != "2501.00001" {
			t.Fatalf("change feed after the deletion: %+v %v, want one entry for 2501.00001", changes, err)
		}
		// Seen again on a later page: nothing more happens.
		if err := s.SaveHarvestCheckpoint(ctx, cp, del); err != nil {
			t.Fatal(err)
		}
		if changes, _ := s.Changes(ctx, before.LastChange, 10); len(changes) != 1 {
			t.Fatalf("a repeated deletion wrote %d changes", len(changes))
		}
	})
}
