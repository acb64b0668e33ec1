package cli

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hfDailyServer speaks Hugging Face's daily-papers API: one paper on
// today's list (UTC), with a thumbnail it also serves.
func hfDailyServer(t *testing.T) *httptest.Server {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 12, 6))
	var thumb bytes.Buffer
	if err := png.Encode(&thumb, img); err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/thumbs/2506.09999.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(thumb.Bytes())
		case "/api/daily_papers":
			w.Header().Set("Content-Type", "application/json")
			today := time.Now().UTC().Format(time.DateOnly)
			if r.URL.Query().Get("date") != today || r.URL.Query().Get("p") != "0" {
				io.WriteString(w, "[]")
				return
			}
			fmt.Fprintf(w, `[{"paper": {"id": "2506.09999", "title": "Community Picks Considered Useful",
				"summary": "A paper on today's list.", "authors": [{"_id": "a1", "name": "Grace Hopper", "hidden": false}],
				"publishedAt": "%[1]sT09:00:00.000Z", "upvotes": 12,
				"submittedOnDailyAt": "%[1]sT10:00:00.000Z",
				"submittedOnDailyBy": {"_id": "u1", "user": "akhaliq", "fullname": "AK", "avatarUrl": "/avatars/x.svg", "type": "user"}},
				"publishedAt": "%[1]sT10:00:00.000Z", "title": "Community Picks Considered Useful", "summary": "A paper on today's list.",
				"thumbnail": "%[2]s/thumbs/2506.09999.png", "numComments": 0,
				"submittedBy": {"_id": "u1", "name": "akhaliq", "fullname": "AK", "avatarUrl": "/avatars/x.svg", "type": "user"}}]`,
				today, srv.URL)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFirstRunHarvestsByDefaultAndShowsPapersWithinSeconds(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/atom/cs.") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		io.WriteString(w, listingFeedFixture)
	}))
	t.Cleanup(feed.Close)
	hf := hfDailyServer(t)
	// No source flag: the default sources, pointed at the local servers.
	base := serve(t, "serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0", "--harvest",
		"--feed-url", feed.URL, "--hf-url", hf.URL+"/api/daily_papers", "--harvest-jitter", "0")
	start := time.Now()
	for {
		_, home := get(t, base+"/")
		if strings.Contains(home, "Community Picks Considered Useful") {
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("no papers on the home page after 15 s:\n%s", home)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("papers on the home page after %s", time.Since(start).Round(time.Millisecond))
	for {
		_, body := get(t, base+"/papers/date/2025-06-03")
		if strings.Contains(body, "Scheduled Harvests Considered Helpful") {
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatal("the default listing feeds were not harvested")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The thumbnail is copied and served from paperboy itself.
	for {
		_, home := get(t, base+"/")
		if i := strings.Index(home, `<img class="thumb" src="/media/`); i >= 0 {
			src := home[i+len(`<img class="thumb" src="`):]
			src = src[:strings.IndexByte(src, '"')]
			if status, _ := get(t, base+src); status != 200 {
				t.Errorf("%s: %d", src, status)
			}
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("the thumbnail was not copied")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestFirstRunOfflineIsAHelpfulPageAndOneWarning(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // the sources are down
	var log syncBuffer
	base := serveTo(t, &log, "serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0", "--harvest",
		"--feed-url", down, "--hf-url", down+"/api/daily_papers", "--harvest-jitter", "0")
	// A hang guard, not a timing assertion: under a loaded CI machine the
	// harvest's failed attempts can take longer than 15 s to be recorded.
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, home := get(t, base+"/")
		if status != 200 {
			t.Fatalf("home page offline: %d", status)
		}
		if strings.Contains(home, "0 papers") || !strings.Contains(home, "Next steps") || !strings.Contains(home, "paperboy import") {
			t.Fatalf("home page offline is not helpful:\n%s", home)
		}
		if strings.Contains(home, "could not reach its sources") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page never said the sources are unreachable:\n%s", home)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	out := log.String()
	if n := strings.Count(out, `level=WARN msg="harvest`); n > 2 { // one per source
		t.Errorf("%d warnings offline, want one per source:\n%s", n, out)
	}
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("errors logged offline:\n%s", out)
	}
}

// syncBuffer is a log the server writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
