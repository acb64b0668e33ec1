package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
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
			} {
				if !strings.Contains(res.body, want) {
					t.Errorf("metrics lack %q:\n%s", want, res.body)
				}
			}
		})
	}
}

func TestHarvestAdminIsForAdministrators(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.Operations = o.Papers.(*store.Store) })
	if res := fetch(t, srv.URL+"/admin/harvest"); res.status != http.StatusUnauthorized {
		t.Fatalf("anonymous GET /admin/harvest: %d, want 401", res.status)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
