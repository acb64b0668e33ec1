package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestBrowserAccount drives the account pages in headless Chromium: sign
// up, follow the emailed verification link, sign out, sign in, checking
// each page with axe-core. Screenshots go to $PAPERBOY_SCREENSHOTS like
// TestBrowser's.
func TestBrowserAccount(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	b := newBrowser(t)
	b.shots = screenshotDir(t, t.TempDir)

	signedInAs := func() string {
		t.Helper()
		return b.eval(`(document.querySelector('nav.account a[title="Your profile"]') || {textContent: ""}).textContent`)
	}

	b.do("open the sign-up page", chromedp.Navigate(e.srv.URL+"/signup"), chromedp.WaitVisible("#username"))
	b.axe("sign-up")
	b.do("sign up",
		chromedp.SetValue("#username", "ada"),
		chromedp.SetValue("#email", "ada@example.org"),
		chromedp.SetValue("#password", "analytical engine"),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(".flash.notice"),
	)
	b.screenshot("account-signup-sent.png")
	b.axe("sign-up sent")
	if who := signedInAs(); who != "" {
		t.Fatalf("signed in as %q before verifying", who)
	}

	link := e.mail.lastLink(t, "ada@example.org", e.srv.URL)
	b.do("open the verification link", chromedp.Navigate(link), chromedp.WaitVisible(`form[action="/verify"] button`))
	b.axe("verification")
	b.do("confirm", chromedp.Click(`form[action="/verify"] button`), chromedp.WaitVisible(".account-settings"))
	b.screenshot("account-settings.png")
	b.axe("settings")
	if who := signedInAs(); who != "ada" {
		t.Fatalf("after verifying, signed in as %q", who)
	}
	if !strings.Contains(b.eval(`document.querySelector("main").textContent`), "confirmed") {
		t.Error("the settings page does not show the address as confirmed")
	}

	b.do("sign out", chromedp.Click(`nav.account summary`), chromedp.Click(`nav.account form button`), chromedp.WaitVisible(`nav.account a[href="/login"]`))
	if who := signedInAs(); who != "" {
		t.Fatalf("after signing out, signed in as %q", who)
	}

	b.do("open the sign-in page",
		chromedp.Click(`nav.account a[href="/login"]`),
		chromedp.WaitVisible("#password"),
	)
	b.axe("sign-in")
	b.do("sign in",
		chromedp.SetValue("#username", "ada"),
		chromedp.SetValue("#password", "analytical engine"),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`nav.account summary`),
	)
	if who := signedInAs(); who != "ada" {
		t.Fatalf("after signing in, signed in as %q", who)
	}
	// The session cookie is HttpOnly: scripts cannot read it.
	if c := b.eval(`document.cookie`); strings.Contains(c, sessionCookie) {
		t.Errorf("document.cookie shows the session: %q", c)
	}
	b.screenshot("account-signed-in.png")

	b.noConsoleErrors()
}
