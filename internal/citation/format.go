package citation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/problem"
)

// Format is a file format for import or export.
type Format string

// The formats. List is import only.
const (
	BibTeXFormat  Format = "bibtex"
	RISFormat     Format = "ris"
	CSLJSONFormat Format = "csl-json"
	ListFormat    Format = "list"
)

// ParseFormat reads an export format's name (?format=bibtex|ris|csl-json).
func ParseFormat(name string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(name))); f {
	case BibTeXFormat, RISFormat, CSLJSONFormat:
		return f, nil
	case "bib":
		return BibTeXFormat, nil
	case "csl", "csljson", "json":
		return CSLJSONFormat, nil
	}
	return "", problem.New(problem.Invalid, fmt.Sprintf("unknown format %q: use bibtex, ris or csl-json", name))
}

// ContentType is the media type an export is served as.
func (f Format) ContentType() string {
	switch f {
	case BibTeXFormat:
		return "application/x-bibtex; charset=utf-8"
	case RISFormat:
		return "application/x-research-info-systems; charset=utf-8"
	case CSLJSONFormat:
		return "application/vnd.citationstyles.csl+json; charset=utf-8"
	}
	return "text/plain; charset=utf-8"
}

// Extension is the file name extension of the format, with its dot.
func (f Format) Extension() string {
	switch f {
	case BibTeXFormat:
		return ".bib"
	case RISFormat:
		return ".ris"
	case CSLJSONFormat:
		return ".json"
	}
	return ".txt"
}

// FormatOfContentType is the import format a request body's media type
// names: BibTeX (application/x-bibtex, text/x-bibtex), RIS
// (application/x-research-info-systems), CSL-JSON, or a list (text/plain).
// Other types (application/octet-stream, a browser's guess) give
// ok false: the caller may Sniff the body instead.
func FormatOfContentType(contentType string) (f Format, ok bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	switch mt {
	case "application/x-bibtex", "text/x-bibtex", "application/x-bibtex-text-file":
		return BibTeXFormat, true
	case "application/x-research-info-systems", "text/x-research-info-systems":
		return RISFormat, true
	case "application/vnd.citationstyles.csl+json", "application/citeproc+json", "application/json":
		return CSLJSONFormat, true
	case "text/plain":
		return ListFormat, true
	}
	return "", false
}

// FormatOfName is the import format a file name's extension names, or
// ok false.
func FormatOfName(name string) (f Format, ok bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".bib", ".bibtex":
		return BibTeXFormat, true
	case ".ris":
		return RISFormat, true
	case ".json":
		return CSLJSONFormat, true
	case ".txt", ".list":
		return ListFormat, true
	}
	return "", false
}

// Sniff guesses the format of a file from its first lines: "@" starts
// BibTeX, "TY  -" RIS, "[" CSL-JSON; anything else is read as a list.
func Sniff(data []byte) Format {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	for _, line := range bytes.Split(data[:min(len(data), 64<<10)], []byte("\n")) {
		line = bytes.TrimSpace(line)
		switch {
		case len(line) == 0, line[0] == '%', line[0] == '#':
			continue
		case line[0] == '@':
			return BibTeXFormat
		case line[0] == '[':
			return CSLJSONFormat
		}
		if _, _, ok := risTag(string(line)); ok {
			return RISFormat
		}
		if bytes.Contains(line, []byte("@")) && bytes.Contains(data, []byte("\n@")) {
			return BibTeXFormat // a JabRef header line before the entries
		}
		return ListFormat
	}
	return ListFormat
}

// Parse reads a file of the format.
func Parse(f Format, r io.Reader) ([]Entry, error) {
	switch f {
	case BibTeXFormat:
		return ParseBibTeX(r)
	case RISFormat:
		return ParseRIS(r)
	case CSLJSONFormat:
		return ParseCSLJSON(r)
	case ListFormat:
		return ParseList(r)
	}
	return nil, problem.New(problem.UnsupportedType, fmt.Sprintf("cannot import %q: use BibTeX, RIS, CSL-JSON or a list of ids", f))
}

// ParseCSLJSON reads a CSL-JSON array (Zotero's, and WriteCSLJSON's).
// JSON has no useful line for a bad item, so errors name the item.
func ParseCSLJSON(r io.Reader) ([]Entry, error) {
	src, err := readAll(r)
	if err != nil {
		return nil, err
	}
	var items []struct {
		ID             any       `json:"id"`
		Type           string    `json:"type"`
		Title          string    `json:"title"`
		Author         []cslName `json:"author"`
		Issued         *cslDate  `json:"issued"`
		ContainerTitle string    `json:"container-title"`
		Number         any       `json:"number"`
		DOI            string    `json:"DOI"`
		URL            string    `json:"URL"`
		Note           string    `json:"note"`
	}
	dec := json.NewDecoder(strings.NewReader(src))
	if err := dec.Decode(&items); err != nil {
		line := 1
		if se, ok := err.(*json.SyntaxError); ok {
			line += strings.Count(src[:min(int(se.Offset), len(src))], "\n")
		} else if te, ok := err.(*json.UnmarshalTypeError); ok {
			line += strings.Count(src[:min(int(te.Offset), len(src))], "\n")
		}
		return nil, syntaxError(line, "not a CSL-JSON array of items")
	}
	if len(items) > MaxEntries {
		return nil, tooLarge("more than %d entries: split the file", MaxEntries)
	}
	entries := make([]Entry, 0, len(items))
	for i, it := range items {
		e := Entry{Line: i + 1, Key: fmt.Sprint(it.ID), Type: it.Type, Title: oneLine(it.Title), Journal: it.ContainerTitle}
		if it.ID == nil {
			e.Key = ""
		}
		if len(e.Title) > MaxFieldBytes || len(e.Key) > 200 {
			return nil, syntaxError(0, "item %d: a field is too long", i+1)
		}
		for _, a := range it.Author {
			if n := oneLine(strings.TrimSpace(a.Given + " " + a.Family + " " + a.Literal)); n != "" {
				e.Authors = append(e.Authors, n)
			}
		}
		if it.Issued != nil && len(it.Issued.DateParts) > 0 && len(it.Issued.DateParts[0]) > 0 {
			e.Year = it.Issued.DateParts[0][0]
		}
		e.DOI = doiOf(it.DOI)
		if it.URL != "" {
			e.URLs = []string{it.URL}
		}
		if strings.EqualFold(it.ContainerTitle, "arxiv") && it.Number != nil {
			e.ArxivID = arxivIDOf(fmt.Sprint(it.Number))
		}
		for _, s := range []string{it.URL, e.DOI} {
			if e.ArxivID == "" {
				e.ArxivID = arxivIDOf(s)
			}
		}
		if e.ArxivID == "" {
			e.ArxivID = arxivIDInText(it.Note)
		}
		entries = append(entries, e)
	}
	return entries, nil
}
