package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// sitemapURLs is the most URLs one sitemap file may hold (sitemaps.org).
const sitemapURLs = 50000

// sitemap serves /sitemap.xml: the paper pages themselves when there are at
// most 50,000 of them, else a sitemap index of /sitemaps/papers-N.xml files
// of 50,000 papers each, in id order.
func (s *Server) sitemap(w http.ResponseWriter, r *http.Request) error {
	n, err := s.papers.CountSitemapPapers(r.Context())
	if err != nil {
		return err
	}
	if n <= s.sitemapSize {
		return s.writeSitemap(w, r, 0)
	}
	base := xmlEscape(s.baseURL)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for i := 1; (i-1)*s.sitemapSize < n; i++ {
		b.WriteString("<sitemap><loc>" + base + "/sitemaps/papers-" + strconv.Itoa(i) + ".xml</loc></sitemap>\n")
	}
	b.WriteString("</sitemapindex>\n")
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, err = b.WriteTo(w)
	return err
}

// sitemapPage serves /sitemaps/papers-N.xml, N from 1.
func (s *Server) sitemapPage(w http.ResponseWriter, r *http.Request) error {
	num, ok := strings.CutPrefix(r.PathValue("file"), "papers-")
	num, ok2 := strings.CutSuffix(num, ".xml")
	i, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || i < 1 || i > 100000 {
		return errNotFound("There is no such sitemap.")
	}
	return s.writeSitemap(w, r, i)
}

// writeSitemap writes the urlset of sitemap file i (0: the only one).
func (s *Server) writeSitemap(w http.ResponseWriter, r *http.Request, i int) error {
	offset := max(i-1, 0) * s.sitemapSize
	entries, err := s.papers.SitemapPapers(r.Context(), offset, s.sitemapSize)
	if err != nil {
		return err
	}
	if i > 1 && len(entries) == 0 {
		return errNotFound("There is no such sitemap.")
	}
	base := xmlEscape(s.baseURL)
	var b bytes.Buffer
	b.Grow(len(entries)*100 + 200)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	var latest time.Time
	for _, e := range entries {
		b.WriteString("<url><loc>" + base + "/papers/" + xmlEscape(e.ID) + "</loc>")
		if !e.UpdatedAt.IsZero() {
			b.WriteString("<lastmod>" + e.UpdatedAt.UTC().Format(time.RFC3339) + "</lastmod>")
			if e.UpdatedAt.After(latest) {
				latest = e.UpdatedAt
			}
		}
		b.WriteString("</url>\n")
	}
	b.WriteString("</urlset>\n")
	setLastModified(w, latest)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, err = b.WriteTo(w)
	return err
}
