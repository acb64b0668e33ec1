package cli

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/searcheval"
)

type benchFacetsCmd struct {
	Data   string `name:"data" default:"../shared/data" help:"The shared data directory, for the query set."`
	Rounds int    `name:"rounds" default:"3" help:"Times each query is run each way."`
	Mode   string `name:"mode" default:"hybrid" enum:"lexical,hybrid" help:"The search mode measured."`
	// Synthetic measures at scale without a data directory.
	Synthetic int     `name:"synthetic" help:"Measure on this many synthetic papers built in memory (the sample's sentences recombined, a topic map of their hashed words) instead of the data directory; lexical mode only."`
	Sample    string  `name:"sample" default:"../shared/data/arxiv-cs/arxiv-cs-2025-2026.kaggle.jsonl.gz" help:"Real corpus whose sentences the synthetic papers recombine."`
	Topical   float64 `name:"topical" default:"0.5" help:"Share of a synthetic abstract's sentences taken from papers of its own category."`
	Seed      int64   `name:"seed" default:"1" help:"Seed of the synthetic papers."`
}

// Run measures what topic facets add to a search on the data directory's
// index and map: every query of the set is searched without and with
// facets, alternately, and the latency percentiles of both are printed.
// Queries: the first 1, 2 and 3 words of the known-item queries, and the
// facet queries of 'eval topics'.
func (c *benchFacetsCmd) Run(e *env) error {
	items, err := searcheval.LoadKnownItems(filepath.Join(c.Data, searcheval.KnownItemFile))
	if err != nil {
		return err
	}
	var queries []string
	for _, it := range items {
		ws := strings.Fields(it.Query)
		for n := 1; n <= 3 && n <= len(ws); n++ {
			queries = append(queries, strings.Join(ws[:n], " "))
		}
	}
	queries = append(queries, defaultFacetQueries...)
	var searcher *search.Searcher
	if c.Synthetic > 0 {
		if c.Mode != string(search.Lexical) {
			return errors.New("--synthetic: the synthetic papers have no model; use --mode lexical")
		}
		if searcher, err = c.synthetic(e); err != nil {
			return err
		}
	} else {
		s, err := e.openStore()
		if err != nil {
			return err
		}
		defer s.Close()
		idx, err := e.openIndex(s)
		if err != nil {
			return err
		}
		ix, err := e.openSemantic()
		if err != nil {
			return err
		}
		if ix == nil || ix.Topics() == nil {
			return errors.New("no topic map: run 'paperboy embed train' first")
		}
		searcher = &search.Searcher{Lexical: idx, Index: func() *semantic.Index { return ix }, Log: e.log}
	}
	mode := search.Mode(c.Mode)
	var plain, facetted, plainCPU, facettedCPU []time.Duration
	// The slowest time of each query each way, for the heaviest queries.
	slowest := map[string][2]time.Duration{}
	// A lexical search runs on the calling goroutine: locked to its
	// thread, the thread's CPU time is the search's (the garbage
	// collector's work on other threads aside).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for r := range c.Rounds {
		for i, q := range queries {
			req := search.Request{Query: q, Limit: 20}
			run := func(facets bool) error {
				start, cpu := time.Now(), threadCPU()
				_, _, _, err := searcher.SearchFacets(e.ctx, mode, req, search.FacetOptions{Facets: facets})
				d, dc := time.Since(start), threadCPU()-cpu
				w := slowest[q]
				if facets {
					facetted, facettedCPU = append(facetted, d), append(facettedCPU, dc)
					w[1] = max(w[1], dc)
				} else {
					plain, plainCPU = append(plain, d), append(plainCPU, dc)
					w[0] = max(w[0], dc)
				}
				slowest[q] = w
				return err
			}
			// Alternate which runs first, so that neither gains from the
			// other's warm caches.
			first := (i+r)%2 == 0
			if err := run(first); err != nil {
				return fmt.Errorf("%q: %w", q, err)
			}
			if err := run(!first); err != nil {
				return fmt.Errorf("%q: %w", q, err)
			}
		}
	}
	pct := func(ds []time.Duration, p float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
	}
	fmt.Fprintf(e.stdout, "%d queries × %d rounds, %s mode, 20 results, one client\n", len(queries), c.Rounds, mode)
	if tm := searcher.Topics(); tm != nil {
		fmt.Fprintf(e.stdout, "  %d papers in the topic map, %d fine topics\n", tm.Len(), len(tm.Topics()))
	}
	fmt.Fprintf(e.stdout, "  without facets  p50 %6.2f  p90 %6.2f  p99 %6.2f ms\n", pct(plain, .5), pct(plain, .9), pct(plain, .99))
	fmt.Fprintf(e.stdout, "  with facets     p50 %6.2f  p90 %6.2f  p99 %6.2f ms\n", pct(facetted, .5), pct(facetted, .9), pct(facetted, .99))
	fmt.Fprintf(e.stdout, "  p99 difference  %+.2f ms\n", pct(facetted, .99)-pct(plain, .99))
	if mode == search.Lexical && pct(plainCPU, .99) > 0 {
		fmt.Fprintf(e.stdout, "  CPU time of the searching thread (the same runs; free of waiting for a core):\n")
		fmt.Fprintf(e.stdout, "  without facets  p50 %6.2f  p90 %6.2f  p99 %6.2f ms\n", pct(plainCPU, .5), pct(plainCPU, .9), pct(plainCPU, .99))
		fmt.Fprintf(e.stdout, "  with facets     p50 %6.2f  p90 %6.2f  p99 %6.2f ms\n", pct(facettedCPU, .5), pct(facettedCPU, .9), pct(facettedCPU, .99))
		fmt.Fprintf(e.stdout, "  p99 difference  %+.2f ms\n", pct(facettedCPU, .99)-pct(plainCPU, .99))
	}
	heavy := slices.Collect(maps.Keys(slowest))
	slices.SortFunc(heavy, func(a, b string) int { return cmp.Compare(slowest[b][1], slowest[a][1]) })
	fmt.Fprintln(e.stdout, "  heaviest with facets (most thread CPU of the rounds, without / with):")
	for _, q := range heavy[:min(8, len(heavy))] {
		fmt.Fprintf(e.stdout, "    %-32q %7.2f / %7.2f ms\n", q, float64(slowest[q][0].Microseconds())/1000, float64(slowest[q][1].Microseconds())/1000)
	}
	return nil
}
