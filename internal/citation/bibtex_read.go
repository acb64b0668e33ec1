package citation

import (
	"io"
	"regexp"
	"sort"
	"strings"
)

// entryTypes are the BibTeX and biblatex entry types. "@" followed by
// another word is text between entries (an e-mail address in a comment),
// which BibTeX skips too.
var entryTypes = map[string]bool{
	"article": true, "book": true, "booklet": true, "conference": true, "inbook": true,
	"incollection": true, "inproceedings": true, "manual": true, "mastersthesis": true,
	"misc": true, "phdthesis": true, "proceedings": true, "techreport": true, "unpublished": true,
	"online": true, "electronic": true, "www": true, "report": true, "thesis": true,
	"software": true, "dataset": true, "patent": true, "collection": true, "periodical": true,
	"string": true, "preamble": true, "comment": true,
}

// ParseBibTeX reads a BibTeX file as BibTeX reads it: entries in braces or
// parentheses, values in braces or quotes (with nested braces), numbers,
// @string macros (and the month names) joined with #; @comment and
// @preamble are skipped, as is text between entries. A field given twice
// keeps its first value, as BibTeX does.
func ParseBibTeX(r io.Reader) ([]Entry, error) {
	src, err := readAll(r)
	if err != nil {
		return nil, err
	}
	p := &bibParser{src: src, macros: map[string]string{}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			p.newlines = append(p.newlines, i)
		}
	}
	for _, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		p.macros[m] = strings.ToUpper(m[:1]) + m[1:]
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.entries, nil
}

type bibParser struct {
	src      string
	pos      int
	newlines []int // offsets of '\n', for line numbers
	macros   map[string]string
	entries  []Entry
	// suspect is the line of the current entry's first braced value that
	// holds what looks like the next field ("year = 2020"): when the
	// entry then fails to close, that brace is the likely culprit.
	suspect int
}

var fieldLine = regexp.MustCompile(`(?m)^\s*[A-Za-z][\w-]*\s*=\s*[{"0-9]`)

// blame turns an entry's error into "unterminated brace" at the suspect
// value's line, when there is one.
func (p *bibParser) blame(err error, what string) error {
	if p.suspect == 0 {
		return err
	}
	return syntaxError(p.suspect, "unterminated brace in %s", what)
}

func (p *bibParser) line(pos int) int { return sort.SearchInts(p.newlines, pos) + 1 }

func (p *bibParser) parse() error {
	for {
		i := strings.IndexByte(p.src[p.pos:], '@')
		if i < 0 {
			return nil
		}
		at := p.pos + i
		p.pos = at + 1
		p.skipSpace()
		typ := strings.ToLower(p.ident())
		if !entryTypes[typ] {
			continue
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '{' && p.src[p.pos] != '(' {
			if typ == "comment" {
				continue // "@comment text" comments out nothing but itself
			}
			return syntaxError(p.line(at), "@%s without { after it", typ)
		}
		closer := byte('}')
		if p.src[p.pos] == '(' {
			closer = ')'
		}
		var err error
		switch typ {
		case "comment":
			err = p.skipGroup(at)
		case "preamble":
			p.pos++
			_, err = p.value("@preamble", "preamble", closer)
			if err == nil {
				err = p.close(at, closer, "@preamble")
			}
		case "string":
			err = p.macro(at, closer)
		default:
			err = p.entry(at, typ, closer)
		}
		if err != nil {
			return err
		}
	}
}

// skipGroup skips a @comment's braced or parenthesised body.
func (p *bibParser) skipGroup(at int) error {
	open := p.src[p.pos]
	if open == '{' {
		_, err := p.braced("@comment")
		return err
	}
	end := strings.IndexByte(p.src[p.pos:], ')')
	if end < 0 {
		return syntaxError(p.line(at), "unterminated @comment")
	}
	p.pos += end + 1
	return nil
}

func (p *bibParser) macro(at int, closer byte) error {
	p.pos++
	p.skipSpace()
	name := strings.ToLower(p.ident())
	if name == "" {
		return syntaxError(p.line(p.pos), "@string without a name")
	}
	p.skipSpace()
	if !p.eat('=') {
		return syntaxError(p.line(p.pos), "expected = after @string name %s", name)
	}
	v, err := p.value("@string "+name, name, closer)
	if err != nil {
		return err
	}
	p.macros[name] = v
	return p.close(at, closer, "@string "+name)
}

func (p *bibParser) close(at int, closer byte, what string) error {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return syntaxError(p.line(at), "%s is not closed", what)
	}
	if !p.eat(closer) {
		return syntaxError(p.line(p.pos), "expected %c to close %s, found %q", closer, what, p.src[p.pos])
	}
	return nil
}

