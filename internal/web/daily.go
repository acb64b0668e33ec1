package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/paperboy-dev/paperboy/internal/rank"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Paging bounds of /api/daily_papers.
const (
	defaultDailyLimit = 50
	maxDailyLimit     = 100
	// maxResort bounds the papers re-sorted in Go for sort=trending and
	// sort=publishedAt; later pages of huge periods are in daily order.
	maxResort = 2000
)

// apiDailyItem is one item of Hugging Face's /api/daily_papers.
type apiDailyItem struct {
	Paper       apiPaper      `json:"paper"`
	Title       string        `json:"title"`
	Summary     string        `json:"summary"`
	PublishedAt *time.Time    `json:"publishedAt,omitempty"`
	NumComments int           `json:"numComments"`
	SubmittedBy *apiSubmitter `json:"submittedBy"`
	Thumbnail   string        `json:"thumbnail,omitempty"`
}

type apiSubmitter struct {
	Name     string `json:"name"`
	User     string `json:"user"`
	Fullname string `json:"fullname"`
	Type     string `json:"type"`
}

func toDailyItem(p *store.Paper) apiDailyItem {
	it := apiDailyItem{
		Paper: toAPIPaper(p), Title: p.Title, Summary: p.Abstract,
		PublishedAt: timePtr(p.FirstVersionAt), NumComments: p.Community.TotalComments(),
	}
	if c := p.Community.DailySubmitter; c != "" {
		it.SubmittedBy = &apiSubmitter{Name: c, User: c, Fullname: c, Type: "user"}
	}
	return it
}

// apiDailyPapers serves GET /api/daily_papers?date=|week=|month=&sort=&limit=&p=
// like Hugging Face's: p counts pages from 0, and a Link header names the
// next page.
func (s *Server) apiDailyPapers(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	var from, to time.Time
	var err error
	switch {
	case v.Get("date") != "":
		if from, err = time.Parse(time.DateOnly, v.Get("date")); err != nil {
			return errBadRequest("date: want YYYY-MM-DD")
		}
		to = from.AddDate(0, 0, 1)
	case v.Get("week") != "":
		if from, err = parseISOWeek(v.Get("week")); err != nil {
			return errBadRequest("week: want YYYY-Www, such as 2026-W27")
		}
		to = from.AddDate(0, 0, 7)
	case v.Get("month") != "":
		if from, err = time.Parse("2006-01", v.Get("month")); err != nil {
			return errBadRequest("month: want YYYY-MM")
		}
		to = from.AddDate(0, 1, 0)
	default:
		if from, _, err = s.currentDay(r.Context()); err != nil {
			return err
		}
		to = from.AddDate(0, 0, 1)
	}
	limit, page := defaultDailyLimit, 0
	if l := v.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > maxDailyLimit {
			return errBadRequest("limit: want a number from 1 to " + strconv.Itoa(maxDailyLimit))
		}
	}
	if p := v.Get("p"); p != "" {
		if page, err = strconv.Atoi(p); err != nil || page < 0 || page > 100000 {
			return errBadRequest("p: want a page number from 0")
		}
	}
	sortBy := v.Get("sort")
	if sortBy != "" && sortBy != "trending" && sortBy != "publishedAt" && sortBy != "upvotes" {
		return errBadRequest("sort: want trending, publishedAt or upvotes")
	}
	ctx := r.Context()
	total, err := s.papers.CountDailyPapers(ctx, from, to)
	if err != nil {
		return err
	}
	offset := page * limit
	var papers []store.Paper
	if (sortBy == "trending" || sortBy == "publishedAt") && offset+limit <= maxResort {
		all, err := s.papers.DailyPapers(ctx, from, to, maxResort, 0)
		if err != nil {
			return err
		}
		if sortBy == "trending" {
			rank.Trending(all, s.now())
		} else {
			slices.SortStableFunc(all, rank.Newest)
		}
		papers = all[min(offset, len(all)):min(offset+limit, len(all))]
	} else if papers, err = s.papers.DailyPapers(ctx, from, to, limit, offset); err != nil {
		return err
	}
	items := make([]apiDailyItem, len(papers))
	var times []time.Time
	for i := range papers {
		items[i] = toDailyItem(&papers[i])
		times = append(times, papers[i].UpdatedAt)
	}
	if offset+limit < total {
		q := url.Values{}
		for k, vs := range v {
			q[k] = vs
		}
		q.Set("p", strconv.Itoa(page+1))
		q.Set("limit", strconv.Itoa(limit))
		w.Header().Set("Link", "<"+s.baseURL+"/api/daily_papers?"+q.Encode()+`>; rel="next"`)
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	w.Header().Set("Access-Control-Allow-Origin", "*")
	setLastModified(w, times...)
	writeJSON(w, http.StatusOK, items)
	return nil
}
