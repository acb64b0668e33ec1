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
	// Body is the card's rendered title, byline, tags and excerpt, when a
	// list has them from the paper cache (papercache.go).
	Body template.HTML
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
			return "/search?q=" + url.QueryEscape(`au:"`+strings.ReplaceAll(name, `"`, "")+`"`) + "&sort=newest"
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

// listPage is a daily, weekly or monthly list.
type listPage struct {
	Page
	Kind       string // day, week, month
	Heading    string
	From, To   time.Time
	Cards      []card
	Total      int
	Prev, Next link
	Up         []link // the week and month of a day
	PageNum    int
	PrevPage   string
	NextPage   string
	Fallback   bool // today had no papers; the latest day is shown
	Today      time.Time
}

type link struct{ Href, Label string }

// home shows today's daily list, or the most recent day with papers when
// today has none yet.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	day, fallback, err := s.currentDay(r.Context())
	if err != nil {
		return err
	}
	return s.renderDay(w, r, day, fallback)
}

// currentDay is today, or the latest earlier day with papers when today has
// none.
func (s *Server) currentDay(ctx context.Context) (time.Time, bool, error) {
	today := s.today()
	n, err := s.papers.CountDailyPapers(ctx, today, today.AddDate(0, 0, 1))
	if err != nil || n > 0 {
		return today, false, err
	}
	prev, _, err := s.papers.AdjacentDays(ctx, today.AddDate(0, 0, 1))
	if err != nil || prev.IsZero() {
		return today, false, err
	}
	return prev, true, nil
}

// arxivFirstDay is the day arXiv opened: no list can be older.
var arxivFirstDay = time.Date(1991, 8, 14, 0, 0, 0, 0, time.UTC)

// checkListDays refuses lists that cannot hold papers: before arXiv
// existed, or more than a year ahead (a day or two ahead is a time zone).
func (s *Server) checkListDays(from, to time.Time) error {
	if !to.After(arxivFirstDay) || from.After(s.today().AddDate(1, 0, 0)) {
		return errNotFound(fmt.Sprintf("There are no papers of that time: lists start on %s.", arxivFirstDay.Format("2 January 2006")))
	}
	return nil
}

func (s *Server) dayPage(w http.ResponseWriter, r *http.Request) error {
	day, err := time.Parse(time.DateOnly, r.PathValue("date"))
	if err != nil {
		return errNotFound("Dates look like 2025-06-02.")
	}
	if err := s.checkListDays(day, day.AddDate(0, 0, 1)); err != nil {
		return err
	}
	return s.renderDay(w, r, day, false)
}

func (s *Server) renderDay(w http.ResponseWriter, r *http.Request, day time.Time, fallback bool) error {
	ctx := r.Context()
	prev, next, err := s.papers.AdjacentDays(ctx, day)
	if err != nil {
		return err
	}
	lp := listPage{
		Page: Page{
			Title:       "Daily papers of " + day.Format("Monday 2 January 2006"),
			Description: "Research papers of " + day.Format("2 January 2006") + ", ranked by upvotes.",
			Canonical:   "/papers/date/" + day.Format(time.DateOnly),
			Nav:         "daily",
			Feeds:       feedLinks("Daily papers", "daily", nil),
		},
		Kind: "day", Heading: day.Format("Monday 2 January 2006"),
		From: day, To: day.AddDate(0, 0, 1), Fallback: fallback, Today: s.today(),
	}
	if r.URL.Path == "/" {
		lp.Title = "Daily papers"
	}
	if !prev.IsZero() {
		lp.Prev = link{"/papers/date/" + prev.Format(time.DateOnly), prev.Format("Mon 2 Jan")}
	}
	if !next.IsZero() {
		lp.Next = link{"/papers/date/" + next.Format(time.DateOnly), next.Format("Mon 2 Jan")}
	}
	y, wk := day.ISOWeek()
	lp.Up = []link{
		{fmt.Sprintf("/week/%d-W%02d", y, wk), fmt.Sprintf("Week %d of %d", wk, y)},
		{"/month/" + day.Format("2006-01"), day.Format("January 2006")},
	}
	return s.renderList(w, r, &lp)
}

