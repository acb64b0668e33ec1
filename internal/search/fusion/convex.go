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
	f := newFused(len(lists))
	for li, list := range lists {
		list = head(list, opts.Depth)
		if len(list) == 0 {
			continue
		}
		w := opts.weight(li)
		lo, hi := list[0].Score, list[0].Score
		for _, s := range list {
			lo, hi = min(lo, s.Score), max(hi, s.Score)
		}
		for r, s := range list {
			norm := 1.0 // a list of equal scores: all at its top
			if hi > lo {
				norm = (s.Score - lo) / (hi - lo)
			}
			f.add(li, r+1, s.ID, w*norm)
		}
	}
	return sortAndLimit(f.out, opts.Limit)
}
