package web

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// TestResponseCacheFollowsImports: hot pages and API responses are served
// from the cache, and an import through the store changes them on the very
// next request (with Freshness < 0; see TestResponseCacheFreshness for the
// default).
func TestResponseCacheFollowsImports(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			srv, st, ix := newFixtureServer(t, dialect, func(o *Options) { o.Cache.Freshness = -1 })
			ctx := context.Background()
			get := func(path string, header ...string) response {
				t.Helper()
				return fetch(t, srv.URL+path, append([]string{"Accept-Encoding", "gzip"}, header...)...)
			}
			paths := []string{"/", "/papers/2506.00003", "/api/daily_papers?date=2025-06-04", "/trending", "/feeds/daily.atom", "/search?q=diffusion"}
			before := map[string]response{}
			for _, path := range paths {
				first := get(path)
				if first.status != 200 || first.header.Get("X-Cache") != "miss" {
					t.Fatalf("%s: first request: %d X-Cache %q", path, first.status, first.header.Get("X-Cache"))
				}
				second := get(path)
				if second.header.Get("X-Cache") != "hit" || second.body != first.body || second.header.Get("ETag") != first.header.Get("ETag") {
					t.Errorf("%s: second request not served from the cache: X-Cache %q", path, second.header.Get("X-Cache"))
				}
				if second.header.Get("Content-Encoding") != "gzip" || second.header.Get("Last-Modified") != first.header.Get("Last-Modified") || second.header.Get("Content-Security-Policy") == "" {
					t.Errorf("%s: cached response headers %v", path, second.header)
				}
				if r := get(path, "If-None-Match", first.header.Get("ETag")); r.status != 304 {
					t.Errorf("%s: If-None-Match on a cached page gave %d", path, r.status)
				}
				before[path] = first
			}
			if !strings.Contains(before["/"].body, "t-2506.00001") || strings.Index(before["/"].body, "t-2506.00001") > strings.Index(before["/"].body, "t-2506.00004") {
				t.Fatal("fixture: 2506.00001 should lead the daily list")
			}

			// A vote-like community import: 2506.00004 overtakes 2506.00001.
			community := fixtureCommunity()[1]
			community.Community.Upvotes = 100
			if _, err := st.UpsertCommunity(ctx, []store.Paper{community}); err != nil {
				t.Fatal(err)
			}
			home := get("/")
			if home.header.Get("X-Cache") != "miss" || strings.Index(home.body, "t-2506.00004") > strings.Index(home.body, "t-2506.00001") {
				t.Errorf("the daily page did not follow the import: X-Cache %q", home.header.Get("X-Cache"))
			}
			if home.header.Get("ETag") == before["/"].header.Get("ETag") {
				t.Error("the ETag did not change with the import")
			}
			if r := get("/", "If-None-Match", before["/"].header.Get("ETag")); r.status != 200 {
				t.Errorf("a stale ETag gave %d", r.status)
			}
			if api := get("/api/daily_papers?date=2025-06-04"); !strings.Contains(api.body, `"upvotes":100`) {
				t.Error("the daily API did not follow the import")
			}
			// Not rendered again: the ETag of the version answers.
			if r := get("/trending", "If-None-Match", get("/trending").header.Get("ETag")); r.status != 304 {
				t.Errorf("revalidating trending gave %d", r.status)
			}

			// An arXiv import: a new version of a paper.
			p := fixturePapers()[2]
			p.Version, p.Title = 2, "Attention was never all you need"
			p.Versions = append(p.Versions, store.Version{Version: 2, Created: date("2025-06-04")})
			p.LatestVersionAt = date("2025-06-04")
			if _, err := st.UpsertPapers(ctx, []store.Paper{p}); err != nil {
				t.Fatal(err)
			}
			if r := get("/papers/2506.00003"); !strings.Contains(r.body, "Attention was never all you need") {
				t.Error("the paper page did not follow the import")
			}

			// A search page follows the index, which follows the store a
			// moment later.
			n := store.Paper{
				ID: "2506.00005", Version: 1, Title: "Diffusion transformers, again", Abstract: "Diffusion.",
				Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.CV"}, ListedOn: date("2025-06-04"),
			}
			if _, err := st.UpsertPapers(ctx, []store.Paper{n}); err != nil {
				t.Fatal(err)
			}
			get("/search?q=diffusion")
			if r := get("/search?q=diffusion"); r.header.Get("X-Cache") != "hit" || strings.Contains(r.body, "2506.00005") {
				t.Fatalf("search before the index caught up: X-Cache %q", r.header.Get("X-Cache"))
			}
			seq, err := st.LastChange(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := ix.Add(paperdoc.Of(&n)); err != nil {
				t.Fatal(err)
			}
			ix.SetLastSeq(uint64(seq))
			if r := get("/search?q=diffusion"); !strings.Contains(r.body, "2506.00005") {
				t.Error("the search page did not follow the index")
			}
		})
	}
}

