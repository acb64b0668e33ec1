package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

const searchPageSize = 20

// searchPage is the search form and its results.
type searchPage struct {
	Page
	Q, Category, After, Before, Sort string
	Error                            string
	Results                          []searchCard
	Total                            int
	TotalExact                       bool
	From, To                         int
	PrevPage, NextPage               string
	Searched                         bool
	Mode                             string // the mode asked for: hybrid, lexical or semantic
	Served                           string // the mode that answered
	Fallback                         string // why hybrid answered from words alone
	Topics                           []topicChip
	Topic                            int // the group narrowed to, 1-based; 0 for all
	AllTopics                        string
	// TopicsURL, when set, is where the page's script fetches the topic
	// chips after the results are shown (/search/topics); GroupURL is the
	// same grouping as a page, for readers without script.
	TopicsURL, GroupURL string
	NoTopics            bool // grouping was asked for and the results are one topic
	// Suggestion is the query spelt as the papers spell it, offered when
	// nothing matched (SuggestURL searches it).
	Suggestion, SuggestURL string
	// FiltersOpen unfolds the filters when any is set.
	FiltersOpen bool
	// TopicSlug is the topic of the map the results are narrowed to
	// (topic=slug), TopicLabel its label; facetted says the chips are
	// the topic facets of all the matches rather than groups of the best.
	TopicSlug, TopicLabel string
	facetted              bool
}

// topicChip is one topic group of an ambiguous query, as a link that
// narrows the results to it.
type topicChip struct {
	Label   string
	Count   int
	Href    string
	Current bool
}

type searchCard struct {
	Card    card
	Title   template.HTML
	Meta    template.HTML // byline and tags, rendered once per paper
	Snippet template.HTML
	// Keyphrases are paperboy's, shown when Hugging Face has none.
	Keyphrases []string
}

var categoryPattern = regexp.MustCompile(`^[a-zA-Z-]{2,20}(\.[a-zA-Z-]{1,10})?$`)

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	sp := newSearchPage(r.URL.Query())
	if strings.TrimSpace(sp.Q) == "" && sp.Category == "" {
		return s.render(w, r, "search.html", &sp)
	}
	if s.search == nil {
		return errNoSearch
	}
	page, err := pageNumber(r)
	if err != nil {
		return err
	}
	q, err := parseSearchPage(r, &sp, page)
	var res search.Result
	var groups []search.Group
	if err == nil {
		res, groups, err = s.searchWithTopics(r, &sp, q.mode, q.req, q.inline)
	}
	if err != nil {
		return s.refusedSearch(w, r, &sp, err)
	}
	if err := s.showResults(r, &sp, q, res, groups); err != nil {
		return err
	}
	return s.render(w, r, "search.html", &sp)
}

// newSearchPage is the search form as the query filled it in.
func newSearchPage(v url.Values) searchPage {
	sp := searchPage{
		Page: Page{Title: "Search", Nav: "search", NoIndex: true},
		Q:    v.Get("q"), Category: v.Get("category"), After: v.Get("after"), Before: v.Get("before"), Sort: v.Get("sort"),
		Mode: v.Get("mode"),
	}
	sp.FiltersOpen = sp.Category != "" || sp.After != "" || sp.Before != "" ||
		sp.Sort != "" && sp.Sort != "relevance" || sp.Mode != "" && sp.Mode != "hybrid"
	sp.Query = sp.Q
	return sp
}

// pageSearch is the search a results page runs.
type pageSearch struct {
	page   int
	req    search.Request
	mode   search.Mode
	inline bool // group the results on this page
}

