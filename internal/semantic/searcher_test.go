package semantic

import (
	"context"
	"fmt"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search"
)

// countingLexical counts the searches the lexical index runs.
type countingLexical struct {
	ix       *search.Index
	searches int
}

func (c *countingLexical) Search(ctx context.Context, req search.Request) (search.Result, error) {
	c.searches++
	return c.ix.Search(ctx, req)
}

func TestSearcherPagesAreSlicesOfOneRanking(t *testing.T) {
	b := search.NewBuilder()
	for _, d := range corpus() {
		if err := b.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	lex := &countingLexical{ix: b.Finish()}
	ix := build(t)
	s := Searcher{Lexical: lex, Index: func() *Index { return ix }}
	ctx := context.Background()
	ids := func(res search.Result) string { return fmt.Sprint(res.IDs()) }
	for _, mode := range []Mode{Hybrid, Semantic, Lexical} {
		all, served, err := s.Search(ctx, mode, search.Request{Query: "speech audio", Limit: 9})
		if err != nil || served != mode || len(all.Hits) != 9 {
			t.Fatalf("%s: %d hits, served %s, %v", mode, len(all.Hits), served, err)
		}
		lex.searches = 0
		page, _, err := s.Search(ctx, mode, search.Request{Query: "speech audio", Offset: 3, Limit: 3})
		if err != nil || ids(page) != fmt.Sprint(all.IDs()[3:6]) {
			t.Errorf("%s: page 2 %s, want %v (%v)", mode, ids(page), all.IDs()[3:6], err)
		}
		if lex.searches != 1 {
			t.Errorf("%s: %d lexical searches for one page, want 1", mode, lex.searches)
		}
	}
	// A query hybrid search cannot fuse (a sort order) answers from the
	// words, paged the same way.
	req := search.Request{Query: "speech sort:newest", Offset: 2, Limit: 4}
	hybrid, served, err := s.Search(ctx, Hybrid, req)
	want, _ := lex.ix.Search(ctx, req)
	if err != nil || served != Lexical || ids(hybrid) != ids(want) || len(want.Hits) != 4 {
		t.Errorf("sorted hybrid query: %s served %s, want %s from words (%v)", ids(hybrid), served, ids(want), err)
	}
}
