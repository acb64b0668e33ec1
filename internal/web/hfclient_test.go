package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// hfPaperInfo does what huggingface_hub's PaperInfo.__init__ (hf_api.py)
// does with a response item: it pops the keys it knows, from the nested
// "paper" first where it looks there, and then copies every key left over
// onto the object ("forward compatibility"), so a leftover key named like
// one of its attributes overwrites it. The result maps attribute names to
// values.
func hfPaperInfo(kwargs map[string]any) map[string]any {
	paper, _ := kwargs["paper"].(map[string]any)
	delete(kwargs, "paper")
	if paper == nil {
		paper = map[string]any{}
	}
	pop := func(m map[string]any, k string) any {
		v, ok := m[k]
		if !ok {
			return nil
		}
		delete(m, k)
		return v
	}
	or := func(a, b func() any) any { // Python's "a or b": b is evaluated only when a is falsy
		if v := a(); truthy(v) {
			return v
		}
		return b()
	}
	info := map[string]any{}
	info["id"] = or(func() any { return pop(kwargs, "id") }, func() any { return pop(paper, "id") })
	info["authors"] = or(func() any { return pop(paper, "authors") }, func() any { return pop(kwargs, "authors") })
	info["published_at"] = or(func() any { return pop(paper, "publishedAt") }, func() any { return pop(kwargs, "publishedAt") })
	info["title"] = pop(kwargs, "title")
	info["source"] = pop(kwargs, "source")
	info["summary"] = or(func() any { return pop(paper, "summary") }, func() any { return pop(kwargs, "summary") })
	info["upvotes"] = or(func() any { return pop(paper, "upvotes") }, func() any { return pop(kwargs, "upvotes") })
	info["discussion_id"] = or(func() any { return pop(paper, "discussionId") }, func() any { return pop(kwargs, "discussionId") })
	info["comments"] = pop(kwargs, "numComments")
	if info["comments"] == nil {
		info["comments"] = 0.0
	}
	info["submitted_at"] = or(func() any { return pop(kwargs, "publishedAt") }, func() any { return pop(kwargs, "submittedOnDailyAt") })
	info["submitted_by"] = or(func() any { return pop(kwargs, "submittedBy") }, func() any { return pop(kwargs, "submittedOnDailyBy") })
	for attr, key := range map[string]string{"ai_summary": "ai_summary", "ai_keywords": "ai_keywords", "organization": "organization",
		"project_page": "projectPage", "github_repo": "githubRepo", "github_stars": "githubStars"} {
		info[attr] = pop(kwargs, key)
	}
	for k, v := range kwargs {
		info[k] = v
	}
	return info
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case float64:
		return v != 0
	case bool:
		return v
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// hfUser is huggingface_hub's User(**obj): username from "user".
func hfUser(v any) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	return map[string]any{"username": m["user"], "fullname": m["fullname"], "avatar_url": m["avatarUrl"], "user_type": m["type"]}
}

