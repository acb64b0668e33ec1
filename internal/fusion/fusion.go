// Package fusion merges ranked result lists. Reciprocal rank fusion
// (Cormack, Clarke and Büttcher, SIGIR 2009) scores a document by
// Σᵢ wᵢ / (k + rankᵢ) over the lists that hold it (ranks from 1), so it
// needs no score calibration between a lexical engine and a vector index;
// k = 60 is the paper's constant and what Hugging Face and pkgsite use.
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
	at := map[string]int{}
	var out []Result
	for li, list := range lists {
		w := 1.0
		if li < len(opts.Weights) {
			w = opts.Weights[li]
		}
		if opts.Depth > 0 && len(list) > opts.Depth {
			list = list[:opts.Depth]
		}
		for r, id := range list {
			i, ok := at[id]
			if !ok {
				i = len(out)
				at[id] = i
				out = append(out, Result{ID: id, Ranks: make([]int, len(lists))})
			}
			if out[i].Ranks[li] != 0 {
				continue
			}
			out[i].Ranks[li] = r + 1
			out[i].Score += w / (k + float64(r+1))
		}
	}
	return sortAndLimit(out, opts.Limit)
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
