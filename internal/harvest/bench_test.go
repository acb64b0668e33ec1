package harvest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/harvest/harvesttest"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// TestHarvestThroughput harvests a generated 100,000-record set (100 pages
// of 1,000, as arXiv pages) from the fake server into a fresh database and
// reports records/s, against parsing alone in the same process. Run with
// PAPERBOY_BENCH=1 (PAPERBOY_BENCH_RECORDS to change the size).
func TestHarvestThroughput(t *testing.T) {
	if os.Getenv("PAPERBOY_BENCH") != "1" {
		t.Skip("set PAPERBOY_BENCH=1 to run")
	}
	n := 100_000
	if v := os.Getenv("PAPERBOY_BENCH_RECORDS"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil {
			t.Fatal(err)
		}
	}
	recs := harvesttest.Generate(n, day0, 1)
	srv := harvesttest.NewOAIServer(t, recs)
	ctx := context.Background()

	// Parsing alone: fetch and decode every page, store nothing.
	c := &OAIClient{BaseURL: srv.URL, Fetcher: testFetcher()}
	c.Fetcher.Timeout = time.Minute
	start := time.Now()
	token, parsed := "", 0
	for {
		p, err := c.ListRecords(ctx, ListRequest{}, token)
		if err != nil {
			t.Fatal(err)
		}
		parsed += len(p.Records)
		if token = p.ResumptionToken; token == "" {
			break
		}
	}
	parse := time.Since(start)
	t.Logf("fetch+parse: %d records in %s: %.0f records/s", parsed, parse.Round(time.Millisecond), float64(parsed)/parse.Seconds())

	for _, d := range storetest.Dialects {
		s := storetest.Open(t, d, store.Options{})
		res, err := (&Harvester{Store: s}).OAI(ctx, c, ListRequest{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: harvest of %d records (%d pages, %d deleted) in %s: %.0f records/s (%.0f%% of the time parsing)",
			d, res.Records, res.Pages, res.Deleted, res.Elapsed.Round(time.Millisecond), res.Rate(),
			100*parse.Seconds()/res.Elapsed.Seconds())
		res, err = (&Harvester{Store: s}).OAI(ctx, c, ListRequest{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: re-harvest (all unchanged: %d) in %s: %.0f records/s", d, res.Counts.Unchanged,
			res.Elapsed.Round(time.Millisecond), res.Rate())
	}
}
