package web

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/rank"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

// Page sizes of the lists.
const (
	listPageSize     = 50
	trendingSize     = 50
	trendingWindow   = 14  // days of papers considered for trending
	trendingPoolSize = 500 // most upvoted papers of the window that are ranked
)

// Page is what every page's layout needs.
type Page struct {
	Title       string
	Description string
	Canonical   string // path of the canonical URL, "" for none
	Nav         string // the header link to mark current
	Query       string // the search box's text
	Feeds       []feedLink
	Meta        []metaTag // citation_* tags
	NoIndex     bool
	Viewer      *Viewer // the signed-in user, nil when anonymous
}

// page lets render reach the Page embedded in any page's data.
func (p *Page) page() *Page { return p }

type feedLink struct {
	Title, Href string
	Atom        bool
}

type metaTag struct{ Name, Content string }

// feedLinks announces the RSS and Atom versions of a feed.
func feedLinks(title, kind string, query url.Values) []feedLink {
	q := ""
	if len(query) > 0 {
		q = "?" + query.Encode()
	}
	return []feedLink{
		{Title: title + " (RSS)", Href: "/feeds/" + kind + ".rss" + q},
		{Title: title + " (Atom)", Href: "/feeds/" + kind + ".atom" + q, Atom: true},
	}
}

// card is a paper as a list shows it.
type card struct {
	ID         string
	Title      template.HTML
	Authors    []string // the first few
	MoreAuthor int      // how many more
	Date       time.Time
	Categories []string
	Upvotes    int
	Comments   int
	GitHub     string
	Stars      int // -1 unknown
	Excerpt    template.HTML
	Rank       int
	Voted      bool // by the signed-in viewer (community.go)
	// CanSave shows the Save button; Saved is the viewer's (library.go).
	CanSave, Saved bool
	// Body is the card's rendered title, byline, tags and excerpt, when a
	// list has them from the paper cache (papercache.go).
	Body template.HTML
	// The images of lists (cardMedia, lists.go): file names in the media
	// library, "" when there is no copy.
	Thumb, ThumbAlt string
	Submitter       string // who put the paper on the daily list
	SubmitterAvatar string
	Org, OrgAvatar  string
}

const cardAuthors = 3

func toCard(p *store.Paper) card {
	c := cardMeta(p)
	c.Title, c.Excerpt = tex.HTMLWithoutLinks(p.Title), tex.HTML(excerpt(p.Abstract, 300))
	return c
}

// cardMeta is a card without its title and excerpt, for pages that show
// them highlighted.
func cardMeta(p *store.Paper) card {
	c := card{
		ID: p.ID, Date: p.PaperDay(), Categories: p.Categories,
		Upvotes: p.Community.TotalUpvotes(), Comments: p.Community.TotalComments(),
		GitHub: githubURL(p.Community.GitHubRepo), Stars: p.Community.GitHubStars,
	}
	c.Authors = p.Authors
	if len(p.Authors) > cardAuthors+1 {
		c.Authors, c.MoreAuthor = p.Authors[:cardAuthors], len(p.Authors)-cardAuthors
	}
	if len(c.Categories) > 4 {
		c.Categories = c.Categories[:4]
	}
	return c
}

func toCards(papers []store.Paper, firstRank int) []card {
	out := make([]card, len(papers))
	for i := range papers {
		out[i] = toCard(&papers[i])
		out[i].Rank = firstRank + i
	}
	return out
}

// githubURL keeps only https GitHub addresses, so that an imported value
// can never become a javascript: link.
func githubURL(s string) string {
	if strings.HasPrefix(s, "https://github.com/") {
		return s
	}
	return ""
}

// excerpt cuts text to about n bytes at a word boundary, never inside
// $...$ math.
func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
	}
	if strings.Count(s[:cut], "$")%2 == 1 {
		cut = strings.LastIndexByte(s[:cut], '$')
	}
	return strings.TrimRight(s[:cut], " ,;:") + " …"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2 Jan 2006")
		},
		"isodate": func(t time.Time) string { return t.Format(time.DateOnly) },
		"static":  s.static.url,
		"tex":     tex.HTML,
		"authorURL": func(name string) string {
			if s.authors != nil {
				return authorPath(name)
			}
			return "/search?q=" + url.QueryEscape(`au:"`+strings.ReplaceAll(name, `"`, "")+`"`) + "&sort=newest"
		},
		"followButton": func(kind, value string, following bool) followButton {
			return followButton{Kind: kind, Value: value, Label: value, Following: following}
		},
		"categoryURL": func(c string) string { return "/search?category=" + url.QueryEscape(c) + "&sort=newest" },
		"thousands":   thousands,
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return "1 " + one
			}
			return thousands(n) + " " + many
		},
	}
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 1000 && n > -1000 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 && unicode.IsDigit(r) {
			b.WriteString(",")
		}
		b.WriteRune(r)
	}
	return b.String()
}

