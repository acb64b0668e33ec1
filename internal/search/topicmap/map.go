package topicmap

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/viterin/vek/vek32"
)

// Topic is one topic of the map: a fine topic, or a broad area (Parent
// -1).
type Topic struct {
	Slug  string   `json:"slug"`
	Label string   `json:"label"`
	Terms []string `json:"terms"` // distinctive phrases, the most first
	// Phrases are a fine topic's best phrases before near-duplicates are
	// left out, for naming a query's facet by one holding its word.
	Phrases []string `json:"phrases,omitempty"`
	// Parent is the index of the area a fine topic belongs to; -1 for an
	// area.
	Parent int `json:"parent"`
}

// NoTopic is what TopicOf returns for a paper the map does not hold.
const NoTopic = -1

// Map is a two-level topic map of a corpus: fine topics, each in one
// broad area, each with a centroid in the embedding space, and every
// paper's fine topic. It is safe for concurrent use.
type Map struct {
	info  Info
	areas []Topic
	fine  []Topic
	areaC []float32 // len(areas) × Dim
	fineC []float32 // len(fine) × Dim
	// children lists each area's fine topics.
	children [][]int
	bySlug   map[string]int // fine i → i, area a → -1-a

	mu     sync.RWMutex
	of     map[string]uint16 // paper → fine topic
	dense  *denseIDs         // the same for modern arXiv ids (dense.go)
	counts []int             // papers per fine topic
	// members lists each fine topic's papers, sorted: a topic's page
	// reads what the topic holds instead of walking every paper.
	members [][]string

	keysMu sync.Mutex
	keys   [][]string // fine topic → its terms' and phrases' PhraseKeys (phraseKeys)
}

// Info describes a map; it is saved with it.
type Info struct {
	Dim  int    `json:"dim"`
	Seed uint64 `json:"seed"`
	// Model is the fingerprint of the embedding model whose vectors the
	// map clusters: a map is only valid beside that model.
	Model  string `json:"model"`
	Papers int    `json:"papers"` // papers clustered when it was built
}

// Info describes the map.
func (m *Map) Info() Info { return m.info }

// Areas returns the broad areas.
func (m *Map) Areas() []Topic { return m.areas }

// Topics returns the fine topics.
func (m *Map) Topics() []Topic { return m.fine }

// Children returns the fine topics of area a.
func (m *Map) Children(a int) []int { return m.children[a] }

// BySlug finds a topic by its slug: a fine topic (area false) or an area.
func (m *Map) BySlug(slug string) (i int, area, ok bool) {
	v, ok := m.bySlug[slug]
	if !ok {
		return 0, false, false
	}
	if v < 0 {
		return -1 - v, true, true
	}
	return v, false, true
}

// Centroid returns the unit centroid of fine topic i.
func (m *Map) Centroid(i int) []float32 { return m.fineC[i*m.info.Dim : (i+1)*m.info.Dim] }

// AreaCentroid returns the unit centroid of area a.
func (m *Map) AreaCentroid(a int) []float32 { return m.areaC[a*m.info.Dim : (a+1)*m.info.Dim] }

// Count returns how many papers fine topic i holds.
func (m *Map) Count(i int) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.counts[i]
}

// AreaCount returns how many papers area a holds.
func (m *Map) AreaCount(a int) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, c := range m.children[a] {
		n += m.counts[c]
	}
	return n
}

// Len returns how many papers the map holds.
func (m *Map) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.of)
}

// TopicOf returns the fine topic of a paper, or NoTopic.
func (m *Map) TopicOf(id string) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if t, ok := m.of[id]; ok {
		return int(t)
	}
	return NoTopic
}

// Papers returns the ids of the papers of fine topic i, or of area i
// when area is true, sorted: a copy, as the map changes when papers
// arrive. An area's are its topics' lists merged.
func (m *Map) Papers(i int, area bool) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !area {
		return slices.Clone(m.members[i])
	}
	lists := make([][]string, 0, len(m.children[i]))
	for _, c := range m.children[i] {
		lists = append(lists, m.members[c])
	}
	// Pairwise merges: log₂(topics) passes over the area's papers.
	for len(lists) > 1 {
		next := lists[:0:0]
		for k := 0; k < len(lists); k += 2 {
			if k+1 == len(lists) {
				next = append(next, lists[k])
				break
			}
			next = append(next, mergeSorted(lists[k], lists[k+1]))
		}
		lists = next
	}
	if len(lists) == 0 {
		return nil
	}
	return slices.Clone(lists[0])
}

