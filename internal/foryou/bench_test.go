package foryou

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/receval"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/synth"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
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
// not asked for before: the month less 0 to 9 days) and p95 of the period
// asked for last, again (its ranking kept), and the CPU time a scoring request
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
	measureRequests(b, st, readers, time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC), receval.MonthStart, receval.MonthEnd)
}

// measureRequests builds the features as of now, then asks for each
// reader's collection "mine" ranked over [since, until) and reports the
// figures BenchmarkRecommendRequest80k describes.
func measureRequests(b *testing.B, st *store.Store, readers []int64, now, since, until time.Time) {
	ctx := context.Background()
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
	candidates := len(svc.feats.Load().window(since, until))
	req := func(user int64, less int) time.Duration {
		start := time.Now()
		res, err := svc.Recommend(ctx, Request{UserID: user, Collection: "mine", Since: since,
			Until: until.AddDate(0, 0, -less), Limit: 50})
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
			again = append(again, req(u, 10)) // the period each reader asked for last
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(stats.Took.Seconds(), "s-build")
	b.ReportMetric(float64(stats.Papers), "papers-featured")
	b.ReportMetric(float64(candidates), "candidates")
	b.ReportMetric(featuresMiB, "MiB-features")
	b.ReportMetric(ms(pct(first, 0.95)), "ms-p95-first")
	b.ReportMetric(ms(pct(scoring, 0.5)), "ms-p50")
	b.ReportMetric(ms(pct(scoring, 0.95)), "ms-p95")
	b.ReportMetric(ms(cpu), "ms-cpu/req")
	b.ReportMetric(ms(pct(again, 0.95)), "ms-p95-again")
}

// BenchmarkRecommendRequest3MScale is the request at a 3-million-paper
// corpus's rate of arrivals: the server's features cover the window (90
// days) and the libraries whatever the corpus's size, so what grows is
// the window: 75,000 synthetic papers (internal/search/synth, learned
// from 5,000 real ones) over 90 days, a month of them, 25,000, the
// candidates; 30 readers with a collection of 20 of them.
//
//	go test ./internal/foryou -run '^$' -bench RecommendRequest3MScale -benchtime 1x
func BenchmarkRecommendRequest3MScale(b *testing.B) {
	path := filepath.Join(sharedData, receval.ArxivFile)
	if _, err := os.Stat(path); err != nil || testing.Short() {
		b.Skip("no corpus at", path)
	}
	ctx := context.Background()
	sample, err := readSample(path, 5000)
	if err != nil {
		b.Fatal(err)
	}
	end := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	const n = 75_000
	st := storetest.Open(b, store.SQLite, store.Options{})
	var batch []store.Paper
	i := 0
	err = synth.Generate(synth.Options{Seed: 1, Topical: 0.5}, sample, n, func(d lexical.Document) error {
		batch = append(batch, store.Paper{ID: fmt.Sprintf("2612.%05d", i), Version: 1, Title: d.Title, Abstract: d.Abstract,
			Authors: d.Authors, Categories: d.Categories, ListedOn: end.AddDate(0, 0, -(i % 90))})
		i++
		if len(batch) == 5000 {
			_, err := st.UpsertPapers(ctx, batch)
			batch = batch[:0]
			return err
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var readers []int64
	for k := range 30 {
		u, err := st.CreateUser(ctx, store.User{Username: fmt.Sprintf("reader%d", k), Email: fmt.Sprintf("r%d@example.org", k)})
		if err != nil {
			b.Fatal(err)
		}
		var lib []string
		for range 20 {
			lib = append(lib, fmt.Sprintf("2612.%05d", r.IntN(n)))
		}
		col, err := st.CreateCollection(ctx, store.Collection{UserID: u.ID, Slug: "mine", Name: "mine", Private: true}, 10)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.AddToCollection(ctx, col.ID, lib, 1000); err != nil {
			b.Fatal(err)
		}
		readers = append(readers, u.ID)
	}
	measureRequests(b, st, readers, end.Add(18*time.Hour), end.AddDate(0, 0, -29), end.AddDate(0, 0, 1))
}

// readSample reads the first n papers of the Kaggle JSON lines at path as
// search documents, what synth learns from.
func readSample(path string, n int) ([]lexical.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out []lexical.Document
	for len(out) < n && sc.Scan() {
		var rec struct {
			ID, Title, Abstract, Authors, Categories string
			UpdateDate                               string `json:"update_date"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, err
		}
		day, _ := time.Parse(time.DateOnly, rec.UpdateDate)
		out = append(out, lexical.Document{ID: rec.ID, Title: rec.Title, Abstract: rec.Abstract,
			Authors: strings.Split(rec.Authors, ", "), Categories: strings.Fields(rec.Categories), Date: day})
	}
	return out, sc.Err()
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
