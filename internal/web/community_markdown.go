package web

import (
	"html/template"
	"net/url"
	"strings"
	"unicode/utf8"
)

// renderMarkdown renders a comment's Markdown subset: paragraphs (a single
// newline is a line break), fenced code blocks, `code`, **bold**, *em*,
// [links](https://...) and bare http(s) addresses, and @name mentions
// linking to profiles.
//
// It is safe by construction rather than by filtering: every byte of the
// input reaches the output escaped (as html.EscapeString would), and the
// only markup is the fixed tags written here. Link targets must be
// absolute http(s) URLs, are escaped inside a quoted attribute, and carry
// rel="nofollow ugc", so a comment can neither inject markup, break out of
// an attribute nor link to javascript:. Invalid UTF-8 becomes U+FFFD.
//
// It runs in time linear in the input: every search for a closing
// delimiter remembers what it found, so that a comment of ten thousand
// "[" or "http://%(" is not rescanned from each position, as it once was
// (0.15 to 0.4 s of CPU a render).
func renderMarkdown(src string) template.HTML {
	var r mdRenderer
	return template.HTML(r.render(src))
}

// mdRenderer renders one comment. work counts the bytes examined, so that
// tests can check that rendering stays linear without timing it.
type mdRenderer struct {
	b    strings.Builder
	work int
}

func (r *mdRenderer) render(src string) string {
	src = strings.ToValidUTF8(src, "\uFFFD")
	src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\x00", "")
	r.work += len(src)
	r.b.Grow(len(src) + len(src)/4 + 16)
	lines := strings.Split(src, "\n")
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		r.b.WriteString("<p>")
		for i, l := range para {
			if i > 0 {
				r.b.WriteString("<br>\n")
			}
			r.inline(l, true)
		}
		r.b.WriteString("</p>\n")
		para = para[:0]
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		r.work += len(line)
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			flush()
			r.b.WriteString("<pre><code>")
			for first := true; i+1 < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "```"); first = false {
				i++
				if !first {
					r.b.WriteByte('\n')
				}
				r.work += len(lines[i])
				r.escape(lines[i])
			}
			i++ // the closing fence, if any
			r.b.WriteString("</code></pre>\n")
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		para = append(para, line)
	}
	flush()
	return r.b.String()
}

// Limits of the inline syntax.
const (
	maxLinkTextRunes = 500
	maxMentionBytes  = 40
)

// inline renders one line's inline markup into r.b; links inside link
// text are not links again.
//
// Each construct starts at an ASCII byte, so the loop can look at every
// byte: continuation bytes of a multi-byte character never start one.
// Plain text is written in runs, escaped.
func (r *mdRenderer) inline(s string, links bool) {
	var (
		text int // start of the plain text not yet written
		link linkScan
		bare bareScan
	)
	start := func(i int) {
		r.escape(s[text:i])
	}
	for i := 0; i < len(s); {
		r.work++
		end := -1 // where the construct at i ends, if there is one
		switch c := s[i]; {
		case c == '`':
			// A failed search means no later '`' in s, so it happens once.
			j := strings.IndexByte(s[i+1:], '`')
			r.scanned(s[i+1:], j, 1)
			if j >= 0 {
				start(i)
				r.b.WriteString("<code>")
				r.escape(s[i+1 : i+1+j])
				r.b.WriteString("</code>")
				end = i + j + 2
			}
		case c == '[' && links:
			if e, target, ok := link.at(r, s, i); ok {
				start(i)
				r.b.WriteString(`<a href="`)
				r.escape(target)
				r.b.WriteString(`" rel="nofollow ugc">`)
				r.inline(s[i+1:link.close], false)
				r.b.WriteString("</a>")
				end = e
			}
		case c == 'h' && links && atWordStart(s, i):
			if e, ok := bare.at(r, s, i); ok {
				start(i)
				r.b.WriteString(`<a href="`)
				r.escape(s[i:e])
				r.b.WriteString(`" rel="nofollow ugc">`)
				r.escape(s[i:e])
				r.b.WriteString("</a>")
				end = e
			}
		case c == '*' && i+1 < len(s) && s[i+1] == '*':
			// A failed search means no later "**" past i+2, or "****":
			// at most two long scans in s.
			j := strings.Index(s[i+2:], "**")
			r.scanned(s[i+2:], j, 2)
			if j > 0 {
				start(i)
				r.b.WriteString("<strong>")
				r.inline(s[i+2:i+2+j], links)
				r.b.WriteString("</strong>")
				end = i + j + 4
			}
		case c == '*' && i+1 < len(s) && s[i+1] != ' ':
			// Each search stops at the next '*', so failed ones do not
			// overlap.
			j := strings.IndexByte(s[i+1:], '*')
			r.scanned(s[i+1:], j, 1)
			if j > 0 && s[i+j] != ' ' {
				start(i)
				r.b.WriteString("<em>")
				r.inline(s[i+1:i+1+j], links)
				r.b.WriteString("</em>")
				end = i + j + 2
			}
		case c == '@' && links && atWordStart(s, i):
			e := i + 1
			for e < len(s) && e-i-1 < maxMentionBytes && isNameByte(s[e]) {
				e++
			}
			r.work += e - i
			if e > i+1 {
				name := strings.TrimRight(s[i+1:e], "-_")
				start(i)
				r.b.WriteString(`<a href="/u/`)
				r.b.WriteString(url.PathEscape(name))
				r.b.WriteString(`" class="mention">@`)
				r.escape(name)
				r.b.WriteString("</a>")
				end = i + 1 + len(name)
			}
		}
		if end < 0 {
			i++
			continue
		}
		i, text = end, end
	}
	r.escape(s[text:])
}

