package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// secretText stands for what an internal error may hold: a database's
// message, a path, a connection string.
const secretText = "pq: password authentication failed for user paperboy at /var/lib/secret"

// failingSearch fails every search with an unexpected error.
type failingSearch struct{}

func (failingSearch) Search(context.Context, search.Request) (search.Result, error) {
	return search.Result{}, errors.New(secretText)
}

// TestInternalErrorTextNeverReachesClients: an unexpected error is a 500
// with a neutral message, in HTML and in JSON; its text goes to the log
// only.
func TestInternalErrorTextNeverReachesClients(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.Search = lexicalSearch(failingSearch{}) })
	for _, tc := range []struct{ path, contentType string }{
		{"/search?q=graph", "text/html"},
		{"/api/papers/search?q=graph", "application/json"},
	} {
		r := fetch(t, srv.URL+tc.path)
		if r.status != http.StatusInternalServerError || !strings.HasPrefix(r.header.Get("Content-Type"), tc.contentType) {
			t.Errorf("%s: %d %s, want 500 %s", tc.path, r.status, r.header.Get("Content-Type"), tc.contentType)
		}
		if strings.Contains(r.body, "password") || strings.Contains(r.body, "/var/lib") {
			t.Errorf("%s: the response shows the internal error's text:\n%s", tc.path, r.body)
		}
		if !strings.Contains(r.body, "Something went wrong on our side") {
			t.Errorf("%s: no neutral message:\n%s", tc.path, r.body)
		}
	}
}

// TestNoModelHintStaysInTheLog: without an embedding model, semantic
// search says it is not available yet; the operator's remedy ("run
// 'paperboy embed train'") is for the log, not for API clients.
func TestNoModelHintStaysInTheLog(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, nil)
	for _, path := range []string{"/api/papers/search?mode=semantic&q=graph", "/api/papers/2506.00001/similar"} {
		r := fetch(t, srv.URL+path)
		if r.status != http.StatusNotFound || !strings.Contains(r.body, `"error":"semantic search is not available yet"`) {
			t.Errorf("%s: %d %s, want 404 and a neutral message", path, r.status, r.body)
		}
		if strings.Contains(r.body, "embed train") || strings.Contains(r.body, "paperboy ") {
			t.Errorf("%s: the response holds the operator's hint: %s", path, r.body)
		}
	}
}

// failingOperations fails its database queries, as a database that goes
// away while /metrics is written.
type failingOperations struct{ *store.Store }

func (failingOperations) DigestStats(context.Context) (store.DigestStats, error) {
	return store.DigestStats{}, errors.New(secretText)
}

// TestMetricsFailureIsAWholeErrorResponse: a query that fails half way
// through the metrics ends in a 500 alone, not metrics followed by an
// error page.
func TestMetricsFailureIsAWholeErrorResponse(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) {
		o.Operations = failingOperations{o.Papers.(*store.Store)}
	})
	r := fetch(t, srv.URL+"/metrics")
	if r.status != http.StatusInternalServerError {
		t.Fatalf("GET /metrics with a failing query: %d, want 500\n%s", r.status, r.body)
	}
	for _, leak := range []string{"paperboy_", "# TYPE", "password"} {
		if strings.Contains(r.body, leak) {
			t.Errorf("the error response holds %q:\n%s", leak, r.body)
		}
	}
}
