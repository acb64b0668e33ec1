package harvest

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/harvest/harvesttest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

const feedSample = "../../../shared/data/formats/arxiv-rss-atom-cs.AI-2025-08-20.xml"

func TestParseRealListingFeed(t *testing.T) {
	body, err := os.ReadFile(feedSample)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is missing", feedSample)
	}
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ParseFeed(body)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, e := range entries {
		types[e.AnnounceType]++
	}
	if len(entries) != 7 || types["new"] != 2 || types["cross"] != 5 {
		t.Fatalf("%d entries, announce types %v", len(entries), types)
	}
	day := time.Date(2025, 8, 20, 0, 0, 0, 0, time.UTC)
	first := entries[0].Paper
	want := store.Paper{
		ID: "2508.13426", Version: 1,
		Title:          "ALIGN: Word Association Learning for Cross-Cultural Generalization in Large Language Models",
		Authors:        []string{"Chunhua Liu", "Kabir Manandhar Shrestha", "Sukai Huang"},
		Categories:     []string{"cs.CL", "cs.AI"},
		License:        "http://creativecommons.org/licenses/by-nc-sa/4.0/",
		Versions:       []store.Version{{Version: 1, Created: day}},
		FirstVersionAt: day, LatestVersionAt: day, ListedOn: day,
	}
	if len(first.Abstract) < 200 || first.Abstract[:40] != "As large language models (LLMs) increasi" {
		t.Errorf("abstract = %.60q...", first.Abstract)
	}
	first.Abstract = ""
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first entry (-want +got):\n%s", diff)
	}
}

func TestFeedFileKeepsFullerMetadata(t *testing.T) {
	if _, err := os.Stat(feedSample); err != nil {
		t.Skipf("%s is missing", feedSample)
	}
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// An OAI harvest stored 2508.13426 already, with its real
		// submission time: the feed must not replace it with its listing day.
		full := store.Paper{ID: "2508.13426", Version: 1, Title: "ALIGN (from OAI)", Categories: []string{"cs.CL"},
			Versions:       []store.Version{{Version: 1, Created: time.Date(2025, 8, 18, 17, 0, 0, 0, time.UTC)}},
			FirstVersionAt: time.Date(2025, 8, 18, 17, 0, 0, 0, time.UTC), ListedOn: time.Date(2025, 8, 20, 0, 0, 0, 0, time.UTC)}
		if _, err := s.UpsertPapers(ctx, []store.Paper{full}); err != nil {
			t.Fatal(err)
		}
		h := &Harvester{Store: s}
		res, err := h.FeedFile(ctx, feedSample)
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != 7 || res.Counts.Inserted != 6 || res.Counts.Unchanged != 1 || res.Announce["cross"] != 5 {
			t.Errorf("result = %+v", res)
		}
		if p, _ := s.Paper(ctx, "2508.13426"); p.Title != "ALIGN (from OAI)" {
			t.Errorf("the feed overwrote the OAI record: %q", p.Title)
		}
		if res, err = h.FeedFile(ctx, feedSample); err != nil || res.Counts.Unchanged != 7 {
			t.Errorf("second read: %+v, %v", res.Counts, err)
		}
	})
}

func TestFeedsByCategory(t *testing.T) {
	body, err := os.ReadFile(feedSample)
	if err != nil {
		t.Skipf("%s is missing", feedSample)
	}
	srv := httptest.NewServer(httpHandlerFunc(func(path string) ([]byte, bool) { return body, path == "/atom/cs.AI" }))
	t.Cleanup(srv.Close)
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		res, err := (&Harvester{Store: s}).Feeds(context.Background(), &FeedClient{BaseURL: srv.URL, Fetcher: testFetcher()}, []string{"cs.AI"}, nil)
		if err != nil || res.Counts.Inserted != 7 {
			t.Fatalf("result %+v, %v", res, err)
		}
		_, err = (&Harvester{Store: s}).Feeds(context.Background(), &FeedClient{BaseURL: srv.URL, Fetcher: testFetcher()}, []string{"cs.XX"}, nil)
		if err == nil {
			t.Error("a missing feed did not fail")
		}
	})
}

