package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/foryou"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// topicSenses are three senses of "alignment" that share no other word.
var topicSenses = [][]string{
	{"speech", "acoustic", "phoneme", "forced", "spoken", "waveform"},
	{"preference", "reward", "feedback", "rlhf", "policy", "safety"},
	{"entity", "graph", "knowledge", "embeddings", "relation", "triples"},
}

// topicServer serves 90 papers that all say "alignment", 30 in each
// sense, with a topic map of three topics; paper i is of sense i%3.
func topicServer(t *testing.T) (string, *topicmap.Map, *store.Store) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	var papers []store.Paper
	for i := range 90 {
		words := topicSenses[i%3]
		var b strings.Builder
		b.WriteString("We study alignment of ")
		for _, j := range rng.Perm(len(words))[:5] {
			b.WriteString(words[j] + " " + words[(j+1)%len(words)] + ", ")
		}
		day := date("2025-06-02").AddDate(0, 0, i%7)
		papers = append(papers, store.Paper{
			ID: fmt.Sprintf("2506.%05d", 200+i), Version: 1,
			Title:    "Alignment of " + words[0] + " " + words[1],
			Abstract: b.String(), Authors: []string{fmt.Sprintf("Author %d", i)}, Categories: []string{"cs.CL"},
			FirstVersionAt: day, ListedOn: day, Versions: []store.Version{{Version: 1, Created: day}},
		})
	}
	st := storetest.Open(t, store.SQLite, store.Options{Now: func() time.Time { return testNow }})
	if _, err := st.UpsertPapers(ctx, papers); err != nil {
		t.Fatal(err)
	}
	b := lexical.NewBuilder()
	var docs []search.Document
	if err := st.EachPaper(ctx, func(p store.Paper) error {
		docs = append(docs, paperdoc.Of(&p))
		return b.Add(paperdoc.Of(&p))
	}); err != nil {
		t.Fatal(err)
	}
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.MinDF = 3, 1
	sem, err := semantic.Build(ctx, docs, opts)
	if err != nil {
		t.Fatal(err)
	}
	texts := func(fn func(id, title, abstract string) error) error {
		for _, d := range docs {
			if err := fn(d.ID, d.Title, d.Abstract); err != nil {
				return err
			}
		}
		return nil
	}
	tm, err := sem.BuildTopics(ctx, texts, topicmap.BuildOptions{Topics: 3, Areas: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	searcher := &search.Searcher{Lexical: b.Finish(), Index: func() *semantic.Index { return sem }}
	srv := newServerForTest(t, Options{
		Papers: st, Search: searcher,
		Now: func() time.Time { return testNow }, Log: testLogger(t), Cache: CacheOptions{Freshness: -1},
		Authors: st, Accounts: st, Library: st,
		ForYou: &foryou.Service{Store: st, Topics: searcher, Now: func() time.Time { return testNow }},
	})
	return srv, tm, st
}

func TestTopicFacetsAPIAndPages(t *testing.T) {
	srv, tm, _ := topicServer(t)
	doc := loadOpenAPI(t, fetch(t, srv+"/api/openapi.json").body)
	// Each sense is one topic of 30 papers, and every paper matches.
	sizes := map[string]int{}
	for i := range tm.Topics() {
		sizes[tm.Topics()[i].Slug] = tm.Count(i)
	}
	res := fetch(t, srv+"/api/papers/search?q=alignment&limit=5&envelope=1")
	doc.check(t, "GET", "/api/papers/search", res)
	var env struct {
		Total  int
		Facets struct{ Topics []search.TopicFacet }
	}
	if err := json.Unmarshal([]byte(res.body), &env); err != nil {
		t.Fatal(err)
	}
	if len(env.Facets.Topics) != 3 {
		t.Fatalf("%d facets for alignment, want its 3 senses: %+v", len(env.Facets.Topics), env.Facets.Topics)
	}
	for _, f := range env.Facets.Topics {
		if f.Count != sizes[f.Slug] || f.Count != 30 {
			t.Errorf("facet %s counts %d, want its 30 papers (map: %d)", f.Slug, f.Count, sizes[f.Slug])
		}
	}
	slug := env.Facets.Topics[0].Slug
	res = fetch(t, srv+"/api/papers/search?q=alignment&limit=50&topic="+slug)
	doc.check(t, "GET", "/api/papers/search", res)
	if res.header.Get("X-Total-Count") != "30" {
		t.Errorf("topic=%s: %s results, want 30", slug, res.header.Get("X-Total-Count"))
	}
	res = fetch(t, srv+"/api/papers/search?q=alignment&topic=no-such-topic")
	doc.check(t, "GET", "/api/papers/search", res)
	if res.status != 400 {
		t.Errorf("unknown topic: status %d, want 400", res.status)
	}

	res = fetch(t, srv+"/api/topics")
	doc.check(t, "GET", "/api/topics", res)
	res = fetch(t, srv+"/api/topics/"+slug)
	doc.check(t, "GET", "/api/topics/{slug}", res)
	var topic struct {
		Count  int
		Parent *struct{ Slug string }
		Papers []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(res.body), &topic); err != nil {
		t.Fatal(err)
	}
	if topic.Count != 30 || topic.Parent == nil || len(topic.Papers) != 20 {
		t.Errorf("GET /api/topics/%s: count %d, parent %v, %d papers; want 30, an area, 20", slug, topic.Count, topic.Parent, len(topic.Papers))
	}
	res = fetch(t, srv+"/api/topics/no-such-topic")
	doc.check(t, "GET", "/api/topics/{slug}", res)
	if res.status != 404 {
		t.Errorf("unknown topic: status %d, want 404", res.status)
	}
	res = fetch(t, srv+"/api/papers/2506.00200")
	doc.check(t, "GET", "/api/papers/{id}", res)
	if !strings.Contains(res.body, `"keyphrases":[`) {
		t.Errorf("a paper without ai_keywords has no keyphrases:\n%.400s", res.body)
	}

	// The search page's chips are links that narrow the results.
	page := fetch(t, srv+"/search?q=alignment")
	for _, f := range env.Facets.Topics {
		if !strings.Contains(page.body, "topic="+url.QueryEscape(f.Slug)) {
			t.Errorf("the search page has no chip for %s", f.Slug)
		}
	}
	page = fetch(t, srv+"/search?q=alignment&topic="+slug)
	if page.status != 200 || !strings.Contains(page.body, "30 results") || !strings.Contains(page.body, `href="/topics/`+slug+`"`) {
		t.Errorf("search narrowed to %s: status %d, want 30 results and a link to the topic\n%.2000s", slug, page.status, page.body)
	}
	for _, path := range []string{"/topics", "/topics/" + slug, "/feeds/topic.rss?slug=" + slug, "/feeds/topic.atom?slug=" + slug} {
		if r := fetch(t, srv+path); r.status != 200 {
			t.Errorf("GET %s: %d", path, r.status)
		}
	}
	if r := fetch(t, srv+"/topics/no-such-topic"); r.status != 404 {
		t.Errorf("GET /topics/no-such-topic: %d, want 404", r.status)
	}
	p := fetch(t, srv+"/papers/2506.00200")
	if !strings.Contains(p.body, `class="paper-topics"`) || !strings.Contains(p.body, "Keyphrases:") {
		t.Error("the paper page lists no topics or keyphrases")
	}
}

// On a phone, the facet chips of an ambiguous query narrow the results
// when tapped, and the topic page fits the screen; both pass axe.
func TestBrowserTopicFacetsAndTopicPage(t *testing.T) {
	srv, _, _ := topicServer(t)
	b := newBrowser(t)
	b.shots = screenshotDir(t, t.TempDir)
	b.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.do("search", chromedp.Navigate(srv+"/search?q=alignment"), chromedp.WaitVisible("nav.topics a.chip"))
	if n := b.eval(`String(document.querySelectorAll("nav.topics a.chip").length)`); n != "4" {
		t.Errorf("%s chips, want All and the 3 senses", n)
	}
	if b.check(`document.documentElement.scrollWidth > window.innerWidth`) {
		t.Error("the search page with facets scrolls sideways on a phone")
	}
	b.axe("search with topic facets (phone)")
	b.screenshot("topic-facets-phone.png")
	b.do("tap a facet", chromedp.Click(`nav.topics a.chip:nth-of-type(2)`), chromedp.WaitVisible(`a.chip[aria-current="true"]`))
	if !b.check(`location.search.includes("topic=")`) || b.eval(`String(document.querySelectorAll("article.result").length)`) != "20" {
		t.Errorf("after tapping a facet: %s, %s results", b.eval(`location.search`), b.eval(`String(document.querySelectorAll("article.result").length)`))
	}
	if !b.check(`document.querySelector("h1 .sub").textContent.includes("30 results")`) {
		t.Errorf("narrowed search says %q, want 30 results", b.eval(`document.querySelector("h1 .sub").textContent`))
	}
	b.do("open the topic page", chromedp.Click(`a.topic-about`), chromedp.WaitVisible("article.pcard"))
	if b.check(`document.documentElement.scrollWidth > window.innerWidth`) {
		t.Error("the topic page scrolls sideways on a phone")
	}
	b.axe("topic page (phone)")
	b.screenshot("topic-page-phone.png")
	b.do("topics index", chromedp.Navigate(srv+"/topics"), chromedp.WaitVisible("section.topic-area"))
	b.axe("topics index (phone)")
	b.noConsoleErrors()
}

func TestAMemberFollowsATopic(t *testing.T) {
	srv, tm, st := topicServer(t)
	tok := bearerToken(t, st, newUser(t, st, "ada", "user"))
	topic := tm.Topics()[0]
	res := call(t, nil, "PUT", srv+"/api/follows/topic/"+topic.Slug, tok, nil)
	if res.status != 200 || !strings.Contains(res.body, `"label":"`+topic.Label+`"`) {
		t.Fatalf("follow topic %s: %d %s", topic.Slug, res.status, res.body)
	}
	if res := call(t, nil, "PUT", srv+"/api/follows/topic/no-such-topic", tok, nil); res.status != 400 {
		t.Errorf("follow an unknown topic: %d %s", res.status, res.body)
	}
	res = call(t, nil, "GET", srv+"/api/follows", tok, nil)
	if !strings.Contains(res.body, `"value":"`+topic.Slug+`"`) {
		t.Errorf("follows: %s", res.body)
	}
}

// The welcome page offers the map's broad areas; following one from it
// makes a first feed of that area's papers, each saying why.
func TestWelcomePageFollowsATopicIntoTheFirstFeed(t *testing.T) {
	srv, tm, st := topicServer(t)
	newUser(t, st, "carl", "user")
	carl := signedInClient(t, srv, "carl")
	res := call(t, carl, "GET", srv+"/for-you", "", nil)
	wantStatus(t, "welcome", res, http.StatusOK)
	area := tm.Areas()[0]
	if !strings.Contains(res.body, `name="topic" value="`+area.Slug+`"`) {
		t.Fatalf("the welcome page offers no area %s to follow", area.Slug)
	}
	res = postFrom(t, carl, srv+"/for-you/follow", srv+"/for-you", url.Values{"topic": {area.Slug}})
	wantStatus(t, "follow", res, http.StatusSeeOther)
	res = call(t, carl, "GET", srv+"/for-you?period=month", "", nil)
	items := pageItems(res.body)
	if len(items) == 0 {
		t.Fatalf("no first feed after following %s", area.Slug)
	}
	for _, id := range items {
		if got := tm.TopicOf(id); got == topicmap.NoTopic || tm.Topics()[got].Parent != 0 {
			t.Errorf("%s is not in the followed area %s", id, area.Slug)
		}
	}
	if !strings.Contains(res.body, "which you follow") || !strings.Contains(res.body, html.EscapeString(area.Label)) {
		t.Errorf("no reason naming the followed topic %q", area.Label)
	}
}
