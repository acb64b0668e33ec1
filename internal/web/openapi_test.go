package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// openAPIDoc is the served OpenAPI document, parsed.
type openAPIDoc struct {
	raw   any
	paths map[string]map[string]struct {
		Responses map[string]struct {
			Ref     string                     `json:"$ref"`
			Content map[string]json.RawMessage `json:"content"`
		} `json:"responses"`
	}
	compiler *jsonschema.Compiler
}

const openAPIURL = "https://paperboy.test/api/openapi.json"

func loadOpenAPI(t *testing.T, body string) *openAPIDoc {
	t.Helper()
	doc := &openAPIDoc{compiler: jsonschema.NewCompiler()}
	var err error
	if doc.raw, err = jsonschema.UnmarshalJSON(strings.NewReader(body)); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var top struct {
		Paths json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &top); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(top.Paths, &doc.paths); err != nil {
		t.Fatal(err)
	}
	doc.compiler.DefaultDraft(jsonschema.Draft2020)
	doc.compiler.AssertFormat()
	if err := doc.compiler.AddResource(openAPIURL, doc.raw); err != nil {
		t.Fatal(err)
	}
	return doc
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// check validates a response against the operation's documented response
// for its status: an undocumented status, or a JSON body that breaks the
// schema, fails the test.
func (d *openAPIDoc) check(t *testing.T, method, template string, res response) {
	t.Helper()
	what := method + " " + template
	op, ok := d.paths[template][strings.ToLower(method)]
	if !ok {
		t.Errorf("%s: not in the OpenAPI document", what)
		return
	}
	status := strconv.Itoa(res.status)
	resp, ok := op.Responses[status]
	if !ok {
		t.Errorf("%s: status %s is not documented\n%.300s", what, status, res.body)
		return
	}
	ptr := "#/paths/" + pointerEscape(template) + "/" + strings.ToLower(method) + "/responses/" + status
	if resp.Ref != "" {
		ptr = resp.Ref
		name := strings.TrimPrefix(resp.Ref, "#/components/responses/")
		var comps struct {
			Components struct {
				Responses map[string]struct {
					Content map[string]json.RawMessage `json:"content"`
				} `json:"responses"`
			} `json:"components"`
		}
		b, _ := json.Marshal(d.raw)
		json.Unmarshal(b, &comps)
		resp.Content = comps.Components.Responses[name].Content
	}
	if len(resp.Content) == 0 {
		return
	}
	ctype := res.header.Get("Content-Type")
	for mediaType := range resp.Content {
		if mediaType != ctype && !(mediaType == "application/json" && ctype == "application/json") {
			continue
		}
		if mediaType != "application/json" {
			return
		}
		schema, err := d.compiler.Compile(openAPIURL + ptr + "/content/application~1json/schema")
		if err != nil {
			t.Fatalf("%s: compile schema: %v", what, err)
		}
		body, err := jsonschema.UnmarshalJSON(strings.NewReader(res.body))
		if err != nil {
			t.Errorf("%s: body is not JSON: %v", what, err)
			return
		}
		if err := schema.Validate(body); err != nil {
			t.Errorf("%s (%s): response does not match the OpenAPI document: %v\n%.600s", what, status, err, res.body)
		}
		return
	}
	t.Errorf("%s: Content-Type %q is not documented for %s", what, ctype, status)
}

// addHFPaper stores a paper with everything a Hugging Face item can hold,
// in the shapes the importer keeps (ingest's tests cover the parsing).
func addHFPaper(t testing.TB, st *store.Store) {
	t.Helper()
	yes := true
	day := date("2025-06-04")
	p := store.Paper{
		ID: "2506.00005", Title: "MiniMax-M1: scaling test-time compute", Abstract: "We introduce $M_1$.",
		Authors: []string{"MiniMax", "Aili Chen"}, FirstVersionAt: date("2025-06-02"), ListedOn: date("2025-06-03"),
		Community: store.Community{
			Upvotes: 9, DailyOn: day, DailySubmittedAt: day.Add(9 * time.Hour), DailySubmitter: "akhaliq",
			GitHubRepo: "https://github.com/MiniMax-AI/MiniMax-M1", GitHubStars: 2500, NumComments: 1,
			AISummary: "A hybrid-attention reasoning model.", AIKeywords: []string{"lightning attention", "RL"},
			ProjectPage: "https://example.org/m1",
			HF: store.HFDetails{
				DiscussionID: "684f8a1c2d9e4b0012345678",
				PublishedAt:  date("2025-06-02").Add(17*time.Hour + 34*time.Minute + 15*time.Second),
				Authors: []store.HFAuthor{
					{ID: "684f8a1c2d9e4b0012340001", Name: "MiniMax"},
					{ID: "684f8a1c2d9e4b0012340002", Name: "Aili Chen", Status: "claimed_verified",
						StatusLastChangedAt: day.Add(8 * time.Hour),
						User:                &store.HFUser{ID: "63973ee44e7b4959dc98028f", Name: "ailichen", Fullname: "Aili Chen", AvatarURL: "/avatars/a.svg", Type: "user"}},
				},
				SubmittedBy:           &store.HFUser{ID: "60f1abe7544c2adfd699860c", Name: "akhaliq", Fullname: "AK", AvatarURL: "https://example.org/ak.png", Type: "user", IsPro: true},
				Organization:          &store.HFOrg{ID: "6778fb1ac0ea8a3b3e0a4f2c", Name: "MiniMaxAI", Fullname: "MiniMax", Avatar: "https://example.org/mm.png"},
				SubmitterOrganization: &store.HFOrg{ID: "60262b67268c201cdc8b7d43", Name: "nvidia", Fullname: "NVIDIA"},
				Thumbnail:             "https://example.org/2506.00005.png",
				MediaURLs:             []string{"https://example.org/demo.mp4"},
				IsAuthorParticipating: &yes,
			},
		},
	}
	if _, err := st.UpsertCommunity(context.Background(), []store.Paper{p}); err != nil {
		t.Fatal(err)
	}
}

// TestResponsesMatchTheOpenAPIDocument calls every documented endpoint, on
// success and on failure, and validates each answer against the served
// OpenAPI document with a JSON-schema validator.
func TestResponsesMatchTheOpenAPIDocument(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, withAuthors(false))
	addHFPaper(t, st)
	ada := newUser(t, st, "ada", "user")
	tok := bearerToken(t, st, ada)
	res := call(t, nil, "GET", srv.URL+"/api/openapi.json", "", nil)
	wantStatus(t, "openapi", res, http.StatusOK)
	doc := loadOpenAPI(t, res.body)

	// Writes first, so that the reads see a comment thread and a vote.
	res = call(t, nil, "POST", srv.URL+"/api/papers/2506.00001/comments", tok, map[string]any{"text": "Nice **kernels**"})
	doc.check(t, "POST", "/api/papers/{id}/comments", res)
	var c struct{ ID int64 }
	json.Unmarshal([]byte(res.body), &c)
	res = call(t, nil, "POST", srv.URL+"/api/papers/2506.00001/comments", tok, map[string]any{"text": "reply", "parent_id": c.ID})
	doc.check(t, "POST", "/api/papers/{id}/comments", res)
	var reply struct{ ID int64 }
	json.Unmarshal([]byte(res.body), &reply)
	commentURL := srv.URL + "/api/comments/" + strconv.FormatInt(reply.ID, 10)
	writes := []struct {
		method, template, url, token string
		body                         any
	}{
		{"POST", "/api/papers/{id}/comments", srv.URL + "/api/papers/2506.00001/comments", tok, map[string]any{"text": " "}},
		{"POST", "/api/papers/{id}/comments", srv.URL + "/api/papers/2506.00001/comments", "", map[string]any{"text": "hi"}},
		{"PATCH", "/api/comments/{id}", commentURL, tok, map[string]any{"text": "edited"}},
		{"PATCH", "/api/comments/{id}", srv.URL + "/api/comments/999999", tok, map[string]any{"text": "edited"}},
		{"POST", "/api/papers/{id}/upvote", srv.URL + "/api/papers/2506.00001/upvote", tok, nil},
		{"DELETE", "/api/papers/{id}/upvote", srv.URL + "/api/papers/2506.00004/upvote", tok, nil},
		{"POST", "/api/papers/{id}/upvote", srv.URL + "/api/papers/2506.99999/upvote", tok, nil},
		{"POST", "/api/papers/{id}/upvote", srv.URL + "/api/papers/2506.00001/upvote", "", nil},
		{"POST", "/api/submit", srv.URL + "/api/submit", tok, map[string]any{"id": "2506.00004"}},
		{"PUT", "/api/follows/{kind}/{value}", srv.URL + "/api/follows/author/Lovelace,%20Ada", tok, nil},
		{"PUT", "/api/follows/{kind}/{value}", srv.URL + "/api/follows/search/linear%20attention", tok, nil},
		{"PUT", "/api/follows/{kind}/{value}", srv.URL + "/api/follows/topic/3", tok, nil},
		{"PUT", "/api/follows/{kind}/{value}", srv.URL + "/api/follows/category/cs.LG", "", nil},
		{"DELETE", "/api/follows/{kind}/{value}", srv.URL + "/api/follows/search/linear%20attention", tok, nil},
		{"GET", "/api/follows", srv.URL + "/api/follows", tok, nil},
		{"GET", "/api/follows", srv.URL + "/api/follows", "", nil},
		{"POST", "/api/papers/{id}/claim", srv.URL + "/api/papers/2506.00001/claim", tok, map[string]any{"position": 0}},
		{"POST", "/api/papers/{id}/claim", srv.URL + "/api/papers/2506.00001/claim", tok, map[string]any{"position": 42}},
		{"POST", "/api/papers/{id}/claim", srv.URL + "/api/papers/2506.99999/claim", tok, map[string]any{"position": 0}},
		{"DELETE", "/api/papers/{id}/claim", srv.URL + "/api/papers/2506.00001/claim", tok, nil},
	}
	for _, w := range writes {
		doc.check(t, w.method, w.template, call(t, nil, w.method, w.url, w.token, w.body))
	}

	reads := []struct{ template, url string }{
		{"/api/daily_papers", "/api/daily_papers"},
		{"/api/daily_papers", "/api/daily_papers?date=2025-06-04"},
		{"/api/daily_papers", "/api/daily_papers?month=2025-06&scope=all&sort=trending"},
		{"/api/daily_papers", "/api/daily_papers?week=2025-W23&submitter=akhaliq&sort=publishedAt&limit=1&p=0"},
		{"/api/daily_papers", "/api/daily_papers?submiter=akhaliq"},
		{"/api/papers/{id}", "/api/papers/2506.00005"},
		{"/api/papers/{id}", "/api/papers/2506.00001v2"},
		{"/api/papers/{id}", "/api/papers/2506.00004"},
		{"/api/papers/{id}", "/api/papers/2506.99999"},
		{"/api/papers/{id}", "/api/papers/not-an-id"},
		{"/api/papers/search", "/api/papers/search?q=attention"},
		{"/api/papers/search", "/api/papers/search?q=attention&envelope=1&mode=lexical"},
		{"/api/papers/search", "/api/papers/search?q=attention&limit=1000"},
		{"/api/suggest", "/api/suggest?q=atten"},
		{"/api/papers/{id}/similar", "/api/papers/2506.00001/similar"},
		{"/api/papers/{id}/comments", "/api/papers/2506.00001/comments"},
		{"/api/papers/{id}/comments", "/api/papers/2506.00003/comments"},
		{"/api/papers/{id}/comments", "/api/papers/2506.99999/comments"},
		{"/papers/{id}.md", "/papers/2506.00005.md"},
		{"/papers/{id}.md", "/papers/2506.99999.md"},
	}
	for _, rd := range reads {
		doc.check(t, "GET", rd.template, call(t, nil, "GET", srv.URL+rd.url, "", nil))
	}
	res = call(t, nil, "DELETE", commentURL, tok, nil)
	doc.check(t, "DELETE", "/api/comments/{id}", res)

	// The library and collections, with bob as the other user.
	bobTok := bearerToken(t, st, newUser(t, st, "bob", "user"))
	lib := []struct {
		method, template, url, token string
		body                         any
	}{
		{"POST", "/api/collections", "/api/collections", tok, map[string]any{"name": "Reading list"}},
		{"POST", "/api/collections", "/api/collections", tok, map[string]any{"name": ""}},
		{"POST", "/api/collections", "/api/collections", "", map[string]any{"name": "x"}},
		{"PUT", "/api/collections/{slug}/papers/{id}", "/api/collections/reading-list/papers/2506.00001", tok, nil},
		{"PUT", "/api/collections/{slug}/papers/{id}", "/api/collections/reading-list/papers/2506.99999", tok, nil},
		{"PUT", "/api/collections/{slug}/papers/{id}", "/api/collections/reading-list/papers/2506.00001", bobTok, nil},
		{"PUT", "/api/library/{id}", "/api/library/2506.00003", tok, map[string]any{"note": "later"}},
		{"PUT", "/api/library/{id}", "/api/library/2506.00003", "", nil},
		{"GET", "/api/library", "/api/library?sort=title", tok, nil},
		{"GET", "/api/collections", "/api/collections", tok, nil},
		{"GET", "/api/collections/{slug}", "/api/collections/reading-list", tok, nil},
		{"GET", "/api/collections/{slug}", "/api/collections/reading-list", bobTok, nil},
		{"GET", "/api/users/{user}/collections/{slug}", "/api/users/ada/collections/reading-list", "", nil},
		{"PATCH", "/api/collections/{slug}", "/api/collections/reading-list", tok, map[string]any{"private": false}},
		{"GET", "/api/users/{user}/collections", "/api/users/ada/collections", "", nil},
		{"GET", "/api/users/{user}/collections/{slug}", "/api/users/ada/collections/reading-list?limit=1", "", nil},
		{"PUT", "/api/users/{user}/collections/{slug}/upvote", "/api/users/ada/collections/reading-list/upvote", bobTok, nil},
		{"PUT", "/api/users/{user}/collections/{slug}/upvote", "/api/users/ada/collections/reading-list/upvote", tok, nil},
		{"DELETE", "/api/users/{user}/collections/{slug}/upvote", "/api/users/ada/collections/reading-list/upvote", bobTok, nil},
		{"DELETE", "/api/collections/{slug}/papers/{id}", "/api/collections/reading-list/papers/2506.00001", tok, nil},
		{"DELETE", "/api/library/{id}", "/api/library/2506.00003", tok, nil},
		{"DELETE", "/api/collections/{slug}", "/api/collections/reading-list", tok, nil},
		{"DELETE", "/api/collections/{slug}", "/api/collections/reading-list", tok, nil},
	}
	for _, w := range lib {
		doc.check(t, w.method, w.template, call(t, nil, w.method, srv.URL+w.url, w.token, w.body))
	}
	// Import and export (library_transfer.go): files in, files out.
	wantStatus(t, "create", call(t, nil, "POST", srv.URL+"/api/collections", tok, map[string]any{"name": "Imports"}), http.StatusCreated)
	for _, w := range []struct{ template, url, token, ctype, body string }{
		{"/api/collections/{slug}/import", "/api/collections/imports/import", tok, "application/x-bibtex", "@misc{a, eprint={2506.00001}}\n@book{b, title={Nowhere to be found at all}}"},
		{"/api/collections/{slug}/import", "/api/collections/imports/import", tok, "application/x-bibtex", "@misc{a, title={open"},
		{"/api/collections/{slug}/import", "/api/collections/imports/import", bobTok, "text/plain", "2506.00001"},
		{"/api/collections/{slug}/import", "/api/collections/imports/import", "", "text/plain", "2506.00001"},
		{"/api/collections/{slug}/import", "/api/collections/imports/import", tok, "text/plain", strings.Repeat("2506.00001\n", 10_001)},
		{"/api/library/import", "/api/library/import", tok, "text/plain", "2506.00003\n"},
		{"/api/library/import", "/api/library/import?format=ris", tok, "text/plain", "2506.00003\n"},
	} {
		doc.check(t, "POST", w.template, postFile(t, srv.URL+w.url, w.token, w.ctype, []byte(w.body)))
	}
	for _, r := range []struct{ template, url, token string }{
		{"/api/collections/{slug}/export", "/api/collections/imports/export", tok},
		{"/api/collections/{slug}/export", "/api/collections/imports/export?format=ris", tok},
		{"/api/collections/{slug}/export", "/api/collections/imports/export?format=csl-json", tok},
		{"/api/collections/{slug}/export", "/api/collections/imports/export?format=doc", tok},
		{"/api/collections/{slug}/export", "/api/collections/imports/export", ""},
		{"/api/collections/{slug}/export", "/api/collections/imports/export", bobTok},
		{"/api/library/export", "/api/library/export?format=csl-json", tok},
		{"/api/library/export", "/api/library/export", ""},
		{"/api/users/{user}/collections/{slug}/export", "/api/users/ada/collections/imports/export?format=ris", tok},
		{"/api/users/{user}/collections/{slug}/export", "/api/users/ada/collections/imports/export", ""},
		// Without a topic map (TestTopicFacetsAPIAndPages checks them with one).
		{"/api/topics", "/api/topics", ""},
		{"/api/topics/{slug}", "/api/topics/speech-recognition", ""},
	} {
		doc.check(t, "GET", r.template, call(t, nil, "GET", srv.URL+r.url, r.token, nil))
	}

	// The document's own paths are all exercised above.
	for path := range doc.paths {
		if !strings.Contains(strings.Join([]string{"/api/daily_papers", "/api/papers/{id}", "/api/papers/search", "/api/suggest",
			"/api/papers/{id}/similar", "/api/papers/{id}/comments", "/papers/{id}.md", "/api/comments/{id}",
			"/api/papers/{id}/upvote", "/api/submit", "/api/library", "/api/library/{id}", "/api/collections", "/api/collections/{slug}",
			"/api/collections/{slug}/papers/{id}", "/api/users/{user}/collections", "/api/users/{user}/collections/{slug}",
			"/api/users/{user}/collections/{slug}/upvote",
			"/api/follows", "/api/follows/{kind}/{value}", "/api/papers/{id}/claim",
			"/api/library/import", "/api/library/export", "/api/collections/{slug}/import",
			"/api/collections/{slug}/export", "/api/users/{user}/collections/{slug}/export",
			// exercised in foryou_test.go
			"/api/recommendations", "/api/recommendations/feedback",
			"/api/topics", "/api/topics/{slug}"}, "|")+"|", path+"|") {
			t.Errorf("documented path %s is not exercised by this test", path)
		}
	}
}