// render executes a template into a buffer first, so that a failing
// template yields a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data interface{ page() *Page }) error {
	data.page().Viewer = viewerFrom(r.Context())
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := s.pages.ExecuteTemplate(buf, name, data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := w.Write(buf.Bytes())
	return err
}

// renderBuffers keeps render's buffers between pages: growing a fresh one to
// a page's size was a tenth of a search page's template time. Writers copy
// what they are given, so a buffer can be reused once written out.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 1 << 20

func (s *Server) staticPage(name, title string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.render(w, r, name, &Page{Title: title, Canonical: r.URL.Path})
	}
}

// today is the clock's calendar day (UTC, as the lists' days are).
func (s *Server) today() time.Time {
	return s.now().UTC().Truncate(24 * time.Hour)
}

// parseISOWeek reads "2026-W27" and returns the Monday of that week.
func parseISOWeek(s string) (time.Time, error) {
	ys, ws, ok := strings.Cut(strings.ToUpper(s), "-W")
	y, err1 := strconv.Atoi(ys)
	wk, err2 := strconv.Atoi(ws)
	if !ok || err1 != nil || err2 != nil || y < 1000 || y > 9999 || wk < 1 || wk > 53 {
		return time.Time{}, fmt.Errorf("bad ISO week %q", s)
	}
	// 4 January is always in week 1.
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(wk-1))
	if gy, gw := monday.ISOWeek(); gy != y || gw != wk {
		return time.Time{}, fmt.Errorf("no week %d in %d", wk, y)
	}
	return monday, nil
}

// pageNumber reads the 1-based ?p= of a page.
func pageNumber(r *http.Request) (int, error) {
	v := r.URL.Query().Get("p")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return 0, errBadRequest("p: want a page number from 1")
	}
	return n, nil
}

// pageURL is the request's URL on another page of results.
func pageURL(r *http.Request, p int) string {
	q := r.URL.Query()
	if p == 1 {
		q.Del("p")
	} else {
		q.Set("p", strconv.Itoa(p))
	}
	if len(q) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + q.Encode()
}

type trendingPage struct {
	Page
	Cards    []card
	From, To time.Time // the days the ranking looked at, To included
	Moved    bool      // the window ends before today: nothing newer had activity
}

// trendingPapers ranks the papers of the trending window: the two weeks to
// today or, when those have no community activity, the two weeks to the
// newest day of the daily list (else the newest listing day), so that a
// site whose newest papers are older than two weeks still shows what was
// trending then. It returns the window's first and last day.
func (s *Server) trendingPapers(ctx context.Context) (papers []store.Paper, from, last time.Time, err error) {
	end := s.today().AddDate(0, 0, 1)
	papers, err = s.papers.TrendingCandidates(ctx, end.AddDate(0, 0, -trendingWindow-1), end, trendingPoolSize)
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	if !slices.ContainsFunc(papers, func(p store.Paper) bool { return rank.Points(&p) > 0 }) {
		newest, err := s.papers.LatestDailyListDay(ctx)
		if err != nil {
			return nil, time.Time{}, time.Time{}, err
		}
		if newest.IsZero() {
			if newest, _, err = s.papers.AdjacentDays(ctx, end); err != nil {
				return nil, time.Time{}, time.Time{}, err
			}
		}
		if !newest.IsZero() && newest.Before(end) {
			end = newest.AddDate(0, 0, 1)
			if papers, err = s.papers.TrendingCandidates(ctx, end.AddDate(0, 0, -trendingWindow-1), end, trendingPoolSize); err != nil {
				return nil, time.Time{}, time.Time{}, err
			}
		}
	}
	// Ranked as at the end of the window, so that age decays from there.
	at := s.now()
	if end.Before(at) {
		at = end
	}
	rank.Trending(papers, at)
	return papers[:min(len(papers), trendingSize)], end.AddDate(0, 0, -trendingWindow-1), end.AddDate(0, 0, -1), nil
}

