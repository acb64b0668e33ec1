package vector

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/viterin/vek/vek32"

	"github.com/paperboy-dev/paperboy/internal/parallel"
)

// Search returns the k vectors with the largest inner product with q,
// best first (ties by id), scanning the Probe lists nearest to q when the
// index is trained.
func (ix *Index) Search(q []float32, k int) ([]Hit, error) {
	return ix.search(q, k, false)
}

// SearchExact is Search over every vector: the reference for recall.
func (ix *Index) SearchExact(q []float32, k int) ([]Hit, error) {
	return ix.search(q, k, true)
}

// SearchBounded is Search that also reports whether the work budget
// (Options.ScanBudget) cut the query short: fewer lists scanned than
// calibrated, as happens where the vectors cluster poorly. Then its hits may miss neighbours, and a
// caller with candidates of its own (hybrid search's lexical hits) should
// score those exactly too (Score).
func (ix *Index) SearchBounded(q []float32, k int) (hits []Hit, cut bool, err error) {
	if len(q) != ix.dim {
		return nil, false, fmt.Errorf("%w: query has %d, want %d", ErrDim, len(q), ix.dim)
	}
	if k <= 0 {
		return nil, false, nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	hits, cut = ix.nearestCut(q, k, false)
	return hits, cut, nil
}

// Score returns the inner product of q with the vector of each of ids
// that the index holds, best first (ties by id): exact scores for a given
// set of candidates, such as the papers a filter lets through.
func (ix *Index) Score(q []float32, ids []string) ([]Hit, error) {
	if len(q) != ix.dim {
		return nil, fmt.Errorf("%w: query has %d, want %d", ErrDim, len(q), ix.dim)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]Hit, 0, len(ids))
	for _, id := range ids {
		at, ok := ix.where[id]
		if !ok {
			continue
		}
		p := int(at.pos) * ix.dim
		out = append(out, Hit{ID: id, Score: vek32.Dot(q, ix.lists[at.list].vecs[p:p+ix.dim])})
	}
	slices.SortFunc(out, bestFirst)
	return out, nil
}

// probe is the number of lists a query scans.
func (ix *Index) probe() int {
	p := ix.opts.Probe
	if p <= 0 {
		p = ix.probes
	}
	if p <= 0 {
		p = max(8, len(ix.lists)/32)
	}
	return min(p, len(ix.lists))
}

