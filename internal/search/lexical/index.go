package lexical

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// maxSegments is how many segments may pile up before small ones are merged.
const maxSegments = 8

// segView is a segment with the deletions that apply to it.
type segView struct {
	seg  *segment
	del  bitset
	live int
}

// snapshot is an immutable view of the whole index; readers load it with one
// atomic read and never lock.
type snapshot struct {
	segs []*segView
	// spell caches the spelling corrections' candidates (spell.go).
	spell atomic.Pointer[spellList]
}

func (sn *snapshot) live() int {
	n := 0
	for _, v := range sn.segs {
		n += v.live
	}
	return n
}

// Index is an inverted index of papers. Searches run concurrently with each
// other and with one writer at a time; every write is visible to searches
// that start after it returns.
type Index struct {
	mu      sync.Mutex // serialises writers
	snap    atomic.Pointer[snapshot]
	lastSeq atomic.Uint64
	// workBudget replaces defaultWorkBudget when above zero.
	workBudget float64
}

// SetWorkBudget sets how many postings the candidate-producing words of a
// long query may read before the most frequent move to rescoring
// (defaultWorkBudget when zero), for measuring the trade-off. Call it
// before searching.
func (ix *Index) SetWorkBudget(postings float64) { ix.workBudget = postings }

func (ix *Index) budget() float64 {
	if ix.workBudget > 0 {
		return ix.workBudget
	}
	return defaultWorkBudget
}

// New returns an empty index.
func New() *Index {
	ix := &Index{}
	ix.snap.Store(&snapshot{})
	return ix
}

// Len returns the number of live documents.
func (ix *Index) Len() int { return ix.snap.Load().live() }

// Segments returns the number of segments, for monitoring.
func (ix *Index) Segments() int { return len(ix.snap.Load().segs) }

// LastSeq returns the change-feed sequence number the index has applied.
func (ix *Index) LastSeq() uint64 { return ix.lastSeq.Load() }

// SetLastSeq records the change-feed sequence number the index has applied;
// Save persists it.
func (ix *Index) SetLastSeq(seq uint64) { ix.lastSeq.Store(seq) }

// analyseAll analyses docs on all cores, keeping their order.
func analyseAll(docs []Document) []analysedDoc {
	out := make([]analysedDoc, len(docs))
	workers := runtime.GOMAXPROCS(0)
	if len(docs) < 64 || workers == 1 {
		a := newAnalyzer()
		for i := range docs {
			out[i] = a.analyse(docs[i])
		}
		return out
	}
	var wg sync.WaitGroup
	chunk := (len(docs) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(docs))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := newAnalyzer()
			for i := lo; i < hi; i++ {
				out[i] = a.analyse(docs[i])
			}
		}()
	}
	wg.Wait()
	return out
}

// Add adds documents, replacing any existing document with the same ID
// (compared exactly, after trimming spaces).
// The documents are searchable when Add returns. Add documents in batches:
// each call creates a segment (small ones are merged automatically).
func (ix *Index) Add(docs ...Document) error {
	if len(docs) == 0 {
		return nil
	}
	for i := range docs {
		if strings.TrimSpace(docs[i].ID) == "" {
			return fmt.Errorf("search: add: document %d of %d has no ID", i+1, len(docs))
		}
	}
	ads := analyseAll(docs)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	cur := ix.snap.Load()
	// Last one wins within the batch.
	last := make(map[string]int, len(ads))
	for i := range ads {
		last[ads[i].id] = i
	}
	ids := make([]string, 0, len(last))
	for id := range last {
		ids = append(ids, id)
	}
	segs := deleteIDs(cur.segs, ids)
	b := newBuilder()
	for i := range ads {
		if last[ads[i].id] == i {
			b.add(&ads[i])
		}
	}
	st := statsFor(segs, b)
	seg := b.finish(st)
	segs = append(segs, &segView{seg: seg, live: seg.nDocs})
	segs = mergePolicy(segs)
	ix.snap.Store(&snapshot{segs: segs})
	return nil
}

