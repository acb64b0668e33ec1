package harvest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/paperboy-dev/paperboy/internal/media"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// ImageFetcher copies the images that lists show into a media library:
// one request at a time, each bounded in time and size, and only images of
// the kept types (media.Types), by header and by content.
type ImageFetcher struct {
	Client    *http.Client  // http.DefaultClient when nil
	UserAgent string        // DefaultUserAgent when empty
	MaxBytes  int64         // the largest image kept; 2 MiB when zero
	Timeout   time.Duration // per image; 20 s when zero
	Delay     time.Duration // between two requests; none when zero
	Log       *slog.Logger  // discards when nil
}

// ImageResult counts what one FetchImages did.
type ImageResult struct {
	Fetched, Failed, Skipped int
}

// MediaURLs returns the distinct addresses of the images a list card shows
// for these papers: the thumbnail, the submitter's avatar and the
// organisations' logos. Relative addresses (Hugging Face's default
// avatars, SVG) and anything but http(s) are left out.
func MediaURLs(details []store.HFDetails) []string {
	seen := map[string]bool{}
	var out []string
	add := func(u string) {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || seen[u] {
			return
		}
		seen[u] = true
		out = append(out, u)
	}
	for _, d := range details {
		add(d.Thumbnail)
		if d.SubmittedBy != nil {
			add(d.SubmittedBy.AvatarURL)
		}
		for _, o := range []*store.HFOrg{d.Organization, d.SubmitterOrganization} {
			if o != nil {
				add(o.Avatar)
			}
		}
	}
	return out
}

// FetchImages fetches those of urls the library does not hold and that are
// due (failures wait, see media.Library.Fail). A failed image is recorded
// and the run goes on; only an unreachable network (Unreachable) or ctx
// ends it early, with that error, since every other image would fail too.
func (f *ImageFetcher) FetchImages(ctx context.Context, lib *media.Library, urls []string, now func() time.Time) (ImageResult, error) {
	var res ImageResult
	first := true
	for _, u := range urls {
		if !lib.Due(u, now()) {
			res.Skipped++
			continue
		}
		if !first && f.Delay > 0 {
			if err := sleep(ctx, f.Delay); err != nil {
				return res, err
			}
		}
		first = false
		ct, body, err := f.get(ctx, u)
		if err == nil {
			_, err = lib.Put(u, ct, body)
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			if Unreachable(err) {
				return res, err
			}
			lib.Fail(u, err, now())
			res.Failed++
			f.logger().Debug("image not kept", "url", u, "err", err)
			continue
		}
		res.Fetched++
	}
	return res, nil
}

// errNotImage is an answer that is not an image paperboy keeps.
var errNotImage = errors.New("not a png, jpeg, webp or gif image")

func (f *ImageFetcher) get(ctx context.Context, u string) (string, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(f.Timeout, 20*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", nil, fmt.Errorf("image %s: %w", u, err)
	}
	req.Header.Set("User-Agent", cmp.Or(f.UserAgent, DefaultUserAgent))
	req.Header.Set("Accept", "image/webp,image/png,image/jpeg,image/gif")
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("image %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("image %s: %w", u, &StatusError{URL: u, Status: resp.StatusCode})
	}
	declared, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if _, ok := media.Types[declared]; !ok {
		return "", nil, fmt.Errorf("image %s: %w (Content-Type %q)", u, errNotImage, declared)
	}
	limit := cmp.Or(f.MaxBytes, 2<<20)
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return "", nil, fmt.Errorf("image %s: read: %w", u, err)
	}
	if int64(len(body)) > limit {
		return "", nil, fmt.Errorf("image %s: larger than %d bytes", u, limit)
	}
	// The content must be what the header says: a server that labels an
	// HTML page or an SVG as image/png does not get it kept.
	if sniffed := http.DetectContentType(body); sniffed != declared {
		return "", nil, fmt.Errorf("image %s: %w (declared %s, looks like %s)", u, errNotImage, declared, sniffed)
	}
	return declared, body, nil
}

func (f *ImageFetcher) logger() *slog.Logger {
	if f.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Log
}
