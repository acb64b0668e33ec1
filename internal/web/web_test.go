package web

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testNow is the fixture's clock: the morning after the last daily list.
var testNow = time.Date(2025, 6, 5, 9, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// fixturePapers are arXiv records; fixtureCommunity is Hugging Face data.
func fixturePapers() []store.Paper {
	return []store.Paper{
		{
			ID: "2506.00001", Version: 2,
			Title:      `Scaling $\mathcal{O}(n)$ attention with \emph{na\"ive} kernels`,
			Abstract:   `We show that linear attention with $x_i^2$ features and $\alpha \leq \frac{1}{2}$ matches softmax attention. Erd\H{o}s would approve -- mostly. Code is released.`,
			Authors:    []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"},
			Categories: []string{"cs.LG", "cs.CL"}, Comments: "12 pages", DOI: "10.1000/xyz.1",
			FirstVersionAt: date("2025-06-02").Add(10 * time.Hour), LatestVersionAt: date("2025-06-03").Add(9 * time.Hour),
			Versions: []store.Version{{Version: 1, Created: date("2025-06-02").Add(10 * time.Hour)}, {Version: 2, Created: date("2025-06-03").Add(9 * time.Hour)}},
			ListedOn: date("2025-06-03"),
		},
		{
			ID: "2506.00002", Version: 1,
			Title:          `<script>alert("title")</script> Injection & <b>friends</b>`,
			Abstract:       `An abstract with <img src=x onerror=alert(1)> and a "quote" and </textarea><script>alert(2)</script>.`,
			Authors:        []string{`Mallory <i>Evil</i>`, "Trent"},
			Categories:     []string{"cs.CR"},
			FirstVersionAt: date("2025-06-03").Add(8 * time.Hour), ListedOn: date("2025-06-04"),
			Versions: []store.Version{{Version: 1, Created: date("2025-06-03").Add(8 * time.Hour)}},
		},
		{
			ID: "2506.00003", Version: 1,
			Title: "Attention is still all you need", Abstract: "A plain abstract about attention and transformers.",
			Authors: []string{"Alan Turing"}, Categories: []string{"cs.CL"},
			FirstVersionAt: date("2025-05-30").Add(15 * time.Hour), ListedOn: date("2025-06-02"),
			Versions: []store.Version{{Version: 1, Created: date("2025-05-30").Add(15 * time.Hour)}},
		},
	}
}

func fixtureCommunity() []store.Paper {
	return []store.Paper{
		{
			ID: "2506.00001", Title: "ignored", Authors: []string{"x"},
			Community: store.Community{
				Upvotes: 42, DailyOn: date("2025-06-04"), DailySubmittedAt: date("2025-06-04").Add(7 * time.Hour),
				DailySubmitter: "akhaliq", GitHubRepo: "https://github.com/example/linear", GitHubStars: 1234, NumComments: 3,
			},
		},
		{
			ID: "2506.00004", Title: "Diffusion models for daily papers", Abstract: "Only Hugging Face knows this one.",
			Authors: []string{"Grace Hopper"}, FirstVersionAt: date("2025-06-02"), ListedOn: date("2025-06-04"),
			Community: store.Community{
				Upvotes: 7, DailyOn: date("2025-06-04"), DailySubmittedAt: date("2025-06-04").Add(8 * time.Hour),
				DailySubmitter: "someone", GitHubRepo: "javascript:alert(1)", GitHubStars: -1,
			},
		},
	}
}

// newTestServer serves the fixture from a real store of the dialect and a
// real search index built from the stored papers.
func newTestServer(t *testing.T, dialect store.Dialect) *httptest.Server {
	t.Helper()
	srv, _, _ := newFixtureServer(t, dialect, nil)
	return srv
}

// lexicalSearch is a search facade over a lexical index alone, as a
// server without an embedding model has.
func lexicalSearch(ix search.LexicalSearcher) *search.Searcher {
	return &search.Searcher{Lexical: ix}
}

// newFixtureServer is newTestServer with the store and the index it serves
// from, and a chance to change the options.
func newFixtureServer(t testing.TB, dialect store.Dialect, tune func(*Options)) (*httptest.Server, *store.Store, *lexical.Index) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dialect, store.Options{Now: func() time.Time { return testNow }})
	if _, err := st.UpsertPapers(ctx, fixturePapers()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertCommunity(ctx, fixtureCommunity()); err != nil {
		t.Fatal(err)
	}
	b := lexical.NewBuilder()
	err := st.EachPaper(ctx, func(p store.Paper) error { return b.Add(paperdoc.Of(&p)) })
	if err != nil {
		t.Fatal(err)
	}
	ix := b.Finish()
	opts := Options{
		Papers: st, Search: lexicalSearch(ix), Now: func() time.Time { return testNow }, BaseURL: "https://paperboy.test",
		Log: testLogger(t),
	}
	if tune != nil {
		tune(&opts)
	}
	srv := httptest.NewServer(NewServer(opts))
	t.Cleanup(srv.Close)
	return srv, st, ix
}