// statsFor returns corpus statistics over segs plus the builder's batch.
func statsFor(segs []*segView, b *builder) *corpusStats {
	n := len(b.ids)
	sum := b.sum
	docs := n
	for _, v := range segs {
		n += v.live
		docs += v.seg.nDocs
		for f := range 3 {
			sum[f] += v.seg.sumLen[f]
		}
	}
	st := &corpusStats{n: float64(n)}
	for f := range 3 {
		st.avgLen[f] = float64(sum[f]) / math.Max(1, float64(docs))
	}
	st.df = func(t string, local uint32) float64 {
		df := float64(local)
		for _, v := range segs {
			if i := v.seg.lookup(t); i >= 0 {
				df += float64(v.seg.termDF[i])
			}
		}
		return min(df, math.Max(st.n, 1))
	}
	return st
}

// deleteIDs returns segs with the given IDs marked deleted, copying only the
// deletion sets it changes.
func deleteIDs(segs []*segView, ids []string) []*segView {
	out := slices.Clone(segs)
	for i, v := range out {
		var del bitset
		changed := 0
		for _, id := range ids {
			d := v.seg.findID(id)
			if d < 0 || v.del.has(uint32(d)) || del.has(uint32(d)) {
				continue
			}
			if del == nil {
				del = make(bitset, (v.seg.nDocs+63)/64)
				copy(del, v.del)
			}
			del[d>>6] |= 1 << (uint(d) & 63)
			changed++
		}
		if changed > 0 {
			out[i] = &segView{seg: v.seg, del: del, live: v.live - changed}
		}
	}
	// Drop segments with nothing left.
	return slices.DeleteFunc(out, func(v *segView) bool { return v.live == 0 })
}

// Delete removes documents by ID and returns how many it found.
func (ix *Index) Delete(ids ...string) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	norm := make([]string, len(ids))
	for i, id := range ids {
		norm[i] = strings.TrimSpace(id)
	}
	cur := ix.snap.Load()
	segs := deleteIDs(cur.segs, norm)
	n := cur.live() - (&snapshot{segs: segs}).live()
	ix.snap.Store(&snapshot{segs: segs})
	return n
}

// mergePolicy merges the smaller half of the segments while there are too
// many, so a stream of small batches costs O(log n) rewrites per document and
// the big segment is rewritten only when something comparable joins it.
func mergePolicy(segs []*segView) []*segView {
	for len(segs) > maxSegments {
		sorted := slices.Clone(segs)
		slices.SortFunc(sorted, func(a, b *segView) int { return cmp.Compare(b.live, a.live) })
		k := len(sorted) / 2
		merged := mergeSegments(sorted[k:])
		segs = sorted[:k:k]
		if merged.nDocs > 0 {
			segs = append(segs, &segView{seg: merged, live: merged.nDocs})
		}
	}
	return segs
}

// Compact merges all segments into one, dropping deleted documents. It
// blocks other writers (not readers) while it runs. Impacts are kept as they
// were computed, so scoring statistics drift slowly as the corpus grows;
// rebuild from the database now and then to refresh them.
func (ix *Index) Compact() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	cur := ix.snap.Load()
	if len(cur.segs) == 0 || len(cur.segs) == 1 && cur.segs[0].live == cur.segs[0].seg.nDocs {
		return
	}
	merged := mergeSegments(cur.segs)
	if merged.nDocs == 0 {
		ix.snap.Store(&snapshot{})
		return
	}
	ix.snap.Store(&snapshot{segs: []*segView{{seg: merged, live: merged.nDocs}}})
}

// Builder builds a new index from many documents at once; statistics are
// computed over the whole set, which makes it the right tool for a full
// (re)build. Analysis runs in the background while the caller produces
// documents. Call Finish to get the index (and to release the background
// goroutine). It is not safe for concurrent use.
type Builder struct {
	b       *builder
	pending []Document
	batches chan chan []analysedDoc // analysed batches, in order
	done    chan struct{}
	seen    map[string]uint32
	dups    []uint32

	// Spilling (SpillTo): runs written so far, in document order, in dir.
	spillParent string
	runBytes    int
	dir         string
	runs        []*spillFile
	spilled     int // runs written, for tests
	err         error
}

