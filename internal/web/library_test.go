package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func decodeJSON[T any](t *testing.T, res response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Fatalf("decode %.300s: %v", res.body, err)
	}
	return v
}

func TestCollectionsAPIWithAuthorizationAndHostileInput(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newCommunityServer(t, d, nil)
		ada, bob := newUser(t, st, "ada", "user"), newUser(t, st, "bob", "user")
		adaTok, bobTok := bearerToken(t, st, ada), bearerToken(t, st, bob)
		api := srv.URL + "/api/collections"

		for _, r := range []struct{ method, url string }{
			{"POST", api}, {"GET", api}, {"GET", api + "/reading"}, {"PATCH", api + "/reading"}, {"DELETE", api + "/reading"},
			{"PUT", api + "/reading/papers/2506.00001"}, {"PUT", srv.URL + "/api/library/2506.00001"}, {"GET", srv.URL + "/api/library"},
		} {
			res := call(t, nil, r.method, r.url, "", map[string]any{"name": "x"})
			wantStatus(t, "anonymous "+r.method+" "+r.url, res, http.StatusUnauthorized)
		}

		res := call(t, nil, "POST", api, adaTok, map[string]any{"name": "Reading list"})
		wantStatus(t, "create", res, http.StatusCreated)
		c := decodeJSON[apiCollection](t, res)
		if c.Slug != "reading-list" || !c.Private || c.Name != "Reading list" || c.Owner != "ada" {
			t.Fatalf("created %+v; want slug reading-list, private by default", c)
		}
		res = call(t, nil, "POST", api, adaTok, map[string]any{"name": "reading LIST", "private": false})
		wantStatus(t, "create a second of the same slug", res, http.StatusCreated)
		if c2 := decodeJSON[apiCollection](t, res); c2.Slug != "reading-list-2" || c2.Private {
			t.Fatalf("second collection %+v", c2)
		}

		// Hostile input: each refused with a 4xx, nothing stored.
		for name, body := range map[string]any{
			"huge name":  map[string]any{"name": strings.Repeat("n", 101)},
			"empty name": map[string]any{"name": "   "},
			"NUL name":   map[string]any{"name": "a\x00b"},
			"wrong type": map[string]any{"name": 7},
			"long desc":  map[string]any{"name": "ok", "description": strings.Repeat("d", 2001)},
		} {
			res := call(t, nil, "POST", api, adaTok, body)
			if res.status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", name, res.status, res.body)
			}
		}
		res = call(t, nil, "POST", api, adaTok, map[string]any{"name": strings.Repeat("n", 70<<10)})
		wantStatus(t, "oversized body", res, http.StatusRequestEntityTooLarge)
		for _, slug := range []string{"Reading-List", "..", "a%00b", "reading-list%2F..", strings.Repeat("a", 80)} {
			res := call(t, nil, "GET", api+"/"+slug, adaTok, nil)
			if res.status != http.StatusNotFound && res.status != http.StatusBadRequest {
				t.Errorf("slug %q: status %d, want 404 or 400", slug, res.status)
			}
		}

		paper := api + "/reading-list/papers/"
		wantStatus(t, "add", call(t, nil, "PUT", paper+"2506.00001", adaTok, nil), http.StatusNoContent)
		wantStatus(t, "add again", call(t, nil, "PUT", paper+"2506.00001", adaTok, nil), http.StatusNoContent)
		wantStatus(t, "add with a version", call(t, nil, "PUT", paper+"arXiv:2506.00003v1", adaTok, nil), http.StatusNoContent)
		wantStatus(t, "unknown paper", call(t, nil, "PUT", paper+"2506.99999", adaTok, nil), http.StatusNotFound)
		wantStatus(t, "not an id", call(t, nil, "PUT", paper+"x%00y", adaTok, nil), http.StatusBadRequest)
		wantStatus(t, "not an id", call(t, nil, "PUT", paper+"nonsense", adaTok, nil), http.StatusBadRequest)
		wantStatus(t, "note", call(t, nil, "PUT", srv.URL+"/api/library/2506.00001", adaTok, map[string]any{"note": "see §2"}), http.StatusNoContent)
		wantStatus(t, "long note", call(t, nil, "PUT", srv.URL+"/api/library/2506.00001", adaTok,
			map[string]any{"note": strings.Repeat("é", 5001)}), http.StatusBadRequest)

		res = call(t, nil, "GET", api+"/reading-list", adaTok, nil)
		wantStatus(t, "get own", res, http.StatusOK)
		got := decodeJSON[struct {
			Slug    string
			Private bool
			Count   int
			Papers  []struct {
				ID      string
				Title   string
				Authors []struct{ Name string }
				Note    string
			}
		}](t, res)
		if got.Count != 2 || len(got.Papers) != 2 || got.Papers[0].ID != "2506.00001" || got.Papers[0].Note != "see §2" ||
			len(got.Papers[0].Authors) == 0 || got.Papers[1].ID != "2506.00003" {
			t.Fatalf("collection = %+v", got)
		}
		list := decodeJSON[[]apiCollection](t, call(t, nil, "GET", api, adaTok, nil))
		if len(list) != 2 || list[0].Count != 2 {
			t.Fatalf("list = %+v", list)
		}

		// Another's private collection: 404 everywhere, never 403.
		public := srv.URL + "/api/users/ada/collections/reading-list"
		for _, r := range []struct{ what, url, tok string }{
			{"bob's own namespace", api + "/reading-list", bobTok},
			{"bob on ada's", public, bobTok},
			{"anonymous on ada's", public, ""},
			{"anonymous page", srv.URL + "/c/ada/reading-list", ""},
			{"anonymous feed", srv.URL + "/c/ada/reading-list/feed.atom", ""},
			{"bob's feed", srv.URL + "/c/ada/reading-list/feed.rss", bobTok},
		} {
			wantStatus(t, r.what, call(t, nil, "GET", r.url, r.tok, nil), http.StatusNotFound)
		}
		wantStatus(t, "bob upvotes a private one", call(t, nil, "PUT", public+"/upvote", bobTok, nil), http.StatusNotFound)
		wantStatus(t, "bob adds to ada's", call(t, nil, "PUT", api+"/reading-list/papers/2506.00002", bobTok, nil), http.StatusNotFound)
		wantStatus(t, "bob deletes ada's", call(t, nil, "DELETE", api+"/reading-list", bobTok, nil), http.StatusNotFound)
		if pub := decodeJSON[[]apiCollection](t, call(t, nil, "GET", srv.URL+"/api/users/ada/collections", "", nil)); len(pub) != 1 || pub[0].Slug != "reading-list-2" {
			t.Fatalf("ada's public collections = %+v", pub)
		}

		res = call(t, nil, "PATCH", api+"/reading-list", adaTok, map[string]any{"private": false, "description": "Worth it."})
		wantStatus(t, "make public", res, http.StatusOK)
		if c := decodeJSON[apiCollection](t, res); c.Private || c.Description != "Worth it." || c.Slug != "reading-list" {
			t.Fatalf("patched %+v", c)
		}
		wantStatus(t, "anonymous reads a public one", call(t, nil, "GET", public, "", nil), http.StatusOK)
		feed := call(t, nil, "GET", srv.URL+"/c/ada/reading-list/feed.atom", "", nil)
		wantStatus(t, "public feed", feed, http.StatusOK)
		if !strings.Contains(feed.body, "2506.00003") || !strings.Contains(feed.body, "<feed") {
			t.Fatalf("feed:\n%.600s", feed.body)
		}
		wantStatus(t, "rss", call(t, nil, "GET", srv.URL+"/c/ada/reading-list/feed.rss", "", nil), http.StatusOK)
		res = call(t, nil, "PUT", public+"/upvote", bobTok, nil)
		wantStatus(t, "bob upvotes", res, http.StatusOK)
		if v := decodeJSON[struct{ Upvotes int }](t, res); v.Upvotes != 1 {
			t.Fatalf("upvotes = %d", v.Upvotes)
		}
		wantStatus(t, "ada upvotes her own", call(t, nil, "PUT", public+"/upvote", adaTok, nil), http.StatusForbidden)

		wantStatus(t, "remove", call(t, nil, "DELETE", paper+"2506.00003", adaTok, nil), http.StatusNoContent)
		wantStatus(t, "remove again", call(t, nil, "DELETE", paper+"2506.00003", adaTok, nil), http.StatusNoContent)
		lib := decodeJSON[struct{ Total int }](t, call(t, nil, "GET", srv.URL+"/api/library", adaTok, nil))
		if lib.Total != 2 {
			t.Fatalf("library total = %d; removing from a collection keeps the paper saved", lib.Total)
		}
		wantStatus(t, "unsave", call(t, nil, "DELETE", srv.URL+"/api/library/2506.00003", adaTok, nil), http.StatusNoContent)
		wantStatus(t, "delete", call(t, nil, "DELETE", api+"/reading-list", adaTok, nil), http.StatusNoContent)
		wantStatus(t, "deleted", call(t, nil, "GET", api+"/reading-list", adaTok, nil), http.StatusNotFound)
	})
}

