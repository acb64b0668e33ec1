package fusion

// Scored is one entry of a scored result list.
type Scored struct {
	ID    string
	Score float64
}

// Convex fuses scored lists by a convex combination of their min-max
// normalised scores: a document scores Σᵢ wᵢ·(sᵢ − minᵢ)/(maxᵢ − minᵢ) over
// the lists that hold it, 0 from a list that lacks it (Bruch, Gai and
// Ingber, "An Analysis of Fusion Functions for Hybrid Retrieval", 2023).
// Unlike reciprocal rank fusion it keeps how far ahead a list's top
// documents are: a title match that BM25 scores far above the rest stays
// first even when the vectors do not rank it. Weights should sum to 1;
// missing weights are 1. Depth and Limit act as in RRF; K is unused.
// Ranks are filled as in RRF, and ties are broken the same way.
func Convex(opts Options, lists ...[]Scored) []Result {
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
		if len(list) == 0 {
			continue
		}
		lo, hi := list[0].Score, list[0].Score
		for _, s := range list {
			lo, hi = min(lo, s.Score), max(hi, s.Score)
		}
		for r, s := range list {
			i, ok := at[s.ID]
			if !ok {
				i = len(out)
				at[s.ID] = i
				out = append(out, Result{ID: s.ID, Ranks: make([]int, len(lists))})
			}
			if out[i].Ranks[li] != 0 {
				continue
			}
			out[i].Ranks[li] = r + 1
			norm := 1.0 // a list of equal scores: all at its top
			if hi > lo {
				norm = (s.Score - lo) / (hi - lo)
			}
			out[i].Score += w * norm
		}
	}
	return sortAndLimit(out, opts.Limit)
}