// TestHuggingFaceClientCallShapes calls the server the way huggingface_hub's
// HfApi(endpoint=...) does (paths and parameters from hf_api.py's
// paper_info, list_papers, list_daily_papers and read_paper) and reads the
// answers as its PaperInfo would, checking every field the imported data
// can fill.
func TestHuggingFaceClientCallShapes(t *testing.T) {
	srv, st, _ := newFixtureServer(t, store.SQLite, nil)
	addHFPaper(t, st)

	getJSON := func(path string, params url.Values, out any) {
		t.Helper()
		u := srv.URL + path
		if len(params) > 0 {
			u += "?" + params.Encode()
		}
		res := call(t, nil, "GET", u, "", nil)
		wantStatus(t, u, res, http.StatusOK)
		if err := json.Unmarshal([]byte(res.body), out); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}
	// The full record of 2506.00005 as each call should show it.
	want := map[string]any{
		"id": "2506.00005", "title": "MiniMax-M1: scaling test-time compute", "summary": "We introduce $M_1$.",
		"published_at": "2025-06-02T17:34:15Z", "upvotes": 9.0, "discussion_id": "684f8a1c2d9e4b0012345678",
		"comments": 1.0, "submitted_at": "2025-06-04T09:00:00Z",
		"ai_summary": "A hybrid-attention reasoning model.", "ai_keywords": []any{"lightning attention", "RL"},
		"project_page": "https://example.org/m1", "github_repo": "https://github.com/MiniMax-AI/MiniMax-M1", "github_stars": 2500.0,
	}
	checkInfo := func(call string, info map[string]any, fields ...string) {
		t.Helper()
		for _, f := range fields {
			if !cmp.Equal(info[f], want[f]) {
				t.Errorf("%s: PaperInfo.%s = %#v, want %#v", call, f, info[f], want[f])
			}
		}
		authors, _ := info["authors"].([]any)
		if len(authors) != 2 {
			t.Fatalf("%s: authors %v", call, info["authors"])
		}
		a0, a1 := authors[0].(map[string]any), authors[1].(map[string]any)
		if a0["name"] != "MiniMax" || a0["hidden"] != false || a0["user"] != nil || a1["name"] != "Aili Chen" ||
			hfUser(a1["user"])["username"] != "ailichen" || a1["status"] != "claimed_verified" {
			t.Errorf("%s: authors %v", call, authors)
		}
		if by := hfUser(info["submitted_by"]); by["username"] != "akhaliq" || by["fullname"] != "AK" || by["avatar_url"] != "https://example.org/ak.png" {
			t.Errorf("%s: submitted_by %v", call, by)
		}
	}

	// paper_info(id): GET /api/papers/{id}.
	var raw map[string]any
	getJSON("/api/papers/2506.00005", nil, &raw)
	info := hfPaperInfo(raw)
	checkInfo("paper_info", info, "id", "title", "summary", "published_at", "upvotes", "discussion_id", "comments",
		"ai_summary", "ai_keywords", "project_page", "github_repo", "github_stars")
	if org, _ := info["organization"].(map[string]any); org["name"] != "MiniMaxAI" || org["fullname"] != "MiniMax" {
		t.Errorf("paper_info: organization %v", info["organization"])
	}
	if info["submittedOnDailyAt"] != nil || info["submitted_at"] != want["submitted_at"] {
		t.Errorf("paper_info: submitted_at %v", info["submitted_at"])
	}
	// arXiv's comment string must not land on PaperInfo.comments.
	getJSON("/api/papers/2506.00001", nil, &raw)
	if info := hfPaperInfo(raw); info["comments"] != 3.0 || info["arxivComments"] != "12 pages" {
		t.Errorf("paper_info(2506.00001).comments = %#v, want the count 3 (arxivComments %#v)", info["comments"], info["arxivComments"])
	}

	// list_daily_papers(date=, week=, month=, submitter=, sort=, p=, limit=).
	dailyCalls := []url.Values{
		{"date": {"2025-06-04"}},
		{"week": {"2025-W23"}, "sort": {"trending"}},
		{"month": {"2025-06"}, "sort": {"publishedAt"}, "p": {"0"}, "limit": {"50"}},
		{"date": {"2025-06-04"}, "submitter": {"akhaliq"}},
	}
	for _, params := range dailyCalls {
		var items []map[string]any
		getJSON("/api/daily_papers", params, &items)
		var found map[string]any
		for _, it := range items {
			if p, _ := it["paper"].(map[string]any); p["id"] == "2506.00005" {
				found = hfPaperInfo(it)
			} else if params.Get("submitter") != "" {
				if by := hfUser(it["submittedBy"]); by["username"] != "akhaliq" {
					t.Errorf("list_daily_papers(%s): a paper submitted by %v", params.Encode(), by)
				}
			}
		}
		if found == nil {
			t.Fatalf("list_daily_papers(%s): 2506.00005 missing", params.Encode())
		}
		// Hugging Face's daily items hold ai_summary, githubRepo and the
		// like inside paper, where PaperInfo does not look: the client
		// leaves them unset on these items, as with Hugging Face itself.
		checkInfo("list_daily_papers("+params.Encode()+")", found, "id", "title", "summary", "published_at", "upvotes",
			"discussion_id", "comments", "submitted_at")
		if org, _ := found["organization"].(map[string]any); org["name"] != "MiniMaxAI" {
			t.Errorf("list_daily_papers: organization %v", found["organization"])
		}
		if found["thumbnail"] != "https://example.org/2506.00005.png" || found["isAuthorParticipating"] != true {
			t.Errorf("list_daily_papers: thumbnail %v isAuthorParticipating %v", found["thumbnail"], found["isAuthorParticipating"])
		}
	}
	var page []map[string]any
	getJSON("/api/daily_papers", url.Values{"month": {"2025-06"}, "p": {"1"}, "limit": {"1"}}, &page)
	if len(page) != 1 {
		t.Errorf("list_daily_papers(p=1, limit=1): %d items", len(page))
	}

	// list_papers(query=, limit=): GET /api/papers/search?q=&limit=.
	// (The search index was built before 2506.00005 was added.)
	var results []map[string]any
	getJSON("/api/papers/search", url.Values{"q": {"linear attention"}, "limit": {"5"}}, &results)
	if len(results) == 0 {
		t.Fatal("list_papers: no results")
	}
	found := hfPaperInfo(results[0])
	got := map[string]any{"id": found["id"], "published_at": found["published_at"], "upvotes": found["upvotes"],
		"comments": found["comments"], "submitted_at": found["submitted_at"], "submitter": hfUser(found["submitted_by"])["username"]}
	wantFound := map[string]any{"id": "2506.00001", "published_at": "2025-06-02T10:00:00Z", "upvotes": 42.0,
		"comments": 3.0, "submitted_at": "2025-06-04T07:00:00Z", "submitter": nil}
	if diff := cmp.Diff(wantFound, got); diff != "" {
		t.Errorf("list_papers: PaperInfo (-want +got):\n%s", diff)
	}

	// read_paper(id): GET /papers/{id}.md.
	res := call(t, nil, "GET", srv.URL+"/papers/2506.00005.md", "", nil)
	wantStatus(t, "read_paper", res, http.StatusOK)
	if res.header.Get("Content-Type") != "text/markdown; charset=utf-8" {
		t.Errorf("read_paper: Content-Type %q", res.header.Get("Content-Type"))
	}
	for _, part := range []string{"# MiniMax-M1: scaling test-time compute\n", "**Authors:** MiniMax, Aili Chen", "## AI summary",
		"A hybrid-attention reasoning model.", "**Keywords:** lightning attention, RL", "## Abstract\n\nWe introduce $M_1$.",
		"https://arxiv.org/abs/2506.00005", "Project page: https://example.org/m1", "**Organization:** MiniMax", "```bibtex\n@"} {
		if !strings.Contains(res.body, part) {
			t.Errorf("read_paper: missing %q in\n%s", part, res.body)
		}
	}
	if strings.Index(res.body, "## AI summary") > strings.Index(res.body, "## Abstract") {
		t.Error("read_paper: the AI summary should come before the abstract")
	}
	wantStatus(t, "read_paper unknown", call(t, nil, "GET", srv.URL+"/papers/2506.99999.md", "", nil), http.StatusNotFound)
}
