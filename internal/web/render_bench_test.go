package web

import (
	"fmt"
	"html/template"
	"net/http/httptest"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// BenchmarkSearchPageRender renders a search page of 20 results, the
// template's share of an uncached search (go test -bench SearchPageRender
// ./internal/web/).
func BenchmarkSearchPageRender(b *testing.B) {
	s := NewServer(Options{})
	sp := searchPage{Page: Page{Title: "Search: diffusion models"}, Q: "diffusion models", Searched: true, Total: 1234, From: 1, To: 20}
	for i := range searchPageSize {
		p := store.Paper{
			ID: fmt.Sprintf("2506.%05d", i), Title: "Diffusion models for things",
			Authors:    []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"},
			Categories: []string{"cs.LG", "cs.CV", "stat.ML"},
		}
		meta, err := s.renderFragment(&p, resultMetaFragment, 0, false)
		if err != nil {
			b.Fatal(err)
		}
		sp.Results = append(sp.Results, searchCard{
			Card:    cardMeta(&p),
			Meta:    meta,
			Title:   template.HTML("<mark>Diffusion</mark> <mark>models</mark> for things"),
			Snippet: template.HTML("We study <mark>diffusion</mark> <mark>models</mark> and their many uses in a long abstract that goes on."),
		})
	}
	r := httptest.NewRequest("GET", "/search?q=diffusion+models", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		w.Body = nil
		if err := s.render(w, r, "search.html", &sp); err != nil {
			b.Fatal(err)
		}
	}
}
