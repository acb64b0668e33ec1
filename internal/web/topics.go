package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/authors"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Topic pages: the topic map's areas and fine topics (internal/search/
// topicmap), each with its newest and most upvoted papers, its related
// topics and a feed; and the papers' keyphrases where Hugging Face has no
// ai_keywords.

func (s *Server) topicRoutes() {
	s.handle("GET /topics", s.topicsIndex)
	s.handle("GET /topics/{slug}", s.topicPage)
	s.handle("GET /api/topics", s.apiTopics)
	s.handle("GET /api/topics/{slug}", s.apiTopic)
}

// topicMap returns the topic map, or nil while there is none.
func (s *Server) topicMap() *topicmap.Map {
	if s.searcher == nil {
		return nil
	}
	return s.searcher.Topics()
}

var errNoTopicMap = errNotFound("There are no topics yet: the operator runs 'paperboy embed train' to map the papers.")

// topicLabel is the label of the topic or area slug names ("" if none);
// of a facet's joined slugs, its largest topic's.
func topicLabel(tm *topicmap.Map, slug string) string {
	slug, _, _ = strings.Cut(slug, ",")
	i, area, ok := tm.BySlug(slug)
	switch {
	case !ok:
		return ""
	case area:
		return tm.Areas()[i].Label
	}
	return tm.Topics()[i].Label
}

// topicLink is a topic as a link.
type topicLink struct {
	Slug, Label string
	Count       int
}

func (l topicLink) Href() string { return "/topics/" + l.Slug }

type topicsIndexPage struct {
	Page
	Areas []topicArea
}

type topicArea struct {
	topicLink
	Topics []topicLink
}

func (s *Server) topicsIndex(w http.ResponseWriter, r *http.Request) error {
	tm := s.topicMap()
	if tm == nil {
		return errNoTopicMap
	}
	d := &topicsIndexPage{Page: Page{Title: "Topics", Canonical: "/topics",
		Description: "The topics of the papers on paperboy: broad areas and the topics inside them."}}
	for a, area := range tm.Areas() {
		ta := topicArea{topicLink: topicLink{Slug: area.Slug, Label: area.Label, Count: tm.AreaCount(a)}}
		for _, t := range tm.Children(a) {
			tp := tm.Topics()[t]
			ta.Topics = append(ta.Topics, topicLink{Slug: tp.Slug, Label: tp.Label, Count: tm.Count(t)})
		}
		d.Areas = append(d.Areas, ta)
	}
	return s.render(w, r, "topics.html", d)
}

// topicInfo is one topic as its page and the API describe it.
type topicInfo struct {
	Slug, Label string
	Terms       []string
	Count       int
	Area        *topicLink  // nil for an area
	Topics      []topicLink // an area's topics
	Related     []topicLink // a topic's nearest topics
}

// topicAt describes the topic or area slug names.
func topicAt(tm *topicmap.Map, slug string) (topicInfo, bool) {
	i, area, ok := tm.BySlug(slug)
	if !ok {
		return topicInfo{}, false
	}
	link := func(t int) topicLink {
		tp := tm.Topics()[t]
		return topicLink{Slug: tp.Slug, Label: tp.Label, Count: tm.Count(t)}
	}
	if area {
		a := tm.Areas()[i]
		info := topicInfo{Slug: a.Slug, Label: a.Label, Terms: a.Terms, Count: tm.AreaCount(i)}
		for _, t := range tm.Children(i) {
			info.Topics = append(info.Topics, link(t))
		}
		return info, true
	}
	t := tm.Topics()[i]
	a := tm.Areas()[t.Parent]
	info := topicInfo{Slug: t.Slug, Label: t.Label, Terms: t.Terms, Count: tm.Count(i),
		Area: &topicLink{Slug: a.Slug, Label: a.Label, Count: tm.AreaCount(t.Parent)}}
	for _, n := range tm.Nearest(i, 6) {
		info.Related = append(info.Related, link(n))
	}
	return info, true
}

// topicPapers returns the newest papers of a topic and its most upvoted
// of the last two months before its newest, read from the topic's own
// papers (search.Searcher.TopicPapers).
func (s *Server) topicPapers(ctx context.Context, slug string, n int) (newest, trending []store.Paper, err error) {
	if s.searcher == nil {
		return nil, nil, errNoSearch
	}
	since := func(last time.Time) time.Time {
		// An undated paper is listed on the epoch.
		if last.Unix() <= 0 {
			last = s.now()
		}
		return last.AddDate(0, -2, 0)
	}
	newIDs, votedIDs, err := s.searcher.TopicPapers(ctx, slug, n, since)
	if err != nil {
		return nil, nil, err
	}
	if newest, err = s.papersByID(ctx, newIDs); err != nil {
		return nil, nil, err
	}
	trending, err = s.papersByID(ctx, votedIDs)
	return newest, trending, err
}

type topicPageData struct {
	Page
	T               topicInfo
	Newest          []card
	Trending        []card
	Follow          *followButton
	SignInToFollow  bool
	SearchInTopic   string
	SearchInTopicQ  string
	TopicFeedParams string
}

