package lexical

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"
)

// TestScaleFigures builds an index over a synthetic corpus generated from
// the real one and reports build time, size, memory and latencies:
//
//	PAPERBOY_BENCH_SCALE=3000000 go test -run TestScaleFigures -v -timeout 2h ./internal/search/lexical/
func TestScaleFigures(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PAPERBOY_BENCH_SCALE"))
	if n <= 0 {
		t.Skip("set PAPERBOY_BENCH_SCALE=<docs> to measure on a synthetic corpus")
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(10 << 30)
	}
	sample := loadCorpus(t)
	qs := loadQueries(t)
	start := time.Now()
	b := NewBuilder()
	err := generate(1, sample, n, b.Add)
	if err != nil {
		t.Fatal(err)
	}
	sample = nil
	t.Logf("generated+analysed %d docs in %v", n, time.Since(start).Round(time.Second))
	ix := b.Finish()
	build := time.Since(start)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("built: docs=%d build(incl. generation)=%v heapInuse=%s sys=%s", ix.Len(), build.Round(time.Second), mib(ms.HeapInuse), mib(ms.Sys))
	dir := os.Getenv("PAPERBOY_BENCH_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "scale-idx")
	start = time.Now()
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	save := time.Since(start)
	ix = nil
	runtime.GC()
	start = time.Now()
	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	open := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("save=%v open=%v size=%s heapInuse(after open)=%s sys=%s", save.Round(time.Millisecond), open.Round(time.Millisecond), mib(uint64(dirSize(dir))), mib(ms.HeapInuse), mib(ms.Sys))
	mix := queryMix(qs)
	mismatches := 0
	for _, k := range []string{"words2", "sentence"} {
		for _, q := range mix[k][:30] {
			pq, _ := Parse(q)
			a, _ := ix.SearchQuery(context.Background(), pq, Request{Limit: 10})
			e, _ := ix.run(context.Background(), pq, Request{Limit: 10}, true)
			if !sameHits(a.Hits, e.Hits) {
				mismatches++
				t.Errorf("pruned != exhaustive for %q", q)
			}
		}
	}
	reportLatencies(t, ix, mix)
}

// BenchmarkSearchSaved runs the query mix against an index saved by
// TestScaleFigures (PAPERBOY_BENCH_DIR=/some/dir), for profiling at scale.
func BenchmarkSearchSaved(b *testing.B) {
	dir := os.Getenv("PAPERBOY_BENCH_DIR")
	if dir == "" {
		b.Skip("set PAPERBOY_BENCH_DIR to a directory holding scale-idx")
	}
	ix, err := Open(filepath.Join(dir, "scale-idx"))
	if err != nil {
		b.Skip(err)
	}
	mix := queryMix(loadQueries(b))
	for _, k := range []string{"words1", "words3", "words6", "sentence"} {
		qs := mix[k]
		b.Run(k, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := ix.Search(context.Background(), Request{Query: qs[i%len(qs)], Limit: 10}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// TestSavedIndexFigures reports open time, memory, pruning work and
// latencies on an index saved by TestScaleFigures:
//
//	PAPERBOY_BENCH_DIR=/tmp/pb go test -run TestSavedIndexFigures -v ./internal/search/lexical/
func TestSavedIndexFigures(t *testing.T) {
	dir := os.Getenv("PAPERBOY_BENCH_DIR")
	if dir == "" {
		t.Skip("set PAPERBOY_BENCH_DIR to a directory holding scale-idx")
	}
	start := time.Now()
	ix, err := Open(filepath.Join(dir, "scale-idx"))
	if err != nil {
		t.Skip(err)
	}
	if b, err := strconv.ParseFloat(os.Getenv("PAPERBOY_BENCH_BUDGET"), 64); err == nil {
		ix.SetWorkBudget(b)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("docs=%d open=%v heapInuse=%s sys=%s", ix.Len(), time.Since(start).Round(time.Millisecond), mib(ms.HeapInuse), mib(ms.Sys))
	mix := queryMix(loadQueries(t))
	for _, k := range []string{"words1", "words3", "words6", "sentence"} {
		var sum execStats
		terms := 0
		for _, q := range mix[k] {
			pq, _ := Parse(q)
			terms += len(pq.Terms)
			_, st, _ := ix.runStats(context.Background(), pq, Request{Limit: 10}, false)
			sum.windows += st.windows
			sum.skipped += st.skipped
			sum.postings += st.postings
			sum.candidates += st.candidates
			sum.probes += st.probes
		}
		n := len(mix[k])
		t.Logf("%-8s terms=%.1f windows=%d skipped=%d postings=%d candidates=%d probes=%d", k, float64(terms)/float64(n),
			sum.windows/n, sum.skipped/n, sum.postings/n, sum.candidates/n, sum.probes/n)
	}
	if os.Getenv("PAPERBOY_BENCH_WORK_ONLY") == "" {
		reportLatencies(t, ix, mix)
	}
	if os.Getenv("PAPERBOY_BENCH_UPDATES") != "" {
		// Incremental updates on the big index: replace 100 papers a batch.
		var batch []Document
		sample := []Document{{ID: "x", Title: "Incremental update of a paper", Abstract: "Some words about updates."}}
		_ = generate(9, sample, 100, func(d Document) error {
			d.ID = fmt.Sprintf("synth/%08d", len(batch)*7)
			batch = append(batch, d)
			return nil
		})
		start := time.Now()
		for range 10 {
			if err := ix.Add(batch...); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("10 batches of 100 replacements: %v a batch, %d segments", time.Since(start)/10, ix.Segments())
		start = time.Now()
		ix.Compact()
		t.Logf("compact: %v, docs=%d", time.Since(start).Round(time.Millisecond), ix.Len())
	}
}
