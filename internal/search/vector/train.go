package vector

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"

	"github.com/viterin/vek/vek32"

	"github.com/paperboy-dev/paperboy/internal/parallel"
)

// workers is how many goroutines Train uses.
func (ix *Index) workers() int {
	if ix.opts.Workers > 0 {
		return ix.opts.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Train partitions the vectors into lists by spherical k-means on a sample
// (deterministic given Options.Seed and the set of vectors) and
// reassigns every vector to its nearest centroid. Searches wait while it
// runs. How many lists a query scans, and how deep it re-ranks, are
// calibrated on stored vectors as queries.
func (ix *Index) Train(ctx context.Context) error {
	return ix.TrainFor(ctx, nil)
}

// TrainFor is Train calibrated on the query vectors that queries returns
// rather than on stored vectors, which lie inside their own lists: short
// queries fall between lists more often, and on the real papers titles as
// queries needed twice the lists that stored vectors did for the same
// recall. queries is called, before the index changes, only when the
// index will have more than one list to calibrate; nil, or no queries,
// calibrates on stored vectors.
func (ix *Index) TrainFor(ctx context.Context, queries func() ([][]float32, error)) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.file = ""
	n := len(ix.where)
	nl := ix.opts.Lists
	if nl <= 0 {
		nl = int(math.Round(math.Sqrt(float64(n))))
	}
	nl = max(1, min(nl, n/32))
	var served []calibrationQuery
	if queries != nil && nl > 1 {
		var err error
		if served, err = ix.servedQueries(queries); err != nil {
			return err
		}
	}
	workers := ix.workers()
	// Gather ids sorted, so that the sample does not depend on insertion
	// order or map iteration.
	ids := make([]string, 0, n)
	for id := range ix.where {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rng := rand.New(rand.NewPCG(ix.opts.Seed, 0x5851f42d4c957f2d))
	iters := ix.opts.TrainIters
	if iters <= 0 {
		iters = 10
	}
	cent, err := kmeans(ctx, ix.trainingSample(ids, nl, rng), ix.dim, nl, iters, rng, workers)
	if err != nil {
		return err
	}
	assign, err := ix.assign(ctx, cent, ids, workers)
	if err != nil {
		return err
	}
	ix.centroids = cent
	ix.lists, ix.where = ix.partition(ids, assign, nl)
	ix.encodeAll(workers)
	if len(served) == 0 {
		served = ix.storedQueries()
	}
	ix.probes, ix.rerank = ix.calibrate(ctx, workers, served)
	return ctx.Err()
}

// servedQueries calls queries for TrainFor's calibration queries and
// checks their dimension.
func (ix *Index) servedQueries(queries func() ([][]float32, error)) ([]calibrationQuery, error) {
	qs, err := queries()
	if err != nil {
		return nil, err
	}
	served := make([]calibrationQuery, 0, len(qs))
	for i, q := range qs {
		if len(q) != ix.dim {
			return nil, fmt.Errorf("%w: calibration query %d has %d, want %d", ErrDim, i, len(q), ix.dim)
		}
		served = append(served, calibrationQuery{q: q, self: loc{-1, -1}})
	}
	return served, nil
}

// stored is the vector of id, which the index holds, in place.
func (ix *Index) stored(id string) []float32 {
	at := ix.where[id]
	p := int(at.pos) * ix.dim
	return ix.lists[at.list].vecs[p : p+ix.dim]
}

// trainingSample draws the vectors k-means learns nl lists from, row
// major, from the vectors of the sorted ids.
func (ix *Index) trainingSample(ids []string, nl int, rng *rand.Rand) []float32 {
	n := ix.opts.TrainSample
	if n <= 0 {
		n = 48 * nl
	}
	n = min(n, len(ids))
	perm := rng.Perm(len(ids))[:n]
	slices.Sort(perm)
	sample := make([]float32, 0, n*ix.dim)
	for _, i := range perm {
		sample = append(sample, ix.stored(ids[i])...)
	}
	return sample
}

// assign returns the nearest of the centroids to the vector of each of
// ids, in parallel.
func (ix *Index) assign(ctx context.Context, centroids []float32, ids []string, workers int) ([]int32, error) {
	assign := make([]int32, len(ids))
	parallel.Chunks(len(ids), workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if i%4096 == 0 && ctx.Err() != nil {
				return
			}
			assign[i] = int32(nearest(centroids, ix.dim, ix.stored(ids[i])))
		}
	})
	return assign, ctx.Err()
}

