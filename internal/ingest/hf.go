package ingest

import (
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
		ID      string `json:"id"`
		Authors []struct {
			Name string `json:"name"`
		} `json:"authors"`
		PublishedAt        *time.Time `json:"publishedAt"`
		SubmittedOnDailyAt *time.Time `json:"submittedOnDailyAt"`
		SubmittedOnDailyBy *hfUser    `json:"submittedOnDailyBy"`
		Title              string     `json:"title"`
		Summary            string     `json:"summary"`
		Upvotes            int        `json:"upvotes"`
		GitHubRepo         string     `json:"githubRepo"`
		GitHubStars        *int       `json:"githubStars"`
		ProjectPage        string     `json:"projectPage"`
		AISummary          string     `json:"ai_summary"`
		AIKeywords         []string   `json:"ai_keywords"`
	} `json:"paper"`
	PublishedAt *time.Time `json:"publishedAt"` // when it went on the daily list
	NumComments int        `json:"numComments"`
	SubmittedBy *hfUser    `json:"submittedBy"`
}

type hfUser struct {
	User string `json:"user"` // in submittedOnDailyBy
	Name string `json:"name"` // in submittedBy
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
	for _, a := range hp.Authors {
		if name := CleanText(a.Name); name != "" {
			p.Authors = append(p.Authors, name)
		}
	}
	if hp.PublishedAt != nil {
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
	if c.DailySubmitter == "" {
		c.DailySubmitter = it.SubmittedBy.handle()
	}
	p.Community = c
	return p, nil
}
