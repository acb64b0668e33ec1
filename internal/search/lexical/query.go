package lexical

import (
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxQueryLen is the longest query, in bytes, that Parse accepts.
const MaxQueryLen = 250

var (
	// ErrEmptyQuery is returned for a query with nothing but white space.
	ErrEmptyQuery = errors.New("search: empty query: type a few words, a \"phrase\", or a field such as au:name")
	// ErrQueryTooLong is returned for a query longer than MaxQueryLen bytes.
	ErrQueryTooLong = errors.New("search: query too long: at most 250 characters")
	// ErrNotReady is returned by a searcher whose index is still being
	// loaded or built (the indexer, while a process starts). Servers
	// answer it with a wait; its text is shown to people as it is.
	ErrNotReady = errors.New("the search index is being built; try again shortly")
)

// SortOrder orders the hits of a search.
type SortOrder int

// Sort orders. Newest and MostUpvoted require every plain word to match.
const (
	SortRelevance SortOrder = iota
	SortNewest
	SortMostUpvoted
)

func (o SortOrder) String() string {
	switch o {
	case SortNewest:
		return "newest"
	case SortMostUpvoted:
		return "upvotes"
	}
	return "relevance"
}

// ParseSortOrder reads "relevance", "newest" or "upvotes" (and a few synonyms).
func ParseSortOrder(s string) (SortOrder, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "relevance", "rel", "score", "best":
		return SortRelevance, true
	case "newest", "new", "date", "recent", "latest":
		return SortNewest, true
	case "upvotes", "upvoted", "votes", "popular", "top", "most-upvoted":
		return SortMostUpvoted, true
	}
	return SortRelevance, false
}

// Field is the part of a paper a clause searches.
type Field int

// Fields. FieldText is title, abstract and author names together.
const (
	FieldText Field = iota
	FieldTitle
	FieldAbstract
	FieldAuthor
	FieldCategory
	FieldID
)

func (f Field) mask() uint8 {
	switch f {
	case FieldTitle:
		return maskTitle
	case FieldAbstract:
		return maskAbstract
	}
	return 0
}

// Clause is a required or excluded part of a query: all its terms must occur
// in the field, at the given relative positions when Phrase is set.
type Clause struct {
	Field  Field
	Text   string   // as typed, for display
	Terms  []string // index terms
	Pos    []int    // relative position of each term (phrases only)
	Phrase bool
}

// Query is a parsed query.
type Query struct {
	Raw   string
	Terms []string // optional words: more matches rank higher
	// Words is what the query says in words, as typed: its plain words and
	// the text of its phrases and title or abstract clauses, without
	// fields, filters, exclusions or sort orders. It is what a search by
	// meaning looks for.
	Words string
	// Weights counts the optional words given more than once; a word's
	// score is multiplied by its count (bounded), as BM25 does with the
	// query term frequency.
	Weights  map[string]int
	Required []Clause
	Excluded []Clause
	After    time.Time // inclusive; zero for no bound
	Before   time.Time // exclusive; zero for no bound
	Sort     SortOrder
	HasSort  bool // the query chose a sort order (sort:newest)
}

// IsEmpty reports whether the query has nothing to match or filter on.
func (q *Query) IsEmpty() bool {
	return len(q.Terms) == 0 && len(q.Required) == 0 && q.After.IsZero() && q.Before.IsZero()
}

// Parse parses the query language:
//
//	words                 optional terms; documents matching more rank higher
//	"a phrase"            required phrase
//	-word  -"a phrase"    exclusion
//	ti: abs: au: cat: id: field restriction (required), e.g. au:"Yann LeCun", cat:cs.CL, cat:cs
//	after:2025-06-01 before:2026 year:2025    date filters (listed date)
//	sort:newest sort:upvotes sort:relevance
//
// When a query has both required clauses and optional words, a paper must
// also match at least one of the words.
//
// Anything it cannot make sense of is searched as plain words. It never
// panics; it fails only with ErrEmptyQuery or ErrQueryTooLong.
func Parse(s string) (*Query, error) {
	if len(s) > MaxQueryLen {
		return nil, ErrQueryTooLong
	}
	return parseLong(s)
}

// parseLong is Parse without the length limit.
func parseLong(s string) (*Query, error) {
	return parse(s, (*parser).parse)
}

