package store

import (
	"strings"
	"unicode"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

// maxKeyLen bounds a lookup key: a longer title is no more distinctive,
// and an index entry must stay small.
const maxKeyLen = 400

// DOIKey is the form in which DOIs are compared: resolver prefixes
// ("https://doi.org/", "doi:") stripped and the rest lower-cased, since
// DOIs are case-insensitive. arXiv's doi field sometimes lists several
// DOIs separated by spaces; the first is the key. "" when s holds no DOI.
func DOIKey(s string) string {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	for _, p := range []string{"https://", "http://"} {
		lower = strings.TrimPrefix(lower, p)
	}
	for _, p := range []string{"dx.doi.org/", "doi.org/", "www.doi.org/", "doi:", "doi "} {
		lower = strings.TrimPrefix(lower, p)
	}
	lower = strings.TrimSpace(lower)
	if f := strings.Fields(lower); len(f) > 0 {
		lower = f[0]
	}
	lower = strings.TrimRight(lower, ".,;")
	if !strings.HasPrefix(lower, "10.") || !strings.Contains(lower, "/") || len(lower) > maxKeyLen {
		return ""
	}
	return lower
}

// TitleKey is the form in which titles are compared: LaTeX rendered as
// text (tex.Text, so "G{\"o}del" and "Gödel" agree), accents removed,
// letters lower-cased, and every run of other characters (punctuation,
// math symbols, spaces) one space.
func TitleKey(title string) string {
	t := tex.Text(title)
	folded := lexical.Fold(t) // as search folds, so the keys agree with it
	var b strings.Builder
	space := false
	for _, r := range folded {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
		if b.Len() >= maxKeyLen {
			break
		}
	}
	return b.String()
}
