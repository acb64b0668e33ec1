package harvest

import (
	"cmp"
	"context"
	"fmt"
	"os"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// Feeds reads listing feeds, one per category or URL, and stores the papers
// they announce without erasing what fuller sources stored.
func (h *Harvester) Feeds(ctx context.Context, c *FeedClient, categories, urls []string) (Result, error) {
	job := SourceFeed
	for _, s := range append(append([]string{}, categories...), urls...) {
		job += " " + s
	}
	return h.run(ctx, job, SourceFeed, func(res *Result) error {
		res.Announce = map[string]int{}
		var entries []FeedEntry
		fetch := func(get func() ([]FeedEntry, error)) error {
			es, err := get()
			if err != nil {
				return err
			}
			entries = append(entries, es...)
			res.Pages++
			if h.OnProgress != nil {
				h.OnProgress(Progress{Job: job, Pages: res.Pages, Records: len(entries), Total: -1})
			}
			return nil
		}
		for _, cat := range categories {
			if err := fetch(func() ([]FeedEntry, error) { return c.Category(ctx, cat) }); err != nil {
				return err
			}
		}
		for _, u := range urls {
			if err := fetch(func() ([]FeedEntry, error) { return c.URL(ctx, u) }); err != nil {
				return err
			}
		}
		return h.storeFeedEntries(ctx, res, entries)
	})
}

// FeedFile stores the entries of a feed saved in a file.
func (h *Harvester) FeedFile(ctx context.Context, path string) (Result, error) {
	return h.run(ctx, SourceFeed+" "+path, SourceFeed, func(res *Result) error {
		res.Announce = map[string]int{}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		entries, err := ParseFeed(body)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		res.Pages++
		return h.storeFeedEntries(ctx, res, entries)
	})
}

func (h *Harvester) storeFeedEntries(ctx context.Context, res *Result, entries []FeedEntry) error {
	// A paper announced in several categories' feeds is stored once; the
	// entry that dates its listing (new, cross) wins over a replacement.
	byID := map[string]int{}
	var papers []store.Paper
	for _, e := range entries {
		res.Records++
		res.Announce[e.AnnounceType]++
		i, ok := byID[e.Paper.ID]
		if !ok {
			byID[e.Paper.ID] = len(papers)
			papers = append(papers, e.Paper)
			continue
		}
		if papers[i].ListedOn.IsZero() && !e.Paper.ListedOn.IsZero() {
			papers[i] = e.Paper
		}
	}
	papers, err := fillGaps(ctx, h.Store, papers)
	if err != nil {
		return err
	}
	for i := range papers {
		papers[i].ArrivedVia = "arXiv listing feed (" + cmp.Or(papers[i].PrimaryCategory(), "arXiv") + ")"
	}
	counts, err := h.Store.UpsertPapers(ctx, papers)
	res.Counts.Add(counts)
	res.Counts.Unchanged += len(byID) - len(papers) // known at the same or a newer version
	return err
}

// Lookup fetches papers from the Atom API and stores them without erasing
// what fuller sources stored.
func (h *Harvester) Lookup(ctx context.Context, c *APIClient, ids []string) (Result, error) {
	return h.run(ctx, SourceAPI+" "+fmt.Sprint(len(ids), " ids"), SourceAPI, func(res *Result) error {
		papers, err := c.Lookup(ctx, ids)
		if err != nil {
			return err
		}
		batch := c.BatchSize
		if batch <= 0 {
			batch = 100
		}
		res.Pages = (len(ids) + batch - 1) / batch
		res.Records = len(papers)
		n := len(papers)
		if papers, err = fillGaps(ctx, h.Store, papers); err != nil {
			return err
		}
		for i := range papers {
			papers[i].ArrivedVia = "arXiv API"
		}
		counts, err := h.Store.UpsertPapers(ctx, papers)
		res.Counts.Add(counts)
		res.Counts.Unchanged += n - len(papers)
		return err
	})
}
