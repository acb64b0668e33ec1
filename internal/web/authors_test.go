package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// withAuthors turns on author pages, follows and claims, and with
// library the library that approved claims are saved to.
func withAuthors(library bool) func(*Options) {
	return func(o *Options) {
		o.Authors = o.Papers.(*store.Store)
		if library {
			o.Library = o.Papers.(*store.Store)
		}
	}
}

func TestAuthorPageListsPapersAndSaysNamesAreNotPeople(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, _ := newCommunityServer(t, d, withAuthors(false))
		for _, name := range []string{"Ada%20Lovelace", "Lovelace,%20Ada", "ADA%20LOVELACE"} {
			res := call(t, nil, "GET", srv.URL+"/authors/"+name, "", nil)
			wantStatus(t, name, res, http.StatusOK)
			for _, want := range []string{
				"papers listed under this name; different people may share it",
				`href="/papers/2506.00001"`, `href="/authors/Alan%20Turing"`, `href="/feeds/author.atom?name=Ada&#43;Lovelace"`,
				`<a class="cat" href="/search?category=cs.LG&amp;sort=newest">cs.LG</a>`, "Sign in</a> to follow",
			} {
				if !strings.Contains(strings.ToLower(res.body), strings.ToLower(want)) {
					t.Errorf("%s lacks %s", name, want)
				}
			}
		}
		paper := call(t, nil, "GET", srv.URL+"/papers/2506.00001", "", nil)
		if !strings.Contains(paper.body, `<a href="/authors/Ada%20Lovelace">Ada Lovelace</a>`) {
			t.Error("the paper page does not link its authors to their pages")
		}
		for _, bad := range []string{"Nobody", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", strings.Repeat("a", 300), "%2E%2C"} {
			res := call(t, nil, "GET", srv.URL+"/authors/"+bad, "", nil)
			wantStatus(t, "author "+bad, res, http.StatusNotFound)
			if strings.Contains(res.body, "<script>alert") {
				t.Error("a hostile name came back unescaped")
			}
		}
		feed := call(t, nil, "GET", srv.URL+"/feeds/author.atom?name=Lovelace,+Ada", "", nil)
		wantStatus(t, "author feed", feed, http.StatusOK)
		if !strings.Contains(feed.body, "2506.00001") || !strings.Contains(feed.body, "papers by Ada Lovelace") {
			t.Errorf("author feed:\n%.800s", feed.body)
		}
	})
}

func TestFollowsAPIIsPrivateAndValidated(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newCommunityServer(t, d, withAuthors(false))
		ada := bearerToken(t, st, newUser(t, st, "ada", "user"))
		bob := bearerToken(t, st, newUser(t, st, "bob", "user"))
		api := srv.URL + "/api/follows"

		for _, m := range []string{"GET", "PUT", "DELETE"} {
			u := api
			if m != "GET" {
				u += "/author/Ada%20Lovelace"
			}
			wantStatus(t, "anonymous "+m, call(t, nil, m, u, "", nil), http.StatusUnauthorized)
		}
		for range 2 {
			res := call(t, nil, "PUT", api+"/author/Lovelace,%20Ada", ada, nil)
			wantStatus(t, "follow", res, http.StatusOK)
			if !strings.Contains(res.body, `"value":"ada lovelace"`) {
				t.Fatalf("follow answered %s", res.body)
			}
		}
		wantStatus(t, "follow category", call(t, nil, "PUT", api+"/category/cs.LG", ada, nil), http.StatusOK)
		wantStatus(t, "follow search", call(t, nil, "PUT", api+"/search/linear%20attention%20%2F%20kernels", ada, nil), http.StatusOK)

		var mine []apiFollow
		res := call(t, nil, "GET", api, ada, nil)
		wantStatus(t, "list", res, http.StatusOK)
		if err := json.Unmarshal([]byte(res.body), &mine); err != nil || len(mine) != 3 {
			t.Fatalf("ada's follows = %s (%v)", res.body, err)
		}
		if res := call(t, nil, "GET", api, bob, nil); strings.TrimSpace(res.body) != "[]" {
			t.Errorf("bob sees follows: %s", res.body)
		}
		for _, tt := range []struct {
			path string
			want string
		}{
			{"/category/cs.LG%3B%20DROP%20TABLE%20follows", "not an arXiv category"},
			{"/topic/7", "topics are not available yet"},
			{"/people/ada", "kind: want"},
			{"/author/" + strings.Repeat("x", 250), "longer than"},
			{"/author/%2E%2C%3B", "Say what to follow"},
			{"/search/a%09b%07", "not allowed"},
		} {
			res := call(t, nil, "PUT", api+tt.path, ada, nil)
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, tt.want) {
				t.Errorf("PUT %s: %d %s, want 400 with %q", tt.path, res.status, res.body, tt.want)
			}
		}
		wantStatus(t, "unfollow", call(t, nil, "DELETE", api+"/author/Ada%20Lovelace", ada, nil), http.StatusOK)
		wantStatus(t, "unfollow again", call(t, nil, "DELETE", api+"/author/Ada%20Lovelace", ada, nil), http.StatusOK)
		if follows, _ := st.Follows(context.Background(), newUserID(t, st, "ada")); len(follows) != 2 {
			t.Errorf("after unfollowing: %+v", follows)
		}
	})
}

