package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
	"time"
)

var templateFuncs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2 Jan 2006")
	},
	"authors": func(names []string) string {
		if len(names) > 4 {
			return strings.Join(names[:3], ", ") + " et al."
		}
		return strings.Join(names, ", ")
	},
	"excerpt": func(s string) string {
		const n = 280
		if len(s) <= n {
			return s
		}
		cut := strings.LastIndexByte(s[:n], ' ')
		if cut < 0 {
			cut = n
		}
		return s[:cut] + " …"
	},
}

// home lists the most recent papers; the web site issue replaces it with
// the daily lists.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	papers, err := s.papers.RecentPapers(r.Context(), 50)
	if err != nil {
		return err
	}
	return s.render(w, "home.html", map[string]any{"Papers": papers})
}

// render executes a template into a buffer first, so that a failing
// template yields a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, name string, data any) error {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := buf.WriteTo(w)
	return err
}
