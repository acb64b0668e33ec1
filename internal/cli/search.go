package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/store"
)

type searchCmd struct {
	Query    []string `arg:"" name:"query" help:"What to look for, in the query language (see 'paperboy search --help')."`
	Limit    int      `name:"limit" short:"n" default:"10" help:"Results to show."`
	Offset   int      `name:"offset" default:"0" help:"Results to skip."`
	Sort     string   `name:"sort" default:"relevance" enum:"relevance,newest,upvotes" help:"relevance, newest or upvotes."`
	Category []string `name:"category" short:"c" help:"Only papers in these categories (cs.CL, or a whole archive: cs)."`
	Mode     string   `name:"mode" default:"hybrid" enum:"lexical,semantic,hybrid" help:"lexical (words), semantic (meaning, after 'paperboy embed train') or hybrid (both fused; lexical until a model is trained)."`
	JSON     bool     `name:"json" help:"Print {\"results\":[{\"id\",\"title\",\"score\",...}]} instead of text."`
	Topic    string   `name:"topic" help:"Only papers of this topic (a slug from the facets or 'paperboy topics list')."`
}

func (c *searchCmd) Help() string {
	return `Query language:
  words              optional words; papers matching more of them rank higher
  "a phrase"         the words in this order
  -word -"phrase"    exclude
  ti: abs: au: cat: id:   restrict to a field: ti:"reward model" au:choi cat:cs.CL
  after:2025-06-01 before:2026-01-01 year:2025   listing-date filters
  sort:newest sort:upvotes`
}

func (c *searchCmd) Validate() error {
	if c.Limit < 1 || c.Limit > 1000 {
		return fmt.Errorf("--limit %d: want 1 to 1000", c.Limit)
	}
	if c.Offset < 0 {
		return fmt.Errorf("--offset %d: want 0 or more", c.Offset)
	}
	return nil
}

func (c *searchCmd) Run(e *env) error {
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	idx, err := e.openIndex(s)
	if err != nil {
		return err
	}
	sort, _ := search.ParseSortOrder(c.Sort)
	req := search.Request{Query: strings.Join(c.Query, " "), Limit: c.Limit, Offset: c.Offset, Sort: sort, Categories: c.Category}
	var sem *semantic.Index
	if c.Mode != string(search.Lexical) {
		if sem, err = e.openSemantic(); err != nil {
			return err
		}
	} else if sem, err = e.openSemantic(); err != nil {
		// A lexical search needs the index only for its topic map.
		e.log.Debug("no topic facets", "err", err)
		sem = nil
	}
	searcher := search.Searcher{Lexical: idx, Index: func() *semantic.Index { return sem }, Log: e.log}
	start := time.Now()
	res, served, facets, err := searcher.SearchFacets(e.ctx, search.Mode(c.Mode), req, search.FacetOptions{Topic: c.Topic, Facets: true})
	if err != nil {
		return err
	}
	mode := string(served)
	took := time.Since(start)
	papers, err := s.PapersByID(e.ctx, res.IDs())
	if err != nil {
		return err
	}
	// A fallback's reason was logged by the searcher.
	if res.Fallback == "" && mode != c.Mode {
		e.log.Debug("lexical results only", "asked", c.Mode, "why", "no embedding model yet, or a filter or sort that only lexical search applies")
	}
	var groups []search.Group
	if req.Offset == 0 && len(res.Hits) > 0 && facets == nil {
		// The topic groups of the best results, while there is no map.
		groups, err = searcher.Groups(e.ctx, s, search.Mode(c.Mode), req, search.GroupOptions{Debug: func(k int, sil float64) {
			e.log.Debug("topic groups", "k", k, "silhouette", fmt.Sprintf("%.3f", sil))
		}})
		if err != nil {
			return err
		}
	}
	if c.JSON {
		return writeSearchJSON(e.stdout, res, papers, mode, groups, facets)
	}
	writeSearchText(e.stdout, res, papers, req.Offset, took, isTerminal(e.stdout))
	writeGroupsText(e.stdout, groups)
	writeFacetsText(e.stdout, facets)
	return nil
}

// openIndex loads the search index of the data directory, building it or
// bringing it up to date first (and saving that work for next time).
func (e *env) openIndex(s *store.Store) (*follow.Indexer, error) {
	prog := newProgress(e, false)
	idx, err := follow.Open(e.ctx, follow.Options{
		Dir:             e.indexDir(),
		Source:          s,
		Log:             e.log,
		OnBuildProgress: prog.counter("indexing"),
	})
	prog.clear()
	if err != nil {
		return nil, err
	}
	if err := idx.Save(); err != nil {
		e.log.Warn("could not save the search index", "err", err)
	}
	return idx, nil
}

func (e *env) indexDir() string { return filepath.Join(e.DataDir, "index") }

