package searcheval

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRankIsOneBasedAndZeroWhenAbsent(t *testing.T) {
	ranked := []string{"a", "b", "c"}
	for id, want := range map[string]int{"a": 1, "c": 3, "z": 0} {
		if got := Rank(ranked, id); got != want {
			t.Errorf("Rank(%q) = %d, want %d", id, got, want)
		}
	}
}

func TestReciprocalRank(t *testing.T) {
	tests := []struct {
		rank, k int
		want    float64
	}{
		{1, 10, 1},
		{2, 10, 0.5},
		{3, 10, 1.0 / 3},
		{10, 10, 0.1},
		{11, 10, 0}, // beyond the cut-off
		{0, 10, 0},  // not found
	}
	for _, tt := range tests {
		if got := ReciprocalRank(tt.rank, tt.k); !near(got, tt.want) {
			t.Errorf("ReciprocalRank(%d, %d) = %v, want %v", tt.rank, tt.k, got, tt.want)
		}
	}
}

func TestAveragePrecision(t *testing.T) {
	tests := []struct {
		name   string
		grades []int
		want   float64
	}{
		{"perfect", []int{3, 2, 0, 1}, 1},
		{"relevant at 1 and 3", []int{3, 0, 2, 0, 1}, (1.0/1 + 2.0/3) / 2},
		{"relevant at 2 and 3", []int{0, 2, 2}, (1.0/2 + 2.0/3) / 2},
		{"grade 1 is not relevant", []int{1, 1, 2}, 1.0 / 3},
		{"none relevant", []int{0, 1, 1}, 0},
		{"empty", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AveragePrecision(tt.grades, 2); !near(got, tt.want) {
				t.Errorf("AveragePrecision(%v, 2) = %v, want %v", tt.grades, got, tt.want)
			}
		})
	}
}

func TestNDCG(t *testing.T) {
	l3, l5, l6 := math.Log2(3), math.Log2(5), math.Log2(6)
	tests := []struct {
		name   string
		grades []int
		k      int
		want   float64
	}{
		{"ideal order", []int{3, 2, 1, 0}, 4, 1},
		{"ranks 1 and 2 weigh the same", []int{0, 1}, 2, 1},
		{"rank 3 divided by log2(3)", []int{0, 0, 1}, 3, 1 / l3},
		{"graded", []int{3, 2, 3, 0, 1, 2}, 6,
			(3 + 2 + 3/l3 + 0 + 1/l5 + 2/l6) / (3 + 3 + 2/l3 + 2.0/2 + 1/l5 + 0)},
		{"cut at k", []int{1, 3}, 1, 1.0 / 3},
		{"k beyond the list", []int{0, 0, 1}, 10, 1 / l3},
		{"nothing relevant within k of the ideal", []int{0, 0}, 2, 0},
		{"k zero", []int{3}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NDCG(tt.grades, tt.k); !near(got, tt.want) {
				t.Errorf("NDCG(%v, %d) = %v, want %v", tt.grades, tt.k, got, tt.want)
			}
		})
	}
}
