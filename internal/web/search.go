package web

import (
	"errors"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search"
)

// Bounds of the search API's paging, as Hugging Face's.
const (
	maxSearchLimit  = 100
	maxSearchOffset = 1000
)

// apiSearchItem is one search result: Hugging Face's item shape (the paper
// inside) with the score and highlighted snippets beside it.
type apiSearchItem struct {
	Paper       apiPaper      `json:"paper"`
	Title       string        `json:"title"`
	PublishedAt *time.Time    `json:"publishedAt,omitempty"`
	NumComments int           `json:"numComments"`
	Score       float64       `json:"score"`
	Highlights  apiHighlights `json:"highlights"`
}

// apiHighlights hold HTML-escaped text in which matched words are wrapped in
// <mark>.
type apiHighlights struct {
	Title   string `json:"title"`
	Summary string `json:"summary"`
}

// searchRequest reads a search from URL parameters: q, limit, offset, sort
// (relevance|newest|upvotes), category (repeatable or comma-separated),
// after and before (YYYY-MM-DD).
func searchRequest(r *http.Request) (search.Request, error) {
	v := r.URL.Query()
	req := search.Request{Query: v.Get("q"), Limit: search.DefaultLimit}
	var err error
	if s := v.Get("limit"); s != "" {
		if req.Limit, err = strconv.Atoi(s); err != nil || req.Limit < 1 || req.Limit > maxSearchLimit {
			return req, errBadRequest("limit: want a number from 1 to " + strconv.Itoa(maxSearchLimit))
		}
	}
	if s := v.Get("offset"); s != "" {
		if req.Offset, err = strconv.Atoi(s); err != nil || req.Offset < 0 || req.Offset > maxSearchOffset {
			return req, errBadRequest("offset: want a number from 0 to " + strconv.Itoa(maxSearchOffset))
		}
	}
	if s := v.Get("sort"); s != "" {
		var ok bool
		if req.Sort, ok = search.ParseSortOrder(s); !ok {
			return req, errBadRequest("sort: want relevance, newest or upvotes")
		}
	}
	for _, c := range v["category"] {
		for _, part := range strings.Split(c, ",") {
			if part = strings.TrimSpace(part); part != "" {
				req.Categories = append(req.Categories, part)
			}
		}
	}
	for name, dst := range map[string]*time.Time{"after": &req.After, "before": &req.Before} {
		if s := v.Get(name); s != "" {
			if *dst, err = time.Parse(time.DateOnly, s); err != nil {
				return req, errBadRequest(name + ": want a date as YYYY-MM-DD")
			}
		}
	}
	return req, nil
}

// apiSearch serves GET /api/papers/search.
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	req, err := searchRequest(r)
	if err != nil {
		return err
	}
	mode, err := searchMode(r.URL.Query().Get("mode"))
	if err != nil {
		return err
	}
	if s.searcher == nil {
		return errNoSearch
	}
	envelope := r.URL.Query().Get("envelope") != ""
	topic := r.URL.Query().Get("topic")
	if topic != "" && !validTopic(topic) {
		return errBadRequest("topic: want a topic's slug (GET /api/topics lists them)")
	}
	res, served, facets, err := s.searcher.SearchFacets(r.Context(), mode, req,
		search.FacetOptions{Topic: topic, Facets: envelope && req.Offset == 0})
	switch {
	case errors.Is(err, search.ErrUnknownTopic):
		return errBadRequest("topic: there is no topic " + topic + " (GET /api/topics lists them)")
	case errors.Is(err, search.ErrNoTopics):
		return errBadRequest("topic: there are no topics yet")
	case err != nil:
		return err
	}
	// The mode that answered: hybrid is lexical without a model, for a
	// sort order, or for a query of fields and filters alone.
	w.Header().Set("X-Search-Mode", string(served))
	if res.Fallback != "" {
		w.Header().Set("X-Search-Fallback", res.Fallback)
	}
	ids := res.IDs()
	papers, err := s.papersByID(r.Context(), ids)
	if err != nil {
		return err
	}
	byID := make(map[string]int, len(papers))
	for i := range papers {
		byID[papers[i].ID] = i
	}
	items := make([]apiSearchItem, 0, len(res.Hits))
	for _, h := range res.Hits {
		i, ok := byID[h.ID]
		if !ok { // deleted since it was indexed
			continue
		}
		p := &papers[i]
		items = append(items, apiSearchItem{
			Paper:       s.apiPaperOf(p),
			Title:       p.Title,
			PublishedAt: timePtr(p.Community.DailySubmittedAt), // as in daily items
			NumComments: p.Community.TotalComments(),
			Score:       h.Score,
			Highlights: apiHighlights{
				Title:   markHTML(search.Highlight(p.Title, res.Query)),
				Summary: markHTML(search.Snippet(p.Abstract, res.Query, 300)),
			},
		})
	}
	var suggestion string
	if res.Total == 0 && req.Offset == 0 {
		if suggestion, err = s.searcher.Suggest(r.Context(), cachedPapers{s}, req.Query); err != nil {
			return err
		}
		if suggestion != "" {
			w.Header().Set("X-Search-Suggestion", suggestion)
		}
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(res.Total))
	setLastModified(w, updatedTimes(papers)...)
	if r.URL.Query().Get("envelope") == "" {
		writeJSON(w, http.StatusOK, items)
		return nil
	}
	// The envelope carries what the bare array cannot: the mode that
	// answered, the total, and the topic groups of the best results.
	groups := []search.Group{}
	if req.Offset == 0 && len(items) > 0 {
		g, err := s.searcher.Groups(r.Context(), cachedPapers{s}, mode, req, search.GroupOptions{})
		if err != nil {
			return err
		}
		if g != nil {
			groups = g
		}
	}
	if facets == nil {
		facets = []search.TopicFacet{}
	}
	writeJSON(w, http.StatusOK, apiSearchEnvelope{Mode: string(served), Fallback: res.Fallback, Total: res.Total,
		TotalExact: res.TotalExact, Suggestion: suggestion, Results: items, Groups: groups,
		Facets: apiFacets{Topics: facets}})
	return nil
}

// apiSearchEnvelope is the search response with ?envelope=1.
type apiSearchEnvelope struct {
	Mode string `json:"mode"`
	// Fallback says why a hybrid search answered from words alone.
	Fallback string `json:"fallback,omitempty"`
	Total    int    `json:"total"`
	// TotalExact is false when Total is an estimate.
	TotalExact bool `json:"totalExact"`
	// Suggestion is the query spelt as the papers spell it, when nothing
	// matched and a word is near one the papers use.
	Suggestion string          `json:"suggestion,omitempty"`
	Results    []apiSearchItem `json:"results"`
	// Groups cluster the best 150 results (kept for older clients);
	// Facets count the topics of all the matches.
	Groups []search.Group `json:"groups"`
	Facets apiFacets      `json:"facets"`
}

// apiFacets are the facets of a search's matches.
type apiFacets struct {
	Topics []search.TopicFacet `json:"topics"`
}

// markHTML renders fragments as escaped HTML with matches in <mark>.
func markHTML(frags []search.Fragment) string {
	var b strings.Builder
	for _, f := range frags {
		if f.Match {
			b.WriteString("<mark>" + html.EscapeString(f.Text) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(f.Text))
		}
	}
	return b.String()
}

// semanticIndex returns the search facade's semantic index, or nil while
// there is none.
func (s *Server) semanticIndex() *search.SemanticIndex {
	if s.searcher == nil {
		return nil
	}
	return s.searcher.SemanticIndex()
}
