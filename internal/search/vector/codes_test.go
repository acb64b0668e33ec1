package vector

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func BenchmarkEstimate(b *testing.B) {
	const n, dim = 4096, 256
	qz := newQuantizer(dim, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	codes := make([]byte, n*qz.codeBytes())
	for i := range codes {
		codes[i] = byte(rng.UintN(256))
	}
	ws := make([]float32, n)
	for i := range ws {
		ws[i] = rng.Float32()
	}
	q := make([]float32, dim)
	for i := range q {
		q[i] = float32(rng.NormFloat64())
	}
	lut := make([][256]float32, qz.codeBytes())
	qz.table(q, lut, make([]float32, qz.bits))
	out := make([]float32, scoreBlock)
	b.ResetTimer()
	for range b.N {
		for start := 0; start < n; start += scoreBlock {
			estimate(lut, codes[start*32:(start+scoreBlock)*32], ws[start:start+scoreBlock], 0.1, out)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/vector")
}

// TestCodesEstimateInnerProducts: the estimate from a residual's code
// follows the true inner product closely, whether P is a rotation (256
// dims), an isometry into more bits (20 dims) or a projection onto fewer
// (300 dims), and is unbiased enough that the best estimates hold the best
// vectors.
func TestCodesEstimateInnerProducts(t *testing.T) {
	for _, dim := range []int{20, 256, 300} {
		qz := newQuantizer(dim, 7)
		rng := rand.New(rand.NewPCG(uint64(dim), 3))
		unit := func() []float32 {
			v := make([]float32, dim)
			var n float32
			for i := range v {
				v[i] = float32(rng.NormFloat64())
				n += v[i] * v[i]
			}
			for i := range v {
				v[i] /= float32(math.Sqrt(float64(n)))
			}
			return v
		}
		c := unit()
		q := unit()
		const n = 2000
		codes := make([]byte, n*qz.codeBytes())
		ws := make([]float32, n)
		truth := make([]float64, n)
		tmp, res := make([]float32, qz.bits), make([]float32, dim)
		for i := range n {
			x := unit()
			// Mix in the query so that some vectors are near it.
			a := float32(i%10) / 10
			for j := range x {
				x[j] = (1-a)*x[j] + a*q[j]
			}
			ws[i] = qz.encode(x, c, codes[i*qz.codeBytes():(i+1)*qz.codeBytes()], tmp, res)
			for j := range x {
				truth[i] += float64(q[j] * x[j])
			}
		}
		lut := make([][256]float32, qz.codeBytes())
		qz.table(q, lut, tmp)
		var qc float32
		for j := range q {
			qc += q[j] * c[j]
		}
		est := make([]float32, n)
		estimate(lut, codes, ws, qc, est)
		var se, sx, sy, sxx, syy, sxy float64
		for i := range n {
			x, y := truth[i], float64(est[i])
			se += (x - y) * (x - y)
			sx, sy, sxx, syy, sxy = sx+x, sy+y, sxx+x*x, syy+y*y, sxy+x*y
		}
		corr := (n*sxy - sx*sy) / math.Sqrt((n*sxx-sx*sx)*(n*syy-sy*sy))
		rmse := math.Sqrt(se / n)
		t.Logf("dim %d, %d bits: correlation %.3f, rmse %.3f", dim, qz.bits, corr, rmse)
		if corr < 0.95 || rmse > 0.12 {
			t.Errorf("dim %d: estimates correlate %.3f with the truth, rmse %.3f", dim, corr, rmse)
		}
	}
}

// TestCodesFollowAddAndDelete: after vectors are deleted (moving others
// within their lists) and added to a trained index, every stored code and
// weight is the encoding of its own vector.
func TestCodesFollowAddAndDelete(t *testing.T) {
	ids, vecs := clustered(3000, 32, 30, 0.5, 5)
	ix := build(t, ids[:2500], vecs[:2500], Options{Seed: 2})
	if err := ix.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2500; i += 3 {
		ix.Delete(ids[i])
	}
	for i := 2500; i < 3000; i++ {
		ix.Add(ids[i], vecs[i])
	}
	nb := ix.qz.codeBytes()
	code := make([]byte, nb)
	tmp, res := make([]float32, ix.qz.bits), make([]float32, ix.dim)
	for l, ls := range ix.lists {
		if len(ls.codes) != len(ls.ids)*nb || len(ls.ws) != len(ls.ids) {
			t.Fatalf("list %d: %d ids, %d code bytes, %d weights", l, len(ls.ids), len(ls.codes), len(ls.ws))
		}
		for i := range ls.ids {
			w := ix.qz.encode(ls.vecs[i*ix.dim:(i+1)*ix.dim], ix.centroids[l*ix.dim:(l+1)*ix.dim], code, tmp, res)
			if !bytes.Equal(code, ls.codes[i*nb:(i+1)*nb]) || w != ls.ws[i] {
				t.Fatalf("list %d: %s's code is not its vector's", l, ls.ids[i])
			}
		}
	}
	// Scanning every list and re-ranking every vector is exact search.
	ix.opts.Probe, ix.opts.Rerank = len(ix.lists), 3000
	if r := recall(t, ix, vecs[:50], 10); r != 1 {
		t.Errorf("full scan, full re-rank: recall %.3f, want 1", r)
	}
}

// TestCandidatesKeepTheBestEstimates: however many estimates arrive and
// however deep the re-rank, the candidates kept are the k best (ties
// included in any order), as sorting all of them would find.
func TestCandidatesKeepTheBestEstimates(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for _, tc := range []struct{ n, k int }{{10, 20}, {1000, 1}, {1000, 20}, {50_000, 900}, {50_000, 30_000}} {
		cs := candidates{k: tc.k, min: float32(math.Inf(-1))}
		var all []float32
		for i := range tc.n {
			e := float32(rng.IntN(5000)) / 100 // ties on purpose
			all = append(all, e)
			if e > cs.min {
				cs.add(candidate{e, 0, int32(i)})
			}
		}
		got := cs.best()
		slices.Sort(all)
		slices.Reverse(all)
		want := all[:min(tc.k, len(all))]
		var ests []float32
		for _, c := range got {
			ests = append(ests, c.est)
		}
		slices.Sort(ests)
		slices.Reverse(ests)
		if !slices.Equal(ests, want) {
			t.Errorf("n %d, k %d: kept %d estimates, not the best %d", tc.n, tc.k, len(ests), len(want))
		}
	}
}
