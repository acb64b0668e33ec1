// Package harvest keeps the catalogue fresh from its sources: arXiv's
// OAI-PMH interface, its Atom API and listing feeds, and Hugging Face's
// daily papers. Clients speak each protocol against a configurable base URL;
// the Harvester stores what they fetch and checkpoints OAI-PMH harvests after
// every page so that a killed harvest resumes where it stopped.
package harvest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultUserAgent names paperboy to the sources, as arXiv asks of robots.
const DefaultUserAgent = "paperboy-harvester/1.0 (self-hosted research-paper discovery; +https://github.com/paperboy-dev/paperboy)"

// Fetcher does one source's HTTP requests: one at a time, at least Delay
// apart, with a descriptive User-Agent, retrying what may succeed later
// (network errors, timeouts, 5xx, 429, malformed bodies) with exponential
// backoff, and waiting as long as a 503's Retry-After asks, within bounds.
type Fetcher struct {
	Client        *http.Client  // http.DefaultClient when nil
	UserAgent     string        // DefaultUserAgent when empty
	Delay         time.Duration // between the starts of two requests; none when <= 0
	Timeout       time.Duration // per attempt; 2 minutes when zero
	Retries       int           // attempts after the first; 5 when zero, none when negative
	Backoff       time.Duration // the first retry's wait, doubled each time; 2 s when zero
	MaxRetryAfter time.Duration // the longest Retry-After honoured; 10 minutes when zero
	Log           *slog.Logger  // discards when nil

	mu   sync.Mutex
	last time.Time
}

// StatusError is an HTTP response that retrying will not fix.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// errMalformed marks a body that could not be parsed: the page is fetched
// again, since a truncated or garbled response is usually transient.
var errMalformed = errors.New("malformed response")

func malformed(err error) error { return fmt.Errorf("%w: %v", errMalformed, err) }

// Unreachable reports whether err means the source could not be reached
// at all (no network, no DNS, nothing listening): a machine offline, not a
// source misbehaving.
func Unreachable(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}

// retryAfterError carries a server's request to wait.
type retryAfterError struct {
	status int
	wait   time.Duration
}

func (e *retryAfterError) Error() string {
	return fmt.Sprintf("%d %s (retry after %s)", e.status, http.StatusText(e.status), e.wait)
}

// Get fetches url and hands the body to check, which returns an error
// wrapping errMalformed (through malformed) for a body worth fetching again.
// Any other error from check is returned at once.
func (f *Fetcher) Get(ctx context.Context, url string, check func(body []byte) error) error {
	retries := f.Retries
	switch {
	case retries == 0:
		retries = 5
	case retries < 0:
		retries = 0
	}
	backoff := f.Backoff
	if backoff <= 0 {
		backoff = 2 * time.Second
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		body, err := f.fetch(ctx, url)
		if err == nil {
			if err = check(body); err == nil {
				return nil
			}
			if !errors.Is(err, errMalformed) {
				return err
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var se *StatusError
		if errors.As(err, &se) || Unreachable(err) {
			// Retrying at once will not help: the scheduler's backoff
			// tries again later, quietly (see Scheduler.runJob).
			return err
		}
		lastErr = err
		if attempt >= retries {
			break
		}
		wait := backoff << min(attempt, 10)
		var ra *retryAfterError
		if errors.As(err, &ra) && ra.wait > 0 {
			wait = ra.wait
		}
		f.logger().Warn("harvest: retrying", "url", url, "attempt", attempt+1, "wait", wait, "reason", err)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
	return fmt.Errorf("GET %s: giving up after %d attempts: %w", url, retries+1, lastErr)
}

func (f *Fetcher) fetch(ctx context.Context, url string) ([]byte, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &StatusError{URL: url, Status: 0}
	}
	ua := f.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, &retryAfterError{status: resp.StatusCode, wait: f.retryAfter(resp.Header.Get("Retry-After"))}
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	case resp.StatusCode != http.StatusOK:
		return nil, &StatusError{URL: url, Status: resp.StatusCode}
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return body, nil
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), bounded
// by MaxRetryAfter so that a confused server cannot stall a harvest.
func (f *Fetcher) retryAfter(h string) time.Duration {
	limit := f.MaxRetryAfter
	if limit <= 0 {
		limit = 10 * time.Minute
	}
	h = strings.TrimSpace(h)
	var d time.Duration
	if secs, err := strconv.Atoi(h); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	}
	return max(0, min(d, limit))
}

// wait keeps requests at least Delay apart.
func (f *Fetcher) wait(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Delay > 0 && !f.last.IsZero() {
		if err := sleep(ctx, time.Until(f.last.Add(f.Delay))); err != nil {
			return err
		}
	}
	f.last = time.Now()
	return nil
}

func (f *Fetcher) logger() *slog.Logger {
	if f.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Log
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
