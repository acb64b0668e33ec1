package embed

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

// stopWords carry no topic; they are not part of the vocabulary: search's
// English function words (lexical.IsStopWord) and words common to every
// abstract ("propose", "paper").
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`paper propose proposed present show shows using use used based approach method new novel
		et al e g i e eg ie`) {
		m[w] = true
	}
	return m
}()

func isStopWord(w string) bool { return stopWords[w] || lexical.IsStopWord(w) }

// tokenizer turns text into vocabulary terms: LaTeX commands dropped,
// folded as search folds (lexical.Fold), lower-cased, split into runs of letters
// and digits, stop words dropped, pure words Snowball-stemmed (English),
// words with digits kept as they are. It caches stems and is not safe for
// concurrent use; tokenizers recycles them.
type tokenizer struct {
	stems map[string]string
	buf   strings.Builder
}

var tokenizers = sync.Pool{New: func() any { return &tokenizer{stems: make(map[string]string, 1024)} }}

// Tokens returns the vocabulary terms of text, in order, repeats kept.
func Tokens(text string) []string {
	tk := tokenizers.Get().(*tokenizer)
	defer tokenizers.Put(tk)
	return tk.tokens(text, nil)
}

func (tk *tokenizer) tokens(text string, out []string) []string {
	tk.each(text, func(stem, _ string) { out = append(out, stem) })
	return out
}

// CountSurfaces adds, for every token of text, one to counts[stem][word]:
// the words as written behind each stem, to show people "preference"
// rather than "prefer".
func CountSurfaces(text string, counts map[string]map[string]int) {
	tk := tokenizers.Get().(*tokenizer)
	defer tokenizers.Put(tk)
	tk.each(text, func(stem, word string) {
		if counts[stem] == nil {
			counts[stem] = map[string]int{}
		}
		counts[stem][word]++
	})
}

// each calls emit with every token of text, stemmed, and its word.
func (tk *tokenizer) each(text string, emit func(stem, word string)) {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, " ")
	}
	text = lexical.Fold(tex.Text(text))
	b := &tk.buf
	b.Reset()
	hasDigit, hasLetter := false, false
	flush := func() {
		if b.Len() == 0 {
			return
		}
		w := b.String()
		b.Reset()
		d, l := hasDigit, hasLetter
		hasDigit, hasLetter = false, false
		if len(w) < 2 || len(w) > 40 || !l || isStopWord(w) {
			return // pure numbers and single letters carry little topic
		}
		word := w
		if !d {
			s, ok := tk.stems[w]
			if !ok {
				s = english.Stem(w, false)
				if len(tk.stems) > 200_000 {
					clear(tk.stems)
				}
				tk.stems[w] = s
			}
			w = s
		}
		emit(w, word)
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining mark Fold could not compose away
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
			hasLetter = true
		case unicode.IsDigit(r):
			b.WriteRune(r)
			hasDigit = true
		case r == '-' && b.Len() > 0:
			// hyphenated compounds split: "pre-training" -> pre, train
			flush()
		default:
			flush()
		}
	}
	flush()
}
