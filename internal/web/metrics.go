package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// Operations is what /metrics and the operator's pages read: counts,
// harvest jobs and their runs.
type Operations interface {
	Stats(ctx context.Context) (store.Stats, error)
	HarvestJobs(ctx context.Context) ([]store.HarvestJob, error)
	HarvestRuns(ctx context.Context, limit int) ([]store.HarvestRun, error)
	DigestStats(ctx context.Context) (store.DigestStats, error)
}

// durationBuckets are the upper bounds, in seconds, of the request
// duration histogram.
var durationBuckets = [...]float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// httpMetrics counts requests by status class and their durations, with
// atomics only: it is updated on every request.
type httpMetrics struct {
	byClass [6]atomic.Int64                        // index: status / 100
	buckets [len(durationBuckets) + 1]atomic.Int64 // the last is +Inf
	sumNano atomic.Int64
}

func (m *httpMetrics) observe(status int, d time.Duration) {
	m.byClass[min(max(status/100, 0), 5)].Add(1)
	secs := d.Seconds()
	i := sort.SearchFloat64s(durationBuckets[:], secs)
	m.buckets[i].Add(1)
	m.sumNano.Add(int64(d))
}

// MetricsHandler serves the Prometheus metrics, for a private listener
// (Options.PrivateMetrics).
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.metrics(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// metrics serves GET /metrics in the Prometheus text format. It holds
// counts and timestamps only, nothing about users, so it is public like
// /healthz; put it behind the proxy's access rules if that is not wanted.
// The whole text is written to a buffer first, so that a failing query
// ends in an error response, never after half the metrics.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	m := &metricsWriter{w: &buf}
	s.writeHTTPMetrics(m)
	s.writeProcessMetrics(m)
	if s.ops != nil {
		if err := s.writeStoreMetrics(r.Context(), m); err != nil {
			return fmt.Errorf("web: metrics: %w", err)
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := buf.WriteTo(w)
	return err
}

// metricsWriter writes the Prometheus text format.
type metricsWriter struct{ w io.Writer }

// metric starts a metric: its help and type lines.
func (m *metricsWriter) metric(name, help, typ string) {
	fmt.Fprintf(m.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (m *metricsWriter) printf(format string, args ...any) { fmt.Fprintf(m.w, format, args...) }

// writeHTTPMetrics writes the request counts and durations, and the
// caches' and the search index's figures.
func (s *Server) writeHTTPMetrics(m *metricsWriter) {
	m.metric("paperboy_http_requests_total", "HTTP requests served, by status class.", "counter")
	for class := 1; class <= 5; class++ {
		m.printf("paperboy_http_requests_total{code=\"%dxx\"} %d\n", class, s.httpStats.byClass[class].Load())
	}
	m.metric("paperboy_http_request_duration_seconds", "Time to answer HTTP requests.", "histogram")
	var cum int64
	for i, le := range durationBuckets {
		cum += s.httpStats.buckets[i].Load()
		m.printf("paperboy_http_request_duration_seconds_bucket{le=\"%s\"} %d\n", strconv.FormatFloat(le, 'g', -1, 64), cum)
	}
	cum += s.httpStats.buckets[len(durationBuckets)].Load()
	m.printf("paperboy_http_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", cum)
	m.printf("paperboy_http_request_duration_seconds_sum %g\n", time.Duration(s.httpStats.sumNano.Load()).Seconds())
	m.printf("paperboy_http_request_duration_seconds_count %d\n", cum)
	if s.cache != nil {
		m.metric("paperboy_response_cache_hits_total", "Responses answered from the response cache.", "counter")
		m.printf("paperboy_response_cache_hits_total %d\n", s.cache.hits.Load())
		m.metric("paperboy_response_cache_misses_total", "Cacheable responses that had to be rendered.", "counter")
		m.printf("paperboy_response_cache_misses_total %d\n", s.cache.miss.Load())
	}
	m.metric("paperboy_search_index_applied_seq", "Last change-feed sequence number the search index applied (0 while loading).", "gauge")
	m.printf("paperboy_search_index_applied_seq %d\n", max(int64(s.indexSeq())-1, 0))
}

// writeProcessMetrics writes the Go runtime's figures.
func (s *Server) writeProcessMetrics(m *metricsWriter) {
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	m.metric("paperboy_go_heap_bytes", "Bytes of allocated heap objects.", "gauge")
	m.printf("paperboy_go_heap_bytes %d\n", mem.HeapAlloc)
	m.metric("paperboy_go_goroutines", "Goroutines that exist.", "gauge")
	m.printf("paperboy_go_goroutines %d\n", runtime.NumGoroutine())
}

// writeStoreMetrics writes what the database counts: papers, the change
// feed, digests and harvest jobs.
func (s *Server) writeStoreMetrics(ctx context.Context, m *metricsWriter) error {
	st, err := s.ops.Stats(ctx)
	if err != nil {
		return err
	}
	m.metric("paperboy_papers", "Papers in the database, by where their metadata came from.", "gauge")
	m.printf("paperboy_papers{source=\"arxiv\"} %d\n", st.FromArxiv)
	m.printf("paperboy_papers{source=\"hf\"} %d\n", st.Papers-st.FromArxiv)
	m.metric("paperboy_change_feed_last_seq", "Last change-feed sequence number in the database.", "gauge")
	m.printf("paperboy_change_feed_last_seq %d\n", st.LastChange)

	ds, err := s.ops.DigestStats(ctx)
	if err != nil {
		return err
	}
	writeDigestMetrics(m, ds)
	jobs, err := s.ops.HarvestJobs(ctx)
	if err != nil {
		return err
	}
	s.writeHarvestMetrics(m, jobs)
	return nil
}

func writeDigestMetrics(m *metricsWriter, ds store.DigestStats) {
	m.metric("paperboy_digest_subscribers", "Digest subscribers, by state.", "gauge")
	for _, state := range slices.Sorted(maps.Keys(ds.Subscribers)) {
		m.printf("paperboy_digest_subscribers{state=%q} %d\n", state, ds.Subscribers[state])
	}
	m.metric("paperboy_digest_outbox", "Composed digests in the outbox, by state.", "gauge")
	for _, state := range slices.Sorted(maps.Keys(ds.Outbox)) {
		m.printf("paperboy_digest_outbox{state=%q} %d\n", state, ds.Outbox[state])
	}
	m.metric("paperboy_digest_retrying", "Queued digests that failed at least once.", "gauge")
	m.printf("paperboy_digest_retrying %d\n", ds.Retrying)
	m.metric("paperboy_digest_last_sent_timestamp_seconds", "When a digest was last sent (Unix time; 0 never).", "gauge")
	m.printf("paperboy_digest_last_sent_timestamp_seconds %s\n", strconv.FormatFloat(unix(ds.LastSentAt), 'f', -1, 64))
	m.metric("paperboy_digest_last_run_timestamp_seconds", "When the last digest run finished (Unix time; 0 never).", "gauge")
	m.printf("paperboy_digest_last_run_timestamp_seconds %s\n", strconv.FormatFloat(unix(ds.LastRun.FinishedAt), 'f', -1, 64))
}

func (s *Server) writeHarvestMetrics(m *metricsWriter, jobs []store.HarvestJob) {
	gauges := []struct {
		name, help string
		value      func(j *store.HarvestJob) float64
	}{
		{"paperboy_harvest_last_run_timestamp_seconds", "When the harvest job's last run finished (Unix time; 0 never).", func(j *store.HarvestJob) float64 { return unix(j.LastFinishedAt) }},
		{"paperboy_harvest_last_success_timestamp_seconds", "When the harvest job last succeeded (Unix time; 0 never).", func(j *store.HarvestJob) float64 { return unix(j.LastSuccessAt) }},
		{"paperboy_harvest_next_run_timestamp_seconds", "When the harvest job runs next (Unix time).", func(j *store.HarvestJob) float64 { return unix(j.NextRunAt) }},
		{"paperboy_harvest_last_records", "Records the harvest job's last run read.", func(j *store.HarvestJob) float64 { return float64(j.LastRecords) }},
		{"paperboy_harvest_consecutive_failures", "Failed runs of the harvest job since its last success.", func(j *store.HarvestJob) float64 { return float64(j.Failures) }},
		{"paperboy_harvest_running", "1 while a replica holds the harvest job's lease.", func(j *store.HarvestJob) float64 {
			if j.ClaimedBy != "" && j.ClaimedUntil.After(s.now()) {
				return 1
			}
			return 0
		}},
	}
	for _, g := range gauges {
		m.metric(g.name, g.help, "gauge")
		for i := range jobs {
			m.printf("%s{job=%q} %s\n", g.name, labelValue(jobs[i].Name), strconv.FormatFloat(g.value(&jobs[i]), 'f', -1, 64))
		}
	}
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.Unix())
}

// labelValue keeps a label value printable; %q then escapes quotes and
// backslashes as the text format wants.
func labelValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' {
			return ' '
		}
		return r
	}, s)
}

type harvestAdminPage struct {
	Page
	Jobs []store.HarvestJob
	Runs []store.HarvestRun
	Now  time.Time
}

// harvestAdmin serves /admin/harvest: each scheduled job's last and next
// run, and the recent runs with their errors. Administrators only.
func (s *Server) harvestAdmin(w http.ResponseWriter, r *http.Request) error {
	if _, ok, err := s.staff(w, r, roleAdmin); !ok {
		return err
	}
	if s.ops == nil {
		return errNotFound("Harvest status is not available.")
	}
	jobs, err := s.ops.HarvestJobs(r.Context())
	if err != nil {
		return err
	}
	runs, err := s.ops.HarvestRuns(r.Context(), 50)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, no-store")
	return s.render(w, r, "admin_harvest.html", &harvestAdminPage{
		Page: Page{Title: "Harvests", Nav: "admin-harvest", NoIndex: true},
		Jobs: jobs, Runs: runs, Now: s.now(),
	})
}
