package foryou

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/receval"
	"github.com/paperboy-dev/paperboy/internal/store"
)

const sharedData = "../../../shared/data"

// BenchmarkRecommendRequest80k measures one recommendation request on the
// real corpus (74,728 papers of arxiv-cs, imported into SQLite with the
// real importer): one collection of an author's papers (the first 30 dev
// cases' profiles, a reader each), one month of candidates (March 2026,
// 6,083 papers), the first 50 with their reasons, through Recommend
// itself (store reads, the cached model, scoring, the papers read back).
// It reports the features' build (Refresh over a 90-day window and the
// libraries) and its heap, the first request of each reader (which
// trains), p50 / p95 of requests that score (the model cached, a period
// not asked for before: the month less 0 to 9 days) and p95 of a period
// asked for again (its ranking kept), and the CPU time a scoring request
// takes (the process's, over them all: the machine is shared, so wall
// times include waiting for a core).
//
//	go test ./internal/foryou -run '^$' -bench RecommendRequest80k -benchtime 1x
func BenchmarkRecommendRequest80k(b *testing.B) {
	path := filepath.Join(sharedData, receval.ArxivFile)
	if _, err := os.Stat(path); err != nil || testing.Short() {
		b.Skip("no corpus at", path)
	}
	ctx := context.Background()
	sc, err := receval.BuildScratch(ctx, path, b.TempDir(), false)
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	cases, err := receval.LoadCases(filepath.Join(sharedData, "eval/rec-authors-dev.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	st := sc.Store
	var readers []int64
	for i, c := range cases[:30] {
		u, err := st.CreateUser(ctx, store.User{Username: fmt.Sprintf("reader%d", i), Email: fmt.Sprintf("r%d@example.org", i)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.SavePapers(ctx, u.ID, c.Profile, 1000); err != nil {
			b.Fatal(err)
		}
		col, err := st.CreateCollection(ctx, store.Collection{UserID: u.ID, Slug: "mine", Name: "mine", Private: true}, 10)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.AddToCollection(ctx, col.ID, c.Profile, 1000); err != nil {
			b.Fatal(err)
		}
		readers = append(readers, u.ID)
	}
	sc.Papers = nil // the benchmark's own copy, not the service's
	now := time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC)
	svc := &Service{Store: st, Now: func() time.Time { return now }}
	heap := func() float64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapAlloc) / (1 << 20)
	}
	before := heap()
	stats, err := svc.Refresh(ctx)
	if err != nil {
		b.Fatal(err)
	}
	featuresMiB := heap() - before
	req := func(user int64, less int) time.Duration {
		start := time.Now()
		res, err := svc.Recommend(ctx, Request{UserID: user, Collection: "mine", Since: receval.MonthStart,
			Until: receval.MonthEnd.AddDate(0, 0, -less), Limit: 50})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Items) != 50 || len(res.Items[0].Reason.Like) == 0 {
			b.Fatalf("reader %d: %d items", user, len(res.Items))
		}
		return time.Since(start)
	}
	var first, scoring, again []time.Duration
	var cpu time.Duration
	for b.Loop() {
		first, scoring, again = first[:0], scoring[:0], again[:0]
		svc.models = nil // every reader trains once per iteration
		svc.lru.Init()
		for _, u := range readers {
			first = append(first, req(u, 0))
		}
		c0 := cpuTime()
		for less := 1; less <= 10; less++ {
			for _, u := range readers {
				scoring = append(scoring, req(u, less))
			}
		}
		cpu = (cpuTime() - c0) / time.Duration(len(scoring))
		for _, u := range readers {
			again = append(again, req(u, 3))
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(stats.Took.Seconds(), "s-build")
	b.ReportMetric(float64(stats.Papers), "papers-featured")
	b.ReportMetric(featuresMiB, "MiB-features")
	b.ReportMetric(ms(pct(first, 0.95)), "ms-p95-first")
	b.ReportMetric(ms(pct(scoring, 0.5)), "ms-p50")
	b.ReportMetric(ms(pct(scoring, 0.95)), "ms-p95")
	b.ReportMetric(ms(cpu), "ms-cpu/req")
	b.ReportMetric(ms(pct(again, 0.95)), "ms-p95-again")
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pct is the q-quantile of ds.
func pct(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}
