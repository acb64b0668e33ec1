package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// kaggleRecord is one line of the Kaggle "arxiv-metadata-oai-snapshot" dump.
type kaggleRecord struct {
	ID            *string              `json:"id"`
	Submitter     *string              `json:"submitter"`
	Authors       *string              `json:"authors"`
	Title         *string              `json:"title"`
	Comments      *string              `json:"comments"`
	JournalRef    *string              `json:"journal-ref"`
	DOI           *string              `json:"doi"`
	ReportNo      *string              `json:"report-no"`
	Categories    *string              `json:"categories"`
	License       *string              `json:"license"`
	Abstract      *string              `json:"abstract"`
	Versions      []arxiv.VersionEntry `json:"versions"`
	UpdateDate    *string              `json:"update_date"`
	AuthorsParsed [][]string           `json:"authors_parsed"`
}

// parseKaggle turns one Kaggle JSON line into a paper.
func parseKaggle(line []byte) (store.Paper, error) {
	var r kaggleRecord
	if err := json.Unmarshal(line, &r); err != nil {
		return store.Paper{}, fmt.Errorf("malformed JSON: %w", err)
	}
	if r.ID == nil || strings.TrimSpace(*r.ID) == "" {
		return store.Paper{}, errors.New("missing id")
	}
	id, err := arxiv.ParseID(*r.ID)
	if err != nil {
		return store.Paper{}, err
	}
	p := store.Paper{
		ID:         id.Base,
		Title:      CleanText(str(r.Title)),
		Abstract:   CleanAbstract(str(r.Abstract)),
		Comments:   CleanText(str(r.Comments)),
		JournalRef: CleanText(str(r.JournalRef)),
		DOI:        strings.TrimSpace(str(r.DOI)),
		ReportNo:   strings.TrimSpace(str(r.ReportNo)),
		License:    strings.TrimSpace(str(r.License)),
		Submitter:  strings.TrimSpace(str(r.Submitter)),
	}
	if p.Title == "" {
		return store.Paper{}, fmt.Errorf("paper %s: missing title", id.Base)
	}
	if p.Categories, p.Classification, err = ParseCategories(str(r.Categories)); err != nil {
		return store.Paper{}, fmt.Errorf("paper %s: %w", id.Base, err)
	}
	p.Authors = SplitAuthors(str(r.Authors))
	if len(p.Authors) == 0 {
		p.Authors = joinParsedAuthors(r.AuthorsParsed)
	}
	if err := SetVersions(&p, r.Versions); err != nil {
		return store.Paper{}, err
	}
	if id.Version > p.Version { // an id that names a version the list lacks
		p.Version = id.Version
	}
	return p, nil
}

// SetVersions reads a record's version list into p.Versions and takes from
// it the latest version, when it and the first were submitted, and the day
// the paper was listed. Every source that carries arXiv's version list
// (the Kaggle dump, OAI arXivRaw) reads it this way.
func SetVersions(p *store.Paper, entries []arxiv.VersionEntry) error {
	for _, e := range entries {
		n, err := arxiv.ParseVersion(e.Label)
		if err != nil {
			return fmt.Errorf("paper %s: %w", p.ID, err)
		}
		created, err := arxiv.ParseVersionDate(e.Date)
		if err != nil {
			return fmt.Errorf("paper %s v%d: %w", p.ID, n, err)
		}
		p.Versions = append(p.Versions, store.Version{Version: n, Created: created})
	}
	if len(p.Versions) == 0 {
		return fmt.Errorf("paper %s: no versions", p.ID)
	}
	// The lists are in order, but take no chances.
	for _, v := range p.Versions {
		if v.Version > p.Version {
			p.Version, p.LatestVersionAt = v.Version, v.Created
		}
		if p.FirstVersionAt.IsZero() || v.Created.Before(p.FirstVersionAt) {
			p.FirstVersionAt = v.Created
		}
	}
	p.ListedOn = ListedOn(p.FirstVersionAt)
	return nil
}

// ListedOn dates the listing that announced a paper first submitted at t.
// Records made from listing pages rather than the OAI dump (such as
// shared/data/arxiv-cs) carry the listing day itself at midnight UTC.
func ListedOn(firstVersion time.Time) time.Time {
	if firstVersion.IsZero() {
		return time.Time{}
	}
	if firstVersion.Hour() == 0 && firstVersion.Minute() == 0 && firstVersion.Second() == 0 {
		return firstVersion
	}
	return arxiv.AnnouncementDate(firstVersion)
}

// ParseCategories splits the categories field into the arXiv categories
// and what follows them: crawls of listing pages append the MSC and ACM
// classes as the authors wrote them ("68T45 (Primary), I.2.10;"), which is
// kept as free text.
func ParseCategories(s string) (cats []string, classification string, err error) {
	fields := strings.Fields(s)
	for i, tok := range fields {
		if c := strings.TrimRight(tok, ",;"); arxiv.ValidCategory(c) {
			cats = append(cats, c)
			continue
		}
		if i == 0 {
			return nil, "", fmt.Errorf("bad category %q", tok)
		}
		classification = strings.Join(fields[i:], " ")
		break
	}
	if len(cats) == 0 {
		return nil, "", errors.New("no categories")
	}
	return cats, classification, nil
}

// SplitAuthors splits the dump's author string ("A. One, B. Two and C.
// Three (MIT)") into names, dropping parenthesised affiliations.
func SplitAuthors(s string) []string {
	s = stripParens(strings.Join(strings.Fields(s), " "))
	var names []string
	for _, part := range strings.Split(s, ",") {
		for _, name := range splitAnd(part) {
			if name = strings.TrimSpace(name); IsName(name) {
				names = append(names, name)
			}
		}
	}
	return names
}

// splitAnd splits "A and B" but not names that contain "and".
func splitAnd(s string) []string {
	var out []string
	for {
		i := strings.Index(s, " and ")
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+5:]
	}
}

// stripParens removes parenthesised text, nested or not, such as
// affiliations. An unbalanced "(" keeps the rest of the string as is.
func stripParens(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for i, r := range s {
		switch {
		case r == '(':
			if depth == 0 && !strings.Contains(s[i:], ")") {
				b.WriteString(s[i:])
				return b.String()
			}
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func joinParsedAuthors(parsed [][]string) []string {
	var names []string
	for _, a := range parsed {
		if len(a) < 2 {
			continue
		}
		name := strings.TrimSpace(a[1] + " " + a[0])
		if len(a) > 2 && strings.TrimSpace(a[2]) != "" {
			name += " " + strings.TrimSpace(a[2])
		}
		if IsName(name) {
			names = append(names, name)
		}
	}
	return names
}

// IsName reports whether s can be an author's name: it holds a letter or a
// digit. Crawled author strings such as "MiniMax, :, Aili Chen" otherwise
// leave punctuation standing as an author.
func IsName(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// CleanText collapses the dump's hard line wraps and runs of spaces.
func CleanText(s string) string { return strings.Join(strings.Fields(s), " ") }

// CleanAbstract undoes the dump's hard wrapping at 80 columns while keeping
// paragraphs: in arXiv abstracts a line that starts with spaces opens a new
// paragraph. LaTeX is kept as written.
func CleanAbstract(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	var b strings.Builder
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if i > 0 && b.Len() > 0 {
			if line[0] == ' ' || line[0] == '\t' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(strings.Join(strings.Fields(trimmed), " "))
	}
	return b.String()
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
