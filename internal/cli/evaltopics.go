package cli

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/viterin/vek/vek32"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
	"github.com/paperboy-dev/paperboy/internal/store"
)

type evalTopicsCmd struct {
	Queries []string `name:"queries" help:"Queries whose facets to show (default: a dozen ambiguous and clear ones)."`
	Sample  int      `name:"sample" default:"2000" help:"Papers sampled for the map's coherence."`
	Seed    uint64   `name:"seed" default:"1" help:"Seed of the coherence sample."`
	Only    string   `name:"only" enum:",facets" default:"" help:"Measure only this part (facets): keyphrases and coherence take minutes."`
}

var defaultFacetQueries = []string{"alignment", "transformer", "attention", "diffusion models", "gaussian splatting",
	"speech recognition", "graph", "kernel", "bias", "reinforcement learning", "retrieval", "segmentation", "distillation", "agents"}

// senseSim: facets whose largest topics are this alike are one sense in
// the count (neighbouring topics of the 80k papers are 0.4-0.75 alike,
// unrelated ones about 0).
const senseSim = 0.35

// Run measures, on the data directory's papers, model and map: keyphrases
// against Hugging Face's ai_keywords (paperboy's and a tf-idf baseline),
// the facets of ambiguous and clear queries, and the map's coherence.
func (c *evalTopicsCmd) Run(e *env) error {
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ix, err := e.openSemantic()
	if err != nil {
		return err
	}
	if ix == nil || ix.Topics() == nil {
		return errors.New("no topic map: run 'paperboy embed train' (or 'paperboy topics build') first")
	}
	tm := ix.Topics()
	fmt.Fprintf(e.stdout, "topic map: %d papers, %d areas, %d fine topics (model %s)\n\n", tm.Len(), len(tm.Areas()), len(tm.Topics()), tm.Info().Model)
	if c.Only == "" {
		if err := c.keyphrases(e, s, ix); err != nil {
			return err
		}
	}
	idx, err := e.openIndex(s)
	if err != nil {
		return err
	}
	searcher := search.Searcher{Lexical: idx, Index: func() *semantic.Index { return ix }, Log: e.log}
	queries := c.Queries
	if len(queries) == 0 {
		queries = defaultFacetQueries
	}
	fmt.Fprintf(e.stdout, "\nfacets (topics of all the papers holding every word, neighbouring topics joined; senses = facets\nwhose largest topics' centroids are under %.2f alike, joined transitively; n topics = fine topics joined)\n", senseSim)
	for _, q := range queries {
		start := time.Now()
		res, _, facets, err := searcher.SearchFacets(e.ctx, search.Hybrid, search.Request{Query: q, Limit: 10}, search.FacetOptions{Facets: true})
		if err != nil {
			return err
		}
		took := time.Since(start)
		fs := make([]topicmap.Facet, len(facets))
		for i, f := range facets {
			fs[i] = f.Facet()
		}
		fmt.Fprintf(e.stdout, "\n%q: %d results, %d facets, %d senses (%.0f ms)\n", q, res.Total, len(facets), tm.Senses(fs, senseSim), float64(took.Microseconds())/1000)
		for _, f := range facets {
			fmt.Fprintf(e.stdout, "  %5d  %-58s %2d topics [%s]\n", f.Count, f.Label, len(f.Facet().Members), f.Area)
		}
	}
	if c.Only != "" {
		return nil
	}
	return c.coherence(e, ix, tm)
}

// prf accumulates precision, recall and F1 over papers.
type prf struct{ p, r, f float64 }