// scanned counts the bytes a search of s for a delimiter of n bytes
// examined, found at j or not (-1).
func (r *mdRenderer) scanned(s string, j, n int) {
	if j < 0 {
		r.work += len(s)
	} else {
		r.work += j + n
	}
}

// escape writes s as html.EscapeString would.
func (r *mdRenderer) escape(s string) {
	r.work += len(s)
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		default:
			continue
		}
		r.b.WriteString(s[last:i])
		r.b.WriteString(esc)
		last = i + 1
	}
	r.b.WriteString(s[last:])
}

func atWordStart(s string, i int) bool {
	return i == 0 || strings.IndexByte(" \t([{\"'", s[i-1]) >= 0
}

// isNameByte reports whether b may be in a mentioned user name.
func isNameByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_' || b == '-'
}

// isLinkTargetByte reports whether b may be in a [text](target): not
// white space, parentheses, angle brackets or a double quote.
func isLinkTargetByte(b byte) bool {
	return !isSpaceByte(b) && strings.IndexByte(`()<>"`, b) < 0
}

// isBareURLByte reports whether b may be in a bare address; parentheses
// may, and are trimmed from its end.
func isBareURLByte(b byte) bool {
	return !isSpaceByte(b) && strings.IndexByte(`<>"`, b) < 0
}

func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r'
}

// httpScheme returns the length of the "http://" or "https://" s starts
// with, or 0.
func httpScheme(s string) int {
	switch {
	case strings.HasPrefix(s, "https://"):
		return len("https://")
	case strings.HasPrefix(s, "http://"):
		return len("http://")
	}
	return 0
}

// linkScan finds [text](target) links in one string. Every '[' before a
// ']' shares that ']' and so the target after it: both are found once.
type linkScan struct {
	known bool
	close int // the first ']' or '\n' after the last '[' asked about, or len(s)
	// runes counts the characters of s[runesFrom:close], -1 if not yet.
	runesFrom, runes int
	// For the ']' at close: whether "(target)" follows, where it ends
	// and its target.
	targetKnown, targetOK bool
	end                   int
	target                string
}

// at reports whether a link starts at the '[' at s[i], where it ends and
// its target. Calls come with increasing i.
func (l *linkScan) at(r *mdRenderer, s string, i int) (end int, target string, ok bool) {
	if !l.known || l.close <= i {
		j := strings.IndexAny(s[i+1:], "]\n")
		r.scanned(s[i+1:], j, 1)
		l.known, l.close, l.runes, l.targetKnown = true, len(s), -1, false
		if j >= 0 {
			l.close = i + 1 + j
		}
	}
	c := l.close
	if c == len(s) || s[c] != ']' || c == i+1 {
		return 0, "", false
	}
	if n := c - (i + 1); n > maxLinkTextRunes {
		// Too long for certain, or count the characters, from where the
		// last count got to.
		if n > maxLinkTextRunes*utf8.UTFMax {
			return 0, "", false
		}
		if l.runes < 0 {
			l.runesFrom, l.runes = i+1, utf8.RuneCountInString(s[i+1:c])
			r.work += n
		}
		r.work += i + 1 - l.runesFrom
		l.runes -= utf8.RuneCountInString(s[l.runesFrom : i+1])
		l.runesFrom = i + 1
		if l.runes > maxLinkTextRunes {
			return 0, "", false
		}
	}
	if !l.targetKnown {
		l.targetKnown = true
		l.targetOK, l.end, l.target = linkTarget(r, s, c)
	}
	return l.end, l.target, l.targetOK
}

