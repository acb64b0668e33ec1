package citation

import (
	"io"
	"strings"
)

// ParseList reads a list of papers, one a line: arXiv ids (new or old
// style, with or without "arXiv:" and a version), arXiv abs/pdf URLs,
// DOIs or doi.org URLs. Blank lines are skipped and "#" starts a comment
// (at the start of a line or after a space, so a URL's fragment stays).
func ParseList(r io.Reader) ([]Entry, error) {
	src, err := readAll(r)
	if err != nil {
		return nil, err
	}
	var entries []Entry
	for n, line := range strings.Split(src, "\n") {
		if i := strings.Index(line, "#"); i == 0 || i > 0 && (line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(entries) >= MaxEntries {
			return nil, tooLarge("more than %d entries: split the file", MaxEntries)
		}
		e := Entry{Line: n + 1}
		if e.ArxivID = arxivIDOf(line); e.ArxivID == "" {
			if e.DOI = doiOf(line); e.DOI == "" {
				return nil, syntaxError(n+1, "not an arXiv id, arXiv URL or DOI: %q", clip(line))
			}
		}
		entries = append(entries, e)
	}
	return entries, nil
}
