package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/foryou"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Recommendations: the "For you" page, its welcome page for an empty
// library, the API, the feedback forms and the private feed. The ranking
// is internal/foryou's; this file parses and renders.

func (s *Server) forYouRoutes() {
	if s.foryou == nil || s.library == nil {
		return
	}
	s.handle("GET /for-you", s.forYouPage)
	s.handle("POST /for-you/feedback", s.forYouFeedbackForm)
	s.handle("POST /for-you/follow", s.forYouFollowForm)
	s.handle("POST /settings/feed", s.feedTokenForm)
	s.handle("GET /feeds/for-you/{file}", s.forYouFeed)
	s.handle("GET /api/recommendations", s.apiRecommendations)
	s.handle("POST /api/recommendations/feedback", s.apiRecommendationFeedback)
}

// forYouPath reports paths that are one reader's recommendations: never
// in the shared response cache (the feed is fetched without a cookie),
// and the feed's token kept out of the request log.
func forYouPath(p string) bool {
	return p == "/for-you" || strings.HasPrefix(p, "/for-you/") || strings.HasPrefix(p, "/feeds/for-you/") ||
		strings.HasPrefix(p, "/api/recommendations")
}

// periods are the page's choices, in the order shown.
var periods = []struct{ Value, Label string }{
	{foryou.PeriodToday, "Today"}, {foryou.PeriodWeek, "This week"}, {foryou.PeriodMonth, "This month"},
	{foryou.PeriodVisit, "Since your last visit"},
}

type forYouPage struct {
	Page
	Period      string
	Periods     []periodChoice
	Collection  string // the slug ranked by, "" for the whole library
	Collections []store.Collection
	Items       []forYouItem
	Since, Last time.Time // the papers' days, inclusive
	Welcome     bool
	Categories  []categoryChoice // the welcome page's
	Areas       []categoryChoice // the topic map's broad areas, when there is one
	Follows     int
	Done        string // what the last feedback did, for the status line
}

type periodChoice struct {
	Value, Label, Href string
	Current            bool
}

type categoryChoice struct{ Value, Label string }

// welcomeCategories are offered on the welcome page: arXiv's busiest.
var welcomeCategories = []categoryChoice{
	{"cs.LG", "Machine learning"}, {"cs.CL", "Computation and language"}, {"cs.CV", "Computer vision"},
	{"cs.AI", "Artificial intelligence"}, {"cs.RO", "Robotics"}, {"cs.CR", "Cryptography and security"},
	{"cs.IR", "Information retrieval"}, {"cs.HC", "Human-computer interaction"}, {"stat.ML", "Statistics: machine learning"},
	{"math.OC", "Optimization and control"}, {"eess.AS", "Audio and speech"}, {"q-bio.QM", "Quantitative methods (biology)"},
}

type forYouItem struct {
	card
	Reason     foryou.Reason
	ReasonText string
}

func (s *Server) forYouPage(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	ctx := r.Context()
	q := r.URL.Query()
	period := q.Get("period")
	if !validPeriod(period) {
		period = foryou.PeriodWeek
	}
	previous, err := s.foryou.Visit(ctx, v.ID)
	if err != nil {
		return err
	}
	since, until, err := s.foryou.Period(ctx, period, previous)
	if err != nil {
		return err
	}
	collection := q.Get("collection")
	res, err := s.foryou.Recommend(ctx, foryou.Request{UserID: v.ID, Collection: collection, Since: since, Until: until, Limit: 50})
	if err != nil {
		return err
	}
	cols, err := s.library.Collections(ctx, libraryMember(v))
	if err != nil {
		return err
	}
	p := &forYouPage{
		Page:   Page{Title: "For you", Nav: "for-you", NoIndex: true},
		Period: period, Collection: collection, Collections: cols, Since: res.Since, Last: res.Until.AddDate(0, 0, -1),
		Welcome: res.Empty && collection == "", Done: q.Get("done"),
	}
	for _, c := range periods {
		u := url.Values{"period": {c.Value}}
		if collection != "" {
			u.Set("collection", collection)
		}
		p.Periods = append(p.Periods, periodChoice{Value: c.Value, Label: c.Label, Href: "/for-you?" + u.Encode(), Current: c.Value == period})
	}
	if p.Welcome {
		p.Page.Title = "Welcome: make your feed"
		p.Categories = welcomeCategories
		if tm := s.topicMap(); tm != nil {
			for _, a := range tm.Areas() {
				p.Areas = append(p.Areas, categoryChoice{Value: a.Slug, Label: a.Label})
			}
		}
		return s.render(w, r, "foryou.html", p)
	}
	cards := make([]card, len(res.Items))
	for i := range res.Items {
		cards[i] = toCard(&res.Items[i].Paper)
	}
	if err := s.markVoted(r, cards); err != nil {
		return err
	}
	if err := s.markSaved(r, cards); err != nil {
		return err
	}
	for i, it := range res.Items {
		p.Items = append(p.Items, forYouItem{card: cards[i], Reason: it.Reason, ReasonText: it.Reason.Text()})
	}
	return s.render(w, r, "foryou.html", p)
}

