// Package topics splits a query's best results into topic groups: the
// papers' vectors clustered (spherical k-means, kept only when the
// silhouette shows real separation) and each group labelled by its most
// distinctive key terms.
package topics

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/viterin/vek/vek32"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Group is one topic among a query's results.
type Group struct {
	Label string   `json:"label"`
	Terms []string `json:"terms"` // most distinctive first
	Count int      `json:"count"`
	IDs   []string `json:"ids"` // in result order
}

// GroupOptions tune the split.
type GroupOptions struct {
	MaxGroups int // 4 when zero
	// MinSilhouette is the mean silhouette a split must reach to be shown;
	// below it the results are one topic. 0.085 when zero. On the real
	// corpus (hybrid ranking at lexical weight 0.6, the fine-tuned model,
	// the vector index calibrated on titles) the best splits scored
	// alignment 0.093 (a query of several meanings), sub-field queries
	// diffusion models 0.109 (image vs language diffusion), speech
	// recognition 0.080 (0.135 at lexical weight 0.7, splitting off speech
	// emotion recognition), attention 0.075, transformer 0.075, agents
	// 0.059, reinforcement learning 0.041, and one-meaning queries object
	// detection 0.071, direct preference optimization 0.069, large language
	// models 0.059, gaussian splatting 0.051, retrieval augmented generation
	// 0.051, federated learning 0.045. 0.085 sits between alignment and the
	// highest one-meaning query. The silhouettes move with the model, the
	// index and the fusion (the LSA model alone gave alignment 0.064 and
	// diffusion models 0.056, with a threshold of 0.062), so the threshold
	// is re-checked whenever one changes (TestRealTopicGroups).
	MinSilhouette float64
	// MinShare is the smallest group, as a share of the results; 0.10
	// when zero (at 0.08 gaussian splatting split off groups of 12 and 13
	// papers).
	MinShare float64
	// Debug, if set, is told each candidate split's silhouette.
	Debug func(k int, silhouette float64)
}

// Groups splits results (best first, typically the top 100-200) into
// topics when they clearly fall apart: k-means on their vectors for 2..Max
// groups, kept only if the best split's silhouette shows real separation
// and no group is tiny. It returns nil for a query with one meaning.
// Each group is labelled by the key terms that are common in it and rare
// in the others.
func Groups(ix *semantic.Index, results []lexical.Document, opts GroupOptions) []Group {
	ids := make([]string, len(results))
	byID := make(map[string]lexical.Document, len(results))
	for i, d := range results {
		ids[i], byID[d.ID] = d.ID, d
	}
	kept, assign := split(ix, ids, opts)
	if kept == nil {
		return nil
	}
	terms := make(map[string]semantic.KeyTerms, len(kept))
	for _, id := range kept {
		terms[id] = ix.KeyTerms(byID[id])
	}
	return label(kept, assign, terms)
}

// Papers loads stored papers by id.
type Papers interface {
	PapersByID(ctx context.Context, ids []string) ([]store.Paper, error)
}

// GroupsOf is Groups for the papers ids, a query's best results, best
// first, for a caller that has searched already: only the papers whose
// key terms are not cached are read from papers.
func GroupsOf(ctx context.Context, ix *semantic.Index, papers Papers, ids []string, opts GroupOptions) ([]Group, error) {
	kept, assign := split(ix, ids, opts)
	if kept == nil {
		return nil, nil
	}
	terms := make(map[string]semantic.KeyTerms, len(kept))
	var missing []string
	for _, id := range kept {
		if kt, ok := ix.CachedKeyTerms(id); ok {
			terms[id] = kt
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		ps, err := papers.PapersByID(ctx, missing)
		if err != nil {
			return nil, fmt.Errorf("topics: read %d papers: %w", len(missing), err)
		}
		for i := range ps {
			terms[ps[i].ID] = ix.KeyTerms(paperdoc.Of(&ps[i]))
		}
	}
	// Papers deleted since they were indexed drop out.
	ids, labelled := kept[:0:0], assign[:0:0]
	for i, id := range kept {
		if _, ok := terms[id]; ok {
			ids = append(ids, id)
			labelled = append(labelled, assign[i])
		}
	}
	return label(ids, labelled, terms), nil
}

// split clusters the papers ids (those with vectors, returned as kept) as
// Groups does, from their vectors alone: the papers' text is only needed
// to label a split that is kept. It returns nil for one topic.
func split(ix *semantic.Index, ids []string, opts GroupOptions) (kept []string, assign []int) {
	opts.MaxGroups = cmp.Or(opts.MaxGroups, 4)
	opts.MinSilhouette = cmp.Or(opts.MinSilhouette, 0.085)
	opts.MinShare = cmp.Or(opts.MinShare, 0.10)
	var vecs [][]float32
	for _, id := range ids {
		if v, ok := ix.Vectors.Vector(id); ok {
			kept = append(kept, id)
			vecs = append(vecs, v)
		}
	}
	if len(vecs) < 20 {
		return nil, nil
	}
	sims := similarities(vecs)
	// More groups must earn their place: a split into k+1 replaces the
	// split into k only if it separates clearly better.
	const moreGroupsMargin = 0.02
	bestSil, best := math.Inf(-1), []int(nil)
	for k := 2; k <= opts.MaxGroups; k++ {
		assign := kmeans(vecs, k, 7)
		if smallest(assign, k) < int(math.Ceil(opts.MinShare*float64(len(vecs)))) {
			continue
		}
		sil := silhouette(sims, assign, k)
		if opts.Debug != nil {
			opts.Debug(k, sil)
		}
		if sil > bestSil+moreGroupsMargin {
			bestSil, best = sil, assign
		}
	}
	if best == nil || bestSil < opts.MinSilhouette {
		return nil, nil
	}
	return kept, best
}

// labelTerms is how many of a paper's key terms its group's label draws on.
const labelTerms = 12

// label names each cluster by its distinctive key terms.
func label(ids []string, assign []int, terms map[string]semantic.KeyTerms) []Group {
	k := slices.Max(assign) + 1
	inGroup := make([]map[string]int, k)
	total := map[string]int{}
	groups := make([]Group, k)
	for i := range inGroup {
		inGroup[i] = map[string]int{}
	}
	surfaces := map[string]map[string]int{}
	for i, id := range ids {
		g := assign[i]
		groups[g].IDs = append(groups[g].IDs, id)
		kt := terms[id]
		for j, t := range kt.Terms[:min(labelTerms, len(kt.Terms))] {
			inGroup[g][t]++
			total[t]++
			if surfaces[t] == nil {
				surfaces[t] = map[string]int{}
			}
			surfaces[t][kt.Words[j]]++
		}
	}
	for g := range groups {
		n := float64(len(groups[g].IDs))
		others := float64(len(ids)) - n
		type scored struct {
			term  string
			score float64
		}
		var cands []scored
		for t, c := range inGroup[g] {
			if c < 2 {
				continue
			}
			// Share in this group minus share elsewhere: distinctive and
			// frequent.
			out := float64(total[t] - c)
			cands = append(cands, scored{t, float64(c)/n - out/max(others, 1)})
		}
		slices.SortFunc(cands, func(a, b scored) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return strings.Compare(a.term, b.term)
		})
		for _, c := range cands[:min(4, len(cands))] {
			groups[g].Terms = append(groups[g].Terms, surface(c.term, surfaces))
		}
		groups[g].Count = len(groups[g].IDs)
		groups[g].Label = strings.Join(groups[g].Terms[:min(3, len(groups[g].Terms))], " · ")
	}
	// Largest group first, as people read them.
	slices.SortStableFunc(groups, func(a, b Group) int { return b.Count - a.Count })
	return groups
}

