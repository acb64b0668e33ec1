package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/search"
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
}

type searchCard struct {
	Card    card
	Title   template.HTML
	Snippet template.HTML
}

var categoryPattern = regexp.MustCompile(`^[a-zA-Z-]{2,20}(\.[a-zA-Z-]{1,10})?$`)

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	sp := searchPage{
		Page: Page{Title: "Search", Nav: "search", NoIndex: true},
		Q:    v.Get("q"), Category: v.Get("category"), After: v.Get("after"), Before: v.Get("before"), Sort: v.Get("sort"),
	}
	sp.Query = sp.Q
	if strings.TrimSpace(sp.Q) == "" && sp.Category == "" {
		return s.render(w, r, "search.html", &sp)
	}
	if s.search == nil {
		return errNoSearch
	}
	p, err := pageNumber(r)
	if err != nil {
		return err
	}
	req, err := searchRequest(r)
	if err == nil && strings.TrimSpace(req.Query) == "" {
		// A category page: the newest papers of the category.
		if !categoryPattern.MatchString(sp.Category) {
			err = errBadRequest("category: want a name such as cs.LG or cs")
		} else {
			req.Query = "cat:" + sp.Category
			req.Categories = nil
		}
	}
	if err == nil {
		req.Limit, req.Offset = searchPageSize, (p-1)*searchPageSize
		if req.Offset+req.Limit > search.MaxResults {
			err = errBadRequest("Only the first 1,000 results can be shown; narrow the search.")
		}
	}
	var res search.Result
	if err == nil {
		res, err = s.search.Search(r.Context(), req)
	}
	if err != nil {
		// A query the engine refuses is shown on the page with its reason.
		var he *httpError
		switch {
		case errors.As(err, &he) && he.status == http.StatusBadRequest:
			sp.Error = he.message
		case errors.Is(err, search.ErrQueryTooLong), errors.Is(err, search.ErrEmptyQuery):
			sp.Error = strings.TrimPrefix(err.Error(), "search: ")
		default:
			return err
		}
		sp.Title = "Search: " + truncate(sp.Q, 60)
		w.WriteHeader(http.StatusBadRequest)
		return s.render(w, r, "search.html", &sp)
	}
	sp.Searched = true
	sp.Title = "Search: " + truncate(req.Query, 60)
	sp.Total, sp.TotalExact = res.Total, res.TotalExact
	if err := s.searchCards(r, &sp, res); err != nil {
		return err
	}
	sp.From, sp.To = req.Offset+1, req.Offset+len(sp.Results)
	if p > 1 {
		sp.PrevPage = pageURL(r, p-1)
	}
	if sp.To < res.Total && len(res.Hits) == req.Limit && sp.To < search.MaxResults {
		sp.NextPage = pageURL(r, p+1)
	}
	sp.Feeds = feedLinks("Search: "+truncate(req.Query, 60), "search", url.Values{"q": {req.Query}})
	if sp.Category != "" && strings.TrimSpace(sp.Q) == "" {
		sp.Feeds = feedLinks("New in "+sp.Category, "category", url.Values{"c": {sp.Category}})
	} else if name, ok := authorQuery(sp.Q); ok {
		sp.Feeds = append(feedLinks("Papers by "+name, "author", url.Values{"name": {name}}), sp.Feeds...)
	}
	return s.render(w, r, "search.html", &sp)
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
	papers, err := s.papers.PapersByID(r.Context(), ids)
	if err != nil {
		return err
	}
	for i := range papers {
		p := &papers[i]
		sp.Results = append(sp.Results, searchCard{
			Card:    toCard(p),
			Title:   markTeX(search.Highlight(p.Title, res.Query)),
			Snippet: markTeX(search.Snippet(p.Abstract, res.Query, 300)),
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
		t := template.HTMLEscapeString(texText(f.Text))
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
