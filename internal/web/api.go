package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// apiPaper is a paper in the shape of Hugging Face's paper object where the
// fields exist there, with paperboy's extra arXiv metadata beside them.
type apiPaper struct {
	ID                 string      `json:"id"`
	Title              string      `json:"title"`
	Summary            string      `json:"summary"`
	Authors            []apiAuthor `json:"authors"`
	PublishedAt        *time.Time  `json:"publishedAt,omitempty"`
	Upvotes            int         `json:"upvotes"`
	NumComments        int         `json:"numComments"`
	SubmittedOnDailyAt *time.Time  `json:"submittedOnDailyAt,omitempty"`
	SubmittedOnDailyBy *apiUser    `json:"submittedOnDailyBy,omitempty"`
	GitHubRepo         string      `json:"githubRepo,omitempty"`
	GitHubStars        *int        `json:"githubStars,omitempty"`
	ProjectPage        string      `json:"projectPage,omitempty"`
	AISummary          string      `json:"ai_summary,omitempty"`
	AIKeywords         []string    `json:"ai_keywords,omitempty"`

	Version        int             `json:"version,omitempty"`
	Categories     []string        `json:"categories"`
	Comments       string          `json:"comments,omitempty"`
	JournalRef     string          `json:"journalRef,omitempty"`
	DOI            string          `json:"doi,omitempty"`
	License        string          `json:"license,omitempty"`
	Versions       []store.Version `json:"versions,omitempty"`
	LastRevisedAt  *time.Time      `json:"lastRevisedAt,omitempty"`
	ListedOn       string          `json:"listedOn,omitempty"`
	MetadataSource string          `json:"metadataSource"`
}

type apiAuthor struct {
	Name string `json:"name"`
}

type apiUser struct {
	User string `json:"user"`
}

func toAPIPaper(p *store.Paper) apiPaper {
	out := apiPaper{
		ID: p.ID, Title: p.Title, Summary: p.Abstract,
		Authors:        make([]apiAuthor, len(p.Authors)),
		PublishedAt:    timePtr(p.FirstVersionAt),
		Upvotes:        p.Community.TotalUpvotes(),
		NumComments:    p.Community.TotalComments(),
		GitHubRepo:     p.Community.GitHubRepo,
		ProjectPage:    p.Community.ProjectPage,
		AISummary:      p.Community.AISummary,
		AIKeywords:     p.Community.AIKeywords,
		Version:        p.Version,
		Categories:     p.Categories,
		Comments:       p.Comments,
		JournalRef:     p.JournalRef,
		DOI:            p.DOI,
		License:        p.License,
		Versions:       p.Versions,
		LastRevisedAt:  timePtr(p.LatestVersionAt),
		MetadataSource: string(p.Source),
	}
	for i, a := range p.Authors {
		out.Authors[i] = apiAuthor{Name: a}
	}
	if out.Categories == nil {
		out.Categories = []string{}
	}
	if !p.ListedOn.IsZero() {
		out.ListedOn = p.ListedOn.Format(time.DateOnly)
	}
	if c := p.Community; !c.DailySubmittedAt.IsZero() {
		out.SubmittedOnDailyAt = timePtr(c.DailySubmittedAt)
		if c.DailySubmitter != "" {
			out.SubmittedOnDailyBy = &apiUser{User: c.DailySubmitter}
		}
	}
	if p.Community.GitHubStars >= 0 && p.Community.GitHubRepo != "" {
		stars := p.Community.GitHubStars
		out.GitHubStars = &stars
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// apiPaper serves GET /api/papers/{id}: any form of arXiv id, old-style ids
// with their slash included, and with or without a version.
func (s *Server) apiPaper(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("id")
	if rest, ok := strings.CutSuffix(raw, "/comments"); ok {
		return s.apiComments(w, r, rest)
	}
	if rest, ok := strings.CutSuffix(raw, "/similar"); ok {
		return s.apiSimilar(w, r, rest)
	}
	p, err := s.apiVisiblePaper(r, raw)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIPaper(&p))
	return nil
}

// apiVisiblePaper loads the paper rawID names for the API: 400 for an
// invalid id, 404 for an unknown one or one a moderator hid (moderators
// still see it).
func (s *Server) apiVisiblePaper(r *http.Request, rawID string) (store.Paper, error) {
	id, err := arxiv.ParseID(rawID)
	if err != nil {
		return store.Paper{}, errBadRequest(err.Error())
	}
	p, err := s.papers.Paper(r.Context(), id.Base)
	if err != nil {
		return store.Paper{}, err
	}
	if p.Community.Hidden && !viewerFrom(r.Context()).IsModerator() {
		return store.Paper{}, errNotFound("not found")
	}
	return p, nil
}

// apiSimilarItem is one similar paper and why.
type apiSimilarItem struct {
	Paper  apiPaper `json:"paper"`
	Reason string   `json:"reason"`
}

// apiSimilar serves GET /api/papers/{id}/similar?limit=: the papers
// nearest in meaning, each with the key terms it shares.
func (s *Server) apiSimilar(w http.ResponseWriter, r *http.Request, rawID string) error {
	limit := 10
	if v := r.URL.Query().Get("limit"); v != "" {
		var err error
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 50 {
			return errBadRequest("limit: want a number from 1 to 50")
		}
	}
	// A hidden paper's neighbours would show what it is about.
	paper, err := s.apiVisiblePaper(r, rawID)
	if err != nil {
		return err
	}
	ix := s.semanticIndex()
	if ix == nil {
		return search.ErrNoModel
	}
	similar, err := ix.SimilarPapers(r.Context(), cachedPapers{s}, paper, limit)
	if err != nil {
		return err
	}
	items := make([]apiSimilarItem, len(similar))
	for i := range similar {
		items[i] = apiSimilarItem{Paper: toAPIPaper(&similar[i].Paper), Reason: similar[i].Reason}
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}
