package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
)

// TopicFacet is one topic among all of a query's matches: a fine topic of
// the map (topicmap) with the number of matching papers it holds.
type TopicFacet struct {
	// Slug selects the facet (FacetOptions.Topic, topic=): its topic's
	// slug, or the slugs of the neighbouring topics it joins, the largest
	// first, joined by commas.
	Slug  string   `json:"slug"`
	Label string   `json:"label"`
	Terms []string `json:"terms"`
	Count int      `json:"count"`
	// Area is the slug of the broad area the topic belongs to.
	Area string `json:"area"`

	facet topicmap.Facet
}

// Facet returns the map's facet f shows (its fine topics), for counting
// senses (topicmap.Map.Senses).
func (f TopicFacet) Facet() topicmap.Facet { return f.facet }

// ErrUnknownTopic is returned for a topic slug the map does not hold.
var ErrUnknownTopic = errors.New("there is no topic of that name")

// ErrNoTopics is returned for a topic filter while there is no topic map.
var ErrNoTopics = errors.New("topics are not available yet: run 'paperboy embed train' or 'paperboy topics build'")

// Topics returns the topic map, or nil while there is none.
func (s *Searcher) Topics() *topicmap.Map {
	if ix := s.index(); ix != nil {
		return ix.Topics()
	}
	return nil
}

// FacetOptions say what SearchFacets adds to a search.
type FacetOptions struct {
	// Topic, a fine topic's or an area's slug (or several joined by
	// commas, as a facet's), keeps only their papers.
	Topic string
	// Facets asks for the topic facets of all the matches.
	Facets bool
	// Max bounds the facets: 10 when zero.
	Max int
}

// SearchFacets runs req as Search does, narrowed to a topic and with the
// topic facets of every paper that matches all of its words (not only the
// page, nor the best few hundred): each match's topic is read from the
// map as the lexical index finds it, a map read per match, and
// topicmap.Facets picks the topics that explain the matches best. Papers
// a hybrid search adds by meaning alone are not counted. Without a topic map it is Search, with
// no facets (and ErrNoTopics for a topic filter).
func (s *Searcher) SearchFacets(ctx context.Context, mode Mode, req Request, opts FacetOptions) (Result, Mode, []TopicFacet, error) {
	tm := s.Topics()
	if tm == nil {
		if opts.Topic != "" {
			return Result{}, mode, nil, ErrNoTopics
		}
		res, m, err := s.Search(ctx, mode, req)
		return res, m, nil, err
	}
	r := tm.Reader()
	// Facets read-locks the map itself: the reader is closed before, as
	// a second read lock in one goroutine may wait on a waiting writer.
	open := true
	defer func() {
		if open {
			r.Close()
		}
	}()
	if opts.Topic != "" {
		// A facet that joins neighbouring topics is selected by their
		// slugs joined with commas.
		fine, areas := map[int]bool{}, map[int]bool{}
		for _, slug := range strings.Split(opts.Topic, ",") {
			i, area, ok := tm.BySlug(slug)
			switch {
			case !ok:
				return Result{}, mode, nil, ErrUnknownTopic
			case area:
				areas[i] = true
			default:
				fine[i] = true
			}
		}
		topics := tm.Topics()
		req.Keep = func(id []byte) bool {
			t := r.TopicOf(id)
			return t >= 0 && (fine[t] || areas[topics[t].Parent])
		}
	}
	counts := make([]int, len(tm.Topics()))
	matches := 0
	count := func(id []byte) {
		matches++
		if t := r.TopicOf(id); t >= 0 {
			counts[t]++
		}
	}
	// The facets count the papers that hold every word of the query (and
	// pass its phrases, fields and filters): a search for "diffusion
	// models" ranks every paper that says "models", and those are no
	// sense of the query. With one word, or none optional, the search's
	// own matches are those papers, and its count of them tells the
	// facets too; otherwise a search sorted by date, which asks the
	// lexical index for exactly the boolean match, counts them.
	oneCount := false
	if opts.Facets {
		if q, err := lexical.Parse(req.Query); err == nil && len(q.Terms) <= 1 {
			req.Match, oneCount = count, true
		}
	}
	res, served, err := s.Search(ctx, mode, req)
	if err != nil || !opts.Facets {
		return res, served, nil, err
	}
	if !oneCount {
		cr := req
		cr.Sort, cr.Offset, cr.Limit, cr.Match = SortNewest, 0, 1, count
		if _, err := s.Lexical.Search(ctx, cr); err != nil {
			return Result{}, served, nil, err
		}
	}
	r.Close()
	open = false
	return res, served, facetsOf(tm, req.Query, tm.Facets(counts, matches, topicmap.FacetOptions{Max: opts.Max})), nil
}

func facetsOf(tm *topicmap.Map, query string, fs []topicmap.Facet) []TopicFacet {
	out := make([]TopicFacet, 0, len(fs))
	topics, areas := tm.Topics(), tm.Areas()
	labels := tm.FacetLabels(fs, query)
	for i, f := range fs {
		t := topics[f.Topic]
		slugs := make([]string, len(f.Members))
		for i, m := range f.Members {
			slugs[i] = topics[m].Slug
		}
		out = append(out, TopicFacet{Slug: strings.Join(slugs, ","), Label: labels[i], Terms: t.Terms, Count: f.Count, Area: areas[f.Area].Slug, facet: f})
	}
	return out
}

