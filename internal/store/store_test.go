package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

var fixedNow = time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

// forEachBackend runs the test against every storage backend: this is the
// storage contract that keeps SQLite and PostgreSQL from drifting apart.
func forEachBackend(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.Open(t, d, store.Options{Now: clock}))
		})
	}
}

func arxivPaper(id string, version int) store.Paper {
	created := time.Date(2025, 6, 1, 10, 30, 0, 0, time.UTC)
	p := store.Paper{
		ID: id, Version: version,
		Title:      "A study of $\\ell_1$ regularisation",
		Abstract:   "We study things. With \\emph{care}.",
		Authors:    []string{"Ada Lovelace", "Alan Turing"},
		Categories: []string{"cs.LG", "stat.ML"},
		Comments:   "10 pages", DOI: "10.1000/xyz", License: "http://creativecommons.org/licenses/by/4.0/",
		FirstVersionAt: created,
		ListedOn:       time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC),
	}
	for v := 1; v <= version; v++ {
		vt := created.AddDate(0, 0, 7*(v-1))
		p.Versions = append(p.Versions, store.Version{Version: v, Created: vt})
		p.LatestVersionAt = vt
	}
	return p
}

func hfPaper(id string, upvotes int, day string) store.Paper {
	d, _ := time.Parse(time.DateOnly, day)
	return store.Paper{
		ID: id, Title: "HF title of " + id, Abstract: "HF abstract",
		Authors:        []string{"Grace Hopper"},
		FirstVersionAt: d.Add(-48 * time.Hour),
		ListedOn:       d,
		Community: store.Community{
			Upvotes: upvotes, DailyOn: d, DailySubmittedAt: d.Add(3 * time.Hour), DailySubmitter: "akhaliq",
			GitHubRepo: "https://github.com/x/y", GitHubStars: -1, NumComments: 2,
			AISummary: "It does things.", AIKeywords: []string{"things", "stuff"},
		},
	}
}

var ignoreRowTimes = cmpopts.IgnoreFields(store.Paper{}, "CreatedAt", "UpdatedAt", "Source", "Community", "ArrivedVia")

func TestMigrateIsIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		applied, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second Migrate applied %v, want nothing", applied)
		}
	})
}

func TestConcurrentMigrate(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			url := storetest.URL(t, d)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := store.Open(context.Background(), url, store.Options{})
					if err != nil {
						errs[i] = err
						return
					}
					defer s.Close()
					_, errs[i] = s.Migrate(context.Background())
				}()
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("concurrent migrations: %v", err)
			}
		})
	}
}

func TestUpsertAndReadPaper(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		in := arxivPaper("2506.00001", 2)
		counts, err := s.UpsertPapers(ctx, []store.Paper{in})
		if err != nil {
			t.Fatal(err)
		}
		if counts != (store.UpsertCounts{Inserted: 1}) {
			t.Fatalf("counts = %+v", counts)
		}
		got, err := s.Paper(ctx, "2506.00001")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, got, ignoreRowTimes); diff != "" {
			t.Errorf("stored paper differs (-want +got):\n%s", diff)
		}
		if got.Source != store.SourceArxiv || got.Community.GitHubStars != -1 {
			t.Errorf("source %q stars %d", got.Source, got.Community.GitHubStars)
		}
		if !got.CreatedAt.Equal(fixedNow) {
			t.Errorf("created_at = %v, want %v", got.CreatedAt, fixedNow)
		}
	})
}

func TestPaperNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		_, err := s.Paper(context.Background(), "2506.99999")
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestReimportIsNoOp(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		batch := []store.Paper{arxivPaper("2506.00001", 1), arxivPaper("2506.00002", 1)}
		if _, err := s.UpsertPapers(ctx, batch); err != nil {
			t.Fatal(err)
		}
		before, _ := s.Stats(ctx)
		counts, err := s.UpsertPapers(ctx, []store.Paper{arxivPaper("2506.00001", 1), arxivPaper("2506.00002", 1)})
		if err != nil {
			t.Fatal(err)
		}
		if counts != (store.UpsertCounts{Unchanged: 2}) {
			t.Fatalf("re-import counts = %+v, want 2 unchanged", counts)
		}
		after, _ := s.Stats(ctx)
		if after != before {
			t.Fatalf("re-import changed stats: %+v -> %+v", before, after)
		}
	})
}

