package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/rank"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Paging bounds of /api/daily_papers, Hugging Face's.
const (
	defaultDailyLimit = 50
	maxDailyLimit     = 100
	// maxResort bounds the papers re-sorted in Go for sort=trending and
	// sort=publishedAt; later pages of huge periods are in daily order.
	maxResort = 2000
)

// dailyParams are the parameters /api/daily_papers takes: Hugging Face's,
// and scope, paperboy's extension. Anything else is a 400, so that a typo
// does not silently return the wrong list.
var dailyParams = []string{"date", "week", "month", "submitter", "sort", "p", "limit", "scope"}

// apiDailyItem is one item of Hugging Face's /api/daily_papers. Its
// publishedAt is when the paper went on the daily list (huggingface_hub
// reads it as PaperInfo.submitted_at); the paper's own is paper.publishedAt.
type apiDailyItem struct {
	Paper                 apiPaper   `json:"paper"`
	PublishedAt           *time.Time `json:"publishedAt,omitempty"`
	Title                 string     `json:"title"`
	Summary               string     `json:"summary"`
	Thumbnail             string     `json:"thumbnail,omitempty"`
	MediaURLs             []string   `json:"mediaUrls,omitempty"`
	NumComments           int        `json:"numComments"`
	SubmittedBy           *apiUser   `json:"submittedBy"`
	Organization          *apiOrg    `json:"organization,omitempty"`
	SubmitterOrganization *apiOrg    `json:"submitterOrganization,omitempty"`
	IsAuthorParticipating bool       `json:"isAuthorParticipating"`
}

func toDailyItem(p *store.Paper) apiDailyItem {
	hf := &p.Community.HF
	it := apiDailyItem{
		Paper: toAPIPaper(p), Title: p.Title, Summary: p.Abstract,
		PublishedAt: timePtr(p.Community.DailySubmittedAt), NumComments: p.Community.TotalComments(),
		Thumbnail: hf.Thumbnail, MediaURLs: hf.MediaURLs, SubmittedBy: dailySubmitter(p),
		Organization: toAPIOrg(hf.Organization), SubmitterOrganization: toAPIOrg(hf.SubmitterOrganization),
	}
	if hf.IsAuthorParticipating != nil {
		it.IsAuthorParticipating = *hf.IsAuthorParticipating
	}
	return it
}

// dailyQuery is a parsed /api/daily_papers request.
type dailyQuery struct {
	from, to  time.Time // zero: the newest day of the list
	submitter string
	sort      string
	all       bool // scope=all: every paper of the period, submitted or not
	limit     int
	page      int
}

func parseDailyQuery(v url.Values) (dailyQuery, error) {
	for k := range v {
		if !slices.Contains(dailyParams, k) {
			return dailyQuery{}, errBadRequest("unknown parameter " + strconv.Quote(k) + "; this endpoint takes " + strings.Join(dailyParams, ", "))
		}
	}
	q := dailyQuery{limit: defaultDailyLimit, submitter: v.Get("submitter"), sort: v.Get("sort")}
	var err error
	switch {
	case v.Get("date") != "":
		if q.from, err = time.Parse(time.DateOnly, v.Get("date")); err != nil {
			return q, errBadRequest("date: want YYYY-MM-DD")
		}
		q.to = q.from.AddDate(0, 0, 1)
	case v.Get("week") != "":
		if q.from, err = parseISOWeek(v.Get("week")); err != nil {
			return q, errBadRequest("week: want YYYY-Www, such as 2026-W27")
		}
		q.to = q.from.AddDate(0, 0, 7)
	case v.Get("month") != "":
		if q.from, err = time.Parse("2006-01", v.Get("month")); err != nil {
			return q, errBadRequest("month: want YYYY-MM")
		}
		q.to = q.from.AddDate(0, 1, 0)
	}
	if l := v.Get("limit"); l != "" {
		if q.limit, err = strconv.Atoi(l); err != nil || q.limit < 1 || q.limit > maxDailyLimit {
			return q, errBadRequest("limit: want a number from 1 to " + strconv.Itoa(maxDailyLimit))
		}
	}
	if p := v.Get("p"); p != "" {
		if q.page, err = strconv.Atoi(p); err != nil || q.page < 0 || q.page > 100000 {
			return q, errBadRequest("p: want a page number from 0")
		}
	}
	if q.sort != "" && q.sort != "trending" && q.sort != "publishedAt" && q.sort != "upvotes" {
		return q, errBadRequest("sort: want trending, publishedAt or upvotes")
	}
	switch v.Get("scope") {
	case "", "daily":
	case "all":
		q.all = true
		if q.submitter != "" {
			return q, errBadRequest("submitter: only with the daily list (no scope=all)")
		}
	default:
		return q, errBadRequest("scope: want daily (the community's list, the default) or all (every new paper)")
	}
	return q, nil
}

