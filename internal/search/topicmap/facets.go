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
// nearest if that is alike enough (senseJoins), else starts one; then
// senses whose centroids are nearly as alike merge (mergeSenses), which
// gathers one sense said by topics of several areas (LLM alignment by
// value, safety and preference topics). A facet is one or several
// topics, and its count is their matches together. Senses of at least
// MinShare of the matches are then chosen greedily by matches × √lift ×
// (1 − similarity to the chosen ones)², so each next facet is a
// different sense rather than a neighbour of the first. When the matches
// make one sense, or one holds most of them (a clear query), the join
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
		if len(fs) >= minFacets && !dominated(fs) {
			return fs
		}
		if len(fs) > len(out) {
			out = fs
		}
	}
	return out
}

// dominantShare: facets whose largest holds more than this share of
// their matches show one sense and its strays, not the query's senses:
// the join tightens to show that sense's sub-areas.
const dominantShare = 0.5

func dominated(fs []Facet) bool {
	total := 0
	for _, f := range fs {
		total += f.Count
	}
	return float64(fs[0].Count) > dominantShare*float64(total)
}

// senseJoins are the cosines between a fine topic's centroid and a
// sense's (its members' centroids weighted by their matches) above which
// the topic joins the sense, tried in turn until the facets are at least
// minFacets (or the most of them). Centroids of neighbouring topics of the
// 80k papers are 0.4-0.75 alike, of unrelated ones about 0; 2 joins none.
var senseJoins = []float32{0.45, 0.55, 0.65, 2}

const minFacets = 2

type member struct{ t, c, size int }

// sense is one or several fine topics among a query's matches.
type sense struct {
	members     []int
	count, size int
	sum         []float32 // Σ count × centroid
	cen         []float32 // sum, normalised
	base        float64
	sim         float32 // highest similarity to a chosen sense
}

func (s *sense) normalise() {
	copy(s.cen, s.sum)
	if n := vek32.Norm(s.cen); n > 0 {
		vek32.DivNumber_Inplace(s.cen, n)
	}
}

// senseMergeBelow: senses are merged when their centroids are this much
// less alike than a topic must be to join one (at the first, loosest
// join only). A sense's centroid (its
// topics' weighted by matches) keeps what they share and averages out
// what each says alone, so groups of topics about one thing are more
// alike than any two of their topics: on the 80k papers, alignment's
// value, safety and language-model alignment senses are 0.35-0.37
// alike, their topics 0.24-0.41, and senses of other things under 0.3.
const senseMergeBelow = 0.10

// mergeSenses merges the two most alike senses of ss while their
// centroids are at least at alike (average linkage over the matches);
// a merged sense lists its topics by counts, the most matches first.
func mergeSenses(ss []*sense, counts []int, at float32) []*sense {
	if at > 1 || len(ss) < 2 {
		return ss
	}
	n := len(ss)
	sim := make([]float32, n*n)
	for i := range n {
		for j := i + 1; j < n; j++ {
			sim[i*n+j] = vek32.Dot(ss[i].cen, ss[j].cen)
		}
	}
	alive := make([]bool, n)
	for i := range alive {
		alive[i] = true
	}
	for {
		bi, bj, best := -1, -1, at
		for i := range n {
			if !alive[i] {
				continue
			}
			for j := i + 1; j < n; j++ {
				if alive[j] && sim[i*n+j] >= best {
					bi, bj, best = i, j, sim[i*n+j]
				}
			}
		}
		if bi < 0 {
			break
		}
		a, b := ss[bi], ss[bj]
		a.members = append(a.members, b.members...)
		slices.SortFunc(a.members, func(x, y int) int {
			if counts[x] != counts[y] {
				return counts[y] - counts[x]
			}
			return x - y
		})
		a.count += b.count
		a.size += b.size
		vek32.Add_Inplace(a.sum, b.sum)
		a.normalise()
		alive[bj] = false
		for k := range n {
			if alive[k] && k != bi {
				d := vek32.Dot(a.cen, ss[k].cen)
				sim[min(k, bi)*n+max(k, bi)] = d
			}
		}
	}
	out := ss[:0]
	for i, s := range ss {
		if alive[i] {
			out = append(out, s)
		}
	}
	return out
}

