package digest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/foryou"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// synthPapers makes a period's worth of papers with realistic lengths.
func synthPapers(n int, day time.Time) []store.Paper {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"language", "model", "reasoning", "diffusion", "reward", "policy", "vision", "graph", "agent",
		"training", "scaling", "retrieval", "alignment", "benchmark", "robust", "efficient", "sparse", "attention"}
	cats := []string{"cs.CL", "cs.LG", "cs.CV", "cs.AI", "stat.ML", "cs.RO", "math.OC", "eess.AS"}
	text := func(k int) string {
		b := make([]byte, 0, k*9)
		for i := range k {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, words[r.IntN(len(words))]...)
		}
		return string(b)
	}
	papers := make([]store.Paper, n)
	for i := range papers {
		var authors []string
		for j := range 1 + r.IntN(8) {
			authors = append(authors, fmt.Sprintf("Author %d-%d", r.IntN(2000), j))
		}
		papers[i] = store.Paper{ID: fmt.Sprintf("2606.%05d", i), Title: "Paper: " + text(10), Abstract: text(180),
			Authors: authors, Categories: []string{cats[r.IntN(len(cats))], cats[r.IntN(len(cats))]}, ListedOn: day,
			Community: store.Community{Upvotes: r.IntN(200), DailyOn: day}}
	}
	return papers
}

func synthSubscriptions(n int, papers []store.Paper) []store.Subscription {
	r := rand.New(rand.NewPCG(3, 4))
	queries := []string{"reward model", `"language model"`, "diffusion policy", "sparse attention", "graph agent"}
	subs := make([]store.Subscription, n)
	for i := range subs {
		s := store.Subscription{ID: int64(i + 1), Email: fmt.Sprintf("reader%d@example.org", i), Cadence: "daily", Status: store.SubActive}
		switch k := r.IntN(10); {
		case k < 6: // trending only
		case k < 8:
			s.Filters.Categories = []string{papers[r.IntN(len(papers))].Categories[0], "math"}
		case k < 9:
			s.Filters.Authors = papers[r.IntN(len(papers))].Authors[:1]
		default:
			s.Filters.Queries = []string{queries[r.IntN(len(queries))]}
		}
		subs[i] = s
	}
	return subs
}

// BenchmarkCompose100k composes 100,000 personalised daily digests (links
// signed per subscriber, filters applied) from a pool of 3,000 papers:
// everything a run does but the database and SMTP. One iteration is the
// whole 100,000; run with
//
//	go test ./internal/digest -run '^$' -bench Compose100k -benchtime 1x -benchmem
func BenchmarkCompose100k(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	day := time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)
	papers := synthPapers(3000, day)
	subs := synthSubscriptions(n, papers)
	svc := &Service{From: "paperboy <digest@paperboy.test>", BaseURL: "https://paperboy.test"}
	key := make([]byte, 32)
	now := day.Add(23 * time.Hour)
	b.ReportAllocs()
	var bytes, peak uint64
	c0 := cpuTime()
	for b.Loop() {
		p := newPool("daily", day, papers, "https://paperboy.test")
		bytes = 0
		for start := 0; start < n; start += 500 {
			batch, _, err := svc.composeBatch(context.Background(), key, p, subs[start:min(start+500, n)], now)
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range batch {
				bytes += uint64(len(d.Text) + len(d.HTML))
			}
			if start%20_000 == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000*100_000/float64(n), "s/100k")
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N)*100_000/float64(n), "s-cpu/100k")
	b.ReportMetric(float64(bytes)/float64(n), "bytes/digest")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-heap")
}

// zipfPapers are synthPapers whose words come from a vocabulary of
// 30,000 with Zipf's frequencies, as real abstracts' do, so that a
// library shares some of a day's terms and not all of them.
func zipfPapers(n int, day time.Time, prefix string, seed uint64) []store.Paper {
	papers := synthPapers(n, day)
	r := rand.New(rand.NewPCG(seed, 11))
	z := rand.NewZipf(r, 1.1, 2, 29_999)
	text := func(k int) string {
		var b strings.Builder
		for i := range k {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "w%x", z.Uint64())
		}
		return b.String()
	}
	for i := range papers {
		papers[i].ID = fmt.Sprintf("%s.%05d", prefix, i)
		papers[i].Title, papers[i].Abstract = text(10), text(180)
	}
	return papers
}

