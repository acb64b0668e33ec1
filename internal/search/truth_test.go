package search

import (
	"context"
	"fmt"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/internal/searchtest"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/store"
)

func corpusSearcher(t *testing.T) Searcher {
	t.Helper()
	lex := searchtest.Lexical(t, searchtest.Corpus())
	ix := searchtest.Semantic(t)
	return Searcher{Lexical: lex, Index: func() *semantic.Index { return ix }}
}

// TestGibberishFindsNothing: a word no paper holds and the model does not
// know has no neighbours by meaning, however near the nearest paper is.
func TestGibberishFindsNothing(t *testing.T) {
	s := corpusSearcher(t)
	ctx := context.Background()
	for _, mode := range []Mode{Hybrid, Semantic, Lexical} {
		res, _, err := s.Search(ctx, mode, Request{Query: "zzqxjvbnonexistentword", Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 0 || res.Total != 0 || !res.TotalExact {
			t.Errorf("%s: %d hits, total %d (exact %v), want none", mode, len(res.Hits), res.Total, res.TotalExact)
		}
	}
	// Mixed with a real word, the real word's papers are found.
	res, _, err := s.Search(ctx, Hybrid, Request{Query: "zzqxjvbnonexistentword phoneme", Limit: 80})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 {
		t.Fatal("gibberish beside phoneme: nothing found")
	}
	for _, h := range res.Hits[:min(5, len(res.Hits))] {
		if searchtest.Topic(h.ID) != 0 {
			t.Errorf("gibberish beside phoneme: %s is not about speech", h.ID)
		}
	}
}

// TestHybridTotalIsTheSameOnEveryPage: the total does not move with the
// page asked for, and is never below the hits listed.
func TestHybridTotalIsTheSameOnEveryPage(t *testing.T) {
	s := corpusSearcher(t)
	ctx := context.Background()
	for _, mode := range []Mode{Hybrid, Semantic} {
		var totals []int
		for _, page := range []Request{{Limit: 5}, {Offset: 5, Limit: 5}, {Limit: 60}, {Offset: 60, Limit: 60}, {Offset: 150, Limit: 20}} {
			page.Query = "phoneme waveform"
			res, _, err := s.Search(ctx, mode, page)
			if err != nil {
				t.Fatal(err)
			}
			totals = append(totals, res.Total)
			if len(res.Hits) > 0 && res.Total < page.Offset+len(res.Hits) {
				t.Errorf("%s offset %d: total %d below the %d hits listed", mode, page.Offset, res.Total, page.Offset+len(res.Hits))
			}
		}
		for _, n := range totals {
			if n != totals[0] {
				t.Errorf("%s: totals by page %v, want one", mode, totals)
				break
			}
		}
	}
}

// docPapers serves documents as stored papers.
type docPapers map[string]lexical.Document

func (p docPapers) PapersByID(_ context.Context, ids []string) ([]store.Paper, error) {
	var out []store.Paper
	for _, id := range ids {
		if d, ok := p[id]; ok {
			out = append(out, store.Paper{ID: d.ID, Title: d.Title, Abstract: d.Abstract})
		}
	}
	return out, nil
}

// TestSuggestSpellsAsThePapersDo: of the terms near a misspelt word, the
// one the papers write nearest to what was typed wins, though a commoner
// one is as near by stems ("atention" stems to "atent", one letter from
// both "agent" and "attent").
func TestSuggestSpellsAsThePapersDo(t *testing.T) {
	docs := docPapers{}
	var list []lexical.Document
	for i := range 12 {
		d := lexical.Document{ID: fmt.Sprintf("2501.%05d", i), Title: "Agentic agents", Abstract: "An agent acts."}
		if i%4 == 0 {
			d = lexical.Document{ID: d.ID, Title: "Sparse attention", Abstract: "Attention over Gaussian splats."}
		}
		docs[d.ID] = d
		list = append(list, d)
	}
	s := Searcher{Lexical: searchtest.Lexical(t, list)}
	for query, want := range map[string]string{
		"atention":               "attention",
		"sparse gausian":         "sparse gaussian",
		"zzqxjvbnonexistentword": "",
		"agentic":                "",
	} {
		got, err := s.Suggest(context.Background(), docs, query)
		if err != nil || got != want {
			t.Errorf("Suggest(%q) = %q, %v; want %q", query, got, err, want)
		}
	}
}
