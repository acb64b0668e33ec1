package citation

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Lookup finds stored papers (*store.Store).
type Lookup interface {
	KnownPaperIDs(ctx context.Context, ids []string) (map[string]bool, error)
	PaperIDsByDOI(ctx context.Context, dois []string) (map[string][]string, error)
	PaperIDsByTitle(ctx context.Context, titles []string) (map[string][]string, error)
}

// Fetcher fetches papers from arXiv and stores them: the lookup that
// submissions use (community.PaperLookup; cli wires harvest.Harvester's
// Lookup with the arXiv API client).
type Fetcher interface {
	LookupPapers(ctx context.Context, ids []string) error
}

// DefaultMaxFetch bounds the papers one import fetches from arXiv: its API
// takes 100 ids a request and asks for three seconds between requests.
const DefaultMaxFetch = 300

// minTitleWords: a shorter title ("Introduction", "Attention") names too
// many papers to be matched on its own.
const minTitleWords = 3

// Matcher matches entries read from a file to papers.
type Matcher struct {
	Papers Lookup
	// Fetch fetches papers with arXiv ids that are not stored; nil leaves
	// them unmatched.
	Fetch Fetcher
	// MaxFetch bounds the papers fetched per Match; DefaultMaxFetch when 0.
	MaxFetch int
}

// Report says what became of each entry. Papers holds every paper the
// file names, once each, in the file's order: those found in the store
// (Matched) and those fetched from arXiv (Fetched).
type Report struct {
	Papers     []string    `json:"papers"`
	Matched    []string    `json:"matched"`
	Fetched    []string    `json:"fetched"`
	Unmatched  []Unmatched `json:"unmatched"`
	Duplicates int         `json:"duplicates"` // entries naming a paper named before
}

// Unmatched is an entry no paper was found for, and why.
type Unmatched struct {
	Entry  Entry  `json:"-"`
	Label  string `json:"entry"`
	Reason string `json:"reason"`
}

// Match finds each entry's paper: by arXiv id, then DOI, then title,
// and last by fetching the arXiv ids that are not stored. It changes
// nothing but the papers it fetches, so that the caller can save the
// papers of a file in one transaction, or none of them.
func (m *Matcher) Match(ctx context.Context, entries []Entry) (Report, error) {
	entries, dups := distinct(entries)
	paper := make([]string, len(entries))
	reason := make([]string, len(entries))

	var ids []string
	for _, e := range entries {
		if e.ArxivID != "" {
			ids = append(ids, e.ArxivID)
		}
	}
	known, err := m.Papers.KnownPaperIDs(ctx, ids)
	if err != nil {
		return Report{}, fmt.Errorf("citation: match: %w", err)
	}
	var dois, titles []string
	for i, e := range entries {
		switch {
		case known[e.ArxivID]:
			paper[i] = e.ArxivID
			continue
		case e.DOI != "":
			dois = append(dois, e.DOI)
		}
		if titleWords(e.Title) >= minTitleWords {
			titles = append(titles, e.Title)
		}
	}
	byDOI, byTitle := map[string][]string{}, map[string][]string{}
	if len(dois) > 0 {
		if byDOI, err = m.Papers.PaperIDsByDOI(ctx, dois); err != nil {
			return Report{}, fmt.Errorf("citation: match: %w", err)
		}
	}
	if len(titles) > 0 {
		if byTitle, err = m.Papers.PaperIDsByTitle(ctx, titles); err != nil {
			return Report{}, fmt.Errorf("citation: match: %w", err)
		}
	}
	var fetch []string
	fetchSeen := map[string]bool{}
	for i, e := range entries {
		if paper[i] != "" {
			continue
		}
		if hits := byDOI[e.DOI]; e.DOI != "" && len(hits) == 1 {
			paper[i] = hits[0]
			continue
		} else if len(hits) > 1 {
			reason[i] = fmt.Sprintf("DOI %s belongs to %d papers: %s", e.DOI, len(hits), strings.Join(hits, ", "))
		}
		if titleWords(e.Title) >= minTitleWords {
			if hits := byTitle[store.TitleKey(e.Title)]; len(hits) == 1 && e.ArxivID == "" {
				paper[i] = hits[0]
				continue
			} else if len(hits) > 1 && reason[i] == "" {
				reason[i] = fmt.Sprintf("the title matches %d papers: %s", len(hits), strings.Join(hits, ", "))
			}
		}
		if e.ArxivID != "" && !fetchSeen[e.ArxivID] {
			fetchSeen[e.ArxivID] = true
			fetch = append(fetch, e.ArxivID)
		}
	}
	fetched, err := m.fetch(ctx, fetch)
	if err != nil {
		return Report{}, err
	}
	limit := m.maxFetch()

	var r Report
	r.Duplicates = dups
	seen := map[string]bool{}
	for i, e := range entries {
		if paper[i] == "" && fetched[e.ArxivID] {
			paper[i] = e.ArxivID
			r.Fetched = append(r.Fetched, e.ArxivID)
			seen[e.ArxivID] = true
			r.Papers = append(r.Papers, e.ArxivID)
			continue
		}
		if id := paper[i]; id != "" {
			if seen[id] {
				r.Duplicates++
				continue
			}
			seen[id] = true
			r.Papers = append(r.Papers, id)
			r.Matched = append(r.Matched, id)
			continue
		}
		if reason[i] == "" {
			reason[i] = m.why(e, fetch, limit)
		}
		r.Unmatched = append(r.Unmatched, Unmatched{Entry: e, Label: e.Label(), Reason: reason[i]})
	}
	return r, nil
}

