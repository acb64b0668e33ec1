package web

import (
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// ambiguousServer serves 60 papers that all say "alignment" in two senses
// that share no other word: speech-to-text alignment and preference
// alignment of language models. Even ids are speech, odd ones preference.
func ambiguousServer(t *testing.T) *testServerWithIndex {
	t.Helper()
	ctx := context.Background()
	speech := []string{"speech", "acoustic", "phoneme", "audio", "forced", "spoken", "waveform", "ctc"}
	prefs := []string{"preference", "reward", "human", "feedback", "rlhf", "policy", "safety", "dpo"}
	rng := rand.New(rand.NewPCG(7, 9))
	var papers []store.Paper
	for i := range 60 {
		words := speech
		if i%2 == 1 {
			words = prefs
		}
		// Every paper of a sense uses most of its words, in its own order, so
		// that the senses are clear topics and neither splits further.
		var b strings.Builder
		b.WriteString("alignment ")
		for _, j := range rng.Perm(len(words))[:6] {
			b.WriteString(words[j] + " ")
		}
		day := date("2025-06-02")
		papers = append(papers, store.Paper{
			ID: fmt.Sprintf("2506.%05d", 100+i), Version: 1,
			Title:    "Alignment of " + words[0] + " and " + words[1],
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
	opts.Dim, opts.MinDF = 2, 1 // two senses: two dimensions hold them
	sem, err := semantic.Build(ctx, docs, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := newServerForTest(t, Options{
		Papers: st, Search: &search.Searcher{Lexical: b.Finish(), Index: func() *semantic.Index { return sem }},
		Now: func() time.Time { return testNow }, Log: testLogger(t),
		Cache: CacheOptions{Freshness: -1}, // changes show on the next request
	})
	return &testServerWithIndex{url: srv, store: st}
}

type testServerWithIndex struct {
	url   string
	store *store.Store
}

var resultLink = regexp.MustCompile(`<h2 id="t-(\d{4}\.\d{5})">`)

func speechPaper(id string) bool {
	var n int
	fmt.Sscanf(id, "2506.%05d", &n)
	return n%2 == 0
}

func TestSearchPageGroupsAnAmbiguousQueryIntoTopics(t *testing.T) {
	srv := ambiguousServer(t)
	chipPattern := regexp.MustCompile(`<a class="chip" href="([^"]+)"[^>]*>([^<]+) <span class="count">(\d+)</span>`)
	// The first page comes without chips and points its script at them.
	res := fetch(t, srv.url+"/search?q=alignment")
	src := regexp.MustCompile(`<div id="topics" data-src="([^"]+)" aria-live="polite"></div>`).FindStringSubmatch(res.body)
	if res.status != http.StatusOK || src == nil || strings.Contains(res.body, `class="chip"`) {
		t.Fatalf("search: %d, want a page with a topics slot and no chips yet:\n%s", res.status, res.body)
	}
	fragment := fetch(t, srv.url+html.UnescapeString(src[1]))
	chips := chipPattern.FindAllStringSubmatch(fragment.body, -1)
	if fragment.status != http.StatusOK || len(chips) != 2 || strings.Contains(fragment.body, "<html") {
		t.Fatalf("topics fragment: %d, %d chips, want a fragment with 2:\n%s", fragment.status, len(chips), fragment.body)
	}
	// Without script, the page grouped inline shows the same chips.
	grouped := fetch(t, srv.url+"/search?q=alignment&topics=1")
	if got := chipPattern.FindAllStringSubmatch(grouped.body, -1); fmt.Sprint(got) != fmt.Sprint(chips) {
		t.Errorf("grouped page's chips %q differ from the fragment's %q", got, chips)
	}
	for _, chip := range chips {
		page := fetch(t, srv.url+html.UnescapeString(chip[1]))
		ids := resultLink.FindAllStringSubmatch(page.body, -1)
		if page.status != http.StatusOK || len(ids) == 0 {
			t.Fatalf("topic %q: %d, %d results", chip[2], page.status, len(ids))
		}
		first := speechPaper(ids[0][1])
		for _, id := range ids {
			if speechPaper(id[1]) != first {
				t.Errorf("topic %q mixes speech and preference papers: %s", chip[2], id[1])
			}
		}
		if !strings.Contains(page.body, `aria-current="true">`+chip[2]) {
			t.Errorf("topic %q is not marked current on its page", chip[2])
		}
	}
	// A query with one meaning is not split. (Lexical mode: in a corpus of
	// 60 papers the semantic side of hybrid search returns all of them.)
	if res := fetch(t, srv.url+"/search/topics?q=phoneme+waveform&mode=lexical"); res.status != http.StatusOK || strings.TrimSpace(res.body) != "" {
		t.Errorf("a one-topic query's chips: %d %q, want 200 and nothing", res.status, res.body)
	}
	if res := fetch(t, srv.url+"/search?q=phoneme+waveform&mode=lexical&topics=1"); strings.Contains(res.body, `class="topics"`) || !strings.Contains(res.body, "about one topic") {
		t.Errorf("a one-topic query grouped inline shows topic chips, or does not say it is one topic")
	}
	if res := fetch(t, srv.url+"/search?q=alignment&topic=9"); res.status != http.StatusBadRequest {
		t.Errorf("topic=9: %d, want 400", res.status)
	}
}

func TestPaperPageListsSimilarPapers(t *testing.T) {
	srv := ambiguousServer(t)
	res := fetch(t, srv.url+"/papers/2506.00100") // a speech paper
	if res.status != http.StatusOK {
		t.Fatalf("paper page: %d", res.status)
	}
	_, section, ok := strings.Cut(res.body, `<h2 id="similar-h">Similar papers</h2>`)
	if !ok {
		t.Fatalf("no similar papers on the page:\n%s", res.body)
	}
	ids := regexp.MustCompile(`<li><a href="/papers/(\d{4}\.\d{5})">`).FindAllStringSubmatch(section, -1)
	if len(ids) == 0 {
		t.Fatal("the similar papers section lists nothing")
	}
	for _, id := range ids {
		if id[1] == "2506.00100" || !speechPaper(id[1]) {
			t.Errorf("similar to a speech paper: %s", id[1])
		}
	}
	// The list is kept with the paper, and a change (the first similar
	// paper hidden) shows on the next page view.
	u := newUser(t, srv.store, "mod", "moderator")
	if err := srv.store.SetHidden(context.Background(), ids[0][1], true, store.Actor{ID: u.ID, Name: u.Username, Moderator: true}, "spam"); err != nil {
		t.Fatal(err)
	}
	if again := fetch(t, srv.url+"/papers/2506.00100"); strings.Contains(again.body, `<li><a href="/papers/`+ids[0][1]+`">`) {
		t.Errorf("the paper page still lists %s, hidden since", ids[0][1])
	}
}

// newServerForTest serves a Server built from opts until the test ends.
func newServerForTest(t *testing.T, opts Options) string {
	t.Helper()
	srv := httptest.NewServer(NewServer(opts))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestBrowserShowsTopicChipsAfterTheResults(t *testing.T) {
	srv := ambiguousServer(t)
	b := newBrowser(t)
	b.do("search an ambiguous word", chromedp.Navigate(srv.url+"/search?q=alignment"), chromedp.WaitVisible("article.result"))
	b.shots = screenshotDir(t, func() string { return "" }) // $PAPERBOY_SCREENSHOTS, if set
	b.waitFor("topic chips", `document.querySelectorAll("#topics nav.topics a.chip").length === 3`)
	b.screenshot("search-topics.png")
	b.axe("search with topic chips")
	b.do("narrow to the second topic", chromedp.Click(`#topics a.chip:nth-of-type(3)`), chromedp.WaitVisible(`nav.topics a.chip[aria-current="true"]`))
	if got := b.eval(`document.querySelector('nav.topics a.chip[aria-current="true"]').textContent`); strings.HasPrefix(got, "All") {
		t.Errorf("after choosing a topic, the current chip is %q", got)
	}
	b.noConsoleErrors()
}

func TestSimilarPapersOfAHiddenPaperAreNotServed(t *testing.T) {
	srv := ambiguousServer(t)
	if res := fetch(t, srv.url+"/api/papers/2506.00100/similar?limit=3"); res.status != http.StatusOK || !strings.Contains(res.body, `"reason"`) {
		t.Fatalf("similar papers: %d %s", res.status, res.body)
	}
	u := newUser(t, srv.store, "mod", "moderator")
	mod := store.Actor{ID: u.ID, Name: u.Username, Moderator: true}
	if err := srv.store.SetHidden(context.Background(), "2506.00100", true, mod, "spam"); err != nil {
		t.Fatal(err)
	}
	if res := fetch(t, srv.url+"/api/papers/2506.00100/similar?limit=3"); res.status != http.StatusNotFound {
		t.Errorf("similar papers of a hidden paper: %d, want 404", res.status)
	}
}
