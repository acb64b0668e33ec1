package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/foryou"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// forYouFields are a hand-made corpus of two fields, six papers each,
// listed in the fixture's first week of June 2025: the right
// recommendations for a library of one field are the other papers of it.
var forYouFields = []struct{ name, words, cat string }{
	{"rl", "reinforcement learning policy gradient reward shaping agent exploration", "cs.LG"},
	{"protein", "protein folding structure prediction amino acid residue contact", "q-bio.BM"},
}

func forYouID(field, n int) string { return fmt.Sprintf("2506.%d%04d", field+5, n) }

// newForYouServer is the community server with recommendations over the
// fixture and the hand-made corpus, and ada, bob and carl signed up.
func newForYouServer(t *testing.T, d store.Dialect) (*httptest.Server, *store.Store) {
	t.Helper()
	srv, st := newCommunityServer(t, d, func(o *Options) {
		withAuthors(false)(o)
		o.ForYou = &foryou.Service{Store: o.Papers.(*store.Store), Now: func() time.Time { return testNow }}
	})
	var papers []store.Paper
	for f, field := range forYouFields {
		for n := range 6 {
			w := strings.Fields(field.words)
			papers = append(papers, store.Paper{
				ID: forYouID(f, n), Version: 1, Title: fmt.Sprintf("%s %s study %d", w[0], w[1], n),
				Abstract: fmt.Sprintf("We study %s, variant %s.", field.words, w[n]),
				Authors:  []string{fmt.Sprintf("Author %s %d", field.name, n)}, Categories: []string{field.cat},
				ListedOn: time.Date(2025, 6, 1+n%5, 0, 0, 0, 0, time.UTC),
			})
		}
	}
	if _, err := st.UpsertPapers(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ada", "bob", "carl"} {
		newUser(t, st, name, "user")
	}
	return srv, st
}

