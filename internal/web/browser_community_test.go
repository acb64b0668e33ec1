package web

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestBrowserCommunity drives the signed-in path in headless Chromium:
// sign in, upvote from a list without a page load, comment on a paper,
// submit a paper, with no script errors or CSP violations on the way.
func TestBrowserCommunity(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI: %v", err)
		}
		t.Skipf("no Chromium at %s", chromiumPath)
	}
	srv, st := newCommunityServer(t, store.SQLite, nil)
	newUser(t, st, "ada", "user")

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
	do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
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
	// waitFor polls cond, riding out the moments of a navigation when
	// there is no page to evaluate it in.
	waitFor := func(step, cond string) {
		t.Helper()
		var err error
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			var ok bool
			if ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
				return
			}
		}
		t.Fatalf("%s: waiting for %s: %v", step, cond, err)
	}

	// The signed-in pages must pass axe-core as the public ones do.
	axeSource := loadAxe(t)
	axe := func(page string) {
		t.Helper()
		if axeSource == "" {
			return
		}
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(typeof axe === "undefined" ? (0, eval)(`+
			strconv.Quote(axeSource)+`) : 0, axe.run(document).then(r => JSON.stringify(r.violations.filter(
			v => v.impact === "serious" || v.impact === "critical").map(v => v.id + ": " + v.help + " at " +
			v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("axe on the %s page: %v", page, err)
		}
		if out != "[]" {
			t.Errorf("accessibility, %s page: %s", page, out)
		} else {
			t.Logf("axe, %s page: no serious or critical violation", page)
		}
	}

	do("sign in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible("#username"),
		chromedp.SetValue("#username", "ada"),
		chromedp.SetValue("#password", testPassword),
		chromedp.Submit("#password"),
	)
	waitFor("sign in", `!!document.querySelector('nav.account a[href="/settings"]')`)

	const button = `document.querySelector('form.upvote[data-paper="2506.00001"] button')`
	do("open the daily list", chromedp.Navigate(srv.URL+"/papers/date/2025-06-04"), chromedp.WaitVisible("form.upvote"))
	if eval(button+`.getAttribute("aria-pressed")`) != "false" {
		t.Fatal("the upvote button starts pressed")
	}
	// A marker on window survives only if the page is not reloaded.
	eval(`window.notReloaded = "yes"`)
	do("upvote", chromedp.Click(`form.upvote[data-paper="2506.00001"] button`))
	waitFor("upvote", button+`.getAttribute("aria-pressed") === "true"`)
	if n := eval(button + `.querySelector(".count").textContent`); n != "▲ 43" {
		t.Errorf("count after upvote = %q, want ▲ 43", n)
	}
	if eval(`String(window.notReloaded)`) != "yes" {
		t.Error("upvoting reloaded the page")
	}
	if p, _ := st.Paper(ctx, "2506.00001"); p.Community.Votes != 1 {
		t.Errorf("stored votes = %d, want 1", p.Community.Votes)
	}
	do("take the upvote back", chromedp.Click(`form.upvote[data-paper="2506.00001"] button`))
	waitFor("unvote", button+`.getAttribute("aria-pressed") === "false" && `+button+`.querySelector(".count").textContent === "▲ 42"`)

	do("comment",
		chromedp.Navigate(srv.URL+"/papers/2506.00001"),
		chromedp.WaitVisible("#comment-text"),
		chromedp.SetValue("#comment-text", "Linear attention, **finally**. <script>alert(1)</script>"),
		chromedp.Submit("#comment-text"),
	)
	waitFor("comment", `!!document.querySelector(".comment-text strong")`)
	axe("paper with comments")
	if text := eval(`document.querySelector(".comment-text").textContent`); !strings.Contains(text, "<script>alert(1)</script>") {
		t.Errorf("comment shows %q", text)
	}
	if shots := os.Getenv("PAPERBOY_SCREENSHOTS"); shots != "" {
		if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
			os.WriteFile(filepath.Join(shots, "paper-comments.png"), buf, 0o644)
		}
	}

	do("open the submit page", chromedp.Navigate(srv.URL+"/submit"), chromedp.WaitVisible("#submit-id"))
	axe("submit")
	do("submit a paper",
		chromedp.SetValue("#submit-id", "https://arxiv.org/abs/2506.00002v1"),
		chromedp.Submit("#submit-id"),
	)
	waitFor("submit", `location.pathname === "/papers/2506.00002"`)
	if text := eval(`document.querySelector(".details").textContent`); !strings.Contains(text, "submitted by ada") {
		t.Errorf("the submitted paper's details: %q", text)
	}

	do("open ada's profile", chromedp.Navigate(srv.URL+"/u/ada"), chromedp.WaitVisible("article.card"))
	axe("profile")

	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("console errors: %q", consoleErrors)
	}
}
