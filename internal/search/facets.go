package search

import (
	"context"
	"errors"
	"strings"

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
	for _, f := range fs {
		t := topics[f.Topic]
		slugs := make([]string, len(f.Members))
		for i, m := range f.Members {
			slugs[i] = topics[m].Slug
		}
		out = append(out, TopicFacet{Slug: strings.Join(slugs, ","), Label: tm.FacetLabel(f, query), Terms: t.Terms, Count: f.Count, Area: areas[f.Area].Slug, facet: f})
	}
	return out
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
