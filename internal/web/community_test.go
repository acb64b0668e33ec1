package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/digest"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// newCommunityServer is the fixture server with accounts and community
// actions on, the response cache re-reading the change feed on every
// request (so a test sees its own writes at once), and tune's changes.
func newCommunityServer(t testing.TB, dialect store.Dialect, tune func(*Options)) (*httptest.Server, *store.Store) {
	t.Helper()
	srv, st, _ := newFixtureServer(t, dialect, func(o *Options) {
		withAccounts(o)
		o.Community = o.Papers.(*store.Store)
		o.Library = o.Papers.(*store.Store)
		o.Cache.Freshness = -1
		if tune != nil {
			tune(o)
		}
	})
	return srv, st
}

// forEachDialect runs a web test against both databases.
func forEachDialect(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// call makes a request with an optional client (nil: anonymous, no
// redirects followed), bearer token and JSON or form body.
func call(t *testing.T, c *http.Client, method, rawURL, token string, body any) response {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func wantStatus(t *testing.T, what string, got response, want int) {
	t.Helper()
	if got.status != want {
		t.Fatalf("%s: status %d, want %d\n%.600s", what, got.status, want, got.body)
	}
}

func upvotesOf(t *testing.T, srvURL, id string) int {
	t.Helper()
	res := call(t, nil, "GET", srvURL+"/api/papers/"+id, "", nil)
	wantStatus(t, "GET paper", res, http.StatusOK)
	var p struct{ Upvotes int }
	if err := json.Unmarshal([]byte(res.body), &p); err != nil {
		t.Fatal(err)
	}
	return p.Upvotes
}

func TestAPIUpvoteIsIdempotentAndNeedsAUser(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newCommunityServer(t, d, nil)
		tok := bearerToken(t, st, newUser(t, st, "ada", "user"))
		url := srv.URL + "/api/papers/2506.00001/upvote"

		res := call(t, nil, "POST", url, "", nil)
		wantStatus(t, "anonymous upvote", res, http.StatusUnauthorized)
		if res.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		if n := upvotesOf(t, srv.URL, "2506.00001"); n != 42 {
			t.Fatalf("upvotes before = %d, want the imported 42", n)
		}
		for range 2 {
			res = call(t, nil, "POST", url, tok, nil)
			wantStatus(t, "upvote", res, http.StatusOK)
			if strings.TrimSpace(res.body) != `{"upvotes":43,"voted":true}` {
				t.Fatalf("upvote answered %s", res.body)
			}
		}
		// The paper object (cached for anonymous readers) shows the total.
		if n := upvotesOf(t, srv.URL, "2506.00001"); n != 43 {
			t.Fatalf("paper object upvotes = %d, want 43", n)
		}
		for range 2 {
			res = call(t, nil, "DELETE", url, tok, nil)
			wantStatus(t, "unvote", res, http.StatusOK)
			if !strings.Contains(res.body, `"upvotes":42`) {
				t.Fatalf("unvote answered %s", res.body)
			}
		}
		if n := upvotesOf(t, srv.URL, "2506.00001"); n != 42 {
			t.Fatalf("paper object upvotes after unvote = %d, want 42", n)
		}
		wantStatus(t, "vote on unknown paper", call(t, nil, "POST", srv.URL+"/api/papers/2506.09999/upvote", tok, nil), http.StatusNotFound)
		wantStatus(t, "old-style id", call(t, nil, "POST", srv.URL+"/api/papers/hep-th/9901001/upvote", tok, nil), http.StatusNotFound)
	})
}