// apiDailyPapers serves GET /api/daily_papers like Hugging Face's: the
// papers on the community's daily list (submitted here or on Hugging Face)
// of a date, week or month (else the newest day), most upvoted first,
// optionally of one submitter; p counts pages from 0 and a Link header
// names the next page. scope=all, paperboy's extension, lists every paper
// of the period instead, as the site's daily pages do.
func (s *Server) apiDailyPapers(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q, err := parseDailyQuery(v)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if q.from.IsZero() {
		if q.all {
			q.from, _, err = s.currentDay(ctx)
		} else {
			q.from, err = s.papers.LatestDailyListDay(ctx)
		}
		if err != nil {
			return err
		}
		q.to = q.from.AddDate(0, 0, 1)
	}
	filter := store.DailyListFilter{From: q.from, To: q.to, Submitter: q.submitter}
	list := func(limit, offset int) ([]store.Paper, error) {
		if q.all {
			return s.papers.DailyPapers(ctx, q.from, q.to, limit, offset)
		}
		if q.from.IsZero() { // nothing was ever submitted
			return nil, nil
		}
		return s.papers.DailyListPapers(ctx, filter, limit, offset)
	}
	var total int
	switch {
	case q.all:
		total, err = s.papers.CountDailyPapers(ctx, q.from, q.to)
	case !q.from.IsZero():
		total, err = s.papers.CountDailyListPapers(ctx, filter)
	}
	if err != nil {
		return err
	}
	offset := q.page * q.limit
	var papers []store.Paper
	if (q.sort == "trending" || q.sort == "publishedAt") && offset+q.limit <= maxResort {
		all, err := list(maxResort, 0)
		if err != nil {
			return err
		}
		switch {
		case q.sort == "trending":
			rank.Trending(all, s.now())
		case q.all:
			slices.SortStableFunc(all, rank.Newest)
		default:
			slices.SortStableFunc(all, newestOnList)
		}
		papers = all[min(offset, len(all)):min(offset+q.limit, len(all))]
	} else if papers, err = list(q.limit, offset); err != nil {
		return err
	}
	items := make([]apiDailyItem, len(papers))
	var times []time.Time
	for i := range papers {
		items[i] = toDailyItem(&papers[i])
		times = append(times, papers[i].UpdatedAt)
	}
	if offset+q.limit < total {
		next := url.Values{}
		for k, vs := range v {
			next[k] = vs
		}
		next.Set("p", strconv.Itoa(q.page+1))
		next.Set("limit", strconv.Itoa(q.limit))
		w.Header().Set("Link", "<"+s.baseURL+"/api/daily_papers?"+next.Encode()+`>; rel="next"`)
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	setLastModified(w, times...)
	writeJSON(w, http.StatusOK, items)
	return nil
}

// newestOnList orders papers by when they went on the daily list, newest
// first: Hugging Face's sort=publishedAt, whose items' publishedAt is that.
func newestOnList(a, b store.Paper) int {
	return cmp.Or(b.Community.DailySubmittedAt.Compare(a.Community.DailySubmittedAt), rank.Daily(a, b))
}