func TestNewerVersionWinsOlderIsIgnored(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustUpsert(t, s, arxivPaper("2506.00001", 2))

		v3 := arxivPaper("2506.00001", 3)
		v3.Title = "Revised title"
		v3.Categories = []string{"cs.CL"}
		if c := mustUpsert(t, s, v3); c.Updated != 1 {
			t.Fatalf("newer version counts = %+v, want 1 updated", c)
		}
		old := arxivPaper("2506.00001", 1)
		if c := mustUpsert(t, s, old); c.Unchanged != 1 {
			t.Fatalf("older version counts = %+v, want 1 unchanged", c)
		}
		got, _ := s.Paper(ctx, "2506.00001")
		if got.Version != 3 || got.Title != "Revised title" || !cmp.Equal(got.Categories, []string{"cs.CL"}) {
			t.Fatalf("got v%d %q %v, want v3 with the revised title and categories", got.Version, got.Title, got.Categories)
		}
	})
}

func TestCommunityMergesWithArxivInEitherOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// arXiv first, then Hugging Face.
		mustUpsert(t, s, arxivPaper("2506.00001", 1))
		c, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2506.00001", 12, "2025-06-03")})
		if err != nil || c.Updated != 1 {
			t.Fatalf("community upsert: %+v, %v", c, err)
		}
		// Hugging Face first, then arXiv.
		if c, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2506.00002", 7, "2025-06-04")}); err != nil || c.Inserted != 1 {
			t.Fatalf("community insert: %+v, %v", c, err)
		}
		hfOnly, _ := s.Paper(ctx, "2506.00002")
		if hfOnly.Source != store.SourceHF || hfOnly.Title != "HF title of 2506.00002" {
			t.Fatalf("HF-only paper: source %q title %q", hfOnly.Source, hfOnly.Title)
		}
		if c := mustUpsert(t, s, arxivPaper("2506.00002", 1)); c.Updated != 1 {
			t.Fatalf("arXiv over HF counts = %+v, want 1 updated", c)
		}

		for _, id := range []string{"2506.00001", "2506.00002"} {
			got, _ := s.Paper(ctx, id)
			want := arxivPaper(id, 1)
			if diff := cmp.Diff(want, got, ignoreRowTimes); diff != "" {
				t.Errorf("%s metadata is not arXiv's (-want +got):\n%s", id, diff)
			}
			if got.Source != store.SourceArxiv {
				t.Errorf("%s source = %q", id, got.Source)
			}
			if got.Community.Upvotes == 0 || got.Community.DailySubmitter != "akhaliq" || len(got.Community.AIKeywords) != 2 {
				t.Errorf("%s lost its community data: %+v", id, got.Community)
			}
		}
		// A later Hugging Face record never overwrites arXiv's metadata.
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2506.00001", 20, "2025-06-03")}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Paper(ctx, "2506.00001")
		if got.Title != arxivPaper("2506.00001", 1).Title || got.Community.Upvotes != 20 {
			t.Errorf("title %q upvotes %d", got.Title, got.Community.Upvotes)
		}
	})
}

func TestCommunityRecordsMergeMonotonically(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// The same paper fetched on two days, imported in either order.
		later := hfPaper("2506.00003", 42, "2025-06-05")
		later.Community.GitHubStars = 100
		earlier := hfPaper("2506.00003", 3, "2025-06-04")
		if _, err := s.UpsertCommunity(ctx, []store.Paper{later, earlier}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Paper(ctx, "2506.00003")
		c := got.Community
		if c.Upvotes != 42 || c.GitHubStars != 100 || c.DailyOn.Format(time.DateOnly) != "2025-06-04" {
			t.Fatalf("merged community = %+v", c)
		}
		counts, err := s.UpsertCommunity(ctx, []store.Paper{earlier, later})
		if err != nil || counts != (store.UpsertCounts{Unchanged: 2}) {
			t.Fatalf("re-import in the other order: %+v, %v", counts, err)
		}
	})
}