func (s *Server) weekPage(w http.ResponseWriter, r *http.Request) error {
	monday, err := parseISOWeek(r.PathValue("week"))
	if err != nil {
		return errNotFound("Weeks look like 2026-W27.")
	}
	if err := s.checkListDays(monday, monday.AddDate(0, 0, 7)); err != nil {
		return err
	}
	y, wk := monday.ISOWeek()
	py, pw := monday.AddDate(0, 0, -7).ISOWeek()
	ny, nw := monday.AddDate(0, 0, 7).ISOWeek()
	lp := listPage{
		Page: Page{
			Title:     fmt.Sprintf("Papers of week %d, %d", wk, y),
			Canonical: fmt.Sprintf("/week/%d-W%02d", y, wk),
			Nav:       "daily",
			Feeds:     feedLinks("Daily papers", "daily", nil),
		},
		Kind: "week", Heading: fmt.Sprintf("Week %d of %d · %s – %s", wk, y, monday.Format("2 Jan"), monday.AddDate(0, 0, 6).Format("2 Jan")),
		From: monday, To: monday.AddDate(0, 0, 7),
		Prev: link{fmt.Sprintf("/week/%d-W%02d", py, pw), fmt.Sprintf("Week %d", pw)},
		Next: link{fmt.Sprintf("/week/%d-W%02d", ny, nw), fmt.Sprintf("Week %d", nw)},
		Up:   []link{{"/month/" + monday.Format("2006-01"), monday.Format("January 2006")}},
	}
	return s.renderList(w, r, &lp)
}

func (s *Server) monthPage(w http.ResponseWriter, r *http.Request) error {
	first, err := time.Parse("2006-01", r.PathValue("month"))
	if err != nil {
		return errNotFound("Months look like 2026-06.")
	}
	if err := s.checkListDays(first, first.AddDate(0, 1, 0)); err != nil {
		return err
	}
	prev, next := first.AddDate(0, -1, 0), first.AddDate(0, 1, 0)
	lp := listPage{
		Page: Page{
			Title:     "Papers of " + first.Format("January 2006"),
			Canonical: "/month/" + first.Format("2006-01"),
			Nav:       "daily",
			Feeds:     feedLinks("Daily papers", "daily", nil),
		},
		Kind: "month", Heading: first.Format("January 2006"),
		From: first, To: next,
		Prev: link{"/month/" + prev.Format("2006-01"), prev.Format("January 2006")},
		Next: link{"/month/" + next.Format("2006-01"), next.Format("January 2006")},
	}
	return s.renderList(w, r, &lp)
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

func (s *Server) renderList(w http.ResponseWriter, r *http.Request, lp *listPage) error {
	ctx := r.Context()
	p, err := pageNumber(r)
	if err != nil {
		return err
	}
	if lp.Total, err = s.papers.CountDailyPapers(ctx, lp.From, lp.To); err != nil {
		return err
	}
	seq, cached := s.readVersion(ctx)
	papers, err := s.papers.DailyPapers(ctx, lp.From, lp.To, listPageSize, (p-1)*listPageSize)
	if err != nil {
		return err
	}
	if lp.Cards, err = s.listCards(papers, (p-1)*listPageSize+1, seq, cached); err != nil {
		return err
	}
	if err := s.markVoted(r, lp.Cards); err != nil {
		return err
	}
	lp.PageNum = p
	if p > 1 {
		lp.PrevPage = pageURL(r, p-1)
	}
	if p*listPageSize < lp.Total {
		lp.NextPage = pageURL(r, p+1)
	}
	if p > 1 {
		lp.Title += fmt.Sprintf(" · page %d", p)
	}
	var times []time.Time
	for i := range papers {
		times = append(times, papers[i].UpdatedAt)
	}
	setLastModified(w, times...)
	return s.render(w, r, "list.html", lp)
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
	// Organization and ProjectPage come from Hugging Face's data; the
	// project page only when it is a web address.
	Organization string
	ProjectPage  string
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
		Versions: p.Versions, BibTeX: bibTeX(&p),
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
	pp.Similar = s.similarCards(r, &p, seq, cached)
	setLastModified(w, p.UpdatedAt)
	return s.render(w, r, "paper.html", &pp)
}