// linkTarget reads the "(http...)" after the ']' at s[c].
func linkTarget(r *mdRenderer, s string, c int) (ok bool, end int, target string) {
	p := c + 1
	if p >= len(s) || s[p] != '(' {
		return false, 0, ""
	}
	p++
	n := httpScheme(s[p:])
	if n == 0 {
		return false, 0, ""
	}
	e := p + n
	for e < len(s) && isLinkTargetByte(s[e]) {
		e++
	}
	r.work += e - p
	if e == p+n || e == len(s) || s[e] != ')' {
		return false, 0, ""
	}
	r.work += e - p
	if !validLink(s[p:e]) {
		return false, 0, ""
	}
	return true, e + 1, s[p:e]
}

// bareScan finds bare http(s) addresses in one string. An address that
// is not valid can hold another one, "http://%(http://x", so the same
// bytes would be examined again and again; instead it remembers the run
// of address bytes and where the next '#', '?', '/', control byte and bad
// escape are.
type bareScan struct {
	known       bool
	runEnd      int // end of the run of address bytes holding the last i
	trimmed     int // runEnd less the punctuation an address does not end with
	hash, query nextByte
	slash, ctl  nextByte
	pathEscape  nextByte
	fragEscape  nextByte
}

// at reports whether a bare address starts at s[i] and where it ends.
// Calls come with increasing i.
func (b *bareScan) at(r *mdRenderer, s string, i int) (end int, ok bool) {
	n := httpScheme(s[i:])
	if n == 0 {
		return 0, false
	}
	if !b.known || b.runEnd <= i {
		// i is not inside the last run, and a run ends at the first
		// byte that cannot be in an address, wherever in it it starts.
		e := i
		for e < len(s) && isBareURLByte(s[e]) {
			e++
		}
		t := e
		for t > i && strings.IndexByte(".,;:!?)]'", s[t-1]) >= 0 {
			t--
		}
		r.work += e - i + e - t
		b.known, b.runEnd, b.trimmed = true, e, t
	}
	// The address needs a byte after the scheme; trimming stops at the
	// scheme's last '/', so b.trimmed >= i+n.
	if b.runEnd <= i+n || !b.validURL(r, s, i, n) {
		return 0, false
	}
	return b.trimmed, true
}

// validURL reports whether validLink(s[i:b.trimmed]) holds, the scheme
// being n bytes, by checking each part url.Parse checks, where it
// checks it: no control bytes before the fragment, the authority (given
// to url.Parse alone), and well-formed escapes in the path and fragment.
// Authorities of successive addresses do not overlap, and each search
// continues from where the last one stopped, so all calls for one line
// examine each byte a bounded number of times.
func (b *bareScan) validURL(r *mdRenderer, s string, i, n int) bool {
	t := b.trimmed
	hash := min(b.hash.next(r, s, i+n, isHash), t)
	if b.ctl.next(r, s, i, isCTLByte) < hash {
		return false
	}
	query := min(b.query.next(r, s, i+n, isQuery), hash)
	authEnd := min(b.slash.next(r, s, i+n, isSlash), query)
	r.work += authEnd - i
	if u, err := url.Parse(s[i:authEnd]); err != nil || u.Host == "" {
		return false
	}
	// A '%' that is not followed by two hex digits anywhere in s is not
	// followed by them within the part either, and the byte ending each
	// part ('?', '#', trimmed punctuation, a non-address byte) is not a
	// hex digit, so checking against all of s is exact.
	if authEnd < query && b.pathEscape.next(r, s, authEnd, isBadEscape) < query {
		return false
	}
	if hash < t && b.fragEscape.next(r, s, hash+1, isBadEscape) < t {
		return false
	}
	return true
}

// nextByte finds the next index matching a predicate at or after a
// position. Asked with increasing positions, it examines each byte of s
// once.
type nextByte struct {
	known    bool
	from, at int // s[from:at] has no match; at is a match or len(s)
}

func (nb *nextByte) next(r *mdRenderer, s string, x int, match func(s string, k int) bool) int {
	if nb.known && nb.from <= x && x <= nb.at {
		return nb.at
	}
	k := x
	for k < len(s) && !match(s, k) {
		k++
	}
	r.work += k - x + 1
	nb.known, nb.from, nb.at = true, x, k
	return k
}

func isHash(s string, k int) bool  { return s[k] == '#' }
func isQuery(s string, k int) bool { return s[k] == '?' }
func isSlash(s string, k int) bool { return s[k] == '/' }

func isCTLByte(s string, k int) bool { return s[k] < ' ' || s[k] == 0x7f }

// isBadEscape reports whether s[k] is a '%' that url.Parse refuses in a
// path or fragment.
func isBadEscape(s string, k int) bool {
	return s[k] == '%' && !(k+2 < len(s) && isHex(s[k+1]) && isHex(s[k+2]))
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// validLink accepts only absolute http and https URLs with a host.
func validLink(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