// docValuer is a lexical index that reports papers' listed dates and
// votes by id (lexical.Index, follow.Indexer).
type docValuer interface {
	DocValues(ids []string, fn func(i int, date time.Time, upvotes int))
}

// TopicPapers returns the ids of the n newest papers of the topic or area
// slug names, and of its n most upvoted (with a vote at least) listed on
// or after since(the newest one's date). It reads the dates and votes of
// the topic's own papers (topicmap.Map.Papers), so a topic costs what it
// holds, where a search filtered by topic walks every paper of the corpus
// (BenchmarkTopicPapers). An index that cannot report values by id is
// walked.
func (s *Searcher) TopicPapers(ctx context.Context, slug string, n int, since func(newest time.Time) time.Time) (newest, upvoted []string, err error) {
	tm := s.Topics()
	if tm == nil {
		return nil, nil, ErrNoTopics
	}
	i, area, ok := tm.BySlug(slug)
	if !ok {
		return nil, nil, ErrUnknownTopic
	}
	dv, ok := s.Lexical.(docValuer)
	if !ok {
		return s.walkTopicPapers(ctx, slug, n, since)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	ids := tm.Papers(i, area)
	ps := make([]dated, 0, len(ids))
	dv.DocValues(ids, func(k int, date time.Time, up int) { ps = append(ps, dated{ids[k], date, up}) })
	// The orders of lexical.SortNewest and SortMostUpvoted, where scores
	// tie: date, then votes, then the larger id.
	byDate := func(a, b *dated) bool {
		if !a.date.Equal(b.date) {
			return a.date.After(b.date)
		}
		if a.up != b.up {
			return a.up > b.up
		}
		return a.id > b.id
	}
	byVotes := func(a, b *dated) bool {
		if a.up != b.up {
			return a.up > b.up
		}
		return byDate(a, b)
	}
	top := bestOf(ps, n, byDate, func(*dated) bool { return true })
	if len(top) == 0 {
		return nil, nil, nil
	}
	from := since(top[0].date)
	voted := bestOf(ps, n, byVotes, func(p *dated) bool { return p.up > 0 && !p.date.Before(from) })
	return idsOf(top), idsOf(voted), nil
}

// dated is a paper with its listed date and votes.
type dated struct {
	id   string
	date time.Time
	up   int
}

// bestOf returns the n best of ps that pass keep, the best first: one
// pass, each paper compared with the worst kept once it is full.
func bestOf(ps []dated, n int, better func(a, b *dated) bool, keep func(*dated) bool) []dated {
	out := make([]dated, 0, n+1)
	for k := range ps {
		p := &ps[k]
		if n <= 0 || !keep(p) || len(out) == n && !better(p, &out[n-1]) {
			continue
		}
		at := len(out)
		for at > 0 && better(p, &out[at-1]) {
			at--
		}
		out = slices.Insert(out, at, *p)[:min(len(out)+1, n)]
	}
	return out
}

func idsOf(ps []dated) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.id
	}
	return out
}

// walkTopicPapers is TopicPapers by a search filtered by the topic, in
// date and in vote order: every paper is walked.
func (s *Searcher) walkTopicPapers(ctx context.Context, slug string, n int, since func(time.Time) time.Time) (newest, upvoted []string, err error) {
	run := func(req Request) ([]Hit, error) {
		res, _, _, err := s.SearchFacets(ctx, Lexical, req, FacetOptions{Topic: slug})
		return res.Hits, err
	}
	hits, err := run(Request{Query: "after:1970-01-01", Sort: SortNewest, Limit: n})
	if err != nil || len(hits) == 0 {
		return nil, nil, err
	}
	for _, h := range hits {
		newest = append(newest, h.ID)
	}
	voted, err := run(Request{Query: "after:1970-01-01", Sort: SortMostUpvoted, Limit: n, After: since(hits[0].Date)})
	for _, h := range voted {
		if h.Upvotes > 0 {
			upvoted = append(upvoted, h.ID)
		}
	}
	return newest, upvoted, err
}

// PaperTopics gives each paper's fine topic and broad area as slugs, the
// values a topic follow holds (foryou.Topics); papers the map does not
// hold, or all of them while there is no map, are left out.
func (s *Searcher) PaperTopics(_ context.Context, ids []string) (map[string][]string, error) {
	tm := s.Topics()
	if tm == nil {
		return nil, nil
	}
	topics, areas := tm.Topics(), tm.Areas()
	out := make(map[string][]string, len(ids))
	for _, id := range ids {
		i := tm.TopicOf(id)
		if i == topicmap.NoTopic {
			continue
		}
		t := topics[i]
		slugs := []string{t.Slug}
		if t.Parent >= 0 {
			slugs = append(slugs, areas[t.Parent].Slug)
		}
		out[id] = slugs
	}
	return out, nil
}

// Topic names the topic or area slug names, for following it
// (authors.Topics); ok is false for an unknown slug or while there is no
// map.
func (s *Searcher) Topic(_ context.Context, slug string) (name string, ok bool, err error) {
	tm := s.Topics()
	if tm == nil {
		return "", false, nil
	}
	i, area, ok := tm.BySlug(slug)
	switch {
	case !ok:
		return "", false, nil
	case area:
		return tm.Areas()[i].Label, true, nil
	}
	return tm.Topics()[i].Label, true, nil
}
