package ingest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// hfItem is one item of Hugging Face's /api/daily_papers response.
type hfItem struct {
	Paper *struct {
		ID                 string       `json:"id"`
		Authors            []hfAuthor   `json:"authors"`
		DiscussionID       string       `json:"discussionId"`
		Organization       *store.HFOrg `json:"organization"`
		MediaURLs          []string     `json:"mediaUrls"`
		PublishedAt        *time.Time   `json:"publishedAt"`
		SubmittedOnDailyAt *time.Time   `json:"submittedOnDailyAt"`
		SubmittedOnDailyBy *hfUser      `json:"submittedOnDailyBy"`
		Title              string       `json:"title"`
		Summary            string       `json:"summary"`
		Upvotes            int          `json:"upvotes"`
		GitHubRepo         string       `json:"githubRepo"`
		GitHubStars        *int         `json:"githubStars"`
		ProjectPage        string       `json:"projectPage"`
		AISummary          string       `json:"ai_summary"`
		AIKeywords         []string     `json:"ai_keywords"`
	} `json:"paper"`
	PublishedAt           *time.Time   `json:"publishedAt"` // when it went on the daily list
	NumComments           int          `json:"numComments"`
	SubmittedBy           *hfUser      `json:"submittedBy"`
	Organization          *store.HFOrg `json:"organization"`
	SubmitterOrganization *store.HFOrg `json:"submitterOrganization"`
	Thumbnail             string       `json:"thumbnail"`
	MediaURL              string       `json:"mediaUrl"` // older items' single thumbnail
	MediaURLs             []string     `json:"mediaUrls"`
	IsAuthorParticipating *bool        `json:"isAuthorParticipating"`
}

type hfAuthor struct {
	ID                  string     `json:"_id"`
	Name                string     `json:"name"`
	Hidden              bool       `json:"hidden"`
	Status              string     `json:"status"`
	StatusLastChangedAt *time.Time `json:"statusLastChangedAt"`
	User                *hfUser    `json:"user"`
}

type hfUser struct {
	ID        string `json:"_id"`
	User      string `json:"user"` // in submittedOnDailyBy and authors
	Name      string `json:"name"` // in submittedBy
	Fullname  string `json:"fullname"`
	AvatarURL string `json:"avatarUrl"`
	Type      string `json:"type"`
	IsPro     bool   `json:"isPro"`
}

func (u *hfUser) handle() string {
	if u == nil {
		return ""
	}
	if u.User != "" {
		return u.User
	}
	return u.Name
}

// account is u as stored, nil when u names nobody.
func (u *hfUser) account() *store.HFUser {
	if u.handle() == "" {
		return nil
	}
	return &store.HFUser{ID: u.ID, Name: u.handle(), Fullname: strings.TrimSpace(u.Fullname),
		AvatarURL: strings.TrimSpace(u.AvatarURL), Type: u.Type, IsPro: u.IsPro}
}

// parseHF turns one Hugging Face daily-papers item into a paper with its
// community data.
func parseHF(raw []byte) (store.Paper, error) {
	var it hfItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return store.Paper{}, fmt.Errorf("malformed JSON: %w", err)
	}
	hp := it.Paper
	if hp == nil {
		return store.Paper{}, errors.New(`no "paper" object`)
	}
	if strings.TrimSpace(hp.ID) == "" {
		return store.Paper{}, errors.New("missing paper.id")
	}
	id, err := arxiv.ParseID(hp.ID)
	if err != nil {
		return store.Paper{}, err
	}
	p := store.Paper{
		ID:       id.Base,
		Version:  id.Version,
		Title:    CleanText(hp.Title),
		Abstract: CleanAbstract(hp.Summary),
	}
	if p.Title == "" {
		return store.Paper{}, fmt.Errorf("paper %s: missing title", id.Base)
	}
	hf := store.HFDetails{
		DiscussionID:          strings.TrimSpace(hp.DiscussionID),
		Organization:          cmp.Or(it.Organization, hp.Organization),
		SubmitterOrganization: it.SubmitterOrganization,
		Thumbnail:             strings.TrimSpace(cmp.Or(it.Thumbnail, it.MediaURL)),
		MediaURLs:             it.MediaURLs,
		IsAuthorParticipating: it.IsAuthorParticipating,
	}
	if len(hf.MediaURLs) == 0 {
		hf.MediaURLs = hp.MediaURLs
	}
	for _, a := range hp.Authors {
		name := CleanText(a.Name)
		if !IsName(name) {
			continue
		}
		p.Authors = append(p.Authors, name)
		author := store.HFAuthor{ID: a.ID, Name: name, Hidden: a.Hidden, Status: a.Status, User: a.User.account()}
		if a.StatusLastChangedAt != nil {
			author.StatusLastChangedAt = a.StatusLastChangedAt.UTC()
		}
		hf.Authors = append(hf.Authors, author)
	}
	if hp.PublishedAt != nil {
		hf.PublishedAt = hp.PublishedAt.UTC()
		p.FirstVersionAt = hp.PublishedAt.UTC()
		p.ListedOn = ListedOn(p.FirstVersionAt)
	}
	c := store.Community{
		Upvotes:     max(hp.Upvotes, 0),
		GitHubRepo:  strings.TrimSpace(hp.GitHubRepo),
		GitHubStars: -1,
		NumComments: max(it.NumComments, 0),
		AISummary:   strings.TrimSpace(hp.AISummary),
		AIKeywords:  hp.AIKeywords,
		ProjectPage: strings.TrimSpace(hp.ProjectPage),
	}
	if hp.GitHubStars != nil {
		c.GitHubStars = max(*hp.GitHubStars, 0)
	}
	switch {
	case hp.SubmittedOnDailyAt != nil:
		c.DailySubmittedAt = hp.SubmittedOnDailyAt.UTC()
	case it.PublishedAt != nil:
		c.DailySubmittedAt = it.PublishedAt.UTC()
	}
	if !c.DailySubmittedAt.IsZero() {
		c.DailyOn = c.DailySubmittedAt.Truncate(24 * time.Hour)
	}
	c.DailySubmitter = hp.SubmittedOnDailyBy.handle()
	hf.SubmittedBy = hp.SubmittedOnDailyBy.account()
	if c.DailySubmitter == "" {
		c.DailySubmitter = it.SubmittedBy.handle()
		hf.SubmittedBy = it.SubmittedBy.account()
	} else if by := it.SubmittedBy.account(); by != nil && by.Name == c.DailySubmitter {
		// The item's submittedBy carries the same account with its _id
		// more often than paper.submittedOnDailyBy does.
		hf.SubmittedBy.ID = cmp.Or(hf.SubmittedBy.ID, by.ID)
	}
	c.HF = hf
	p.Community = c
	return p, nil
}