// /help/api is generated from the OpenAPI document: every path with each of
// its methods, every parameter and every response status appears, and the
// feeds are links.
func TestHelpAPICoversTheOpenAPIDocument(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	page := fetch(t, srv.URL+"/help/api")
	if page.status != http.StatusOK {
		t.Fatalf("GET /help/api: %d", page.status)
	}
	var doc openAPI
	if err := json.Unmarshal([]byte(fetch(t, srv.URL+"/api/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	body := html.UnescapeString(page.body)
	ops := 0
	for path, methods := range doc.Paths {
		for method, op := range methods {
			ops++
			if !strings.Contains(body, strings.ToUpper(method)+"</span> "+path+"</code>") {
				t.Errorf("/help/api lacks %s %s", strings.ToUpper(method), path)
				continue
			}
			_, section, _ := strings.Cut(body, strings.ToUpper(method)+"</span> "+path+"</code>")
			section, _, _ = strings.Cut(section, "</section>")
			for _, p := range op.Parameters {
				if !strings.Contains(section, "<code>"+p.Name+"</code>") {
					t.Errorf("%s %s: parameter %s missing", method, path, p.Name)
				}
				if e := docValue(p.Example); e != "" && !strings.Contains(section, e) {
					t.Errorf("%s %s: example %s of %s missing", method, path, e, p.Name)
				}
			}
			for status := range op.Responses {
				if !strings.Contains(section, "<dt><code>"+status+"</code></dt>") {
					t.Errorf("%s %s: response %s missing", method, path, status)
				}
			}
		}
	}
	if ops < 13 {
		t.Errorf("the document has %d operations; expected at least the 13 it had", ops)
	}
	for name := range doc.Components.Schemas {
		if !strings.Contains(body, `id="schema-`+name+`"`) {
			t.Errorf("schema %s missing", name)
		}
	}
	for _, feed := range []string{"/feeds/daily.rss", "/feeds/trending.rss", "/feeds/search.rss?q=attention"} {
		if !strings.Contains(body, `<a href="`+feed+`">`) {
			t.Errorf("feed %s is not a link", feed)
		}
	}
	// An example a browser can follow answers.
	if r := fetch(t, srv.URL+"/api/papers/2505.24864"); r.status != http.StatusOK && r.status != http.StatusNotFound {
		t.Errorf("example request: %d", r.status)
	}
}
