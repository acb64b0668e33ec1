package web

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestBrowserAuthorsFollowsAndClaims walks an author page, following and a
// claim of authorship in headless Chromium with the page's scripts off
// (every button is a plain form), on a phone's width and a desktop's,
// with axe-core on each page and no horizontal scrolling.
func TestBrowserAuthorsFollowsAndClaims(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, withAuthors(false))
	newUser(t, st, "ada", "user")
	newUser(t, st, "mod", "moderator")
	b := newBrowser(t)
	b.shots = screenshotDir(t, func() string { return "" })
	signIn := func(name string) {
		b.do("sign in as "+name,
			chromedp.Navigate(srv.URL+"/login"),
			chromedp.WaitVisible("#username"),
			chromedp.SetValue("#username", name),
			chromedp.SetValue("#password", testPassword),
			chromedp.Submit("#password"),
		)
		b.waitFor("sign in as "+name, `!!document.querySelector('nav.account summary')`)
	}
	// Pages run without their scripts; axe needs script, so it runs with
	// them on again, on the same page.
	axe := func(page string) {
		t.Helper()
		b.scripts(true)
		b.axe(page)
		b.scripts(false)
	}
	signIn("ada")
	b.scripts(false)
	const follow = `form.follow button`
	for _, width := range []int64{390, 1280} {
		b.do("viewport", chromedp.EmulateViewport(width, 844, chromedp.EmulateScale(1)))
		where := fmt.Sprintf("at %d px", width)
		b.do("open the author page "+where, chromedp.Navigate(srv.URL+"/authors/Lovelace,%20Ada"), chromedp.WaitVisible("h1"))
		if got := b.eval(`document.querySelector("h1").firstChild.textContent.trim()`); got != "Ada Lovelace" {
			t.Errorf("author page title = %q", got)
		}
		if !b.check(`document.querySelector('p.note').textContent.includes("different people may share it")`) {
			t.Error("the author page does not state that names are not people")
		}
		axe("author page " + where)
		b.noSideways("author page " + where)
		b.screenshot(fmt.Sprintf("author-%d.png", width))
		b.do("follow "+where, chromedp.Click(follow))
		b.waitFor("follow "+where, `document.querySelector('`+follow+`') && document.querySelector('`+follow+`').getAttribute("aria-pressed") === "true"`)

		b.do("open /following "+where, chromedp.Navigate(srv.URL+"/following"), chromedp.WaitVisible("h1"))
		if !b.check(`!!document.querySelector('ul.following a[href="/authors/Ada%20Lovelace"]')`) {
			t.Errorf("/following does not list the author %s", where)
		}
		axe("following " + where)
		b.noSideways("following " + where)
		b.do("unfollow "+where, chromedp.Click(`ul.following form button`))
		b.waitFor("unfollow "+where, `!!document.querySelector('p.empty')`)
	}

	b.do("viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)))
	b.do("open the paper", chromedp.Navigate(srv.URL+"/papers/2506.00001"), chromedp.WaitVisible("#claim-author"))
	axe("paper with the claim form")
	b.noSideways("paper with the claim form")
	b.do("claim", chromedp.SetValue("#claim-author", "0"), chromedp.Click(`#claim button`))
	b.waitFor("claim", `document.querySelector("#claim").textContent.includes("a moderator will check it")`)

	b.scripts(true)
	b.do("sign out", chromedp.Navigate(srv.URL+"/settings"), chromedp.WaitVisible("nav.account summary"),
		chromedp.Submit(`nav.account form[action="/logout"] button`))
	b.waitFor("sign out", `!!document.querySelector('nav.account a[href="/login"]')`)
	signIn("mod")
	b.scripts(false)
	for _, width := range []int64{390, 1280} {
		b.do("viewport", chromedp.EmulateViewport(width, 844, chromedp.EmulateScale(1)))
		b.do("open moderation", chromedp.Navigate(srv.URL+"/admin"), chromedp.WaitVisible("#claims-h"))
		axe(fmt.Sprintf("moderation with a claim at %d px", width))
		b.noSideways(fmt.Sprintf("moderation at %d px", width))
	}
	b.do("approve", chromedp.Click(`form[action="/admin/claims/approve"] button`))
	b.waitFor("approve", `document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("approve claim")`)
	b.do("open the paper again", chromedp.Navigate(srv.URL+"/papers/2506.00001"), chromedp.WaitVisible("a.verified"))
	axe("paper with a verified author")
	b.screenshot("paper-verified.png")
	b.do("open ada's profile", chromedp.Navigate(srv.URL+"/u/ada"), chromedp.WaitVisible("#authored-h"))
	axe("profile with authored papers")
	b.noConsoleErrors()
}