func TestChangeFeed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustUpsert(t, s, arxivPaper("2506.00001", 1))
		mustUpsert(t, s, arxivPaper("2506.00001", 1)) // unchanged: no feed entry
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2506.00001", 5, "2025-06-03")}); err != nil {
			t.Fatal(err)
		}
		changes, err := s.Changes(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, c := range changes {
			kinds = append(kinds, c.PaperID+" "+c.Kind)
		}
		if want := []string{"2506.00001 paper", "2506.00001 community"}; !cmp.Equal(kinds, want) {
			t.Fatalf("changes = %v, want %v", kinds, want)
		}
		rest, err := s.Changes(ctx, changes[0].Seq, 10)
		if err != nil || len(rest) != 1 || rest[0].Seq != changes[1].Seq {
			t.Fatalf("changes after %d = %+v, %v", changes[0].Seq, rest, err)
		}
	})
}

func TestRecentPapersOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := arxivPaper("2506.00001", 1)
		b := arxivPaper("2506.00002", 1)
		b.ListedOn = b.ListedOn.AddDate(0, 0, 1)
		c := arxivPaper("2506.00003", 1)
		mustUpsert(t, s, a, b, c)
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2506.00001", 50, "2025-06-03")}); err != nil {
			t.Fatal(err)
		}
		papers, err := s.RecentPapers(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range papers {
			ids = append(ids, p.ID)
		}
		if want := []string{"2506.00002", "2506.00001", "2506.00003"}; !cmp.Equal(ids, want) {
			t.Fatalf("recent = %v, want %v (newest day first, then upvotes)", ids, want)
		}
	})
}

func TestLargeBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var batch []store.Paper
		for i := range 2500 {
			batch = append(batch, arxivPaper(fmt.Sprintf("2507.%05d", i), 1))
		}
		c, err := s.UpsertPapers(ctx, batch)
		if err != nil || c.Inserted != 2500 {
			t.Fatalf("large batch: %+v, %v", c, err)
		}
		st, err := s.Stats(ctx)
		if err != nil || st.Papers != 2500 || st.LastChange == 0 {
			t.Fatalf("stats %+v, %v", st, err)
		}
	})
}

func mustUpsert(t *testing.T, s *store.Store, papers ...store.Paper) store.UpsertCounts {
	t.Helper()
	c, err := s.UpsertPapers(context.Background(), papers)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPapersByIDAndEachPaper(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var batch []store.Paper
		for i := range 4500 {
			batch = append(batch, arxivPaper(fmt.Sprintf("2507.%05d", 4500-i), 1))
		}
		mustUpsert(t, s, batch...)
		got, err := s.PapersByID(ctx, []string{"2507.00003", "2599.00001", "2507.00001", "2507.00003"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		if want := []string{"2507.00003", "2507.00001"}; !cmp.Equal(ids, want) {
			t.Errorf("PapersByID = %v, want %v", ids, want)
		}
		n, last := 0, ""
		err = s.EachPaper(ctx, func(p store.Paper) error {
			if p.ID <= last {
				t.Fatalf("EachPaper out of order: %s after %s", p.ID, last)
			}
			n, last = n+1, p.ID
			return nil
		})
		if err != nil || n != 4500 {
			t.Fatalf("EachPaper visited %d papers, err %v", n, err)
		}
		stop := errors.New("stop")
		if err := s.EachPaper(ctx, func(store.Paper) error { return stop }); !errors.Is(err, stop) {
			t.Fatalf("EachPaper did not pass fn's error on: %v", err)
		}
	})
}

func TestPruneChangesKeepsTheFeedPosition(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			now := fixedNow
			s := storetest.Open(t, d, store.Options{Now: func() time.Time { return now }})
			mustUpsert(t, s, arxivPaper("2506.00001", 1))
			now = now.Add(48 * time.Hour)
			mustUpsert(t, s, arxivPaper("2506.00002", 1))
			before, _ := s.Stats(ctx)

			n, err := s.PruneChanges(ctx, now.Add(-24*time.Hour))
			if err != nil || n != 1 {
				t.Fatalf("pruned %d, err %v; want the older entry gone", n, err)
			}
			after, _ := s.Stats(ctx)
			if after.LastChange != before.LastChange || after.FirstChange != before.LastChange {
				t.Fatalf("stats %+v after pruning, %+v before", after, before)
			}
			// Even entries older than the cut-off: the newest one stays.
			if n, err := s.PruneChanges(ctx, now.Add(time.Hour)); err != nil || n != 0 {
				t.Fatalf("pruned %d, err %v; the newest entry must stay", n, err)
			}
		})
	}
}

