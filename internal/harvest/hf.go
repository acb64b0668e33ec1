package harvest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/paperboy-dev/paperboy/internal/ingest"
)

// DefaultHFBaseURL is Hugging Face's daily-papers API.
const DefaultHFBaseURL = "https://huggingface.co/api/daily_papers"

// HFClient reads Hugging Face's daily papers.
type HFClient struct {
	BaseURL string // DefaultHFBaseURL when empty; "/api/daily_papers" is added to a URL without a path
	Fetcher *Fetcher
	Limit   int // items per page; 100 when zero
}

// maxHFPages bounds the pages of one day, in case a server ignores p.
const maxHFPages = 50

// Day fetches the items of one day's list, page by page (p = 0, 1, ...),
// and hands each page, a JSON array as the API returns it, to fn.
func (c *HFClient) Day(ctx context.Context, day time.Time, fn func(page []byte, items int) error) error {
	base := withDefaultPath(cmp.Or(c.BaseURL, DefaultHFBaseURL), "/api/daily_papers")
	limit := c.Limit
	if limit <= 0 {
		limit = 100
	}
	var prev string
	for p := 0; p < maxHFPages; p++ {
		q := url.Values{"date": {day.Format(time.DateOnly)}, "p": {strconv.Itoa(p)}, "limit": {strconv.Itoa(limit)}}
		var body []byte
		var items []json.RawMessage
		err := c.Fetcher.Get(ctx, base+"?"+q.Encode(), func(b []byte) error {
			items = nil
			if err := json.Unmarshal(b, &items); err != nil {
				return malformed(err)
			}
			body = b
			return nil
		})
		if err != nil {
			return fmt.Errorf("hugging face daily papers %s: %w", day.Format(time.DateOnly), err)
		}
		if len(items) == 0 || string(body) == prev {
			return nil
		}
		if err := fn(body, len(items)); err != nil {
			return err
		}
		if len(items) < limit {
			return nil
		}
		prev = string(body)
	}
	return nil
}

// HFDaily imports one day of Hugging Face's daily papers: community data
// always, metadata for papers arXiv has not described yet.
func (h *Harvester) HFDaily(ctx context.Context, c *HFClient, day time.Time) (Result, error) {
	job := SourceHF + " " + day.Format(time.DateOnly)
	return h.run(ctx, job, SourceHF, func(res *Result) error {
		im := &ingest.Importer{Store: h.Store, Format: ingest.FormatHF, ArrivedVia: "Hugging Face daily papers", OnProblem: func(p ingest.Problem) {
			res.reject(fmt.Errorf("%s", p))
		}}
		return c.Day(ctx, day, func(page []byte, items int) error {
			name := fmt.Sprintf("%s page %d", job, res.Pages+1)
			sum, err := im.ImportReader(ctx, name, bytes.NewReader(page))
			if err != nil {
				return err
			}
			res.Pages++
			res.Records += items
			res.Counts.Add(sum.UpsertCounts)
			if h.OnProgress != nil {
				h.OnProgress(Progress{Job: job, Pages: res.Pages, Records: res.Records, Total: -1})
			}
			return nil
		})
	})
}
