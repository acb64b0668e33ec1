package lexical

import (
	"strings"
	"unicode/utf8"
)

// Fragment is a piece of highlighted text; Match marks words the query
// looked for. Concatenating the Texts gives back the input (or the snippet).
type Fragment struct {
	Text  string
	Match bool
}

// Highlight splits text into fragments, marking the words that match q's
// positive terms (stemmed words, compounds, author names). Callers render
// Match fragments as <mark> or bold; the text itself comes from the caller.
func Highlight(text string, q *Query) []Fragment {
	if q == nil || text == "" {
		return []Fragment{{Text: text}}
	}
	var h highlighter
	h.init(q)
	var buf [16]hlSpan
	spans := h.matchSpans(text, buf[:0])
	h.release()
	if len(spans) == 0 {
		return []Fragment{{Text: text}}
	}
	out := make([]Fragment, 0, 2*len(spans)+1)
	last := 0
	for _, m := range spans {
		if m.start > last {
			out = append(out, Fragment{Text: text[last:m.start]})
		}
		out = append(out, Fragment{Text: text[m.start:m.end], Match: true})
		last = m.end
	}
	if last < len(text) {
		out = append(out, Fragment{Text: text[last:]})
	}
	return out
}

// hlSpan is a byte range of marked text; adjacent marked words share one.
type hlSpan struct{ start, end int }

// highlighter decides which raw tokens of a text match a query. Running the
// analyser (LaTeX reduction, folding, stemming) over every word is what
// costs, so an ASCII token is first tested against the two-byte prefixes
// ("keys") of the query's terms: every term the analyser derives from a
// token begins, at the start of one of the token's parts, with the same
// key, because lower-casing, compound splitting and joining keep the
// letters and Snowball stemming keeps the first two letters (except for a
// few special words, see highlightKeys; TestStemKeepsHighlightKey checks
// this). Only tokens that pass, and all non-ASCII ones, go through the
// analyser as before.
type highlighter struct {
	q       *Query
	first   [4]uint64  // first bytes of two-byte keys
	single  [4]uint64  // one-byte terms
	keys    [16]uint16 // two-byte keys, first<<8 | second
	nkeys   int
	more    []uint16 // keys beyond the first 16
	any     bool     // the query has terms to mark
	a       *analyzer
	terms   map[string]bool
	authors map[string]bool
}

func (h *highlighter) init(q *Query) {
	h.q = q
	// The same terms as Query.highlightTerms.
	for _, t := range q.Terms {
		h.addKey(t)
	}
	for _, c := range q.Required {
		switch c.Field {
		case FieldText, FieldTitle, FieldAbstract:
			for _, t := range c.Terms {
				h.addKey(t)
			}
		case FieldAuthor:
			for _, t := range c.Terms {
				h.addKey(strings.TrimPrefix(t, authorPrefix))
			}
		}
	}
}

func (h *highlighter) release() {
	if h.a != nil {
		analyzers.Put(h.a)
		h.a = nil
	}
}

// highlightKeys returns the key of a term (its first two bytes, or the
// term itself if shorter) and, for the few stems that do not begin like
// their word ("dying" -> "die"), the key of the word.
func highlightKeys(t string) (key, alt string) {
	key = t[:min(2, len(t))]
	switch t {
	case "die":
		alt = "dy"
	case "lie":
		alt = "ly"
	case "tie":
		alt = "ty"
	}
	return key, alt
}

func (h *highlighter) addKey(t string) {
	if t == "" {
		return // the analyser never emits an empty term
	}
	h.any = true
	key, alt := highlightKeys(t)
	for _, k := range [2]string{key, alt} {
		switch len(k) {
		case 1:
			h.single[k[0]>>6] |= 1 << (k[0] & 63)
		case 2:
			h.first[k[0]>>6] |= 1 << (k[0] & 63)
			x := uint16(k[0])<<8 | uint16(k[1])
			if h.nkeys < len(h.keys) {
				h.keys[h.nkeys] = x
				h.nkeys++
			} else {
				h.more = append(h.more, x)
			}
		}
	}
}

