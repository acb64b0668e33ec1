package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestBrowserAccount drives the account pages in headless Chromium: sign
// up, follow the emailed verification link, sign out, sign in. Screenshots
// go to $PAPERBOY_SCREENSHOTS like TestBrowser's.
func TestBrowserAccount(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI: %v", err)
		}
		t.Skipf("no Chromium at %s", chromiumPath)
	}
	shots := os.Getenv("PAPERBOY_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	e := newAccountEnv(t, store.SQLite, false, nil)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browserCtx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 60*time.Second)
	defer cancel()

	// CSP violations and script errors show up as console errors.
	var mu sync.Mutex
	var consoleErrors []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				consoleErrors = append(consoleErrors, m.Text)
				mu.Unlock()
			}
		}
	}()

	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	screenshot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	signedInAs := func() string {
		t.Helper()
		return eval(`(document.querySelector('nav.account a[href="/settings"]:not(.unverified)') || {textContent: ""}).textContent`)
	}

	step("sign up",
		chromedp.Navigate(e.srv.URL+"/signup"),
		chromedp.WaitVisible("#username"),
		chromedp.SetValue("#username", "ada"),
		chromedp.SetValue("#email", "ada@example.org"),
		chromedp.SetValue("#password", "analytical engine"),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(".flash.notice"),
	)
	screenshot("account-signup-sent.png")
	if who := signedInAs(); who != "" {
		t.Fatalf("signed in as %q before verifying", who)
	}

	link := e.mail.lastLink(t, "ada@example.org", e.srv.URL)
	step("open the verification link", chromedp.Navigate(link), chromedp.WaitVisible(`form[action="/verify"] button`))
	step("confirm", chromedp.Click(`form[action="/verify"] button`), chromedp.WaitVisible(".account-settings"))
	screenshot("account-settings.png")
	if who := signedInAs(); who != "ada" {
		t.Fatalf("after verifying, signed in as %q", who)
	}
	if !strings.Contains(eval(`document.querySelector("main").textContent`), "confirmed") {
		t.Error("the settings page does not show the address as confirmed")
	}

	step("sign out", chromedp.Click(`nav.account form button`), chromedp.WaitVisible(`nav.account a[href="/login"]`))
	if who := signedInAs(); who != "" {
		t.Fatalf("after signing out, signed in as %q", who)
	}

	step("sign in",
		chromedp.Click(`nav.account a[href="/login"]`),
		chromedp.WaitVisible("#password"),
		chromedp.SetValue("#username", "ada"),
		chromedp.SetValue("#password", "analytical engine"),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`nav.account form button`),
	)
	if who := signedInAs(); who != "ada" {
		t.Fatalf("after signing in, signed in as %q", who)
	}
	// The session cookie is HttpOnly: scripts cannot read it.
	if c := eval(`document.cookie`); strings.Contains(c, sessionCookie) {
		t.Errorf("document.cookie shows the session: %q", c)
	}
	screenshot("account-signed-in.png")

	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("console errors: %q", consoleErrors)
	}
}
