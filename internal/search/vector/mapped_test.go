package vector

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// TestMappedIndexMatchesInMemory: an index opened from its mapped file
// answers as the index it was saved from, before and after the same
// deletions (which copy a mapped list first) and additions.
func TestMappedIndexMatchesInMemory(t *testing.T) {
	ids, vecs := clustered(4000, 32, 40, 0.6, 9)
	mem := build(t, ids, vecs, Options{Seed: 1})
	if err := mem.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vectors.bin")
	if err := mem.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	mapped, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	compare := func(stage string) {
		t.Helper()
		for _, q := range vecs[:40] {
			for _, search := range []func(*Index, []float32, int) ([]Hit, error){(*Index).Search, (*Index).SearchExact} {
				a, _ := search(mem, q, 10)
				b, _ := search(mapped, q, 10)
				if !slices.Equal(a, b) {
					t.Fatalf("%s: results differ:\n%v\n%v", stage, a, b)
				}
			}
		}
		if mem.Len() != mapped.Len() {
			t.Fatalf("%s: len %d / %d", stage, mem.Len(), mapped.Len())
		}
	}
	compare("opened")
	rng := rand.New(rand.NewPCG(1, 2))
	more, extra := clustered(200, 32, 40, 0.6, 10)
	for i := range 300 {
		id := ids[rng.IntN(len(ids))]
		for _, ix := range []*Index{mem, mapped} {
			ix.Delete(id)
			if i < len(more) {
				if err := ix.Add("new-"+more[i], extra[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	compare("after deletions and additions")
	if v, ok := mapped.Vector("new-" + more[3]); !ok || !slices.Equal(v, extra[3]) {
		t.Error("an added vector reads back wrong")
	}
}

// TestOpenFileKeepsTheVectorsOffTheHeap: the vectors and codes of an
// opened file stay in the mapping.
func TestOpenFileKeepsTheVectorsOffTheHeap(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapping is measured on Linux")
	}
	ids, vecs := clustered(8000, 256, 40, 0.6, 11)
	ix := build(t, ids, vecs, Options{Seed: 1})
	if err := ix.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vectors.bin")
	if err := ix.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	ix, vecs = nil, nil
	fi, _ := os.Stat(path)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	back, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	grew := int64(heap()) - int64(before)
	runtime.KeepAlive(back)
	// The ids, their map, the centroids and the projection are copied
	// (about 120 bytes a vector besides the 1,060 of its floats and code).
	if grew > fi.Size()/5 {
		t.Errorf("OpenFile of %d bytes grew the heap by %d; want under a fifth", fi.Size(), grew)
	}
	t.Logf("file %d bytes, heap +%d bytes", fi.Size(), grew)
}

// TestOpenFileSurvivesTruncationAndBitFlips: every damaged copy of a
// vectors file is refused with ErrFormat (the caller embeds again), never
// a crash or a wrong index.
func TestOpenFileSurvivesTruncationAndBitFlips(t *testing.T) {
	ids, vecs := clustered(2000, 16, 20, 0.6, 12)
	ix := build(t, ids, vecs, Options{Seed: 1})
	if err := ix.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "vectors.bin")
	if err := ix.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var damaged [][]byte
	for _, n := range []int{0, 1, 8, 11, 40, len(orig) / 3, len(orig) - 5, len(orig) - 1} {
		damaged = append(damaged, orig[:n:n])
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		b := slices.Clone(orig)
		b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
		damaged = append(damaged, b)
	}
	damaged = append(damaged, append(slices.Clone(orig), 0, 0, 0, 0))
	for i, b := range damaged {
		p := filepath.Join(dir, "damaged.bin")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if back, err := OpenFile(p, Options{}); !errors.Is(err, ErrFormat) {
			t.Errorf("damage %d (%d of %d bytes): OpenFile = %v, %v; want ErrFormat", i, len(b), len(orig), back != nil, err)
		}
	}
}

// TestBudgetBoundsTheWorkOfAQuery: a scan budget smaller than the
// calibrated probes cuts the query to the nearest lists and says so;
// without a budget nothing is cut and the results are as calibrated.
func TestBudgetBoundsTheWorkOfAQuery(t *testing.T) {
	ids, vecs := clustered(6000, 16, 60, 1.5, 13) // noisy: poorly clustered
	ix := build(t, ids, vecs, Options{Seed: 1})
	if err := ix.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := vecs[5]
	ix.SetBudget(-1, -1)
	full, cut, err := ix.SearchBounded(q, 10)
	if err != nil || cut {
		t.Fatalf("unbounded search: cut %v, err %v", cut, err)
	}
	ix.SetBudget(0, 0) // the defaults are far above this index
	if _, cut, _ := ix.SearchBounded(q, 10); cut {
		t.Error("the default budget cut a query of a small index")
	}
	perList := ix.Len() / ix.Lists()
	ix.SetBudget(2*perList, 20)
	bounded, cut, err := ix.SearchBounded(q, 10)
	if err != nil || !cut {
		t.Fatalf("bounded search: cut %v, err %v (probes %d of %d lists)", cut, err, ix.Probes(), ix.Lists())
	}
	if len(bounded) != 10 || bounded[0].ID != full[0].ID {
		t.Errorf("bounded search lost the nearest: %v vs %v", bounded, full)
	}
	// Exact search ignores the budget.
	exact, _ := ix.SearchExact(q, 10)
	ix.SetBudget(-1, -1)
	if want, _ := ix.SearchExact(q, 10); !slices.Equal(exact, want) {
		t.Error("the budget changed exact search")
	}
}