func (ix *Index) search(q []float32, k int, exact bool) ([]Hit, error) {
	if len(q) != ix.dim {
		return nil, fmt.Errorf("%w: query has %d, want %d", ErrDim, len(q), ix.dim)
	}
	if k <= 0 {
		return nil, nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.nearest(q, k, exact), nil
}

// nearest is search with ix.mu held.
func (ix *Index) nearest(q []float32, k int, exact bool) []Hit {
	hits, _ := ix.nearestCut(q, k, exact)
	return hits
}

// nearestCut is nearest, reporting whether the budget cut the work.
func (ix *Index) nearestCut(q []float32, k int, exact bool) ([]Hit, bool) {
	var lists []int
	var bases []float32
	if exact || ix.centroids == nil {
		lists = make([]int, len(ix.lists))
		for i := range lists {
			lists[i] = i
		}
	} else {
		lists, bases = nearestN(ix.centroids, ix.dim, q, ix.probe())
	}
	vectors := 0
	cut := false
	scanBudget, rerankBudget := ix.budgets()
	for i, l := range lists {
		n := len(ix.lists[l].ids)
		if !exact && bases != nil && scanBudget > 0 && i > 0 && vectors+n > scanBudget {
			// The nearest lists first, as many as the budget allows.
			lists, bases, cut = lists[:i], bases[:i], true
			break
		}
		vectors += n
	}
	depth := ix.rerankDepth(k)
	if !exact && rerankBudget > 0 && depth > rerankBudget {
		// Not a cut: a fixed, measured trade of precision deep in the list
		// (see defaultRerankBudget), not a sign of flat lists.
		depth = max(k, rerankBudget)
	}
	// Scoring a vector exactly at random costs several estimates: when a
	// poorly clustered corpus needs a re-rank of more than an eighth of the
	// scanned vectors, the plain scan of the lists is faster.
	coded := ix.qz != nil && bases != nil && depth*rerankShare <= vectors
	var lut *queryTable
	if coded {
		lut = ix.queryTable(q)
		defer tables.Put(lut)
		// a code is estimated in about a third of a float32 dot product's time
		vectors /= 3
	}
	scan := func(lists []int, bases []float32) *topK {
		h := &topK{k: k}
		if coded {
			ix.scanCoded(q, lut, lists, bases, depth, h)
			return h
		}
		var scores [scoreBlock]float32
		for _, l := range lists {
			ix.lists[l].score(q, ix.dim, scores[:], h.offer)
		}
		return h
	}
	if vectors < parallelScan || runtime.GOMAXPROCS(0) == 1 {
		return scan(lists, bases).sorted(), cut
	}
	// A large scan is split over the cores, each keeping its own top k:
	// at 3M vectors a lone query waits half as long. Under load the cores
	// are busy anyway and this costs only the merge.
	var mu sync.Mutex
	h := &topK{k: k}
	parallel.Chunks(len(lists), runtime.GOMAXPROCS(0), func(lo, hi int) {
		var b []float32
		if bases != nil {
			b = bases[lo:hi]
		}
		part := scan(lists[lo:hi], b)
		mu.Lock()
		defer mu.Unlock()
		for _, hit := range part.h {
			h.offer(hit.Score, hit.ID)
		}
	})
	return h.sorted(), cut
}

// Default work budgets of a query (Options.ScanBudget, RerankBudget). At
// about 14 ns an estimate and a few hundred ns an exact score from the page
// cache, they bound a query's vector work to a few milliseconds a core
// however poorly the vectors cluster. Indexes whose calibrated probes stay
// within the scan budget (the 80k real papers: 68 lists of about 280) scan
// as calibrated. The re-rank budget binds only deep queries: hybrid search
// reads a hundred neighbours, for which the calibrated depth (320 for ten)
// scales to 3,200 and forced a float32 scan of the lists; 1,000 keeps the
// codes, at recall@100 0.947 instead of 0.951 and p50 0.50 ms instead of
// 0.75 ms on the 80k real papers (TestRealVectorRecall). Queries for ten
// are not affected.
const (
	defaultScanBudget   = 250_000
	defaultRerankBudget = 1_000
)

func (ix *Index) budgets() (scan, rerank int) {
	scan, rerank = ix.opts.ScanBudget, ix.opts.RerankBudget
	if scan == 0 {
		scan = defaultScanBudget
	}
	if rerank == 0 {
		rerank = defaultRerankBudget
	}
	return max(scan, 0), max(rerank, 0)
}

// SetBudget sets the work budget of a query: at most scan vectors'
// codes estimated and rerank estimates scored exactly (0: the defaults;
// negative: unbounded, as calibrated).
func (ix *Index) SetBudget(scan, rerank int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.opts.ScanBudget, ix.opts.RerankBudget = scan, rerank
}

// rerankDepth is how many of the best estimates a query for k vectors
// re-ranks exactly: the calibrated depth for ten, in proportion for more.
func (ix *Index) rerankDepth(k int) int {
	d := ix.opts.Rerank
	if d <= 0 {
		d = ix.rerank
	}
	if d <= 0 {
		d = defaultRerank
	}
	return max(k, d*max(k, 10)/10)
}

// rerankShare bounds the re-rank depth at which the codes are used: at
// most one in rerankShare of the scanned vectors.
const rerankShare = 8

// defaultRerank is the re-rank depth for ten results of an index not
// calibrated for it.
const defaultRerank = 100

// queryTable is a query's lookup table and scratch space, pooled: at 32
// KiB it is worth reusing.
type queryTable struct {
	lut [][256]float32
	tmp []float32
}

var tables sync.Pool

func (ix *Index) queryTable(q []float32) *queryTable {
	t, _ := tables.Get().(*queryTable)
	if t == nil || len(t.lut) != ix.qz.codeBytes() {
		t = ix.qz.newTable()
	}
	ix.qz.table(q, t.lut, t.tmp)
	return t
}

// scanCoded estimates q's inner products with the vectors of lists from
// their codes (bases[i] is q's inner product with list i's centroid),
// keeps the depth best estimates and offers them, scored exactly, to h.
func (ix *Index) scanCoded(q []float32, t *queryTable, lists []int, bases []float32, depth int, h *topK) {
	nb := len(t.lut)
	buf, _ := candidateBufs.Get().(*[]candidate)
	if buf == nil || cap(*buf) < 2*depth {
		b := make([]candidate, 0, 2*depth) // candidates never hold more
		buf = &b
	}
	defer candidateBufs.Put(buf)
	cands := candidates{k: depth, min: float32(math.Inf(-1)), c: (*buf)[:0]}
	var est [scoreBlock]float32
	for i, l := range lists {
		ls := &ix.lists[l]
		for start := 0; start < len(ls.ids); start += scoreBlock {
			end := min(start+scoreBlock, len(ls.ids))
			out := est[:end-start]
			estimate(t.lut, ls.codes[start*nb:end*nb], ls.ws[start:end], bases[i], out)
			for j, e := range out {
				if e > cands.min {
					cands.add(candidate{e, int32(l), int32(start + j)})
				}
			}
		}
	}
	for _, c := range cands.best() {
		ls := &ix.lists[c.list]
		p := int(c.pos) * ix.dim
		h.offer(vek32.Dot(q, ls.vecs[p:p+ix.dim]), ls.ids[c.pos])
	}
}

// candidateBufs recycles the candidates' buffers: a query for a hundred
// results at 3M re-ranks thousands of estimates, and growing a buffer for
// them anew at every query took longer than estimating the codes.
var candidateBufs sync.Pool

// candidate is a vector's estimated score and place.
type candidate struct {
	est       float32
	list, pos int32
}

// candidates keeps the k best estimates: it gathers those above the
// k-th best known so far and, each time it holds 2k, keeps the best k.
// Unlike a heap this costs the same whether k is 20 or 90,000, which a
// poorly clustered corpus can need.
type candidates struct {
	k   int
	min float32 // every estimate at or below it is out
	c   []candidate
}

func (cs *candidates) add(c candidate) {
	cs.c = append(cs.c, c)
	if len(cs.c) >= 2*cs.k {
		cs.prune()
	}
}

// prune keeps the k best and raises min to the worst of them.
func (cs *candidates) prune() {
	if len(cs.c) <= cs.k {
		return
	}
	selectBest(cs.c, cs.k)
	cs.c = cs.c[:cs.k]
	m := cs.c[0].est
	for _, c := range cs.c[1:] {
		m = min(m, c.est)
	}
	cs.min = m
}

func (cs *candidates) best() []candidate {
	cs.prune()
	return cs.c
}

// selectBest moves the k largest estimates of c to its front, in no
// order (quickselect, Hoare partition, middle pivot).
func selectBest(c []candidate, k int) {
	lo, hi := 0, len(c)-1
	for lo < hi {
		p := c[lo+(hi-lo)/2].est
		i, j := lo, hi
		for i <= j {
			for c[i].est > p {
				i++
			}
			for c[j].est < p {
				j--
			}
			if i <= j {
				c[i], c[j] = c[j], c[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			return
		}
	}
}

// scoreBlock is how many vectors of a list are scored by one
// matrix-vector product: 1.6 times as fast as a dot product per vector,
// and small enough that vek does not spread it over goroutines.
const scoreBlock = 256

// score hands each of l's vectors' inner product with q to offer, a block
// of vectors at a time; buf holds scoreBlock scores.
func (l *list) score(q []float32, dim int, buf []float32, offer func(float32, string)) {
	for start := 0; start < len(l.ids); start += scoreBlock {
		end := min(start+scoreBlock, len(l.ids))
		scores := vek32.MatMul_Into(buf, l.vecs[start*dim:end*dim], q, dim)
		for i, s := range scores {
			offer(s, l.ids[start+i])
		}
	}
}

// parallelScan is the number of vectors from which a query's scan is
// split over the cores.
const parallelScan = 40_000

// topK keeps the k best (score, id) pairs in a min-heap.
type topK struct {
	k int
	h []Hit
}

func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.ID > b.ID
}

func (t *topK) Len() int           { return len(t.h) }
func (t *topK) Less(i, j int) bool { return worse(t.h[i], t.h[j]) }
func (t *topK) Swap(i, j int)      { t.h[i], t.h[j] = t.h[j], t.h[i] }
func (t *topK) Push(x any)         { t.h = append(t.h, x.(Hit)) }
func (t *topK) Pop() any           { x := t.h[len(t.h)-1]; t.h = t.h[:len(t.h)-1]; return x }

func (t *topK) offer(s float32, id string) {
	if len(t.h) < t.k {
		heap.Push(t, Hit{id, s})
		return
	}
	if !worse(t.h[0], Hit{id, s}) {
		return
	}
	t.h[0] = Hit{id, s}
	heap.Fix(t, 0)
}

func (t *topK) sorted() []Hit {
	out := slices.Clone(t.h)
	slices.SortFunc(out, bestFirst)
	return out
}

// bestFirst orders hits by score, best first, ties by id.
func bestFirst(a, b Hit) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func nearest(centroids []float32, dim int, v []float32) int {
	best, bs := 0, float32(math.Inf(-1))
	for c := 0; c*dim < len(centroids); c++ {
		if s := vek32.Dot(v, centroids[c*dim:(c+1)*dim]); s > bs {
			best, bs = c, s
		}
	}
	return best
}

// nearestN returns the n centroids with the largest inner product with v,
// best first, and those inner products.
func nearestN(centroids []float32, dim int, v []float32, n int) ([]int, []float32) {
	type cs struct {
		c int
		s float32
	}
	all := make([]cs, len(centroids)/dim)
	for c := range all {
		all[c] = cs{c, vek32.Dot(v, centroids[c*dim:(c+1)*dim])}
	}
	slices.SortFunc(all, func(a, b cs) int {
		if x := cmp.Compare(b.s, a.s); x != 0 {
			return x
		}
		return a.c - b.c
	})
	out := make([]int, min(n, len(all)))
	scores := make([]float32, len(out))
	for i := range out {
		out[i], scores[i] = all[i].c, all[i].s
	}
	return out, scores
}
