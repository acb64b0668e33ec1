package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// A query no paper matches finds nothing, and when a word is near one the
// papers use, the page and the API offer the query spelt that way.
func TestNoResultsSuggestASpelling(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for q, want := range map[string]string{
		"atention":               "attention",
		"atention kernels":       "", // kernels matches: there are results
		"zzqxjvbnonexistentword": "",
	} {
		res := fetch(t, srv.URL+"/api/papers/search?envelope=1&q="+strings.ReplaceAll(q, " ", "+"))
		if res.status != http.StatusOK {
			t.Fatalf("%q: %d %s", q, res.status, res.body)
		}
		var env apiSearchEnvelope
		if err := json.Unmarshal([]byte(res.body), &env); err != nil {
			t.Fatal(err)
		}
		if env.Suggestion != want || res.header.Get("X-Search-Suggestion") != want {
			t.Errorf("%q: suggestion %q (header %q), want %q", q, env.Suggestion, res.header.Get("X-Search-Suggestion"), want)
		}
		if want != "" && (env.Total != 0 || !env.TotalExact || len(env.Results) != 0) {
			t.Errorf("%q: total %d (exact %v), %d results; want none, exactly", q, env.Total, env.TotalExact, len(env.Results))
		}
		page := fetch(t, srv.URL+"/search?q="+strings.ReplaceAll(q, " ", "+"))
		link := `Did you mean <a href="/search?q=` + want + `">` + want + `</a>?`
		if want != "" && !strings.Contains(page.body, link) {
			t.Errorf("%q: the page does not offer %s", q, link)
		}
		if want == "" && strings.Contains(page.body, "Did you mean") {
			t.Errorf("%q: the page offers a spelling", q)
		}
		if strings.Contains(page.body, "about 0") {
			t.Errorf("%q: the page says about 0 results", q)
		}
	}
}
