package harvest

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/harvest/harvesttest"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func TestScheduleNext(t *testing.T) {
	ny := NewYork()
	at := func(s string, loc *time.Location) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name      string
		sched     Schedule
		after     time.Time
		wantLocal string // in the schedule's zone
		loc       *time.Location
	}{
		{"oai before the evening run", DefaultOAISchedule(), at("2025-06-05 14:00", ny), "2025-06-05 21:30", ny},
		{"oai at its time is the next day's", DefaultOAISchedule(), at("2025-06-02 21:30", ny), "2025-06-03 21:30", ny},
		{"oai skips Friday and Saturday", DefaultOAISchedule(), at("2025-06-05 21:30", ny), "2025-06-08 21:30", ny},
		{"oai across the start of daylight saving", DefaultOAISchedule(), at("2025-03-08 12:00", ny), "2025-03-09 21:30", ny},
		{"oai seen from UTC", DefaultOAISchedule(), at("2025-06-04 01:00", time.UTC), "2025-06-03 21:30", ny},
		{"feeds on the hour", DefaultFeedSchedule(), at("2025-06-02 10:15", time.UTC), "2025-06-02 11:00", time.UTC},
		{"feeds at the hour", DefaultFeedSchedule(), at("2025-06-02 11:00", time.UTC), "2025-06-02 12:00", time.UTC},
		{"hf late in the UTC day", DefaultHFSchedule(), at("2025-06-02 23:00", time.UTC), "2025-06-03 23:00", time.UTC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.sched.Next(tt.after)
			if s := got.In(tt.loc).Format("2006-01-02 15:04"); s != tt.wantLocal {
				t.Errorf("Next(%s) = %s, want %s", tt.after, s, tt.wantLocal)
			}
		})
	}
	// 21:30 EDT on the day daylight saving starts is 01:30 UTC.
	if got := DefaultOAISchedule().Next(at("2025-03-08 12:00", ny)).UTC(); got != time.Date(2025, 3, 10, 1, 30, 0, 0, time.UTC) {
		t.Errorf("DST: %s", got)
	}
}

// feedServer serves a listing feed of recs at /atom/CATEGORY; while failing
// is set it answers 500.
type feedServer struct {
	*httptest.Server
	failing  atomic.Bool
	requests atomic.Int64
}

func newFeedServer(t *testing.T, recs []harvesttest.Record) *feedServer {
	t.Helper()
	fs := &feedServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.requests.Add(1)
		if fs.failing.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		cat, ok := strings.CutPrefix(r.URL.Path, "/atom/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, listingFeed(cat, recs))
	}))
	t.Cleanup(fs.Close)
	return fs
}

