package web

import (
	"errors"
	"strconv"
	"strings"

	"unicode"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// bibTeX is the paper's BibTeX entry in arXiv's own style (@misc with
// eprint, archivePrefix and primaryClass).
func bibTeX(p *store.Paper) string {
	year := ""
	if !p.FirstVersionAt.IsZero() {
		year = strconv.Itoa(p.FirstVersionAt.Year())
	}
	authors := make([]string, len(p.Authors))
	for i, a := range p.Authors {
		authors[i] = bibName(a)
	}
	var b strings.Builder
	b.WriteString("@misc{" + bibKey(p, year) + ",\n")
	field := func(k, v string) {
		if v != "" {
			b.WriteString("  " + k + " = {" + bibEscape(v) + "},\n")
		}
	}
	field("title", p.Title)
	field("author", strings.Join(authors, " and "))
	field("year", year)
	field("eprint", p.ID)
	field("archivePrefix", "arXiv")
	field("primaryClass", p.PrimaryCategory())
	field("doi", p.DOI)
	field("url", "https://arxiv.org/abs/"+p.ID)
	return strings.TrimSuffix(b.String(), ",\n") + "\n}"
}

// bibEscape keeps braces balanced, so a hostile title cannot end the field.
func bibEscape(s string) string {
	depth := 0
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			if depth == 0 {
				b.WriteString(`\}`)
				continue
			}
			depth--
		case '\n', '\r':
			r = ' '
		}
		b.WriteRune(r)
	}
	b.WriteString(strings.Repeat("}", depth))
	return b.String()
}

// bibName writes "First Middle Last" as "Last, First Middle".
func bibName(name string) string {
	f := strings.Fields(name)
	if len(f) < 2 || strings.Contains(name, ",") {
		return name
	}
	return f[len(f)-1] + ", " + strings.Join(f[:len(f)-1], " ")
}

// bibKey is lastname + year + first long title word, in ASCII letters.
func bibKey(p *store.Paper, year string) string {
	letters := func(s string) string {
		var b strings.Builder
		for _, r := range strings.ToLower(s) {
			if r < unicode.MaxASCII && unicode.IsLetter(r) {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	key := ""
	if len(p.Authors) > 0 {
		f := strings.Fields(p.Authors[0])
		if len(f) > 0 {
			key = letters(f[len(f)-1])
		}
	}
	key += year
	for _, w := range strings.Fields(tex.Text(p.Title)) {
		if w := letters(w); len(w) > 3 {
			key += w
			break
		}
	}
	if key == "" {
		key = "arxiv" + strings.NewReplacer(".", "", "/", "").Replace(p.ID)
	}
	return key
}

// citationMeta are the Highwire Press tags that Google Scholar and Zotero
// read.
func citationMeta(p *store.Paper, base string) []metaTag {
	tags := []metaTag{{"citation_title", tex.Text(p.Title)}}
	for _, a := range p.Authors {
		tags = append(tags, metaTag{"citation_author", bibName(a)})
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