// parseSearchPage reads the search of a results page from its query and
// sets the topic asked for on sp.
func parseSearchPage(r *http.Request, sp *searchPage, page int) (pageSearch, error) {
	v := r.URL.Query()
	req, err := searchRequest(r)
	if err != nil {
		return pageSearch{}, err
	}
	if strings.TrimSpace(req.Query) == "" {
		// A category page: the newest papers of the category.
		if !categoryPattern.MatchString(sp.Category) {
			return pageSearch{}, errBadRequest("category: want a name such as cs.LG or cs")
		}
		req.Query = "cat:" + sp.Category
		req.Categories = nil
	}
	req.Limit, req.Offset = searchPageSize, (page-1)*searchPageSize
	if req.Offset+req.Limit > search.MaxResults {
		return pageSearch{}, errBadRequest("Only the first 1,000 results can be shown; narrow the search.")
	}
	mode, err := searchMode(sp.Mode)
	if err != nil {
		return pageSearch{}, err
	}
	if t := v.Get("topic"); t != "" {
		// A slug names a topic of the map (the facets); a number, a group
		// of the best results (while there is no map).
		if n, err := strconv.Atoi(t); err == nil {
			if sp.Topic = n; n < 1 || n > maxTopics {
				return pageSearch{}, errBadRequest("topic: want a topic number from the list")
			}
		} else if !validTopic(t) {
			return pageSearch{}, errBadRequest("topic: want a topic from the list")
		} else {
			sp.TopicSlug = t
		}
	}
	// Grouping costs as much as the search itself, so the first page comes
	// without it and its script asks /search/topics for the chips. The
	// page groups inline when a topic is chosen, or when asked to
	// (&topics=1, the link offered to readers without script).
	inline := sp.Topic > 0 || sp.TopicSlug != "" || v.Get("topics") != ""
	return pageSearch{page: page, req: req, mode: mode, inline: inline}, nil
}

// searchMode parses the mode parameter.
func searchMode(raw string) (search.Mode, error) {
	mode, err := search.ParseMode(raw)
	if err != nil {
		return "", errBadRequest(fmt.Sprintf("mode %q: want lexical, semantic or hybrid", raw))
	}
	return mode, nil
}

// refusedSearch shows a query the engine refuses on the page, with its
// reason; other failures are renderError's.
func (s *Server) refusedSearch(w http.ResponseWriter, r *http.Request, sp *searchPage, err error) error {
	p, ok := pageError(err, problem.Invalid)
	if !ok {
		return err
	}
	sp.Error = p.Message
	sp.Title = "Search: " + truncate(sp.Q, 60)
	w.WriteHeader(http.StatusBadRequest)
	return s.render(w, r, "search.html", sp)
}

// showResults fills the page with the results, the topic chips, the
// links to other pages and the feeds of the search.
func (s *Server) showResults(r *http.Request, sp *searchPage, q pageSearch, res search.Result, groups []search.Group) error {
	sp.Searched = true
	sp.Title = "Search: " + truncate(q.req.Query, 60)
	sp.topicChips(r, groups)
	switch {
	case sp.facetted:
	case q.inline:
		sp.NoTopics = len(groups) < 2 && sp.Topic == 0
	case s.groupable(sp.Q, q.req):
		sp.TopicsURL = topicsURL(r, "/search/topics", "")
		sp.GroupURL = topicsURL(r, "/search", "1")
	}
	sp.Total, sp.TotalExact = res.Total, res.TotalExact
	if err := s.searchCards(r, sp, res); err != nil {
		return err
	}
	if len(sp.Results) == 0 && q.page == 1 && strings.TrimSpace(sp.Q) != "" {
		suggestion, err := s.searcher.Suggest(r.Context(), cachedPapers{s}, sp.Q)
		if err != nil {
			return err
		}
		if suggestion != "" {
			v := r.URL.Query()
			v.Set("q", suggestion)
			v.Del("p")
			sp.Suggestion, sp.SuggestURL = suggestion, "/search?"+v.Encode()
		}
	}
	sp.From, sp.To = q.req.Offset+1, q.req.Offset+len(sp.Results)
	if q.page > 1 {
		sp.PrevPage = pageURL(r, q.page-1)
	}
	if sp.To < res.Total && len(res.Hits) == q.req.Limit && sp.To < search.MaxResults {
		sp.NextPage = pageURL(r, q.page+1)
	}
	sp.Feeds = searchFeeds(sp, q.req.Query)
	return nil
}

// searchFeeds are the feeds a search page offers: of the search, of the
// category it lists, or of the author it names.
func searchFeeds(sp *searchPage, query string) []feedLink {
	feeds := feedLinks("Search: "+truncate(query, 60), "search", url.Values{"q": {query}})
	if sp.Category != "" && strings.TrimSpace(sp.Q) == "" {
		return feedLinks("New in "+sp.Category, "category", url.Values{"c": {sp.Category}})
	}
	if name, ok := authorQuery(sp.Q); ok {
		return append(feedLinks("Papers by "+name, "author", url.Values{"name": {name}}), feeds...)
	}
	return feeds
}

// authorQuery recognises a query that is only au:"Name".
func authorQuery(q string) (string, bool) {
	q = strings.TrimSpace(q)
	if !strings.HasPrefix(q, `au:"`) || !strings.HasSuffix(q, `"`) || len(q) < 6 {
		return "", false
	}
	name := q[4 : len(q)-1]
	return name, !strings.Contains(name, `"`)
}