func TestUpvoteFormWorksWithoutScript(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newCommunityServer(t, d, nil)
		newUser(t, st, "ada", "user")
		c := signedInClient(t, srv.URL, "ada")

		// Anonymous: off to sign in, and back to the page afterwards.
		res := call(t, nil, "POST", srv.URL+"/papers/2506.00001/upvote", "", url.Values{"vote": {"up"}})
		wantStatus(t, "anonymous form", res, http.StatusSeeOther)
		if loc := res.header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
			t.Fatalf("anonymous form sent to %q", loc)
		}

		req, _ := http.NewRequest("POST", srv.URL+"/papers/2506.00001/upvote", strings.NewReader("vote=up"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", srv.URL+"/papers/date/2025-06-04")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/papers/date/2025-06-04" {
			t.Fatalf("form vote: %d to %q, want 303 back to the list", resp.StatusCode, resp.Header.Get("Location"))
		}
		// A forged Referer cannot send the browser elsewhere.
		req, _ = http.NewRequest("POST", srv.URL+"/papers/2506.00001/upvote", strings.NewReader("vote=up"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", "https://evil.example/phish")
		if resp, err = c.Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "/papers/2506.00001" {
			t.Fatalf("foreign Referer redirected to %q", loc)
		}

		for _, path := range []string{"/papers/date/2025-06-04", "/papers/2506.00001"} {
			page := call(t, c, "GET", srv.URL+path, "", nil)
			wantStatus(t, path, page, http.StatusOK)
			if !strings.Contains(page.body, `aria-pressed="true"`) || !strings.Contains(page.body, `<span class="count" aria-hidden="true">▲ 43</span>`) {
				t.Fatalf("%s does not show ada's vote:\n%s", path, page.body)
			}
		}
		res = call(t, c, "POST", srv.URL+"/papers/2506.00001/upvote", "", url.Values{"vote": {"down"}})
		wantStatus(t, "form unvote", res, http.StatusSeeOther)
		if n := upvotesOf(t, srv.URL, "2506.00001"); n != 42 {
			t.Fatalf("after form unvote: %d upvotes, want 42", n)
		}
	})
}

func TestUnverifiedUsersCannotVote(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, nil)
	u, err := st.CreateUser(context.Background(), store.User{Username: "eve", Email: "eve@example.org", Role: "user"})
	if err != nil {
		t.Fatal(err)
	}
	tok := bearerToken(t, st, u)
	wantStatus(t, "unverified vote", call(t, nil, "POST", srv.URL+"/api/papers/2506.00001/upvote", tok, nil), http.StatusForbidden)
}

type apiCommentJSON struct {
	ID       int64
	PaperID  string
	Author   struct{ User string }
	ParentID *int64
	Text     string
	HTML     string
	Replies  []apiCommentJSON
}

func TestCommentsAreEditedAndDeletedOnlyByTheirAuthorsOrModerators(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newCommunityServer(t, d, nil)
		ada, bob := newUser(t, st, "ada", "user"), newUser(t, st, "bob", "user")
		mod := newUser(t, st, "mia", "moderator")
		adaTok, bobTok, modTok := bearerToken(t, st, ada), bearerToken(t, st, bob), bearerToken(t, st, mod)
		commentsURL := srv.URL + "/api/papers/2506.00001/comments"

		wantStatus(t, "anonymous comment", call(t, nil, "POST", commentsURL, "", map[string]any{"text": "hi"}), http.StatusUnauthorized)
		res := call(t, nil, "POST", commentsURL, adaTok, map[string]any{"text": "Nice **kernels**, @bob"})
		wantStatus(t, "comment", res, http.StatusCreated)
		var c apiCommentJSON
		if err := json.Unmarshal([]byte(res.body), &c); err != nil {
			t.Fatal(err)
		}
		if c.Author.User != "ada" || c.PaperID != "2506.00001" ||
			c.HTML != `<p>Nice <strong>kernels</strong>, <a href="/u/bob" class="mention">@bob</a></p>`+"\n" {
			t.Fatalf("comment = %+v", c)
		}
		res = call(t, nil, "POST", commentsURL, bobTok, map[string]any{"text": "Thanks", "parent_id": c.ID})
		wantStatus(t, "reply", res, http.StatusCreated)
		wantStatus(t, "empty", call(t, nil, "POST", commentsURL, bobTok, map[string]any{"text": "  "}), http.StatusBadRequest)

		// bob cannot change ada's comment by naming its id, through the
		// API or the forms.
		one := fmt.Sprintf("%s/api/comments/%d", srv.URL, c.ID)
		wantStatus(t, "foreign API edit", call(t, nil, "PATCH", one, bobTok, map[string]any{"text": "pwned"}), http.StatusForbidden)
		wantStatus(t, "foreign API delete", call(t, nil, "DELETE", one, bobTok, nil), http.StatusForbidden)
		bobWeb := signedInClient(t, srv.URL, "bob")
		wantStatus(t, "foreign edit form", call(t, bobWeb, "POST", fmt.Sprintf("%s/comments/%d/edit", srv.URL, c.ID), "", url.Values{"text": {"pwned"}}), http.StatusForbidden)
		wantStatus(t, "foreign edit page", call(t, bobWeb, "GET", fmt.Sprintf("%s/comments/%d/edit", srv.URL, c.ID), "", nil), http.StatusForbidden)
		wantStatus(t, "foreign delete form", call(t, bobWeb, "POST", fmt.Sprintf("%s/comments/%d/delete", srv.URL, c.ID), "", nil), http.StatusForbidden)
		wantStatus(t, "moderator edit", call(t, nil, "PATCH", one, modTok, map[string]any{"text": "mod"}), http.StatusForbidden)

		adaWeb := signedInClient(t, srv.URL, "ada")
		res = call(t, adaWeb, "POST", fmt.Sprintf("%s/comments/%d/edit", srv.URL, c.ID), "", url.Values{"text": {"Nice kernels (edited)"}})
		wantStatus(t, "own edit", res, http.StatusSeeOther)

		page := call(t, nil, "GET", srv.URL+"/papers/2506.00001", "", nil)
		if !strings.Contains(page.body, "Nice kernels (edited)") || strings.Contains(page.body, "pwned") ||
			!strings.Contains(page.body, "Thanks") || !strings.Contains(page.body, "2 comments") {
			t.Fatalf("paper page comments:\n%s", page.body)
		}

		wantStatus(t, "moderator delete", call(t, nil, "DELETE", one, modTok, nil), http.StatusNoContent)
		res = call(t, nil, "GET", commentsURL, "", nil)
		wantStatus(t, "list", res, http.StatusOK)
		var list struct{ Comments []apiCommentJSON }
		if err := json.Unmarshal([]byte(res.body), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Comments) != 1 || list.Comments[0].Text != "" || len(list.Comments[0].Replies) != 1 ||
			list.Comments[0].Replies[0].Text != "Thanks" {
			t.Fatalf("comments after moderator delete: %s", res.body)
		}
		if p, _ := st.Paper(context.Background(), "2506.00001"); p.Community.Comments != 1 {
			t.Fatalf("comment count %d, want 1", p.Community.Comments)
		}
		audit := call(t, signedInClient(t, srv.URL, "mia"), "GET", srv.URL+"/admin", "", nil)
		wantStatus(t, "admin page", audit, http.StatusOK)
		if !strings.Contains(audit.body, "<td>delete_comment</td>") {
			t.Fatalf("audit log does not show the deletion:\n%s", audit.body)
		}
	})
}

