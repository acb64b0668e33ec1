package topicmap

import (
	"math"

	"github.com/viterin/vek/vek32"
)

// Facet is one topic among a query's matches, with how many of them it
// holds.
type Facet struct {
	Topic int // fine topic index
	Area  int // its area
	Count int
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

// sameArea weighs down a topic for each facet already chosen in its area:
// a query's second sense is worth more than its first sense's neighbour.
const sameArea = 0.35

// Facets chooses, from counts (matching papers per fine topic, over all
// total matches), the topics that explain the matches best: greedily the
// topic with the highest count × √(share of the topic that matches) ×
// (1 − its centroid's similarity to the chosen ones)², so that a topic
// the query is about beats one that merely mentions it, and each next
// facet is a different sense or sub-area rather than a neighbour of the
// first. Facets are ordered by count.
func (m *Map) Facets(counts []int, total int, opts FacetOptions) []Facet {
	if opts.Max <= 0 {
		opts.Max = 10
	}
	if opts.MinShare <= 0 {
		opts.MinShare = 0.005
	}
	minCount := max(3, int(math.Ceil(opts.MinShare*float64(total))))
	type cand struct {
		t    int
		base float64
		sim  float32 // highest similarity to a chosen facet
		same int     // chosen facets in its area
	}
	var cs []cand
	m.mu.RLock()
	for t, c := range counts {
		if c >= minCount {
			size := max(m.counts[t], c)
			cs = append(cs, cand{t: t, base: float64(c) * math.Sqrt(float64(c)/float64(size))})
		}
	}
	m.mu.RUnlock()
	var out []Facet
	for len(out) < opts.Max && len(cs) > 0 {
		bi, bs := -1, -1.0
		for i, c := range cs {
			d := 1 - float64(max(c.sim, 0))
			s := c.base * d * d * math.Pow(sameArea, float64(c.same))
			if s > bs || (s == bs && c.t < cs[bi].t) {
				bi, bs = i, s
			}
		}
		t := cs[bi].t
		out = append(out, Facet{Topic: t, Area: m.fine[t].Parent, Count: counts[t]})
		cs[bi] = cs[len(cs)-1]
		cs = cs[:len(cs)-1]
		ct := m.Centroid(t)
		for i := range cs {
			cs[i].sim = max(cs[i].sim, vek32.Dot(ct, m.Centroid(cs[i].t)))
			if m.fine[cs[i].t].Parent == m.fine[t].Parent {
				cs[i].same++
			}
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

// Senses counts the distinct areas among facets: how many different
// things a query's facets say it means.
func Senses(fs []Facet) int {
	seen := map[int]bool{}
	for _, f := range fs {
		seen[f.Area] = true
	}
	return len(seen)
}
