package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/digest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// mathPapers are real papers whose math broke the page on a phone: a
// \href inside math (2504.13834) and long inline formulas (2602.18255, 1,077 px
// wide at 390 px).
func mathPapers() []store.Paper {
	day := date("2025-06-03")
	paper := func(id, title, abstract string) store.Paper {
		return store.Paper{
			ID: id, Version: 1, Title: title, Abstract: abstract, Authors: []string{"A. Author"},
			Categories: []string{"cs.IT"}, FirstVersionAt: day.Add(9 * time.Hour), ListedOn: date("2025-06-04"),
			Versions: []store.Version{{Version: 1, Created: day.Add(9 * time.Hour)}},
		}
	}
	return []store.Paper{
		paper("2504.13834", "Science Hierarchography: Hierarchical Organization of Science Literature",
			"Results show that this\nstructured approach enhances interpretability, supports trend discovery, and\noffers an alternative pathway for exploring scientific literature beyond\ntraditional search methods. Code, data and demo:\n"+
				`$\href{https://github.com/JHU-CLSP/science-hierarchography}{https://github.com/JHU-CLSP/science-hierarchography}$`),
		paper("2602.18255", "Construction of Cyclic Codes over a Class of Matrix Rings",
			`Let $ \mathbb F_2[u]/ \langle u^k \rangle= \mathbb F_2+u\mathbb F_2+u^2\mathbb F_2+\cdots+u^{k-1}\mathbb F_2 ,$ where $u^k=0$ for a positive integer $k$, and $\mathcal{R}=M_4 (\mathbb F_2( u)/ \langle u^k \rangle)$ be the finite noncommutative non-chain matrix ring of order $4\times4$. This paper presents the construction of cyclic codes over the finite field $\mathbb F_{16}$ via the considered matrix ring $\mathcal{R}$. In this connection, first, we discuss the structure of the ring $\mathcal{R}$ and show that $\mathcal{R}$ is isomorphic to the ring $( \mathbb F_{16}+ v\mathbb F_{16} + v^2\mathbb F_{16} + v^3\mathbb F_{16}) + u(\mathbb F_{16} + v\mathbb F_{16} + v^2\mathbb F_{16} + v^3\mathbb F_{16}) + u^2(\mathbb F_{16} + v\mathbb F_{16} + v^2\mathbb F_{16}+ v^3\mathbb F_{16}) + \cdots + u^{k-1}(\mathbb F_{16} + v\mathbb F_{16} + v^2\mathbb F_{16} + v^3\mathbb F_{16})$ where $v^4=0, u^k=0, u^iv^j=v^ju^i$ for $i \in \{1,\dots, k-1\}$ and $j \in \{1, 2, 3\}$. Then, we establish the form of ideals of the ring $\mathcal{R}$ and related cyclic codes over $\mathcal{R}$. Further, we show that these cyclic codes can be written as the direct sums of $\mathcal{R}$-submodules of $\frac{\mathcal{R}[x]}{<x^n-1>}$, and derive the formula for the cardinality of cyclic codes over $\mathcal{R}$.`),
	}
}

// contrastJS computes the contrast ratio of an element's text against the
// background of its nearest painted ancestor, as WCAG defines it.
const contrastJS = `((el) => {
	const rgb = s => s.match(/[\d.]+/g).map(Number);
	const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	let bg = el;
	while (bg && rgb(getComputedStyle(bg).backgroundColor)[3] === 0) bg = bg.parentElement;
	const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(getComputedStyle(bg || document.body).backgroundColor));
	return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
})`

