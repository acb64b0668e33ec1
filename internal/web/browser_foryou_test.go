package web

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestBrowserForYou drives "For you" in headless Chromium on a phone
// (390 px) and a desktop: the welcome page of an empty library, whose
// follow form makes the first feed without script; then a reader with a
// library, whose feedback buttons work without script (a form that comes
// back to the page, the paper gone) and with it (the card answers, no
// reload). axe on every page, nothing scrolls sideways, no console errors.
func TestBrowserForYou(t *testing.T) {
	srv, st := newForYouServer(t, store.SQLite)
	adaLikesRL(t, st)
	newUser(t, st, "dora", "user")
	b := newBrowser(t)
	b.shots = screenshotDir(t, func() string { return "" })
	signIn := func(name, at string) {
		t.Helper()
		b.do("sign in as "+name+at,
			chromedp.Navigate(srv.URL+"/login"),
			chromedp.WaitVisible("#username"),
			chromedp.SetValue("#username", name),
			chromedp.SetValue("#password", testPassword),
			chromedp.Submit("#password"),
		)
		b.waitFor("signed in as "+name, `!!document.querySelector('nav.account a[href="/settings"]')`)
	}
	signOut := func() {
		t.Helper()
		b.eval(`document.querySelector('form[action="/logout"]').submit(), ""`)
		b.waitFor("signed out", `!!document.querySelector('nav.account a[href="/login"]')`)
	}
	const firstCard = `document.querySelector("article.card.foryou")`

	for i, width := range []int64{390, 1280} {
		at := fmt.Sprintf(" at %d px", width)
		b.do("viewport", chromedp.EmulateViewport(width, 844, chromedp.EmulateScale(1)))

		// The welcome page, and the first feed it makes, without script.
		newcomer := []string{"carl", "dora"}[i]
		signIn(newcomer, at)
		b.do("welcome"+at, chromedp.Navigate(srv.URL+"/for-you"), chromedp.WaitVisible(".welcome"))
		if !b.check(`document.querySelector('header nav a[href="/for-you"]')?.getAttribute("aria-current") === "page"`) {
			t.Error("the For you tab is not the current one on the welcome page")
		}
		b.axe("welcome" + at)
		b.noSideways("welcome page" + at)
		b.screenshot(fmt.Sprintf("foryou-welcome-%d.png", width))
		b.scripts(false)
		b.do("welcome without script"+at, chromedp.Navigate(srv.URL+"/for-you"), chromedp.WaitVisible(".welcome"))
		b.do("follow a category without script"+at,
			chromedp.Click(`input[name="category"][value="cs.LG"]`),
			chromedp.Click(`.welcome button.primary`),
		)
		b.waitFor("first feed", firstCard+` !== null`)
		if !b.check(`document.querySelector("p.reason").textContent.includes("in cs.LG, which you follow")`) {
			t.Errorf("the first feed's reason: %q", b.eval(`document.querySelector("p.reason").textContent`))
		}
		b.scripts(true)
		signOut()

		// A reader with a library.
		signIn("ada", at)
		b.do("for you"+at, chromedp.Navigate(srv.URL+"/for-you?period=month"), chromedp.WaitVisible("article.card.foryou"))
		b.axe("for you" + at)
		b.noSideways("for you" + at)
		b.screenshot(fmt.Sprintf("foryou-%d.png", width))
		if !b.check(firstCard + `.querySelector("p.reason").textContent.includes("in your collection rl")`) {
			t.Errorf("the first card's reason: %q", b.eval(firstCard+`.querySelector("p.reason").textContent`))
		}

		b.scripts(false)
		b.do("reload without script"+at, chromedp.Navigate(srv.URL+"/for-you?period=month"), chromedp.WaitVisible("article.card.foryou"))
		top := b.eval(firstCard + `.id`)
		b.do("not interested without script"+at, chromedp.Click(`#`+cssID(top)+` button[value="not_interested"]`))
		b.waitFor("back on the page", `location.search.includes("done=not_interested") && !!document.querySelector("p.flash.notice")`)
		if b.check(`!!document.getElementById("` + top + `")`) {
			t.Errorf("%s is still on the page after not interested", top)
		}
		b.scripts(true)

		b.do("with script"+at, chromedp.Navigate(srv.URL+"/for-you?period=month"), chromedp.WaitVisible("article.card.foryou"))
		b.eval(`window.notReloaded = "yes"`)
		top = b.eval(firstCard + `.id`)
		b.do("fewer like this"+at, chromedp.Click(`#`+cssID(top)+` button[value="fewer_like_this"]`))
		b.waitFor("the card answers", `document.getElementById("`+top+`").classList.contains("dismissed")`)
		if b.eval(`String(window.notReloaded)`) != "yes" {
			t.Error("feedback reloaded the page")
		}
		fb, err := st.RecFeedbacks(b.ctx, newUserID(t, st, "ada"))
		if err != nil {
			t.Fatal(err)
		}
		if len(fb) != 2*(i+1) {
			t.Errorf("ada has %d signals stored, want %d", len(fb), 2*(i+1))
		}
		b.axe("for you after feedback with script" + at)
		signOut()
	}
	b.noConsoleErrors()
}

// cssID escapes an element id that starts with a letter and holds dots
// for a CSS selector.
func cssID(id string) string {
	out := make([]byte, 0, len(id)+4)
	for i := 0; i < len(id); i++ {
		if id[i] == '.' {
			out = append(out, '\\')
		}
		out = append(out, id[i])
	}
	return string(out)
}
