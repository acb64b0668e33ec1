package topicmap

import (
	"math"
	"slices"
	"strings"

	"github.com/viterin/vek/vek32"
)

// Facet is one sense or sub-area among a query's matches: one fine topic,
// or several neighbouring ones that say the same thing, with how many of
// the matches they hold together.
type Facet struct {
	Topic   int   // its largest fine topic: the facet's slug and area
	Area    int   // that topic's area
	Members []int // its fine topics, the most matches first (Topic first)
	Count   int   // matches in all its fine topics
}

// FacetOptions tune Facets; zero fields take the defaults noted.
type FacetOptions struct {
	Max int // facets at most: 10
	// MinShare is the smallest facet as a share of the matches: 0.005
	// (and never fewer than 3 papers).
	MinShare float64
}

// A topic of the map holds 0.2 % of the papers on average (424 topics of
// 80k papers); a query's senses are as thin: 0.5 % of alignment's
// matches is a sense (forced speech alignment) that 1 % hides.

// memberLift is how much more often than all papers a fine topic's
// papers must match for it to count in a facet: a topic the query is about
// holds more than its share of the matches, one that merely mentions it
// about its share or less. (1.3 hid cross-lingual alignment, 1.15 let
// in "chest x-ray" for it: 'eval topics'.)
const memberLift = 1.0

