package vector

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/viterin/vek/vek32"

	"github.com/paperboy-dev/paperboy/internal/parallel"
)

// Options configures an Index. Zero fields take the defaults noted.
type Options struct {
	// Lists is the number of k-means lists Train makes; 0 means
	// √n rounded, at least 1 and at most n/32.
	Lists int
	// Probe is how many lists a query scans; 0 means the count Train
	// calibrated (Index.Probes), or max(8, Lists/32) for an index
	// trained without it.
	Probe int
	// Recall is the recall@10 Train calibrates the probe count for; 0
	// means 0.98: calibrated on stored vectors, it gave the real papers'
	// text queries 0.97 (0.97 gave them 0.95-0.96).
	Recall float64
	// TrainSample bounds the vectors k-means learns from; 0 means 48 per
	// list.
	TrainSample int
	// TrainIters is the number of k-means iterations; 0 means 10.
	TrainIters int
	// Rerank is how many of the best estimates from the vectors' codes a
	// query for ten results scores exactly; 0 means the depth Train
	// calibrated.
	Rerank int
	// Seed makes Train deterministic.
	Seed uint64
	// Workers bounds the goroutines of Train; 0 means GOMAXPROCS.
	Workers int
}

// Hit is one search result.
type Hit struct {
	ID    string
	Score float32 // inner product with the query
}

// Index holds vectors of one dimension. It is safe for concurrent use:
// searches share a read lock, Add, Delete and Train take the write lock.
type Index struct {
	mu        sync.RWMutex
	dim       int
	opts      Options
	centroids []float32 // len(lists) × dim; nil until trained
	probes    int       // the calibrated probe count; 0 if none
	// qz encodes residuals of a trained index (codes.go); nil until then.
	qz *quantizer
	// rerank is the calibrated count of best estimates re-ranked exactly.
	rerank int
	lists  []list
	where  map[string]loc
	// upgraded is set when Open encoded or calibrated a file of an older
	// format: saving it spares the next Open that work.
	upgraded bool
}

type list struct {
	ids  []string
	vecs []float32
	// codes and ws hold each vector's residual code and weight once the
	// index is trained.
	codes []byte
	ws    []float32
}

type loc struct {
	list, pos int32
}

// ErrDim is returned when a vector's length is not the index's dimension.
var ErrDim = errors.New("vector: wrong dimension")

// New returns an empty index of dim-dimensional vectors.
func New(dim int, opts Options) *Index {
	return &Index{dim: dim, opts: opts, lists: make([]list, 1), where: map[string]loc{}}
}

// Dim is the dimension of the index's vectors.
func (ix *Index) Dim() int { return ix.dim }

// Len is the number of vectors held.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.where)
}

// Trained reports whether the index has been partitioned by Train.
func (ix *Index) Trained() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.centroids != nil
}

// Add inserts or replaces the vector of id. The vector is copied. On a
// trained index it joins the list of its nearest centroid; the centroids
// are not moved, so after the corpus has changed a lot Train again.
func (ix *Index) Add(id string, v []float32) error {
	if len(v) != ix.dim {
		return fmt.Errorf("%w: %s has %d, want %d", ErrDim, id, len(v), ix.dim)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.deleteLocked(id)
	l := 0
	if ix.centroids != nil {
		l = nearest(ix.centroids, ix.dim, v)
	}
	ls := &ix.lists[l]
	ix.where[id] = loc{int32(l), int32(len(ls.ids))}
	ls.ids = append(ls.ids, id)
	ls.vecs = append(ls.vecs, v...)
	if ix.qz != nil {
		ix.encodeLast(l)
	}
	return nil
}

// encodeLast appends the code and weight of list l's last vector.
func (ix *Index) encodeLast(l int) {
	ls := &ix.lists[l]
	ls.codes = append(ls.codes, make([]byte, ix.qz.codeBytes())...)
	ls.ws = append(ls.ws, 0)
	ix.encode(l, len(ls.ids)-1, make([]float32, ix.qz.bits), make([]float32, ix.dim))
}

// encode writes the code and weight of list l's vector i, whose slots
// exist; tmp and res are scratch for the quantizer.
func (ix *Index) encode(l, i int, tmp, res []float32) {
	ls := &ix.lists[l]
	nb := ix.qz.codeBytes()
	ls.ws[i] = ix.qz.encode(ls.vecs[i*ix.dim:(i+1)*ix.dim], ix.centroids[l*ix.dim:(l+1)*ix.dim],
		ls.codes[i*nb:(i+1)*nb], tmp, res)
}

// Delete removes id and reports whether it was there.
func (ix *Index) Delete(id string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.deleteLocked(id)
}

func (ix *Index) deleteLocked(id string) bool {
	at, ok := ix.where[id]
	if !ok {
		return false
	}
	delete(ix.where, id)
	ls := &ix.lists[at.list]
	last := len(ls.ids) - 1
	if int(at.pos) != last {
		moved := ls.ids[last]
		ls.ids[at.pos] = moved
		copy(ls.vecs[int(at.pos)*ix.dim:], ls.vecs[last*ix.dim:(last+1)*ix.dim])
		if ls.ws != nil {
			nb := ix.qz.codeBytes()
			copy(ls.codes[int(at.pos)*nb:], ls.codes[last*nb:(last+1)*nb])
			ls.ws[at.pos] = ls.ws[last]
		}
		ix.where[moved] = at
	}
	ls.ids = ls.ids[:last]
	ls.vecs = ls.vecs[:last*ix.dim]
	if ls.ws != nil {
		ls.codes = ls.codes[:last*ix.qz.codeBytes()]
		ls.ws = ls.ws[:last]
	}
	return true
}

// Vector returns a copy of id's vector.
func (ix *Index) Vector(id string) ([]float32, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	at, ok := ix.where[id]
	if !ok {
		return nil, false
	}
	p := int(at.pos) * ix.dim
	return slices.Clone(ix.lists[at.list].vecs[p : p+ix.dim]), true
}

// MemoryBytes estimates the heap the index holds: vectors, centroids, ids
// and the id map.
func (ix *Index) MemoryBytes() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var n int64 = int64(len(ix.centroids)) * 4
	if ix.qz != nil {
		n += int64(len(ix.qz.proj)) * 4
	}
	for _, ls := range ix.lists {
		n += int64(cap(ls.vecs))*4 + int64(cap(ls.ids))*16 + int64(cap(ls.codes)) + int64(cap(ls.ws))*4
		for _, id := range ls.ids {
			n += int64(len(id))
		}
	}
	// a Go map entry of string key and 8-byte value with overhead
	n += int64(len(ix.where)) * 48
	return n
}

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
	for _, l := range lists {
		vectors += len(ix.lists[l].ids)
	}
	depth := ix.rerankDepth(k)
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
		return scan(lists, bases).sorted()
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
	return h.sorted()
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

