package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestPaperPageShowsHuggingFaceDataForReaders(t *testing.T) {
	srv, st, _ := newFixtureServer(t, store.SQLite, nil)
	addHFPaper(t, st)
	body := fetch(t, srv.URL+"/papers/2506.00005").body
	for _, want := range []string{`<h2 id="ai-h">AI summary</h2>`, `<span class="keyword">lightning attention</span>`,
		`<dt>Organisation</dt><dd>MiniMax</dd>`, `<a href="https://example.org/m1" rel="noopener">`,
		`<a href="https://huggingface.co/papers/2506.00005#community" rel="noopener">1 comment on Hugging Face</a>`,
		`<a href="/papers/2506.00005.md">Markdown</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("paper page lacks %s", want)
		}
	}
	if strings.Index(body, `id="ai-h"`) > strings.Index(body, `id="abstract-h"`) {
		t.Error("the AI summary comes after the abstract")
	}
	for _, unwanted := range []string{"Added here", `class="button" href="/api/papers/`} {
		if strings.Contains(body, unwanted) {
			t.Errorf("paper page shows the developer detail %q", unwanted)
		}
	}
	// A paper never on the daily list has no such row and no zero date.
	body = fetch(t, srv.URL+"/papers/2506.00002").body
	if strings.Contains(body, "On the daily list") || strings.Contains(body, "0001") {
		t.Error("a paper never on the daily list shows an empty daily-list row")
	}
}

func TestListsOutsideArxivsLifetimeAreNotFound(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, path := range []string{"/papers/date/0001-01-01", "/papers/date/1991-08-13", "/papers/date/9999-12-31",
		"/week/1000-W01", "/month/1900-01", "/month/3000-01"} {
		if r := fetch(t, srv.URL+path); r.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.status)
		}
	}
	for _, path := range []string{"/papers/date/1991-08-14", "/papers/date/2025-06-10", "/month/2025-06"} {
		if r := fetch(t, srv.URL+path); r.status != http.StatusOK {
			t.Errorf("%s: %d, want 200", path, r.status)
		}
	}
}

// TestTrendingIsNeverEmptyOnASiteWithPapers moves the clock months past
// the newest papers: trending then shows the two weeks to the newest
// community activity, and says so; the feed follows.
func TestTrendingIsNeverEmptyOnASiteWithPapers(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) {
		o.Now = func() time.Time { return time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC) }
	})
	body := fetch(t, srv.URL+"/trending").body
	if !strings.Contains(body, `href="/papers/2506.00001"`) || !strings.Contains(body, "21 May 2025 – 4 Jun 2025") ||
		!strings.Contains(body, "newest community activity") {
		t.Errorf("trending page months after the newest papers:\n%s", body)
	}
	if feed := fetch(t, srv.URL+"/feeds/trending.atom").body; !strings.Contains(feed, "2506.00001") {
		t.Error("the trending feed is empty")
	}
}
