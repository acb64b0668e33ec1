package web

import (
	"errors"

	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// citationMeta are the Highwire Press tags that Google Scholar and Zotero
// read.
func citationMeta(p *store.Paper, base string) []metaTag {
	tags := []metaTag{{"citation_title", tex.Text(p.Title)}}
	for _, a := range p.Authors {
		tags = append(tags, metaTag{"citation_author", citation.LastFirst(a)})
	}
	if !p.FirstVersionAt.IsZero() {
		// Google Scholar's documented tag is citation_publication_date;
		// citation_date is the older name other readers still use.
		tags = append(tags, metaTag{"citation_publication_date", p.FirstVersionAt.Format("2006/01/02")},
			metaTag{"citation_date", p.FirstVersionAt.Format("2006/01/02")})
	}
	if !p.LatestVersionAt.IsZero() {
		tags = append(tags, metaTag{"citation_online_date", p.LatestVersionAt.Format("2006/01/02")})
	} else if !p.ListedOn.IsZero() {
		tags = append(tags, metaTag{"citation_online_date", p.ListedOn.Format("2006/01/02")})
	}
	tags = append(tags,
		metaTag{"citation_pdf_url", "https://arxiv.org/pdf/" + p.ID},
		metaTag{"citation_arxiv_id", p.ID},
		metaTag{"citation_abstract_html_url", base + "/papers/" + p.ID},
	)
	if p.DOI != "" {
		tags = append(tags, metaTag{"citation_doi", p.DOI})
	}
	if p.JournalRef != "" {
		tags = append(tags, metaTag{"citation_journal_title", p.JournalRef})
	}
	if p.Abstract != "" {
		tags = append(tags, metaTag{"citation_abstract", tex.Text(p.Abstract)})
	}
	return tags
}