// BenchmarkCompose100kWithLibraries is BenchmarkCompose100k with every
// subscriber's digest carrying recommendations from the "For you" model
// (internal/foryou over a real SQLite store), as the digest command
// wires it (foryou.Service.Digest, whose runs rank each batch of
// subscribers at once): 100,000 readers, each with a library of 8 papers
// drawn from 3,000 of an earlier week and a subscription, every one
// recommended from the day's 3,000 papers. Every digest trains its
// reader's model and reads the reader's library, follows and feedback
// from the store; what readers share is the library papers they have in
// common. (Until commit 1fb56ac it had 1,000 readers of 100
// subscriptions each, which says the same with no model cache, but not
// once library papers' kernels are kept: a reader's next digests found
// theirs.) It reports wall time and the process's CPU time (the
// machine is shared: wall time includes waiting for a core):
//
//	go test ./internal/digest -run '^$' -bench Compose100kWithLibraries -benchtime 1x
func BenchmarkCompose100kWithLibraries(b *testing.B) { benchmarkLibraries(b, 3000) }

// BenchmarkCompose100kWithRareLibraries is the same with libraries
// drawn from 30,000 earlier papers: with -short, 10,000 readers' 80,000
// library papers are 28,000 distinct ones, more than a day's kernel
// keeps (11,000 at 3,000 candidates), so many digests compute their
// library's rows themselves.
//
//	go test ./internal/digest -run '^$' -bench Compose100kWithRareLibraries -benchtime 1x -short
func BenchmarkCompose100kWithRareLibraries(b *testing.B) { benchmarkLibraries(b, 30_000) }

func benchmarkLibraries(b *testing.B, libraryPool int) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	ctx := context.Background()
	day := time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)
	now := day.Add(23 * time.Hour)
	st := storetest.Open(b, store.SQLite, store.Options{Now: func() time.Time { return now }})
	papers := zipfPapers(3000, day, "2606", 7)
	earlier := zipfPapers(libraryPool, day.AddDate(0, 0, -7), "2605", 8)
	for i := range earlier {
		earlier[i].Community.DailyOn = time.Time{}
	}
	for _, ps := range [][]store.Paper{papers, earlier} {
		if _, err := st.UpsertPapers(ctx, ps); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	readers := make([]int64, n)
	for i := range readers {
		u, err := st.CreateUser(ctx, store.User{Username: fmt.Sprintf("reader%d", i), Email: fmt.Sprintf("reader%d@example.org", i)})
		if err != nil {
			b.Fatal(err)
		}
		var lib []string
		for range 8 {
			lib = append(lib, earlier[r.IntN(len(earlier))].ID)
		}
		if _, err := st.SavePapers(ctx, u.ID, lib, 100); err != nil {
			b.Fatal(err)
		}
		readers[i] = u.ID
	}
	rec := &foryou.Service{Store: st, Now: func() time.Time { return now }, Models: 1}
	stats, err := rec.Refresh(ctx)
	if err != nil {
		b.Fatal(err)
	}
	subs := synthSubscriptions(n, papers)
	for i := range subs {
		subs[i].UserID = readers[i%len(readers)]
		subs[i].Filters.Recommended = true
	}
	svc := &Service{From: "paperboy <digest@paperboy.test>", BaseURL: "https://paperboy.test", Recommender: rec.Digest(nil)}
	key := make([]byte, 32)
	withRecs := 0
	c0 := cpuTime()
	for b.Loop() {
		p := newPool("daily", day, papers, "https://paperboy.test")
		withRecs = 0
		for start := 0; start < n; start += 500 {
			batch, _, err := svc.composeBatch(ctx, key, p, subs[start:min(start+500, n)], now)
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range batch {
				if strings.Contains(d.Text, foryou.LibraryHeading) {
					withRecs++
				}
			}
		}
	}
	cpu := cpuTime() - c0
	if withRecs != n {
		b.Fatalf("%d of %d digests have recommendations", withRecs, n)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000*100_000/float64(n), "s/100k")
	b.ReportMetric(cpu.Seconds()/float64(b.N)*100_000/float64(n), "s-cpu/100k")
	b.ReportMetric(stats.Took.Seconds(), "s-features")
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