func TestAPILookupFillsGapsWithoutErasing(t *testing.T) {
	recs := harvesttest.Generate(30, day0, 9)
	srv := harvesttest.NewOAIServer(t, recs)
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		api := &APIClient{BaseURL: srv.URL, Fetcher: testFetcher(), BatchSize: 7}
		var ids []string
		for _, r := range recs[:20] {
			if !r.Deleted {
				ids = append(ids, r.ID)
			}
		}
		papers, err := api.Lookup(ctx, append(ids, "2512.99999"))
		if err != nil {
			t.Fatal(err)
		}
		if len(papers) != len(ids) {
			t.Fatalf("%d papers for %d known ids", len(papers), len(ids))
		}
		p := papers[3] // recs[3] has two versions
		if p.ID != recs[3].ID || p.Version != 2 || !p.FirstVersionAt.Equal(recs[3].Versions[0]) ||
			!p.LatestVersionAt.Equal(recs[3].Versions[1]) || p.Categories[0] != recs[3].Categories[0] {
			t.Errorf("looked-up paper = %+v", p)
		}

		// After a full OAI harvest, a lookup changes nothing.
		if _, err := (&Harvester{Store: s}).OAI(ctx, &OAIClient{BaseURL: srv.URL, Fetcher: testFetcher()}, ListRequest{}); err != nil {
			t.Fatal(err)
		}
		before := allPapers(t, s)
		res, err := (&Harvester{Store: s}).Lookup(ctx, api, ids)
		if err != nil {
			t.Fatal(err)
		}
		if res.Counts.Unchanged != len(ids) {
			t.Errorf("lookup counts = %+v", res.Counts)
		}
		if diff := cmp.Diff(before, allPapers(t, s), ignoreRowTimes); diff != "" {
			t.Errorf("a lookup changed harvested papers:\n%s", diff)
		}
		// Each paper says where it first came from: the OAI harvest here.
		if p, err := s.Paper(ctx, ids[0]); err != nil || p.ArrivedVia != "arXiv OAI-PMH (all sets)" {
			t.Errorf("harvested paper arrived via %q (%v)", p.ArrivedVia, err)
		}
	})
}

func TestAPIDefaultsToThreeSecondsBetweenRequests(t *testing.T) {
	if DefaultAPIDelay < 3*time.Second {
		t.Fatalf("DefaultAPIDelay = %s", DefaultAPIDelay)
	}
	srv := harvesttest.NewOAIServer(t, harvesttest.Generate(4, day0, 1))
	f := testFetcher()
	f.Delay = 300 * time.Millisecond
	start := time.Now()
	if _, err := (&APIClient{BaseURL: srv.URL, Fetcher: f, BatchSize: 1}).Lookup(context.Background(), []string{"2506.00000", "2506.00001", "2506.00002"}); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 600*time.Millisecond {
		t.Errorf("3 requests in %s, want them %s apart", elapsed, f.Delay)
	}
}

func TestHFDailyPages(t *testing.T) {
	recs := harvesttest.Generate(450, day0, 4) // 200 a day
	srv := harvesttest.NewHFServer(t, recs)
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := &Harvester{Store: s}
		c := &HFClient{BaseURL: srv.URL, Fetcher: testFetcher(), Limit: 60}
		res, err := h.HFDaily(ctx, c, day0.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, r := range recs {
			if r.Datestamp == "2025-06-03" && !r.Deleted {
				want++
			}
		}
		if res.Records != want || res.Pages != (want+59)/60 || res.Counts.Inserted != want || res.Rejected != 0 {
			t.Errorf("result = %+v, want %d records", res, want)
		}
		p, err := s.Paper(ctx, recs[205].ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Community.Upvotes != recs[205].Upvotes || p.Community.DailySubmitter != "akhaliq" ||
			p.Community.DailyOn.Format(time.DateOnly) != "2025-06-03" {
			t.Errorf("community = %+v", p.Community)
		}
		if res, err = h.HFDaily(ctx, c, day0.AddDate(0, 0, 1)); err != nil || res.Counts.Unchanged != want {
			t.Errorf("second run: %+v, %v", res.Counts, err)
		}
		if res, err = h.HFDaily(ctx, c, day0.AddDate(0, 0, 30)); err != nil || res.Records != 0 {
			t.Errorf("empty day: %+v, %v", res, err)
		}
	})
}

// httpHandlerFunc serves body at the paths ok accepts, 404 elsewhere.
type httpHandlerFunc func(path string) ([]byte, bool)

func (f httpHandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := f(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(body)
}