// workers is how many goroutines Train uses.
func (ix *Index) workers() int {
	if ix.opts.Workers > 0 {
		return ix.opts.Workers
	}
	return runtime.GOMAXPROCS(0)
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
	n := len(ix.where)
	nl := ix.opts.Lists
	if nl <= 0 {
		nl = int(math.Round(math.Sqrt(float64(n))))
	}
	nl = max(1, min(nl, n/32))
	var served []calibrationQuery
	if queries != nil && nl > 1 {
		qs, err := queries()
		if err != nil {
			return err
		}
		for i, q := range qs {
			if len(q) != ix.dim {
				return fmt.Errorf("%w: calibration query %d has %d, want %d", ErrDim, i, len(q), ix.dim)
			}
			served = append(served, calibrationQuery{q: q, self: loc{-1, -1}})
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
	vec := func(id string) []float32 {
		at := ix.where[id]
		p := int(at.pos) * ix.dim
		return ix.lists[at.list].vecs[p : p+ix.dim]
	}
	sampleN := ix.opts.TrainSample
	if sampleN <= 0 {
		sampleN = 48 * nl
	}
	sampleN = min(sampleN, n)
	rng := rand.New(rand.NewPCG(ix.opts.Seed, 0x5851f42d4c957f2d))
	perm := rng.Perm(n)[:sampleN]
	slices.Sort(perm)
	sample := make([]float32, 0, sampleN*ix.dim)
	for _, i := range perm {
		sample = append(sample, vec(ids[i])...)
	}
	iters := ix.opts.TrainIters
	if iters <= 0 {
		iters = 10
	}
	cent, err := kmeans(ctx, sample, ix.dim, nl, iters, rng, workers)
	if err != nil {
		return err
	}
	// Assign every vector, in id order, in parallel.
	assign := make([]int32, n)
	parallel.Chunks(n, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if i%4096 == 0 && ctx.Err() != nil {
				return
			}
			assign[i] = int32(nearest(cent, ix.dim, vec(ids[i])))
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	counts := make([]int, nl)
	for _, a := range assign {
		counts[a]++
	}
	lists := make([]list, nl)
	for l := range lists {
		lists[l] = list{ids: make([]string, 0, counts[l]), vecs: make([]float32, 0, counts[l]*ix.dim)}
	}
	where := make(map[string]loc, n)
	for i, id := range ids {
		l := &lists[assign[i]]
		where[id] = loc{assign[i], int32(len(l.ids))}
		l.ids = append(l.ids, id)
		l.vecs = append(l.vecs, vec(id)...)
	}
	ix.centroids, ix.lists, ix.where = cent, lists, where
	ix.encodeAll(workers)
	if len(served) == 0 {
		served = ix.storedQueries()
	}
	ix.probes, ix.rerank = ix.calibrate(ctx, workers, served)
	return ctx.Err()
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

// Probes is the number of lists a query scans.
func (ix *Index) Probes() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.probe()
}

// Lists is the number of lists the vectors are partitioned into.
func (ix *Index) Lists() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.lists)
}

// SetProbes makes queries scan n lists (at most all of them) instead of
// the calibrated count; 0 restores it.
func (ix *Index) SetProbes(n int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.opts.Probe = n
}

// Rerank is how many of the best estimates from the codes a query for
// ten results scores exactly.
func (ix *Index) Rerank() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.rerankDepth(10)
}

// Upgraded reports whether Open had to encode or calibrate the index
// because its file was of an older format; saving it spares the next Open
// that work.
func (ix *Index) Upgraded() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.upgraded
}