func (a *prf) add(pred, gold []string, key func(string) string) {
	g := map[string]bool{}
	for _, x := range gold {
		if k := key(x); k != "" {
			g[k] = true
		}
	}
	hit := 0
	seen := map[string]bool{}
	for _, x := range pred {
		k := key(x)
		if g[k] && !seen[k] {
			hit++
		}
		seen[k] = true
	}
	var p, r, f float64
	if len(pred) > 0 {
		p = float64(hit) / float64(len(pred))
	}
	if len(g) > 0 {
		r = float64(hit) / float64(len(g))
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	a.p, a.r, a.f = a.p+p, a.r+r, a.f+f
}

func (c *evalTopicsCmd) keyphrases(e *env, s *store.Store, ix *semantic.Index) error {
	type system struct {
		name string
		get  func(p *store.Paper, n int) []string
	}
	systems := []system{
		{"paperboy (KeyBERT-like, LSA)", func(p *store.Paper, n int) []string {
			v, _ := ix.Vectors.Vector(p.ID)
			return topicmap.Keyphrases(ix.Model, p.Title, p.Abstract, v, n)
		}},
		{"baseline (tf-idf top n-grams)", func(p *store.Paper, n int) []string {
			return topicmap.BaselineKeyphrases(ix.Model, p.Title, p.Abstract, n)
		}},
	}
	// [system][k 5,10][exact, stemmed]
	var acc [2][2][2]prf
	papers := 0
	start := time.Now()
	err := s.EachPaper(e.ctx, func(p store.Paper) error {
		if len(p.Community.AIKeywords) == 0 || p.Community.Hidden {
			return nil
		}
		papers++
		for si, sys := range systems {
			ten := sys.get(&p, 10)
			for ki, k := range []int{5, 10} {
				pred := ten[:min(k, len(ten))]
				acc[si][ki][0].add(pred, p.Community.AIKeywords, topicmap.PhraseWords)
				acc[si][ki][1].add(pred, p.Community.AIKeywords, topicmap.PhraseKey)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if papers == 0 {
		fmt.Fprintln(e.stdout, "no papers with Hugging Face ai_keywords: keyphrases not measured")
		return nil
	}
	fmt.Fprintf(e.stdout, "keyphrases vs Hugging Face ai_keywords, %d papers (%s)\n", papers, time.Since(start).Round(time.Second))
	fmt.Fprintf(e.stdout, "  %-32s %-8s %-7s %-7s %-7s\n", "system", "match", "P", "R", "F1")
	n := float64(papers)
	for si, sys := range systems {
		for ki, k := range []int{5, 10} {
			for mi, m := range []string{"exact", "stemmed"} {
				a := acc[si][ki][mi]
				fmt.Fprintf(e.stdout, "  %-32s %-8s P@%-2d %.3f  R@%-2d %.3f  F1@%-2d %.3f\n", sys.name, m, k, a.p/n, k, a.r/n, k, a.f/n)
			}
		}
	}
	return nil
}

// coherence reports how alike the papers of a topic are against papers
// of different topics, and how often a paper's nearest neighbour shares
// its topic (and area).
func (c *evalTopicsCmd) coherence(e *env, ix *semantic.Index, tm *topicmap.Map) error {
	rng := rand.New(rand.NewPCG(c.Seed, 7))
	var ids []string
	var vecs [][]float32
	var topic []int
	n := ix.Vectors.Len()
	keep := float64(c.Sample) / float64(max(n, 1))
	ix.Vectors.Each(func(id string, v []float32) bool {
		if rng.Float64() < keep {
			if t := tm.TopicOf(id); t >= 0 {
				ids, vecs, topic = append(ids, id), append(vecs, append([]float32(nil), v...)), append(topic, t)
			}
		}
		return true
	})
	// Intra: each sampled paper against its topic's centroid's members is
	// costly; pairs of sampled papers suffice.
	var intra, inter float64
	var ni, nx int
	for i := range vecs {
		for j := i + 1; j < len(vecs); j++ {
			s := float64(vek32.Dot(vecs[i], vecs[j]))
			if topic[i] == topic[j] {
				intra, ni = intra+s, ni+1
			} else {
				inter, nx = inter+s, nx+1
			}
		}
	}
	// Pairs inside one topic are rare in a uniform sample: add each
	// sampled paper against its topic's centroid too.
	var cen float64
	for i := range vecs {
		cen += float64(vek32.Dot(vecs[i], tm.Centroid(topic[i])))
	}
	sameTopic, sameArea := 0, 0
	for i, v := range vecs {
		hits, err := ix.Vectors.SearchExact(v, 2)
		if err != nil {
			return err
		}
		for _, h := range hits {
			if h.ID == ids[i] {
				continue
			}
			t := tm.TopicOf(h.ID)
			if t == topic[i] {
				sameTopic++
			}
			if t >= 0 && tm.Topics()[t].Parent == tm.Topics()[topic[i]].Parent {
				sameArea++
			}
			break
		}
	}
	m := float64(max(len(vecs), 1))
	fmt.Fprintf(e.stdout, "\nmap coherence, %d sampled papers:\n", len(vecs))
	fmt.Fprintf(e.stdout, "  mean cosine of pairs in one topic %.3f (%d pairs), in different topics %.3f (%d pairs)\n", intra/float64(max(ni, 1)), ni, inter/float64(max(nx, 1)), nx)
	fmt.Fprintf(e.stdout, "  mean cosine of a paper to its topic's centroid %.3f\n", cen/m)
	fmt.Fprintf(e.stdout, "  nearest neighbour in the same fine topic %.3f, in the same area %.3f\n", float64(sameTopic)/m, float64(sameArea)/m)
	return nil
}