func (p *bibParser) entry(at int, typ string, closer byte) error {
	if len(p.entries) >= MaxEntries {
		return tooLarge("more than %d entries: split the file", MaxEntries)
	}
	p.pos++
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.src) && !isSpace(p.src[p.pos]) && strings.IndexByte(",{}()\"=#%", p.src[p.pos]) < 0 {
		p.pos++
	}
	key := p.src[start:p.pos]
	if len(key) > 200 {
		return syntaxError(p.line(start), "entry key longer than 200 bytes")
	}
	what := "entry " + key
	if key == "" {
		what = "the @" + typ + " entry"
	}
	fields := map[string]string{}
	p.suspect = 0
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '=' {
		return syntaxError(p.line(at), "@%s entry has no key", typ)
	}
	if !p.eat(',') {
		if err := p.close(at, closer, what); err != nil {
			return err
		}
	} else {
		for {
			p.skipSpace()
			if p.pos >= len(p.src) {
				return p.blame(syntaxError(p.line(at), "%s is not closed", what), what)
			}
			if p.eat(closer) {
				break
			}
			fstart := p.pos
			name := strings.ToLower(p.ident())
			if name == "" {
				return syntaxError(p.line(p.pos), "expected a field name in %s, found %q", what, p.src[p.pos])
			}
			p.skipSpace()
			if !p.eat('=') {
				return syntaxError(p.line(fstart), "expected = after field %s in %s", name, what)
			}
			v, err := p.value(what, name, closer)
			if err != nil {
				return p.blame(err, what)
			}
			if _, dup := fields[name]; !dup {
				fields[name] = v
			}
			p.skipSpace()
			if p.eat(',') {
				continue
			}
			if p.eat(closer) {
				break
			}
			if p.pos >= len(p.src) {
				return p.blame(syntaxError(p.line(at), "%s is not closed", what), what)
			}
			return p.blame(syntaxError(p.line(p.pos), "expected , or %c after field %s in %s", closer, name, what), what)
		}
	}
	p.entries = append(p.entries, bibEntry(p.line(at), key, typ, fields))
	return nil
}

// value reads a field's value: parts joined with #.
func (p *bibParser) value(what, field string, closer byte) (string, error) {
	var b strings.Builder
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return "", syntaxError(p.line(p.pos), "%s ends inside field %s", what, field)
		}
		start := p.pos
		switch c := p.src[p.pos]; {
		case c == '{':
			s, err := p.braced(what)
			if err != nil {
				return "", err
			}
			if p.suspect == 0 && strings.Contains(s, "\n") && fieldLine.MatchString(s) {
				p.suspect = p.line(start)
			}
			b.WriteString(s)
		case c == '"':
			s, err := p.quoted(what)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case c >= '0' && c <= '9':
			for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
				p.pos++
			}
			b.WriteString(p.src[start:p.pos])
		default:
			name := strings.ToLower(p.ident())
			if name == "" {
				return "", syntaxError(p.line(start), "expected a value for field %s in %s, found %q", field, what, c)
			}
			b.WriteString(p.macros[name]) // an unknown macro is empty, as in BibTeX
		}
		if b.Len() > MaxFieldBytes {
			return "", syntaxError(p.line(start), "field %s in %s is longer than %d bytes", field, what, MaxFieldBytes)
		}
		p.skipSpace()
		if !p.eat('#') {
			return b.String(), nil
		}
	}
}

// braced reads {...} with nested braces and returns what is inside.
// BibTeX counts every brace, escaped or not, and so does this. A line
// that starts a new entry inside the braces means the brace was never
// closed: reading on would swallow the following entries.
func (p *bibParser) braced(what string) (string, error) {
	open := p.pos
	depth := 0
	for i := p.pos; i < len(p.src); i++ {
		switch p.src[i] {
		case '{':
			if depth++; depth > maxBraceDepth {
				return "", syntaxError(p.line(i), "braces nested deeper than %d in %s", maxBraceDepth, what)
			}
		case '}':
			if depth--; depth == 0 {
				p.pos = i + 1
				return p.src[open+1 : i], nil
			}
		case '\n':
			if p.startsEntry(i + 1) {
				return "", syntaxError(p.line(open), "unterminated brace in %s", what)
			}
		}
		if i-open > MaxFieldBytes {
			return "", syntaxError(p.line(open), "field in %s is longer than %d bytes", what, MaxFieldBytes)
		}
	}
	return "", syntaxError(p.line(open), "unterminated brace in %s", what)
}

