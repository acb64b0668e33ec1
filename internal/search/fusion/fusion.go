// Package fusion merges ranked result lists, such as a lexical engine's
// and a vector index's, in two ways:
//
//   - Convex (convex.go) scores a document by a weighted sum of its min-max
//     normalised scores, Σᵢ wᵢ·(sᵢ − minᵢ)/(maxᵢ − minᵢ) (Bruch, Gai and
//     Ingber, 2023). It keeps how far ahead a list's top documents are, and
//     it is what hybrid search uses by default (search.Fusion).
//   - RRF, reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR
//     2009), scores a document by Σᵢ wᵢ / (k + rankᵢ) over the lists that
//     hold it (ranks from 1), so it needs no score calibration between the
//     lists; k = 60 is the paper's constant and what Hugging Face and
//     pkgsite use. Hybrid search offers it as an option; on paperboy's
//     evaluation it ranked worse than Convex (search.DefaultFusion has
//     the figures).
//
// Both take the same Options and break ties the same way, so the result
// is deterministic.
package fusion

import (
	"cmp"
	"slices"
)

// DefaultK is reciprocal rank fusion's usual constant.
const DefaultK = 60

// Options are the parameters of a fusion, in one place.
type Options struct {
	// K damps the head of each list: larger K flattens the differences
	// between top ranks. 0 means DefaultK.
	K float64
	// Weights multiplies each list's contribution, in the order the lists
	// are given; missing weights are 1.
	Weights []float64
	// Depth only reads the first Depth entries of each list; 0 reads all.
	Depth int
	// Limit bounds the result; 0 returns every fused document.
	Limit int
}

// Result is one fused document.
type Result struct {
	ID    string
	Score float64
	// Ranks holds the document's 1-based rank in each list, 0 where the
	// list lacks it.
	Ranks []int
}

// RRF fuses ranked lists of ids by reciprocal rank fusion. A repeated id
// counts at its first position in a list. Ties are broken by the best
// rank in the earliest list, then by id, so the result is deterministic.
func RRF(opts Options, lists ...[]string) []Result {
	k := opts.K
	if k <= 0 {
		k = DefaultK
	}
	f := newFused(len(lists))
	for li, list := range lists {
		w := opts.weight(li)
		for r, id := range head(list, opts.Depth) {
			f.add(li, r+1, id, w/(k+float64(r+1)))
		}
	}
	return sortAndLimit(f.out, opts.Limit)
}

// weight is list li's weight: 1 when opts gives none.
func (o Options) weight(li int) float64 {
	if li < len(o.Weights) {
		return o.Weights[li]
	}
	return 1
}

// head is the first depth entries of list (all when depth is 0).
func head[T any](list []T, depth int) []T {
	if depth > 0 && len(list) > depth {
		return list[:depth]
	}
	return list
}

// fused gathers the documents of several lists with their summed scores
// and their rank in each list.
type fused struct {
	lists int
	at    map[string]int // id -> its index in out
	out   []Result
}

func newFused(lists int) *fused { return &fused{lists: lists, at: map[string]int{}} }

// add credits id, at 1-based rank in list li, with score. An id repeated
// within a list counts at its first position only.
func (f *fused) add(li, rank int, id string, score float64) {
	i, ok := f.at[id]
	if !ok {
		i = len(f.out)
		f.at[id] = i
		f.out = append(f.out, Result{ID: id, Ranks: make([]int, f.lists)})
	}
	if f.out[i].Ranks[li] != 0 {
		return
	}
	f.out[i].Ranks[li] = rank
	f.out[i].Score += score
}

// sortAndLimit orders fused results best first, ties broken by the best
// rank in the earliest list, then by id, so that the order is total, and
// keeps the first limit (all when limit is 0).
func sortAndLimit(out []Result, limit int) []Result {
	slices.SortFunc(out, func(a, b Result) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		for l := range a.Ranks {
			ra, rb := a.Ranks[l], b.Ranks[l]
			if ra != rb {
				if ra == 0 {
					return 1
				}
				if rb == 0 {
					return -1
				}
				return ra - rb
			}
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// IDs returns the ids of results, in order.
func IDs(results []Result) []string {
	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.ID
	}
	return ids
}