func (s *Server) trendingPage(w http.ResponseWriter, r *http.Request) error {
	seq, cached := s.readVersion(r.Context())
	papers, from, last, err := s.trendingPapers(r.Context())
	if err != nil {
		return err
	}
	cards, err := s.listCards(papers, 1, seq, cached)
	if err != nil {
		return err
	}
	if err := s.markVoted(r, cards); err != nil {
		return err
	}
	return s.render(w, r, "trending.html", &trendingPage{
		Page: Page{
			Title: "Trending papers", Canonical: "/trending", Nav: "trending",
			Description: "Papers the community is upvoting now.",
			Feeds:       feedLinks("Trending papers", "trending", nil),
		},
		Cards: cards, From: from, To: last, Moved: last.Before(s.today()),
	})
}

// paperPage is the page of one paper.
type paperPage struct {
	Page
	P         *store.Paper
	Title     template.HTML
	Abstract  template.HTML
	Versions  []store.Version
	BibTeX    string
	AbsURL    string
	PDFURL    string
	GitHub    string
	DOIURL    string
	Day       time.Time
	Submitted time.Time
	Similar   []similarCard
	Community *paperCommunity // votes and comments (community.go)
	Library   *paperLibrary   // saving and collections (library.go)
	Claims    *paperClaims    // verified authors and the viewer's claim (authors.go)
	// Organization and ProjectPage come from Hugging Face's data; the
	// project page only when it is a web address.
	Organization string
	ProjectPage  string
	// Keyphrases are paperboy's own (shown when Hugging Face has no
	// keywords); Topics are the paper's topic and area (topics.go).
	Keyphrases []string
	Topics     []topicLink
}

func (s *Server) paperPage(w http.ResponseWriter, r *http.Request) error {
	if raw, ok := strings.CutSuffix(r.PathValue("id"), ".md"); ok {
		return s.paperMarkdown(w, r, raw)
	}
	id, err := arxiv.ParseID(r.PathValue("id"))
	if err != nil {
		return errNotFound("There is no paper with this id.")
	}
	seq, cached := s.readVersion(r.Context())
	p, err := s.papers.Paper(r.Context(), id.Base)
	if err != nil {
		if isNotFound(err) {
			return errNotFound("There is no paper " + id.Base + " here. It may not be imported yet.")
		}
		return err
	}
	pp := paperPage{
		Page: Page{
			Title:       tex.Text(p.Title),
			Description: excerpt(tex.Text(p.Abstract), 200),
			Canonical:   "/papers/" + p.ID,
		},
		P: &p, Title: tex.HTML(p.Title), Abstract: tex.HTML(p.Abstract),
		Versions: p.Versions, BibTeX: citation.BibTeX(&p),
		AbsURL: "https://arxiv.org/abs/" + p.ID, PDFURL: "https://arxiv.org/pdf/" + p.ID,
		GitHub: githubURL(p.Community.GitHubRepo), Day: p.PaperDay(),
		Submitted: p.FirstVersionAt,
	}
	if p.DOI != "" {
		pp.DOIURL = "https://doi.org/" + p.DOI
	}
	if o := p.Community.HF.Organization; o != nil {
		pp.Organization = cmp.Or(o.Fullname, o.Name)
	}
	if u, err := url.Parse(p.Community.ProjectPage); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		pp.ProjectPage = u.String()
	}
	var feeds []feedLink
	for _, a := range p.Authors[:min(len(p.Authors), 3)] {
		feeds = append(feeds, feedLinks("Papers by "+a, "author", url.Values{"name": {a}})...)
	}
	if c := p.PrimaryCategory(); c != "" {
		feeds = append(feeds, feedLinks("New in "+c, "category", url.Values{"c": {c}})...)
	}
	pp.Feeds = feeds
	pp.Meta = citationMeta(&p, s.baseURL)
	if pp.Community, err = s.paperCommunity(r, &p); err != nil {
		return err
	}
	if pp.Library, err = s.paperLibrary(r, &p); err != nil {
		return err
	}
	if pp.Claims, err = s.paperClaims(r, &p); err != nil {
		return err
	}
	pp.Similar = s.similarCards(r, &p, seq, cached)
	pp.Keyphrases = s.cardKeyphrases(&p)
	pp.Topics = s.paperTopics(p.ID)
	setLastModified(w, p.UpdatedAt)
	return s.render(w, r, "paper.html", &pp)
}
