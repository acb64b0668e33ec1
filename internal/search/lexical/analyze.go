package lexical

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/paperboy-dev/paperboy/internal/tex"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Term-space prefixes. Text terms never contain ':' because the tokenizer
// splits on it, so these cannot collide with words.
const (
	authorPrefix   = "au:"
	categoryPrefix = "cat:"
	idPrefix       = "id:"
)

const maxTokenBytes = 64

// IsStopWord reports the English function words that search drops from
// scoring (they still advance positions, so phrases spanning them keep
// their shape); the embedding tokenizer drops them too.
func IsStopWord(w string) bool { return stopWords[w] }

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be
		because been before being below between both but by can could did do does doing down during
		each few for from further had has have having he her here hers herself him himself his how i
		if in into is it its itself just me more most my myself no nor not now of off on once only or
		other our ours ourselves out over own same she should so some such than that the their theirs
		them themselves then there these they this those through to too under until up very was we
		were what when where which while who whom why will with would you your yours yourself
		yourselves via also thus however whether may might must shall within without upon`) {
		m[w] = true
	}
	return m
}()

// analyzer turns text into index terms. It caches stems, so it is not safe
// for concurrent use: give each goroutine its own.
type analyzer struct {
	stems map[string]string
	parts []string
}

func newAnalyzer() *analyzer {
	return &analyzer{stems: make(map[string]string, 256)}
}

// analyzers recycles analyzers (and their stem caches) for queries and
// highlighting.
var analyzers = sync.Pool{New: func() any { return newAnalyzer() }}

func (a *analyzer) stem(w string) string {
	if s, ok := a.stems[w]; ok {
		return s
	}
	s := english.Stem(w, true)
	if len(a.stems) > 1<<20 {
		clear(a.stems)
	}
	a.stems[strings.Clone(w)] = s
	return s
}

// Fold applies NFKC and removes combining marks (diacritics), so that
// "Schrödinger", "Schro\u0308dinger" and "Schrodinger" agree. It is the one
// Unicode normalisation of paperboy's text analysis: the embedding
// tokenizer folds with it too.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFKC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return norm.NFKC.String(s)
	}
	return out
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// isConnector reports runes that join word parts inside one raw token:
// "pre-training", "gpt-4o", "qwen2.5", "ell_1", "hep-th/9901001", "x^2".
func isConnector(r rune) bool {
	switch r {
	case '-', '_', '.', '/', '^', '\u2010', '\u2011', '\u2012', '\u2013':
		return true
	}
	return false
}

// rawToken is a span of the input made of word runes and inner connectors.
type rawToken struct {
	text       string
	start, end int // byte offsets in the scanned string
}

// scanRaw calls f for each raw token of s: word runes joined by single
// inner connectors. A possessive "'s" is dropped ("model's" -> "model").
func scanRaw(s string, f func(t rawToken)) {
	start, lastWord := -1, -1
	pending := false // a connector follows the last word rune
	flush := func() {
		if start >= 0 && lastWord > start {
			f(rawToken{text: s[start:lastWord], start: start, end: lastWord})
		}
		start, lastWord, pending = -1, -1, false
	}
	skip := 0
	for i, r := range s {
		if i < skip {
			continue
		}
		size := utf8.RuneLen(r)
		if size < 0 {
			size = 1
		}
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
			pending = false
			lastWord = i + size
		case (r == '\'' || r == '\u2019') && start >= 0 && !pending:
			rest := s[i+size:]
			if len(rest) > 0 && (rest[0] == 's' || rest[0] == 'S') && (len(rest) == 1 || !isWordRune(firstRune(rest[1:]))) {
				skip = i + size + 1
			}
			flush()
		case isConnector(r) && start >= 0 && !pending:
			pending = true
		default:
			flush()
		}
	}
	flush()
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// isArxivID recognises new-style (2401.12345, 0704.0001, optional vN) and
// old-style (hep-th/9901001, math.AG/0301001) identifiers; it returns the
// identifier without its version.
func isArxivID(t string) (string, bool) {
	base := t
	if i := strings.LastIndexByte(t, 'v'); i > 0 && i < len(t)-1 && allDigits(t[i+1:]) {
		base = t[:i]
	}
	if len(base) >= 9 && len(base) <= 10 && base[4] == '.' && allDigits(base[:4]) && allDigits(base[5:]) {
		return base, true
	}
	if i := strings.IndexByte(base, '/'); i > 1 && len(base)-i-1 == 7 && allDigits(base[i+1:]) {
		arch := base[:i]
		for j := 0; j < len(arch); j++ {
			c := arch[j]
			if !(c >= 'a' && c <= 'z' || c == '-' || c == '.' || c >= 'A' && c <= 'Z') {
				return "", false
			}
		}
		return strings.ToLower(base), true
	}
	return "", false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// normWord lowercases, drops stop words ("" result) and stems pure words.
// Words with digits (gpt4o, qwen2, 2025) are kept verbatim.
func (a *analyzer) normWord(w string) string {
	if len(w) > maxTokenBytes {
		return ""
	}
	if stopWords[w] {
		return ""
	}
	if allLetters(w) {
		return a.stem(w)
	}
	return w
}

// tokenEmit receives one term and its position. joined marks the joined
// form of a compound, which shares the position of the compound's first part.
type tokenEmit func(term string, pos int, joined bool)

// text analyses free text (titles, abstracts, queries). It returns the next
// free position.
func (a *analyzer) text(s string, pos int, emit tokenEmit) int {
	s = Fold(tex.SpellGreek(tex.Text(s)))
	scanRaw(s, func(t rawToken) {
		pos = a.token(t.text, pos, emit)
	})
	return pos
}

// token analyses one raw token starting at pos and returns the next position.
func (a *analyzer) token(raw string, pos int, emit tokenEmit) int {
	low := strings.ToLower(raw)
	if id, ok := isArxivID(low); ok {
		emit(id, pos, false)
		return pos + 1
	}
	a.parts = a.parts[:0]
	start := 0
	for i, r := range low {
		if isConnector(r) {
			if i > start {
				a.parts = append(a.parts, low[start:i])
			}
			start = i + utf8.RuneLen(r)
		}
	}
	if start < len(low) {
		a.parts = append(a.parts, low[start:])
	}
	if len(a.parts) == 0 {
		return pos
	}
	if len(a.parts) == 1 {
		if w := a.normWord(a.parts[0]); w != "" {
			emit(w, pos, false)
		}
		return pos + 1
	}
	first := pos
	for _, p := range a.parts {
		if w := a.normWord(p); w != "" {
			emit(w, pos, false)
		}
		pos++
	}
	joined := strings.Join(a.parts, "")
	if len(joined) <= maxTokenBytes {
		j := joined
		if allLetters(j) {
			j = a.stem(j)
		}
		emit(j, first, true)
		// LaTeX \ell_1 reads "ell_1"; people write l1 too.
		if strings.HasPrefix(j, "ell") && len(j) > 3 && allDigits(j[3:]) {
			emit("l"+j[3:], first, true)
		}
	}
	return pos
}

// authorTokens splits an author name into unstemmed, folded, lower-case tokens.
func authorTokens(name string) []string {
	s := strings.ToLower(Fold(tex.Text(name)))
	var out []string
	var joined strings.Builder
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) && r != '-' && r != '\'' }) {
		parts := strings.FieldsFunc(f, func(r rune) bool { return !isWordRune(r) })
		for _, p := range parts {
			if len(p) <= maxTokenBytes {
				out = append(out, p)
			}
		}
		if len(parts) > 1 {
			joined.Reset()
			for _, p := range parts {
				joined.WriteString(p)
			}
			if joined.Len() <= maxTokenBytes {
				out = append(out, joined.String())
			}
		}
	}
	return out
}

// categoryTerms returns the category term and, for "cs.CL"-style names, the
// archive term ("cs"), so that cat:cs matches every cs.* paper.
func categoryTerms(cat string) []string {
	c := strings.ToLower(strings.TrimSpace(cat))
	if c == "" {
		return nil
	}
	out := []string{categoryPrefix + c}
	if i := strings.IndexByte(c, '.'); i > 0 {
		out = append(out, categoryPrefix+c[:i])
	}
	return out
}

// normalizeID lower-cases an arXiv identifier and strips its version.
func normalizeID(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	if base, ok := isArxivID(id); ok {
		return base
	}
	return id
}