type response struct {
	status int
	header http.Header
	body   string
}

func fetch(t *testing.T, rawURL string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest("GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func TestPagesMatchGoldenFiles(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"daily", "/", 200},
		{"day", "/papers/date/2025-06-02", 200},
		{"day-empty", "/papers/date/2025-06-10", 200},
		{"week", "/week/2025-W23", 200},
		{"month", "/month/2025-06", 200},
		{"trending", "/trending", 200},
		{"paper", "/papers/2506.00001", 200},
		{"paper-hostile", "/papers/2506.00002", 200},
		{"search", "/search?q=attention", 200},
		{"search-empty", "/search", 200},
		{"search-category", "/search?category=cs.CL", 200},
		{"help-search", "/help/search", 200},
		{"help-api", "/help/api", 200},
		{"not-found", "/papers/2506.99999", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fetch(t, srv.URL+tc.path)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tc.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			checkGolden(t, filepath.Join("testdata", "golden", tc.name+".html"), r.body)
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update to accept):\n%s", path, diff)
	}
}

func TestDailyPageContents(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	home := fetch(t, srv.URL+"/").body
	for _, want := range []string{
		"Wednesday 4 June 2025", // today (5 June) is empty: the latest day
		`<math><mrow><mi>𝒪</mi>`, "<em>naïve</em>", "Grace Hopper</a> et al.",
		"▲ 42", "★ 1,234", "3 comments", `href="/papers/date/2025-06-02"`, `href="/week/2025-W23"`, `href="/month/2025-06"`,
		`<link rel="alternate" type="application/rss+xml"`, `<link rel="alternate" type="application/atom+xml"`,
	} {
		if !strings.Contains(home, want) {
			t.Errorf("daily page lacks %q", want)
		}
	}
	// The community list, upvotes first: 2506.00001 (42) before 2506.00004
	// (7); 2506.00002, which nobody submitted, is on the other tab.
	a, b, c := strings.Index(home, "t-2506.00001"), strings.Index(home, "t-2506.00004"), strings.Index(home, "t-2506.00002")
	if !(0 <= a && a < b && c == -1) {
		t.Errorf("daily order wrong: %d %d %d", a, b, c)
	}
	if strings.Contains(home, "javascript:") {
		t.Error("a javascript: GitHub link reached the page")
	}
	empty := fetch(t, srv.URL+"/papers/date/2025-06-10")
	if empty.status != 200 || !strings.Contains(empty.body, "No papers on this day") {
		t.Errorf("empty day: %d", empty.status)
	}
}

