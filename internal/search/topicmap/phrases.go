package topicmap

import (
	"strings"
	"sync"
	"unicode"

	"github.com/kljensen/snowball/english"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

// boundary words end a candidate phrase: search's function words and the
// verbs, adverbs and vague adjectives of abstracts ("we propose a novel
// method that significantly improves"), which make phrases read like
// sentence fragments rather than names of things.
var boundary = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but nor of in on at to for from by with without within into onto
		over under between among across through via per than then thus hence also however moreover furthermore
		while whereas although though because since so such as is are was were be been being am do does did done
		has have had having can could may might must shall should will would not no yes it its itself this that
		these those there here we our ours us you your they their them he she his her i me my which who whom whose
		what when where why how all any both each few more most other some own same very just only even still
		yet again further once about above below up down out off upon against during before after until
		paper papers propose proposes proposed proposing present presents presented introduce introduces introduced
		show shows showed shown demonstrate demonstrates demonstrated achieve achieves achieved achieving
		use uses used using based approach approaches method methods novel new existing recent recently
		significantly substantially effectively efficiently various several many much well better best
		first second third one two three four five six seven eight nine ten however e.g i.e et al eg ie etc
		work works study studies result results experiment experiments extensive comprehensive art
		outperform outperforms outperforming improve improves improved improving improvement improvements
		provide provides provided enable enables enabled allow allows allowed make makes made making
		leverage leverages leveraging address addresses addressing tackle tackles
		significant effective efficient different diverse
		existing prior previous furthermore additionally specifically particular particularly
		code available publicly github com https http www via like e g
		often typically usually across toward towards whether either neither every among
		remains remain remained becomes become became found find finds suggest suggests evaluate evaluated
		evaluates evaluating consider considers considered
		called termed namely including include includes included given give gives
		investigate investigates investigated explore explores explored reveal reveals revealed employ employs
		employed accomplish accomplishes adjust adjusts adopt adopts utilize utilizes utilizing incorporate
		incorporates integrate integrates require requires required current despite yield yields
		capture captures captured generate generates produce produces aim aims matter matters important`) {
		m[w] = true
	}
	return m
}()

func isBoundary(w string) bool {
	return boundary[w] || lexical.IsStopWord(w) || isAdverb(w)
}

// notAdverbs end in -ly and name things.
var notAdverbs = map[string]bool{"anomaly": true, "family": true, "assembly": true, "supply": true, "early": true,
	"italy": true, "reply": true, "poly": true, "fly": true, "butterfly": true, "ally": true, "monopoly": true, "rally": true}

// isAdverb guesses adverbs ("significantly", "directly"), which begin or
// end no name of a thing.
func isAdverb(w string) bool {
	return len(w) > 4 && strings.HasSuffix(w, "ly") && !notAdverbs[w]
}

// word is one word of a text: as written (lower-cased) and its stem key.
type word struct {
	surface, stem string
	// br is true when a phrase may not continue across the gap before
	// this word (punctuation or a boundary word came between).
	br bool
}

var stemCache sync.Map // word -> stem; words of one corpus are few

func stem(w string) string {
	if s, ok := stemCache.Load(w); ok {
		return s.(string)
	}
	var s string
	if strings.ContainsFunc(w, unicode.IsDigit) {
		s = w
	} else if strings.Contains(w, "-") {
		parts := strings.Split(w, "-")
		for i, p := range parts {
			parts[i] = english.Stem(p, false)
		}
		s = strings.Join(parts, "-")
	} else {
		s = english.Stem(w, false)
	}
	stemCache.Store(w, s)
	return s
}

// runs splits text (LaTeX reduced to text) into runs of content words: a
// run ends at punctuation, a boundary word, a number or a lone letter.
// Hyphenated compounds ("vision-language") stay one word.
func runs(text string) [][]word {
	text = strings.ToLower(lexical.Fold(tex.Text(text)))
	var out [][]word
	var cur []word
	end := func() {
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	var b strings.Builder
	hasLetter := false
	flush := func(brk bool) {
		w := strings.Trim(b.String(), "-")
		b.Reset()
		l := hasLetter
		hasLetter = false
		if w != "" {
			if !l || len(w) < 2 || len(w) > 40 || isBoundary(w) {
				end()
			} else {
				cur = append(cur, word{surface: w, stem: stem(w)})
			}
		}
		if brk {
			end()
		}
	}
	for _, r := range text {
		switch {
		case unicode.IsLetter(r):
			b.WriteRune(r)
			hasLetter = true
		case unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '-' && b.Len() > 0:
			b.WriteRune(r)
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush(false)
		default:
			flush(true)
		}
	}
	flush(true)
	return out
}

// phrase is a candidate: the stems joined by spaces (its identity, so that
// "preference optimisation" and "preference optimization" meet) and the
// words as written.
type phrase struct {
	key, surface string
	n            int // words
	pos          int // index of the first word in the text's content words
}

// candidates returns the n-grams of minN..maxN words inside the runs of
// text, in order of appearance, repeats kept.
func candidates(text string, minN, maxN int) []phrase {
	var out []phrase
	pos := 0
	for _, r := range runs(text) {
		for i := range r {
			for n := minN; n <= maxN && i+n <= len(r); n++ {
				ws := r[i : i+n]
				if n == 1 && len(ws[0].surface) < 3 {
					continue
				}
				var k, s strings.Builder
				for j, w := range ws {
					if j > 0 {
						k.WriteByte(' ')
						s.WriteByte(' ')
					}
					k.WriteString(w.stem)
					s.WriteString(w.surface)
				}
				out = append(out, phrase{key: k.String(), surface: s.String(), n: n, pos: pos + i})
			}
		}
		pos += len(r)
	}
	return out
}

// stemsOf splits a phrase key into its stems.
func stemsOf(key string) []string { return strings.Fields(key) }

// overlaps reports whether one phrase's stems contain the other's, or they
// share more than half of the shorter one's: near-duplicates for a list.
func overlaps(a, b string) bool {
	sa, sb := stemsOf(a), stemsOf(b)
	if len(sa) > len(sb) {
		sa, sb = sb, sa
	}
	shared := 0
	for _, x := range sa {
		for _, y := range sb {
			if x == y {
				shared++
				break
			}
		}
	}
	return shared == len(sa) || 2*shared > len(sa)
}

// PhraseKey is the identity of a phrase as its words' stems, for matching
// phrases written differently ("Preference Optimisation", "preference
// optimization" both give "prefer optim"); "" for a phrase of no word.
func PhraseKey(s string) string {
	var ks []string
	for _, r := range runsAll(s) {
		ks = append(ks, r.stem)
	}
	return strings.Join(ks, " ")
}

// PhraseWords is a phrase lower-cased, folded and reduced to its words,
// for exact matching.
func PhraseWords(s string) string {
	var ws []string
	for _, r := range runsAll(s) {
		ws = append(ws, r.surface)
	}
	return strings.Join(ws, " ")
}

// runsAll splits s into its words, boundary words kept.
func runsAll(s string) []word {
	s = strings.ToLower(lexical.Fold(tex.Text(s)))
	var out []word
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	}) {
		if f = strings.Trim(f, "-"); f != "" {
			out = append(out, word{surface: f, stem: stem(f)})
		}
	}
	return out
}
