package fusion

import (
	"math"
	"slices"
	"testing"
)

func TestRRFScoresAndOrder(t *testing.T) {
	lex := []string{"a", "b", "c"}
	sem := []string{"c", "a", "d"}
	got := RRF(Options{}, lex, sem)
	want := map[string]float64{
		"a": 1.0/61 + 1.0/62,
		"c": 1.0/63 + 1.0/61,
		"b": 1.0 / 62,
		"d": 1.0 / 63,
	}
	if ids := IDs(got); !slices.Equal(ids, []string{"a", "c", "b", "d"}) {
		t.Errorf("order %v, want [a c b d]", ids)
	}
	for _, r := range got {
		if math.Abs(r.Score-want[r.ID]) > 1e-12 {
			t.Errorf("%s: score %v, want %v", r.ID, r.Score, want[r.ID])
		}
	}
	if r := got[1]; !slices.Equal(r.Ranks, []int{3, 1}) {
		t.Errorf("c ranks %v, want [3 1]", r.Ranks)
	}
}

func TestRRFOptions(t *testing.T) {
	lex := []string{"a", "b"}
	sem := []string{"b", "a"}
	// Equal scores: ties go to the better rank in the first list.
	if ids := IDs(RRF(Options{}, lex, sem)); !slices.Equal(ids, []string{"a", "b"}) {
		t.Errorf("tie order %v, want [a b]", ids)
	}
	// Weights: the second list counts double.
	if ids := IDs(RRF(Options{Weights: []float64{1, 2}}, lex, sem)); !slices.Equal(ids, []string{"b", "a"}) {
		t.Errorf("weighted order %v, want [b a]", ids)
	}
	// K changes scores: k=1 gives 1/2 + 1/3.
	r := RRF(Options{K: 1}, lex, sem)
	if math.Abs(r[0].Score-(1.0/2+1.0/3)) > 1e-12 {
		t.Errorf("k=1 score %v", r[0].Score)
	}
	// Depth and Limit; a repeated id counts once, at its first rank.
	r = RRF(Options{Depth: 1, Limit: 1}, []string{"x", "y"}, []string{"y", "y", "x"})
	if len(r) != 1 || r[0].ID != "x" || r[0].Score != 1.0/61 {
		t.Errorf("depth 1, limit 1: %+v", r)
	}
	if got := RRF(Options{}); len(got) != 0 {
		t.Errorf("no lists: %v", got)
	}
}

func TestConvexKeepsAClearLexicalWinnerFirst(t *testing.T) {
	// BM25 puts "known" far ahead; the vectors do not have it at all.
	lexical := []Scored{{"known", 30}, {"b", 8}, {"c", 7.5}, {"d", 7}}
	vectors := []Scored{{"b", 0.9}, {"c", 0.88}, {"e", 0.7}, {"d", 0.5}}
	got := Convex(Options{Weights: []float64{0.8, 0.2}}, lexical, vectors)
	if got[0].ID != "known" {
		t.Fatalf("convex fusion lost the clear lexical winner: %+v", got)
	}
	// Reciprocal ranks forget the margin: a paper in both lists wins.
	rrf := RRF(Options{Weights: []float64{1, 0.5}}, IDs(toResults(lexical)), IDs(toResults(vectors)))
	if rrf[0].ID == "known" {
		t.Fatalf("expected RRF to rank a paper of both lists first: %+v", rrf)
	}
	// Scores: known 0.8·1 = 0.8; b 0.8·(1/23) + 0.2·1 ≈ 0.235.
	if got[1].ID != "b" || got[0].Ranks[0] != 1 || got[0].Ranks[1] != 0 {
		t.Errorf("order or ranks: %+v", got)
	}
	if n := len(Convex(Options{Weights: []float64{0.8, 0.2}, Limit: 2}, lexical, vectors)); n != 2 {
		t.Errorf("limit 2 gave %d results", n)
	}
	// A list of equal scores counts all its entries as top.
	flat := Convex(Options{}, []Scored{{"x", 3}, {"y", 3}})
	if flat[0].Score != 1 || flat[1].Score != 1 || flat[0].ID != "x" {
		t.Errorf("equal scores: %+v", flat)
	}
}

func toResults(s []Scored) []Result {
	out := make([]Result, len(s))
	for i := range s {
		out[i] = Result{ID: s[i].ID}
	}
	return out
}
