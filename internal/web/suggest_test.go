package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestSuggestOffersTitles(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	suggest := func(q string) []suggestion {
		t.Helper()
		res := fetch(t, srv.URL+"/api/suggest?q="+q)
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
			t.Fatalf("suggest %q: %d %s", q, res.status, res.header.Get("Content-Type"))
		}
		var out []suggestion
		if err := json.Unmarshal([]byte(res.body), &out); err != nil {
			t.Fatalf("suggest %q: %v in %s", q, err, res.body)
		}
		return out
	}
	got := suggest("attention")
	if len(got) == 0 || len(got) > maxSuggestions {
		t.Fatalf("suggest attention: %+v", got)
	}
	for _, s := range got {
		if s.ID == "" || !strings.Contains(strings.ToLower(s.Title), "attention") || strings.Contains(s.Title, `\`) {
			t.Errorf("suggestion %+v: want a readable title about attention", s)
		}
	}
	for _, q := range []string{"a", "", "%22unclosed", strings.Repeat("x", 300)} {
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
