package lexical

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// encoded is a segment as Save writes it.
func encoded(v *segView) []byte {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	encodeSegment(&encoder{w: bw}, v)
	bw.Flush()
	return buf.Bytes()
}

// TestSpilledBuildMatchesOneRun: a build whose postings are written out in
// runs of a few kilobytes and merged from files makes the same segment,
// byte for byte (duplicates deleted the same way), as one in-memory build,
// and the two indexes answer every query alike; the build's files are
// gone afterwards.
func TestSpilledBuildMatchesOneRun(t *testing.T) {
	docs := randomCorpus(21, 6000)
	// Later records of a paper replace earlier ones, across runs too.
	for i := 0; i < 40; i++ {
		d := docs[i*97]
		d.Title += " revised w3"
		docs = append(docs, d)
	}
	build := func(spill bool) (*Index, string) {
		b := NewBuilder()
		parent := t.TempDir()
		if spill {
			b.SpillTo(parent, 64<<10)
		}
		for _, d := range docs {
			if err := b.Add(d); err != nil {
				t.Fatal(err)
			}
		}
		ix, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		if spill && b.spilled < 10 {
			t.Fatalf("%d runs written; want many", b.spilled)
		}
		return ix, parent
	}
	one, _ := build(false)
	spilled, parent := build(true)
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("the build left %d entries in its directory", len(left))
	}
	ws, gs := one.snap.Load().segs, spilled.snap.Load().segs
	if len(ws) != 1 || len(gs) != 1 {
		t.Fatalf("segments: %d and %d, want 1", len(ws), len(gs))
	}
	if ws[0].live != gs[0].live || !bytes.Equal(encoded(ws[0]), encoded(gs[0])) {
		t.Fatalf("the spilled segment differs from the one-run segment (live %d / %d)", ws[0].live, gs[0].live)
	}
	for _, q := range fixtureQueries(docs) {
		want, werr := one.Search(context.Background(), Request{Query: q, Limit: 20})
		got, gerr := spilled.Search(context.Background(), Request{Query: q, Limit: 20})
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: errors %v / %v", q, werr, gerr)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%q (-one run +spilled):\n%s", q, diff)
		}
	}
}

// TestSpilledBuildOfNothing: a spilling build of no documents is an empty
// index, as an in-memory one is.
func TestSpilledBuildOfNothing(t *testing.T) {
	b := NewBuilder()
	b.SpillTo(t.TempDir(), 1)
	ix, err := b.Build()
	if err != nil || ix.Len() != 0 {
		t.Fatalf("Build = %v docs, %v", ix.Len(), err)
	}
}