// adaLikesRL gives ada a library of two rl papers in her collection rl.
func adaLikesRL(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	ada := newUserID(t, st, "ada")
	for _, id := range []string{forYouID(0, 0), forYouID(0, 1)} {
		if _, err := st.SavePaper(ctx, ada, id); err != nil {
			t.Fatal(err)
		}
	}
	c, err := st.CreateCollection(ctx, store.Collection{UserID: ada, Slug: "rl", Name: "rl", Private: true}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddToCollection(ctx, c.ID, []string{forYouID(0, 0), forYouID(0, 1)}, 100); err != nil {
		t.Fatal(err)
	}
}

// postFrom posts a form as a browser does from page: with its Referer.
func postFrom(t *testing.T, c *http.Client, rawURL, page string, form url.Values) response {
	t.Helper()
	return do(t, c, "POST", rawURL, form, "Referer", page)
}

var cardIDs = regexp.MustCompile(`<article class="card foryou" id="p-([0-9.]+)"`)

func pageItems(body string) []string {
	var ids []string
	for _, m := range cardIDs.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestForYouPageRanksTheLibrarysFieldWithReasonsAndTakesFeedbackWithoutScript(t *testing.T) {
	srv, st := newForYouServer(t, store.SQLite)
	adaLikesRL(t, st)
	ada := signedInClient(t, srv.URL, "ada")
	res := call(t, ada, "GET", srv.URL+"/for-you?period=month", "", nil)
	wantStatus(t, "for-you", res, http.StatusOK)
	if !strings.Contains(res.body, `<a href="/for-you" aria-current="page">For you</a>`) {
		t.Error("the header has no current For you tab")
	}
	items := pageItems(res.body)
	if len(items) < 4 {
		t.Fatalf("items %v, want the four other rl papers first", items)
	}
	for _, id := range items[:4] {
		if !strings.HasPrefix(id, "2506.5") {
			t.Errorf("%s among the first four, want rl papers: %v", id, items)
		}
	}
	if !strings.Contains(res.body, "Recommended like “reinforcement learning study 0” and “reinforcement learning study 1” in your collection rl.") &&
		!strings.Contains(res.body, "Recommended like “reinforcement learning study 1” and “reinforcement learning study 0” in your collection rl.") {
		t.Errorf("no reason naming ada's rl papers:\n%s", res.body)
	}
	for _, want := range []string{`action="/for-you/feedback"`, `name="signal" value="not_interested"`, `name="signal" value="fewer_like_this"`, `href="/for-you?period=month&amp;collection=rl"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the page has no %s", want)
		}
	}
	// Not interested, as a plain form: back to the page, without the paper.
	top := items[0]
	page := srv.URL + "/for-you?period=month"
	res = postFrom(t, ada, srv.URL+"/for-you/feedback", page, url.Values{"paper": {top}, "signal": {"not_interested"}})
	wantStatus(t, "feedback", res, http.StatusSeeOther)
	if loc := res.header.Get("Location"); loc != "/for-you?done=not_interested&period=month" {
		t.Errorf("feedback goes back to %q", loc)
	}
	res = call(t, ada, "GET", srv.URL+"/for-you?period=month&done=not_interested", "", nil)
	if after := pageItems(res.body); strings.Contains(strings.Join(after, " "), top) {
		t.Errorf("%s still shown after not interested: %v", top, after)
	}
	if !strings.Contains(res.body, "will not be recommended again") {
		t.Error("no status line for the feedback")
	}
	// Save from the page puts it in the library.
	res = postFrom(t, ada, srv.URL+"/for-you/feedback", page, url.Values{"paper": {items[1]}, "signal": {"save"}})
	wantStatus(t, "save", res, http.StatusSeeOther)
	if saved, _ := st.SavedAmong(context.Background(), newUserID(t, st, "ada"), []string{items[1]}); !saved[items[1]] {
		t.Error("save did not save")
	}
}

func TestForYouWelcomesAnEmptyLibraryAndFollowsMakeItsFirstFeed(t *testing.T) {
	srv, _ := newForYouServer(t, store.SQLite)
	carl := signedInClient(t, srv.URL, "carl")
	res := call(t, carl, "GET", srv.URL+"/for-you", "", nil)
	wantStatus(t, "welcome", res, http.StatusOK)
	for _, want := range []string{"Welcome: make your feed", `name="category" value="cs.LG"`, `action="/library/import"`, `action="/search"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the welcome page has no %s", want)
		}
	}
	res = postFrom(t, carl, srv.URL+"/for-you/follow", srv.URL+"/for-you", url.Values{"category": {"q-bio.BM"}})
	wantStatus(t, "follow", res, http.StatusSeeOther)
	res = call(t, carl, "GET", srv.URL+"/for-you?period=month", "", nil)
	items := pageItems(res.body)
	if len(items) != 6 {
		t.Fatalf("carl's first feed: %v, want the six protein papers", items)
	}
	if !strings.Contains(res.body, "Recommended in q-bio.BM, which you follow.") {
		t.Error("no reason naming the followed category")
	}
	// Anonymous readers have no tab and are sent to sign in.
	res = call(t, nil, "GET", srv.URL+"/for-you", "", nil)
	wantStatus(t, "anonymous", res, http.StatusSeeOther)
	if res = call(t, nil, "GET", srv.URL+"/", "", nil); strings.Contains(res.body, `href="/for-you"`) {
		t.Error("an anonymous page shows the For you tab")
	}
}

func TestRecommendationsAPIMatchesItsDocumentAndKeepsReadersApart(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newForYouServer(t, d)
		adaLikesRL(t, st)
		adaTok := bearerToken(t, st, store.User{ID: newUserID(t, st, "ada")})
		bobTok := bearerToken(t, st, store.User{ID: newUserID(t, st, "bob")})
		doc := loadOpenAPI(t, call(t, nil, "GET", srv.URL+"/api/openapi.json", "", nil).body)
		api := srv.URL + "/api/recommendations"

		res := call(t, nil, "GET", api+"?since=2025-06-01&until=2025-06-05&limit=3", adaTok, nil)
		doc.check(t, "GET", "/api/recommendations", res)
		var recs []struct {
			ID      string
			Reason  string
			Because foryou.Reason
		}
		if err := json.Unmarshal([]byte(res.body), &recs); err != nil || len(recs) != 3 {
			t.Fatalf("ada's recommendations: %v, %s", err, res.body)
		}
		for _, r := range recs {
			if !strings.HasPrefix(r.ID, "2506.5") || !strings.HasSuffix(r.Reason, "in your collection rl") || len(r.Because.Like) != 2 {
				t.Errorf("recommendation %+v", r)
			}
		}
		for _, bad := range []string{"?limit=0", "?since=yesterday", "?since=2025-06-05&until=2025-06-01"} {
			doc.check(t, "GET", "/api/recommendations", call(t, nil, "GET", api+bad, adaTok, nil))
		}
		res = call(t, nil, "GET", api, "", nil)
		wantStatus(t, "anonymous", res, http.StatusUnauthorized)
		doc.check(t, "GET", "/api/recommendations", res)

		// Bob sees nothing of ada's: not her ranking, not her collection.
		res = call(t, nil, "GET", api+"?since=2025-06-01", bobTok, nil)
		doc.check(t, "GET", "/api/recommendations", res)
		if strings.TrimSpace(res.body) != "[]" {
			t.Errorf("bob, with an empty library, gets %s", res.body)
		}
		res = call(t, nil, "GET", api+"?collection=rl", bobTok, nil)
		wantStatus(t, "bob asks for rl", res, http.StatusNotFound)
		doc.check(t, "GET", "/api/recommendations", res)

		// Bob's feedback changes bob's ranking only; ada's changes hers.
		fb := srv.URL + "/api/recommendations/feedback"
		res = call(t, nil, "POST", fb, bobTok, map[string]string{"id": recs[0].ID, "signal": "not_interested"})
		wantStatus(t, "bob's feedback", res, http.StatusNoContent)
		doc.check(t, "POST", "/api/recommendations/feedback", res)
		res = call(t, nil, "GET", api+"?since=2025-06-01&until=2025-06-05&limit=3", adaTok, nil)
		if !strings.Contains(res.body, `"id":"`+recs[0].ID+`"`) {
			t.Errorf("bob's not_interested changed ada's ranking: %s", res.body)
		}
		res = call(t, nil, "POST", fb, adaTok, map[string]string{"id": recs[0].ID, "signal": "not_interested"})
		wantStatus(t, "ada's feedback", res, http.StatusNoContent)
		res = call(t, nil, "GET", api+"?since=2025-06-01&until=2025-06-05&limit=3", adaTok, nil)
		if strings.Contains(res.body, `"id":"`+recs[0].ID+`"`) {
			t.Errorf("ada's not_interested did not remove %s: %s", recs[0].ID, res.body)
		}
		for _, bad := range []map[string]string{{"id": recs[1].ID, "signal": "love_it"}, {"id": "2506.99999", "signal": "fewer_like_this"}, {"signal": "save"}} {
			doc.check(t, "POST", "/api/recommendations/feedback", call(t, nil, "POST", fb, adaTok, bad))
		}
	})
}

