package tex

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SpellGreek writes Greek letters out as their names ("α-divergence" →
// "alpha-divergence"), for search: readers type "alpha" for what a paper
// wrote as $\alpha$, and the analyser then finds either spelling. Variant
// forms take the plain name (ϵ and ε are both "epsilon").
func SpellGreek(s string) string {
	if !hasGreek(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	prevWord := false
	for i, r := range s {
		name, ok := greekNames[r]
		if !ok {
			b.WriteRune(r)
			prevWord = unicode.IsLetter(r) || unicode.IsDigit(r)
			continue
		}
		// A letter run into a word ("αβ", "Tα") is a sequence of symbols:
		// set its name apart so it stays a word of its own.
		if prevWord {
			b.WriteByte(' ')
		}
		b.WriteString(name)
		next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
		if unicode.IsLetter(next) || unicode.IsDigit(next) {
			b.WriteByte(' ')
			prevWord = false
		} else {
			prevWord = true
		}
	}
	return b.String()
}

func hasGreek(s string) bool {
	for i := 0; i < len(s); i++ {
		// Greek and Coptic (U+0370..U+03FF) all start with 0xCD..0xCF.
		if c := s[i]; c >= 0xCD && c <= 0xCF {
			return true
		}
	}
	return false
}

// greekNames holds every Greek letter mathSymbols knows, by its name.
var greekNames = func() map[rune]string {
	m := map[rune]string{}
	for name, sym := range mathSymbols {
		r, size := utf8.DecodeRuneInString(sym.text)
		if size != len(sym.text) || !unicode.Is(unicode.Greek, r) {
			continue
		}
		name = strings.ToLower(strings.TrimPrefix(name, "var"))
		m[r] = name
		if up := unicode.ToUpper(r); up != r {
			if _, ok := m[up]; !ok {
				m[up] = name
			}
		}
	}
	return m
}()