// TestResponseCacheFreshness: with the default settings the database is
// asked for its version at most every 250 ms, so a change shows within that.
func TestResponseCacheFreshness(t *testing.T) {
	srv, st, _ := newFixtureServer(t, store.SQLite, nil)
	path := srv.URL + "/api/papers/2506.00004"
	fetch(t, path)
	community := fixtureCommunity()[1]
	community.Community.Upvotes = 99
	if _, err := st.UpsertCommunity(context.Background(), []store.Paper{community}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for !strings.Contains(fetch(t, path).body, `"upvotes":99`) {
		if time.Since(start) > 2*time.Second {
			t.Fatal("the change did not show within 2 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the change took %s to show", d)
	}
}

// TestLinksNeverFollowTheHostHeader: absolute links come from the base
// URL alone, whatever Host a request names (a forged one would otherwise
// put the attacker's address into cached pages and emailed links).
func TestLinksNeverFollowTheHostHeader(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.BaseURL = "" })
	for _, host := range []string{"a.example", "b.example", "a.example"} {
		req, _ := http.NewRequest("GET", srv.URL+"/robots.txt", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "Sitemap: "+DefaultBaseURL+"/sitemap.xml") || strings.Contains(string(body), host) {
			t.Errorf("Host %s got %q", host, body)
		}
	}
}

func TestRespCacheIsBoundedAndLRU(t *testing.T) {
	c := newRespCache(16 << 10)
	v := version{seq: 1}
	entry := func(i int) *cachedResponse {
		return &cachedResponse{key: fmt.Sprint("/k", i), ver: v, plain: make([]byte, 1000)}
	}
	for i := range 100 {
		c.put(entry(i))
		c.get("/k0", v) // kept warm
	}
	if c.size > c.max || c.len() > 12 {
		t.Errorf("size %d of %d with %d entries", c.size, c.max, c.len())
	}
	if c.get("/k0", v) == nil || c.get("/k99", v) == nil || c.get("/k50", v) != nil {
		t.Error("not least-recently-used")
	}
	if c.get("/k0", version{seq: 2}) != nil || c.get("/k0", v) != nil {
		t.Error("an entry of an older version was served or kept")
	}
	c.put(&cachedResponse{key: "/big", ver: v, plain: make([]byte, 8<<10)})
	if c.get("/big", v) != nil {
		t.Error("an entry bigger than an eighth of the cache was kept")
	}
}

func TestCacheCanBeDisabled(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.Cache.MaxBytes = -1 })
	for range 2 {
		if r := fetch(t, srv.URL+"/"); r.status != 200 || r.header.Get("X-Cache") != "" || r.header.Get("ETag") == "" {
			t.Errorf("uncached: %d %v", r.status, r.header)
		}
	}
}

