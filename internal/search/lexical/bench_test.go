package lexical

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	corpusPath  = "../../../../shared/data/arxiv-cs/arxiv-cs-2025-2026.kaggle.jsonl.gz"
	queriesPath = "../../../../shared/data/eval/known-item-dev.jsonl"
)

// loadKaggle reads arXiv metadata in the Kaggle snapshot layout.
func loadKaggle(tb testing.TB, path string) []Document {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var docs []Document
	for sc.Scan() {
		var r struct {
			ID, Title, Abstract, Authors, Categories string
			UpdateDate                               string `json:"update_date"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		d := Document{ID: r.ID, Title: r.Title, Abstract: r.Abstract, Categories: strings.Fields(r.Categories)}
		for _, a := range strings.Split(r.Authors, ",") {
			if a = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(a), "and ")); a != "" {
				d.Authors = append(d.Authors, a)
			}
		}
		d.Date, _ = time.Parse("2006-01-02", r.UpdateDate)
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return docs
}

const hfPath = "../../../../shared/data/hf-daily/hf-daily-papers-2024-2026.jsonl.gz"

// loadCorpus returns the arxiv-cs papers plus the Hugging Face daily papers
// not among them (about 80k), with upvotes from the latter.
func loadCorpus(tb testing.TB) []Document {
	tb.Helper()
	docs := loadKaggle(tb, corpusPath)
	byID := map[string]int{}
	for i, d := range docs {
		byID[d.ID] = i
	}
	f, err := os.Open(hfPath)
	if err != nil {
		return docs
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var r struct {
			Paper struct {
				ID, Title, Summary string
				PublishedAt        time.Time
				Upvotes            json.Number
				Authors            []struct{ Name string }
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		up, _ := r.Paper.Upvotes.Int64()
		if i, ok := byID[r.Paper.ID]; ok {
			docs[i].Upvotes = max(docs[i].Upvotes, int(up))
			continue
		}
		d := Document{ID: r.Paper.ID, Title: r.Paper.Title, Abstract: r.Paper.Summary, Date: r.Paper.PublishedAt, Upvotes: int(up)}
		for _, a := range r.Paper.Authors {
			d.Authors = append(d.Authors, a.Name)
		}
		byID[d.ID] = len(docs)
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return docs
}

type evalQuery struct {
	ID, Query string
	Masked    string `json:"query_masked"`
}

func loadQueries(tb testing.TB) []evalQuery {
	tb.Helper()
	b, err := os.ReadFile(queriesPath)
	if err != nil {
		tb.Skipf("queries not available: %v", err)
	}
	var out []evalQuery
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var q evalQuery
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			tb.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

// queryMix returns the benchmark query classes: the first 1..6 words of each
// eval query, and the full sentence (cut to MaxQueryLen).
func queryMix(qs []evalQuery) map[string][]string {
	m := map[string][]string{}
	for _, q := range qs {
		words := strings.Fields(q.Query)
		for n := 1; n <= 6 && n <= len(words); n++ {
			k := "words" + strconv.Itoa(n)
			m[k] = append(m[k], strings.Join(words[:n], " "))
		}
		m["sentence"] = append(m["sentence"], truncateQuery(q.Query))
	}
	return m
}

func truncateQuery(s string) string {
	if len(s) <= MaxQueryLen {
		return s
	}
	s = s[:MaxQueryLen]
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	return s
}

// latency holds per-query service times (from the moment a client starts a
// query) and the throughput of all clients together.
type latency struct {
	p50, p99, mean time.Duration
	qps            float64
}

func measure(ix *Index, queries []string, clients int) latency {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	next := make(chan string)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for q := range next {
				t := time.Now()
				if _, err := ix.Search(context.Background(), Request{Query: q, Limit: 10}); err != nil {
					panic(err)
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		}()
	}
	start := time.Now()
	for _, q := range queries {
		next <- q
	}
	close(next)
	wg.Wait()
	wall := time.Since(start)
	slices.Sort(all)
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	return latency{
		p50:  all[len(all)/2],
		p99:  all[min(len(all)-1, len(all)*99/100)],
		mean: sum / time.Duration(len(all)),
		qps:  float64(len(all)) / wall.Seconds(),
	}
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func mib(n uint64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// reportLatencies runs the query mix single-threaded and with 8 clients.
func reportLatencies(t *testing.T, ix *Index, mix map[string][]string) {
	keys := []string{"words1", "words2", "words3", "words4", "words5", "words6", "sentence"}
	for _, clients := range []int{1, 8} {
		var short []string
		for _, k := range keys {
			qs := mix[k]
			if k != "sentence" {
				short = append(short, qs...)
			}
			l := measure(ix, qs, clients)
			t.Logf("clients=%d %-8s n=%d p50=%v p99=%v mean=%v qps=%.0f", clients, k, len(qs), l.p50, l.p99, l.mean, l.qps)
		}
		l := measure(ix, short, clients)
		t.Logf("clients=%d %-8s n=%d p50=%v p99=%v mean=%v qps=%.0f", clients, "1-6words", len(short), l.p50, l.p99, l.mean, l.qps)
	}
}

// TestRealCorpusFigures builds the index over the real arXiv cs corpus and
// reports build time, size and latency percentiles. Run with
//
//	PAPERBOY_BENCH=1 go test -run TestRealCorpusFigures -v ./internal/search/lexical/
func TestRealCorpusFigures(t *testing.T) {
	if os.Getenv("PAPERBOY_BENCH") == "" {
		t.Skip("set PAPERBOY_BENCH=1 to measure on the real corpus")
	}
	docs := loadCorpus(t)
	qs := loadQueries(t)
	start := time.Now()
	b := NewBuilder()
	for _, d := range docs {
		if err := b.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	ix := b.Finish()
	build := time.Since(start)
	dir := filepath.Join(t.TempDir(), "idx")
	start = time.Now()
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	save := time.Since(start)
	start = time.Now()
	ix2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	open := time.Since(start)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("docs=%d build=%v save=%v open=%v size=%s heapInuse=%s sys=%s",
		ix2.Len(), build.Round(time.Millisecond), save.Round(time.Millisecond), open.Round(time.Millisecond),
		mib(uint64(dirSize(dir))), mib(ms.HeapInuse), mib(ms.Sys))
	ix = ix2

	// Known-item effectiveness: MRR@10 of the full sentence query.
	for _, field := range []string{"query", "query_masked"} {
		var rr float64
		found := 0
		for _, q := range qs {
			text := q.Query
			if field == "query_masked" {
				text = q.Masked
			}
			res, err := ix.Search(context.Background(), Request{Query: truncateQuery(text), Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			for i, h := range res.Hits {
				if h.ID == q.ID {
					rr += 1 / float64(i+1)
					found++
					break
				}
			}
		}
		t.Logf("known-item %s: MRR@10=%.3f found@10=%d/%d ", field, rr/float64(len(qs)), found, len(qs))
	}
	// Pruned and exhaustive evaluation must agree on real queries too.
	mix := queryMix(qs)
	mismatches := 0
	for _, k := range []string{"words1", "words3", "sentence"} {
		for _, q := range mix[k][:100] {
			pq, _ := Parse(q)
			a, _ := ix.SearchQuery(context.Background(), pq, Request{Limit: 10})
			e, _ := ix.run(context.Background(), pq, Request{Limit: 10}, true)
			if !sameHits(a.Hits, e.Hits) {
				mismatches++
				if mismatches < 5 {
					t.Errorf("pruned != exhaustive for %q:\n%v\n%v", q, a.Hits, e.Hits)
				}
			}
		}
	}
	reportLatencies(t, ix, mix)
}

func sameHits(a, b []Hit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Score != b[i].Score {
			return false
		}
	}
	return true
}

var benchIndex struct {
	once sync.Once
	ix   *Index
	mix  map[string][]string
}

// BenchmarkSearch measures single-query latency on the real corpus, per
// query class (first N words of the eval queries, or the full sentence).
func BenchmarkSearch(b *testing.B) {
	if _, err := os.Stat(corpusPath); err != nil {
		b.Skip("corpus not available")
	}
	benchIndex.once.Do(func() {
		docs := loadCorpus(b)
		bl := NewBuilder()
		for _, d := range docs {
			if err := bl.Add(d); err != nil {
				b.Fatal(err)
			}
		}
		benchIndex.ix = bl.Finish()
		benchIndex.mix = queryMix(loadQueries(b))
	})
	for _, k := range []string{"words1", "words2", "words3", "words6", "sentence"} {
		qs := benchIndex.mix[k]
		b.Run(k, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := benchIndex.ix.Search(context.Background(), Request{Query: qs[i%len(qs)], Limit: 10}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
