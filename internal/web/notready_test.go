package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// buildingIndex is a searcher whose index is still being built, as the
// indexer's is while a process starts.
type buildingIndex struct{}

func (buildingIndex) Search(context.Context, search.Request) (search.Result, error) {
	return search.Result{}, fmt.Errorf("indexer: %w", search.ErrNotReady)
}

// TestSearchWhileTheIndexIsBuiltAsksToWait: a search the index cannot
// answer yet is a 503 with Retry-After, for the API and the page.
func TestSearchWhileTheIndexIsBuiltAsksToWait(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.Search = lexicalSearch(buildingIndex{}) })
	for _, path := range []string{"/api/papers/search?q=graph", "/search?q=graph"} {
		r := fetch(t, srv.URL+path)
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "10" || !strings.Contains(r.body, "being built") {
			t.Errorf("%s: status %d, Retry-After %q, body %.200q; want 503, Retry-After 10 and the reason", path, r.status, r.header.Get("Retry-After"), r.body)
		}
	}
}