func TestOneBatchWithTwoVersionsOfAPaper(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v2 := arxivPaper("2506.00001", 2)
		v2.Categories = []string{"cs.CL", "cs.AI"}
		c, err := s.UpsertPapers(ctx, []store.Paper{arxivPaper("2506.00001", 1), v2, arxivPaper("2506.00002", 1)})
		if err != nil {
			t.Fatal(err)
		}
		if c.Inserted+c.Updated != 3 {
			t.Errorf("counts %+v", c)
		}
		got, _ := s.Paper(ctx, "2506.00001")
		if got.Version != 2 || !cmp.Equal(got.Categories, []string{"cs.CL", "cs.AI"}) {
			t.Errorf("got v%d %v, want the later record", got.Version, got.Categories)
		}
	})
}

// TestConcurrentImportsDoNotDeadlock runs an arXiv import and a Hugging
// Face import of the same new papers at once, given in opposite orders.
func TestConcurrentImportsDoNotDeadlock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for round := range 10 {
			var arxivBatch, hfBatch []store.Paper
			for i := range 40 {
				id := fmt.Sprintf("26%02d.%05d", round+1, i+1)
				arxivBatch = append(arxivBatch, arxivPaper(id, 1))
				hfBatch = append([]store.Paper{hfPaper(id, i, "2025-06-03")}, hfBatch...)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() { defer wg.Done(); _, errs[0] = s.UpsertPapers(ctx, arxivBatch) }()
			go func() { defer wg.Done(); _, errs[1] = s.UpsertCommunity(ctx, hfBatch) }()
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	})
}

// TestConcurrentCommunityImportsMerge imports two Hugging Face records of
// the same new papers at once: whichever inserts first, the other merges.
func TestConcurrentCommunityImportsMerge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for round := range 10 {
			var low, high []store.Paper
			for i := range 20 {
				id := fmt.Sprintf("25%02d.%05d", round+1, i+1)
				low = append(low, hfPaper(id, 5, "2025-06-03"))
				high = append(high, hfPaper(id, 50, "2025-06-03"))
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() { defer wg.Done(); _, errs[0] = s.UpsertCommunity(ctx, low) }()
			go func() { defer wg.Done(); _, errs[1] = s.UpsertCommunity(ctx, high) }()
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			for _, p := range high {
				got, err := s.Paper(ctx, p.ID)
				if err != nil || got.Community.Upvotes != 50 {
					t.Fatalf("round %d: %s has %d upvotes (err %v), want the larger 50", round, p.ID, got.Community.Upvotes, err)
				}
			}
		}
	})
}

