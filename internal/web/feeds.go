package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

const feedSize = 50

// feed serves /feeds/{kind}.{rss|atom}: daily, trending, search?q=,
// category?c= and author?name=.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) error {
	kind, format, ok := strings.Cut(r.PathValue("file"), ".")
	if !ok || (format != "rss" && format != "atom") {
		return errNotFound("Feeds are /feeds/KIND.rss or /feeds/KIND.atom.")
	}
	ctx := r.Context()
	v := r.URL.Query()
	base := s.baseURL
	var title, link string
	var papers []store.Paper
	var err error
	if kind == "author" && s.authors != nil {
		// From the author index, as the author page lists them.
		a, err := s.authors.AuthorPage(ctx, v.Get("name"))
		if err != nil {
			return err
		}
		return s.writeFeed(w, r, format, "paperboy: papers by "+a.Name, base+authorPath(a.Name), a.Papers[:min(len(a.Papers), feedSize)])
	}
	if kind == "topic" {
		info, ok := topicInfo{}, false
		if tm := s.topicMap(); tm != nil {
			info, ok = topicAt(tm, v.Get("slug"))
		}
		if !ok {
			return errNotFound("There is no topic of that name.")
		}
		newest, _, err := s.topicPapers(ctx, info.Slug, feedSize)
		if err != nil {
			return err
		}
		return s.writeFeed(w, r, format, "paperboy: "+info.Label, base+"/topics/"+info.Slug, newest)
	}
	switch kind {
	case "daily":
		var day time.Time
		if day, _, err = s.currentDay(ctx); err != nil {
			return err
		}
		title, link = "paperboy: daily papers", base+"/"
		papers, err = s.papers.DailyPapers(ctx, day, day.AddDate(0, 0, 1), feedSize, 0)
	case "trending":
		title, link = "paperboy: trending papers", base+"/trending"
		papers, _, _, err = s.trendingPapers(ctx)
	case "search", "category", "author":
		var q string
		switch kind {
		case "search":
			q = v.Get("q")
			title = "paperboy: search " + q
		case "category":
			c := v.Get("c")
			if !categoryPattern.MatchString(c) {
				return errBadRequest("c: want a category such as cs.LG")
			}
			q, title = "cat:"+c, "paperboy: new in "+c
		case "author":
			name := strings.ReplaceAll(strings.TrimSpace(v.Get("name")), `"`, "")
			if name == "" {
				return errBadRequest("name: want an author's name")
			}
			q, title = `au:"`+name+`"`, "paperboy: papers by "+name
		}
		if s.search == nil {
			return errNoSearch
		}
		link = base + "/search?" + url.Values{"q": {q}, "sort": {"newest"}}.Encode()
		res, serr := s.search.Search(ctx, search.Request{Query: q, Limit: feedSize, Sort: search.SortNewest})
		if serr != nil {
			return serr
		}
		ids := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		papers, err = s.papersByID(ctx, ids)
	default:
		return errNotFound("There is no feed " + kind + ".")
	}
	if err != nil {
		return err
	}
	return s.writeFeed(w, r, format, title, link, papers)
}

// writeFeed writes papers as an RSS or Atom feed.
func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, format, title, link string, papers []store.Paper) error {
	base := s.baseURL
	self := base + r.URL.RequestURI()
	var updated time.Time
	for i := range papers {
		if papers[i].UpdatedAt.After(updated) {
			updated = papers[i].UpdatedAt
		}
	}
	if updated.IsZero() {
		updated = s.now().UTC().Truncate(24 * time.Hour)
	}
	setLastModified(w, updated)
	if format == "rss" {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		return writeXML(w, rssFeed(title, link, self, updated, base, papers))
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	return writeXML(w, atomFeed(title, link, self, updated, base, papers))
}

func writeXML(w http.ResponseWriter, v any) error {
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	return enc.Encode(v)
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

type rss struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	DC      string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Self          atomLink  `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	GUID        string `xml:"guid"`
	Description string `xml:"description"`
	PubDate     string `xml:"pubDate,omitempty"`
	// Creator lists the authors in order, "A, B, C", in one element as
	// arXiv's own RSS does: feed readers (feedparser, newsboat) keep only
	// the last of several dc:creator elements.
	Creator    string   `xml:"dc:creator,omitempty"`
	Categories []string `xml:"category"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

func itemDate(p *store.Paper) time.Time {
	if !p.Community.DailySubmittedAt.IsZero() {
		return p.Community.DailySubmittedAt
	}
	if d := p.PaperDay(); !d.IsZero() {
		return d
	}
	return p.FirstVersionAt
}

func rssFeed(title, link, self string, updated time.Time, base string, papers []store.Paper) rss {
	f := rss{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", DC: "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{
			Title: title, Link: link, Description: title,
			Self:          atomLink{Href: self, Rel: "self", Type: "application/rss+xml"},
			LastBuildDate: updated.UTC().Format(time.RFC1123Z),
		}}
	for i := range papers {
		p := &papers[i]
		it := rssItem{
			Title: tex.Text(p.Title), Link: base + "/papers/" + p.ID, GUID: base + "/papers/" + p.ID,
			Description: tex.Text(p.Abstract), Creator: strings.Join(p.Authors, ", "), Categories: p.Categories,
		}
		if d := itemDate(p); !d.IsZero() {
			it.PubDate = d.UTC().Format(time.RFC1123Z)
		}
		f.Channel.Items = append(f.Channel.Items, it)
	}
	return f
}

type atom struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	ID         string         `xml:"id"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Links      []atomLink     `xml:"link"`
	Authors    []atomAuthor   `xml:"author"`
	Summary    string         `xml:"summary"`
	Categories []atomCategory `xml:"category"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func atomFeed(title, link, self string, updated time.Time, base string, papers []store.Paper) atom {
	f := atom{
		Title: title, ID: self, Updated: updated.UTC().Format(time.RFC3339), Author: atomAuthor{"paperboy"},
		Links: []atomLink{{Href: self, Rel: "self", Type: "application/atom+xml"}, {Href: link, Rel: "alternate", Type: "text/html"}},
	}
	for i := range papers {
		p := &papers[i]
		up := p.UpdatedAt
		if up.IsZero() {
			up = updated
		}
		e := atomEntry{
			Title: tex.Text(p.Title), ID: base + "/papers/" + p.ID, Updated: up.UTC().Format(time.RFC3339),
			Links: []atomLink{
				{Href: base + "/papers/" + p.ID, Rel: "alternate", Type: "text/html"},
				{Href: "https://arxiv.org/pdf/" + p.ID, Rel: "related", Type: "application/pdf"},
			},
			Summary: tex.Text(p.Abstract),
		}
		if d := itemDate(p); !d.IsZero() {
			e.Published = d.UTC().Format(time.RFC3339)
		}
		for _, a := range p.Authors {
			e.Authors = append(e.Authors, atomAuthor{a})
		}
		for _, c := range p.Categories {
			e.Categories = append(e.Categories, atomCategory{c})
		}
		f.Entries = append(f.Entries, e)
	}
	return f
}
