package semantic

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// Damage done to a saved index, as a disk, a crash or a hand can do it.
var (
	truncate = func(t *testing.T, path string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
	}
	flipByte = func(t *testing.T, path string) {
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
	writeGarbage = func(t *testing.T, path string) {
		t.Helper()
		if err := os.WriteFile(path, []byte("\x00\x17garbage\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	remove = func(t *testing.T, path string) {
		t.Helper()
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
)

func TestOpenTellsADamagedModelFromDamagedVectors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		file   string
		damage func(*testing.T, string)
		want   error
	}{
		{"truncated vectors", vectorsFile, truncate, ErrVectorsDamaged},
		{"flipped byte in the vectors", vectorsFile, flipByte, ErrVectorsDamaged},
		{"missing vectors", vectorsFile, remove, ErrVectorsDamaged},
		{"garbage feed position", seqFile, writeGarbage, ErrVectorsDamaged},
		{"negative feed position", seqFile, func(t *testing.T, p string) { os.WriteFile(p, []byte("-5\n"), 0o644) }, ErrVectorsDamaged},
		{"truncated model", modelFile, truncate, ErrModelDamaged},
		{"flipped byte in the model", modelFile, flipByte, ErrModelDamaged},
		{"missing model beside vectors", modelFile, remove, ErrModelDamaged},
		{"garbage provider record", providerFile, writeGarbage, ErrModelDamaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ix := build(t)
			ix.SetSeq(7)
			if err := ix.Save(dir); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, filepath.Join(dir, tc.file))
			got, err := Open(dir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			if errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a damaged index reads as none: %v", err)
			}
			if tc.want == ErrVectorsDamaged && (got == nil || got.Model == nil || got.Vectors != nil) {
				t.Errorf("damaged vectors: want the model alone to rebuild them, got %+v", got)
			}
		})
	}
	if _, err := Open(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an empty directory: %v, want fs.ErrNotExist", err)
	}
}

func TestLiveRebuildsDamagedVectorsAndThenFollowsTheFeed(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite, store.Options{})
	docs := corpus()
	if _, err := st.UpsertPapers(ctx, storePapers(docs[:60])); err != nil {
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
	dir := t.TempDir()
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	truncate(t, filepath.Join(dir, vectorsFile))

	damaged, err := Open(dir)
	if !errors.Is(err, ErrVectorsDamaged) {
		t.Fatalf("Open: %v", err)
	}
	live := NewLive(dir, nil, ReasonRebuilding)
	b := lexical.NewBuilder()
	for _, d := range docs {
		b.Add(d)
	}
	s := Searcher{Lexical: &countingLexical{ix: b.Finish()}, Index: live.Index, Down: live.Down}
	req := lexical.Request{Query: "phoneme waveform", Limit: 5}

	// Until rebuilt, hybrid answers from words and says why; semantic fails.
	res, served, err := s.Search(ctx, Hybrid, req)
	if err != nil || served != Lexical || !strings.Contains(res.Fallback, ReasonRebuilding) || len(res.Hits) == 0 {
		t.Errorf("hybrid while rebuilding: served %s, fallback %q, %d hits, %v", served, res.Fallback, len(res.Hits), err)
	}
	if _, _, err := s.Search(ctx, Semantic, req); !errors.Is(err, ErrUnavailable) {
		t.Errorf("semantic while rebuilding: %v, want ErrUnavailable", err)
	}
	// The indexer's batches meanwhile have no vectors to go to; the
	// rebuild's catch-up finds their papers in the feed.
	in := follow.New(follow.Options{Dir: t.TempDir(), Source: st, OnApply: live.Apply})
	if err := in.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertPapers(ctx, storePapers(docs[60:70])); err != nil {
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
	res, served, err = s.Search(ctx, Semantic, req)
	if err != nil || served != Semantic || len(res.Hits) != 5 || res.Fallback != "" {
		t.Fatalf("semantic after the rebuild: served %s, %d hits, fallback %q, %v", served, len(res.Hits), res.Fallback, err)
	}
	for _, h := range res.Hits {
		if topic(h.ID) != 0 {
			t.Errorf("a vision paper %s among speech results", h.ID)
		}
	}
	reopened, err := Open(dir)
	if err != nil || reopened.Vectors.Len() != 70 {
		t.Fatalf("the rebuilt vectors were not saved: %v", err)
	}

	// From now on the feed's batches reach the vectors.
	if _, err := st.UpsertPapers(ctx, storePapers(docs[70:80])); err != nil {
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
	if reopened, err := Open(dir); err != nil || reopened.Vectors.Len() != 80 {
		t.Fatalf("closing did not save the followed vectors: %v", err)
	}
}

func TestLiveWithADamagedModelStaysLexicalAndSavesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := build(t).Save(dir); err != nil {
		t.Fatal(err)
	}
	flipByte(t, filepath.Join(dir, modelFile))
	before, _ := os.ReadFile(filepath.Join(dir, modelFile))
	if _, err := Open(dir); !errors.Is(err, ErrModelDamaged) {
		t.Fatalf("Open: %v", err)
	}
	live := NewLive(dir, nil, ReasonRetrain)
	b := lexical.NewBuilder()
	for _, d := range corpus() {
		b.Add(d)
	}
	s := Searcher{Lexical: &countingLexical{ix: b.Finish()}, Index: live.Index, Down: live.Down}
	res, served, err := s.Search(context.Background(), Hybrid, lexical.Request{Query: "phoneme", Limit: 5})
	if err != nil || served != Lexical || !strings.Contains(res.Fallback, ReasonRetrain) {
		t.Errorf("hybrid with a damaged model: served %s, fallback %q, %v", served, res.Fallback, err)
	}
	if err := live.Apply(corpus()[:1], nil, 1); err != nil {
		t.Errorf("a batch with no vectors to go to: %v", err)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, modelFile)); string(after) != string(before) {
		t.Error("the damaged model was overwritten: the operator's evidence is gone")
	}
}
