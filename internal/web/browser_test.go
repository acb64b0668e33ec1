package web

import (
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

const chromiumPath = "/usr/bin/chromium"

// defaultAxePath is where axe-core is looked for when PAPERBOY_AXE is unset:
// where `npm install --prefix /tmp/axe axe-core` puts it.
const defaultAxePath = "/tmp/axe/node_modules/axe-core/axe.min.js"

// loadAxe returns the source of axe.min.js from $PAPERBOY_AXE (default
// defaultAxePath), or "" when it is missing outside CI.
func loadAxe(t *testing.T) string {
	t.Helper()
	path := cmp.Or(os.Getenv("PAPERBOY_AXE"), defaultAxePath)
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core is required in CI (npm install --prefix /tmp/axe axe-core, or set PAPERBOY_AXE): %v", err)
		}
		t.Logf("no axe-core at %s; skipping the accessibility check (npm install --prefix /tmp/axe axe-core)", path)
		return ""
	}
	return string(b)
}

// screenshotDir returns $PAPERBOY_SCREENSHOTS, or else fallback(), and
// makes sure the folder exists; "" means no screenshots.
func screenshotDir(t *testing.T, fallback func() string) string {
	t.Helper()
	dir := os.Getenv("PAPERBOY_SCREENSHOTS")
	if dir == "" {
		dir = fallback()
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// browser is a headless Chromium tab driven by a test.
type browser struct {
	t *testing.T
	// ctx is the tab's context, with the test's time limit.
	ctx context.Context
	// shots is where screenshot saves; "" leaves them unsaved.
	shots     string
	axeSource string

	mu            sync.Mutex
	consoleErrors []string
}

// newBrowser starts headless Chromium for t, which it skips when there is
// no Chromium (fails in CI). The browser stops when t ends, and collects
// console errors (script errors and CSP violations) for noConsoleErrors.
// Make the test's server first, so that the browser stops before it.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI: %v", err)
		}
		t.Skipf("no Chromium at %s", chromiumPath)
	}
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
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	// The first call starts the browser and must not carry a timeout.
	if err := chromedp.Do(browserCtx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	// A guard against a hung page, not a speed check: a test that walks many
	// pages with axe on a loaded 2-core machine takes about a minute.
	ctx, cancel := context.WithTimeout(browserCtx, 3*time.Minute)
	t.Cleanup(cancel)

	b := &browser{t: t, ctx: ctx, axeSource: loadAxe(t)}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.mu.Lock()
				b.consoleErrors = append(b.consoleErrors, m.Text)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs the steps of a named step of the test.
func (b *browser) do(step string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// scripts turns the page's JavaScript on or off: pages are checked
// without script, and axe needs it.
func (b *browser) scripts(on bool) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		b.t.Fatal(err)
	}
}

// noSideways fails the test if the page, named where, scrolls sideways.
func (b *browser) noSideways(where string) {
	b.t.Helper()
	if b.check(`document.documentElement.scrollWidth > window.innerWidth`) {
		b.t.Errorf("%s scrolls sideways", where)
	}
}

// evaluate evaluates a JavaScript expression in b's page.
func evaluate[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// eval evaluates a JavaScript expression of string value in the page.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	return evaluate[string](b, expr)
}

// check evaluates a JavaScript condition in the page.
func (b *browser) check(expr string) bool {
	b.t.Helper()
	return evaluate[bool](b, expr)
}

// waitFor polls cond, riding out the moments of a navigation when there
// is no page to evaluate it in.
func (b *browser) waitFor(step, cond string) {
	b.t.Helper()
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var ok bool
		if ok, err = chromedp.Run(b.ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
	}
	b.t.Fatalf("%s: waiting for %s: %v", step, cond, err)
}