// TestSavedMarksNeverLeakThroughTheResponseCache: a signed-in member's
// pages (with their Save marks) are never served to anyone else, and a
// collection made private disappears at once for everyone else, although
// the change is not in the change feed that versions the cache.
func TestSavedMarksNeverLeakThroughTheResponseCache(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, func(o *Options) { o.Cache.Freshness = time.Hour })
	newUser(t, st, "ada", "user")
	newUser(t, st, "bob", "user")
	ada, bob := signedInClient(t, srv.URL, "ada"), signedInClient(t, srv.URL, "bob")
	const pressed = `class="save" aria-pressed="true"`

	// Anonymous warms the cache first; then ada saves from the list.
	anon := call(t, nil, "GET", srv.URL+"/papers/date/2025-06-04", "", nil)
	wantStatus(t, "anonymous list", anon, http.StatusOK)
	if !strings.Contains(anon.body, `action="/library/save"`) {
		t.Fatal("the list has no Save button")
	}
	req, _ := http.NewRequest("POST", srv.URL+"/library/save", strings.NewReader("paper=2506.00001&action=save"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", srv.URL+"/papers/date/2025-06-04")
	resp, err := ada.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/papers/date/2025-06-04" {
		t.Fatalf("save form: %d to %q, want 303 back to the list", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/papers/date/2025-06-04", "/papers/2506.00001"} {
		page := call(t, ada, "GET", srv.URL+path, "", nil)
		if !strings.Contains(page.body, pressed) {
			t.Fatalf("%s does not show ada's save:\n%.2000s", path, page.body)
		}
		if page.header.Get("X-Cache") != "" || !strings.Contains(page.header.Get("Cache-Control"), "no-store") {
			t.Errorf("%s for ada: X-Cache %q, Cache-Control %q", path, page.header.Get("X-Cache"), page.header.Get("Cache-Control"))
		}
		for who, c := range map[string]*http.Client{"anonymous": nil, "bob": bob} {
			for range 2 {
				other := call(t, c, "GET", srv.URL+path, "", nil)
				if strings.Contains(other.body, pressed) {
					t.Fatalf("%s sees ada's saved mark on %s", who, path)
				}
			}
		}
	}

	// A public collection made private vanishes at once for others.
	res := call(t, ada, "POST", srv.URL+"/collections", "", url.Values{"name": {"Shared"}, "public": {"1"}})
	wantStatus(t, "create", res, http.StatusSeeOther)
	for range 2 {
		wantStatus(t, "anonymous public page", call(t, nil, "GET", srv.URL+"/c/ada/shared", "", nil), http.StatusOK)
		wantStatus(t, "anonymous public API", call(t, nil, "GET", srv.URL+"/api/users/ada/collections/shared", "", nil), http.StatusOK)
	}
	res = call(t, ada, "POST", srv.URL+"/c/ada/shared/edit", "", url.Values{"name": {"Shared"}})
	wantStatus(t, "make private", res, http.StatusSeeOther)
	for _, path := range []string{"/c/ada/shared", "/c/ada/shared/feed.rss", "/api/users/ada/collections/shared"} {
		wantStatus(t, "anonymous after private "+path, call(t, nil, "GET", srv.URL+path, "", nil), http.StatusNotFound)
		wantStatus(t, "bob after private "+path, call(t, bob, "GET", srv.URL+path, "", nil), http.StatusNotFound)
	}
	wantStatus(t, "ada's own private page", call(t, ada, "GET", srv.URL+"/c/ada/shared", "", nil), http.StatusOK)
	wantStatus(t, "library page", call(t, ada, "GET", srv.URL+"/library?sort=title", "", nil), http.StatusOK)
	for _, path := range []string{"/sitemap.xml", "/sitemaps/papers-1.xml"} {
		if page := call(t, nil, "GET", srv.URL+path, "", nil); strings.Contains(page.body, "/c/") {
			t.Errorf("%s lists a collection", path)
		}
	}
}

func TestLibraryFormsWithoutScript(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, nil)
	newUser(t, st, "ada", "user")
	ada := signedInClient(t, srv.URL, "ada")

	res := call(t, nil, "POST", srv.URL+"/library/save", "", url.Values{"paper": {"2506.00001"}})
	wantStatus(t, "anonymous save", res, http.StatusSeeOther)
	if loc := res.header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
		t.Fatalf("anonymous save sent to %q", loc)
	}
	wantStatus(t, "anonymous library", call(t, nil, "GET", srv.URL+"/library", "", nil), http.StatusSeeOther)

	// Save into a new collection from the paper page, then a note.
	res = call(t, ada, "POST", srv.URL+"/library/save", "", url.Values{"paper": {"2506.00003"}, "new_collection": {"Attention <b>"}})
	wantStatus(t, "save to a new collection", res, http.StatusSeeOther)
	res = call(t, ada, "POST", srv.URL+"/library/note", "", url.Values{"paper": {"2506.00003"}, "note": {"<script>alert(1)</script>\nline two"}})
	wantStatus(t, "note", res, http.StatusSeeOther)
	page := call(t, ada, "GET", srv.URL+"/c/ada/attention-b", "", nil)
	wantStatus(t, "collection page", page, http.StatusOK)
	if !strings.Contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;\nline two") || strings.Contains(page.body, "<script>alert(1)") {
		t.Fatalf("the note is not shown as text:\n%.3000s", page.body)
	}
	if !strings.Contains(page.body, "Attention &lt;b&gt;") {
		t.Error("the collection's name is not escaped")
	}
	lib := call(t, ada, "GET", srv.URL+"/library", "", nil)
	if !strings.Contains(lib.body, `href="/c/ada/attention-b"`) || !strings.Contains(lib.body, "1 saved paper") {
		t.Fatalf("library page:\n%.3000s", lib.body)
	}
	paper := call(t, ada, "GET", srv.URL+"/papers/2506.00003", "", nil)
	if !strings.Contains(paper.body, "(holds it)") {
		t.Error("the paper page does not say which collection holds it")
	}
	res = call(t, ada, "POST", srv.URL+"/c/ada/attention-b/delete", "", url.Values{})
	wantStatus(t, "delete", res, http.StatusSeeOther)
	wantStatus(t, "deleted", call(t, ada, "GET", srv.URL+"/c/ada/attention-b", "", nil), http.StatusNotFound)
}

func TestLibraryWritesAreRateLimited(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, func(o *Options) {
		o.RateLimits = map[string]RateLimit{"library": {Every: time.Hour, Burst: 2}}
	})
	tok := bearerToken(t, st, newUser(t, st, "ada", "user"))
	for i, want := range []int{http.StatusNoContent, http.StatusNoContent, http.StatusTooManyRequests} {
		res := call(t, nil, "PUT", srv.URL+"/api/library/2506.00001", tok, nil)
		if res.status != want {
			t.Fatalf("save %d: status %d, want %d", i+1, res.status, want)
		}
	}
}