// SpillTo bounds the postings the Builder holds in memory to about
// runBytes (DefaultRunBytes when 0): beyond that it writes them to a run
// file in a new directory under parent (the system's temporary directory
// when empty), and Build merges the runs into a segment file there, which
// the index then maps rather than holding on the heap. The index is the
// one an in-memory build makes. Call it before Add.
func (bl *Builder) SpillTo(parent string, runBytes int) {
	if runBytes <= 0 {
		runBytes = DefaultRunBytes
	}
	bl.spillParent, bl.runBytes = parent, runBytes
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	bl := &Builder{
		b:       newBuilder(),
		seen:    map[string]uint32{},
		batches: make(chan chan []analysedDoc, 3),
		done:    make(chan struct{}),
	}
	go bl.insert()
	return bl
}

// insert adds analysed batches to the builder in the order they were queued.
func (bl *Builder) insert() {
	defer close(bl.done)
	for fut := range bl.batches {
		ads := <-fut
		for i := range ads {
			ad := &ads[i]
			if old, ok := bl.seen[ad.id]; ok {
				bl.dups = append(bl.dups, old)
			}
			bl.seen[ad.id] = uint32(len(bl.b.ids))
			bl.b.add(ad)
			if bl.runBytes > 0 && bl.b.mem >= bl.runBytes && bl.err == nil {
				bl.err = bl.spill()
			}
		}
	}
}

// spill writes the builder's postings to a new run.
func (bl *Builder) spill() error {
	if bl.dir == "" {
		dir, err := buildDir(bl.spillParent)
		if err != nil {
			return fmt.Errorf("search: build: %w", err)
		}
		bl.dir = dir
	}
	r, err := bl.b.spillRun(bl.dir)
	if err != nil {
		return err
	}
	bl.runs = append(bl.runs, r)
	bl.spilled++
	return nil
}

// Add queues a document; a later document with the same ID replaces it.
func (bl *Builder) Add(d Document) error {
	if strings.TrimSpace(d.ID) == "" {
		return fmt.Errorf("search: build: document %q has no ID", d.Title)
	}
	bl.pending = append(bl.pending, d)
	if len(bl.pending) >= 2048 {
		bl.flush()
	}
	return nil
}

func (bl *Builder) flush() {
	if len(bl.pending) == 0 {
		return
	}
	docs := bl.pending
	bl.pending = make([]Document, 0, cap(docs))
	fut := make(chan []analysedDoc, 1)
	go func() { fut <- analyseAll(docs) }()
	bl.batches <- fut
}

// Finish builds the index. The Builder must not be used afterwards. A
// Builder that spills (SpillTo) can fail writing its files: use Build;
// Finish panics on that error.
func (bl *Builder) Finish() *Index {
	ix, err := bl.Build()
	if err != nil {
		panic(err)
	}
	return ix
}

// Discard abandons the build and removes its files. The Builder must not
// be used afterwards.
func (bl *Builder) Discard() {
	close(bl.batches)
	<-bl.done
	for _, r := range bl.runs {
		r.remove()
	}
	if bl.dir != "" {
		os.RemoveAll(bl.dir)
	}
	bl.b, bl.seen, bl.runs = nil, nil, nil
}

// Build builds the index. The Builder must not be used afterwards.
func (bl *Builder) Build() (*Index, error) {
	bl.flush()
	close(bl.batches)
	<-bl.done
	bl.seen = nil
	var v *segView
	if bl.err != nil || len(bl.runs) > 0 {
		if bl.err == nil {
			v, bl.err = bl.finishSpilled()
		} else {
			for _, r := range bl.runs {
				r.remove()
			}
			if bl.dir != "" {
				os.RemoveAll(bl.dir)
			}
		}
		if bl.err != nil {
			return nil, bl.err
		}
	} else {
		seg := bl.b.finish(nil)
		v = &segView{seg: seg, live: seg.nDocs}
	}
	bl.b = nil
	ix := New()
	if v.seg.nDocs == 0 {
		return ix, nil
	}
	if len(bl.dups) > 0 {
		v.del = make(bitset, (v.seg.nDocs+63)/64)
		for _, d := range bl.dups {
			if !v.del.has(d) {
				v.del[d>>6] |= 1 << (d & 63)
				v.live--
			}
		}
	}
	ix.snap.Store(&snapshot{segs: []*segView{v}})
	return ix, nil
}
