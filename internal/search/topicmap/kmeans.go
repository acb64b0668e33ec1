package topicmap

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/viterin/vek/vek32"

	"github.com/paperboy-dev/paperboy/internal/parallel"
)

// kmeans clusters the unit vectors xs (n × dim, flat) into k groups by
// spherical k-means: k-means++ seeding on cosine distance, then iters
// rounds of assigning each vector to its most similar centroid and
// setting each centroid to its members' normalised mean. A centroid left
// empty takes the vector worst served by its own. Deterministic for a
// seed whatever the worker count: assignments are independent and the
// sums run in vector order.
func kmeans(ctx context.Context, xs []float32, dim, k, iters int, rng *rand.Rand, workers int) ([]float32, []int32, error) {
	n := len(xs) / dim
	k = min(k, n)
	if k <= 0 {
		return nil, nil, nil
	}
	row := func(i int) []float32 { return xs[i*dim : (i+1)*dim] }
	cs := make([]float32, k*dim)
	// k-means++: each next seed drawn with probability ∝ its distance
	// (1 - cosine) to the nearest seed so far.
	first := rng.IntN(n)
	copy(cs[:dim], row(first))
	dist := make([]float64, n)
	for i := range n {
		dist[i] = 1 - float64(vek32.Dot(row(i), cs[:dim]))
	}
	for c := 1; c < k; c++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		var sum float64
		for _, d := range dist {
			sum += max(d, 0)
		}
		pick := n - 1
		if sum > 0 {
			r := rng.Float64() * sum
			for i, d := range dist {
				r -= max(d, 0)
				if r <= 0 {
					pick = i
					break
				}
			}
		} else {
			pick = rng.IntN(n)
		}
		cc := cs[c*dim : (c+1)*dim]
		copy(cc, row(pick))
		parallel.Chunks(n, workers, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if d := 1 - float64(vek32.Dot(row(i), cc)); d < dist[i] {
					dist[i] = d
				}
			}
		})
	}
	assign := make([]int32, n)
	sims := make([]float32, n)
	sums := make([]float64, k*dim)
	counts := make([]int, k)
	for it := 0; it < iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		changed := assignAll(xs, dim, cs, assign, sims, workers)
		if it > 0 && changed == 0 {
			break
		}
		clear(sums)
		clear(counts)
		for i := range n {
			a := int(assign[i])
			counts[a]++
			s := sums[a*dim : (a+1)*dim]
			for j, x := range row(i) {
				s[j] += float64(x)
			}
		}
		for c := range k {
			cc := cs[c*dim : (c+1)*dim]
			if counts[c] == 0 {
				// Re-seed with the vector least like its centroid.
				worst := 0
				for i := range n {
					if sims[i] < sims[worst] {
						worst = i
					}
				}
				copy(cc, row(worst))
				sims[worst] = 1
				continue
			}
			var norm float64
			s := sums[c*dim : (c+1)*dim]
			for _, x := range s {
				norm += x * x
			}
			if norm == 0 {
				continue
			}
			inv := 1 / math.Sqrt(norm)
			for j, x := range s {
				cc[j] = float32(x * inv)
			}
		}
	}
	assignAll(xs, dim, cs, assign, sims, workers)
	return cs, assign, nil
}

// assignAll sets assign[i] to the centroid most similar to vector i (and
// sims[i] to that similarity) and returns how many changed.
func assignAll(xs []float32, dim int, cs []float32, assign []int32, sims []float32, workers int) int {
	n := len(xs) / dim
	changed := make([]int, n)
	parallel.Chunks(n, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c, s := nearest(cs, dim, xs[i*dim:(i+1)*dim])
			if int32(c) != assign[i] {
				changed[i] = 1
			}
			assign[i], sims[i] = int32(c), s
		}
	})
	total := 0
	for _, c := range changed {
		total += c
	}
	return total
}

// nearest returns the row of cs (k × dim) most similar to v, and the
// similarity.
func nearest(cs []float32, dim int, v []float32) (int, float32) {
	best, bs := 0, float32(math.Inf(-1))
	for c := 0; c*dim < len(cs); c++ {
		if s := vek32.Dot(cs[c*dim:(c+1)*dim], v); s > bs {
			best, bs = c, s
		}
	}
	return best, bs
}