// mergeSorted merges two sorted lists into a new one.
func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// addMember and dropMember keep members sorted; the caller holds m.mu.
func (m *Map) addMember(t int, id string) {
	if i, found := slices.BinarySearch(m.members[t], id); !found {
		m.members[t] = slices.Insert(m.members[t], i, id)
	}
}

func (m *Map) dropMember(t int, id string) {
	if i, found := slices.BinarySearch(m.members[t], id); found {
		m.members[t] = slices.Delete(m.members[t], i, i+1)
	}
}

// Reader is a read-locked view of the papers' topics for one search: its
// lookups take no lock, so a search that asks for every match pays a map
// read per match and nothing more. Close it when done, and do not take
// another Reader in the same goroutine before.
type Reader struct{ m *Map }

// Reader read-locks the papers' topics.
func (m *Map) Reader() Reader {
	m.mu.RLock()
	return Reader{m}
}

// Close releases the lock.
func (r Reader) Close() { r.m.mu.RUnlock() }

// TopicOf returns the fine topic of the paper whose id is b, or NoTopic;
// it does not keep b.
func (r Reader) TopicOf(b []byte) int {
	if t, ok := r.m.dense.get(b); ok {
		return t
	}
	if t, ok := r.m.of[string(b)]; ok {
		return int(t)
	}
	return NoTopic
}

// Assign places a paper, new or changed, in the fine topic nearest its
// vector (see nearestFine) and returns it: how papers that arrive after
// the map was built join it, without moving any centroid.
func (m *Map) Assign(id string, v []float32) int {
	t := m.nearestFine(v)
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.of[id]; ok {
		m.counts[old]--
		m.dropMember(int(old), id)
	}
	m.of[id] = uint16(t)
	m.dense.set(id, t)
	m.counts[t]++
	m.addMember(t, id)
	return t
}

// Remove takes a paper out of the map.
func (m *Map) Remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.of[id]; ok {
		m.counts[old]--
		m.dropMember(int(old), id)
		delete(m.of, id)
		m.dense.set(id, NoTopic)
	}
}

// searchAreas is how many of the nearest areas a vector's fine topic is
// looked for in: a paper near the border of two areas finds its topic in
// either.
const searchAreas = 2

// nearestFine returns the fine topic nearest v among the children of the
// searchAreas areas nearest it: A + 2K/A dot products instead of K.
func (m *Map) nearestFine(v []float32) int {
	dim := m.info.Dim
	bt, bs := 0, float32(math.Inf(-1))
	for _, a := range mostAlike(m.areaC, dim, v, -1)[:min(searchAreas, len(m.areas))] {
		for _, c := range m.children[a] {
			if s := vek32.Dot(m.fineC[c*dim:(c+1)*dim], v); s > bs || (s == bs && c < bt) {
				bt, bs = c, s
			}
		}
	}
	return bt
}

// mostAlike orders the centroids (dim floats each) by their dot product
// with v, the largest first and ties by index, leaving out the one at
// skip (-1: none).
func mostAlike(centroids []float32, dim int, v []float32, skip int) []int {
	type scored struct {
		i int
		s float32
	}
	all := make([]scored, 0, len(centroids)/dim)
	for i := 0; i*dim < len(centroids); i++ {
		if i != skip {
			all = append(all, scored{i, vek32.Dot(centroids[i*dim:(i+1)*dim], v)})
		}
	}
	slices.SortFunc(all, func(x, y scored) int {
		if x.s != y.s {
			if x.s > y.s {
				return -1
			}
			return 1
		}
		return x.i - y.i
	})
	out := make([]int, len(all))
	for k, a := range all {
		out[k] = a.i
	}
	return out
}

