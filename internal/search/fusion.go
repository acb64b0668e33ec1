package search

import (
	"github.com/paperboy-dev/paperboy/internal/search/fusion"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// Fusion are the parameters of hybrid ranking.
type Fusion struct {
	// Method is "convex" (a weighted sum of min-max normalised scores, the
	// default) or "rrf" (reciprocal rank fusion).
	Method string
	Alpha  float64 // convex: the lexical list's weight, the semantic one's 1-Alpha; DefaultFusion's when zero
	K      float64 // rrf: the damping; 60 when zero
	Weight float64 // rrf: the semantic list's weight against lexical 1; 0.5 when zero
	Depth  int     // how deep each list is read; 100 when zero
}

// The fusion methods.
const (
	FuseConvex = "convex"
	FuseRRF    = "rrf"
)

// DefaultFusion is the convex combination with the lexical list at 0.6.
// Measured with the fine-tuned corpus model (embed, doc.go), queries read
// as words (lexical.ParseWords), lexical weights 0.5 / 0.55 / 0.6 / 0.65 /
// 0.7 gave CSFCube MAP 0.365 / 0.366 / 0.365 / 0.361 / 0.360 (lexical
// alone 0.330) and known-item MRR@10 on query_masked 0.992 / 0.994 / 0.994
// / 0.994 / 0.993 (lexical 0.992); on query, 0.55 to 0.7 all give 0.997
// (lexical 0.995), 0.5 falls to 0.995. 0.6 is inside both plateaus, and in
// 2-fold cross-validation over the 50 CSFCube queries the weight picked on
// one half (0.55 on the even ones, 0.5 on the odd) scores 0.365 on the
// other, no worse than 0.6 fixed. Z-score normalisation in place of
// min-max (weights 0.3 to 0.6) was no better (0.358 to 0.364) and lost
// 0.008 when the lists are cut at 100, as interactive queries cut them.
// Reciprocal rank fusion (k 10 to 60, semantic weight 1 or 1.5) gave 0.353
// to 0.357, and at half weight fell to known-item MRR@10 0.864 with the
// LSA model (a title match far ahead in BM25 lost to papers ranked well in
// both lists).
var DefaultFusion = Fusion{Method: FuseConvex, Alpha: 0.6, K: 60, Weight: 0.5, Depth: 100}

// LexicalScores turns lexical hits into a scored list for Fuse.
func LexicalScores(hits []lexical.Hit) []fusion.Scored {
	out := make([]fusion.Scored, len(hits))
	for i, h := range hits {
		out[i] = fusion.Scored{ID: h.ID, Score: h.Score}
	}
	return out
}

// Fuse fuses the lexical and semantic result lists, best first.
func Fuse(f Fusion, lexical, semantic []fusion.Scored, limit int) []fusion.Result {
	if f.Depth == 0 {
		f.Depth = DefaultFusion.Depth
	}
	if f.Method == FuseRRF {
		if f.Weight == 0 {
			f.Weight = DefaultFusion.Weight
		}
		ids := func(l []fusion.Scored) []string {
			out := make([]string, len(l))
			for i := range l {
				out[i] = l[i].ID
			}
			return out
		}
		return fusion.RRF(fusion.Options{K: f.K, Weights: []float64{1, f.Weight}, Depth: f.Depth, Limit: limit}, ids(lexical), ids(semantic))
	}
	if f.Alpha == 0 {
		f.Alpha = DefaultFusion.Alpha
	}
	return fusion.Convex(fusion.Options{Weights: []float64{f.Alpha, 1 - f.Alpha}, Depth: f.Depth, Limit: limit}, lexical, semantic)
}
