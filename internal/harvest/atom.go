package harvest

import (
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// DefaultAPIBaseURL is arXiv's Atom query API; arXiv asks for at most one
// request every three seconds (DefaultAPIDelay).
const (
	DefaultAPIBaseURL = "https://export.arxiv.org/api/query"
	DefaultAPIDelay   = 3 * time.Second
)

// DefaultFeedBaseURL serves arXiv's daily listing feeds, one per category
// (DefaultFeedBaseURL + "/cs.AI").
const DefaultFeedBaseURL = "https://rss.arxiv.org/atom"

// APIClient looks papers up in arXiv's Atom API.
type APIClient struct {
	BaseURL   string // DefaultAPIBaseURL when empty; "/api/query" is added to a URL without a path
	Fetcher   *Fetcher
	BatchSize int // ids per request; 100 when zero
}

// Lookup fetches the latest metadata of the papers with the given ids (any
// form), in batches. Ids arXiv does not know are left out.
func (c *APIClient) Lookup(ctx context.Context, ids []string) ([]store.Paper, error) {
	base := withDefaultPath(cmp.Or(c.BaseURL, DefaultAPIBaseURL), "/api/query")
	size := c.BatchSize
	if size <= 0 {
		size = 100
	}
	var papers []store.Paper
	for start := 0; start < len(ids); start += size {
		batch := ids[start:min(start+size, len(ids))]
		q := url.Values{"id_list": {strings.Join(batch, ",")}, "max_results": {fmt.Sprint(len(batch))}}
		var feed atomFeed
		err := c.Fetcher.Get(ctx, base+"?"+q.Encode(), func(body []byte) error {
			feed = atomFeed{}
			return parseAtom(body, &feed)
		})
		if err != nil {
			return papers, fmt.Errorf("arxiv api: %w", err)
		}
		for _, e := range feed.Entries {
			if strings.Contains(e.ID, "/api/errors") {
				return papers, fmt.Errorf("arxiv api: %s", ingest.CleanText(e.Summary))
			}
			p, err := e.apiPaper()
			if err != nil {
				return papers, fmt.Errorf("arxiv api: %w", err)
			}
			papers = append(papers, p)
		}
	}
	return papers, nil
}

// FeedClient reads arXiv's listing feeds.
type FeedClient struct {
	BaseURL string // DefaultFeedBaseURL when empty; "/atom" is added to a URL without a path
	Fetcher *Fetcher
}

// FeedEntry is one announcement of a listing feed.
type FeedEntry struct {
	Paper store.Paper
	// AnnounceType is "new", "cross", "replace" or "replace-cross".
	AnnounceType string
}

// Category fetches the feed of one category ("cs.AI").
func (c *FeedClient) Category(ctx context.Context, category string) ([]FeedEntry, error) {
	if !arxiv.ValidCategory(category) {
		return nil, fmt.Errorf("arxiv feed: bad category %q", category)
	}
	return c.URL(ctx, withDefaultPath(cmp.Or(c.BaseURL, DefaultFeedBaseURL), "/atom")+"/"+category)
}

// URL fetches the feed at u.
func (c *FeedClient) URL(ctx context.Context, u string) ([]FeedEntry, error) {
	var entries []FeedEntry
	err := c.Fetcher.Get(ctx, u, func(body []byte) error {
		var err error
		entries, err = ParseFeed(body)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("arxiv feed: %w", err)
	}
	return entries, nil
}

// ParseFeed parses a listing feed (rss.arxiv.org/atom/CATEGORY). New and
// cross-listed papers are dated by the listing; replacements carry only
// what the feed says, and the Harvester merges them with what it stored.
func ParseFeed(body []byte) ([]FeedEntry, error) {
	var feed atomFeed
	if err := parseAtom(body, &feed); err != nil {
		return nil, err
	}
	entries := make([]FeedEntry, 0, len(feed.Entries))
	for _, e := range feed.Entries {
		fe, err := e.feedEntry()
		if err != nil {
			return entries, err
		}
		entries = append(entries, fe)
	}
	return entries, nil
}

func parseAtom(body []byte, feed *atomFeed) error {
	if !utf8.Valid(body) {
		return malformed(fmt.Errorf("invalid UTF-8 at byte %d", invalidUTF8At(body)))
	}
	if err := xml.Unmarshal(body, feed); err != nil {
		return malformed(err)
	}
	if feed.XMLName.Local != "feed" {
		return malformed(fmt.Errorf("root element <%s>, want <feed>", feed.XMLName.Local))
	}
	return nil
}

type atomFeed struct {
	XMLName xml.Name
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID        string `xml:"id"`
	Title     string `xml:"title"`
	Summary   string `xml:"summary"`
	Published string `xml:"published"`
	Updated   string `xml:"updated"`
	Authors   []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Categories []struct {
		Term string `xml:"term,attr"`
	} `xml:"category"`
	Primary struct {
		Term string `xml:"term,attr"`
	} `xml:"primary_category"`
	Comment      string `xml:"comment"`
	JournalRef   string `xml:"journal_ref"`
	DOI          string `xml:"doi"`
	AnnounceType string `xml:"announce_type"`
	Rights       string `xml:"rights"`
	Creator      string `xml:"creator"`
}

func (e *atomEntry) categories() ([]string, error) {
	var cats []string
	seen := map[string]bool{}
	for _, c := range append([]string{e.Primary.Term}, termsOf(e)...) {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		// The API also tags papers with ACM and MSC classes; keep arXiv's.
		if arxiv.ValidCategory(c) {
			cats = append(cats, c)
		}
	}
	if len(cats) == 0 {
		return nil, errors.New("no categories")
	}
	return cats, nil
}

func termsOf(e *atomEntry) []string {
	terms := make([]string, len(e.Categories))
	for i, c := range e.Categories {
		terms[i] = c.Term
	}
	return terms
}

// apiPaper converts an Atom API entry. The API gives the first and the
// latest version's dates only.
func (e *atomEntry) apiPaper() (store.Paper, error) {
	id, err := arxiv.ParseID(strings.TrimSpace(e.ID))
	if err != nil {
		return store.Paper{}, err
	}
	p := store.Paper{
		ID: id.Base, Version: max(id.Version, 1),
		Title:      ingest.CleanText(e.Title),
		Abstract:   ingest.CleanAbstract(e.Summary),
		Comments:   ingest.CleanText(e.Comment),
		JournalRef: ingest.CleanText(e.JournalRef),
		DOI:        strings.TrimSpace(e.DOI),
	}
	if p.Title == "" {
		return store.Paper{}, fmt.Errorf("paper %s: missing title", p.ID)
	}
	for _, a := range e.Authors {
		if name := ingest.CleanText(a.Name); name != "" {
			p.Authors = append(p.Authors, name)
		}
	}
	if p.Categories, err = e.categories(); err != nil {
		return store.Paper{}, fmt.Errorf("paper %s: %w", p.ID, err)
	}
	published, err := time.Parse(time.RFC3339, strings.TrimSpace(e.Published))
	if err != nil {
		return store.Paper{}, fmt.Errorf("paper %s: bad published date %q", p.ID, e.Published)
	}
	p.FirstVersionAt, p.LatestVersionAt = published.UTC(), published.UTC()
	p.Versions = []store.Version{{Version: 1, Created: p.FirstVersionAt}}
	if p.Version > 1 {
		updated, err := time.Parse(time.RFC3339, strings.TrimSpace(e.Updated))
		if err != nil {
			return store.Paper{}, fmt.Errorf("paper %s: bad updated date %q", p.ID, e.Updated)
		}
		p.LatestVersionAt = updated.UTC()
		p.Versions = append(p.Versions, store.Version{Version: p.Version, Created: p.LatestVersionAt})
	}
	p.ListedOn = ingest.ListedOn(p.FirstVersionAt)
	return p, nil
}

// feedEntry converts a listing-feed entry ("oai:arXiv.org:2508.13426v1",
// its summary "arXiv:... Announce Type: new \nAbstract: ...").
func (e *atomEntry) feedEntry() (FeedEntry, error) {
	local := strings.TrimSpace(e.ID)
	if i := strings.LastIndex(local, "oai:arXiv.org:"); i >= 0 {
		local = local[i+len("oai:arXiv.org:"):]
	}
	id, err := arxiv.ParseID(local)
	if err != nil {
		return FeedEntry{}, err
	}
	fe := FeedEntry{AnnounceType: strings.TrimSpace(e.AnnounceType)}
	p := store.Paper{
		ID: id.Base, Version: max(id.Version, 1),
		Title:   ingest.CleanText(e.Title),
		Authors: ingest.SplitAuthors(e.Creator),
		License: strings.TrimSpace(e.Rights),
	}
	abstract := e.Summary
	if _, after, ok := strings.Cut(abstract, "Abstract:"); ok {
		abstract = after
	}
	p.Abstract = ingest.CleanAbstract(abstract)
	if p.Title == "" {
		return FeedEntry{}, fmt.Errorf("paper %s: missing title", p.ID)
	}
	if p.Categories, err = e.categories(); err != nil {
		return FeedEntry{}, fmt.Errorf("paper %s: %w", p.ID, err)
	}
	published, err := time.Parse(time.RFC3339, strings.TrimSpace(e.Published))
	if err != nil {
		return FeedEntry{}, fmt.Errorf("paper %s: bad published date %q", p.ID, e.Published)
	}
	// The listing's day, in arXiv's own zone, as ingest dates listing pages.
	day, _ := time.Parse(time.DateOnly, published.Format(time.DateOnly))
	if fe.AnnounceType == "new" || fe.AnnounceType == "cross" {
		p.ListedOn = day
		if p.Version == 1 {
			p.FirstVersionAt, p.LatestVersionAt = day, day
			p.Versions = []store.Version{{Version: 1, Created: day}}
		}
	}
	fe.Paper = p
	return fe, nil
}

// withDefaultPath adds path to a base URL that has none, so that both
// "http://host:port" and a full endpoint URL work as a base URL.
func withDefaultPath(base, path string) string {
	base = strings.TrimRight(base, "/")
	u, err := url.Parse(base)
	if err == nil && (u.Path == "" || u.Path == "/") {
		return base + path
	}
	return base
}