// senses groups ms (the most matches first) into senses at cosine join
// and picks facets among them.
func (m *Map) senses(ms []member, counts []int, rate float64, minCount int, join float32, maxFacets int) []Facet {
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
		to.normalise()
	}
	if join == senseJoins[0] {
		// The tighter joins are there to split a clear query's sense.
		ss = mergeSenses(ss, counts, join-senseMergeBelow)
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
// topic's first) whose last word is a word of the query ("forced
// alignment", "safety alignment"). A facet that joins topics adds such a
// phrase of another of its largest topics that shares no other word
// ("value alignment · safety alignment"): one sense said by several
// topics is named by two of them. Otherwise the phrase is followed by
// the largest topic's first term unless they overlap; without one, the
// facet is its largest topic's label.
func (m *Map) FacetLabel(f Facet, query string) string {
	main := m.fine[f.Topic]
	want := map[string]bool{}
	qk := PhraseKey(query)
	for _, w := range strings.Fields(qk) {
		want[w] = true
	}
	first, firstKey, firstTopic := "", "", -1
	for k, t := range f.Members {
		if first != "" && k >= secondFrom {
			break
		}
		phrases := slices.Concat(m.fine[t].Terms, m.fine[t].Phrases)
		for i, key := range m.phraseKeys(t) {
			// The query's word must be the phrase's head, its last word
			// ("forced alignment", not "align medical"), or the phrase
			// must hold the whole query of several words.
			last := key[strings.LastIndexByte(key, ' ')+1:]
			if key == qk || key == "" || !want[last] && (len(want) < 2 || !strings.Contains(key, qk)) {
				continue
			}
			if first == "" {
				first, firstKey, firstTopic = phrases[i], key, t
				break
			}
			// Of a query of several words, the second holds it all
			// ("text-to-image diffusion models", not "body model").
			if t != firstTopic && !sharesWord(key, firstKey, want) && (len(want) < 2 || strings.Contains(key, qk)) {
				return first + " · " + phrases[i]
			}
		}
	}
	switch {
	case first == "":
		return main.Label
	case len(main.Terms) == 0 || overlaps(firstKey, PhraseKey(main.Terms[0])):
		return first
	}
	return first + " · " + main.Terms[0]
}

// secondFrom: a facet's second query phrase comes from one of its
// largest few topics, those that say most of what it is.
const secondFrom = 4

// sharesWord reports whether phrase keys a and b share a word (or a part
// of a hyphenated one) other than those of skip: "text-to-image
// alignment" and "text-image alignment" do.
func sharesWord(a, b string, skip map[string]bool) bool {
	split := func(r rune) bool { return r == ' ' || r == '-' }
	in := map[string]bool{}
	for _, w := range strings.FieldsFunc(a, split) {
		in[w] = !skip[w]
	}
	for _, w := range strings.FieldsFunc(b, split) {
		if in[w] && !skip[w] {
			return true
		}
	}
	return false
}

// FacetLabels names each of fs as FacetLabel does, but never two alike:
// sub-areas of a clear query are often named by one phrase ("3d gaussian
// splatting"), so a label already given gives way to the facet's largest
// topic's label, then to its first term with each of its others.
func (m *Map) FacetLabels(fs []Facet, query string) []string {
	out := make([]string, len(fs))
	used := map[string]bool{}
	for i, f := range fs {
		t := m.fine[f.Topic]
		cands := []string{m.FacetLabel(f, query), t.Label}
		for k := 1; k < len(t.Terms); k++ {
			cands = append(cands, t.Terms[0]+" · "+t.Terms[k])
		}
		out[i] = cands[0]
		for _, c := range cands {
			if !used[c] {
				out[i] = c
				break
			}
		}
		used[out[i]] = true
	}
	return out
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
