package citation

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

// BibTeX is the paper's BibTeX entry in arXiv's own style (@misc with
// eprint, archivePrefix and primaryClass). Titles and names are LaTeX
// that BibTeX and LaTeX accept (bibText); non-ASCII text stays UTF-8, as
// arXiv's and Google Scholar's entries have it: bibtex passes it through,
// biber and bibtex8 read it, LaTeX reads UTF-8 by default since 2018, and
// no table of accent commands covers CJK, Greek or symbols.
func BibTeX(p *store.Paper) string { return bibTeXEntry(p, bibKey(p, bibYear(p))) }

func bibYear(p *store.Paper) string {
	if p.FirstVersionAt.IsZero() {
		return ""
	}
	return strconv.Itoa(p.FirstVersionAt.Year())
}

// bibTeXEntry is BibTeX's entry with the given key.
func bibTeXEntry(p *store.Paper, key string) string {
	year := bibYear(p)
	authors := make([]string, len(p.Authors))
	for i, a := range p.Authors {
		authors[i] = bibAuthor(a)
	}
	var b strings.Builder
	b.WriteString("@misc{" + key + ",\n")
	field := func(k, v string) {
		if v != "" {
			b.WriteString("  " + k + " = {" + v + "},\n")
		}
	}
	field("title", bibText(p.Title, true))
	field("author", strings.Join(authors, " and "))
	field("year", year)
	// Identifiers are verbatim fields (biblatex typesets doi and url as
	// URLs): escaping their characters would break the links, so they
	// only have their braces balanced.
	field("eprint", bibBraces(p.ID))
	field("archivePrefix", "arXiv")
	field("primaryClass", bibBraces(p.PrimaryCategory()))
	field("doi", bibBraces(p.DOI))
	field("url", bibBraces("https://arxiv.org/abs/"+p.ID))
	return strings.TrimSuffix(b.String(), ",\n") + "\n}"
}

// bibBraces keeps a verbatim field's braces balanced, so a hostile value
// cannot end the field or the entry: BibTeX counts every brace, escaped
// or not, so unmatched ones are dropped.
func bibBraces(s string) string {
	depth := 0
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			if depth == 0 {
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

// bibAuthor is one name of the author field. An "and" in it (a list's
// leftover: "and Shadab Khan") is braced, or BibTeX would split the name
// there.
func bibAuthor(name string) string {
	f := strings.Fields(bibText(LastFirst(name), false))
	for i, w := range f {
		if strings.EqualFold(w, "and") {
			f[i] = "{" + w + "}"
		}
	}
	return strings.Join(f, " ")
}

// LastFirst writes "First Middle Last" as "Last, First Middle".
func LastFirst(name string) string {
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