// partition copies the vector of each of ids into the list assign gives
// it, in id order, and returns the nl lists and the vectors' new places.
func (ix *Index) partition(ids []string, assign []int32, nl int) ([]list, map[string]loc) {
	counts := make([]int, nl)
	for _, a := range assign {
		counts[a]++
	}
	lists := make([]list, nl)
	for l := range lists {
		lists[l] = list{ids: make([]string, 0, counts[l]), vecs: make([]float32, 0, counts[l]*ix.dim)}
	}
	where := make(map[string]loc, len(ids))
	for i, id := range ids {
		l := &lists[assign[i]]
		where[id] = loc{assign[i], int32(len(l.ids))}
		l.ids = append(l.ids, id)
		l.vecs = append(l.vecs, ix.stored(id)...)
	}
	return lists, where
}

// encodeAll draws the quantizer (from Options.Seed) and encodes every
// vector of a trained index.
func (ix *Index) encodeAll(workers int) {
	ix.qz = newQuantizer(ix.dim, ix.opts.Seed)
	nb := ix.qz.codeBytes()
	parallel.Chunks(len(ix.lists), workers, func(lo, hi int) {
		tmp, res := make([]float32, ix.qz.bits), make([]float32, ix.dim)
		for l := lo; l < hi; l++ {
			ls := &ix.lists[l]
			ls.codes, ls.ws = make([]byte, len(ls.ids)*nb), make([]float32, len(ls.ids))
			for i := range ls.ids {
				ix.encode(l, i, tmp, res)
			}
		}
	})
}

// kmeans runs spherical k-means (unit centroids, inner-product
// assignment) on the row-major sample, seeded with k distinct sample
// rows. An emptied cluster takes the sample row farthest from its
// centroid.
func kmeans(ctx context.Context, sample []float32, dim, k, iters int, rng *rand.Rand, workers int) ([]float32, error) {
	n := len(sample) / dim
	cent := make([]float32, k*dim)
	for c, i := range rng.Perm(n)[:k] {
		copy(cent[c*dim:], sample[i*dim:(i+1)*dim])
	}
	assign := make([]int32, n)
	score := make([]float32, n)
	for it := 0; it < iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		parallel.Chunks(n, workers, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				v := sample[i*dim : (i+1)*dim]
				best, bs := 0, float32(math.Inf(-1))
				for c := 0; c < k; c++ {
					if s := vek32.Dot(v, cent[c*dim:(c+1)*dim]); s > bs {
						best, bs = c, s
					}
				}
				assign[i], score[i] = int32(best), bs
			}
		})
		sums := make([]float64, k*dim)
		counts := make([]int, k)
		for i, a := range assign {
			counts[a]++
			row := sums[int(a)*dim : int(a+1)*dim]
			for j, x := range sample[i*dim : (i+1)*dim] {
				row[j] += float64(x)
			}
		}
		used := map[int]bool{}
		for c := 0; c < k; c++ {
			row := sums[c*dim : (c+1)*dim]
			if counts[c] == 0 {
				far, fs := -1, float32(math.Inf(1))
				for i, s := range score {
					if s < fs && !used[i] {
						far, fs = i, s
					}
				}
				used[far] = true
				for j := range row {
					row[j] = float64(sample[far*dim+j])
				}
			}
			var norm float64
			for _, x := range row {
				norm += x * x
			}
			norm = math.Sqrt(norm)
			if norm == 0 {
				norm = 1
			}
			for j, x := range row {
				cent[c*dim+j] = float32(x / norm)
			}
		}
	}
	return cent, nil
}
