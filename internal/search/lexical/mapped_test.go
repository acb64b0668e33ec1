package lexical

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mappedFixture is a fixed corpus built the way serve builds it (one
// Builder segment), then changed by Add and Delete so that it has several
// segments with deletions, saved to a directory.
func mappedFixture(t *testing.T) (*Index, string, []Document) {
	t.Helper()
	docs := randomCorpus(11, 12000)
	b := NewBuilder()
	for _, d := range docs[:10000] {
		b.Add(d)
	}
	ix := b.Finish()
	for i := 10000; i < len(docs); i += 500 {
		if err := ix.Add(docs[i : i+500]...); err != nil {
			t.Fatal(err)
		}
	}
	ix.Delete("r00003", "r00500", "r10001", "r11999")
	ix.SetLastSeq(7)
	dir := filepath.Join(t.TempDir(), "index")
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	return ix, dir, docs
}

// fixtureQueries are words, phrases, fields, filters and sorts drawn from
// the fixture's own text.
func fixtureQueries(docs []Document) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	qs := []string{"cat:cs.CL w1", `"w1 w2"`, "w3 -w1", "sort:newest w5", "sort:upvotes t1x3", "ti:w2 abs:w7", "id:r00042", "after:2025-01-15 w4"}
	for range 150 {
		d := docs[rng.IntN(len(docs))]
		words := strings.Fields(d.Title + " " + d.Abstract)
		n := 1 + rng.IntN(6)
		if rng.IntN(10) == 0 {
			n = 20 // a pasted sentence
		}
		at := rng.IntN(max(1, len(words)-n))
		qs = append(qs, strings.Join(words[at:min(len(words), at+n)], " "))
	}
	return qs
}

// TestMappedIndexMatchesInMemory: the saved index, opened from mapped
// files, answers every query with the same hits, scores and totals as the
// in-memory index it was saved from, and so does each after the same
// further writes (mapped and heap segments merged together).
func TestMappedIndexMatchesInMemory(t *testing.T) {
	mem, dir, docs := mappedFixture(t)
	mapped, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mapped.LastSeq() != 7 || mapped.Len() != mem.Len() || mapped.Segments() != mem.Segments() {
		t.Fatalf("opened: seq %d len %d segs %d, want 7, %d, %d", mapped.LastSeq(), mapped.Len(), mapped.Segments(), mem.Len(), mem.Segments())
	}
	compare := func(stage string) {
		t.Helper()
		for _, q := range fixtureQueries(docs) {
			for _, limit := range []int{10, 100} {
				want, werr := mem.Search(context.Background(), Request{Query: q, Limit: limit})
				got, gerr := mapped.Search(context.Background(), Request{Query: q, Limit: limit})
				if (werr == nil) != (gerr == nil) {
					t.Fatalf("%s: %q: errors %v / %v", stage, q, werr, gerr)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s: %q limit %d (-memory +mapped):\n%s", stage, q, limit, diff)
				}
			}
		}
		for _, p := range []string{"w1", "t3x", "w99"} {
			if w, g := mem.Completions(p, 5), mapped.Completions(p, 5); !cmp.Equal(w, g) {
				t.Fatalf("%s: completions of %q: %v / %v", stage, p, w, g)
			}
		}
	}
	compare("opened")
	for _, ix := range []*Index{mem, mapped} {
		extra := randomCorpus(12, 300)
		for i := range extra {
			extra[i].ID = fmt.Sprintf("x%05d", i)
		}
		for i := 0; i < len(extra); i += 30 {
			if err := ix.Add(extra[i : i+30]...); err != nil {
				t.Fatal(err)
			}
		}
		ix.Delete("r00100", "x00007")
	}
	compare("after writes and merges")
	mapped.Compact()
	mem.Compact()
	compare("after a full merge")
}

// TestOpenKeepsTheIndexOffTheHeap: opening a saved index maps its files,
// so the Go heap grows by a small fraction of their size.
func TestOpenKeepsTheIndexOffTheHeap(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapping is measured on Linux")
	}
	_, dir, _ := mappedFixture(t)
	size := int64(0)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		fi, _ := e.Info()
		size += fi.Size()
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	grew := int64(heap()) - int64(before)
	runtime.KeepAlive(ix)
	if grew > size/10 {
		t.Errorf("Open of %d bytes of files grew the heap by %d bytes; want under a tenth", size, grew)
	}
	t.Logf("files %d bytes, heap +%d bytes", size, grew)
}

// TestOpenSurvivesTruncationAndBitFlips damages every file of a saved
// index in many ways: Open must refuse each with ErrFormat (the caller
// rebuilds from the database), never crash or return a wrong index.
func TestOpenSurvivesTruncationAndBitFlips(t *testing.T) {
	_, dir, _ := mappedFixture(t)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, e := range ents {
		orig := mustRead(t, filepath.Join(dir, e.Name()))
		var damaged [][]byte
		for _, n := range []int{0, 1, 3, 4, 8, 12, len(orig) / 3, len(orig) / 2, len(orig) - 5, len(orig) - 4, len(orig) - 1} {
			if n >= 0 && n < len(orig) {
				damaged = append(damaged, orig[:n:n])
			}
		}
		for range 12 {
			b := append([]byte(nil), orig...)
			b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
			damaged = append(damaged, b)
		}
		damaged = append(damaged, append(append([]byte(nil), orig...), 0)) // grown by a byte
		for i, b := range damaged {
			copyDir := filepath.Join(t.TempDir(), "index")
			if err := os.MkdirAll(copyDir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, o := range ents {
				data := mustRead(t, filepath.Join(dir, o.Name()))
				if o.Name() == e.Name() {
					data = b
				}
				mustWrite(t, filepath.Join(copyDir, o.Name()), data)
			}
			ix, err := Open(copyDir)
			if !errors.Is(err, ErrFormat) {
				t.Errorf("%s damage %d (%d of %d bytes): Open = %v, %v; want ErrFormat", e.Name(), i, len(b), len(orig), ix != nil, err)
			}
		}
	}
}
