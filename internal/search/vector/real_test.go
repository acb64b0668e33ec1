package vector

import (
	"os"
	"slices"
	"testing"
	"time"
)

// TestRealCodes compares, on a saved index, the scan of the probed lists'
// float32 vectors with the scan of their codes and exact re-ranking, at
// half, once and twice the calibrated probe count, stored vectors as
// queries (each looking for the ten nearest others):
//
//	PAPERBOY_BENCH_VECTORS=<data-dir>/embed/vectors.bin go test -run TestRealCodes -v ./internal/vector/
func TestRealCodes(t *testing.T) {
	path := os.Getenv("PAPERBOY_BENCH_VECTORS")
	if path == "" {
		t.Skip("set PAPERBOY_BENCH_VECTORS")
	}
	ix, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var queries [][]float32
	n := 0
	for _, ls := range ix.lists {
		for i := range ls.ids {
			if n%200 == 7 {
				queries = append(queries, ls.vecs[i*ix.dim:(i+1)*ix.dim])
			}
			n++
		}
	}
	queries = queries[:min(len(queries), 400)]
	var want [][]Hit
	for _, q := range queries {
		h, _ := ix.SearchExact(q, 11)
		want = append(want, h[1:])
	}
	run := func(name string) {
		var lat []time.Duration
		found := 0
		for i, q := range queries {
			s := time.Now()
			got, _ := ix.Search(q, 11)
			lat = append(lat, time.Since(s))
			for _, w := range want[i] {
				if slices.ContainsFunc(got, func(h Hit) bool { return h.ID == w.ID }) {
					found++
				}
			}
		}
		slices.Sort(lat)
		t.Logf("%-28s probes %4d rerank %5d: recall@10 %.3f p50 %v p99 %v", name, ix.probe(), ix.rerankDepth(10), float64(found)/float64(10*len(queries)), lat[len(lat)/2], lat[len(lat)*99/100])
	}
	qz, calibrated := ix.qz, ix.probes
	for _, p := range []int{calibrated / 2, calibrated, calibrated * 2} {
		ix.opts.Probe = p
		ix.qz = nil
		run("float32")
		ix.qz = qz
		for _, r := range []int{0, 50, 100, 200, 400} {
			ix.opts.Rerank = r
			run("codes")
		}
		ix.opts.Rerank = 0
	}
}
