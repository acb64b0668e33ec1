package web

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
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
// huggingface_hub's PaperInfo copies keys it does not know over its own
// attributes, so an extra key must never be one of theirs: arXiv's comment
// is arxivComments, not comments (PaperInfo.comments counts comments).
type apiPaper struct {
	ID                 string      `json:"id"`
	Title              string      `json:"title"`
	Summary            string      `json:"summary"`
	Authors            []apiAuthor `json:"authors"`
	PublishedAt        *time.Time  `json:"publishedAt,omitempty"`
	Upvotes            int         `json:"upvotes"`
	NumComments        int         `json:"numComments"`
	DiscussionID       string      `json:"discussionId,omitempty"`
	SubmittedOnDailyAt *time.Time  `json:"submittedOnDailyAt,omitempty"`
	SubmittedOnDailyBy *apiUser    `json:"submittedOnDailyBy,omitempty"`
	Organization       *apiOrg     `json:"organization,omitempty"`
	MediaURLs          []string    `json:"mediaUrls,omitempty"`
	GitHubRepo         string      `json:"githubRepo,omitempty"`
	GitHubStars        *int        `json:"githubStars,omitempty"`
	ProjectPage        string      `json:"projectPage,omitempty"`
	AISummary          string      `json:"ai_summary,omitempty"`
	AIKeywords         []string    `json:"ai_keywords,omitempty"`
	// Keyphrases are paperboy's own, from the title and abstract
	// (topicmap.Keyphrases); ai_keywords stay Hugging Face's.
	Keyphrases []string `json:"keyphrases,omitempty"`

	Version        int             `json:"version,omitempty"`
	Categories     []string        `json:"categories"`
	ArxivComments  string          `json:"arxivComments,omitempty"`
	JournalRef     string          `json:"journalRef,omitempty"`
	DOI            string          `json:"doi,omitempty"`
	License        string          `json:"license,omitempty"`
	Versions       []store.Version `json:"versions,omitempty"`
	LastRevisedAt  *time.Time      `json:"lastRevisedAt,omitempty"`
	ListedOn       string          `json:"listedOn,omitempty"`
	MetadataSource string          `json:"metadataSource"`
}

// apiAuthor is Hugging Face's author object. Authors Hugging Face does not
// know get an _id derived from the paper and position, stable across runs.
type apiAuthor struct {
	ID                  string     `json:"_id"`
	Name                string     `json:"name"`
	Hidden              bool       `json:"hidden"`
	Status              string     `json:"status,omitempty"`
	StatusLastChangedAt *time.Time `json:"statusLastChangedAt,omitempty"`
	User                *apiUser   `json:"user,omitempty"`
}

// apiUser is Hugging Face's user object. Hugging Face names the account
// "user" in authors and submittedOnDailyBy and "name" in submittedBy; both
// are sent so that huggingface_hub's User.username is always filled. A
// comment's author carries only "user".
type apiUser struct {
	ID        string `json:"_id,omitempty"`
	AvatarURL string `json:"avatarUrl,omitempty"`
	Fullname  string `json:"fullname,omitempty"`
	User      string `json:"user"`
	Name      string `json:"name,omitempty"`
	Type      string `json:"type,omitempty"`
	IsPro     bool   `json:"isPro,omitempty"`
}

// apiOrg is Hugging Face's organisation object, with its "avatar" key.
type apiOrg struct {
	ID       string `json:"_id"`
	Name     string `json:"name"`
	Fullname string `json:"fullname"`
	Avatar   string `json:"avatar,omitempty"`
}

func toAPIUser(u *store.HFUser) *apiUser {
	if u == nil {
		return nil
	}
	return &apiUser{ID: u.ID, AvatarURL: u.AvatarURL, Fullname: cmp.Or(u.Fullname, u.Name), User: u.Name, Name: u.Name,
		Type: cmp.Or(u.Type, "user"), IsPro: u.IsPro}
}

func toAPIOrg(o *store.HFOrg) *apiOrg {
	if o == nil {
		return nil
	}
	return &apiOrg{ID: o.ID, Name: o.Name, Fullname: cmp.Or(o.Fullname, o.Name), Avatar: o.Avatar}
}