func (p *bibParser) quoted(what string) (string, error) {
	open := p.pos
	depth := 0
	for i := p.pos + 1; i < len(p.src); i++ {
		switch p.src[i] {
		case '{':
			if depth++; depth > maxBraceDepth {
				return "", syntaxError(p.line(i), "braces nested deeper than %d in %s", maxBraceDepth, what)
			}
		case '}':
			if depth--; depth < 0 {
				// The } that closes the entry: the quote was never closed.
				return "", syntaxError(p.line(open), "unterminated quote in %s", what)
			}
		case '"':
			if depth == 0 {
				p.pos = i + 1
				return p.src[open+1 : i], nil
			}
		case '\n':
			if p.startsEntry(i + 1) {
				return "", syntaxError(p.line(open), "unterminated quote in %s", what)
			}
		}
		if i-open > MaxFieldBytes {
			return "", syntaxError(p.line(open), "field in %s is longer than %d bytes", what, MaxFieldBytes)
		}
	}
	return "", syntaxError(p.line(open), "unterminated quote in %s", what)
}

// startsEntry reports whether the line at i starts with "@type{".
func (p *bibParser) startsEntry(i int) bool {
	for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t') {
		i++
	}
	if i >= len(p.src) || p.src[i] != '@' {
		return false
	}
	j := i + 1
	for j < len(p.src) && isIdentByte(p.src[j]) {
		j++
	}
	if !entryTypes[strings.ToLower(p.src[i+1:j])] {
		return false
	}
	for j < len(p.src) && isSpace(p.src[j]) {
		j++
	}
	return j < len(p.src) && (p.src[j] == '{' || p.src[j] == '(')
}

func (p *bibParser) ident() string {
	start := p.pos
	for p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// isIdentByte: BibTeX allows most printing characters in names; these
// are the ones real files use.
func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == ':' || c == '+' || c == '/' || c == '\''
}

func (p *bibParser) skipSpace() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case isSpace(c):
			p.pos++
		case c == '%':
			// Not BibTeX's, but JabRef and people write % comments
			// between fields.
			if end := strings.IndexByte(p.src[p.pos:], '\n'); end >= 0 {
				p.pos += end + 1
			} else {
				p.pos = len(p.src)
			}
		default:
			return
		}
	}
}

func (p *bibParser) eat(c byte) bool {
	if p.pos < len(p.src) && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// bibEntry turns a BibTeX entry's fields into an Entry.
func bibEntry(line int, key, typ string, f map[string]string) Entry {
	e := Entry{Line: line, Key: key, Type: typ}
	prefix := strings.ToLower(plain(f["archiveprefix"] + f["eprinttype"]))
	if prefix == "" || prefix == "arxiv" {
		e.ArxivID = arxivIDOf(plain(f["eprint"]))
	}
	for _, name := range []string{"arxivid", "arxiv", "arxiv_id"} {
		if e.ArxivID == "" {
			e.ArxivID = arxivIDOf(plain(f[name]))
		}
	}
	for _, u := range strings.Fields(f["url"]) {
		e.URLs = append(e.URLs, u)
		if e.ArxivID == "" {
			e.ArxivID = arxivIDOf(u)
		}
		if e.DOI == "" {
			e.DOI = doiOf(u)
		}
	}
	if d := doiOf(plain(f["doi"])); d != "" {
		e.DOI = d
	}
	if e.ArxivID == "" {
		e.ArxivID = arxivIDOf(e.DOI)
	}
	for _, name := range []string{"journal", "note", "howpublished", "booktitle", "journaltitle", "publisher", "annote"} {
		if e.ArxivID == "" {
			e.ArxivID = arxivIDInText(f[name])
		}
	}
	e.Title = plain(f["title"])
	e.Authors = bibAuthors(f["author"])
	e.Year = yearOf(f["year"])
	if e.Year == 0 {
		e.Year = yearOf(f["date"])
	}
	e.Journal = plain(f["journal"] + f["journaltitle"])
	return e
}
