package recommend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// benchFeatures are features of the real corpus's shape without reading
// it: 80,000 papers, 250 tf-idf terms each of 2 million (1- to 3-grams),
// 256-dimension unit embeddings.
func benchFeatures(b *testing.B, opts Options) *Features {
	b.Helper()
	return synthFeatures(80_000, opts)
}

// synthFeatures are n papers of benchFeatures' shape, ids "2603.<k>":
// column c of 2 million drawn as 2M·u³, so low columns are common terms
// shared by many papers and high ones rare.
func synthFeatures(n int, opts Options) *Features {
	const nnz, cols, dim = 250, 2_000_000, 256
	rng := rand.New(rand.NewPCG(1, 2))
	f := &Features{ids: make([]string, n), index: make(map[string]int, n), dim: dim, opts: opts,
		x: &Matrix{Cols: cols, Ptr: make([]int64, 1, n+1)}, emb: make([]float32, n*dim)}
	for i := range n {
		f.ids[i] = fmt.Sprintf("2603.%05d", i)
		f.index[f.ids[i]] = i
		idx := map[int32]bool{}
		for len(idx) < nnz {
			idx[int32(float64(cols)*math.Pow(rng.Float64(), 3))] = true
		}
		var v Sparse
		for j := range idx {
			v.Idx = append(v.Idx, j)
		}
		slices.Sort(v.Idx)
		for range v.Idx {
			v.Val = append(v.Val, float32(1/math.Sqrt(nnz)))
		}
		f.x.appendSparse(v)
		e := f.emb[i*dim : (i+1)*dim]
		for k := range e {
			e[k] = float32(rng.NormFloat64())
		}
		normalize(e)
	}
	if opts.EmbedWeight > 0 {
		f.x.Dim = dim
		f.x.Dense = f.emb
	}
	return f
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	inv := float32(1 / math.Sqrt(s))
	for k := range v {
		v[k] *= inv
	}
}

// BenchmarkScore is a recommendation request: one reader's trained
// model (20 papers) ranking a month of candidates (6,083) with reasons
// for the first 20. It reports the p50 and p95 of the calls.
func BenchmarkScore(b *testing.B) {
	f := benchFeatures(b, DefaultOptions())
	profile := f.ids[:20]
	candidates := f.ids[len(f.ids)-6083:]
	m, err := f.Train(profile)
	if err != nil {
		b.Fatal(err)
	}
	m.indexTerms() // as a kept model has, from its first request
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		m.Score(candidates, 20)
		took = append(took, time.Since(t))
	}
	b.StopTimer()
	reportPercentiles(b, took)
}

// BenchmarkTrain is training one reader's model (20 papers), done when
// their library changes, not per request, with the index of its terms
// that its first request builds.
func BenchmarkTrain(b *testing.B) {
	f := benchFeatures(b, DefaultOptions())
	profile := f.ids[:20]
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		m, err := f.Train(profile)
		if err != nil {
			b.Fatal(err)
		}
		m.indexTerms()
		took = append(took, time.Since(t))
	}
	b.StopTimer()
	reportPercentiles(b, took)
}

func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	at := func(q float64) float64 {
		return float64(took[min(len(took)-1, int(q*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}
