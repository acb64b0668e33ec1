// Package authorname normalises author names so that the forms one person's
// name takes in arXiv metadata meet: accents ("Erdős" = "Erdos"), case,
// order ("Lovelace, Ada" = "Ada Lovelace"), punctuation of initials
// ("J.-P. Serre" = "J P Serre"). It cannot tell two people of one name
// apart; pages built on it say so.
package authorname

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxLen bounds a name taken from a request, in bytes.
const MaxLen = 200

// particles are lower-case words that belong to a surname ("van der
// Waals", "de la Cruz") rather than to the given names.
var particles = map[string]bool{
	"van": true, "von": true, "der": true, "den": true, "de": true, "del": true, "della": true, "di": true,
	"da": true, "dos": true, "das": true, "du": true, "la": true, "le": true, "ter": true, "ten": true, "bin": true, "al": true,
}

// suffixes follow a surname after a comma ("King, Jr.") and are not given
// names.
var suffixes = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true}

// Key is the normalised form of a name: lower case, without accents or
// punctuation, given names first, words separated by one space. Names in
// scripts without case or spaces (CJK) keep their characters. Key of a key
// is the key itself.
func Key(name string) string {
	return strings.Join(words(name), " ")
}

// Keys returns Key and InitialKey of a name, normalising it once.
func Keys(name string) (key, initial string) {
	w := words(name)
	return strings.Join(w, " "), initialOf(w)
}

// InitialKey is a name's given names cut to the first initial, with its
// surname: "Ada King Lovelace" and "A. Lovelace" both give "a lovelace".
// Names that share it may be one person; only the caller can decide, by
// what else shares it. A one-word name is its own initial key.
func InitialKey(name string) string { return initialOf(words(name)) }

func initialOf(w []string) string {
	if len(w) < 2 {
		return strings.Join(w, " ")
	}
	given, surname := split(w)
	if len(given) == 0 {
		return strings.Join(w, " ")
	}
	first, _ := firstRune(given[0])
	return string(first) + " " + strings.Join(surname, " ")
}

// Given returns the given names of a key's words and its surname.
func Given(key string) (given []string, surname string) {
	g, s := split(strings.Fields(key))
	return g, strings.Join(s, " ")
}

// IsInitials reports whether every given name of a key is a single
// letter ("a lovelace", "j p serre").
func IsInitials(key string) bool {
	given, _ := Given(key)
	if len(given) == 0 {
		return false
	}
	for _, g := range given {
		if _, n := firstRune(g); n != len(g) {
			return false
		}
	}
	return true
}

// split cuts words into given names and the surname: the last word and the
// particles before it.
func split(w []string) (given, surname []string) {
	i := len(w) - 1
	for i > 1 && particles[w[i-1]] {
		i--
	}
	// "van der Waals" alone is all surname.
	if i == 1 && particles[w[0]] {
		i = 0
	}
	return w[:i], w[i:]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func firstRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

// stripMarks makes the transformer that removes diacritics: a new one
// per use, since a transform.Chain keeps state and is not safe for
// concurrent use (shared, it panicked when two imports ran at once).
func stripMarks() transform.Transformer {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

// folds are letters that decomposition does not take apart.
var folds = strings.NewReplacer("ß", "ss", "ø", "o", "Ø", "o", "ł", "l", "Ł", "l", "đ", "d", "Đ", "d",
	"æ", "ae", "Æ", "ae", "œ", "oe", "Œ", "oe", "ı", "i", "þ", "th")

// words returns the normalised words of a name, given names first.
func words(name string) []string {
	if len(name) > 4*MaxLen {
		name = name[:4*MaxLen]
	}
	name = strings.TrimSpace(name)
	if !isASCII(name) { // most names are: they skip the Unicode work
		if s, _, err := transform.String(stripMarks(), name); err == nil {
			name = s
		}
		name = folds.Replace(name)
	}
	name = strings.ToLower(name)
	// "Lovelace, Ada" → "Ada Lovelace"; "King, Jr., Martin" and
	// "Martin King, Jr." keep the suffix out of the given names.
	if parts := strings.Split(name, ","); len(parts) > 1 {
		var kept []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" && !suffixes[strings.Trim(p, ". ")] {
				kept = append(kept, p)
			}
		}
		if len(kept) == 2 {
			name = kept[1] + " " + kept[0]
		} else {
			name = strings.Join(kept, " ")
		}
	}
	out := strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	w := out[:0]
	for _, f := range out {
		if f = strings.Trim(f, "'"); f != "" {
			w = append(w, f)
		}
	}
	return w
}