func TestSitemap(t *testing.T) {
	srv, st, ix := newFixtureServer(t, store.SQLite, nil)
	type urlset struct {
		XMLName xml.Name
		URLs    []struct {
			Loc     string `xml:"loc"`
			LastMod string `xml:"lastmod"`
		} `xml:"url"`
		Sitemaps []struct {
			Loc string `xml:"loc"`
		} `xml:"sitemap"`
	}
	read := func(base, path string) (urlset, response) {
		t.Helper()
		r := fetch(t, base+path)
		var u urlset
		if r.status == 200 {
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
				t.Errorf("%s: Content-Type %q", path, r.header.Get("Content-Type"))
			}
			if err := xml.Unmarshal([]byte(r.body), &u); err != nil {
				t.Fatalf("%s: %v\n%s", path, err, r.body)
			}
		}
		return u, r
	}
	u, _ := read(srv.URL, "/sitemap.xml")
	if u.XMLName.Local != "urlset" || len(u.URLs) != 4 || u.URLs[0].Loc != "https://paperboy.test/papers/2506.00001" ||
		u.URLs[3].Loc != "https://paperboy.test/papers/2506.00004" || u.URLs[0].LastMod != testNow.Format(time.RFC3339) {
		t.Errorf("sitemap %+v", u)
	}

	// More papers than a file holds: an index of files.
	s := NewServer(Options{Papers: st, Search: lexicalSearch(ix), Now: func() time.Time { return testNow }, BaseURL: "https://paperboy.test", Log: testLogger(t)})
	s.sitemapSize = 3
	small := httptest.NewServer(s)
	defer small.Close()
	idx, _ := read(small.URL, "/sitemap.xml")
	if idx.XMLName.Local != "sitemapindex" || len(idx.Sitemaps) != 2 || idx.Sitemaps[1].Loc != "https://paperboy.test/sitemaps/papers-2.xml" {
		t.Fatalf("sitemap index %+v", idx)
	}
	var all []string
	for _, path := range []string{"/sitemaps/papers-1.xml", "/sitemaps/papers-2.xml"} {
		u, _ := read(small.URL, path)
		for _, e := range u.URLs {
			all = append(all, strings.TrimPrefix(e.Loc, "https://paperboy.test/papers/"))
		}
	}
	if strings.Join(all, " ") != "2506.00001 2506.00002 2506.00003 2506.00004" {
		t.Errorf("sitemap files list %v", all)
	}
	for _, path := range []string{"/sitemaps/papers-3.xml", "/sitemaps/papers-0.xml", "/sitemaps/papers-x.xml", "/sitemaps/other.xml"} {
		if _, r := read(small.URL, path); r.status != 404 {
			t.Errorf("%s: status %d", path, r.status)
		}
	}
}

// TestResponseCacheUnderConcurrentImports: readers and an importer at once
// (run with -race); every response is whole and the last one is current.
func TestResponseCacheUnderConcurrentImports(t *testing.T) {
	srv, st, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.Cache.Freshness = time.Millisecond })
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	done := make(chan struct{})
	errs := make(chan error, 16)
	for g := range 8 {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				path := []string{"/", "/papers/2506.00004", "/api/daily_papers?date=2025-06-04"}[(g+i)%3]
				resp, err := client.Get(srv.URL + path)
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || len(body) == 0 {
					errs <- fmt.Errorf("%s: %d %v", path, resp.StatusCode, err)
					return
				}
			}
		}()
	}
	community := fixtureCommunity()[1]
	for votes := 10; votes < 30; votes++ {
		community.Community.Upvotes = votes
		if _, err := st.UpsertCommunity(context.Background(), []store.Paper{community}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(done)
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Millisecond)
	if r := fetch(t, srv.URL+"/api/papers/2506.00004"); !strings.Contains(r.body, `"upvotes":29`) {
		t.Errorf("the last import is not shown: %.200s", r.body)
	}
}

func TestOnlyCredentialsKeepRequestsOutOfTheCache(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, nil)
	fetch(t, srv.URL+"/trending")
	for _, c := range []struct {
		header []string
		cached bool
	}{
		{nil, true},
		{[]string{"Cookie", "theme=dark; _ga=1"}, true},
		{[]string{"Cookie", "paperboy_session=stale"}, false},
		{[]string{"Authorization", "Bearer nonsense"}, false},
	} {
		res := fetch(t, srv.URL+"/trending", c.header...)
		if got := res.header.Get("X-Cache") == "hit"; got != c.cached {
			t.Errorf("headers %q: served from the cache %v, want %v", c.header, got, c.cached)
		}
	}
}
