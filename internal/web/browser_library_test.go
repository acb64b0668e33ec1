package web

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestBrowserLibrary drives saving and collections in headless Chromium on
// a phone and a desktop: save from a card without script (a form that
// comes back to the list) and with it (no reload), create a collection,
// save a paper into it from the paper's page, make it public and read it
// signed out, import a file into it without script; axe on every page, no
// page scrolling sideways.
func TestBrowserLibrary(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, nil)
	ada := newUser(t, st, "ada", "user")
	b := newBrowser(t)
	b.shots = screenshotDir(t, func() string { return "" })
	saved := func(id string) bool {
		t.Helper()
		m, err := st.SavedAmong(b.ctx, ada.ID, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		return m[id]
	}

	refs := filepath.Join(t.TempDir(), "refs.bib")
	if err := os.WriteFile(refs, []byte("@misc{a, eprint={2506.00003}}\n@book{b, title={A book that paperboy has never heard of}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, width := range []int64{390, 1280} {
		at := fmt.Sprintf(" at %d px", width)
		slug := []string{"phone-reading", "desktop-reading"}[i]
		b.do("viewport", chromedp.EmulateViewport(width, 844, chromedp.EmulateScale(1)))
		b.do("sign in"+at,
			chromedp.Navigate(srv.URL+"/login"),
			chromedp.WaitVisible("#username"),
			chromedp.SetValue("#username", "ada"),
			chromedp.SetValue("#password", testPassword),
			chromedp.Submit("#password"),
		)
		b.waitFor("sign in", `!!document.querySelector('nav.account a[href="/settings"]')`)

		if err := st.UnsavePaper(b.ctx, ada.ID, "2506.00001"); err != nil { // saved on the previous pass
			t.Fatal(err)
		}
		const button = `document.querySelector('form.save[data-paper="2506.00001"] button')`
		b.scripts(false)
		b.do("open the daily list without script"+at, chromedp.Navigate(srv.URL+"/papers/date/2025-06-04"), chromedp.WaitVisible("form.save"))
		if b.eval(button+`.getAttribute("aria-pressed")`) != "false" {
			t.Fatal("the Save button starts pressed")
		}
		b.do("save without script"+at, chromedp.Click(`form.save[data-paper="2506.00001"] button`))
		b.waitFor("saved without script", button+` && `+button+`.getAttribute("aria-pressed") === "true" && location.pathname === "/papers/date/2025-06-04"`)
		if !saved("2506.00001") {
			t.Fatal("the form did not save the paper")
		}
		b.scripts(true)

		b.do("open the daily list"+at, chromedp.Navigate(srv.URL+"/papers/date/2025-06-04"), chromedp.WaitVisible("form.save"))
		b.eval(`window.notReloaded = "yes"`)
		b.do("unsave with script"+at, chromedp.Click(`form.save[data-paper="2506.00001"] button`))
		b.waitFor("unsaved", button+`.getAttribute("aria-pressed") === "false"`)
		if saved("2506.00001") {
			t.Error("unsaving with script left the paper saved")
		}
		b.do("save with script"+at, chromedp.Click(`form.save[data-paper="2506.00001"] button`))
		b.waitFor("saved", button+`.getAttribute("aria-pressed") === "true"`)
		if b.eval(`String(window.notReloaded)`) != "yes" {
			t.Error("saving reloaded the page")
		}
		if !saved("2506.00001") {
			t.Error("saving with script did not save the paper")
		}
		b.axe("daily list with a saved paper" + at)
		b.noSideways("daily list" + at)

		b.do("create a collection"+at,
			chromedp.Navigate(srv.URL+"/library"),
			chromedp.WaitVisible("#new-name"),
			chromedp.SetValue("#new-name", []string{"Phone reading", "Desktop reading"}[i]),
			chromedp.Submit("#new-name"),
		)
		b.waitFor("collection page", `location.pathname === "/c/ada/`+slug+`"`)
		b.axe("empty private collection" + at)

		b.do("save to the collection"+at,
			chromedp.Navigate(srv.URL+"/papers/2506.00001"),
			chromedp.WaitVisible("details.to-collection summary"),
			chromedp.Click("details.to-collection summary"),
			chromedp.SetValue("#collection", slug),
			chromedp.Submit("#collection"),
		)
		b.waitFor("held", `[...document.querySelectorAll("#collection option")].some(o => o.value === "`+slug+`" && o.textContent.includes("holds it"))`)
		b.axe("paper page with collections" + at)
		b.noSideways("paper page" + at)

		b.do("library"+at, chromedp.Navigate(srv.URL+"/library?sort=title"), chromedp.WaitVisible("article.saved"))
		b.axe("library" + at)
		b.noSideways("library" + at)
		b.screenshot(fmt.Sprintf("library-%d.png", width))

		b.scripts(false)
		b.do("import a file into the collection without script"+at,
			chromedp.Navigate(srv.URL+"/c/ada/"+slug),
			chromedp.WaitVisible("details.import summary"),
			chromedp.Click("details.import summary"),
			chromedp.SetUploadFiles("#import-file", []string{refs}),
			chromedp.Click("details.import button[type=submit]"),
		)
		b.waitFor("import report", `location.pathname === "/library/import" && document.body.textContent.includes("Not found: 1")`)
		b.scripts(true) // axe runs as a script
		b.axe("import report" + at)
		b.noSideways("import report" + at)

		b.do("make it public"+at,
			chromedp.Navigate(srv.URL+"/c/ada/"+slug),
			chromedp.WaitVisible("details.edit-collection summary"),
			chromedp.Click("details.edit-collection summary"),
			chromedp.Click(`input[name="public"]`),
			chromedp.Submit("#c-name"),
		)
		b.waitFor("public", `!!document.querySelector("#share")`)

		if _, err := chromedp.Call(b.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		b.do("read it signed out"+at, chromedp.Navigate(srv.URL+"/c/ada/"+slug), chromedp.WaitVisible("article.saved"))
		if !b.check(`document.querySelector("#share").value.endsWith("/c/ada/` + slug + `") && !!document.querySelector('link[type="application/atom+xml"][href$="/feed.atom"]')`) {
			t.Error("the public page has no share link or feed")
		}
		if b.check(`!!document.querySelector("details.edit-collection")`) {
			t.Error("a visitor sees the owner's edit form")
		}
		b.axe("public collection signed out" + at)
		b.noSideways("public collection" + at)
		b.screenshot(fmt.Sprintf("collection-%d.png", width))
	}
	b.noConsoleErrors()
}
