package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/media"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// ListPapers is what the daily, weekly and monthly pages read beyond the
// daily list: the period's other new papers, by category.
type ListPapers interface {
	NewPapers(ctx context.Context, f store.NewPapersFilter, limit, offset int) ([]store.Paper, error)
	CountNewPapers(ctx context.Context, f store.NewPapersFilter) (int, error)
	NewPaperCategories(ctx context.Context, from, to time.Time, limit int) ([]store.CategoryCount, error)
}

// listCategories is how many category filters a list offers.
const listCategories = 12

// The two tabs of a list: the papers submitted to the community's list
// (Hugging Face's daily papers and paperboy's own submissions), and the
// period's other new arXiv papers.
const (
	tabCommunity = "community"
	tabNew       = "new"
)

// listPage is a daily, weekly or monthly list.
type listPage struct {
	Page
	Kind       string // day, week, month
	Heading    string
	From, To   time.Time
	Prev, Next link
	Switch     []tabLink // Daily, Weekly, Monthly: this period at each scale
	Tabs       []tabLink // the community list and the other new papers
	Tab        string
	Categories []tabLink // filters of the new papers' tab
	Category   string
	// NoCommunity: nothing of the period was submitted to the community
	// list, so its new papers are shown.
	NoCommunity bool
	NoPapers    bool // the period has no papers at all
	Cards       []card
	Total       int // papers of the tab (and category)
	PageNum     int
	PrevPage    string
	NextPage    string
	Fallback    bool // today had no papers; the latest day is shown
	Today       time.Time
	DateMax     string      // the date picker's bound
	Empty       *emptyState // the site has no papers at all
}

type link struct{ Href, Label string }

// tabLink is a link of a set, one of which is the current one.
type tabLink struct {
	Href, Label string
	Count       int // -1: not shown
	Current     bool
}

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

// pickDate answers the date picker's form (GET /papers/date?date=...),
// which works without script, with the day's page.
func (s *Server) pickDate(w http.ResponseWriter, r *http.Request) error {
	day, err := time.Parse(time.DateOnly, r.URL.Query().Get("date"))
	if err != nil {
		return errBadRequest("date: want a day such as 2025-06-02")
	}
	http.Redirect(w, r, "/papers/date/"+day.Format(time.DateOnly), http.StatusSeeOther)
	return nil
}

func (s *Server) renderDay(w http.ResponseWriter, r *http.Request, day time.Time, fallback bool) error {
	prev, next, err := s.papers.AdjacentDays(r.Context(), day)
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
		From: day, To: day.AddDate(0, 0, 1), Fallback: fallback,
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
			Canonical: weekURL(monday),
			Nav:       "daily",
			Feeds:     feedLinks("Daily papers", "daily", nil),
		},
		Kind: "week", Heading: fmt.Sprintf("Week %d of %d · %s – %s", wk, y, monday.Format("2 Jan"), monday.AddDate(0, 0, 6).Format("2 Jan")),
		From: monday, To: monday.AddDate(0, 0, 7),
		Prev: link{weekURL(monday.AddDate(0, 0, -7)), fmt.Sprintf("Week %d of %d", pw, py)},
		Next: link{weekURL(monday.AddDate(0, 0, 7)), fmt.Sprintf("Week %d of %d", nw, ny)},
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

func weekURL(day time.Time) string {
	y, wk := day.ISOWeek()
	return fmt.Sprintf("/week/%d-W%02d", y, wk)
}

// periodSwitch links the day, week and month around a list, so that a
// reader moves between the scales as on Hugging Face.
func periodSwitch(kind string, from time.Time) []tabLink {
	return []tabLink{
		{Href: "/papers/date/" + from.Format(time.DateOnly), Label: "Daily", Count: -1, Current: kind == "day"},
		{Href: weekURL(from), Label: "Weekly", Count: -1, Current: kind == "week"},
		{Href: "/month/" + from.Format("2006-01"), Label: "Monthly", Count: -1, Current: kind == "month"},
	}
}

// listQuery reads a list's tab and category.
func listQuery(r *http.Request) (tab, category string, err error) {
	q := r.URL.Query()
	switch tab = q.Get("list"); tab {
	case "", tabCommunity, tabNew:
	default:
		return "", "", errBadRequest("list: want community (the papers submitted to the daily list) or new (the other new papers)")
	}
	if category = q.Get("category"); category != "" {
		if !arxiv.ValidCategory(category) {
			return "", "", errBadRequest("category: want an arXiv category such as cs.CL")
		}
		tab = tabNew // only the new papers are filtered by category
	}
	return tab, category, nil
}

