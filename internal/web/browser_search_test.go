package web

import (
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// On a phone the search page shows one query box and folded filters, so
// that the first result starts above the fold, in light and dark, without
// scrolling sideways; filters that are set stay unfolded.
func TestBrowserSearchPageOnAPhone(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	b := newBrowser(t)
	b.shots = screenshotDir(t, t.TempDir)
	b.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		b.do("search "+scheme, chromedp.Navigate(srv.URL+"/search?q=attention"), chromedp.WaitVisible("article.result"))
		if n := b.eval(`String([...document.querySelectorAll("input[type=search]")].filter(e => e.getClientRects().length > 0).length)`); n != "1" {
			t.Errorf("%s: %s query boxes shown, want 1", scheme, n)
		}
		if b.check(`document.querySelector("details.search-filters").open`) {
			t.Errorf("%s: the filters are unfolded with none set", scheme)
		}
		if top := b.eval(`String(document.querySelector("article.result").getBoundingClientRect().top)`); !b.check(`document.querySelector("article.result").getBoundingClientRect().top < 844`) {
			t.Errorf("%s: the first result starts at y = %s, below the fold (844)", scheme, top)
		}
		if b.check(`document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s: the search page scrolls sideways on a phone (%s > %s)", scheme,
				b.eval(`String(document.documentElement.scrollWidth)`), b.eval(`String(window.innerWidth)`))
		}
		b.screenshot("search-phone-" + scheme + ".png")
		b.axe(scheme + " search (phone)")

		b.do("filtered search "+scheme, chromedp.Navigate(srv.URL+"/search?q=attention&sort=newest&category=cs.CL"), chromedp.WaitVisible("article.result"))
		if !b.check(`document.querySelector("details.search-filters").open`) {
			t.Errorf("%s: the filters are folded while set", scheme)
		}
		if b.check(`document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s: the filtered search page scrolls sideways on a phone", scheme)
		}
		b.axe(scheme + " filtered search (phone)")

		b.do("misspelt search "+scheme, chromedp.Navigate(srv.URL+"/search?q=atention"), chromedp.WaitVisible("p.empty a"))
		b.axe(scheme + " no results (phone)")
	}
	b.do("type in the page's box", chromedp.Navigate(srv.URL+"/search"), chromedp.WaitVisible("#sq"), chromedp.SendKeys("#sq", "atten"))
	b.waitFor("suggestions", `document.querySelectorAll("#sq-suggest option").length > 0`)
	b.noConsoleErrors()
}