// listingFeed renders recs as rss.arxiv.org/atom/CATEGORY does.
func listingFeed(cat string, recs []harvesttest.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">
<id>http://rss.arxiv.org/atom/%[1]s</id><title>%[1]s updates on arXiv.org</title><updated>2025-06-03T04:00:00+00:00</updated>
`, cat)
	for _, r := range recs {
		if r.Deleted {
			continue
		}
		names := make([]string, len(r.Authors))
		for i, a := range r.Authors {
			names[i] = a.Name()
		}
		fmt.Fprintf(&b, `<entry><id>oai:arXiv.org:%sv1</id><title>%s</title>
<summary>arXiv:%sv1 Announce Type: new
Abstract: %s</summary>
`, r.ID, html.EscapeString(r.Title), r.ID, html.EscapeString(r.Abstract))
		for _, c := range r.Categories {
			fmt.Fprintf(&b, `<category term="%s"/>`, c)
		}
		fmt.Fprintf(&b, `<published>%sT00:00:00-04:00</published><arxiv:announce_type>new</arxiv:announce_type>
<dc:rights>%s</dc:rights><dc:creator>%s</dc:creator></entry>
`, r.Datestamp, r.License, html.EscapeString(strings.Join(names, ", ")))
	}
	b.WriteString("</feed>\n")
	return b.String()
}

func harvestJob(t *testing.T, s *store.Store, name string) store.HarvestJob {
	t.Helper()
	jobs, err := s.HarvestJobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Name == name {
			return j
		}
	}
	t.Fatalf("no job %q in %+v", name, jobs)
	return store.HarvestJob{}
}

func runDue(t *testing.T, sc *Scheduler, now time.Time) []string {
	t.Helper()
	ran, err := sc.RunDue(context.Background(), now)
	if err != nil {
		t.Fatalf("RunDue(%s): %v", now, err)
	}
	slices.Sort(ran)
	return ran
}

func TestSchedulerRunsOAIJobWhenDue(t *testing.T) {
	recs := harvesttest.Generate(600, day0, 7) // 2025-06-02 to 06-04, 200 a day
	oai := harvesttest.NewOAIServer(t, recs)
	oai.PageSize = 50
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		job := OAIJob(&OAIClient{BaseURL: oai.URL, Fetcher: testFetcher()}, "cs", PrefixArXivRaw, DefaultOAISchedule())
		sc := &Scheduler{Store: s, Harvester: &Harvester{Store: s}, Jobs: []Job{job}, Owner: "a"}
		// Tuesday 2025-06-03, 14:00 in New York: a new job is due at once and
		// harvests yesterday and today.
		t0 := time.Date(2025, 6, 3, 18, 0, 0, 0, time.UTC)
		if ran := runDue(t, sc, t0); !slices.Equal(ran, []string{"arxiv-oai cs"}) {
			t.Fatalf("first RunDue ran %v", ran)
		}
		j := harvestJob(t, s, "arxiv-oai cs")
		evening := time.Date(2025, 6, 4, 1, 30, 0, 0, time.UTC) // 21:30 EDT on the 3rd
		// The run's times are t0 plus the real time it took (stored to the
		// second), which a loaded machine stretches past a second.
		within := func(at time.Time) bool { return !at.Before(t0) && at.Before(t0.Add(time.Minute)) }
		if j.LastStatus != "ok" || j.ResumeFrom != "2025-06-03" || !j.NextRunAt.Equal(evening) || j.ClaimedBy != "" ||
			j.LastRecords == 0 || j.Failures != 0 || !within(j.LastFinishedAt) || !j.LastSuccessAt.Equal(j.LastFinishedAt) {
			t.Errorf("after the first run: %+v", j)
		}
		cp, err := s.HarvestCheckpoint(context.Background(), JobKey(ListRequest{MetadataPrefix: PrefixArXivRaw, Set: "cs", From: "2025-06-02", Until: "2025-06-03"}))
		if err != nil || !cp.Done || cp.Records != j.LastRecords {
			t.Errorf("checkpoint of the first window: %+v, %v (job records %d)", cp, err, j.LastRecords)
		}
		first := len(allPapers(t, s))

		if ran := runDue(t, sc, evening.Add(-time.Second)); len(ran) != 0 {
			t.Errorf("ran %v before the evening", ran)
		}
		if ran := runDue(t, sc, evening); len(ran) != 1 {
			t.Fatalf("the evening run did not happen: %v", ran)
		}
		j = harvestJob(t, s, "arxiv-oai cs")
		// The second window starts where the first ended: 2025-06-03..06-04 (UTC).
		if j.ResumeFrom != "2025-06-04" || !j.NextRunAt.Equal(time.Date(2025, 6, 5, 1, 30, 0, 0, time.UTC)) {
			t.Errorf("after the evening run: %+v", j)
		}
		if _, err := s.HarvestCheckpoint(context.Background(), JobKey(ListRequest{MetadataPrefix: PrefixArXivRaw, Set: "cs", From: "2025-06-03", Until: "2025-06-04"})); err != nil {
			t.Errorf("second window: %v", err)
		}
		if n := len(allPapers(t, s)); n <= first {
			t.Errorf("%d papers after the evening run, %d before", n, first)
		}
		runs, err := s.HarvestRuns(context.Background(), 10)
		if err != nil || len(runs) != 2 || runs[0].Status != "ok" || runs[1].Status != "ok" {
			t.Errorf("runs: %+v, %v", runs, err)
		}
	})
}

func TestFailingJobBacksOffAndRecordsTheError(t *testing.T) {
	feed := newFeedServer(t, harvesttest.Generate(20, day0, 1))
	feed.failing.Store(true)
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		f := testFetcher()
		f.Retries = -1
		job := FeedJob(&FeedClient{BaseURL: feed.URL, Fetcher: f}, []string{"cs.AI"}, DefaultFeedSchedule())
		sc := &Scheduler{Store: s, Harvester: &Harvester{Store: s}, Jobs: []Job{job}, Owner: "a",
			MinBackoff: 5 * time.Minute, MaxBackoff: 15 * time.Minute}
		t0 := time.Date(2025, 6, 3, 10, 0, 0, 0, time.UTC)
		steps := []struct {
			at       time.Duration // after t0
			failures int
			next     time.Duration // after t0
		}{
			{0, 1, 5 * time.Minute},
			{5 * time.Minute, 2, 15 * time.Minute},  // 5 + 10
			{15 * time.Minute, 3, 30 * time.Minute}, // 15 + 15, the bound
			{30 * time.Minute, 4, 45 * time.Minute},
			{45 * time.Minute, 5, 60 * time.Minute}, // the hourly run comes first
		}
		for _, st := range steps {
			if st.at > 0 {
				if ran := runDue(t, sc, t0.Add(st.at-time.Second)); len(ran) != 0 {
					t.Fatalf("at %s: ran before the backoff ended", st.at-time.Second)
				}
			}
			if ran := runDue(t, sc, t0.Add(st.at)); len(ran) != 1 {
				t.Fatalf("at %s: did not run", st.at)
			}
			j := harvestJob(t, s, job.Name)
			if j.LastStatus != "failed" || !strings.Contains(j.LastError, "500") || j.Failures != st.failures ||
				!j.NextRunAt.Equal(t0.Add(st.next)) || !j.LastSuccessAt.IsZero() {
				t.Fatalf("at %s: %+v, want %d failures, next at +%s", st.at, j, st.failures, st.next)
			}
		}
		runs, err := s.HarvestRuns(context.Background(), 10)
		if err != nil || len(runs) != len(steps) || runs[0].Status != "failed" || !strings.Contains(runs[0].Error, "500") {
			t.Errorf("runs: %+v, %v", runs, err)
		}

		feed.failing.Store(false)
		defer feed.failing.Store(true)
		at := t0.Add(time.Hour)
		if ran := runDue(t, sc, at); len(ran) != 1 {
			t.Fatal("the recovered source was not read")
		}
		j := harvestJob(t, s, job.Name)
		if j.LastStatus != "ok" || j.LastError != "" || j.Failures != 0 || !j.NextRunAt.Equal(at.Add(time.Hour)) ||
			!j.LastSuccessAt.Equal(at) || j.LastRecords == 0 {
			t.Errorf("after recovery: %+v", j)
		}
	})
}

// TestReplicasRunEachJobOnce starts two schedulers on two connections to
// one database, as two replicas, and has them look for due jobs at the
// same instant: each job runs once.
func TestReplicasRunEachJobOnce(t *testing.T) {
	recs := harvesttest.Generate(400, day0, 5)
	oai := harvesttest.NewOAIServer(t, recs)
	oai.PageSize = 100
	// Hugging Face lists other papers than OAI-PMH serves: UpsertCommunity
	// racing UpsertPapers over a new paper can fail on PostgreSQL (a job
	// failure the backoff retries, but not what this test is about).
	hfRecs := slices.Clone(recs)
	for i := range hfRecs {
		hfRecs[i].ID = fmt.Sprintf("2506.%05d", 50000+i)
	}
	hf := harvesttest.NewHFServer(t, hfRecs)
	feed := newFeedServer(t, recs[:50])
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			url := storetest.MigratedURL(t, d)
			var scheds []*Scheduler
			var stores []*store.Store
			for i := range 2 {
				s, err := store.Open(context.Background(), url, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if _, err := s.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				jobs := []Job{
					OAIJob(&OAIClient{BaseURL: oai.URL, Fetcher: testFetcher()}, "cs", "", DefaultOAISchedule()),
					FeedJob(&FeedClient{BaseURL: feed.URL, Fetcher: testFetcher()}, []string{"cs.AI", "cs.CL"}, DefaultFeedSchedule()),
					HFJob(&HFClient{BaseURL: hf.URL, Fetcher: testFetcher()}, DefaultHFSchedule()),
				}
				stores = append(stores, s)
				scheds = append(scheds, &Scheduler{Store: s, Harvester: &Harvester{Store: s}, Jobs: jobs,
					Owner: fmt.Sprintf("replica-%d", i), Jitter: 10 * time.Minute})
			}
			t0 := time.Date(2025, 6, 3, 12, 0, 0, 0, time.UTC)
			rounds := []time.Time{t0, t0.Add(48 * time.Hour), t0.Add(96 * time.Hour)} // every job is due at each
			for _, now := range rounds {
				var wg sync.WaitGroup
				var mu sync.Mutex
				count := map[string]int{}
				startLine := make(chan struct{})
				for _, sc := range scheds {
					wg.Go(func() {
						<-startLine
						ran, err := sc.RunDue(context.Background(), now)
						if err != nil {
							t.Error(err)
						}
						mu.Lock()
						defer mu.Unlock()
						for _, name := range ran {
							count[name]++
						}
					})
				}
				close(startLine)
				wg.Wait()
				want := map[string]int{"arxiv-oai cs": 1, "arxiv-feed cs.AI,cs.CL": 1, "hf-daily": 1}
				if fmt.Sprint(count) != fmt.Sprint(want) {
					t.Errorf("at %s, runs by job: %v, want %v", now, count, want)
				}
				for _, j := range mustJobs(t, stores[1]) {
					if j.LastStatus != "ok" || j.ClaimedBy != "" || !j.NextRunAt.After(now) || j.NextRunAt.After(now.Add(49*time.Hour)) {
						t.Errorf("at %s: %+v", now, j)
					}
				}
			}
			runs, err := stores[0].HarvestRuns(context.Background(), 100)
			if err != nil {
				t.Fatal(err)
			}
			bySource := map[string]int{}
			for _, r := range runs {
				bySource[r.Source]++
			}
			// Hugging Face: two days a run.
			if want := map[string]int{SourceOAI: 3, SourceFeed: 3, SourceHF: 6}; fmt.Sprint(bySource) != fmt.Sprint(want) {
				t.Errorf("recorded runs by source: %v, want %v", bySource, want)
			}
		})
	}
}

func mustJobs(t *testing.T, s *store.Store) []store.HarvestJob {
	t.Helper()
	jobs, err := s.HarvestJobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func TestJobWaitsForAnotherReplicasLease(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var runs atomic.Int64
		job := Job{Name: "count", Schedule: Every(time.Hour), Run: func(context.Context, *Harvester, store.HarvestJob, time.Time) (JobRun, error) {
			runs.Add(1)
			return JobRun{Records: 1}, nil
		}}
		t0 := time.Date(2025, 6, 3, 12, 0, 0, 0, time.UTC)
		if err := s.AddHarvestJob(ctx, "count", t0); err != nil {
			t.Fatal(err)
		}
		// Another replica claimed the job and died.
		if _, ok, err := s.ClaimHarvestJob(ctx, "count", "dead", t0, 10*time.Minute); !ok || err != nil {
			t.Fatalf("claim: %v %v", ok, err)
		}
		sc := &Scheduler{Store: s, Harvester: &Harvester{Store: s}, Jobs: []Job{job}, Owner: "alive", Lease: 10 * time.Minute}
		if ran := runDue(t, sc, t0.Add(9*time.Minute)); len(ran) != 0 || runs.Load() != 0 {
			t.Fatalf("ran %v under another replica's lease", ran)
		}
		if ran := runDue(t, sc, t0.Add(11*time.Minute)); len(ran) != 1 || runs.Load() != 1 {
			t.Fatalf("the expired lease was not taken over: ran %v", ran)
		}
		err := s.FinishHarvestJob(ctx, "count", "dead", store.HarvestJobOutcome{NextRunAt: t0, FinishedAt: t0})
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("the dead replica finishing: %v, want ErrLeaseLost", err)
		}
		if j := harvestJob(t, s, "count"); j.LastStatus != "ok" || !j.NextRunAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("job: %+v", j)
		}
	})
}

func TestShutdownLeavesTheJobDue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		started := make(chan struct{})
		job := Job{Name: "slow", Schedule: Every(time.Hour), Run: func(ctx context.Context, _ *Harvester, last store.HarvestJob, _ time.Time) (JobRun, error) {
			close(started)
			<-ctx.Done()
			return JobRun{ResumeFrom: last.ResumeFrom}, ctx.Err()
		}}
		t0 := time.Date(2025, 6, 3, 12, 0, 0, 0, time.UTC)
		sc := &Scheduler{Store: s, Harvester: &Harvester{Store: s}, Jobs: []Job{job}, Now: func() time.Time { return t0 }}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			sc.Run(ctx)
			close(done)
		}()
		<-started
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return")
		}
		j := harvestJob(t, s, "slow")
		if j.ClaimedBy != "" || !j.NextRunAt.Equal(t0) || j.Failures != 0 || !strings.Contains(j.LastError, "shutdown") {
			t.Errorf("interrupted job: %+v", j)
		}
	})
}

func TestPanickingJobIsRecordedAsFailed(t *testing.T) {
	s := storetest.Open(t, store.SQLite, store.Options{})
	job := Job{Name: "boom", Schedule: Every(time.Hour), Run: func(context.Context, *Harvester, store.HarvestJob, time.Time) (JobRun, error) {
		panic("boom")
	}}
	sc := &Scheduler{Store: s, Harvester: &Harvester{Store: s}, Jobs: []Job{job}}
	t0 := time.Date(2025, 6, 3, 12, 0, 0, 0, time.UTC)
	runDue(t, sc, t0)
	if j := harvestJob(t, s, "boom"); j.LastStatus != "failed" || !strings.Contains(j.LastError, "panicked: boom") || j.Failures != 1 {
		t.Errorf("job: %+v", j)
	}
}