func TestPaperPage(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	body := fetch(t, srv.URL+"/papers/2506.00001v2").body
	for _, want := range []string{
		`<meta name="citation_title" content="Scaling 𝒪(n) attention with naïve kernels">`,
		`<meta name="citation_author" content="Lovelace, Ada">`, `<meta name="citation_author" content="Liskov, Barbara">`,
		`<meta name="citation_pdf_url" content="https://arxiv.org/pdf/2506.00001">`,
		`<meta name="citation_date" content="2025/06/02">`, `<meta name="citation_doi" content="10.1000/xyz.1">`,
		"@misc{lovelace2025scaling,", "author = {Lovelace, Ada and Turing, Alan and Hopper, Grace and Dijkstra, Edsger and Liskov, Barbara}",
		"eprint = {2506.00001}", `href="https://arxiv.org/abs/2506.00001"`, `href="https://arxiv.org/pdf/2506.00001"`,
		`href="/search?q=au%3A%22Barbara&#43;Liskov%22&amp;sort=newest"`, "Erdős", "<msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup>",
		`type="application/atom+xml" title="Papers by Ada Lovelace (Atom)"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("paper page lacks %q", want)
		}
	}
}

var attrValue = regexp.MustCompile(`="[^"]*"`)

var inlineCode = regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|<[a-zA-Z][^<>]*\s(style|on[a-z]+)=`)

func TestHostileInputIsShownAsText(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, path := range []string{"/", "/papers/date/2025-06-04", "/papers/2506.00002", "/search?q=injection", "/search?q=" + url.QueryEscape(`<script>alert(1)</script>`), "/trending"} {
		r := fetch(t, srv.URL+path)
		if r.status != 200 {
			t.Errorf("%s: status %d", path, r.status)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<b>friends", "</textarea><script", "<i>Evil"} {
			if strings.Contains(r.body, bad) {
				t.Errorf("%s: markup from the data reached the page: %q", path, bad)
			}
		}
		if m := inlineCode.FindString(attrValue.ReplaceAllString(r.body, `""`)); m != "" {
			t.Errorf("%s: inline script or style %q (the CSP forbids it)", path, m)
		}
	}
	paper := fetch(t, srv.URL+"/papers/2506.00002").body
	if !strings.Contains(paper, "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; Injection &amp; &lt;b&gt;friends&lt;/b&gt;") {
		t.Error("the hostile title is not shown as text")
	}
}

func TestOddRequestsGetProperPages(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/search?q=" + strings.Repeat("word+", 2000), 400, "too long"},
		{"/search?q=%00%ff%fe", 400, "not allowed"},
		{"/u/%00", 400, "not allowed"},
		{"/u/%ff", 400, "not allowed"},
		{"/search?q=" + url.QueryEscape(`"unterminated au: cat: -`), 200, "Search"},
		{"/search?q=x&p=-3", 400, "<h1>400"},
		{"/search?q=x&p=999", 400, "first 1,000 results"},
		{"/search?q=x&sort=sideways", 400, "sort: want"},
		{"/search?category=" + url.QueryEscape("<x>"), 400, "category: want"},
		{"/papers/date/2025-13-45", 404, "<h1>404"},
		{"/week/2025-W99", 404, "<h1>404"},
		{"/month/June", 404, "<h1>404"},
		{"/papers/not-an-id", 404, "<h1>404"},
		{"/papers/2506.99999", 404, "<h1>404"},
		{"/papers/date/2025-06-04?p=abc", 400, "<h1>400"},
		{"/no/such/page", 404, "<h1>404"},
		{"/" + strings.Repeat("a/", 3000), 404, "<h1>404"},
	} {
		r := fetch(t, srv.URL+tc.path)
		if r.status != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("%.80s: status %d, want %d with %q", tc.path, r.status, tc.status, tc.want)
		}
		if !strings.Contains(r.body, "</html>") {
			t.Errorf("%.80s: not a whole page", tc.path)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, path := range []string{"/", "/api/daily_papers", "/nope"} {
		h := fetch(t, srv.URL+path).header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

func TestCachingAndCompression(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, path := range []string{"/", "/papers/2506.00001", "/api/daily_papers?date=2025-06-04", "/feeds/daily.atom"} {
		first := fetch(t, srv.URL+path, "Accept-Encoding", "gzip")
		if first.status != 200 || first.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: status %d encoding %q", path, first.status, first.header.Get("Content-Encoding"))
		}
		etag, lm := first.header.Get("ETag"), first.header.Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("%s: ETag %q Last-Modified %q", path, etag, lm)
		}
		if r := fetch(t, srv.URL+path, "If-None-Match", etag); r.status != 304 || r.body != "" {
			t.Errorf("%s: If-None-Match gave %d", path, r.status)
		}
		if r := fetch(t, srv.URL+path, "If-Modified-Since", lm); r.status != 304 {
			t.Errorf("%s: If-Modified-Since gave %d", path, r.status)
		}
		if r := fetch(t, srv.URL+path, "If-None-Match", `"other"`); r.status != 200 {
			t.Errorf("%s: a stale ETag gave %d", path, r.status)
		}
		plain := fetch(t, srv.URL+path)
		if plain.header.Get("Content-Encoding") != "" || plain.body != first.body {
			t.Errorf("%s: uncompressed response differs", path)
		}
	}
	css := fetch(t, srv.URL+"/static/style.css?v="+loadStatic().etags["style.css"])
	if !strings.Contains(css.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet headers %v", css.header)
	}
}