func (m *Matcher) maxFetch() int {
	if m.MaxFetch > 0 {
		return m.MaxFetch
	}
	return DefaultMaxFetch
}

// fetch fetches up to maxFetch of the ids and reports which are stored
// afterwards.
func (m *Matcher) fetch(ctx context.Context, ids []string) (map[string]bool, error) {
	if m.Fetch == nil || len(ids) == 0 {
		return nil, nil
	}
	ids = ids[:min(len(ids), m.maxFetch())]
	if err := m.Fetch.LookupPapers(ctx, ids); err != nil {
		return nil, problem.Wrap(err, problem.Upstream, "arXiv did not answer: nothing was imported; try again later")
	}
	stored, err := m.Papers.KnownPaperIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("citation: match: after fetching: %w", err)
	}
	return stored, nil
}

// why says why no paper was found for an entry.
func (m *Matcher) why(e Entry, fetch []string, limit int) string {
	switch {
	case e.ArxivID != "" && m.Fetch == nil:
		return "arXiv:" + e.ArxivID + " is not in paperboy"
	case e.ArxivID != "":
		for i, id := range fetch {
			if id == e.ArxivID && i >= limit {
				return fmt.Sprintf("not fetched: over %d papers to fetch from arXiv in one import; import the file again for the rest", limit)
			}
		}
		return "arXiv has no paper " + e.ArxivID
	case e.DOI != "" && e.Title != "":
		return "no paper with this DOI or title"
	case e.DOI != "":
		return "no paper with this DOI"
	case titleWords(e.Title) >= minTitleWords:
		return "no arXiv id or DOI, and no paper with this title"
	case e.Title != "":
		return "no arXiv id or DOI, and the title is too short to match on its own"
	}
	return "no arXiv id, DOI or title"
}

func titleWords(title string) int { return len(strings.Fields(store.TitleKey(title))) }

// distinct drops entries that name what an earlier entry named (the same
// arXiv id, DOI or title), counting them.
func distinct(entries []Entry) ([]Entry, int) {
	seen := map[string]bool{}
	out := make([]Entry, 0, len(entries))
	dups := 0
	for _, e := range entries {
		var keys []string
		if e.ArxivID != "" {
			keys = append(keys, "a:"+e.ArxivID)
		}
		if e.DOI != "" {
			keys = append(keys, "d:"+e.DOI)
		}
		if e.ArxivID == "" && e.DOI == "" {
			if k := store.TitleKey(e.Title); k != "" {
				keys = append(keys, "t:"+k)
			}
		}
		dup := false
		for _, k := range keys {
			dup = dup || seen[k]
		}
		if dup {
			dups++
			continue
		}
		for _, k := range keys {
			seen[k] = true
		}
		out = append(out, e)
	}
	return out, dups
}

// Import reads a file of the format and matches its entries: the whole
// of an import but saving the papers, which is the caller's (a library
// or collection service, in one transaction). A bad file returns a
// problem.Invalid naming its line, and nothing is fetched.
func (m *Matcher) Import(ctx context.Context, f Format, r io.Reader) (Report, error) {
	entries, err := Parse(f, r)
	if err != nil {
		return Report{}, err
	}
	return m.Match(ctx, entries)
}