func (s *Server) searchCards(r *http.Request, sp *searchPage, res search.Result) error {
	ids := res.IDs()
	seq, cached := s.readVersion(r.Context())
	papers, err := s.papersAt(r.Context(), ids, seq, cached)
	if err != nil {
		return err
	}
	for i := range papers {
		p := &papers[i]
		meta, err := s.renderFragment(p, resultMetaFragment, seq, cached)
		if err != nil {
			return err
		}
		sp.Results = append(sp.Results, searchCard{
			Card:       cardMeta(p),
			Title:      markTeX(search.Highlight(p.Title, res.Query)),
			Meta:       meta,
			Snippet:    markTeX(search.Snippet(p.Abstract, res.Query, 300)),
			Keyphrases: s.cardKeyphrases(p),
		})
	}
	return nil
}

// markTeX renders highlighted fragments as readable text (LaTeX reduced to
// Unicode) with matches in <mark>. Fragments may split markup, so each is
// rendered on its own by the forgiving plain-text renderer.
func markTeX(frags []search.Fragment) template.HTML {
	var b strings.Builder
	for _, f := range frags {
		t := template.HTMLEscapeString(tex.Text(f.Text))
		if f.Match {
			b.WriteString("<mark>" + t + "</mark>")
		} else {
			b.WriteString(t)
		}
	}
	return template.HTML(b.String())
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// maxTopics bounds the topic parameter; topics.Groups makes at most a
// handful of groups.
const maxTopics = 8

// groupBudget bounds the time the search page spends grouping results into
// topics: past it the page is shown without topic chips.
const groupBudget = 100 * time.Millisecond

// searchWithTopics runs the page's search in the asked mode. With inline
// (a chosen topic, &topics=1, or the chips fragment) it also groups the
// best results of a free-text query into topics; with a topic chosen, the
// results are that group's papers.
func (s *Server) searchWithTopics(r *http.Request, sp *searchPage, mode search.Mode, req search.Request, inline bool) (search.Result, []search.Group, error) {
	searcher := s.searcher
	if searcher.Topics() != nil && sp.Topic == 0 {
		res, err := s.searchWithFacets(r, sp, mode, req)
		return res, nil, err
	}
	if sp.TopicSlug != "" {
		return search.Result{}, nil, errBadRequest("Topics are not available yet; show all results instead.")
	}
	grouping := inline && strings.TrimSpace(sp.Q) != "" && (req.Offset == 0 || sp.Topic > 0) && s.semanticIndex() != nil
	if !grouping {
		res, served, err := searcher.Search(r.Context(), mode, req)
		sp.Served, sp.Fallback = string(served), res.Fallback
		return res, nil, err
	}
	// One search as deep as grouping reads serves both the groups and the
	// page of results.
	deep := req
	deep.Offset, deep.Limit = 0, max(search.GroupDepth, req.Offset+req.Limit)
	res, served, err := searcher.Search(r.Context(), mode, deep)
	if err != nil {
		return res, nil, err
	}
	sp.Served, sp.Fallback = string(served), res.Fallback
	ctx, cancel := context.WithTimeout(r.Context(), groupBudget)
	groups, err := searcher.GroupsOf(ctx, cachedPapers{s}, res.IDs()[:min(search.GroupDepth, len(res.Hits))], search.GroupOptions{})
	cancel()
	switch {
	case r.Context().Err() != nil:
		return search.Result{}, nil, r.Context().Err()
	case err != nil:
		// Topics are a help, not the answer: the results still come.
		s.log.Debug("search page: no topic groups", "q", sp.Q, "err", err)
		groups = nil
	}
	hits := res.Hits
	if sp.Topic > 0 {
		if sp.Topic > len(groups) {
			return search.Result{}, groups, errBadRequest("This topic is not among the results any more; show all results instead.")
		}
		// The group's papers, in result order.
		members := make(map[string]bool, groups[sp.Topic-1].Count)
		for _, id := range groups[sp.Topic-1].IDs {
			members[id] = true
		}
		hits = nil
		for _, h := range res.Hits {
			if members[h.ID] {
				hits = append(hits, h)
			}
		}
		res.Total, res.TotalExact = len(hits), true
	}
	res.Hits = hits[min(req.Offset, len(hits)):min(req.Offset+req.Limit, len(hits))]
	return res, groups, nil
}

// topicPattern is a topic= value: a slug, or a facet's slugs joined by
// commas (at most 1,000 characters, see validTopic).
var topicPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*(,[a-z0-9][a-z0-9-]*)*$`)

func validTopic(t string) bool { return len(t) <= 1000 && topicPattern.MatchString(t) }

// searchWithFacets runs the page's search with the topic facets of all
// its matches as chips (on the first page, and whenever a topic is
// chosen), narrowed to the chosen topic: one count of the matches beside
// the search, cheap enough to come with the page rather than after it.
func (s *Server) searchWithFacets(r *http.Request, sp *searchPage, mode search.Mode, req search.Request) (search.Result, error) {
	sp.facetted = true
	facets := strings.TrimSpace(sp.Q) != "" && (req.Offset == 0 || sp.TopicSlug != "")
	res, served, fs, err := s.searcher.SearchFacets(r.Context(), mode, req, search.FacetOptions{Topic: sp.TopicSlug, Facets: facets})
	if errors.Is(err, search.ErrUnknownTopic) {
		return res, errBadRequest("There is no topic of that name any more; show all results instead.")
	}
	if err != nil {
		return res, err
	}
	sp.Served, sp.Fallback = string(served), res.Fallback
	if sp.TopicSlug != "" {
		if tm := s.searcher.Topics(); tm != nil {
			sp.TopicLabel = topicLabel(tm, sp.TopicSlug)
		}
	}
	if len(fs) == 0 && sp.TopicSlug == "" {
		return res, nil
	}
	link := func(slug string) string {
		u := topicsURL(r, "/search", "")
		if slug != "" {
			u += "&topic=" + url.QueryEscape(slug)
		}
		return u
	}
	sp.AllTopics = link("")
	chosen := false
	for _, f := range fs {
		cur := f.Slug == sp.TopicSlug
		chosen = chosen || cur
		sp.Topics = append(sp.Topics, topicChip{Label: f.Label, Count: f.Count, Href: link(f.Slug), Current: cur})
	}
	if sp.TopicSlug != "" && !chosen {
		// The chosen topic stays a chip though the facets of its own
		// matches are no longer the whole query's.
		sp.Topics = append(sp.Topics, topicChip{Label: sp.TopicLabel, Count: res.Total, Href: link(sp.TopicSlug), Current: true})
	}
	return res, nil
}

// groupable reports whether a search's results can be grouped into topics:
// the first page of a free-text query, with a model loaded.
func (s *Server) groupable(q string, req search.Request) bool {
	return strings.TrimSpace(q) != "" && req.Offset == 0 && s.semanticIndex() != nil
}

// topicsURL is the page's query at path, without its page number or topic,
// with topics=value when value is set.
func topicsURL(r *http.Request, path, value string) string {
	q := r.URL.Query()
	q.Del("p")
	q.Del("topic")
	q.Del("topics")
	if value != "" {
		q.Set("topics", value)
	}
	return path + "?" + q.Encode()
}

// searchTopics serves GET /search/topics: the topic chips of a search page
// as an HTML fragment (empty when the results are one topic), fetched by
// the page's script.
func (s *Server) searchTopics(w http.ResponseWriter, r *http.Request) error {
	if s.search == nil {
		return errNoSearch
	}
	v := r.URL.Query()
	sp := searchPage{Q: v.Get("q")}
	req, err := searchRequest(r)
	if err != nil {
		return err
	}
	mode, err := searchMode(v.Get("mode"))
	if err != nil {
		return err
	}
	req.Offset, req.Limit = 0, searchPageSize
	var groups []search.Group
	if s.groupable(sp.Q, req) {
		if _, groups, err = s.searchWithTopics(r, &sp, mode, req, true); err != nil {
			return err
		}
	}
	sp.topicChips(r, groups)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return s.pages.ExecuteTemplate(w, "topics", &sp)
}

// topicChips turns the groups into links that narrow the search.
func (sp *searchPage) topicChips(r *http.Request, groups []search.Group) {
	if len(groups) < 2 {
		return
	}
	link := func(topic int) string {
		u := topicsURL(r, "/search", "")
		if topic > 0 {
			u += "&topic=" + strconv.Itoa(topic)
		}
		return u
	}
	sp.AllTopics = link(0)
	for i, g := range groups {
		sp.Topics = append(sp.Topics, topicChip{Label: g.Label, Count: g.Count, Href: link(i + 1), Current: sp.Topic == i+1})
	}
}
