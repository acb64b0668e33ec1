package search

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
	terms, authors := q.highlightTerms()
	a := analyzers.Get().(*analyzer)
	defer analyzers.Put(a)
	var out []Fragment
	last := 0
	scanRaw(text, func(t rawToken) {
		if !matches(a, t.text, terms, authors) {
			return
		}
		if t.start > last {
			out = appendFrag(out, text[last:t.start], false)
		}
		out = appendFrag(out, text[t.start:t.end], true)
		last = t.end
	})
	if last < len(text) {
		out = appendFrag(out, text[last:], false)
	}
	return out
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
	frags := Highlight(text, q)
	if utf8.RuneCountInString(text) <= maxRunes {
		return frags
	}
	// Byte offsets of matches.
	type span struct{ start, end int }
	var ms []span
	off := 0
	for _, f := range frags {
		if f.Match {
			ms = append(ms, span{off, off + len(f.Text)})
		}
		off += len(f.Text)
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
	var out []Fragment
	if start > 0 {
		out = append(out, Fragment{Text: "…"})
	}
	off = 0
	for _, f := range frags {
		fs, fe := off, off+len(f.Text)
		off = fe
		lo, hi := max(fs, start), min(fe, end)
		if lo < hi {
			out = appendFrag(out, f.Text[lo-fs:hi-fs], f.Match)
		}
	}
	if end < len(text) {
		out = appendFrag(out, "…", false)
	}
	return out
}
