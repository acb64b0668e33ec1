package citation

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

// Write writes papers in the format, in their order.
func Write(w io.Writer, f Format, papers []store.Paper) error {
	switch f {
	case BibTeXFormat:
		return WriteBibTeX(w, papers)
	case RISFormat:
		return WriteRIS(w, papers)
	case CSLJSONFormat:
		return WriteCSLJSON(w, papers)
	}
	return fmt.Errorf("citation: write: %q is not an export format", f)
}

// WriteBibTeX writes the papers' entries (BibTeX's, as on paper pages),
// with keys made unique in the file: a second "lovelace2025study" is
// "lovelace2025studyb", as biblatex styles tell papers of one year apart.
func WriteBibTeX(w io.Writer, papers []store.Paper) error {
	bw := bufio.NewWriter(w)
	used := map[string]bool{}
	for i := range papers {
		p := &papers[i]
		base := bibKey(p, bibYear(p))
		key := base
		for n := 1; used[key]; n++ {
			key = base + suffix(n)
		}
		used[key] = true
		if i > 0 {
			bw.WriteString("\n")
		}
		bw.WriteString(bibTeXEntry(p, key) + "\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("citation: write BibTeX: %w", err)
	}
	return nil
}

// suffix is b, c, ..., z, ba, bb, ...: the letters after a key.
func suffix(n int) string {
	s := ""
	for {
		s = string(rune('a'+n%26)) + s
		if n /= 26; n == 0 {
			return s
		}
	}
}

// WriteRIS writes the papers as RIS records (Zotero, Mendeley, EndNote):
// journal articles whose journal is "arXiv preprint arXiv:ID", as Google
// Scholar writes preprints, so that every reader keeps the id.
func WriteRIS(w io.Writer, papers []store.Paper) error {
	bw := bufio.NewWriter(w)
	for i := range papers {
		p := &papers[i]
		field := func(tag, v string) {
			if v = oneLine(v); v != "" {
				bw.WriteString(tag + "  - " + v + "\r\n")
			}
		}
		field("TY", "JOUR")
		field("ID", p.ID)
		field("TI", tex.Text(p.Title))
		for _, a := range p.Authors {
			field("AU", LastFirst(tex.Text(a)))
		}
		if !p.FirstVersionAt.IsZero() {
			field("PY", strconv.Itoa(p.FirstVersionAt.Year()))
			field("DA", p.FirstVersionAt.Format("2006/01/02"))
		}
		field("JO", "arXiv preprint arXiv:"+p.ID)
		field("AB", tex.Text(p.Abstract))
		field("DO", p.DOI)
		field("UR", "https://arxiv.org/abs/"+p.ID)
		field("N1", arxivNote(p))
		for _, c := range p.Categories {
			field("KW", c)
		}
		bw.WriteString("ER  - \r\n\r\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("citation: write RIS: %w", err)
	}
	return nil
}

// arxivNote is "arXiv:2401.12345 [cs.LG]", as Zotero writes preprints'
// extra line.
func arxivNote(p *store.Paper) string {
	if c := p.PrimaryCategory(); c != "" {
		return "arXiv:" + p.ID + " [" + c + "]"
	}
	return "arXiv:" + p.ID
}

// oneLine folds line breaks and runs of spaces: RIS is one field a line,
// so a value's newline would end the field (or forge an "ER  - ").
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cslItem is a CSL-JSON item as Zotero and citeproc read it.
type cslItem struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	Title          string    `json:"title,omitempty"`
	Author         []cslName `json:"author,omitempty"`
	Issued         *cslDate  `json:"issued,omitempty"`
	ContainerTitle string    `json:"container-title,omitempty"`
	Number         string    `json:"number,omitempty"`
	DOI            string    `json:"DOI,omitempty"`
	URL            string    `json:"URL,omitempty"`
	Abstract       string    `json:"abstract,omitempty"`
	Note           string    `json:"note,omitempty"`
	Keyword        string    `json:"keyword,omitempty"`
}

type cslName struct {
	Family  string `json:"family,omitempty"`
	Given   string `json:"given,omitempty"`
	Literal string `json:"literal,omitempty"`
}

type cslDate struct {
	DateParts [][]int `json:"date-parts"`
}

// WriteCSLJSON writes the papers as a CSL-JSON array: "article" items
// (CSL's type for preprints) in container "arXiv" with the id as number,
// the form Zotero gives arXiv preprints.
func WriteCSLJSON(w io.Writer, papers []store.Paper) error {
	items := make([]cslItem, len(papers))
	for i := range papers {
		p := &papers[i]
		it := cslItem{
			ID: "arXiv:" + p.ID, Type: "article", Title: oneLine(tex.Text(p.Title)),
			ContainerTitle: "arXiv", Number: p.ID, DOI: p.DOI, URL: "https://arxiv.org/abs/" + p.ID,
			Abstract: strings.TrimSpace(tex.Text(p.Abstract)), Note: arxivNote(p),
			Keyword: strings.Join(p.Categories, ", "),
		}
		for _, a := range p.Authors {
			it.Author = append(it.Author, cslNameOf(oneLine(tex.Text(a))))
		}
		if t := p.FirstVersionAt; !t.IsZero() {
			it.Issued = &cslDate{DateParts: [][]int{{t.Year(), int(t.Month()), t.Day()}}}
		}
		items[i] = it
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(items); err != nil {
		return fmt.Errorf("citation: write CSL-JSON: %w", err)
	}
	return nil
}

// cslNameOf splits "Ada King Lovelace" into given "Ada King" and family
// "Lovelace"; a one-word name (an organisation, a mononym) is literal.
func cslNameOf(name string) cslName {
	f := strings.Fields(name)
	if len(f) < 2 {
		return cslName{Literal: name}
	}
	return cslName{Family: f[len(f)-1], Given: strings.Join(f[:len(f)-1], " ")}
}