func TestFeeds(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, tc := range []struct {
		path  string
		items int
		want  string
	}{
		{"/feeds/daily.rss", 3, "Scaling 𝒪(n) attention with naïve kernels"},
		{"/feeds/daily.atom", 3, "https://paperboy.test/papers/2506.00001"},
		{"/feeds/trending.rss", 4, "Scaling"},
		{"/feeds/search.atom?q=attention", 2, "Attention is still all you need"},
		{"/feeds/category.rss?c=cs.CL", 2, "<category>cs.CL</category>"},
		{"/feeds/author.atom?name=Alan+Turing", 2, "<name>Alan Turing</name>"},
	} {
		r := fetch(t, srv.URL+tc.path)
		if r.status != 200 {
			t.Fatalf("%s: status %d %s", tc.path, r.status, r.body)
		}
		var doc struct {
			Items   []struct{} `xml:"channel>item"`
			Entries []struct{} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(r.body), &doc); err != nil {
			t.Fatalf("%s: not XML: %v", tc.path, err)
		}
		if n := len(doc.Items) + len(doc.Entries); n != tc.items {
			t.Errorf("%s: %d items, want %d", tc.path, n, tc.items)
		}
		if !strings.Contains(r.body, tc.want) {
			t.Errorf("%s lacks %q", tc.path, tc.want)
		}
	}
	for _, path := range []string{"/feeds/nope.rss", "/feeds/daily.json", "/feeds/category.rss?c=%3Cx%3E", "/feeds/author.rss"} {
		if r := fetch(t, srv.URL+path); r.status < 400 {
			t.Errorf("%s: status %d", path, r.status)
		}
	}
}

func TestSiteFiles(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, tc := range []struct{ path, ctype, want string }{
		{"/robots.txt", "text/plain", "Disallow: /api/"},
		{"/robots.txt", "text/plain", "Sitemap: https://paperboy.test/sitemap.xml\n"},
		{"/opensearch.xml", "application/opensearchdescription+xml", `template="https://paperboy.test/search?q={searchTerms}"`},
		{"/favicon.ico", "image/svg+xml", "<svg"},
		{"/api/openapi.json", "application/json", `"/api/daily_papers"`},
	} {
		r := fetch(t, srv.URL+tc.path)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), tc.ctype) || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d %q", tc.path, r.status, r.header.Get("Content-Type"))
		}
	}
	var spec map[string]any
	if err := json.Unmarshal([]byte(fetch(t, srv.URL+"/api/openapi.json").body), &spec); err != nil || spec["openapi"] != "3.1.0" {
		t.Errorf("openapi.json: %v", err)
	}
}

// testLogger logs unexpected server errors into the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
