package web

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// paperMarkdown serves GET /papers/{id}.md, Hugging Face's read_paper: the
// paper page as Markdown for language models and scripts. LaTeX stays as
// the authors wrote it.
func (s *Server) paperMarkdown(w http.ResponseWriter, r *http.Request, rawID string) error {
	id, err := arxiv.ParseID(rawID)
	if err != nil {
		return errNotFound("There is no paper with this id.")
	}
	p, err := s.papers.Paper(r.Context(), id.Base)
	if err != nil {
		return err
	}
	if p.Community.Hidden && !viewerFrom(r.Context()).IsModerator() {
		return errNotFound("not found")
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	setLastModified(w, p.UpdatedAt)
	_, err = w.Write([]byte(paperMarkdownText(&p, s.baseURL)))
	return err
}

func paperMarkdownText(p *store.Paper, baseURL string) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	c := &p.Community
	line("# %s", oneLine(p.Title))
	line("")
	if len(p.Authors) > 0 {
		line("**Authors:** %s", strings.Join(p.Authors, ", "))
		line("")
	}
	if at := publishedAt(p); at != nil {
		line("**Published:** %s", at.Format(time.DateOnly))
	}
	if !c.DailyOn.IsZero() {
		on := "**On the daily list:** " + c.DailyOn.Format(time.DateOnly)
		if c.DailySubmitter != "" {
			on += ", submitted by " + c.DailySubmitter
		}
		line("%s", on)
	}
	if o := c.HF.Organization; o != nil {
		line("**Organization:** %s", cmp.Or(o.Fullname, o.Name))
	}
	if len(p.Categories) > 0 {
		line("**Categories:** %s", strings.Join(p.Categories, ", "))
	}
	line("**Upvotes:** %d · **Comments:** %d", c.TotalUpvotes(), c.TotalComments())
	line("")
	line("## Links")
	line("")
	line("- Paper page: %s/papers/%s", baseURL, p.ID)
	line("- arXiv: https://arxiv.org/abs/%s", p.ID)
	line("- PDF: https://arxiv.org/pdf/%s", p.ID)
	if gh := githubURL(c.GitHubRepo); gh != "" {
		stars := ""
		if c.GitHubStars >= 0 {
			stars = fmt.Sprintf(" (%d stars)", c.GitHubStars)
		}
		line("- Code: %s%s", gh, stars)
	}
	if c.ProjectPage != "" {
		line("- Project page: %s", c.ProjectPage)
	}
	if p.DOI != "" {
		line("- DOI: https://doi.org/%s", p.DOI)
	}
	line("")
	if c.AISummary != "" || len(c.AIKeywords) > 0 {
		line("## AI summary")
		line("")
		if c.AISummary != "" {
			line("%s", c.AISummary)
			line("")
		}
		if len(c.AIKeywords) > 0 {
			line("**Keywords:** %s", strings.Join(c.AIKeywords, ", "))
			line("")
		}
	}
	line("## Abstract")
	line("")
	line("%s", p.Abstract)
	line("")
	if p.Comments != "" || p.JournalRef != "" {
		line("## Notes")
		line("")
		if p.Comments != "" {
			line("- arXiv comments: %s", oneLine(p.Comments))
		}
		if p.JournalRef != "" {
			line("- Journal reference: %s", oneLine(p.JournalRef))
		}
		line("")
	}
	if len(p.Versions) > 0 {
		line("## Versions")
		line("")
		for _, v := range p.Versions {
			line("- v%d: %s", v.Version, v.Created.Format(time.DateOnly))
		}
		line("")
	}
	line("## BibTeX")
	line("")
	line("```bibtex")
	line("%s", strings.TrimRight(citation.BibTeX(p), "\n"))
	line("```")
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