func TestPapersRecordWhereTheyArrivedFrom(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := arxivPaper("2506.00001", 1)
		p.ArrivedVia = "arXiv listing feed (cs.CL)"
		mustUpsert(t, s, p)
		// A fuller record from another source later updates the paper but
		// not where it first came from.
		p2 := arxivPaper("2506.00001", 2)
		p2.ArrivedVia = "arXiv OAI-PMH (cs)"
		mustUpsert(t, s, p2)
		got, err := s.Paper(ctx, "2506.00001")
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.ArrivedVia != "arXiv listing feed (cs.CL)" || !got.CreatedAt.Equal(fixedNow) {
			t.Fatalf("paper: version %d, arrived via %q at %s", got.Version, got.ArrivedVia, got.CreatedAt)
		}
		hf := hfPaper("2506.00009", 3, "2025-06-02")
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hf}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Paper(ctx, "2506.00009"); got.ArrivedVia != "Hugging Face daily papers" {
			t.Fatalf("a Hugging Face paper arrived via %q", got.ArrivedVia)
		}
	})
}

// TestBulkStoreImportsAsUsual: a store opened for a bulk import (larger
// writer cache, rarer checkpoints) and without mapped reads stores and
// reads papers as the default one does, and a repeated batch is unchanged.
func TestBulkStoreImportsAsUsual(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "bulk.db"), store.Options{Now: clock, Bulk: true, ReadMapBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	papers := []store.Paper{arxivPaper("2506.00001", 1), arxivPaper("2506.00002", 2)}
	if c, err := s.UpsertPapers(ctx, papers); err != nil || c.Inserted != 2 {
		t.Fatalf("first upsert: %+v, %v", c, err)
	}
	if c, err := s.UpsertPapers(ctx, papers); err != nil || c.Unchanged != 2 {
		t.Fatalf("repeated upsert: %+v, %v", c, err)
	}
	got, err := s.Paper(ctx, "2506.00002")
	if err != nil || got.Title != papers[1].Title || got.Version != 2 {
		t.Fatalf("Paper = %+v, %v", got, err)
	}
}

// indexDDL returns the definitions of the database's indexes by name.
func indexDDL(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			t.Fatal(err)
		}
		out[name] = ddl
	}
	return out
}

// TestDeferredIndexes: an initial load drops the papers' secondary
// indexes and RestoreIndexes builds them again as they were, with the
// papers stored meanwhile findable through them; a load into a database
// that holds papers defers nothing; and a load killed before the restore
// is repaired by the next Migrate.
func TestDeferredIndexes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "load.db")
	open := func() *store.Store {
		s, err := store.Open(ctx, "sqlite:"+path, store.Options{Now: clock, Bulk: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	want := indexDDL(t, path)
	if deferred, err := s.DeferIndexes(ctx); err != nil || !deferred {
		t.Fatalf("DeferIndexes on an empty database = %v, %v", deferred, err)
	}
	during := indexDDL(t, path)
	for _, name := range []string{"paper_authors_names", "papers_title_key", "papers_listed_on"} {
		if _, ok := during[name]; ok {
			t.Errorf("index %s kept during the load", name)
		}
	}
	p := arxivPaper("2506.00001", 1)
	if _, err := s.UpsertPapers(ctx, []store.Paper{p}); err != nil {
		t.Fatal(err)
	}
	// Killed here: the next open builds the indexes.
	s.Close()
	s = open()
	defer s.Close()
	if diff := cmp.Diff(want, indexDDL(t, path)); diff != "" {
		t.Fatalf("indexes after reopening (-before +after):\n%s", diff)
	}
	if deferred, err := s.DeferIndexes(ctx); err != nil || deferred {
		t.Fatalf("DeferIndexes with a paper stored = %v, %v", deferred, err)
	}
	if built, err := s.RestoreIndexes(ctx); err != nil || len(built) != 0 {
		t.Fatalf("RestoreIndexes with nothing deferred = %v, %v", built, err)
	}
	if got, err := s.PaperIDsByTitle(ctx, []string{p.Title}); err != nil || !cmp.Equal(got[store.TitleKey(p.Title)], []string{p.ID}) {
		t.Fatalf("lookup by title = %v, %v", got, err)
	}
}
