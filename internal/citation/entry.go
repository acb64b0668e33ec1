package citation

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

// Limits on what an import reads. A reference manager's whole library is
// rarely above a few thousand entries; these bound the memory and time one
// request can take.
const (
	MaxFileBytes  = 10 << 20 // 10 MB
	MaxEntries    = 10_000
	MaxFieldBytes = 64 << 10 // one field's value, after @string macros
	maxBraceDepth = 64
)

// Entry is one reference read from a file, in the terms matching needs.
type Entry struct {
	Line    int    // where the entry starts in the file, from 1
	Key     string // the BibTeX key or RIS ID; "" in a list
	Type    string // "article", "misc" (BibTeX); "JOUR", "ELEC" (RIS)
	ArxivID string // versionless, "" when the entry names none
	DOI     string // in store.DOIKey's form, "" when none
	Title   string // plain text (LaTeX rendered)
	Authors []string
	Year    int
	URLs    []string
	Journal string
}

// Label names the entry for a person reading a report: its key, its id,
// or its title, and its line.
func (e Entry) Label() string {
	name := e.Key
	switch {
	case name != "":
	case e.ArxivID != "":
		name = "arXiv:" + e.ArxivID
	case e.DOI != "":
		name = "doi:" + e.DOI
	default:
		name = e.Title
	}
	return fmt.Sprintf("%s (line %d)", name, e.Line)
}

// SyntaxError is a file that cannot be read, with the line of the fault.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// syntaxError is a client-safe problem: its message names only the line
// and what the file holds there.
func syntaxError(line int, format string, args ...any) error {
	se := &SyntaxError{Line: line, Msg: fmt.Sprintf(format, args...)}
	return problem.Wrap(se, problem.Invalid, se.Error())
}

func tooLarge(format string, args ...any) error {
	return problem.New(problem.TooLarge, fmt.Sprintf(format, args...))
}

// arxivInText finds "arXiv:2401.12345" or "arXiv preprint arXiv:hep-th/9901001"
// in free text (Google Scholar puts the id in journal, Zotero in note).
var arxivInText = regexp.MustCompile(`(?i)\barxiv(?:\s+preprint)?(?:\s*:\s*|\s+|\.org/abs/)((?:[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})|\d{4}\.\d{4,5})(?:v\d+)?`)

// arxivIDOf is the versionless arXiv id that s names (an id, with or
// without "arXiv:", an abs or pdf URL, or arXiv's DOI), or "".
func arxivIDOf(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if id, err := arxiv.ParseID(s); err == nil {
		return id.Base
	}
	if k := store.DOIKey(s); strings.HasPrefix(k, "10.48550/arxiv.") {
		if id, err := arxiv.ParseID(k[len("10.48550/arxiv."):]); err == nil {
			return id.Base
		}
	}
	return ""
}

// arxivIDInText is the first arXiv id that free text mentions, or "".
func arxivIDInText(s string) string {
	for _, m := range arxivInText.FindAllStringSubmatch(s, -1) {
		if id := arxivIDOf(m[1]); id != "" {
			return id
		}
	}
	return ""
}

// doiOf is the DOI that s names (a DOI or a resolver URL), or "".
func doiOf(s string) string {
	lower := strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(lower, "http") && !strings.Contains(lower, "doi.org/") {
		return ""
	}
	return store.DOIKey(s)
}

var yearIn = regexp.MustCompile(`\b(1[6-9]\d\d|2\d\d\d)\b`)

func yearOf(s string) int {
	if m := yearIn.FindString(s); m != "" {
		y, _ := strconv.Atoi(m)
		return y
	}
	return 0
}

// plain renders a field's LaTeX as one line of text.
func plain(s string) string {
	return strings.Join(strings.Fields(tex.Text(s)), " ")
}

// firstLast turns "Last, First" (and "Last, Jr., First") into
// "First Last Jr." as paperboy stores names; other forms stay.
func firstLast(name string) string {
	parts := splitTopLevel(name, func(s string, i int) int {
		if s[i] == ',' {
			return 1
		}
		return 0
	})
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	switch len(parts) {
	case 2:
		return strings.TrimSpace(parts[1] + " " + parts[0])
	case 3:
		return strings.TrimSpace(parts[2] + " " + parts[0] + " " + parts[1])
	}
	return name
}

// splitTopLevel splits s where sep matches outside braces; sep returns
// the length of the separator at i, or 0.
func splitTopLevel(s string, sep func(s string, i int) int) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
			continue
		case '}':
			depth--
			continue
		}
		if depth == 0 {
			if n := sep(s, i); n > 0 {
				parts = append(parts, s[start:i])
				start = i + n
				i += n - 1
			}
		}
	}
	return append(parts, s[start:])
}

// bibAuthors splits a BibTeX author field at its top-level "and"s.
func bibAuthors(field string) []string {
	parts := splitTopLevel(field, func(s string, i int) int {
		if !isSpace(s[i]) {
			return 0
		}
		j := i
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j+3 < len(s) && strings.EqualFold(s[j:j+3], "and") && isSpace(s[j+3]) {
			k := j + 3
			for k < len(s) && isSpace(s[k]) {
				k++
			}
			return k - i
		}
		return 0
	})
	var names []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" || strings.EqualFold(p, "others") {
			continue
		}
		if n := plain(firstLast(p)); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