func validPeriod(p string) bool {
	for _, c := range periods {
		if c.Value == p {
			return true
		}
	}
	return false
}

// forYouFeedbackForm serves the feedback buttons without JavaScript:
// paper and signal, then back to the page with what was done.
func (s *Server) forYouFeedbackForm(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	id, signal := r.PostFormValue("paper"), r.PostFormValue("signal")
	if err := s.recommendationFeedback(r, v, id, signal); err != nil {
		return err
	}
	back := backTo(r, "/for-you")
	u, err := url.Parse(back)
	if err != nil || u.Path != "/for-you" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	qs := u.Query()
	qs.Set("done", signal)
	http.Redirect(w, r, "/for-you?"+qs.Encode(), http.StatusSeeOther)
	return nil
}

// recommendationFeedback applies one signal: save through the library,
// the others through the recommendations.
func (s *Server) recommendationFeedback(r *http.Request, v *Viewer, id, signal string) error {
	limit := s.limitLibrary(r, v)
	if signal == "save" {
		_, err := s.library.Save(r.Context(), libraryMember(v), id, limit)
		return err
	}
	if !foryou.ValidSignal(signal) && signal != "undo" {
		return errBadRequest("signal: want not_interested, fewer_like_this, more_like_this or save")
	}
	if err := limit(); err != nil {
		return err
	}
	return s.foryou.Feedback(r.Context(), v.ID, id, signal)
}

// forYouFollowForm serves the welcome page: follow the ticked categories
// and topics and the named author at once, then show the feed they make.
func (s *Server) forYouFollowForm(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	if s.authors == nil {
		return errNotFound("Follows are not available here.")
	}
	m, limit := authorMember(v), s.limitMember(r, "follow", v)
	cats, topics := r.PostForm["category"], r.PostForm["topic"]
	author := strings.TrimSpace(r.PostFormValue("author"))
	if len(cats) == 0 && len(topics) == 0 && author == "" {
		return errBadRequest("Tick a category or a topic, or name an author to follow.")
	}
	for _, c := range cats {
		if _, err := s.authors.Follow(r.Context(), m, store.FollowCategory, c, limit); err != nil {
			return err
		}
	}
	for _, tp := range topics {
		if _, err := s.authors.Follow(r.Context(), m, store.FollowTopic, tp, limit); err != nil {
			return err
		}
	}
	if author != "" {
		if _, err := s.authors.Follow(r.Context(), m, store.FollowAuthor, author, limit); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/for-you", http.StatusSeeOther)
	return nil
}

// --- the API -------------------------------------------------------------

// apiRecommendation is a recommended paper: Hugging Face's paper object
// with why it is recommended, as a sentence and in parts.
type apiRecommendation struct {
	apiPaper
	Reason  string        `json:"reason"`
	Because foryou.Reason `json:"because"`
}

// apiRecommendations serves GET /api/recommendations: the viewer's new
// papers ranked, [since, until] by day (a week to the latest day by
// default), by one collection or the whole library and follows.
func (s *Server) apiRecommendations(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	req, err := recommendationRequest(r, v)
	if err != nil {
		return err
	}
	res, err := s.foryou.Recommend(r.Context(), req)
	if err != nil {
		return err
	}
	out := make([]apiRecommendation, len(res.Items))
	for i := range res.Items {
		it := &res.Items[i]
		out[i] = apiRecommendation{apiPaper: toAPIPaper(&it.Paper), Reason: it.Reason.Text(), Because: it.Reason}
	}
	writePrivateJSON(w, http.StatusOK, out)
	return nil
}

func recommendationRequest(r *http.Request, v *Viewer) (foryou.Request, error) {
	q := r.URL.Query()
	req := foryou.Request{UserID: v.ID, Collection: q.Get("collection"), Limit: 50}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return req, errBadRequest("limit: want a number from 1 to 200")
		}
		req.Limit = n
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"since", &req.Since}, {"until", &req.Until}} {
		if raw := q.Get(d.name); raw != "" {
			t, err := time.Parse(time.DateOnly, raw)
			if err != nil {
				return req, errBadRequest(d.name + ": want a date such as 2026-03-01")
			}
			*d.to = t
		}
	}
	if !req.Until.IsZero() {
		req.Until = req.Until.AddDate(0, 0, 1) // until is inclusive
	}
	if !req.Since.IsZero() && !req.Until.IsZero() && !req.Since.Before(req.Until) {
		return req, errBadRequest("since: want a day no later than until")
	}
	return req, nil
}