func TestPrivateFeedsAreTheirReadersAndDieWhenRevoked(t *testing.T) {
	srv, st := newForYouServer(t, store.SQLite)
	adaLikesRL(t, st)
	ada, bob := signedInClient(t, srv.URL, "ada"), signedInClient(t, srv.URL, "bob")
	res := call(t, ada, "GET", srv.URL+"/settings", "", nil)
	if !strings.Contains(res.body, "Make a feed address") {
		t.Fatal("the settings page offers no private feed")
	}
	feedURL := func(c *http.Client) string {
		t.Helper()
		res := postFrom(t, c, srv.URL+"/settings/feed", srv.URL+"/settings", url.Values{})
		wantStatus(t, "new feed", res, http.StatusOK)
		m := regexp.MustCompile(`id="feed-url" readonly value="https://paperboy.test(/feeds/for-you/[^"]+\.atom)"`).FindStringSubmatch(res.body)
		if m == nil {
			t.Fatalf("no feed address on the page:\n%s", res.body)
		}
		return srv.URL + m[1]
	}
	adaFeed, bobFeed := feedURL(ada), feedURL(bob)
	res = call(t, nil, "GET", adaFeed, "", nil)
	wantStatus(t, "ada's feed", res, http.StatusOK)
	if !strings.Contains(res.body, "<feed") || !strings.Contains(res.body, "Recommended like") || !strings.Contains(res.body, forYouID(0, 2)) {
		t.Errorf("ada's feed:\n%s", res.body)
	}
	res = call(t, nil, "GET", strings.TrimSuffix(bobFeed, ".atom")+".rss", "", nil)
	wantStatus(t, "bob's feed", res, http.StatusOK)
	if strings.Contains(res.body, "2506.5") {
		t.Errorf("bob's feed shows ada's recommendations:\n%s", res.body)
	}
	// A new address revokes the old; revoking ends the feed at once (no
	// cached copy answers).
	newFeed := feedURL(ada)
	if res = call(t, nil, "GET", adaFeed, "", nil); res.status != http.StatusNotFound {
		t.Errorf("the replaced address: status %d, want 404", res.status)
	}
	wantStatus(t, "new address", call(t, nil, "GET", newFeed, "", nil), http.StatusOK)
	res = postFrom(t, ada, srv.URL+"/settings/feed", srv.URL+"/settings", url.Values{"action": {"revoke"}})
	wantStatus(t, "revoke", res, http.StatusOK)
	if res = call(t, nil, "GET", newFeed, "", nil); res.status != http.StatusNotFound {
		t.Errorf("the revoked address: status %d, want 404", res.status)
	}
}