func TestCommunityWritesAreRateLimited(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		limits := map[string]RateLimit{
			"vote": {Every: time.Hour, Burst: 2}, "comment": {Every: time.Hour, Burst: 1}, "submit": {Every: time.Hour, Burst: 1},
		}
		srv, st := newCommunityServer(t, d, func(o *Options) { o.RateLimits = limits })
		tok := bearerToken(t, st, newUser(t, st, "ada", "user"))
		vote := srv.URL + "/api/papers/2506.00001/upvote"
		wantStatus(t, "vote 1", call(t, nil, "POST", vote, tok, nil), http.StatusOK)
		wantStatus(t, "vote 2", call(t, nil, "DELETE", vote, tok, nil), http.StatusOK)
		res := call(t, nil, "POST", vote, tok, nil)
		wantStatus(t, "vote 3", res, http.StatusTooManyRequests)
		if res.header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		comments := srv.URL + "/api/papers/2506.00001/comments"
		wantStatus(t, "comment 1", call(t, nil, "POST", comments, tok, map[string]any{"text": "one"}), http.StatusCreated)
		wantStatus(t, "comment 2", call(t, nil, "POST", comments, tok, map[string]any{"text": "two"}), http.StatusTooManyRequests)
		submit := srv.URL + "/api/submit"
		wantStatus(t, "submit 1", call(t, nil, "POST", submit, tok, map[string]any{"id": "2506.00002"}), http.StatusCreated)
		wantStatus(t, "submit 2", call(t, nil, "POST", submit, tok, map[string]any{"id": "2506.00003"}), http.StatusTooManyRequests)
		// Another account has its own allowance.
		bob := bearerToken(t, st, newUser(t, st, "bob", "user"))
		wantStatus(t, "bob votes", call(t, nil, "POST", vote, bob, nil), http.StatusOK)
	})
}