// apiRecommendationFeedback serves POST /api/recommendations/feedback
// {"id", "signal"}.
func (s *Server) apiRecommendationFeedback(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	var in struct {
		ID     string `json:"id"`
		Signal string `json:"signal"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.ID) == "" {
		return errBadRequest("id: want a paper's arXiv id")
	}
	if err := s.recommendationFeedback(r, v, in.ID, in.Signal); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// --- the private feed ----------------------------------------------------

// forYouFeed serves /feeds/for-you/TOKEN.rss and .atom: the reader's
// recommendations of the week, each summary starting with its reason.
func (s *Server) forYouFeed(w http.ResponseWriter, r *http.Request) error {
	token, format, ok := strings.Cut(r.PathValue("file"), ".")
	if !ok || (format != "rss" && format != "atom") {
		return errNotFound("There is no feed at this address.")
	}
	ctx := r.Context()
	u, err := s.foryou.FeedUser(ctx, token)
	if err != nil {
		return err
	}
	since, until, err := s.foryou.Period(ctx, foryou.PeriodWeek, time.Time{})
	if err != nil {
		return err
	}
	res, err := s.foryou.Recommend(ctx, foryou.Request{UserID: u.ID, Since: since, Until: until, Limit: feedSize})
	if err != nil {
		return err
	}
	papers := make([]store.Paper, len(res.Items))
	for i, it := range res.Items {
		papers[i] = it.Paper
		if t := it.Reason.Text(); t != "" {
			papers[i].Abstract = "Recommended " + t + ".\n\n" + papers[i].Abstract
		}
	}
	w.Header().Set("Cache-Control", "private, no-store")
	return s.writeFeed(w, r, format, "paperboy: for "+u.Username, s.baseURL+"/for-you", papers)
}

// feedSettings is the private feed's part of the settings page.
type feedSettings struct {
	Created time.Time // zero: no feed
	NewURL  string    // a just-made feed's address, shown once
}

func (s *Server) feedSettingsOf(r *http.Request, v *Viewer) (*feedSettings, error) {
	if s.foryou == nil || v == nil {
		return nil, nil
	}
	at, err := s.foryou.FeedTokenCreated(r.Context(), v.ID)
	if err != nil {
		return nil, err
	}
	return &feedSettings{Created: at}, nil
}

// feedTokenForm makes a new private feed address (revoking the old one)
// or, with action=revoke, ends it; the settings page shows the new
// address once.
func (s *Server) feedTokenForm(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	if err := s.limitMember(r, "library", v)(); err != nil {
		return err
	}
	ctx := r.Context()
	data := &accountPage{Page: Page{Title: "Settings"}}
	if r.PostFormValue("action") == "revoke" {
		if err := s.foryou.RevokeFeedToken(ctx, v.ID); err != nil {
			return err
		}
		data.Notice = "Your private feed is revoked: its address no longer works."
	} else {
		token, err := s.foryou.NewFeedToken(ctx, v.ID)
		if err != nil {
			return err
		}
		data.Notice = "Your new private feed address is below; the old one no longer works."
		data.FeedURL = s.baseURL + "/feeds/for-you/" + token + ".atom"
	}
	if s.accounts == nil {
		return errors.New("web: feed settings without accounts")
	}
	return s.renderSettings(w, r, http.StatusOK, data)
}

// viewer is viewerOf with what the header shows for this server.
func (s *Server) viewer(u store.User, viaToken bool) *Viewer {
	v := viewerOf(u, viaToken)
	v.ForYou = s.foryou != nil && s.library != nil
	return v
}
