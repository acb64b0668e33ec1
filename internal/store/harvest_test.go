package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/paperboy-dev/paperboy/internal/store"
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
