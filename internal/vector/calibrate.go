package vector

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paperboy-dev/paperboy/internal/parallel"
)

// calibrationSamples is how many stored vectors Train's calibration asks
// for their neighbours.
const calibrationSamples = 200

// calibrationQuery is a query the calibration asks for its neighbours:
// a stored vector (self, which is not its own neighbour) or a query
// vector (self {-1, -1}).
type calibrationQuery struct {
	q    []float32
	id   string
	self loc
}

// storedQueries draws Train's calibration queries from the stored vectors.
func (ix *Index) storedQueries() []calibrationQuery {
	ids := make([]string, 0, len(ix.where))
	for id := range ix.where {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the sample depends on the set of vectors alone
	rng := rand.New(rand.NewPCG(ix.opts.Seed, 0x9e3779b97f4a7c15))
	qs := make([]calibrationQuery, 0, min(calibrationSamples, len(ids)))
	for _, i := range rng.Perm(len(ids))[:min(calibrationSamples, len(ids))] {
		at := ix.where[ids[i]]
		p := int(at.pos) * ix.dim
		qs = append(qs, calibrationQuery{q: ix.lists[at.list].vecs[p : p+ix.dim], id: ids[i], self: at})
	}
	return qs
}

// calibrate returns the fewest lists a query must scan for Options.Recall
// of its 10 nearest vectors, and how many of the best estimates from the
// codes of those lists must be re-ranked to keep them, measured on the
// queries qs.
//
// How many lists that takes depends on the data: on synthetic clusters 3%
// of the lists found all ten, on the real papers' LSA vectors 3% found 85%
// and 23% were needed for 95%. For each query the lists are ranked by
// their centroid's score, and each true neighbour needs the lists down to
// its own: the probe count is the Recall quantile of those ranks, so no
// search is run twice. The re-rank depth is likewise found from the
// neighbours' ranks among the estimates of the probed lists, at half the
// miss rate, since its misses add to the probes'.
func (ix *Index) calibrate(ctx context.Context, workers int, qs []calibrationQuery) (probes, rerank int) {
	const k = 10
	target := ix.opts.Recall
	if target <= 0 {
		target = 0.98
	}
	if len(ix.where) <= k || len(ix.lists) <= 1 || ix.centroids == nil {
		return 0, 0
	}
	type sample struct {
		calibrationQuery
		ranked    []int     // lists, best centroid first
		bases     []float32 // the query's inner products with them
		neighbour []loc
		needs     []int // lists each neighbour needs scanned
	}
	ss := make([]sample, len(qs))
	parallel.Chunks(len(qs), workers, func(lo, hi int) {
		for si := lo; si < hi; si++ {
			if ctx.Err() != nil {
				return
			}
			s := &ss[si]
			s.calibrationQuery = qs[si]
			rank := make([]int, len(ix.lists))
			s.ranked, s.bases = nearestN(ix.centroids, ix.dim, s.q, len(ix.lists))
			for r, l := range s.ranked {
				rank[l] = r
			}
			for _, hit := range ix.nearest(s.q, k+1, true) {
				if hit.ID != s.id && len(s.needs) < k {
					at := ix.where[hit.ID]
					s.neighbour = append(s.neighbour, at)
					s.needs = append(s.needs, rank[at.list]+1)
				}
			}
		}
	})
	if ctx.Err() != nil {
		return 0, 0
	}
	quantile := func(all []int, q float64) int {
		slices.Sort(all)
		return all[min(len(all)-1, max(0, int(math.Ceil(q*float64(len(all))))-1))]
	}
	var needs []int
	for _, s := range ss {
		needs = append(needs, s.needs...)
	}
	if len(needs) == 0 {
		return 0, 0
	}
	// Real queries fall between the stored vectors more often than stored
	// vectors do: a floor of 8 lists keeps tight clusters from being
	// probed one at a time.
	probes = max(quantile(needs, target), min(8, len(ix.lists)))
	if ix.qz == nil {
		return probes, 0
	}
	ranks := make([][]int, len(ss))
	parallel.Chunks(len(ss), workers, func(lo, hi int) {
		t := ix.qz.newTable()
		var est []float32
		for si := lo; si < hi; si++ {
			s := &ss[si]
			ix.qz.table(s.q, t.lut, t.tmp)
			// The estimates of the vectors of the probed lists, self
			// excluded, and of the neighbours among them.
			var all, mine []float32
			for i, l := range s.ranked[:min(probes, len(s.ranked))] {
				ls := &ix.lists[l]
				est = slices.Grow(est[:0], len(ls.ids))[:len(ls.ids)]
				estimate(t.lut, ls.codes, ls.ws, s.bases[i], est)
				for pos, e := range est {
					at := loc{int32(l), int32(pos)}
					if at == s.self {
						continue
					}
					all = append(all, e)
					if slices.Contains(s.neighbour, at) {
						mine = append(mine, e)
					}
				}
			}
			for _, e := range mine {
				above := 0
				for _, x := range all {
					if x > e {
						above++
					}
				}
				ranks[si] = append(ranks[si], above+1)
			}
		}
	})
	var all []int
	for _, r := range ranks {
		all = append(all, r...)
	}
	if len(all) == 0 {
		return probes, 0
	}
	// Twice the quantile: held-out queries lost 1-2% more to the codes
	// than the stored vectors predicted, and an exact score costs about
	// 30 estimates.
	return probes, max(2*quantile(all, 1-(1-target)/2), 2*k)
}