func newUserID(t *testing.T, st *store.Store, name string) int64 {
	t.Helper()
	u, err := st.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestFollowButtonsWorkWithoutScriptAndStayPrivate(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, withAuthors(false))
	newUser(t, st, "ada", "user")
	c := signedInClient(t, srv.URL, "ada")
	page := srv.URL + "/authors/Ada%20Lovelace"
	// The anonymous page is cached first; it must stay anonymous.
	wantStatus(t, "anonymous page", call(t, nil, "GET", page, "", nil), http.StatusOK)

	anon := call(t, nil, "POST", srv.URL+"/following", "", url.Values{"kind": {"author"}, "value": {"Ada Lovelace"}, "follow": {"1"}})
	wantStatus(t, "anonymous follow", anon, http.StatusSeeOther)
	if !strings.HasPrefix(anon.header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous follow sent to %q", anon.header.Get("Location"))
	}
	req, _ := http.NewRequest("POST", srv.URL+"/following", strings.NewReader("kind=author&value=Ada+Lovelace&follow=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", page)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/authors/Ada%20Lovelace" {
		t.Fatalf("follow form: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	mine := call(t, c, "GET", page, "", nil)
	if !strings.Contains(mine.body, `aria-pressed="true">Following`) {
		t.Errorf("ada's author page does not show her follow:\n%.2000s", mine.body)
	}
	if strings.Contains(call(t, nil, "GET", page, "", nil).body, "Following") {
		t.Error("the anonymous page shows ada's follow")
	}
	list := call(t, c, "GET", srv.URL+"/following", "", nil)
	wantStatus(t, "/following", list, http.StatusOK)
	if !strings.Contains(list.body, `href="/authors/Ada%20Lovelace">Ada Lovelace</a>`) {
		t.Errorf("/following:\n%.2000s", list.body)
	}
	wantStatus(t, "anonymous /following", call(t, nil, "GET", srv.URL+"/following", "", nil), http.StatusSeeOther)
	search := call(t, c, "GET", srv.URL+"/search?q=attention&category=cs.LG", "", nil)
	if !strings.Contains(search.body, `name="kind" value="search"`) || !strings.Contains(search.body, `name="kind" value="category"`) {
		t.Error("the search page has no follow buttons for its query and category")
	}
	res := call(t, c, "POST", srv.URL+"/following", "", url.Values{"kind": {"author"}, "value": {"ada lovelace"}, "follow": {"0"}})
	wantStatus(t, "unfollow", res, http.StatusSeeOther)
	if list := call(t, c, "GET", srv.URL+"/following", "", nil); !strings.Contains(list.body, "You follow nothing yet") {
		t.Error("unfollowing left the follow")
	}
}

func TestClaimIsPendingUntilAModeratorApproves(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newCommunityServer(t, d, withAuthors(true))
		newUser(t, st, "ada", "user")
		eve := bearerToken(t, st, newUser(t, st, "eve", "user"))
		newUser(t, st, "mod", "moderator")
		ada, mod := signedInClient(t, srv.URL, "ada"), signedInClient(t, srv.URL, "mod")
		paper := srv.URL + "/papers/2506.00001"

		if body := call(t, nil, "GET", paper, "", nil).body; strings.Contains(body, "Claim this paper") {
			t.Error("anonymous readers see the claim form")
		}
		form := call(t, ada, "GET", paper, "", nil)
		if !strings.Contains(form.body, `<option value="0">Ada Lovelace</option>`) {
			t.Fatalf("no claim form for ada:\n%.3000s", form.body)
		}
		wantStatus(t, "claim", call(t, ada, "POST", paper+"/claim", "", url.Values{"author": {"0"}}), http.StatusSeeOther)
		if body := call(t, ada, "GET", paper, "", nil).body; !strings.Contains(body, "a moderator will check it") {
			t.Error("ada does not see her pending claim")
		}
		if body := call(t, nil, "GET", paper, "", nil).body; strings.Contains(body, `class="verified"`) {
			t.Error("a pending claim shows as verified")
		}

		// The API: 401, refusals, and eve's claim of another author.
		api := srv.URL + "/api/papers/2506.00001/claim"
		wantStatus(t, "anonymous claim", call(t, nil, "POST", api, "", map[string]int{"position": 1}), http.StatusUnauthorized)
		wantStatus(t, "no position", call(t, nil, "POST", api, eve, map[string]string{"who": "me"}), http.StatusBadRequest)
		wantStatus(t, "position out of range", call(t, nil, "POST", api, eve, map[string]int{"position": 99}), http.StatusBadRequest)
		wantStatus(t, "unknown paper", call(t, nil, "POST", srv.URL+"/api/papers/2599.99999/claim", eve, map[string]int{"position": 0}), http.StatusNotFound)
		res := call(t, nil, "POST", api, eve, map[string]int{"position": 1})
		wantStatus(t, "eve's claim", res, http.StatusAccepted)
		if !strings.Contains(res.body, `"author":"Alan Turing","status":"pending"`) {
			t.Errorf("claim answered %s", res.body)
		}

		// Only moderators decide.
		wantStatus(t, "ada approves herself", call(t, ada, "POST", srv.URL+"/admin/claims/approve", "",
			url.Values{"user": {"1"}, "paper": {"2506.00001"}}), http.StatusForbidden)
		admin := call(t, mod, "GET", srv.URL+"/admin", "", nil)
		if !strings.Contains(admin.body, "claims to be <strong>Ada Lovelace</strong>") {
			t.Fatalf("the moderation page lacks the claim:\n%.3000s", admin.body)
		}
		adaID := newUserID(t, st, "ada")
		res = call(t, mod, "POST", srv.URL+"/admin/claims/approve", "", url.Values{"user": {strconv.FormatInt(adaID, 10)}, "paper": {"2506.00001"}})
		wantStatus(t, "approve", res, http.StatusSeeOther)
		wantStatus(t, "approve again", call(t, mod, "POST", srv.URL+"/admin/claims/approve", "",
			url.Values{"user": {strconv.FormatInt(adaID, 10)}, "paper": {"2506.00001"}}), http.StatusNotFound)

		body := call(t, nil, "GET", paper, "", nil).body
		if !strings.Contains(body, `<a class="verified" href="/u/ada"`) {
			t.Errorf("the paper page does not mark the verified author:\n%.1500s", body)
		}
		if profile := call(t, nil, "GET", srv.URL+"/u/ada", "", nil).body; !strings.Contains(profile, "Verified author of") {
			t.Error("ada's profile does not list her paper")
		}
		if saved, err := st.SavedAmong(context.Background(), adaID, []string{"2506.00001", "2506.00002"}); err != nil || len(saved) != 1 || !saved["2506.00001"] {
			t.Errorf("ada's library after the approved claim = %v, %v; want 2506.00001 alone", saved, err)
		}
	})
}