func TestHiddenPapersLeaveTheListsAndTheirPages(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newCommunityServer(t, d, nil)
		newUser(t, st, "ada", "user")
		newUser(t, st, "mia", "moderator")
		ada, mia := signedInClient(t, srv.URL, "ada"), signedInClient(t, srv.URL, "mia")

		if res := call(t, nil, "GET", srv.URL+"/papers/date/2025-06-04", "", nil); !strings.Contains(res.body, "/papers/2506.00001") {
			t.Fatal("the daily list lacks the paper before hiding it")
		}
		wantStatus(t, "user hides", call(t, ada, "POST", srv.URL+"/admin/hide", "", url.Values{"target": {"2506.00001"}}), http.StatusForbidden)
		wantStatus(t, "user opens /admin", call(t, ada, "GET", srv.URL+"/admin", "", nil), http.StatusForbidden)
		res := call(t, nil, "GET", srv.URL+"/admin", "", nil)
		wantStatus(t, "anonymous /admin", res, http.StatusSeeOther)

		res = call(t, mia, "POST", srv.URL+"/admin/hide", "", url.Values{"target": {"arxiv.org/abs/2506.00001v2"}, "reason": {"spam"}})
		wantStatus(t, "moderator hides", res, http.StatusSeeOther)

		if res := call(t, nil, "GET", srv.URL+"/papers/date/2025-06-04", "", nil); strings.Contains(res.body, "/papers/2506.00001") {
			t.Fatal("the daily list still shows the hidden paper")
		}
		wantStatus(t, "anonymous page", call(t, nil, "GET", srv.URL+"/papers/2506.00001", "", nil), http.StatusNotFound)
		wantStatus(t, "user page", call(t, ada, "GET", srv.URL+"/papers/2506.00001", "", nil), http.StatusNotFound)
		wantStatus(t, "API", call(t, nil, "GET", srv.URL+"/api/papers/2506.00001", "", nil), http.StatusNotFound)
		wantStatus(t, "API comments", call(t, nil, "GET", srv.URL+"/api/papers/2506.00001/comments", "", nil), http.StatusNotFound)
		res = call(t, mia, "GET", srv.URL+"/papers/2506.00001", "", nil)
		wantStatus(t, "moderator page", res, http.StatusOK)
		if !strings.Contains(res.body, "A moderator has hidden this paper") {
			t.Fatal("the moderator's view does not say the paper is hidden")
		}
		res = call(t, mia, "GET", srv.URL+"/admin", "", nil)
		if !strings.Contains(res.body, "<td>hide</td><td>2506.00001</td><td>spam</td>") {
			t.Fatalf("audit log:\n%s", res.body)
		}

		wantStatus(t, "unhide", call(t, mia, "POST", srv.URL+"/admin/unhide", "", url.Values{"target": {"2506.00001"}}), http.StatusSeeOther)
		wantStatus(t, "page again", call(t, nil, "GET", srv.URL+"/papers/2506.00001", "", nil), http.StatusOK)

		wantStatus(t, "suspend", call(t, mia, "POST", srv.URL+"/admin/suspend", "", url.Values{"target": {"ada"}}), http.StatusSeeOther)
		if u, _ := st.UserByName(context.Background(), "ada"); !u.Suspended() {
			t.Fatal("ada is not suspended")
		}
		res = call(t, ada, "POST", srv.URL+"/papers/2506.00001/upvote", "", url.Values{"vote": {"up"}})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
			t.Fatalf("a suspended user's vote: %d to %q, want a redirect to sign in", res.status, res.header.Get("Location"))
		}
	})
}

