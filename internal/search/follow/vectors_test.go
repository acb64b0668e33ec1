package follow_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/search/internal/searchtest"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// truncate cuts a file in half, as a crash can.
func truncate(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}

// flipByte changes one byte of a file, as a disk can.
func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)*2/3] ^= 0x40
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVectorsRebuildDamagedVectorsAndThenFollowsTheFeed(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite, store.Options{})
	docs := searchtest.Corpus()
	if _, err := st.UpsertPapers(ctx, searchtest.StorePapers(docs[:60])); err != nil {
		t.Fatal(err)
	}
	var trained []lexical.Document
	st.EachPaper(ctx, func(p store.Paper) error { trained = append(trained, paperdoc.Of(&p)); return nil })
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.MinDF = 8, 1
	ix, err := semantic.Build(ctx, trained, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	truncate(t, filepath.Join(dir, "vectors.bin"))

	damaged, err := semantic.Open(dir)
	if !errors.Is(err, semantic.ErrVectorsDamaged) {
		t.Fatalf("Open: %v", err)
	}
	live := follow.NewVectors(dir, nil, follow.ReasonRebuilding)
	b := lexical.NewBuilder()
	for _, d := range docs {
		b.Add(d)
	}
	var log bytes.Buffer
	s := search.Searcher{Lexical: b.Finish(), Index: live.Index, Down: live.Down, Log: slog.New(slog.NewTextHandler(&log, nil))}
	req := lexical.Request{Query: "phoneme waveform", Limit: 5}

	// Until rebuilt, hybrid answers from words and says so, neutrally; the
	// reason goes to the log. Semantic fails.
	res, served, err := s.Search(ctx, search.Hybrid, req)
	if err != nil || served != search.Lexical || res.Fallback != search.FallbackUnavailable || len(res.Hits) == 0 {
		t.Errorf("hybrid while rebuilding: served %s, fallback %q, %d hits, %v", served, res.Fallback, len(res.Hits), err)
	}
	if !strings.Contains(log.String(), follow.ReasonRebuilding) {
		t.Errorf("the log does not say why hybrid answered from words:\n%s", log.String())
	}
	if _, _, err := s.Search(ctx, search.Semantic, req); !errors.Is(err, search.ErrUnavailable) {
		t.Errorf("semantic while rebuilding: %v, want search.ErrUnavailable", err)
	}
	// The indexer's batches meanwhile have no vectors to go to; the
	// rebuild's catch-up finds their papers in the feed.
	in := follow.New(follow.Options{Dir: t.TempDir(), Source: st, OnApply: live.Apply})
	if err := in.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertPapers(ctx, searchtest.StorePapers(docs[60:70])); err != nil {
		t.Fatal(err)
	}
	if _, err := in.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}

	n, err := live.Rebuild(ctx, damaged, st)
	if err != nil || n != 70 {
		t.Fatalf("rebuild: %d papers, %v; want 70", n, err)
	}
	if live.Index() != damaged || live.Down() != "" || damaged.Vectors.Len() != 70 {
		t.Fatalf("after the rebuild: index %p (want %p), down %q, %d vectors", live.Index(), damaged, live.Down(), damaged.Vectors.Len())
	}
	res, served, err = s.Search(ctx, search.Semantic, req)
	if err != nil || served != search.Semantic || len(res.Hits) != 5 || res.Fallback != "" {
		t.Fatalf("semantic after the rebuild: served %s, %d hits, fallback %q, %v", served, len(res.Hits), res.Fallback, err)
	}
	for _, h := range res.Hits {
		if searchtest.Topic(h.ID) != 0 {
			t.Errorf("a vision paper %s among speech results", h.ID)
		}
	}
	reopened, err := semantic.Open(dir)
	if err != nil || reopened.Vectors.Len() != 70 {
		t.Fatalf("the rebuilt vectors were not saved: %v", err)
	}

	// From now on the feed's batches reach the vectors.
	if _, err := st.UpsertPapers(ctx, searchtest.StorePapers(docs[70:80])); err != nil {
		t.Fatal(err)
	}
	if _, err := in.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	last, _ := st.Stats(ctx)
	if damaged.Vectors.Len() != 80 || damaged.Seq() != last.LastChange {
		t.Fatalf("after the rebuild, the indexer's batch: %d vectors at seq %d, want 80 at %d", damaged.Vectors.Len(), damaged.Seq(), last.LastChange)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	if reopened, err := semantic.Open(dir); err != nil || reopened.Vectors.Len() != 80 {
		t.Fatalf("closing did not save the followed vectors: %v", err)
	}
}

