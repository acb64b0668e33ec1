package follow_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func paper(id, title string) store.Paper {
	day := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	return store.Paper{
		ID: id, Version: 1, Title: title, Abstract: "An abstract about " + title + ".",
		Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.CL"},
		Versions:       []store.Version{{Version: 1, Created: day}},
		FirstVersionAt: day, LatestVersionAt: day, ListedOn: day,
	}
}

func upsert(t *testing.T, s *store.Store, papers ...store.Paper) {
	t.Helper()
	if _, err := s.UpsertPapers(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
}

func ids(t *testing.T, ix *lexical.Index, q string) []string {
	t.Helper()
	res, err := ix.Search(context.Background(), lexical.Request{Query: q, Limit: 10})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestBuildCatchUpAndReopen(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, d, store.Options{})
			upsert(t, s, paper("2506.00001", "Direct preference optimization"), paper("2506.00002", "Word alignment for speech"))
			dir := filepath.Join(t.TempDir(), "index")
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))

			in, err := follow.Open(ctx, follow.Options{Dir: dir, Source: s, Log: log})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(t, in.Index(), "preference optimization"); len(got) != 1 || got[0] != "2506.00001" {
				t.Fatalf("after build: %v", got)
			}
			if !strings.Contains(logs.String(), "search index built") {
				t.Errorf("first open did not build:\n%s", logs.String())
			}

			// A change made by anyone reaches the index through the feed.
			upsert(t, s, paper("2506.00003", "Reward models for alignment"))
			if n, err := in.CatchUp(ctx); err != nil || n != 1 {
				t.Fatalf("catch-up applied %d, err %v", n, err)
			}
			if got := ids(t, in.Index(), "reward model"); len(got) != 1 || got[0] != "2506.00003" {
				t.Fatalf("after catch-up: %v", got)
			}
			revised := paper("2506.00002", "Monotonic alignment search for TTS")
			revised.Version = 2
			upsert(t, s, revised)
			in.CatchUp(ctx)
			if got := ids(t, in.Index(), "monotonic"); len(got) != 1 || got[0] != "2506.00002" {
				t.Fatalf("revised paper: %v", got)
			}
			if got := ids(t, in.Index(), "word speech"); len(got) != 0 {
				t.Fatalf("old version still found: %v", got)
			}
			if err := in.Save(); err != nil {
				t.Fatal(err)
			}

			// Reopening loads the saved index instead of rebuilding, and
			// applies what changed while it was closed.
			upsert(t, s, paper("2506.00004", "Contrastive decoding"))
			logs.Reset()
			again, err := follow.Open(ctx, follow.Options{Dir: dir, Source: s, Log: log})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs.String(), "search index loaded") || strings.Contains(logs.String(), "built") {
				t.Errorf("reopen rebuilt the index:\n%s", logs.String())
			}
			for q, want := range map[string]string{"monotonic": "2506.00002", "contrastive decoding": "2506.00004", "reward": "2506.00003"} {
				if got := ids(t, again.Index(), q); len(got) != 1 || got[0] != want {
					t.Errorf("reopened index: %q -> %v, want %s", q, got, want)
				}
			}
		})
	}
}

func TestIndexOfAnotherDatabaseIsRebuilt(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "index")
	first := storetest.Open(t, store.SQLite, store.Options{})
	for i := range 5 {
		upsert(t, first, paper(fmt.Sprintf("2506.%05d", i+1), fmt.Sprintf("Paper number %d", i)))
	}
	in, err := follow.Open(ctx, follow.Options{Dir: dir, Source: first})
	if err != nil {
		t.Fatal(err)
	}
	in.Save()
	second := storetest.Open(t, store.SQLite, store.Options{})
	upsert(t, second, paper("2601.00001", "Something else entirely"))
	in2, err := follow.Open(ctx, follow.Options{Dir: dir, Source: second})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(t, in2.Index(), "paper number"); len(got) != 0 {
		t.Errorf("stale papers from the other database: %v", got)
	}
	if got := ids(t, in2.Index(), "something else"); len(got) != 1 {
		t.Errorf("new database's paper missing: %v", got)
	}
}

