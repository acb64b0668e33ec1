package semantic

import (
	"context"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func storePapers(docs []lexical.Document) []store.Paper {
	day := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	papers := make([]store.Paper, len(docs))
	for i, d := range docs {
		papers[i] = store.Paper{ID: d.ID, Version: 1, Title: d.Title, Abstract: d.Abstract, Authors: []string{"A. Author"},
			Categories: []string{"cs.CL"}, FirstVersionAt: day, ListedOn: day, Versions: []store.Version{{Version: 1, Created: day}}}
	}
	return papers
}

func TestVectorsFollowTheChangeFeed(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite, store.Options{})
	docs := corpus()
	if _, err := st.UpsertPapers(ctx, storePapers(docs[:60])); err != nil {
		t.Fatal(err)
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var trained []lexical.Document
	st.EachPaper(ctx, func(p store.Paper) error { trained = append(trained, paperdoc.Of(&p)); return nil })
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.MinDF = 8, 1
	ix, err := Build(ctx, trained, opts)
	if err != nil {
		t.Fatal(err)
	}
	ix.SetSeq(stats.LastChange)
	dir := t.TempDir()
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}

	// Papers arrive while no server runs; a restarted one catches up.
	if _, err := st.UpsertPapers(ctx, storePapers(docs[60:70])); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Seq() != stats.LastChange {
		t.Fatalf("saved seq %d, want %d", ix.Seq(), stats.LastChange)
	}
	n, err := ix.CatchUp(ctx, st)
	if err != nil || n != 10 {
		t.Fatalf("catch-up embedded %d papers (%v), want the 10 new ones", n, err)
	}
	if ix.Vectors.Len() != 70 || !ix.Dirty() {
		t.Fatalf("%d vectors (dirty %v), want 70 and dirty", ix.Vectors.Len(), ix.Dirty())
	}
	similar, err := ix.Similar(docs[64].ID, 5)
	if err != nil {
		t.Fatalf("a new paper has no similar papers: %v", err)
	}
	for _, id := range similar {
		if topic(id) != topic(docs[64].ID) {
			t.Errorf("similar to new paper %s: %s, of the other topic", docs[64].ID, id)
		}
	}
	if n, _ := ix.CatchUp(ctx, st); n != 0 {
		t.Fatalf("a second catch-up embedded %d papers", n)
	}

	// Then the running server's indexer hands its batches over.
	in := follow.New(follow.Options{Dir: t.TempDir(), Source: st, OnApply: ix.Apply})
	if err := in.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertPapers(ctx, storePapers(docs[70:80])); err != nil {
		t.Fatal(err)
	}
	if _, err := in.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	last, _ := st.Stats(ctx)
	if ix.Vectors.Len() != 80 || ix.Seq() != last.LastChange {
		t.Fatalf("after the indexer's batch: %d vectors at seq %d, want 80 at %d", ix.Vectors.Len(), ix.Seq(), last.LastChange)
	}
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	reopened, err := Open(dir)
	if err != nil || reopened.Vectors.Len() != 80 || reopened.Seq() != last.LastChange || reopened.Dirty() {
		t.Fatalf("reopened: %v, %d vectors at seq %d", err, reopened.Vectors.Len(), reopened.Seq())
	}
}

func TestCatchUpAfterThePrunedFeedEmbedsEverything(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	st := storetest.Open(t, store.SQLite, store.Options{Now: func() time.Time { return now }})
	docs := corpus()
	if _, err := st.UpsertPapers(ctx, storePapers(docs[:40])); err != nil {
		t.Fatal(err)
	}
	ix := build(t)
	ix.Vectors = vectorsOf(t, ix, nil)
	now = now.Add(48 * time.Hour)
	if _, err := st.UpsertPapers(ctx, storePapers(docs[40:50])); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PruneChanges(ctx, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := ix.CatchUp(ctx, st)
	if err != nil || n != 50 || ix.Vectors.Len() != 50 {
		t.Fatalf("catch-up over a pruned feed: %d embedded, %d vectors, %v; want all 50", n, ix.Vectors.Len(), err)
	}
}

func TestChangedPapersLeaveTheKeyTermCache(t *testing.T) {
	ix := build(t)
	d := corpus()[0]
	ix.keyTerms(d)
	if _, ok := ix.cachedTerms(d.ID); !ok {
		t.Fatal("key terms were not cached")
	}
	d.Abstract = "pixel camera segmentation pixel camera"
	if err := ix.Apply([]lexical.Document{d}, nil, 1); err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.cachedTerms(d.ID); ok {
		t.Fatal("a changed paper kept its old key terms")
	}
	if kt := ix.keyTerms(d); len(kt.terms) == 0 || kt.words[0] == "" {
		t.Fatalf("key terms of the changed paper: %+v", kt)
	}
}
