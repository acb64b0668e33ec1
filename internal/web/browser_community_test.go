package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestBrowserCommunity drives the signed-in path in headless Chromium:
// sign in, upvote from a list without a page load, comment on a paper,
// submit a paper, with no script errors or CSP violations on the way. The
// signed-in pages must pass axe-core as the public ones do.
func TestBrowserCommunity(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, nil)
	newUser(t, st, "ada", "user")
	b := newBrowser(t)
	b.shots = screenshotDir(t, func() string { return "" })

	b.do("sign in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible("#username"),
		chromedp.SetValue("#username", "ada"),
		chromedp.SetValue("#password", testPassword),
		chromedp.Submit("#password"),
	)
	b.waitFor("sign in", `!!document.querySelector('nav.account a[href="/settings"]')`)

	const button = `document.querySelector('form.upvote[data-paper="2506.00001"] button')`
	b.do("open the daily list", chromedp.Navigate(srv.URL+"/papers/date/2025-06-04"), chromedp.WaitVisible("form.upvote"))
	if b.eval(button+`.getAttribute("aria-pressed")`) != "false" {
		t.Fatal("the upvote button starts pressed")
	}
	// A marker on window survives only if the page is not reloaded.
	b.eval(`window.notReloaded = "yes"`)
	b.do("upvote", chromedp.Click(`form.upvote[data-paper="2506.00001"] button`))
	b.waitFor("upvote", button+`.getAttribute("aria-pressed") === "true"`)
	if n := b.eval(button + `.querySelector(".count").textContent`); n != "▲ 43" {
		t.Errorf("count after upvote = %q, want ▲ 43", n)
	}
	if b.eval(`String(window.notReloaded)`) != "yes" {
		t.Error("upvoting reloaded the page")
	}
	if p, _ := st.Paper(b.ctx, "2506.00001"); p.Community.Votes != 1 {
		t.Errorf("stored votes = %d, want 1", p.Community.Votes)
	}
	b.do("take the upvote back", chromedp.Click(`form.upvote[data-paper="2506.00001"] button`))
	b.waitFor("unvote", button+`.getAttribute("aria-pressed") === "false" && `+button+`.querySelector(".count").textContent === "▲ 42"`)

	b.do("comment",
		chromedp.Navigate(srv.URL+"/papers/2506.00001"),
		chromedp.WaitVisible("#comment-text"),
		chromedp.SetValue("#comment-text", "Linear attention, **finally**. <script>alert(1)</script>"),
		chromedp.Submit("#comment-text"),
	)
	b.waitFor("comment", `!!document.querySelector(".comment-text strong")`)
	b.axe("paper with comments")
	if text := b.eval(`document.querySelector(".comment-text").textContent`); !strings.Contains(text, "<script>alert(1)</script>") {
		t.Errorf("comment shows %q", text)
	}
	b.screenshot("paper-comments.png")

	b.do("open the submit page", chromedp.Navigate(srv.URL+"/submit"), chromedp.WaitVisible("#submit-id"))
	b.axe("submit")
	b.do("submit a paper",
		chromedp.SetValue("#submit-id", "https://arxiv.org/abs/2506.00002v1"),
		chromedp.Submit("#submit-id"),
	)
	b.waitFor("submit", `location.pathname === "/papers/2506.00002"`)
	if text := b.eval(`document.querySelector(".details").textContent`); !strings.Contains(text, "submitted by ada") {
		t.Errorf("the submitted paper's details: %q", text)
	}

	b.do("open ada's profile", chromedp.Navigate(srv.URL+"/u/ada"), chromedp.WaitVisible("article.card"))
	b.axe("profile")

	b.noConsoleErrors()
}
