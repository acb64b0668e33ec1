package vector

import (
	"errors"
	"fmt"
	"slices"
	"sync"
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
	// ScanBudget bounds the vectors whose codes a query estimates (the
	// nearest lists first, at least one list); 0 means 250,000, negative
	// unbounded. RerankBudget bounds the estimates scored exactly; 0 means
	// 1,000, negative unbounded. SearchBounded says when they cut a query.
	ScanBudget, RerankBudget int
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
	// file is the index file the index was opened from, while it still
	// holds what that file does: SaveFile links it instead of writing.
	file string
}

type list struct {
	ids  []string
	vecs []float32
	// codes and ws hold each vector's residual code and weight once the
	// index is trained.
	codes []byte
	ws    []float32
	// shared is set while vecs, codes and ws are views of a file (mapped
	// read-only, or a buffer Open read): writes in place copy them first.
	shared bool
}

// own copies a list's arrays that are views of a file, before a write in
// place. Appends need no copy: a view's capacity is its length.
func (ls *list) own() {
	if ls.shared {
		ls.vecs, ls.codes, ls.ws = slices.Clone(ls.vecs), slices.Clone(ls.codes), slices.Clone(ls.ws)
		ls.shared = false
	}
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
	ix.file = ""
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
	ix.file = ""
	ls := &ix.lists[at.list]
	last := len(ls.ids) - 1
	if int(at.pos) != last {
		ls.own()
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