func (h *highlighter) hasKey(c0, c1 byte) bool {
	if h.first[c0>>6]&(1<<(c0&63)) == 0 {
		return false
	}
	k := uint16(c0)<<8 | uint16(c1)
	for _, x := range h.keys[:h.nkeys] {
		if x == k {
			return true
		}
	}
	for _, x := range h.more {
		if x == k {
			return true
		}
	}
	return false
}

// Byte classes for the tokenizer and the pre-filter.
const (
	clsOther = iota
	clsWord  // ASCII letter or digit
	clsConn  // ASCII connector
	clsHigh  // part of a multi-byte rune
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = clsHigh
		case isWordRune(rune(c)):
			t[c] = clsWord
		case isConnector(rune(c)):
			t[c] = clsConn
		}
	}
	return t
}()

// Token flags from nextRawToken; they may be set when not needed (the
// pre-filter then looks closer), never the other way.
const (
	tokConn     = 1 << iota // the token may hold a connector
	tokNonASCII             // the token may hold a multi-byte rune
)

// mayMatch reports whether the raw token could match; false is exact,
// true means the analyser has to tell.
func (h *highlighter) mayMatch(raw string, flags int) bool {
	if flags&tokNonASCII != 0 {
		for i := 0; i < len(raw); i++ {
			if raw[i] >= utf8.RuneSelf {
				return true // folding may change it; let the analyser decide
			}
		}
	}
	c0 := raw[0] | 0x20 // lower-case letters; digits are unchanged
	if h.single[c0>>6]&(1<<(c0&63)) != 0 {
		return true
	}
	if flags&tokConn == 0 {
		// One plain word: its key is its first two bytes.
		return len(raw) > 1 && h.hasKey(c0, raw[1]|0x20)
	}
	n := len(raw)
	if n > 1 && byteClass[raw[1]] == clsConn && h.hasKey(c0, raw[1]) {
		return true // an old-style arXiv id such as q-alg/9701001
	}
	// "ell_1" is also indexed as "l1".
	ell := n > 3 && c0 == 'e' && raw[1]|0x20 == 'l' && raw[2]|0x20 == 'l'
	// Every term begins at the start of a part (after a connector) and,
	// for a joined compound, runs on across the connectors, so the pairs
	// to test are a part's first byte and the next non-connector byte.
	atStart, prevStart := true, false
	var prev byte
	for i := 0; i < n; i++ {
		c := raw[i]
		if byteClass[c] == clsConn {
			if ell {
				return true
			}
			atStart = true
			continue
		}
		c |= 0x20
		if prevStart && h.hasKey(prev, c) {
			return true
		}
		if atStart && h.single[c>>6]&(1<<(c&63)) != 0 {
			return true
		}
		prev, prevStart, atStart = c, atStart, false
	}
	return false
}

// nextRawToken returns the next raw token of s at or after byte i, exactly
// as scanRaw would split it, with its flags and where to continue;
// start < 0 when there is none.
func nextRawToken(s string, i int) (start, end, flags, next int) {
	start, end = -1, -1
	pending := false // a connector follows the last word rune
	for i < len(s) {
		c := s[i]
		cls := byteClass[c]
		if cls == clsWord {
			if start < 0 {
				start = i
			}
			pending = false
			for i++; i < len(s) && byteClass[s[i]] == clsWord; i++ {
			}
			end = i
			continue
		}
		var word, conn bool
		r, size := rune(c), 1
		if cls == clsHigh {
			r, size = utf8.DecodeRuneInString(s[i:])
			word, conn = isWordRune(r), isConnector(r)
		} else {
			conn = cls == clsConn
		}
		switch {
		case word:
			if start < 0 {
				start = i
			}
			flags |= tokNonASCII
			pending = false
			end = i + size
		case (r == '\'' || r == '\u2019') && start >= 0 && !pending:
			// A possessive "'s" is dropped.
			next = i + size
			rest := s[next:]
			if len(rest) > 0 && (rest[0] == 's' || rest[0] == 'S') && (len(rest) == 1 || !isWordRune(firstRune(rest[1:]))) {
				next++
			}
			return start, end, flags, next
		case conn && start >= 0 && !pending:
			pending = true
			flags |= tokConn
			if cls == clsHigh {
				flags |= tokNonASCII
			}
		default:
			if start >= 0 {
				return start, end, flags, i + size
			}
		}
		i += size
	}
	return start, end, flags, len(s)
}

