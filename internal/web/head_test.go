package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// Canonical links are absolute, on the configured base URL (never the
// request's host), and search pages describe themselves.
func TestHeadCanonicalAndDescription(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	canonical := regexp.MustCompile(`<link rel="canonical" href="([^"]*)">`)
	for path, want := range map[string]string{
		"/":                       "https://paperboy.test/papers/date/2025-06-04",
		"/trending":               "https://paperboy.test/trending",
		"/papers/2506.00001":      "https://paperboy.test/papers/2506.00001",
		"/papers/date/2025-06-02": "https://paperboy.test/papers/date/2025-06-02",
		"/week/2025-W23":          "https://paperboy.test/week/2025-W23",
		"/help/search":            "https://paperboy.test/help/search",
		"/help/api":               "https://paperboy.test/help/api",
		"/papers/date/2025-06-10": "https://paperboy.test/papers/date/2025-06-10",
		"/month/2025-06":          "https://paperboy.test/month/2025-06",
	} {
		r := fetch(t, srv.URL+path, "Host", "evil.example")
		m := canonical.FindStringSubmatch(r.body)
		if m == nil || m[1] != want {
			t.Errorf("%s: canonical %q, want %q", path, m, want)
		}
	}
	for path, want := range map[string]string{
		"/search?q=attention": `<meta name="description" content="Research papers matching “attention” on paperboy`,
		"/search":             `<meta name="description" content="Search research papers on paperboy`,
		"/search?q=%3Cb%3E":   `<meta name="description" content="Research papers matching “&lt;b&gt;”`,
	} {
		if r := fetch(t, srv.URL+path); !strings.Contains(r.body, want) {
			t.Errorf("%s lacks %s", path, want)
		}
	}
}

// Google Scholar reads the date from citation_publication_date, as
// YYYY/MM/DD.
func TestPaperCitationPublicationDate(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	r := fetch(t, srv.URL+"/papers/2506.00001")
	if want := `<meta name="citation_publication_date" content="2025/06/02">`; !strings.Contains(r.body, want) {
		t.Errorf("the paper page lacks %s", want)
	}
}

// Feeds, OpenSearch and sitemaps are read away from the site: every URL in
// them is absolute.
func TestMachineReadableURLsAreAbsolute(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	url := regexp.MustCompile(`(?:href|template)="([^"]*)"|<(?:link|guid|id|loc|Image)[^>]*>([^<]*)<`)
	for _, path := range []string{"/feeds/daily.rss", "/feeds/daily.atom", "/feeds/search.rss?q=attention",
		"/opensearch.xml", "/sitemap.xml"} {
		r := fetch(t, srv.URL+path)
		n := 0
		for _, m := range url.FindAllStringSubmatch(r.body, -1) {
			u := m[1] + m[2]
			if u == "" {
				continue // an Atom link: its href was the match before
			}
			n++
			if !strings.HasPrefix(u, "https://paperboy.test/") && !strings.HasPrefix(u, "https://arxiv.org/") {
				t.Errorf("%s: relative or foreign URL %q", path, u)
			}
		}
		if n == 0 {
			t.Errorf("%s: no URLs found in %s", path, r.body)
		}
	}
}