// kmeans clusters unit vectors by cosine (spherical k-means), seeded with
// k-means++ from a fixed seed so that a query always groups the same way.
func kmeans(vecs [][]float32, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, uint64(k)))
	cents := make([][]float32, 0, k)
	cents = append(cents, slices.Clone(vecs[0])) // the best result anchors a group
	dist := make([]float64, len(vecs))
	for len(cents) < k {
		var sum float64
		for i, v := range vecs {
			d := math.Inf(1)
			for _, c := range cents {
				d = min(d, 1-dot(v, c))
			}
			dist[i] = d * d
			sum += dist[i]
		}
		r := rng.Float64() * sum
		pick := len(vecs) - 1
		for i, d := range dist {
			if r -= d; r <= 0 {
				pick = i
				break
			}
		}
		cents = append(cents, slices.Clone(vecs[pick]))
	}
	assign := make([]int, len(vecs))
	for iter := 0; iter < 20; iter++ {
		changed := false
		for i, v := range vecs {
			best, bestSim := 0, math.Inf(-1)
			for c, cent := range cents {
				if s := dot(v, cent); s > bestSim {
					best, bestSim = c, s
				}
			}
			if assign[i] != best || iter == 0 {
				changed = changed || assign[i] != best
				assign[i] = best
			}
		}
		if !changed && iter > 0 {
			break
		}
		// New centroids: one pass over the vectors, SIMD adds.
		for c := range cents {
			clear(cents[c])
		}
		for i, v := range vecs {
			vek32.Add_Inplace(cents[assign[i]], v)
		}
		for c := range cents {
			embed.Normalize(cents[c])
		}
	}
	return assign
}

// similarities holds the cosine similarity of every pair of unit vectors,
// computed once for all the splits tried.
func similarities(vecs [][]float32) [][]float32 {
	n := len(vecs)
	back := make([]float32, n*n)
	sims := make([][]float32, n)
	for i := range sims {
		sims[i] = back[i*n : (i+1)*n]
	}
	for i := range n {
		sims[i][i] = 1
		for j := i + 1; j < n; j++ {
			d := float32(dot(vecs[i], vecs[j]))
			sims[i][j], sims[j][i] = d, d
		}
	}
	return sims
}

// silhouette is the mean silhouette of the clustering under cosine
// distance: near 0 when the groups blur into each other, towards 1 when
// they are apart.
func silhouette(sims [][]float32, assign []int, k int) float64 {
	var total float64
	sum := make([]float64, k)
	n := make([]int, k)
	for i, row := range sims {
		clear(sum)
		clear(n)
		for j, sim := range row {
			if i != j {
				sum[assign[j]] += 1 - float64(sim)
				n[assign[j]]++
			}
		}
		own := assign[i]
		if n[own] == 0 {
			continue
		}
		a := sum[own] / float64(n[own])
		b := math.Inf(1)
		for c := range k {
			if c != own && n[c] > 0 {
				b = min(b, sum[c]/float64(n[c]))
			}
		}
		if m := max(a, b); m > 0 && !math.IsInf(b, 1) {
			total += (b - a) / m
		}
	}
	return total / float64(len(sims))
}

func smallest(assign []int, k int) int {
	n := make([]int, k)
	for _, a := range assign {
		n[a]++
	}
	return slices.Min(n)
}

func dot(a, b []float32) float64 { return float64(vek32.Dot(a, b)) }

// surface is the most frequent word written behind stem.
func surface(stem string, counts map[string]map[string]int) string {
	best, n := stem, 0
	for w, c := range counts[stem] {
		if c > n || (c == n && w < best) {
			best, n = w, c
		}
	}
	return best
}
