package searcheval

import (
	"math"
	"slices"
)

// Rank is the 1-based position of id in ranked, or 0 if it is absent.
func Rank(ranked []string, id string) int {
	if i := slices.Index(ranked, id); i >= 0 {
		return i + 1
	}
	return 0
}

// ReciprocalRank is 1/rank when the item was found within the first k
// (rank 1..k), else 0. A rank of 0 means not found.
func ReciprocalRank(rank, k int) float64 {
	if rank < 1 || rank > k {
		return 0
	}
	return 1 / float64(rank)
}

// AveragePrecision is the mean of the precisions at the rank of every
// relevant item of a ranked list, an item being relevant when its grade is
// at least threshold. It divides by the relevant items in the list, so the
// list must hold every relevant item (a fully ranked pool), as in
// CSFCube's evaluation. A list with no relevant item scores 0.
func AveragePrecision(grades []int, threshold int) float64 {
	var sum float64
	hits := 0
	for i, g := range grades {
		if g >= threshold {
			hits++
			sum += float64(hits) / float64(i+1)
		}
	}
	if hits == 0 {
		return 0
	}
	return sum / float64(hits)
}

// NDCG is the normalised discounted cumulative gain of the first k grades
// of a ranked list, the gain being the grade itself and the ideal ranking
// the same grades sorted in decreasing order. It uses the original DCG of
// Järvelin & Kekäläinen with log base 2: ranks 1 and 2 are not discounted
// and rank r > 1 is divided by log2(r). This is rank_metrics.ndcg_at_k
// (method 0), which CSFCube's evaluation script uses; the common
// 1/log2(r+1) discount gives slightly higher figures. A list with no gain
// within k of the ideal scores 0.
func NDCG(grades []int, k int) float64 {
	ideal := slices.Clone(grades)
	slices.SortFunc(ideal, func(a, b int) int { return b - a })
	best := dcg(ideal, k)
	if best == 0 {
		return 0
	}
	return dcg(grades, k) / best
}

func dcg(grades []int, k int) float64 {
	var sum float64
	for i, g := range grades[:min(k, len(grades))] {
		d := 1.0
		if i > 0 {
			d = math.Log2(float64(i + 1))
		}
		sum += float64(g) / d
	}
	return sum
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
