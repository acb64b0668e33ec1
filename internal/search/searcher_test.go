package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/fusion"
	"github.com/paperboy-dev/paperboy/internal/search/internal/searchtest"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
)

// countingLexical counts the searches the lexical index runs.
type countingLexical struct {
	ix       *lexical.Index
	searches int
}

func (c *countingLexical) Search(ctx context.Context, req Request) (Result, error) {
	c.searches++
	return c.ix.Search(ctx, req)
}

func TestSearcherPagesAreSlicesOfOneRanking(t *testing.T) {
	b := lexical.NewBuilder()
	for _, d := range searchtest.Corpus() {
		if err := b.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	lex := &countingLexical{ix: b.Finish()}
	ix := searchtest.Semantic(t)
	s := Searcher{Lexical: lex, Index: func() *semantic.Index { return ix }}
	ctx := context.Background()
	ids := func(res Result) string { return fmt.Sprint(res.IDs()) }
	for _, mode := range []Mode{Hybrid, Semantic, Lexical} {
		all, served, err := s.Search(ctx, mode, Request{Query: "speech audio", Limit: 9})
		if err != nil || served != mode || len(all.Hits) != 9 {
			t.Fatalf("%s: %d hits, served %s, %v", mode, len(all.Hits), served, err)
		}
		lex.searches = 0
		page, _, err := s.Search(ctx, mode, Request{Query: "speech audio", Offset: 3, Limit: 3})
		if err != nil || ids(page) != fmt.Sprint(all.IDs()[3:6]) {
			t.Errorf("%s: page 2 %s, want %v (%v)", mode, ids(page), all.IDs()[3:6], err)
		}
		if lex.searches != 1 {
			t.Errorf("%s: %d lexical searches for one page, want 1", mode, lex.searches)
		}
	}
	// A query hybrid search cannot fuse (a sort order) answers from the
	// words, paged the same way.
	req := Request{Query: "speech sort:newest", Offset: 2, Limit: 4}
	hybrid, served, err := s.Search(ctx, Hybrid, req)
	want, _ := lex.ix.Search(ctx, req)
	if err != nil || served != Lexical || ids(hybrid) != ids(want) || len(want.Hits) != 4 {
		t.Errorf("sorted hybrid query: %s served %s, want %s from words (%v)", ids(hybrid), served, ids(want), err)
	}
}

func TestHybridWithFiltersRanksThePapersThatPassThem(t *testing.T) {
	docs := searchtest.Corpus()
	b := lexical.NewBuilder()
	text := map[string]string{}
	for _, d := range docs {
		if err := b.Add(d); err != nil {
			t.Fatal(err)
		}
		text[d.ID] = d.Title + " " + d.Abstract
	}
	lex := b.Finish()
	ix := searchtest.Semantic(t)
	s := Searcher{Lexical: lex, Index: func() *semantic.Index { return ix }}
	ctx := context.Background()

	req := Request{Query: `audio image -vocoder`, Limit: 80}
	got, served, err := s.Search(ctx, Hybrid, req)
	if err != nil || served != Hybrid {
		t.Fatalf("hybrid with an exclusion served %s: %v", served, err)
	}
	words, _ := lex.Search(ctx, req)
	if len(got.Hits) != len(words.Hits) || got.Total != words.Total {
		t.Fatalf("%d hits (total %d), want the %d (total %d) that pass the filter", len(got.Hits), got.Total, len(words.Hits), words.Total)
	}
	var ids []string
	for _, h := range got.Hits {
		if strings.Contains(text[h.ID], "vocoder") {
			t.Errorf("%s has the excluded word: %s", h.ID, text[h.ID])
		}
		ids = append(ids, h.ID)
	}
	// The order is the fusion of the words' scores with the same papers'
	// similarity to the query's words, without the exclusion.
	sem, err := ix.Score(ctx, "audio image", ids)
	if err != nil {
		t.Fatal(err)
	}
	want := fusion.IDs(Fuse(DefaultFusion, LexicalScores(words.Hits), sem, 0))
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("hybrid order %v, want %v", ids, want)
	}
	if fmt.Sprint(ids) == fmt.Sprint(words.IDs()) {
		t.Errorf("hybrid ranks as the words alone: %v", ids)
	}

	// Fields alone give the vectors nothing to look for.
	_, served, err = s.Search(ctx, Hybrid, Request{Query: "-vocoder", Limit: 5})
	if err != nil || served != Lexical {
		t.Errorf("a query of filters only served %s (%v), want lexical", served, err)
	}
	// Semantic search still refuses what it cannot apply.
	if _, _, err := s.Search(ctx, Semantic, req); !errors.Is(err, ErrLexicalOnly) {
		t.Errorf("semantic with an exclusion: %v, want ErrLexicalOnly", err)
	}
}