type jsonResult struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Score      float64  `json:"score"`
	Authors    []string `json:"authors"`
	Categories []string `json:"categories"`
	ListedOn   string   `json:"listedOn,omitempty"`
	Upvotes    int      `json:"upvotes"`
}

func writeSearchJSON(w io.Writer, res search.Result, papers []store.Paper, mode string, groups []search.Group, facets []search.TopicFacet) error {
	byID := map[string]*store.Paper{}
	for i := range papers {
		byID[papers[i].ID] = &papers[i]
	}
	out := struct {
		Mode     string         `json:"mode"`
		Fallback string         `json:"fallback,omitempty"`
		Total    int            `json:"total"`
		Results  []jsonResult   `json:"results"`
		Groups   []search.Group `json:"groups"`
		Facets   jsonFacets     `json:"facets"`
	}{Mode: mode, Fallback: res.Fallback, Total: res.Total, Results: []jsonResult{}, Groups: groups, Facets: jsonFacets{Topics: facets}}
	if out.Facets.Topics == nil {
		out.Facets.Topics = []search.TopicFacet{}
	}
	if out.Groups == nil {
		out.Groups = []search.Group{}
	}
	for _, h := range res.Hits {
		p, ok := byID[h.ID]
		if !ok {
			continue
		}
		r := jsonResult{ID: p.ID, Title: p.Title, Score: h.Score, Authors: p.Authors, Categories: p.Categories, Upvotes: p.Community.TotalUpvotes()}
		if !p.ListedOn.IsZero() {
			r.ListedOn = p.ListedOn.Format(time.DateOnly)
		}
		out.Results = append(out.Results, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeSearchText(w io.Writer, res search.Result, papers []store.Paper, offset int, took time.Duration, tty bool) {
	mark := func(frags []search.Fragment) string {
		var b strings.Builder
		for _, f := range frags {
			switch {
			case !f.Match:
				b.WriteString(f.Text)
			case tty:
				b.WriteString("\033[1;33m" + f.Text + "\033[0m")
			default:
				b.WriteString("*" + f.Text + "*")
			}
		}
		return b.String()
	}
	about := ""
	if !res.TotalExact {
		about = "about "
	}
	fmt.Fprintf(w, "%s%d papers (%.1f ms)\n", about, res.Total, float64(took.Microseconds())/1000)
	for i := range papers {
		p := &papers[i]
		authors := p.Authors
		more := ""
		if len(authors) > 4 {
			authors, more = authors[:3], " et al."
		}
		meta := []string{strings.Join(authors, ", ") + more}
		if !p.ListedOn.IsZero() {
			meta = append(meta, p.ListedOn.Format("2 Jan 2006"))
		}
		if len(p.Categories) > 0 {
			meta = append(meta, strings.Join(p.Categories, " "))
		}
		meta = append(meta, "arXiv:"+p.ID)
		if p.Community.TotalUpvotes() > 0 {
			meta = append(meta, fmt.Sprintf("▲ %d", p.Community.TotalUpvotes()))
		}
		fmt.Fprintf(w, "\n%2d. %s\n    %s\n    %s\n", offset+i+1, mark(search.Highlight(p.Title, res.Query)),
			strings.Join(meta, " · "), mark(search.Snippet(p.Abstract, res.Query, 220)))
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type reindexCmd struct {
	CPUProfile string `name:"cpu-profile" hidden:"" placeholder:"FILE" help:"Write a CPU profile of the build to FILE."`
}

func (c *reindexCmd) Run(e *env) error {
	// The scan reads every page of the database once: mapped, they would
	// all stay in this process's resident memory.
	s, err := e.openStoreWith(store.Options{ReadMapBytes: -1})
	if err != nil {
		return err
	}
	defer s.Close()
	stop, err := startCPUProfile(c.CPUProfile)
	if err != nil {
		return err
	}
	defer stop()
	prog := newProgress(e, false)
	idx := follow.New(follow.Options{Dir: e.indexDir(), Source: s, Log: e.log, OnBuildProgress: prog.counter("indexing")})
	start := time.Now()
	if err := idx.Rebuild(e.ctx); err != nil {
		return err
	}
	prog.clear()
	if _, err := idx.CatchUp(e.ctx); err != nil {
		return err
	}
	if err := idx.Save(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "indexed %d papers in %s into %s\n", idx.Index().Len(), time.Since(start).Round(time.Millisecond), e.indexDir())
	return nil
}

func writeGroupsText(w io.Writer, groups []search.Group) {
	if len(groups) == 0 {
		return
	}
	fmt.Fprintf(w, "\ntopics among the best %d:\n", search.GroupDepth)
	for _, g := range groups {
		fmt.Fprintf(w, "  %-40s %d papers\n", g.Label, g.Count)
	}
}