// renderList shows one tab of a period: the community's list, most upvoted
// first (the default, as on Hugging Face), or the period's other new
// papers, filterable by category. A period with nothing on the community
// list opens on its new papers.
func (s *Server) renderList(w http.ResponseWriter, r *http.Request, lp *listPage) error {
	ctx := r.Context()
	p, err := pageNumber(r)
	if err != nil {
		return err
	}
	tab, category, err := listQuery(r)
	if err != nil {
		return err
	}
	lp.Today, lp.DateMax = s.today(), s.today().AddDate(0, 0, 1).Format(time.DateOnly)
	lp.Switch = periodSwitch(lp.Kind, lp.From)
	community := store.DailyListFilter{From: lp.From, To: lp.To}
	fresh := store.NewPapersFilter{From: lp.From, To: lp.To}
	nCommunity, err := s.papers.CountDailyListPapers(ctx, community)
	if err != nil {
		return err
	}
	nNew, err := s.papers.CountNewPapers(ctx, fresh)
	if err != nil {
		return err
	}
	if tab == "" {
		tab = tabCommunity
		if nCommunity == 0 && nNew > 0 {
			tab, lp.NoCommunity = tabNew, true
		}
	}
	lp.Tab, lp.Category, lp.NoPapers = tab, category, nCommunity+nNew == 0
	base := r.URL.Path
	lp.Tabs = []tabLink{
		{Href: base, Label: "Community picks", Count: nCommunity, Current: tab == tabCommunity},
		{Href: base + "?list=" + tabNew, Label: "New on arXiv", Count: nNew, Current: tab == tabNew},
	}
	seq, cached := s.readVersion(ctx)
	offset := (p - 1) * listPageSize
	var papers []store.Paper
	if tab == tabCommunity {
		lp.Total = nCommunity
		papers, err = s.papers.DailyListPapers(ctx, community, listPageSize, offset)
	} else {
		cats, err := s.papers.NewPaperCategories(ctx, lp.From, lp.To, listCategories)
		if err != nil {
			return err
		}
		lp.Categories = append(lp.Categories, tabLink{Href: base + "?list=" + tabNew, Label: "All", Count: nNew, Current: category == ""})
		for _, c := range cats {
			lp.Categories = append(lp.Categories, tabLink{Href: base + "?category=" + c.Category, Label: c.Category, Count: c.Papers, Current: c.Category == category})
		}
		lp.Total = nNew
		if category != "" {
			fresh.Category = category
			if lp.Total, err = s.papers.CountNewPapers(ctx, fresh); err != nil {
				return err
			}
		}
		papers, err = s.papers.NewPapers(ctx, fresh, listPageSize, offset)
	}
	if err != nil {
		return err
	}
	if lp.Cards, err = s.listCards(papers, offset+1, seq, cached); err != nil {
		return err
	}
	if err := s.markVoted(r, lp.Cards); err != nil {
		return err
	}
	if nCommunity == 0 && nNew == 0 && lp.Prev.Href == "" && lp.Next.Href == "" {
		if lp.Empty, err = s.emptyState(ctx); err != nil {
			return err
		}
	}
	lp.PageNum = p
	if p > 1 {
		lp.PrevPage = pageURL(r, p-1)
		lp.Title += fmt.Sprintf(" · page %d", p)
	}
	if p*listPageSize < lp.Total {
		lp.NextPage = pageURL(r, p+1)
	}
	if tab == tabNew && !lp.NoCommunity {
		lp.Title += " · new on arXiv"
		if category != "" {
			lp.Title += " in " + category
		}
	}
	var times []time.Time
	for i := range papers {
		times = append(times, papers[i].UpdatedAt)
	}
	setLastModified(w, times...)
	return s.render(w, r, "list.html", lp)
}

// emptyState explains a site with no papers yet: what is being fetched,
// or why nothing is, and the next steps.
type emptyState struct {
	Harvesting []string // the scheduled sources
	Waiting    bool     // a scheduled harvest has not finished yet
	Offline    bool     // the last runs failed: the sources could not be reached
	NextRun    time.Time
}

func (s *Server) emptyState(ctx context.Context) (*emptyState, error) {
	e := &emptyState{Harvesting: s.harvesting}
	if len(e.Harvesting) == 0 || s.ops == nil {
		return e, nil
	}
	jobs, err := s.ops.HarvestJobs(ctx)
	if err != nil {
		return nil, err
	}
	e.Waiting = len(jobs) == 0
	for _, j := range jobs {
		if j.Failures > 0 {
			e.Offline = true
			if e.NextRun.IsZero() || j.NextRunAt.Before(e.NextRun) {
				e.NextRun = j.NextRunAt
			}
		} else if j.LastSuccessAt.IsZero() {
			e.Waiting = true
		}
	}
	return e, nil
}

// cardMedia adds the images a card shows, when the media library holds
// copies of them: the thumbnail, the submitter's avatar and the
// organisation's logo. Without them the card is a text card.
func (s *Server) cardMedia(c *card, p *store.Paper) {
	hf := &p.Community.HF
	c.Thumb, _ = s.media.File(hf.Thumbnail)
	if c.Thumb != "" {
		c.ThumbAlt = "Thumbnail of the paper " + strconv.Quote(strings.Join(strings.Fields(p.Title), " "))
	}
	if name := p.Community.DailySubmitter; name != "" {
		c.Submitter = name
		if by := hf.SubmittedBy; by != nil && strings.EqualFold(by.Name, name) {
			c.SubmitterAvatar, _ = s.media.File(by.AvatarURL)
		}
	}
	if o := cmp.Or(hf.Organization, hf.SubmitterOrganization); o != nil {
		c.Org = cmp.Or(o.Fullname, o.Name)
		c.OrgAvatar, _ = s.media.File(o.Avatar)
	}
}

// serveMedia serves the copies of remote images (internal/media). Their
// names are their contents' hashes, so they never change: a year's
// caching is safe.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	f, err := s.media.Open(name)
	if err != nil {
		return errNotFound("There is no such image.")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	for ct, ext := range media.Types {
		if strings.HasSuffix(name, ext) {
			w.Header().Set("Content-Type", ct)
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", st.ModTime(), f)
	return nil
}