// ParseWords reads s as plain words, without the query language and
// without the length limit: the query for searching with a document's own
// text, whose quotes and dashes are prose ("Not not bad" is not "bad", a
// paper title), not phrases and exclusions.
func ParseWords(s string) (*Query, error) {
	return parse(s, (*parser).plain)
}

func parse(s string, read func(*parser, string)) (*Query, error) {
	if strings.TrimSpace(s) == "" {
		return nil, ErrEmptyQuery
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	a := analyzers.Get().(*analyzer)
	defer analyzers.Put(a)
	p := &parser{q: &Query{Raw: s}, a: a, seen: map[string]bool{}}
	read(p, s)
	p.q.Words = p.words.String()
	return p.q, nil
}

type parser struct {
	q     *Query
	a     *analyzer
	seen  map[string]bool
	words strings.Builder // Query.Words, token by token
}

var fieldNames = map[string]Field{
	"ti": FieldTitle, "title": FieldTitle,
	"abs": FieldAbstract, "abstract": FieldAbstract,
	"au": FieldAuthor, "author": FieldAuthor, "authors": FieldAuthor,
	"cat": FieldCategory, "category": FieldCategory,
	"id": FieldID, "arxiv": FieldID,
}

// startsWord reports whether s begins with a letter, a digit or a quote.
func startsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '"' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v'
}

func (p *parser) parse(s string) {
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return
		}
		var more bool
		if i, more = p.token(s, i); !more {
			return
		}
	}
}

// token reads the token that starts at s[i] and returns where it ends;
// false means the rest of s was read as plain words.
func (p *parser) token(s string, i int) (int, bool) {
	tokStart := i
	neg := false
	// A dash excludes only what could be a word: "Spanish ->English"
	// is an arrow.
	if s[i] == '-' && i+1 < len(s) && startsWord(s[i+1:]) {
		neg = true
		i++
	}
	name, i := fieldPrefix(s, i)
	if i < len(s) && s[i] == '"' {
		k := strings.IndexByte(s[i+1:], '"')
		if k < 0 {
			// Unterminated quote: the rest is plain words.
			p.plain(s[i+1:])
			return len(s), false
		}
		if !p.clause(neg, name, s[i+1:i+1+k], true) {
			p.plain(s[tokStart : i+k+2])
		}
		return i + k + 2, true
	}
	j := i
	for j < len(s) && !isSpace(s[j]) {
		j++
	}
	if !p.clause(neg, name, s[i:j], false) {
		p.plain(s[tokStart:j])
	}
	return j, true
}

// fieldPrefix reads a known "name:" at s[i] and returns the lower-case name
// and where the value starts, or "" and i when there is none.
func fieldPrefix(s string, i int) (string, int) {
	j := i
	for j < len(s) && isASCIILetter(s[j]) {
		j++
	}
	if j == i || j+1 >= len(s) || s[j] != ':' || isSpace(s[j+1]) {
		return "", i
	}
	n := strings.ToLower(s[i:j])
	if _, ok := fieldNames[n]; ok || n == "after" || n == "before" || n == "year" || n == "sort" {
		return n, j + 1
	}
	return "", i
}

// plain adds the words of s as optional terms.
func (p *parser) plain(s string) {
	p.addWords(s)
	p.a.text(s, 0, func(term string, _ int, _ bool) {
		if !p.seen[term] {
			p.seen[term] = true
			p.q.Terms = append(p.q.Terms, term)
			return
		}
		if p.q.Weights == nil {
			p.q.Weights = map[string]int{}
		}
		p.q.Weights[term] = max(p.q.Weights[term], 1) + 1
	})
}

// textClause analyses s into a clause; joined forms of compounds are left
// out so that positions stay consecutive.
func (p *parser) textClause(f Field, s string, phrase bool) (Clause, bool) {
	c := Clause{Field: f, Text: s}
	first := -1
	p.a.text(s, 0, func(term string, pos int, joined bool) {
		if joined {
			return
		}
		if first < 0 {
			first = pos
		}
		c.Terms = append(c.Terms, term)
		c.Pos = append(c.Pos, pos-first)
	})
	if len(c.Terms) == 0 {
		return c, false
	}
	c.Phrase = phrase || len(c.Terms) > 1
	if !c.Phrase {
		c.Pos = nil
	}
	return c, true
}

func (p *parser) addWords(s string) {
	if s = strings.TrimSpace(s); s == "" {
		return
	}
	if p.words.Len() > 0 {
		p.words.WriteByte(' ')
	}
	p.words.WriteString(s)
}

