package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/search"
)

// maxSuggestions is how many titles the search box suggests.
const maxSuggestions = 8

type suggestion struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// suggest serves GET /api/suggest?q=: the titles of the best few papers
// for what has been typed so far, for the search box's suggestions. It is
// a plain lexical search (cheap, and answered from the response cache for
// popular prefixes); a query the engine refuses suggests nothing.
func (s *Server) suggest(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	out := []suggestion{}
	if s.search == nil || utf8.RuneCountInString(q) < 2 || len(q) > search.MaxQueryLen {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	res, err := s.search.Search(r.Context(), search.Request{Query: q, Limit: maxSuggestions})
	if err != nil {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	papers, err := s.papersByID(r.Context(), res.IDs())
	if err != nil {
		return err
	}
	for i := range papers {
		out = append(out, suggestion{ID: papers[i].ID, Title: texText(papers[i].Title)})
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, out)
	return nil
}
