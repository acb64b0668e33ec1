package semantic

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/vector"
)

// TestRealVectorRecall measures the vector index that `paperboy embed
// train` built for the real papers: recall@10 of its approximate search
// against exact search, and the latency of both, for the known-item
// queries embedded by the model.
//
//	PAPERBOY_BENCH_EMBED=<data-dir>/embed PAPERBOY_DATA=../shared/data go test -run TestRealVectorRecall -v ./internal/search/semantic/
func TestRealVectorRecall(t *testing.T) {
	dir, data := os.Getenv("PAPERBOY_BENCH_EMBED"), os.Getenv("PAPERBOY_DATA")
	if dir == "" || data == "" {
		t.Skip("set PAPERBOY_BENCH_EMBED and PAPERBOY_DATA to measure the real vector index")
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(data, "eval", "known-item-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var queries [][]float32
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var item struct{ Query, QueryMasked string }
		if err := json.Unmarshal(sc.Bytes(), &item); err != nil {
			t.Fatal(err)
		}
		queries = append(queries, ix.Model.EmbedText(item.Query))
	}
	// Exact search first, then the approximate searches in a pass of their
	// own: interleaved, each exact scan of every vector evicted the caches
	// and tripled the approximate p99.
	var exact []time.Duration
	var want [][]vector.Hit
	for _, q := range queries {
		start := time.Now()
		w, err := ix.Vectors.SearchExact(q, 10)
		exact = append(exact, time.Since(start))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, w)
	}
	pct := func(d []time.Duration, p float64) time.Duration {
		slices.Sort(d)
		return d[int(p*float64(len(d)-1))]
	}
	calibrated := ix.Vectors.Probes()
	var found, total int
	type setting struct {
		name                 string
		probes, scan, rerank int
	}
	// The last is what the acceptance below holds: the calibration alone.
	for _, c := range []setting{
		{"half the lists", calibrated / 2, -1, -1},
		{"default work budget", calibrated, 0, 0},
		{"unbounded", calibrated, -1, -1},
	} {
		ix.Vectors.SetProbes(c.probes)
		ix.Vectors.SetBudget(c.scan, c.rerank)
		found, total = 0, 0
		var approx []time.Duration
		cuts := 0
		for i, q := range queries {
			start := time.Now()
			got, cut, err := ix.Vectors.SearchBounded(q, 10)
			approx = append(approx, time.Since(start))
			if err != nil {
				t.Fatal(err)
			}
			if cut {
				cuts++
			}
			for _, w := range want[i] {
				total++
				if slices.ContainsFunc(got, func(h vector.Hit) bool { return h.ID == w.ID }) {
					found++
				}
			}
		}
		t.Logf("%s: %d vectors, %d of %d lists probed, %d best estimates re-ranked, %d queries (%d cut by the budget): recall@10 %.3f; approximate p50 %v p99 %v; exact p50 %v p99 %v",
			c.name, ix.Vectors.Len(), ix.Vectors.Probes(), ix.Vectors.Lists(), ix.Vectors.Rerank(), len(queries), cuts, float64(found)/float64(total),
			pct(approx, 0.5), pct(approx, 0.99), pct(exact, 0.5), pct(exact, 0.99))
	}
	if r := float64(found) / float64(total); r < 0.95 {
		t.Errorf("recall@10 %.3f, want at least 0.95", r)
	}
	// Hybrid search reads a hundred neighbours: recall@100 and time per
	// re-rank budget, calibrated lists.
	var want100 [][]vector.Hit
	for _, q := range queries {
		w, _ := ix.Vectors.SearchExact(q, 100)
		want100 = append(want100, w)
	}
	ix.Vectors.SetProbes(calibrated)
	for _, rerank := range []int{-1, 0, 2000, 1000, 500} {
		ix.Vectors.SetBudget(0, rerank)
		found, total := 0, 0
		var took []time.Duration
		for i, q := range queries {
			start := time.Now()
			got, _, _ := ix.Vectors.SearchBounded(q, 100)
			took = append(took, time.Since(start))
			for _, w := range want100[i] {
				total++
				if slices.ContainsFunc(got, func(h vector.Hit) bool { return h.ID == w.ID }) {
					found++
				}
			}
		}
		t.Logf("top 100, re-rank budget %d: recall@100 %.3f, p50 %v p99 %v", rerank, float64(found)/float64(total), pct(took, 0.5), pct(took, 0.99))
	}
}