// screenshot saves the whole page as name in b.shots, if that is set.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// axe is the accessibility check: axe-core, injected into the page, must
// report no serious or critical violation. Without axe-core (outside CI)
// it does nothing.
func (b *browser) axe(page string) {
	t := b.t
	t.Helper()
	if b.axeSource == "" {
		return
	}
	if !b.check(`typeof axe !== "undefined"`) {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](b.axeSource+"\n;true")); err != nil {
			t.Fatalf("inject axe-core into the %s page: %v", page, err)
		}
	}
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document).then(r => JSON.stringify({
		passes: r.passes.length,
		incomplete: r.incomplete.map(v => v.id + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")),
		violations: r.violations.map(v => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + (n.failureSummary ? " — " + n.failureSummary.replace(/\s+/g, " ") : "")),
		})),
	}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on the %s page: %v", page, err)
	}
	var res struct {
		Passes     int
		Incomplete []string
		Violations []struct {
			ID, Impact, Help string
			Nodes            []string
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Passes == 0 {
		t.Fatalf("axe on the %s page: %d rules passed, %v", page, res.Passes, err)
	}
	var minor []string
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("accessibility, %s page: %s (%s): %s\n\t%s", page, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		} else {
			minor = append(minor, v.ID+" ("+v.Impact+")")
		}
	}
	t.Logf("axe, %s page: %d rules pass; minor issues: %q; left for review: %q", page, res.Passes, minor, res.Incomplete)
}

// noConsoleErrors fails the test if the pages logged errors so far.
func (b *browser) noConsoleErrors() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.consoleErrors) > 0 {
		b.t.Errorf("console errors (script errors or CSP violations): %q", b.consoleErrors)
	}
}

// TestBrowser drives the site in a real headless Chromium: the daily page,
// day navigation, a search, a paper with rendered math, and dark mode,
// saving screenshots to $PAPERBOY_SCREENSHOTS (default: a new temporary
// folder, named in the test log).
func TestBrowser(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	b := newBrowser(t)
	b.shots = screenshotDir(t, func() string {
		dir, err := os.MkdirTemp("", "paperboy-screenshots-")
		if err != nil {
			t.Fatal(err)
		}
		return dir
	})
	t.Logf("screenshots in %s", b.shots)

	b.do("open the daily page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("article.pcard"))
	if h := b.eval(`document.querySelector("h1").textContent`); !strings.Contains(h, "Wednesday 4 June 2025") {
		t.Errorf("daily heading %q", h)
	}
	if bg := b.eval(`getComputedStyle(document.body).backgroundColor`); bg != "rgb(255, 255, 255)" {
		t.Errorf("light background = %s", bg)
	}
	b.screenshot("daily.png")
	b.axe("daily")

	b.do("go to the previous day", chromedp.Click(".daynav a[rel=prev]"), chromedp.WaitVisible(`[id="t-2506.00003"]`))
	if loc := b.eval(`location.pathname`); loc != "/papers/date/2025-06-02" {
		t.Errorf("previous day at %s", loc)
	}
	if !strings.Contains(b.eval(`document.querySelector("main").textContent`), "Attention is still all you need") {
		t.Error("the previous day does not list its paper")
	}

	b.do("search",
		chromedp.SetValue("#q", "attention"),
		chromedp.Submit("#q"),
		chromedp.WaitVisible("article.result"),
	)
	if !b.check(`document.querySelectorAll("article.result mark").length > 0`) {
		t.Error("search results have no highlighted words")
	}
	b.screenshot("search.png")
	b.axe("search")

	b.do("open a paper", chromedp.Click(`article.result a[href="/papers/2506.00001"]`), chromedp.WaitVisible("#title"))
	if loc := b.eval(`location.pathname`); loc != "/papers/2506.00001" {
		t.Errorf("paper at %s", loc)
	}
	// MathML is laid out by the browser: a fraction is taller than its
	// digits, and no TeX source is left in the title.
	if !b.check(`(() => {
		const f = document.querySelector(".abstract math mfrac");
		const m = document.querySelector("#title math");
		return !!f && !!m && typeof MathMLElement !== "undefined" && m instanceof MathMLElement &&
			f.getBoundingClientRect().height > f.querySelector("mn").getBoundingClientRect().height * 1.5 &&
			m.getBoundingClientRect().width > 10 && !document.querySelector("#title").textContent.includes("\\");
	})()`) {
		t.Error("math is not rendered as MathML")
	}
	b.screenshot("paper.png")
	b.axe("paper")

	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	if bg := b.eval(`getComputedStyle(document.body).backgroundColor`); bg != "rgb(20, 22, 26)" {
		t.Errorf("dark background = %s", bg)
	}
	b.screenshot("paper-dark.png")
	b.axe("dark paper")

	b.do("phone width",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible("article.pcard"),
	)
	if b.check(`document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Error("the daily page scrolls sideways on a phone")
	}
	b.screenshot("daily-phone-dark.png")
	b.axe("dark daily (phone)")

	b.noConsoleErrors()
}
