package harvest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
)

// The text clean-up below follows internal/ingest's, so that a paper reads
// the same whichever way it arrived. (ingest keeps its copies unexported;
// exporting them from there would remove this duplicate.)

// cleanText collapses line wraps and runs of spaces.
func cleanText(s string) string { return strings.Join(strings.Fields(s), " ") }

// cleanAbstract undoes hard wrapping while keeping paragraphs: a line that
// starts with spaces opens a new one. LaTeX is kept as written.
func cleanAbstract(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	var b strings.Builder
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if i > 0 && b.Len() > 0 {
			if line[0] == ' ' || line[0] == '\t' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(cleanText(trimmed))
	}
	return b.String()
}

// parseCategories splits a space-separated category list, primary first.
func parseCategories(s string) ([]string, error) {
	var cats []string
	for _, tok := range strings.Fields(s) {
		c := strings.TrimRight(tok, ",;")
		if !arxiv.ValidCategory(c) {
			return nil, fmt.Errorf("bad category %q", tok)
		}
		cats = append(cats, c)
	}
	if len(cats) == 0 {
		return nil, errors.New("no categories")
	}
	return cats, nil
}

// splitAuthors splits an author string ("A. One, B. Two and C. Three (MIT)")
// into names, dropping parenthesised affiliations.
func splitAuthors(s string) []string {
	s = stripParens(cleanText(s))
	var names []string
	for _, part := range strings.Split(s, ",") {
		for {
			i := strings.Index(part, " and ")
			name := part
			if i >= 0 {
				name, part = part[:i], part[i+5:]
			}
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, name)
			}
			if i < 0 {
				break
			}
		}
	}
	return names
}

// stripParens removes parenthesised text, nested or not. An unbalanced "("
// keeps the rest of the string as is.
func stripParens(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for i, r := range s {
		switch {
		case r == '(':
			if depth == 0 && !strings.Contains(s[i:], ")") {
				b.WriteString(s[i:])
				return b.String()
			}
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// listedOn dates the listing that announced a paper first submitted at t;
// a first version stamped at midnight UTC comes from a listing and carries
// its day, as in ingest.
func listedOn(firstVersion time.Time) time.Time {
	if firstVersion.IsZero() {
		return time.Time{}
	}
	if firstVersion.Hour() == 0 && firstVersion.Minute() == 0 && firstVersion.Second() == 0 {
		return firstVersion
	}
	return arxiv.AnnouncementDate(firstVersion)
}