func TestSubmissionRules(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		var asked []string
		var st *store.Store
		// The lookup "fetches" 2506.00009 from arXiv: a paper from the day
		// before the fixture's today.
		lookup := LookupFunc(func(ctx context.Context, ids []string) error {
			asked = append(asked, ids...)
			for _, id := range ids {
				if id == "2506.00009" || id == "2506.00010" {
					_, err := st.UpsertPapers(ctx, []store.Paper{{
						ID: id, Version: 1, Title: "Fetched " + id, Authors: []string{"Ada Lovelace"},
						FirstVersionAt: testNow.Add(-20 * time.Hour), ListedOn: date("2025-06-05"),
					}})
					return err
				}
			}
			return nil
		})
		srv, st := newCommunityServer(t, d, func(o *Options) {
			st = o.Papers.(*store.Store)
			o.RateLimits = map[string]RateLimit{} // the cap, not the rate, is under test
			o.Submit = SubmitOptions{Lookup: lookup, Rules: store.SubmitRules{MaxAgeDays: 3, DailyCap: 2}}
		})
		newUser(t, st, "ada", "user")
		bob := bearerToken(t, st, newUser(t, st, "bob", "user"))
		ada := signedInClient(t, srv.URL, "ada")

		wantStatus(t, "anonymous submit page", call(t, nil, "GET", srv.URL+"/submit", "", nil), http.StatusSeeOther)
		wantStatus(t, "submit page", call(t, ada, "GET", srv.URL+"/submit", "", nil), http.StatusOK)

		res := call(t, ada, "POST", srv.URL+"/submit", "", url.Values{"id": {"https://arxiv.org/abs/2506.00002v1"}})
		wantStatus(t, "submit", res, http.StatusSeeOther)
		if loc := res.header.Get("Location"); loc != "/papers/2506.00002" {
			t.Fatalf("submit redirected to %q", loc)
		}
		list := call(t, nil, "GET", srv.URL+"/papers/date/2025-06-05", "", nil)
		if !strings.Contains(list.body, "/papers/2506.00002") {
			t.Fatal("the submitted paper is not on today's list")
		}
		if p, _ := st.Paper(context.Background(), "2506.00002"); p.Community.DailySubmitter != "ada" {
			t.Fatalf("submitter %q", p.Community.DailySubmitter)
		}

		res = call(t, nil, "POST", srv.URL+"/api/submit", bob, map[string]any{"id": "arxiv.org/pdf/2506.00002"})
		wantStatus(t, "duplicate", res, http.StatusConflict)
		if !strings.Contains(res.body, `"id":"2506.00002"`) || !strings.Contains(res.body, "/papers/2506.00002") {
			t.Fatalf("duplicate answer lacks the link: %s", res.body)
		}
		res = call(t, ada, "POST", srv.URL+"/submit", "", url.Values{"id": {"2506.00004"}}) // on Hugging Face's list
		wantStatus(t, "duplicate form", res, http.StatusConflict)
		if !strings.Contains(res.body, `<a href="/papers/2506.00004">`) {
			t.Fatalf("duplicate form lacks the link:\n%s", res.body)
		}
		wantStatus(t, "too old", call(t, ada, "POST", srv.URL+"/submit", "", url.Values{"id": {"2506.00003"}}), http.StatusUnprocessableEntity)
		wantStatus(t, "not an id", call(t, ada, "POST", srv.URL+"/submit", "", url.Values{"id": {"javascript:alert(1)"}}), http.StatusBadRequest)
		wantStatus(t, "unknown to arXiv", call(t, nil, "POST", srv.URL+"/api/submit", bob, map[string]any{"id": "2506.00077"}), http.StatusNotFound)

		res = call(t, nil, "POST", srv.URL+"/api/submit", bob, map[string]any{"id": "2506.00009"})
		wantStatus(t, "submit fetched from arXiv", res, http.StatusCreated)
		if !strings.Contains(res.body, `"fullname":"bob","user":"bob","name":"bob","type":"user"`) {
			t.Fatalf("API submit answered %s", res.body)
		}
		if fmt.Sprint(asked) != "[2506.00077 2506.00009]" {
			t.Fatalf("lookups %v, want only the unknown papers", asked)
		}
		// ada's second of the day passes, a third is over the cap.
		wantStatus(t, "second", call(t, ada, "POST", srv.URL+"/submit", "", url.Values{"id": {"2506.00010"}}), http.StatusSeeOther)
		res = call(t, ada, "POST", srv.URL+"/submit", "", url.Values{"id": {"2506.00001"}})
		if res.status != http.StatusConflict { // 2506.00001 is on a list already; use a fresh one for the cap
			t.Fatalf("status %d", res.status)
		}
		if _, err := st.UpsertPapers(context.Background(), []store.Paper{{ID: "2506.00011", Version: 1, Title: "x", FirstVersionAt: testNow}}); err != nil {
			t.Fatal(err)
		}
		res = call(t, ada, "POST", srv.URL+"/submit", "", url.Values{"id": {"2506.00011"}})
		wantStatus(t, "over the daily cap", res, http.StatusTooManyRequests)
		if !strings.Contains(res.body, "as many papers as you may today") {
			t.Errorf("cap answer does not say why:\n%s", res.body)
		}
		if res.header.Get("Retry-After") == "" {
			t.Error("cap without Retry-After")
		}

		profile := call(t, nil, "GET", srv.URL+"/u/ada", "", nil)
		wantStatus(t, "profile", profile, http.StatusOK)
		if !strings.Contains(profile.body, "/papers/2506.00002") || !strings.Contains(profile.body, "/papers/2506.00010") {
			t.Fatalf("ada's profile lacks her submissions:\n%s", profile.body)
		}
		wantStatus(t, "no such profile", call(t, nil, "GET", srv.URL+"/u/nobody", "", nil), http.StatusNotFound)
	})
}

func TestCommentMarkdownIsSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "<p>plain</p>\n"},
		{"<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"},
		{"**bold** and *em* and `<b>code</b>`", "<p><strong>bold</strong> and <em>em</em> and <code>&lt;b&gt;code&lt;/b&gt;</code></p>\n"},
		{"[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"},
		{"[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>\n"},
		{"[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>\n"},
		{`[x](https://a.example/" onmouseover="alert(1))`, "<p>[x](<a href=\"https://a.example/\" rel=\"nofollow ugc\">https://a.example/</a>&#34; onmouseover=&#34;alert(1))</p>\n"},
		{`[click](https://a.example/?q=1&r=<2>)`, "<p>[click](<a href=\"https://a.example/?q=1&amp;r=\" rel=\"nofollow ugc\">https://a.example/?q=1&amp;r=</a>&lt;2&gt;)</p>\n"},
		{"[a **b**](https://a.example/x)", `<p><a href="https://a.example/x" rel="nofollow ugc">a <strong>b</strong></a></p>` + "\n"},
		{"[@bob https://x.example](https://a.example/@c)", `<p><a href="https://a.example/@c" rel="nofollow ugc">@bob https://x.example</a></p>` + "\n"},
		{"see https://arxiv.org/abs/2506.00001.", `<p>see <a href="https://arxiv.org/abs/2506.00001" rel="nofollow ugc">https://arxiv.org/abs/2506.00001</a>.</p>` + "\n"},
		{"hi @ada, mail a@b.org", `<p>hi <a href="/u/ada" class="mention">@ada</a>, mail a@b.org</p>` + "\n"},
		{"line one\nline two\n\npara two", "<p>line one<br>\nline two</p>\n<p>para two</p>\n"},
		{"```\n<img src=x onerror=alert(1)>\n**not bold**\n```", "<pre><code>&lt;img src=x onerror=alert(1)&gt;\n**not bold**</code></pre>\n"},
		{"**<img src=x onerror=alert(1)>**", "<p><strong>&lt;img src=x onerror=alert(1)&gt;</strong></p>\n"},
		{"a * b * c", "<p>a * b * c</p>\n"},
		{"unclosed **bold and `code", "<p>unclosed **bold and `code</p>\n"},
		{"naïve café", "<p>naïve café</p>\n"},
	} {
		if got := string(renderMarkdown(tc.in)); got != tc.want {
			t.Errorf("renderMarkdown(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestHostileCommentIsShownAsText(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, nil)
	tok := bearerToken(t, st, newUser(t, st, "ada", "user"))
	hostile := `<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)> "><svg onload=alert(4)>`
	wantStatus(t, "comment", call(t, nil, "POST", srv.URL+"/api/papers/2506.00001/comments", tok, map[string]any{"text": hostile}), http.StatusCreated)
	page := call(t, nil, "GET", srv.URL+"/papers/2506.00001", "", nil)
	for _, bad := range []string{"<script>alert", `href="javascript:`, "<img src=x", "<svg"} {
		if strings.Contains(page.body, bad) {
			t.Errorf("paper page contains %q", bad)
		}
	}
	if !strings.Contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the comment's text is not shown escaped")
	}
}

func TestSubmitWithoutLookupAcceptsOnlyStoredPapers(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, nil)
	tok := bearerToken(t, st, newUser(t, st, "ada", "user"))
	wantStatus(t, "unknown paper", call(t, nil, "POST", srv.URL+"/api/submit", tok, map[string]any{"id": "2506.00077"}), http.StatusNotFound)
	wantStatus(t, "unknown old-style id", call(t, nil, "POST", srv.URL+"/api/submit", tok, map[string]any{"id": "hep-th/9901001"}), http.StatusNotFound)
	wantStatus(t, "stored paper", call(t, nil, "POST", srv.URL+"/api/submit", tok, map[string]any{"id": "2506.00002"}), http.StatusCreated)
	wantStatus(t, "anonymous", call(t, nil, "POST", srv.URL+"/api/submit", "", map[string]any{"id": "2506.00003"}), http.StatusUnauthorized)
}