// Nearest returns the n fine topics whose centroids are most like fine
// topic i's, the most alike first: its related topics.
func (m *Map) Nearest(i, n int) []int {
	all := mostAlike(m.fineC, m.info.Dim, m.Centroid(i), i)
	return all[:min(n, len(all))]
}

// Vectors is what a map is built from: the papers' unit vectors (a
// vector.Index).
type Vectors interface {
	Len() int
	Dim() int
	// Each calls fn with every paper's id and vector until it returns
	// false; fn must not keep v.
	Each(fn func(id string, v []float32) bool)
}

// Texts streams the papers' titles and abstracts, for the labels.
type Texts func(fn func(id, title, abstract string) error) error

// BuildOptions configure Build; zero fields take the defaults noted.
type BuildOptions struct {
	// Topics is the number of fine topics: 1.5·√papers, at most 4000
	// and at most papers/8.
	Topics int
	// Areas is the number of broad areas: 1.5·√Topics, at most 64.
	Areas int
	// Sample bounds the vectors the centroids learn from: 64 per fine
	// topic, at most 250,000 (at 3M papers a sample keeps the build
	// within memory and minutes; every paper is then assigned).
	Sample int
	// Iters is the number of k-means rounds at each level: 20.
	Iters int
	Seed  uint64
	// Model is the fingerprint of the embedding model (Info.Model).
	Model   string
	Workers int
	// LabelPapers bounds the papers per topic whose phrases label it: 400,
	// fewer with many topics (labelBudget papers in all).
	LabelPapers int
	Progress    func(stage string)
}

