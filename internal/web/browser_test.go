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

// TestBrowser drives the site in a real headless Chromium: the daily page,
// day navigation, a search, a paper with rendered math, and dark mode,
// saving screenshots to $PAPERBOY_SCREENSHOTS (default: a new temporary
// folder, named in the test log).
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI: %v", err)
		}
		t.Skipf("no Chromium at %s", chromiumPath)
	}
	shots := os.Getenv("PAPERBOY_SCREENSHOTS")
	if shots == "" {
		var err error
		if shots, err = os.MkdirTemp("", "paperboy-screenshots-"); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)

	srv := newTestServer(t, store.SQLite)
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
	// The first call starts the browser and must not carry a timeout.
	if err := chromedp.Do(browserCtx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 60*time.Second)
	defer cancel()

	// Script errors and CSP violations show up as console errors.
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
	check := func(expr string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
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

	// The accessibility check: axe-core, injected into the page, must
	// report no serious or critical violation.
	axeSource := loadAxe(t)
	axe := func(page string) {
		t.Helper()
		if axeSource == "" {
			return
		}
		if !check(`typeof axe !== "undefined"`) {
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+"\n;true")); err != nil {
				t.Fatalf("inject axe-core into the %s page: %v", page, err)
			}
		}
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document).then(r => JSON.stringify({
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

	do("open the daily page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("article.card"))
	if h := eval(`document.querySelector("h1").textContent`); !strings.Contains(h, "Wednesday 4 June 2025") {
		t.Errorf("daily heading %q", h)
	}
	if bg := eval(`getComputedStyle(document.body).backgroundColor`); bg != "rgb(255, 255, 255)" {
		t.Errorf("light background = %s", bg)
	}
	screenshot("daily.png")
	axe("daily")

	do("go to the previous day", chromedp.Click(".daynav a[rel=prev]"), chromedp.WaitVisible(`[id="t-2506.00003"]`))
	if loc := eval(`location.pathname`); loc != "/papers/date/2025-06-02" {
		t.Errorf("previous day at %s", loc)
	}
	if !strings.Contains(eval(`document.querySelector("main").textContent`), "Attention is still all you need") {
		t.Error("the previous day does not list its paper")
	}

	do("search",
		chromedp.SetValue("#q", "attention"),
		chromedp.Submit("#q"),
		chromedp.WaitVisible("article.result"),
	)
	if !check(`document.querySelectorAll("article.result mark").length > 0`) {
		t.Error("search results have no highlighted words")
	}
	screenshot("search.png")
	axe("search")

	do("open a paper", chromedp.Click(`article.result a[href="/papers/2506.00001"]`), chromedp.WaitVisible("#title"))
	if loc := eval(`location.pathname`); loc != "/papers/2506.00001" {
		t.Errorf("paper at %s", loc)
	}
	// MathML is laid out by the browser: a fraction is taller than its
	// digits, and no TeX source is left in the title.
	if !check(`(() => {
		const f = document.querySelector(".abstract math mfrac");
		const m = document.querySelector("#title math");
		return !!f && !!m && typeof MathMLElement !== "undefined" && m instanceof MathMLElement &&
			f.getBoundingClientRect().height > f.querySelector("mn").getBoundingClientRect().height * 1.5 &&
			m.getBoundingClientRect().width > 10 && !document.querySelector("#title").textContent.includes("\\");
	})()`) {
		t.Error("math is not rendered as MathML")
	}
	screenshot("paper.png")
	axe("paper")

	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	if bg := eval(`getComputedStyle(document.body).backgroundColor`); bg != "rgb(20, 22, 26)" {
		t.Errorf("dark background = %s", bg)
	}
	screenshot("paper-dark.png")
	axe("dark paper")

	do("phone width",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible("article.card"),
	)
	if check(`document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Error("the daily page scrolls sideways on a phone")
	}
	screenshot("daily-phone-dark.png")
	axe("dark daily (phone)")

	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("console errors (script errors or CSP violations): %q", consoleErrors)
	}
}
