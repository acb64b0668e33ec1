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

// calibrationK is the number of neighbours the calibration asks each
// query for: the count a search page shows.
const calibrationK = 10

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
	target := ix.opts.Recall
	if target <= 0 {
		target = 0.98
	}
	if len(ix.where) <= calibrationK || len(ix.lists) <= 1 || ix.centroids == nil {
		return 0, 0
	}
	samples := ix.findNeighbours(ctx, workers, qs)
	if ctx.Err() != nil {
		return 0, 0
	}
	probes, ok := ix.probesFor(samples, target)
	if !ok {
		return 0, 0
	}
	if ix.qz == nil {
		return probes, 0
	}
	return probes, ix.rerankFor(samples, probes, target, workers)
}

// calibrationSample is a calibration query with what its neighbours need.
type calibrationSample struct {
	calibrationQuery
	ranked    []int     // lists, best centroid first
	bases     []float32 // the query's inner products with them
	neighbour []loc
	needs     []int // lists each neighbour needs scanned
}

// findNeighbours ranks the lists for each query and finds its true
// neighbours by exact search, with the number of lists each needs
// scanned. It stops early, leaving samples unfilled, when ctx ends.
func (ix *Index) findNeighbours(ctx context.Context, workers int, qs []calibrationQuery) []calibrationSample {
	ss := make([]calibrationSample, len(qs))
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
			for _, hit := range ix.nearest(s.q, calibrationK+1, true) {
				if hit.ID != s.id && len(s.needs) < calibrationK {
					at := ix.where[hit.ID]
					s.neighbour = append(s.neighbour, at)
					s.needs = append(s.needs, rank[at.list]+1)
				}
			}
		}
	})
	return ss
}

// probesFor is the target quantile of the lists the samples' neighbours
// need; ok is false when no sample found a neighbour.
func (ix *Index) probesFor(ss []calibrationSample, target float64) (probes int, ok bool) {
	var needs []int
	for _, s := range ss {
		needs = append(needs, s.needs...)
	}
	if len(needs) == 0 {
		return 0, false
	}
	// Real queries fall between the stored vectors more often than stored
	// vectors do: a floor of 8 lists keeps tight clusters from being
	// probed one at a time.
	return max(quantile(needs, target), min(8, len(ix.lists))), true
}

// rerankFor is the re-rank depth that keeps the samples' neighbours
// among the best estimates of the `probes` lists nearest to each, or 0 when
// none of them lies in those lists.
func (ix *Index) rerankFor(ss []calibrationSample, probes int, target float64, workers int) int {
	ranks := make([][]int, len(ss))
	parallel.Chunks(len(ss), workers, func(lo, hi int) {
		t := ix.qz.newTable()
		var est []float32
		for si := lo; si < hi; si++ {
			ranks[si] = ix.estimateRanks(&ss[si], probes, t, &est)
		}
	})
	var all []int
	for _, r := range ranks {
		all = append(all, r...)
	}
	if len(all) == 0 {
		return 0
	}
	// Twice the quantile: held-out queries lost 1-2% more to the codes
	// than the stored vectors predicted, and an exact score costs about
	// 30 estimates.
	return max(2*quantile(all, 1-(1-target)/2), 2*calibrationK)
}

// estimateRanks returns the rank, among the estimates of the vectors of
// the `probes` lists nearest to s (itself excluded), of each of s's
// neighbours that lies in them. t and buf are the caller's scratch, kept
// across calls so that a list's estimates are not allocated anew.
func (ix *Index) estimateRanks(s *calibrationSample, probes int, t *queryTable, buf *[]float32) []int {
	ix.qz.table(s.q, t.lut, t.tmp)
	var all, mine []float32
	for i, l := range s.ranked[:min(probes, len(s.ranked))] {
		ls := &ix.lists[l]
		est := slices.Grow((*buf)[:0], len(ls.ids))[:len(ls.ids)]
		*buf = est
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
	var ranks []int
	for _, e := range mine {
		above := 0
		for _, x := range all {
			if x > e {
				above++
			}
		}
		ranks = append(ranks, above+1)
	}
	return ranks
}

// quantile sorts all and returns its q quantile (nearest rank).
func quantile(all []int, q float64) int {
	slices.Sort(all)
	return all[min(len(all)-1, max(0, int(math.Ceil(q*float64(len(all))))-1))]
}
