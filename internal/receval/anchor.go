package receval

import (
	"context"
	"slices"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/recommend"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Sanity is the anchor: arxiv-sanity-lite's ranking, reimplemented. Its
// tf-idf (recommend.SanityTfidf) is fitted on every paper's title, abstract
// and author names, as its compute.py does; a reader's papers are the
// positives of a LinearSVC(class_weight='balanced', C=0.01, tol=1e-6,
// max_iter=10000) against every other paper, and candidates are ranked by
// its decision function.
type Sanity struct {
	X     *recommend.Matrix
	index map[string]int
	seed  uint64
	tol   float64
}

// NewSanity fits the anchor's tf-idf on papers.
func NewSanity(papers []store.Paper, seed uint64) *Sanity {
	texts := make([]string, len(papers))
	index := make(map[string]int, len(papers))
	for i, p := range papers {
		texts[i] = strings.Join([]string{p.Title, p.Abstract, strings.Join(p.Authors, " ")}, " ")
		index[p.ID] = i
	}
	_, x := recommend.FitTfidf(texts, recommend.SanityTfidf())
	return &Sanity{X: x, index: index, seed: seed}
}

func (a *Sanity) rows(ids []string) []int {
	var rows []int
	for _, id := range ids {
		if i, ok := a.index[id]; ok {
			rows = append(rows, i)
		}
	}
	return rows
}

// Rank ranks candidates by the SVM trained on profile.
func (a *Sanity) Rank(_ context.Context, profile, candidates []string) ([]string, error) {
	pos := map[int]bool{}
	for _, i := range a.rows(profile) {
		pos[i] = true
	}
	svm := recommend.TrainSVC(a.X, nil, func(i int) bool { return pos[i] },
		recommend.SVCOptions{C: 0.01, Tol: a.tol, MaxIter: 10000, Balanced: true, Seed: a.seed})
	return a.rankBy(candidates, func(i int) float64 { return svm.Score(a.X, i) }), nil
}

// Centroid ranks candidates by their mean cosine to the profile's tf-idf
// vectors.
func (a *Sanity) Centroid(_ context.Context, profile, candidates []string) ([]string, error) {
	mean := map[int32]float64{}
	for _, i := range a.rows(profile) {
		r := a.X.Row(i)
		for k, j := range r.Idx {
			mean[j] += float64(r.Val[k])
		}
	}
	return a.rankBy(candidates, func(i int) float64 {
		r := a.X.Row(i)
		s := 0.0
		for k, j := range r.Idx {
			s += mean[j] * float64(r.Val[k])
		}
		return s
	}), nil
}

// rankBy orders candidates by score, best first, ties by id.
func (a *Sanity) rankBy(candidates []string, score func(int) float64) []string {
	type scored struct {
		id string
		s  float64
	}
	out := make([]scored, 0, len(candidates))
	for _, id := range candidates {
		if i, ok := a.index[id]; ok {
			out = append(out, scored{id, score(i)})
		}
	}
	slices.SortFunc(out, func(x, y scored) int {
		if x.s != y.s {
			if x.s > y.s {
				return -1
			}
			return 1
		}
		return strings.Compare(x.id, y.id)
	})
	ids := make([]string, len(out))
	for k, o := range out {
		ids[k] = o.id
	}
	return ids
}