func (s *Server) topicPage(w http.ResponseWriter, r *http.Request) error {
	tm := s.topicMap()
	if tm == nil {
		return errNoTopicMap
	}
	slug := r.PathValue("slug")
	info, ok := topicAt(tm, slug)
	if !ok {
		return errNotFound("There is no topic of that name; the topics index lists them.")
	}
	newest, trending, err := s.topicPapers(r.Context(), slug, 20)
	if err != nil {
		return err
	}
	d := &topicPageData{
		Page: Page{Title: info.Label, Canonical: "/topics/" + info.Slug,
			Description: "Papers on " + info.Label + " on paperboy.",
			Feeds:       feedLinks("Topic: "+info.Label, "topic", url.Values{"slug": {info.Slug}})},
		T: info, Newest: toCards(newest, 1), Trending: toCards(trending, 1),
	}
	if s.authors != nil {
		if v := viewerFrom(r.Context()); v != nil {
			following, err := s.authors.IsFollowing(r.Context(), authorMember(v), store.FollowTopic, info.Slug)
			if err != nil {
				return err
			}
			d.Follow = &followButton{Kind: store.FollowTopic, Value: info.Slug, Label: info.Label, Following: following}
		} else {
			d.SignInToFollow = true
		}
	}
	if err := s.markVoted(r, d.Newest); err != nil {
		return err
	}
	if err := s.markVoted(r, d.Trending); err != nil {
		return err
	}
	return s.render(w, r, "topic.html", d)
}

// apiTopic is a topic in the API.
type apiTopic struct {
	Slug   string     `json:"slug"`
	Label  string     `json:"label"`
	Terms  []string   `json:"terms"`
	Count  int        `json:"count"`
	Parent *apiTopic  `json:"parent,omitempty"`
	Topics []apiTopic `json:"topics,omitempty"`
	// Related and Papers come with one topic, not in the list.
	Related []apiTopic `json:"related,omitempty"`
	Papers  []apiPaper `json:"papers,omitempty"`
}

func toAPITopic(info topicInfo) apiTopic {
	out := apiTopic{Slug: info.Slug, Label: info.Label, Terms: info.Terms, Count: info.Count}
	if out.Terms == nil {
		out.Terms = []string{}
	}
	if info.Area != nil {
		out.Parent = &apiTopic{Slug: info.Area.Slug, Label: info.Area.Label, Count: info.Area.Count, Terms: []string{}}
	}
	for _, l := range info.Topics {
		out.Topics = append(out.Topics, apiTopic{Slug: l.Slug, Label: l.Label, Count: l.Count, Terms: []string{}})
	}
	return out
}

// apiTopics serves GET /api/topics: the areas, each with its topics.
func (s *Server) apiTopics(w http.ResponseWriter, r *http.Request) error {
	tm := s.topicMap()
	if tm == nil {
		return errNoTopicMap
	}
	out := []apiTopic{}
	for _, a := range tm.Areas() {
		info, _ := topicAt(tm, a.Slug)
		at := toAPITopic(info)
		for i, t := range at.Topics {
			ti, _ := topicAt(tm, t.Slug)
			at.Topics[i].Terms = ti.Terms
		}
		out = append(out, at)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiTopic serves GET /api/topics/{slug}: a topic with its newest papers.
func (s *Server) apiTopic(w http.ResponseWriter, r *http.Request) error {
	tm := s.topicMap()
	if tm == nil {
		return errNoTopicMap
	}
	info, ok := topicAt(tm, r.PathValue("slug"))
	if !ok {
		return errNotFound("There is no topic of that name.")
	}
	out := toAPITopic(info)
	for _, l := range info.Related {
		out.Related = append(out.Related, apiTopic{Slug: l.Slug, Label: l.Label, Count: l.Count, Terms: []string{}})
	}
	newest, _, err := s.topicPapers(r.Context(), info.Slug, 20)
	if err != nil {
		return err
	}
	out.Papers = []apiPaper{}
	for i := range newest {
		out.Papers = append(out.Papers, s.apiPaperOf(&newest[i]))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiPaperOf is toAPIPaper with the paper's keyphrases.
func (s *Server) apiPaperOf(p *store.Paper) apiPaper {
	out := toAPIPaper(p)
	out.Keyphrases = s.keyphrases(p)
	return out
}

// keyphrases returns the paper's keyphrases (topicmap.Keyphrases with the
// corpus model, cached in s.kpCache), or nil without a model.
func (s *Server) keyphrases(p *store.Paper) []string {
	ix := s.semanticIndex()
	if ix == nil || ix.Model == nil {
		return nil
	}
	return s.kpCache.get(ix.Model, p.ID, p.Title, p.Abstract, p.UpdatedAt, func() []string {
		var vec []float32
		if ix.ProviderConfig() == nil && ix.Vectors != nil {
			vec, _ = ix.Vectors.Vector(p.ID)
		}
		return topicmap.Keyphrases(ix.Model, p.Title, p.Abstract, vec, 8)
	})
}

// paperTopics returns the paper's topic and its area as links, or nil.
func (s *Server) paperTopics(id string) []topicLink {
	tm := s.topicMap()
	if tm == nil {
		return nil
	}
	t := tm.TopicOf(id)
	if t < 0 {
		return nil
	}
	tp := tm.Topics()[t]
	a := tm.Areas()[tp.Parent]
	return []topicLink{{Slug: tp.Slug, Label: tp.Label}, {Slug: a.Slug, Label: a.Label}}
}

// cardKeyphrases are the keyphrases a card or paper page shows: none when
// Hugging Face's keywords are there.
func (s *Server) cardKeyphrases(p *store.Paper) []string {
	if len(p.Community.AIKeywords) > 0 {
		return nil
	}
	return s.keyphrases(p)
}

// mapTopics names the topics of the search's map for follows
// (authors.Topics): none while there is no map.
type mapTopics struct{ s *search.Searcher }

func (t mapTopics) Topic(ctx context.Context, slug string) (string, bool, error) {
	if t.s.Topics() == nil {
		return "", false, authors.ErrNoTopics
	}
	return t.s.Topic(ctx, slug)
}