// clause handles one token; false means "treat it as plain words".
func (p *parser) clause(neg bool, name, value string, quoted bool) bool {
	value = strings.TrimSpace(value)
	switch name {
	case "":
		return p.wordsClause(neg, value, quoted)
	case "after", "before", "year":
		return p.dateClause(neg, name, value)
	case "sort":
		o, ok := ParseSortOrder(value)
		if !ok || neg {
			return false
		}
		p.q.Sort, p.q.HasSort = o, true
		return true
	}
	return p.fieldClause(neg, fieldNames[name], value, quoted)
}

// add records c as required, or as excluded when neg; the words of a
// required text clause also go into Query.Words.
func (p *parser) add(neg bool, c Clause) {
	if neg {
		p.q.Excluded = append(p.q.Excluded, c)
		return
	}
	if c.Field == FieldText || c.Field == FieldTitle || c.Field == FieldAbstract {
		p.addWords(c.Text)
	}
	p.q.Required = append(p.q.Required, c)
}

// wordsClause handles a token without a field: a phrase or an excluded
// word is a clause, other words are plain.
func (p *parser) wordsClause(neg bool, value string, quoted bool) bool {
	if !quoted && !neg {
		return false
	}
	if c, ok := p.textClause(FieldText, value, quoted); ok {
		p.add(neg, c)
	}
	return true
}

// dateClause handles after:, before: and year:.
func (p *parser) dateClause(neg bool, name, value string) bool {
	if neg || value == "" {
		return false
	}
	lo, hi, ok := parseDateRange(value)
	if !ok {
		return false
	}
	switch name {
	case "after":
		p.q.After = lo
	case "before":
		p.q.Before = lo
	case "year":
		p.q.After, p.q.Before = lo, hi
	}
	return true
}

// fieldClause handles a token in field f (title, abstract, author,
// category or id).
func (p *parser) fieldClause(neg bool, f Field, value string, quoted bool) bool {
	switch f {
	case FieldTitle, FieldAbstract:
		if c, ok := p.textClause(f, value, quoted); ok {
			p.add(neg, c)
		}
		return true
	case FieldAuthor:
		if c := authorClause(value); len(c.Terms) > 0 {
			p.add(neg, c)
		}
		return true
	case FieldCategory:
		v := strings.ToLower(value)
		if v == "" || strings.ContainsFunc(v, unicode.IsSpace) {
			return false
		}
		p.add(neg, Clause{Field: f, Text: value, Terms: []string{categoryPrefix + v}})
		return true
	case FieldID:
		v := normalizeID(value)
		if v == "" {
			return false
		}
		p.add(neg, Clause{Field: f, Text: value, Terms: []string{idPrefix + v}})
		return true
	}
	return false
}

// authorClause returns the clause for an author's name.
func authorClause(value string) Clause {
	c := Clause{Field: FieldAuthor, Text: value}
	toks := authorTokens(value)
	long := slices.ContainsFunc(toks, func(t string) bool { return utf8.RuneCountInString(t) > 1 })
	for _, t := range toks {
		// Initials ("Y. LeCun") would demand a token the full name
		// does not have; they are left out when a longer token is there.
		if long && utf8.RuneCountInString(t) == 1 {
			continue
		}
		c.Terms = append(c.Terms, authorPrefix+t)
	}
	return c
}

// parseDateRange reads YYYY, YYYY-MM or YYYY-MM-DD and returns the start of
// that period and the start of the next one.
func parseDateRange(v string) (time.Time, time.Time, bool) {
	for _, l := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	} {
		if t, err := time.Parse(l.layout, v); err == nil {
			return t, l.next(t), true
		}
	}
	return time.Time{}, time.Time{}, false
}

// highlightTerms returns the text terms and author tokens a query looks for.
func (q *Query) highlightTerms() (text, authors map[string]bool) {
	text, authors = map[string]bool{}, map[string]bool{}
	for _, t := range q.Terms {
		text[t] = true
	}
	for _, c := range q.Required {
		for _, t := range c.Terms {
			switch c.Field {
			case FieldText, FieldTitle, FieldAbstract:
				text[t] = true
			case FieldAuthor:
				authors[strings.TrimPrefix(t, authorPrefix)] = true
			}
		}
	}
	return text, authors
}