func (o BuildOptions) withDefaults(n int) BuildOptions {
	if o.Topics <= 0 {
		o.Topics = int(math.Round(1.5 * math.Sqrt(float64(n))))
		o.Topics = min(o.Topics, 4000, max(n/8, 1))
	}
	o.Topics = max(min(o.Topics, n, math.MaxUint16), 1)
	if o.Areas <= 0 {
		o.Areas = min(int(math.Round(1.5*math.Sqrt(float64(o.Topics)))), 64)
	}
	o.Areas = max(min(o.Areas, o.Topics), 1)
	if o.Sample <= 0 {
		o.Sample = min(64*o.Topics, 250_000)
	}
	if o.Iters <= 0 {
		o.Iters = 20
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.LabelPapers <= 0 {
		o.LabelPapers = 400
	}
	return o
}

// ErrNoPapers is returned by Build for a corpus without vectors.
var ErrNoPapers = errors.New("topicmap: no papers with vectors to map")

// Build maps the papers: an evenly spaced sample of their vectors is
// clustered into areas, each area's share of the sample into fine topics
// (as many as its share of the sample deserves), every paper is assigned
// its nearest fine topic, and texts label the topics. Deterministic for
// a seed, the same vectors in the same order and the same texts.
func Build(ctx context.Context, vecs Vectors, texts Texts, opts BuildOptions) (*Map, error) {
	n, dim := vecs.Len(), vecs.Dim()
	if n == 0 {
		return nil, ErrNoPapers
	}
	o := opts.withDefaults(n)
	progress := func(s string) {
		if o.Progress != nil {
			o.Progress(s)
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x746f70696373))
	// An evenly spaced sample, in the vectors' order.
	step := max(float64(n)/float64(o.Sample), 1)
	sample := make([]float32, 0, min(n, o.Sample)*dim)
	i, next := 0, 0.0
	vecs.Each(func(_ string, v []float32) bool {
		if float64(i) >= next {
			sample = append(sample, v...)
			next += step
		}
		i++
		return true
	})
	ns := len(sample) / dim
	progress(fmt.Sprintf("clustering a sample of %d vectors into %d areas", ns, o.Areas))
	areaC, areaOf, err := kmeans(ctx, sample, dim, o.Areas, o.Iters, rng, o.Workers)
	if err != nil {
		return nil, err
	}
	nAreas := len(areaC) / dim
	members := make([][]int, nAreas)
	for i, a := range areaOf {
		members[a] = append(members[a], i)
	}
	quota := apportion(members, o.Topics)
	progress(fmt.Sprintf("clustering each area into %d fine topics in all", o.Topics))
	m := &Map{info: Info{Dim: dim, Seed: o.Seed, Model: o.Model, Papers: n}}
	m.areaC = areaC
	m.children = make([][]int, nAreas)
	for a := range nAreas {
		sub := make([]float32, 0, len(members[a])*dim)
		for _, i := range members[a] {
			sub = append(sub, sample[i*dim:(i+1)*dim]...)
		}
		cs, _, err := kmeans(ctx, sub, dim, quota[a], o.Iters, rng, o.Workers)
		if err != nil {
			return nil, err
		}
		for c := 0; c*dim < len(cs); c++ {
			m.children[a] = append(m.children[a], len(m.fine))
			m.fine = append(m.fine, Topic{Parent: a})
			m.fineC = append(m.fineC, cs[c*dim:(c+1)*dim]...)
		}
	}
	m.areas = make([]Topic, nAreas)
	for a := range m.areas {
		m.areas[a].Parent = -1
	}
	sample = nil
	progress(fmt.Sprintf("assigning %d papers to %d fine topics", n, len(m.fine)))
	m.of = make(map[string]uint16, n)
	m.counts = make([]int, len(m.fine))
	var batchIDs []string
	var batch []float32
	flush := func() {
		out := make([]int, len(batchIDs))
		parallelFor(len(batchIDs), o.Workers, func(i int) { out[i] = m.nearestFine(batch[i*dim : (i+1)*dim]) })
		for i, id := range batchIDs {
			m.of[id] = uint16(out[i])
			m.counts[out[i]]++
		}
		batchIDs, batch = batchIDs[:0], batch[:0]
	}
	vecs.Each(func(id string, v []float32) bool {
		batchIDs = append(batchIDs, id)
		batch = append(batch, v...)
		if len(batchIDs) == 8192 {
			flush()
		}
		return ctx.Err() == nil
	})
	flush()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	progress("labelling the topics from their papers' phrases")
	if _, err := m.label(ctx, texts, o.LabelPapers, labelBudget); err != nil {
		return nil, err
	}
	m.index()
	return m, nil
}

// apportion shares k fine topics among the areas in proportion to their
// members (largest remainders), at least one each and never more than an
// area's members.
func apportion(members [][]int, k int) []int {
	total := 0
	for _, ms := range members {
		total += len(ms)
	}
	q := make([]int, len(members))
	type rem struct {
		a int
		r float64
	}
	var rs []rem
	given := 0
	for a, ms := range members {
		exact := float64(k) * float64(len(ms)) / float64(max(total, 1))
		q[a] = max(int(exact), 1)
		q[a] = min(q[a], max(len(ms), 1))
		given += q[a]
		rs = append(rs, rem{a, exact - math.Floor(exact)})
	}
	slices.SortStableFunc(rs, func(x, y rem) int {
		switch {
		case x.r > y.r:
			return -1
		case x.r < y.r:
			return 1
		}
		return 0
	})
	for i := 0; given < k && i < len(rs); i++ {
		if a := rs[i].a; q[a] < len(members[a]) {
			q[a]++
			given++
		}
	}
	return q
}

func parallelFor(n, workers int, fn func(i int)) {
	var wg sync.WaitGroup
	per := (n + workers - 1) / max(workers, 1)
	for lo := 0; lo < n; lo += max(per, 1) {
		hi := min(lo+per, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// index fills bySlug, the dense table of topics and the topics' lists
// of papers.
func (m *Map) index() {
	m.dense = &denseIDs{}
	for id, t := range m.of {
		m.dense.set(id, int(t))
	}
	// A map read from a file lists its papers in order already (parse).
	if m.members == nil {
		m.members = make([][]string, len(m.fine))
		for i, c := range m.counts {
			m.members[i] = make([]string, 0, c)
		}
		for id, t := range m.of {
			m.members[t] = append(m.members[t], id)
		}
		for _, ms := range m.members {
			slices.Sort(ms)
		}
	}
	m.bySlug = make(map[string]int, len(m.fine)+len(m.areas))
	for i, t := range m.fine {
		m.bySlug[t.Slug] = i
	}
	for a, t := range m.areas {
		m.bySlug[t.Slug] = -1 - a
	}
}