// TestReplicasCatchUp runs two indexers, as two app replicas would, on one
// PostgreSQL database: a paper written by either shows up in both.
func TestReplicasCatchUp(t *testing.T) {
	url := storetest.MigratedURL(t, store.Postgres)
	dirs := []string{t.TempDir(), t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Runs before the temporary directories are removed: the replicas save
	// their indexes on the way out.
	t.Cleanup(func() { cancel(); wg.Wait() })
	var replicas []*follow.Indexer
	var stores []*store.Store
	for i := range 2 {
		s, err := store.Open(ctx, url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		in, err := follow.Open(ctx, follow.Options{Dir: dirs[i], Source: s, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); in.Run(ctx) }()
		replicas = append(replicas, in)
		stores = append(stores, s)
	}
	upsert(t, stores[0], paper("2506.00010", "Speculative decoding"))
	upsert(t, stores[1], paper("2506.00011", "Mixture of experts routing"))
	for i, in := range replicas {
		for _, q := range []string{"speculative decoding", "mixture experts"} {
			deadline := time.Now().Add(5 * time.Second)
			for len(ids(t, in.Index(), q)) == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("replica %d never found %q", i, q)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
}

// TestSameResultsOnEveryBackend builds the index from the same papers held
// in SQLite and in PostgreSQL: every query must rank identically.
func TestSameResultsOnEveryBackend(t *testing.T) {
	ctx := context.Background()
	var papers []store.Paper
	words := []string{"alignment", "preference", "speech", "vision", "language", "reward", "decoding", "retrieval"}
	for i := range 300 {
		p := paper(fmt.Sprintf("2506.%05d", i+1), words[i%8]+" "+words[(i/8)%8]+" models "+fmt.Sprint(i%13))
		p.ListedOn = p.ListedOn.AddDate(0, 0, i%17)
		papers = append(papers, p)
	}
	queries := []string{"alignment", "preference speech", `"language models"`, "reward -vision", "decoding sort:newest", "cat:cs.CL retrieval"}
	var results [][]string
	for _, d := range storetest.Dialects {
		s := storetest.Open(t, d, store.Options{})
		upsert(t, s, papers...)
		in, err := follow.Open(ctx, follow.Options{Dir: t.TempDir(), Source: s})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, q := range queries {
			got = append(got, strings.Join(ids(t, in.Index(), q), " "))
		}
		results = append(results, got)
	}
	for i, q := range queries {
		if results[0][i] != results[1][i] {
			t.Errorf("%q: sqlite %s, postgres %s", q, results[0][i], results[1][i])
		}
		if results[0][i] == "" {
			t.Errorf("%q found nothing", q)
		}
	}
}

func TestIndexOlderThanTheKeptFeedIsRebuilt(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := storetest.Open(t, store.SQLite, store.Options{Now: func() time.Time { return now }})
	upsert(t, s, paper("2506.00001", "Graph neural networks"))
	dir := t.TempDir()
	in, err := follow.Open(ctx, follow.Options{Dir: dir, Source: s})
	if err != nil {
		t.Fatal(err)
	}
	in.Save()
	// While this replica is away, two changes happen and the older is pruned.
	now = now.Add(40 * 24 * time.Hour)
	upsert(t, s, paper("2506.00002", "Diffusion transformers"))
	now = now.Add(time.Hour)
	upsert(t, s, paper("2506.00003", "State space models"))
	if _, err := s.PruneChanges(ctx, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	again, err := follow.Open(ctx, follow.Options{Dir: dir, Source: s, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "older than the kept change feed") {
		t.Errorf("no rebuild:\n%s", logs.String())
	}
	if got := ids(t, again.Index(), "diffusion transformers"); len(got) != 1 {
		t.Errorf("the paper whose change was pruned is missing: %v", got)
	}
}

func TestHiddenPapersAreNotFound(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, store.SQLite, store.Options{})
	upsert(t, s, paper("2506.00001", "quantum walks"), paper("2506.00002", "quantum annealing"))
	mod, err := s.CreateUser(ctx, store.User{Username: "mod", Email: "mod@example.org", Role: "moderator"})
	if err != nil {
		t.Fatal(err)
	}
	actor := store.Actor{ID: mod.ID, Name: mod.Username, Moderator: true}
	in, err := follow.Open(ctx, follow.Options{Dir: t.TempDir(), Source: s})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(t, in.Index(), "quantum"); len(got) != 2 {
		t.Fatalf("before hiding: %v", got)
	}
	if err := s.SetHidden(ctx, "2506.00001", true, actor, "spam"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, in.Index(), "quantum"); len(got) != 1 || got[0] != "2506.00002" {
		t.Fatalf("after hiding 2506.00001: %v", got)
	}
	// A rebuild leaves it out too; unhiding brings it back.
	if err := in.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, in.Index(), "walks"); len(got) != 0 {
		t.Fatalf("rebuilt index finds the hidden paper: %v", got)
	}
	if err := s.SetHidden(ctx, "2506.00001", false, actor, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := in.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, in.Index(), "walks"); len(got) != 1 {
		t.Fatalf("after unhiding: %v", got)
	}
}
