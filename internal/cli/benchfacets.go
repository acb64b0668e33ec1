package cli

import (
	"errors"
	"fmt"
	"path/filepath"
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
	searcher := search.Searcher{Lexical: idx, Index: func() *semantic.Index { return ix }, Log: e.log}
	mode := search.Mode(c.Mode)
	var plain, facetted []time.Duration
	for r := range c.Rounds {
		for i, q := range queries {
			req := search.Request{Query: q, Limit: 20}
			run := func(facets bool) error {
				start := time.Now()
				_, _, _, err := searcher.SearchFacets(e.ctx, mode, req, search.FacetOptions{Facets: facets})
				d := time.Since(start)
				if facets {
					facetted = append(facetted, d)
				} else {
					plain = append(plain, d)
				}
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
	fmt.Fprintf(e.stdout, "  without facets  p50 %6.2f  p90 %6.2f  p99 %6.2f ms\n", pct(plain, .5), pct(plain, .9), pct(plain, .99))
	fmt.Fprintf(e.stdout, "  with facets     p50 %6.2f  p90 %6.2f  p99 %6.2f ms\n", pct(facetted, .5), pct(facetted, .9), pct(facetted, .99))
	fmt.Fprintf(e.stdout, "  p99 difference  %+.2f ms\n", pct(facetted, .99)-pct(plain, .99))
	return nil
}
