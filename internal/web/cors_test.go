package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestPublicReadsAreReadableCrossOrigin checks that the public read
// endpoints, their errors included, allow any origin and expose the paging
// headers, that their preflight is answered, and that writes are not opened.
func TestPublicReadsAreReadableCrossOrigin(t *testing.T) {
	srv, _ := newCommunityServer(t, store.SQLite, nil)
	for _, path := range []string{
		"/api/papers/2506.00001", "/api/papers/2506.99999", "/api/papers/search?q=attention", "/api/papers/search?q=",
		"/api/papers/2506.00001/similar", "/api/papers/2506.00001/comments", "/api/suggest?q=atten",
		"/api/daily_papers", "/api/daily_papers?bogus=1", "/api/openapi.json", "/papers/2506.00001.md",
	} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Expose-Headers"), "X-Total-Count") ||
			!strings.Contains(h.Get("Access-Control-Expose-Headers"), "Link") {
			t.Errorf("GET %s (%d): CORS headers %q %q", path, resp.StatusCode, h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Expose-Headers"))
		}

		req, _ = http.NewRequest("OPTIONS", srv.URL+path, nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "authorization")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h = resp.Header
		if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") || strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Errorf("OPTIONS %s: %d %v", path, resp.StatusCode, h)
		}
	}
	// Writes and pages stay same-origin.
	for _, path := range []string{"/api/papers/2506.00001/upvote", "/api/submit", "/papers/2506.00001", "/login"} {
		req, _ := http.NewRequest("OPTIONS", srv.URL+path, nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.StatusCode == http.StatusNoContent {
			t.Errorf("OPTIONS %s: %d, allow-origin %q", path, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}

func TestAPIResponsesCarryLastModified(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, path := range []string{"/api/papers/2506.00001", "/api/papers/search?q=attention", "/api/openapi.json",
		"/api/daily_papers?date=2025-06-04", "/papers/2506.00001.md"} {
		r := fetch(t, srv.URL+path)
		if r.status != 200 || r.header.Get("Last-Modified") == "" {
			t.Errorf("%s: %d, Last-Modified %q", path, r.status, r.header.Get("Last-Modified"))
		}
	}
}
