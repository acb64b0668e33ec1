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