// matchSpans appends to spans the spans of text to mark, adjacent ones
// merged.
func (h *highlighter) matchSpans(text string, spans []hlSpan) []hlSpan {
	if !h.any {
		return spans
	}
	for i := 0; i < len(text); {
		start, end, flags, next := nextRawToken(text, i)
		i = next
		if start < 0 {
			break
		}
		raw := text[start:end]
		if !h.mayMatch(raw, flags) {
			continue
		}
		if h.a == nil {
			h.a = analyzers.Get().(*analyzer)
			h.terms, h.authors = h.q.highlightTerms()
		}
		if flags == 0 {
			if !h.matchesPlain(raw) {
				continue
			}
		} else if !matches(h.a, raw, h.terms, h.authors) {
			continue
		}
		if n := len(spans); n > 0 && spans[n-1].end == start {
			spans[n-1].end = end
			continue
		}
		spans = append(spans, hlSpan{start, end})
	}
	return spans
}

// matchesPlain is matches for a token of ASCII letters and digits only,
// which the analyser reads as one word: no LaTeX, nothing to fold, no
// parts, not an arXiv id, and an author token only when lower-cased.
func (h *highlighter) matchesPlain(raw string) bool {
	low := strings.ToLower(raw)
	if len(h.terms) > 0 {
		if w := h.a.normWord(low); w != "" && h.terms[w] {
			return true
		}
	}
	return len(low) <= maxTokenBytes && h.authors[low]
}

func matches(a *analyzer, raw string, terms, authors map[string]bool) bool {
	hit := false
	if len(terms) > 0 {
		a.text(raw, 0, func(term string, _ int, _ bool) {
			if terms[term] {
				hit = true
			}
		})
	}
	if !hit && len(authors) > 0 {
		for _, t := range authorTokens(raw) {
			if authors[t] {
				return true
			}
		}
	}
	return hit
}

func appendFrag(out []Fragment, s string, match bool) []Fragment {
	if n := len(out); n > 0 && out[n-1].Match == match {
		out[n-1].Text += s
		return out
	}
	return append(out, Fragment{Text: s, Match: match})
}

// Snippet highlights the window of about maxRunes runes of text that holds
// the most matches, marking cut ends with "…". With no match it returns the
// start of the text.
func Snippet(text string, q *Query, maxRunes int) []Fragment {
	if utf8.RuneCountInString(text) <= maxRunes {
		return Highlight(text, q)
	}
	var ms []hlSpan
	if q != nil {
		var h highlighter
		h.init(q)
		var buf [32]hlSpan
		ms = h.matchSpans(text, buf[:0])
		h.release()
	}
	// Choose the start (at a match, backed up a little) covering most matches.
	budget := maxRunes * 3 / 2 // bytes, roughly; refined below
	best, bestN := 0, 0
	for i, m := range ms {
		n := 0
		for _, m2 := range ms[i:] {
			if m2.end-m.start > budget {
				break
			}
			n++
		}
		if n > bestN {
			best, bestN = m.start, n
		}
	}
	start := best
	// Back up about a fifth of the window to give the match some context.
	back := maxRunes / 5
	for back > 0 && start > 0 {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
		back--
	}
	if start > 0 {
		if i := strings.IndexByte(text[start:], ' '); i >= 0 && i < 20 {
			start += i + 1
		}
	}
	end := start
	for n := 0; n < maxRunes && end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	if end < len(text) {
		if i := strings.LastIndexByte(text[start:end], ' '); i > 0 {
			end = start + i
		}
	}
	out := make([]Fragment, 0, 8)
	if start > 0 {
		out = append(out, Fragment{Text: "…"})
	}
	// The fragments of Highlight(text, q), clipped to [start, end).
	clip := func(fs, fe int, match bool) {
		lo, hi := max(fs, start), min(fe, end)
		if lo < hi {
			out = appendFrag(out, text[lo:hi], match)
		}
	}
	last := 0
	for _, m := range ms {
		if m.start >= end {
			break
		}
		if m.start > last {
			clip(last, m.start, false)
		}
		clip(m.start, m.end, true)
		last = m.end
	}
	if last < len(text) {
		clip(last, len(text), false)
	}
	if end < len(text) {
		out = appendFrag(out, "…", false)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
