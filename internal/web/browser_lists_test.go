package web

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/paperboy-dev/paperboy/internal/media"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// listImage is a thumbnail-like PNG: a coloured band over white, like a
// paper's first page.
func listImage(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			switch {
			case y < h/4:
				img.Set(x, y, c)
			case (y/12)%3 == 0 && x > w/10 && x < w*9/10:
				img.Set(x, y, color.RGBA{200, 200, 200, 255})
			default:
				img.Set(x, y, color.RGBA{255, 255, 255, 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrowserLists drives the daily list's card grid in Chromium at
// desktop and phone widths, light and dark: thumbnails and avatars from
// /media/, text cards without them, more than four papers a screen on a
// desktop, no sideways scrolling on a phone, and axe clean. Screenshots go
// to $PAPERBOY_SCREENSHOTS (default /tmp/shots).
func TestBrowserLists(t *testing.T) {
	lib, err := media.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, st, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.Media = lib })
	ctx := context.Background()
	colours := []color.RGBA{{185, 61, 10, 255}, {31, 79, 184, 255}, {20, 130, 90, 255}, {120, 60, 160, 255}}
	var meta, community []store.Paper
	for i := range 10 {
		id := fmt.Sprintf("2506.%05d", 100+i)
		p := store.Paper{
			ID: id, Version: 1, Title: fmt.Sprintf("A community pick number %d: scaling laws for reading lists of papers", i+1),
			Abstract: "We study how readers choose papers from a daily list, and find that pictures help more than long abstracts do.",
			Authors:  []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"}, Categories: []string{"cs.CL", "cs.AI"},
			FirstVersionAt: date("2025-06-03"), ListedOn: date("2025-06-04"),
			Versions: []store.Version{{Version: 1, Created: date("2025-06-03")}},
		}
		meta = append(meta, p)
		p.Community = store.Community{Upvotes: 30 - i, DailyOn: date("2025-06-04"), DailySubmittedAt: date("2025-06-04").Add(time.Hour),
			DailySubmitter: "reader" + fmt.Sprint(i%3), GitHubStars: -1}
		if i%4 != 3 { // every fourth paper has no thumbnail: a text card
			u := "https://cdn-thumbnails.example/" + id + ".png"
			if _, err := lib.Put(u, "image/png", listImage(t, 600, 315, colours[i%len(colours)])); err != nil {
				t.Fatal(err)
			}
			avatar := fmt.Sprintf("https://cdn-avatars.example/reader%d.png", i%3)
			if _, err := lib.Put(avatar, "image/png", listImage(t, 40, 40, colours[(i+1)%len(colours)])); err != nil {
				t.Fatal(err)
			}
			p.Community.HF = store.HFDetails{Thumbnail: u, SubmittedBy: &store.HFUser{Name: p.Community.DailySubmitter, AvatarURL: avatar},
				Organization: &store.HFOrg{Name: "lab", Fullname: "Example Lab", Avatar: avatar}}
		}
		community = append(community, p)
	}
	if _, err := st.UpsertPapers(ctx, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertCommunity(ctx, community); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t)
	b.shots = screenshotDir(t, func() string { return "/tmp/shots" })
	t.Logf("screenshots in %s", b.shots)
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		b.do("desktop "+scheme,
			chromedp.EmulateViewport(1280, 800),
			chromedp.Navigate(srv.URL+"/papers/date/2025-06-04"),
			chromedp.WaitVisible("article.pcard img.thumb"),
		)
		b.waitFor("thumbnails load", `[...document.querySelectorAll(".pcard img.thumb")].filter(i => i.getBoundingClientRect().top < innerHeight).every(i => i.complete && i.naturalWidth > 0)`)
		visible := evaluate[int](b, `[...document.querySelectorAll("article.pcard")].filter(c => { const r = c.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight - 120; }).length`)
		if visible <= 4 {
			t.Errorf("%s desktop: %d papers start on the first screen, want more than four", scheme, visible)
		}
		if !b.check(`[...document.querySelectorAll(".pcard img")].every(i => i.alt !== undefined && i.hasAttribute("alt") && i.getAttribute("width") && i.getAttribute("height") && i.getAttribute("loading") === "lazy" && i.src.startsWith(location.origin + "/media/"))`) {
			t.Error("an image lacks alt, width, height or lazy loading, or comes from elsewhere")
		}
		if !b.check(`document.querySelectorAll("article.pcard:not(.has-thumb) .excerpt").length >= 2`) {
			t.Error("papers without a thumbnail should be text cards with their excerpt")
		}
		b.screenshot("lists-desktop-" + scheme + ".png")
		b.axe(scheme + " daily list (desktop)")

		b.do("new papers tab "+scheme, chromedp.Navigate(srv.URL+"/papers/date/2025-06-04?list=new"), chromedp.WaitVisible("nav.cats"))
		b.screenshot("lists-new-desktop-" + scheme + ".png")
		b.axe(scheme + " new papers (desktop)")

		b.do("phone "+scheme,
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(srv.URL+"/papers/date/2025-06-04"),
			chromedp.WaitVisible("article.pcard"),
		)
		if b.check(`document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Errorf("%s phone: the daily list scrolls sideways", scheme)
		}
		b.screenshot("lists-phone-" + scheme + ".png")
		b.axe(scheme + " daily list (phone)")
	}

	// An empty site explains itself.
	empty := newEmptyServer(t)
	b.do("empty site", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(empty+"/"), chromedp.WaitVisible("section.welcome"))
	b.screenshot("empty-site-dark.png")
	b.axe("empty site")
	b.noConsoleErrors()
	if os.Getenv("PAPERBOY_SCREENSHOTS") == "" {
		t.Log("set PAPERBOY_SCREENSHOTS to save the screenshots elsewhere")
	}
}
