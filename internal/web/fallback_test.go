package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// While search by meaning is off, a hybrid search answers from words and
// tells the client so in fixed words; the internal reason, which names
// commands and files, reaches the log only.
func TestFallbackReasonStaysInTheLog(t *testing.T) {
	const why = "the embedding model must be retrained: run 'paperboy embed train' (/var/lib/paperboy/embed/model.bin)"
	var log bytes.Buffer
	srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) {
		o.Search.Down = func() string { return why }
		o.Search.Log = slog.New(slog.NewTextHandler(&log, nil))
		o.Cache.MaxBytes = -1
	})
	leaks := func(s string) bool {
		return strings.Contains(s, "retrained") || strings.Contains(s, "embed train") || strings.Contains(s, "model.bin")
	}
	for _, path := range []string{
		"/api/papers/search?q=attention&envelope=1",
		"/api/papers/search?q=attention",
		"/search?q=attention",
		"/api/papers/search?q=attention&mode=semantic",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if leaks(string(body)) || leaks(resp.Header.Get("X-Search-Fallback")) {
			t.Errorf("%s: the internal reason reached the client: %s %q", path, resp.Header.Get("X-Search-Fallback"), body)
		}
		switch {
		case strings.Contains(path, "mode=semantic"):
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s: %d, want 503", path, resp.StatusCode)
			}
		case resp.StatusCode != http.StatusOK:
			t.Errorf("%s: %d, want 200", path, resp.StatusCode)
		case strings.HasPrefix(path, "/api/") && resp.Header.Get("X-Search-Fallback") != search.FallbackUnavailable:
			t.Errorf("%s: fallback %q, want %q", path, resp.Header.Get("X-Search-Fallback"), search.FallbackUnavailable)
		case strings.Contains(path, "envelope=1") && !strings.Contains(string(body), `"fallback":"`+search.FallbackUnavailable+`"`):
			t.Errorf("%s: the envelope does not say %q: %s", path, search.FallbackUnavailable, body)
		}
	}
	if !strings.Contains(log.String(), "retrained") {
		t.Errorf("the reason was not logged:\n%s", log.String())
	}
}
