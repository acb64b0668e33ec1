package web

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/media"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func TestDailyPageShowsTheCommunityListFirstAndTheOtherNewPapersApart(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) { testDailyTabs(t, d) })
	}
}

func testDailyTabs(t *testing.T, dialect store.Dialect) {
	srv := newTestServer(t, dialect)
	day := fetch(t, srv.URL+"/papers/date/2025-06-04")
	for _, want := range []string{
		`Community picks <span class="n">2</span>`, `New on arXiv <span class="n">1</span>`,
		`href="/papers/date/2025-06-04" aria-current="page">Daily`, `href="/week/2025-W23">Weekly`, `href="/month/2025-06">Monthly`,
		`<form class="datepick" action="/papers/date" method="get">`, `type="date" value="2025-06-04"`,
		"2 papers submitted by the community", "akhaliq",
	} {
		if !strings.Contains(day.body, want) {
			t.Errorf("day page lacks %q", want)
		}
	}
	if strings.Contains(day.body, "t-2506.00002") {
		t.Error("a paper nobody submitted is on the community tab")
	}

	other := fetch(t, srv.URL+"/papers/date/2025-06-04?list=new").body
	if !strings.Contains(other, "t-2506.00002") || strings.Contains(other, "t-2506.00001") {
		t.Error("the new papers' tab should hold 2506.00002 only")
	}
	if !strings.Contains(other, `href="/papers/date/2025-06-04?category=cs.CR"`) {
		t.Error("the new papers' tab offers no category filter")
	}
	if got := fetch(t, srv.URL+"/papers/date/2025-06-04?category=cs.CR").body; !strings.Contains(got, "t-2506.00002") || !strings.Contains(got, "1 paper in cs.CR") {
		t.Error("filtering by cs.CR lost its paper")
	}
	if got := fetch(t, srv.URL+"/papers/date/2025-06-04?category=cs.LG").body; strings.Contains(got, "t-2506.00002") {
		t.Error("filtering by cs.LG kept a cs.CR paper")
	}

	// A day that nobody submitted to opens on its new papers.
	quiet := fetch(t, srv.URL+"/papers/date/2025-06-02").body
	if !strings.Contains(quiet, "Nothing was submitted to the community list on this day") || !strings.Contains(quiet, "t-2506.00003") {
		t.Error("a day without submissions should show its new papers, saying why")
	}
	// Weeks and months have the same two tabs.
	week := fetch(t, srv.URL+"/week/2025-W23").body
	if !strings.Contains(week, `Community picks <span class="n">2</span>`) || !strings.Contains(week, `New on arXiv <span class="n">2</span>`) ||
		!strings.Contains(week, `aria-current="page">Weekly`) {
		t.Error("the week page lacks its tabs or switch")
	}

	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/papers/date/2025-06-04?list=everything", 400},
		{"/papers/date/2025-06-04?category=not%20a%20category", 400},
		{"/papers/date?date=yesterday", 400},
	} {
		if got := fetch(t, srv.URL+tc.path).status; got != tc.status {
			t.Errorf("%s: %d, want %d", tc.path, got, tc.status)
		}
	}
	// The date picker is a plain form: its answer is the day's page.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/papers/date?date=2025-06-02")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/papers/date/2025-06-02" {
		t.Errorf("date picker: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestListsShowImagesFromTheMediaLibraryOnly(t *testing.T) {
	lib, err := media.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	const thumbURL, avatarURL, orgURL = "https://cdn-thumbnails.example/2506.00001.png", "https://cdn-avatars.example/akhaliq.png", "https://cdn-avatars.example/org.png"
	thumb, err := lib.Put(thumbURL, "image/png", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Put(avatarURL, "image/png", append(b.Bytes(), 0)); err != nil {
		t.Fatal(err)
	}
	srv, st, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.Media = lib })
	p := fixtureCommunity()[0]
	p.Community.HF = store.HFDetails{
		Thumbnail:    thumbURL,
		SubmittedBy:  &store.HFUser{Name: "akhaliq", AvatarURL: avatarURL},
		Organization: &store.HFOrg{Name: "example", Fullname: "Example Lab", Avatar: orgURL}, // no copy: text only
	}
	if _, err := st.UpsertCommunity(context.Background(), []store.Paper{p}); err != nil {
		t.Fatal(err)
	}
	page := fetch(t, srv.URL+"/papers/date/2025-06-04")
	for _, want := range []string{
		`<img class="thumb" src="/media/` + thumb + `" alt="Thumbnail of the paper`, `width="640" height="336" loading="lazy"`,
		`<img class="avatar round" src="/media/`, `width="20" height="20"`, "Example Lab", "Submitted by akhaliq",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("day page lacks %q", want)
		}
	}
	if strings.Contains(page.body, ".example/") || strings.Contains(page.body, `src="http`) {
		t.Error("the page names an image on another site")
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:;") {
		t.Errorf("CSP: %q", csp)
	}
	// The other paper has no image: a text card with its excerpt.
	if !strings.Contains(page.body, `<article class="pcard" aria-labelledby="t-2506.00004">`) {
		t.Error("a paper without images should be a text card")
	}

	got := fetch(t, srv.URL+"/media/"+thumb)
	if got.status != 200 || got.header.Get("Content-Type") != "image/png" || got.body != b.String() ||
		got.header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("/media/%s: %d %q %q", thumb, got.status, got.header.Get("Content-Type"), got.header.Get("Cache-Control"))
	}
	for _, bad := range []string{"/media/index.json", "/media/..%2Findex.json", "/media/" + strings.Repeat("0", 64) + ".png"} {
		if got := fetch(t, srv.URL+bad).status; got != 404 {
			t.Errorf("%s: %d, want 404", bad, got)
		}
	}
}

func TestAnEmptySiteSaysWhatIsHappeningAndWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		name       string
		harvesting []string
		want       []string
	}{
		{"harvesting", []string{"arXiv listing feeds (cs.AI, cs.CL)", "Hugging Face daily papers"},
			[]string{"Fetching today's papers", "fetching today's papers from arXiv and Hugging Face (arXiv listing feeds (cs.AI, cs.CL), Hugging Face daily papers)"}},
		{"not harvesting", nil, []string{"No papers yet", "scheduled harvests are off", "--no-harvest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Open(t, store.SQLite, store.Options{})
			srv := httptest.NewServer(NewServer(Options{Papers: st, Harvesting: tc.harvesting, Now: func() time.Time { return testNow }}))
			defer srv.Close()
			for _, path := range []string{"/", "/papers/date/2025-06-04"} {
				r := fetch(t, srv.URL+path)
				if r.status != 200 {
					t.Fatalf("%s: %d", path, r.status)
				}
				for _, want := range append(tc.want, "paperboy import FILE", "--harvest-oai-sets cs", "doc/operations.md") {
					if !strings.Contains(r.body, want) {
						t.Errorf("%s lacks %q", path, want)
					}
				}
				if strings.Contains(r.body, "0 papers") {
					t.Errorf("%s says 0 papers", path)
				}
			}
		})
	}
}

// newEmptyServer serves an empty database that is harvesting.
func newEmptyServer(t *testing.T) string {
	t.Helper()
	st := storetest.Open(t, store.SQLite, store.Options{})
	srv := httptest.NewServer(NewServer(Options{Papers: st, Now: func() time.Time { return testNow },
		Harvesting: []string{"arXiv listing feeds (cs.AI, cs.CL, cs.CV, cs.LG)", "Hugging Face daily papers"}}))
	t.Cleanup(srv.Close)
	return srv.URL
}
