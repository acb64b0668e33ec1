package vector

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// genClustered streams n unit vectors of dim around centres shared by
// every call with the same seed; stream picks the points.
type genClustered struct {
	centres [][]float32
	rng     *rand.Rand
	noise   float64
}

func newGen(dim, centres int, noise float64, seed, stream uint64) *genClustered {
	crng := rand.New(rand.NewPCG(seed, 99))
	g := &genClustered{rng: rand.New(rand.NewPCG(seed, stream)), noise: noise}
	for range centres {
		c := make([]float32, dim)
		for j := range c {
			c[j] = float32(crng.NormFloat64())
		}
		g.centres = append(g.centres, c)
	}
	return g
}

func (g *genClustered) next(v []float32) {
	c := g.centres[g.rng.IntN(len(g.centres))]
	var norm float64
	for j := range v {
		x := float64(c[j]) + g.noise*g.rng.NormFloat64()
		v[j] = float32(x)
		norm += x * x
	}
	inv := float32(1 / math.Sqrt(norm))
	for j := range v {
		v[j] *= inv
	}
}

// TestScaleFigures builds IVF indexes of synthetic clustered 256-dim
// vectors and prints build time, memory, latency and recall@10 against
// exact search.
//
//	PAPERBOY_BENCH=1 PAPERBOY_BENCH_SIZES=100000,1000000,3000000 [PAPERBOY_BENCH_RECALL=0.96] go test -run TestScaleFigures -v -timeout 1h ./internal/vector/
func TestScaleFigures(t *testing.T) {
	if os.Getenv("PAPERBOY_BENCH") != "1" {
		t.Skip("set PAPERBOY_BENCH=1 to measure the index at scale")
	}
	sizes := []int{100_000, 1_000_000}
	if s := os.Getenv("PAPERBOY_BENCH_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	// PAPERBOY_BENCH_RECALL sets the recall the probe count is calibrated
	// for (Options.Recall).
	recallTarget, _ := strconv.ParseFloat(os.Getenv("PAPERBOY_BENCH_RECALL"), 64)
	const dim = 256
	for _, n := range sizes {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		g := newGen(dim, max(100, n/1000), 1.2, 1, 1)
		ix := New(dim, Options{Seed: 1, Recall: recallTarget})
		v := make([]float32, dim)
		start := time.Now()
		for i := range n {
			g.next(v)
			ix.Add("p"+strconv.Itoa(i), v)
		}
		added := time.Since(start)
		if err := ix.Train(context.Background()); err != nil {
			t.Fatal(err)
		}
		built := time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)

		qg := newGen(dim, max(100, n/1000), 1.2, 1, 2) // held-out queries
		queries := make([][]float32, 500)
		for i := range queries {
			queries[i] = make([]float32, dim)
			qg.next(queries[i])
		}
		// The codes' scan, and the float32 scan of the same lists as the
		// baseline of the same run.
		measure := func() (p50, p99 time.Duration, r float64) {
			lat := make([]time.Duration, len(queries))
			for i, q := range queries {
				s := time.Now()
				ix.Search(q, 10)
				lat[i] = time.Since(s)
			}
			slices.Sort(lat)
			return lat[len(lat)/2], lat[len(lat)*99/100], recall(t, ix, queries[:100], 10)
		}
		p50, p99, r := measure()
		qz := ix.qz
		ix.qz = nil
		f50, f99, fr := measure()
		ix.qz = qz
		es := time.Now()
		for _, q := range queries[:20] {
			ix.SearchExact(q, 10)
		}
		exact := time.Since(es) / 20
		ms := func(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
		t.Logf("%s vectors: add %s, train+assign+encode %s; %d lists, probe %d, re-rank %d; heap %s (index estimate %s); "+
			"search p50 %s p99 %s recall@10 %.3f; float32 scan of the same lists p50 %s p99 %s recall@10 %.3f; exact %s",
			thousands(n), added.Round(time.Millisecond), (built - added).Round(time.Millisecond), len(ix.lists), ix.probe(), ix.rerankDepth(10),
			mib(int64(after.HeapAlloc)-int64(before.HeapAlloc)), mib(ix.MemoryBytes()),
			ms(p50), ms(p99), r, ms(f50), ms(f99), fr, exact.Round(100*time.Microsecond))
		ix = nil
	}
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