// TestBrowserChromeFitsAPhone checks the pages of issue 18 in headless
// Chromium, light and dark, at 390 px and on a desktop: no page scrolls
// sideways (math papers, admin pages, settings), axe finds nothing serious
// (with an upvote pressed), the signed-in header is one row on a desktop,
// and \href in math is a link. Screenshots go to $PAPERBOY_SCREENSHOTS as
// chrome-*.png.
func TestBrowserChromeFitsAPhone(t *testing.T) {
	ctx := context.Background()
	srv, st := newCommunityServer(t, store.SQLite, func(o *Options) {
		o.Operations = o.Papers.(*store.Store)
		o.Subscriptions = &digest.Service{Store: o.Papers.(*store.Store), Now: func() time.Time { return testNow }}
	})
	if _, err := st.UpsertPapers(ctx, mathPapers()); err != nil {
		t.Fatal(err)
	}
	if err := st.AddHarvestJob(ctx, "oai:cs", testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	root := newUser(t, st, "administrator", "admin")
	if _, err := st.AddComment(ctx, "2506.00001", root.ID, 0, "Linear attention, **finally**: see https://example.org/a-very-long-address/that-goes-on-and-on/and-on <script>x</script>"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	b.shots = screenshotDir(t, func() string { return "" })

	b.do("sign in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible("#username"),
		chromedp.SetValue("#username", "administrator"),
		chromedp.SetValue("#password", testPassword),
		chromedp.Submit("#password"),
	)
	b.waitFor("sign in", `!!document.querySelector('nav.account summary')`)

	// Vote, so that every list shows a pressed button.
	const button = `document.querySelector('form.upvote[data-paper="2506.00001"] button')`
	b.do("open the daily list", chromedp.Navigate(srv.URL+"/papers/date/2025-06-04"), chromedp.WaitVisible("form.upvote"))
	b.do("upvote", chromedp.Click(`form.upvote[data-paper="2506.00001"] button`))
	b.waitFor("upvote", button+`.getAttribute("aria-pressed") === "true"`)

	pages := []struct{ name, path, ready string }{
		{"daily-voted", "/papers/date/2025-06-04", "form.upvote"},
		{"href-math", "/papers/2504.13834", ".abstract"},
		{"long-math", "/papers/2602.18255", ".abstract"},
		{"settings", "/settings", ".account-settings"},
		{"admin", "/admin", ".admin-nav"},
		{"admin-digests", "/admin/digests", ".admin-nav"},
		{"admin-harvest", "/admin/harvest", ".admin-nav"},
		{"help-api", "/help/api", ".api-doc"},
	}
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int64{390, 1280} {
			b.do("viewport", chromedp.EmulateViewport(width, 844, chromedp.EmulateScale(1)))
			for _, p := range pages {
				where := fmt.Sprintf("%s at %d px, %s", p.path, width, scheme)
				b.do("open "+where, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(p.ready))
				if b.check(`document.documentElement.scrollWidth > window.innerWidth`) {
					t.Errorf("%s scrolls sideways: %s px wide in %s; widest: %s", where,
						b.eval(`String(document.documentElement.scrollWidth)`), b.eval(`String(window.innerWidth)`),
						b.eval(`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > innerWidth && !e.closest(".table-scroll")).slice(-3).map(e => e.tagName + "." + e.className).join(", ")`))
				}
				// The header's items share one row on a desktop.
				if width > 1000 && !b.check(`(() => {
					const tops = [...document.querySelectorAll("header.site > *")].map(e => e.getBoundingClientRect().top);
					return Math.max(...tops) - Math.min(...tops) < 12;
				})()`) {
					t.Errorf("%s: the header takes more than one row", where)
				}
				if p.name == "daily-voted" {
					if c := evaluate[float64](b, contrastJS+`(`+button+`.querySelector(".count"))`); c < 4.5 {
						t.Errorf("%s: the voted count's contrast is %.2f:1, want 4.5:1", where, c)
					}
				}
				b.axe(where)
				b.screenshot(fmt.Sprintf("chrome-%s-%d-%s.png", p.name, width, scheme))
			}
		}
	}

	b.do("open the \\href paper", chromedp.Navigate(srv.URL+"/papers/2504.13834"), chromedp.WaitVisible(".abstract"))
	if !b.check(`!!document.querySelector('.abstract a[href="https://github.com/JHU-CLSP/science-hierarchography"]')`) {
		t.Errorf("\\href in math is not a link: %s", b.eval(`document.querySelector(".abstract").innerHTML`))
	}
	if strings.Contains(b.eval(`document.querySelector(".abstract").textContent`), `\href`) {
		t.Error("the abstract shows \\href")
	}
	b.do("admin", chromedp.Navigate(srv.URL+"/admin"), chromedp.WaitVisible(".admin-nav"))
	if !b.check(`!!document.querySelector("table.admin .comment-text strong")`) ||
		!strings.Contains(b.eval(`document.querySelector("table.admin .comment-text").textContent`), "<script>x</script>") {
		t.Errorf("admin comment not rendered as Markdown: %s", b.eval(`document.querySelector("table.admin .comment-text").innerHTML`))
	}
	b.noConsoleErrors()
}
