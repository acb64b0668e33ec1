package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func TestHealthzReportsAnUnreachableDatabase(t *testing.T) {
	s := storetest.Open(t, store.SQLite, store.Options{})
	srv := httptest.NewServer(NewServer(Options{Papers: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	if code := status(t, srv.URL+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz with a live database: %d", code)
	}
	s.Close()
	if code := status(t, srv.URL+"/healthz"); code != http.StatusServiceUnavailable {
		t.Fatalf("healthz with a closed database: %d, want 503", code)
	}
}

// failingPapers fails every read, as a broken database would.
type failingPapers struct{}

var errBroken = errors.New("pq: connection to 10.0.0.7 refused: password authentication failed for user app")

func (failingPapers) Paper(context.Context, string) (store.Paper, error) {
	return store.Paper{}, errBroken
}
func (failingPapers) DailyPapers(context.Context, time.Time, time.Time, int, int) ([]store.Paper, error) {
	return nil, errBroken
}
func (failingPapers) CountDailyPapers(context.Context, time.Time, time.Time) (int, error) {
	return 0, errBroken
}
func (failingPapers) TrendingCandidates(context.Context, time.Time, time.Time, int) ([]store.Paper, error) {
	return nil, errBroken
}
func (failingPapers) AdjacentDays(context.Context, time.Time) (time.Time, time.Time, error) {
	return time.Time{}, time.Time{}, errBroken
}
func (failingPapers) PapersByID(context.Context, []string) ([]store.Paper, error) {
	return nil, errBroken
}
func (failingPapers) DailyListPapers(context.Context, store.DailyListFilter, int, int) ([]store.Paper, error) {
	return nil, errBroken
}
func (failingPapers) CountDailyListPapers(context.Context, store.DailyListFilter) (int, error) {
	return 0, errBroken
}
func (failingPapers) LatestDailyListDay(context.Context) (time.Time, error) {
	return time.Time{}, errBroken
}
func (failingPapers) NewPapers(context.Context, store.NewPapersFilter, int, int) ([]store.Paper, error) {
	return nil, errBroken
}
func (failingPapers) CountNewPapers(context.Context, store.NewPapersFilter) (int, error) {
	return 0, errBroken
}
func (failingPapers) NewPaperCategories(context.Context, time.Time, time.Time, int) ([]store.CategoryCount, error) {
	return nil, errBroken
}
func (failingPapers) Ping(context.Context) error { return errBroken }
func (failingPapers) LastChange(context.Context) (int64, error) {
	return 0, errBroken
}
func (failingPapers) CountSitemapPapers(context.Context) (int, error) { return 0, errBroken }
func (failingPapers) SitemapPapers(context.Context, int, int) ([]store.SitemapEntry, error) {
	return nil, errBroken
}

func TestUnexpectedErrorsDoNotLeakToClients(t *testing.T) {
	var logs strings.Builder
	srv := httptest.NewServer(NewServer(Options{Papers: failingPapers{}, Log: slog.New(slog.NewTextHandler(&logs, nil))}))
	defer srv.Close()
	for _, path := range []string{"/api/papers/2506.00001", "/", "/trending", "/papers/2506.00001", "/api/daily_papers"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", path, resp.StatusCode)
		}
		if strings.Contains(string(body), "password") || strings.Contains(string(body), "10.0.0.7") {
			t.Errorf("%s: database error text reached the client: %s", path, body)
		}
	}
	if !strings.Contains(logs.String(), "password authentication failed") {
		t.Errorf("the unexpected error was not logged:\n%s", logs.String())
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRequestLogsKeepEmailedTokensOut(t *testing.T) {
	for path, want := range map[string]string{
		"/reset/SECRET-token":      "/reset/…",
		"/login/link/SECRET-token": "/login/link/…",
		"/reset":                   "/reset",
		"/papers/2505.24864":       "/papers/2505.24864",
	} {
		if got := loggedPath(path); got != want || strings.Contains(got, "SECRET") {
			t.Errorf("loggedPath(%q) = %q, want %q", path, got, want)
		}
	}
}