// dailySubmitter is the account that put p on the daily list: Hugging
// Face's object when imported, else paperboy's own user, who has no
// display name or avatar here.
func dailySubmitter(p *store.Paper) *apiUser {
	c := &p.Community
	if c.DailySubmitter == "" {
		return nil
	}
	if by := c.HF.SubmittedBy; by != nil && strings.EqualFold(by.Name, c.DailySubmitter) {
		return toAPIUser(by)
	}
	return &apiUser{ID: opaqueID("user", c.DailySubmitter), Fullname: c.DailySubmitter,
		User: c.DailySubmitter, Name: c.DailySubmitter, Type: "user"}
}

// opaqueID makes a stable 24-hex-digit id, the form of Hugging Face's ids,
// for objects paperboy describes itself.
func opaqueID(parts ...string) string {
	sum := sha256.Sum256([]byte("paperboy\x00" + strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:12])
}

// apiAuthors pairs the paper's author names with Hugging Face's author
// objects of the same name, so that arXiv's list keeps its order and
// claimed authors keep their accounts.
func apiAuthors(p *store.Paper) []apiAuthor {
	known := make(map[string]*store.HFAuthor, len(p.Community.HF.Authors))
	for i := range p.Community.HF.Authors {
		a := &p.Community.HF.Authors[i]
		known[strings.ToLower(a.Name)] = a
	}
	out := make([]apiAuthor, len(p.Authors))
	for i, name := range p.Authors {
		out[i] = apiAuthor{ID: opaqueID("author", p.ID, strconv.Itoa(i)), Name: name}
		if a := known[strings.ToLower(name)]; a != nil {
			out[i] = apiAuthor{ID: cmp.Or(a.ID, out[i].ID), Name: name, Hidden: a.Hidden, Status: a.Status,
				StatusLastChangedAt: timePtr(a.StatusLastChangedAt), User: toAPIUser(a.User)}
		}
	}
	return out
}

// publishedAt is arXiv's submission time: Hugging Face's timestamp when
// known, since a crawled listing only knows the day.
func publishedAt(p *store.Paper) *time.Time {
	return timePtr(cmp.Or(p.Community.HF.PublishedAt, p.FirstVersionAt))
}

func toAPIPaper(p *store.Paper) apiPaper {
	hf := &p.Community.HF
	out := apiPaper{
		ID: p.ID, Title: p.Title, Summary: p.Abstract,
		Authors:        apiAuthors(p),
		PublishedAt:    publishedAt(p),
		Upvotes:        p.Community.TotalUpvotes(),
		NumComments:    p.Community.TotalComments(),
		DiscussionID:   hf.DiscussionID,
		Organization:   toAPIOrg(hf.Organization),
		MediaURLs:      hf.MediaURLs,
		GitHubRepo:     p.Community.GitHubRepo,
		ProjectPage:    p.Community.ProjectPage,
		AISummary:      p.Community.AISummary,
		AIKeywords:     p.Community.AIKeywords,
		Version:        p.Version,
		Categories:     p.Categories,
		ArxivComments:  p.Comments,
		JournalRef:     p.JournalRef,
		DOI:            p.DOI,
		License:        p.License,
		Versions:       p.Versions,
		LastRevisedAt:  timePtr(p.LatestVersionAt),
		MetadataSource: string(p.Source),
	}
	if out.Categories == nil {
		out.Categories = []string{}
	}
	if !p.ListedOn.IsZero() {
		out.ListedOn = p.ListedOn.Format(time.DateOnly)
	}
	if c := p.Community; !c.DailySubmittedAt.IsZero() {
		out.SubmittedOnDailyAt = timePtr(c.DailySubmittedAt)
		out.SubmittedOnDailyBy = dailySubmitter(p)
	}
	if p.Community.GitHubStars >= 0 && p.Community.GitHubRepo != "" {
		stars := p.Community.GitHubStars
		out.GitHubStars = &stars
	}
	return out
}

// updatedTimes are the papers' last changes, for Last-Modified.
func updatedTimes(papers []store.Paper) []time.Time {
	times := make([]time.Time, len(papers))
	for i := range papers {
		times[i] = papers[i].UpdatedAt
	}
	return times
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
	setLastModified(w, p.UpdatedAt)
	writeJSON(w, http.StatusOK, s.apiPaperOf(&p))
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
	if s.searcher == nil {
		return search.ErrNoModel
	}
	similar, err := s.searcher.SimilarPapers(r.Context(), cachedPapers{s}, paper, limit)
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
