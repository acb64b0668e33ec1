package harvest

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/media"
	"github.com/paperboy-dev/paperboy/internal/store"
)

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{200, 60, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFetchImagesKeepsImagesOnlyAndRetriesFailuresLater(t *testing.T) {
	pngBytes := testPNG(t)
	mux := http.NewServeMux()
	serve := func(path, ct string, body []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.Write(body)
		})
	}
	serve("/thumb.png", "image/png", pngBytes)
	serve("/same.png", "image/png", pngBytes)
	serve("/avatar.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	serve("/lies.png", "image/png", []byte("<!doctype html><html><body>not an image</body></html>"))
	serve("/huge.png", "image/png", append(append([]byte{}, pngBytes...), make([]byte, 3<<20)...))
	mux.HandleFunc("/slow.png", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	lib, err := media.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	details := []store.HFDetails{
		{Thumbnail: srv.URL + "/thumb.png", SubmittedBy: &store.HFUser{Name: "a", AvatarURL: "/avatars/default.svg"}},
		{Thumbnail: srv.URL + "/missing.png", Organization: &store.HFOrg{Name: "o", Avatar: srv.URL + "/same.png"}},
		{Thumbnail: srv.URL + "/lies.png", SubmittedBy: &store.HFUser{Name: "b", AvatarURL: srv.URL + "/avatar.svg"}},
		{Thumbnail: srv.URL + "/huge.png", SubmitterOrganization: &store.HFOrg{Name: "p", Avatar: srv.URL + "/slow.png"}},
		{Thumbnail: "javascript:alert(1)"},
	}
	urls := MediaURLs(details)
	if len(urls) != 7 {
		t.Fatalf("MediaURLs kept %d addresses, want the 7 absolute http ones: %q", len(urls), urls)
	}
	now := time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)
	f := &ImageFetcher{Timeout: 300 * time.Millisecond}
	res, err := f.FetchImages(context.Background(), lib, urls, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if res.Fetched != 2 || res.Failed != 5 {
		t.Errorf("fetched %d, failed %d; want 2 and 5", res.Fetched, res.Failed)
	}
	a, ok1 := lib.File(srv.URL + "/thumb.png")
	b, ok2 := lib.File(srv.URL + "/same.png")
	if !ok1 || !ok2 || a != b {
		t.Errorf("the same image from two addresses: %q %v, %q %v; want one content-addressed file", a, ok1, b, ok2)
	}
	file, err := lib.Open(a)
	if err != nil {
		t.Fatalf("open %s: %v", a, err)
	}
	file.Close()
	for _, u := range []string{"/missing.png", "/avatar.svg", "/lies.png", "/huge.png", "/slow.png"} {
		if _, ok := lib.File(srv.URL + u); ok {
			t.Errorf("%s was kept", u)
		}
		if lib.Due(srv.URL+u, now.Add(time.Minute)) || !lib.Due(srv.URL+u, now.Add(2*time.Hour)) {
			t.Errorf("%s: a failure should be retried after an hour, not at once", u)
		}
	}
	if _, err := lib.Open("../index.json"); err == nil {
		t.Error("Open reached outside the library")
	}
	// The index survives a restart.
	if err := lib.Save(); err != nil {
		t.Fatal(err)
	}
	again, err := media.Open(lib.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := again.File(srv.URL + "/thumb.png"); !ok || got != a {
		t.Errorf("after reopening: %q %v", got, ok)
	}
	if again.Due(srv.URL+"/missing.png", now.Add(time.Minute)) {
		t.Error("after reopening, a failure is due at once")
	}
}

func TestFetchImagesStopsWhenOffline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	lib, err := media.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	urls := []string{"http://" + addr + "/a.png", "http://" + addr + "/b.png"}
	res, err := (&ImageFetcher{}).FetchImages(context.Background(), lib, urls, time.Now)
	if !Unreachable(err) || res.Failed != 0 {
		t.Fatalf("offline: %+v, %v; want an unreachable error and no failures recorded", res, err)
	}
	if !lib.Due(urls[0], time.Now()) {
		t.Error("an image not fetched for want of a network should stay due")
	}
}
