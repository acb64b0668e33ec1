package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestSuggestCompletesTheWordsTyped(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	suggest := func(q string) []suggestion {
		t.Helper()
		res := fetch(t, srv.URL+"/api/suggest?q="+url.QueryEscape(q))
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
			t.Fatalf("suggest %q: %d %s", q, res.status, res.header.Get("Content-Type"))
		}
		var out []suggestion
		if err := json.Unmarshal([]byte(res.body), &out); err != nil {
			t.Fatalf("suggest %q: %v in %s", q, err, res.body)
		}
		return out
	}
	show := func(got []suggestion) string {
		var b []string
		for _, s := range got {
			b = append(b, s.ID+"|"+s.Title)
		}
		return strings.Join(b, "; ")
	}
	for q, want := range map[string]string{
		// Two titles say "attention": the phrase comes first, then the
		// titles, the most upvoted first.
		"atten": "|attention; 2506.00001|Scaling 𝒪(n) attention with naïve kernels; 2506.00003|Attention is still all you need",
		// Every word begins a title word, in order; the last is unfinished.
		"attention is st": "2506.00003|Attention is still all you need",
		"scal att kern":   "2506.00001|Scaling 𝒪(n) attention with naïve kernels",
		"diffusion mod":   "2506.00004|Diffusion models for daily papers",
		// Matching words out of order, or a word that begins none, is no
		// completion (the search box used to offer any paper that matched
		// one word: "gaussian spl" suggested "Structured Prompt Language").
		"still attention": "",
		"attention spl":   "",
		"kernels scaling": "",
	} {
		if got := show(suggest(q)); got != want {
			t.Errorf("suggest %q:\n got %s\nwant %s", q, got, want)
		}
	}
	for _, q := range []string{"a", "", "%22unclosed", strings.Repeat("x", 300), "--"} {
		if got := suggest(q); len(got) != 0 {
			t.Errorf("suggest %q: %+v, want none", q, got)
		}
	}
}

func TestBrowserSuggestsAsYouType(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	b := newBrowser(t)
	b.do("open the daily page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#q"))
	b.do("type a query", chromedp.SendKeys("#q", "attention"))
	b.waitFor("suggestions", `document.querySelectorAll("#q-suggest option").length > 0`)
	if v := b.eval(`document.querySelector("#q-suggest option").value`); !strings.Contains(strings.ToLower(v), "attention") {
		t.Errorf("first suggestion %q", v)
	}
	b.noConsoleErrors()
}