func TestCommentLengthIsBoundedOnEveryPath(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, nil)
	ada := newUser(t, st, "ada", "user")
	tok := bearerToken(t, st, ada)
	web := signedInClient(t, srv.URL, "ada")
	longest := strings.Repeat("a", maxCommentBytes)
	tooLong := []string{longest + "a", strings.Repeat("é", maxCommentBytes/2+1)}
	wantLimit := func(what string, res response) {
		t.Helper()
		wantStatus(t, what, res, http.StatusBadRequest)
		if !strings.Contains(res.body, fmt.Sprintf("at most %d bytes", maxCommentBytes)) {
			t.Errorf("%s: the answer does not name the limit:\n%.600s", what, res.body)
		}
	}

	res := call(t, nil, "POST", srv.URL+"/api/papers/2506.00001/comments", tok, map[string]any{"text": longest})
	wantStatus(t, "API comment of the longest length", res, http.StatusCreated)
	var c apiCommentJSON
	if err := json.Unmarshal([]byte(res.body), &c); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "form comment of the longest length",
		call(t, web, "POST", srv.URL+"/papers/2506.00001/comments", "", url.Values{"text": {longest}}), http.StatusSeeOther)
	for _, text := range tooLong {
		wantLimit("API comment", call(t, nil, "POST", srv.URL+"/api/papers/2506.00001/comments", tok, map[string]any{"text": text}))
		wantLimit("API reply", call(t, nil, "POST", srv.URL+"/api/papers/2506.00001/comments", tok, map[string]any{"text": text, "parent_id": c.ID}))
		wantLimit("form comment", call(t, web, "POST", srv.URL+"/papers/2506.00001/comments", "", url.Values{"text": {text}}))
		wantLimit("API edit", call(t, nil, "PATCH", fmt.Sprintf("%s/api/comments/%d", srv.URL, c.ID), tok, map[string]any{"text": text}))
		wantLimit("form edit", call(t, web, "POST", fmt.Sprintf("%s/comments/%d/edit", srv.URL, c.ID), "", url.Values{"text": {text}}))
	}
}

// Every admin page answers alike: signed out, a redirect to sign in that
// comes back to the page; signed in without the role, 403. (They answered
// 303, 403 and 401 before.)
func TestAdminPagesShareOneAccessRule(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, func(o *Options) {
		o.Operations = o.Papers.(*store.Store)
		o.Subscriptions = &digest.Service{Store: o.Papers.(*store.Store), Now: func() time.Time { return testNow }}
	})
	newUser(t, st, "reader", "user")
	newUser(t, st, "mod", "moderator")
	newUser(t, st, "boss", "admin")
	reader, mod, boss := signedInClient(t, srv.URL, "reader"), signedInClient(t, srv.URL, "mod"), signedInClient(t, srv.URL, "boss")
	for _, tc := range []struct {
		path          string
		reader, mod   int
		boss          int
		anonymousNext string
	}{
		{"/admin", 403, 200, 200, "/admin"},
		{"/admin/digests", 403, 403, 200, "/admin/digests"},
		{"/admin/digests/preview?email=a@example.org", 403, 403, 200, "/admin/digests/preview?email=a@example.org"},
		{"/admin/harvest", 403, 403, 200, "/admin/harvest"},
	} {
		res := call(t, nil, "GET", srv.URL+tc.path, "", nil)
		if want := "/login?next=" + url.QueryEscape(tc.anonymousNext); res.status != http.StatusSeeOther || res.header.Get("Location") != want {
			t.Errorf("anonymous %s: %d to %q, want 303 to %q", tc.path, res.status, res.header.Get("Location"), want)
		}
		for name, c := range map[string]struct {
			client *http.Client
			want   int
		}{"reader": {reader, tc.reader}, "moderator": {mod, tc.mod}, "admin": {boss, tc.boss}} {
			if res := call(t, c.client, "GET", srv.URL+tc.path, "", nil); res.status != c.want {
				t.Errorf("%s %s: %d, want %d", name, tc.path, res.status, c.want)
			}
		}
	}
}