func TestVectorsWithADamagedModelStaysLexicalAndSavesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := searchtest.Semantic(t).Save(dir); err != nil {
		t.Fatal(err)
	}
	flipByte(t, filepath.Join(dir, "model.bin"))
	before, _ := os.ReadFile(filepath.Join(dir, "model.bin"))
	if _, err := semantic.Open(dir); !errors.Is(err, semantic.ErrModelDamaged) {
		t.Fatalf("Open: %v", err)
	}
	live := follow.NewVectors(dir, nil, follow.ReasonRetrain)
	b := lexical.NewBuilder()
	for _, d := range searchtest.Corpus() {
		b.Add(d)
	}
	s := search.Searcher{Lexical: b.Finish(), Index: live.Index, Down: live.Down}
	res, served, err := s.Search(context.Background(), search.Hybrid, lexical.Request{Query: "phoneme", Limit: 5})
	if err != nil || served != search.Lexical || res.Fallback != search.FallbackUnavailable {
		t.Errorf("hybrid with a damaged model: served %s, fallback %q, %v", served, res.Fallback, err)
	}
	if err := live.Apply(context.Background(), searchtest.Corpus()[:1], nil, 1); err != nil {
		t.Errorf("a batch with no vectors to go to: %v", err)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "model.bin")); string(after) != string(before) {
		t.Error("the damaged model was overwritten: the operator's evidence is gone")
	}
}

func TestVectorsFollowTheChangeFeed(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite, store.Options{})
	docs := searchtest.Corpus()
	if _, err := st.UpsertPapers(ctx, searchtest.StorePapers(docs[:60])); err != nil {
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
	ix, err := semantic.Build(ctx, trained, opts)
	if err != nil {
		t.Fatal(err)
	}
	ix.SetSeq(stats.LastChange)
	dir := t.TempDir()
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}

	// Papers arrive while no server runs; a restarted one catches up.
	if _, err := st.UpsertPapers(ctx, searchtest.StorePapers(docs[60:70])); err != nil {
		t.Fatal(err)
	}
	ix, err = semantic.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Seq() != stats.LastChange {
		t.Fatalf("saved seq %d, want %d", ix.Seq(), stats.LastChange)
	}
	n, err := follow.CatchUpVectors(ctx, ix, st)
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
		if searchtest.Topic(id) != searchtest.Topic(docs[64].ID) {
			t.Errorf("similar to new paper %s: %s, of the other topic", docs[64].ID, id)
		}
	}
	if n, _ := follow.CatchUpVectors(ctx, ix, st); n != 0 {
		t.Fatalf("a second catch-up embedded %d papers", n)
	}

	// Then the running server's indexer hands its batches over.
	in := follow.New(follow.Options{Dir: t.TempDir(), Source: st, OnApply: ix.Apply})
	if err := in.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertPapers(ctx, searchtest.StorePapers(docs[70:80])); err != nil {
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
	reopened, err := semantic.Open(dir)
	if err != nil || reopened.Vectors.Len() != 80 || reopened.Seq() != last.LastChange || reopened.Dirty() {
		t.Fatalf("reopened: %v, %d vectors at seq %d", err, reopened.Vectors.Len(), reopened.Seq())
	}
}

func TestCatchUpAfterThePrunedFeedEmbedsEverything(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	st := storetest.Open(t, store.SQLite, store.Options{Now: func() time.Time { return now }})
	docs := searchtest.Corpus()
	if _, err := st.UpsertPapers(ctx, searchtest.StorePapers(docs[:40])); err != nil {
		t.Fatal(err)
	}
	ix := searchtest.Semantic(t)
	ix.Vectors = searchtest.VectorsOf(t, ix, nil)
	now = now.Add(48 * time.Hour)
	if _, err := st.UpsertPapers(ctx, searchtest.StorePapers(docs[40:50])); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PruneChanges(ctx, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := follow.CatchUpVectors(ctx, ix, st)
	if err != nil || n != 50 || ix.Vectors.Len() != 50 {
		t.Fatalf("catch-up over a pruned feed: %d embedded, %d vectors, %v; want all 50", n, ix.Vectors.Len(), err)
	}
}
