package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestMetricsReportHarvestsPapersAndRequests(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			srv, st, _ := newFixtureServer(t, d, func(o *Options) { o.Operations = o.Papers.(*store.Store) })
			next := testNow.Add(3 * time.Hour).Truncate(time.Second)
			if err := st.AddHarvestJob(ctx, "oai:cs", next); err != nil {
				t.Fatal(err)
			}
			fetch(t, srv.URL+"/")
			fetch(t, srv.URL+"/papers/0000.00000")
			res := fetch(t, srv.URL+"/metrics")
			if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain; version=0.0.4") {
				t.Fatalf("GET /metrics: %d %s", res.status, res.header.Get("Content-Type"))
			}
			stats, err := st.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"paperboy_http_requests_total{code=\"2xx\"} 1\n",
				"paperboy_http_requests_total{code=\"4xx\"} 1\n",
				"paperboy_http_request_duration_seconds_count 2\n",
				"paperboy_papers{source=\"arxiv\"} " + itoa(stats.FromArxiv) + "\n",
				"paperboy_change_feed_last_seq " + itoa(int(stats.LastChange)) + "\n",
				"paperboy_harvest_next_run_timestamp_seconds{job=\"oai:cs\"} " + itoa(int(next.Unix())) + "\n",
				"paperboy_harvest_last_run_timestamp_seconds{job=\"oai:cs\"} 0\n",
				"# TYPE paperboy_harvest_running gauge\n",
				"paperboy_digest_subscribers{state=\"active\"} 0\n",
				"paperboy_digest_outbox{state=\"sent\"} 0\n",
			} {
				if !strings.Contains(res.body, want) {
					t.Errorf("metrics lack %q:\n%s", want, res.body)
				}
			}
		})
	}
}

func TestHarvestAdminIsForAdministrators(t *testing.T) {
	srv, st, _ := newFixtureServer(t, store.SQLite, func(o *Options) {
		withAccounts(o)
		o.Operations = o.Papers.(*store.Store)
	})
	ctx := context.Background()
	if err := st.AddHarvestJob(ctx, "oai:cs", testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if res := call(t, nil, "GET", srv.URL+"/admin/harvest", "", nil); res.status != http.StatusSeeOther {
		t.Fatalf("anonymous GET /admin/harvest: %d, want 303 to sign in", res.status)
	}
	newUser(t, st, "reader", "user")
	newUser(t, st, "boss", "admin")
	for name, want := range map[string]int{"reader": http.StatusForbidden, "boss": http.StatusOK} {
		resp, err := signedInClient(t, srv.URL, name).Get(srv.URL + "/admin/harvest")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: GET /admin/harvest: %d, want %d", name, resp.StatusCode, want)
		}
		if want == http.StatusOK && !strings.Contains(string(body), "<th scope=\"row\">oai:cs</th>") {
			t.Errorf("the harvest page does not list the job:\n%s", body)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestAccessLogCanBeTurnedOff(t *testing.T) {
	for _, on := range []bool{true, false} {
		var logs strings.Builder
		srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) {
			o.AccessLog = on
			o.Log = slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, nil))
		})
		fetch(t, srv.URL+"/")
		fetch(t, srv.URL+"/papers/0000.00000")
		srv.Close()
		got := strings.Count(logs.String(), "msg=request")
		if want := map[bool]int{true: 2, false: 0}[on]; got != want {
			t.Errorf("access log %v: %d request lines, want %d:\n%s", on, got, want, logs.String())
		}
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