// Facets chooses, from counts (matching papers per fine topic, over all
// total matches), the senses or sub-areas that explain the matches best.
// A fine topic takes part when the share of its papers that match is at
// least memberLift times the share of all papers that do (its lift), so a
// topic the query is about counts and one that merely mentions it does
// not. Taking topics by matches, each joins the sense whose centroid is
// nearest if that is alike enough (senseJoins), else starts one: a facet
// is one or several neighbouring topics, and its count is their matches
// together. Senses of at least MinShare of the matches are then chosen
// greedily by matches × √lift × (1 − similarity to the chosen ones)², so
// each next facet is a different sense rather than a neighbour of the
// first. When all the matches make one sense (a clear query) the join
// tightens until its sub-areas show. Facets are ordered by count.
func (m *Map) Facets(counts []int, total int, opts FacetOptions) []Facet {
	if opts.Max <= 0 {
		opts.Max = 10
	}
	if opts.MinShare <= 0 {
		opts.MinShare = 0.005
	}
	if total == 0 {
		return nil
	}
	minCount := max(3, int(math.Ceil(opts.MinShare*float64(total))))
	// A member may be smaller than a facet: a sense spread over several
	// topics (speech alignment over recognition, synthesis and lip sync)
	// gathers them.
	minMember := max(2, minCount/3)
	m.mu.RLock()
	papers := 0
	for _, c := range m.counts {
		papers += c
	}
	rate := float64(total) / float64(max(papers, 1))
	var ms []member
	for t, c := range counts {
		if c < minMember {
			continue
		}
		size := max(m.counts[t], c)
		if float64(c)/float64(size) >= memberLift*rate || rate >= 1 {
			ms = append(ms, member{t, c, size})
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(ms, func(a, b member) int {
		if a.c != b.c {
			return b.c - a.c
		}
		return a.t - b.t
	})
	// Joining costs members × senses dot products per try: the topics
	// with the most matches, a dozen per facet, hold the senses worth
	// showing.
	ms = ms[:min(len(ms), 12*opts.Max)]
	// A clear query's matching topics are all neighbours: joined as
	// freely as an ambiguous query's they would make one facet, so the
	// join tightens until the facets show its sub-areas.
	var out []Facet
	for _, join := range senseJoins {
		fs := m.senses(ms, counts, rate, minCount, join, opts.Max)
		if len(fs) > len(out) {
			out = fs
		}
		if len(out) >= minFacets {
			break
		}
	}
	return out
}

// senseJoins are the cosines between a fine topic's centroid and a
// sense's (its members' centroids weighted by their matches) above which
// the topic joins the sense, tried in turn until the facets are at least
// minFacets (or the most of them). Centroids of neighbouring topics of the
// 80k papers are 0.4-0.75 alike, of unrelated ones about 0; 2 joins none.
var senseJoins = []float32{0.45, 0.55, 0.65, 2}

const minFacets = 2

type member struct{ t, c, size int }

// senses groups ms (the most matches first) into senses at cosine join
// and picks facets among them.
func (m *Map) senses(ms []member, counts []int, rate float64, minCount int, join float32, maxFacets int) []Facet {
	type sense struct {
		members     []int
		count, size int
		sum         []float32 // Σ count × centroid
		cen         []float32 // sum, normalised
		base        float64
		sim         float32 // highest similarity to a chosen sense
	}
	var ss []*sense
	dim := m.info.Dim
	for _, x := range ms {
		c := m.Centroid(x.t)
		var to *sense
		best := join
		for _, s := range ss {
			if d := vek32.Dot(c, s.cen); d >= best {
				to, best = s, d
			}
		}
		if to == nil {
			to = &sense{sum: make([]float32, dim), cen: make([]float32, dim)}
			ss = append(ss, to)
		}
		to.members = append(to.members, x.t)
		to.count += x.c
		to.size += x.size
		for i, v := range c {
			to.sum[i] += v * float32(x.c)
		}
		copy(to.cen, to.sum)
		if n := vek32.Norm(to.cen); n > 0 {
			vek32.DivNumber_Inplace(to.cen, n)
		}
	}
	cs := ss[:0]
	for _, s := range ss {
		if s.count >= minCount {
			lift := float64(s.count) / float64(s.size) / rate
			s.base = float64(s.count) * math.Sqrt(lift)
			cs = append(cs, s)
		}
	}
	var out []Facet
	for len(out) < maxFacets && len(cs) > 0 {
		bi, bs := -1, -1.0
		for i, s := range cs {
			d := 1 - float64(max(s.sim, 0))
			if v := s.base * d * d; v > bs || (v == bs && s.members[0] < cs[bi].members[0]) {
				bi, bs = i, v
			}
		}
		s := cs[bi]
		out = append(out, Facet{Topic: s.members[0], Area: m.fine[s.members[0]].Parent, Members: s.members, Count: s.count})
		cs[bi] = cs[len(cs)-1]
		cs = cs[:len(cs)-1]
		for _, o := range cs {
			o.sim = max(o.sim, vek32.Dot(s.cen, o.cen))
		}
	}
	sortFacets(out)
	// A facet far smaller than the largest is a stray mention, and would
	// make a clear query look ambiguous.
	for i, f := range out {
		if i > 0 && f.Count*minOfLargest < out[0].Count {
			return out[:i]
		}
	}
	return out
}

// minOfLargest: a facet holds at least 1/minOfLargest of the largest one.
const minOfLargest = 20

func sortFacets(fs []Facet) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && (fs[j].Count > fs[j-1].Count || fs[j].Count == fs[j-1].Count && fs[j].Topic < fs[j-1].Topic); j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// FacetLabel names a facet for a query so a person recognises the sense:
// the first phrase among its topics' terms and phrases (its largest
// topic's first) whose last word is a word of the query ("forced alignment", "safety
// alignment"), followed by its largest topic's first term unless they
// overlap; without one, its largest topic's label.
func (m *Map) FacetLabel(f Facet, query string) string {
	main := m.fine[f.Topic]
	want := map[string]bool{}
	qk := PhraseKey(query)
	for _, w := range strings.Fields(qk) {
		want[w] = true
	}
	for _, t := range f.Members {
		phrases := slices.Concat(m.fine[t].Terms, m.fine[t].Phrases)
		for i, key := range m.phraseKeys(t) {
			term := phrases[i]
			// The query's word must be the phrase's head, its last word
			// ("forced alignment", not "align medical"), or the phrase
			// must hold the whole query of several words.
			words := strings.Fields(key)
			if key == qk || len(words) == 0 || !want[words[len(words)-1]] && (len(want) < 2 || !strings.Contains(key, qk)) {
				continue
			}
			if len(main.Terms) == 0 || overlaps(key, PhraseKey(main.Terms[0])) {
				return term
			}
			return term + " · " + main.Terms[0]
		}
	}
	return main.Label
}

// Senses counts how many different things a query's facets say it means:
// facets whose largest topics' centroids are at least minSim alike count
// once, joined transitively.
func (m *Map) Senses(fs []Facet, minSim float32) int {
	parent := make([]int, len(fs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	for i := range fs {
		for j := range i {
			if vek32.Dot(m.Centroid(fs[i].Topic), m.Centroid(fs[j].Topic)) >= minSim {
				parent[find(i)] = find(j)
			}
		}
	}
	n := 0
	for i := range parent {
		if find(i) == i {
			n++
		}
	}
	return n
}

// phraseKeys returns the PhraseKeys of fine topic t's terms and then its
// phrases, made once: a facet label reads dozens a query.
func (m *Map) phraseKeys(t int) []string {
	m.keysMu.Lock()
	defer m.keysMu.Unlock()
	if m.keys == nil {
		m.keys = make([][]string, len(m.fine))
	}
	if m.keys[t] == nil {
		ks := make([]string, 0, len(m.fine[t].Terms)+len(m.fine[t].Phrases))
		for _, p := range slices.Concat(m.fine[t].Terms, m.fine[t].Phrases) {
			ks = append(ks, PhraseKey(p))
		}
		m.keys[t] = ks
	}
	return m.keys[t]
}
