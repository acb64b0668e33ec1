package harvest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/paperboy-dev/paperboy/internal/harvest/harvesttest"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

var day0 = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)

// testFetcher retries quickly and never waits between requests.
func testFetcher() *Fetcher {
	return &Fetcher{Backoff: time.Millisecond, Retries: 4, Timeout: 500 * time.Millisecond, UserAgent: "paperboy-test/1"}
}

func forEachBackend(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.Open(t, d, store.Options{}))
		})
	}
}

func allPapers(t *testing.T, s *store.Store) []store.Paper {
	t.Helper()
	var out []store.Paper
	if err := s.EachPaper(context.Background(), func(p store.Paper) error {
		out = append(out, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

var ignoreRowTimes = cmpopts.IgnoreFields(store.Paper{}, "CreatedAt", "UpdatedAt")

func TestParseArXivAndArXivRawRecords(t *testing.T) {
	const raw = `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2025-06-02T20:15:00Z</responseDate>
<request verb="GetRecord">http://export.arxiv.org/oai2</request>
<GetRecord><record><header><identifier>oai:arXiv.org:0704.0001</identifier><datestamp>2008-11-13</datestamp><setSpec>physics:hep-ph</setSpec></header>
<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">
<id>0704.0001</id><submitter>Pavel Nadolsky</submitter>
<version version="v1"><date>Mon, 2 Apr 2007 19:18:42 GMT</date><size>37kb</size><source_type>D</source_type></version>
<version version="v2"><date>Tue, 24 Jul 2007 20:10:27 GMT</date><size>37kb</size><source_type>D</source_type></version>
<title>Calculation of prompt diphoton production cross sections at Tevatron and
  LHC energies</title>
<authors>C. Bal\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan</authors>
<categories>hep-ph</categories>
<comments>37 pages, 15 figures; published version</comments>
<report-no>ANL-HEP-PR-07-12</report-no>
<journal-ref>Phys.Rev.D76:013009,2007</journal-ref>
<doi>10.1103/PhysRevD.76.013009</doi>
<abstract>  A fully differential calculation in perturbative quantum chromodynamics is
presented for the production of massive photon pairs.
</abstract>
</arXivRaw></metadata></record></GetRecord></OAI-PMH>`
	var r oaiResponse
	if err := parseOAI([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	rec := r.GetRecord.Record.record()
	if rec.Err != nil {
		t.Fatal(rec.Err)
	}
	v1 := time.Date(2007, 4, 2, 19, 18, 42, 0, time.UTC)
	v2 := time.Date(2007, 7, 24, 20, 10, 27, 0, time.UTC)
	want := store.Paper{
		ID: "0704.0001", Version: 2,
		Title:      "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies",
		Abstract:   "A fully differential calculation in perturbative quantum chromodynamics is presented for the production of massive photon pairs.",
		Authors:    []string{`C. Bal\'azs`, "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"},
		Categories: []string{"hep-ph"}, Comments: "37 pages, 15 figures; published version",
		JournalRef: "Phys.Rev.D76:013009,2007", DOI: "10.1103/PhysRevD.76.013009", ReportNo: "ANL-HEP-PR-07-12",
		Submitter:      "Pavel Nadolsky",
		Versions:       []store.Version{{Version: 1, Created: v1}, {Version: 2, Created: v2}},
		FirstVersionAt: v1, LatestVersionAt: v2, ListedOn: time.Date(2007, 4, 4, 0, 0, 0, 0, time.UTC),
	}
	if diff := cmp.Diff(want, rec.Paper); diff != "" {
		t.Errorf("arXivRaw record (-want +got):\n%s", diff)
	}

	arxivFormat := strings.NewReplacer(
		`<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">`, `<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><created>2007-04-02</created><updated>2007-07-24</updated>
<authors><author><keyname>Balázs</keyname><forenames>C.</forenames></author><author><keyname>Berger</keyname><forenames>E. L.</forenames><affiliation>ANL</affiliation></author><author><keyname>Yuan</keyname><forenames>C.-P.</forenames><suffix>Jr</suffix></author></authors>`,
		`</arXivRaw>`, `</arXiv>`,
		`<authors>C. Bal\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan</authors>`, "",
	).Replace(raw)
	r = oaiResponse{}
	if err := parseOAI([]byte(arxivFormat), &r); err != nil {
		t.Fatal(err)
	}
	rec = r.GetRecord.Record.record()
	// arXiv's format has no version numbers: an updated paper's version is
	// unknown (0) until arXivRaw or an import tells.
	want.Authors = []string{"C. Balázs", "E. L. Berger", "C.-P. Yuan Jr"}
	want.Version, want.Versions, want.Submitter = 0, nil, ""
	want.FirstVersionAt = time.Date(2007, 4, 2, 0, 0, 0, 0, time.UTC)
	want.LatestVersionAt = time.Date(2007, 7, 24, 0, 0, 0, 0, time.UTC)
	want.ListedOn = time.Date(2007, 4, 3, 0, 0, 0, 0, time.UTC)
	if diff := cmp.Diff(want, rec.Paper); diff != "" {
		t.Errorf("arXiv record (-want +got):\n%s", diff)
	}
}

func TestIdentifyAndGetRecord(t *testing.T) {
	recs := harvesttest.Generate(20, day0, 1)
	srv := harvesttest.NewOAIServer(t, recs)
	c := &OAIClient{BaseURL: srv.URL, Fetcher: testFetcher()} // "/oai" is added
	ctx := context.Background()
	repo, err := c.Identify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if repo.Granularity != "YYYY-MM-DD" || repo.DeletedRecord != "persistent" || repo.ProtocolVersion != "2.0" {
		t.Errorf("Identify = %+v", repo)
	}
	rec, err := c.GetRecord(ctx, "arXiv:"+recs[3].ID+"v2", PrefixArXivRaw)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Paper.ID != recs[3].ID || rec.Paper.Version != 2 || rec.Paper.Title != recs[3].Title {
		t.Errorf("GetRecord = %+v", rec.Paper)
	}
	var oe *OAIError
	if _, err := c.GetRecord(ctx, "2601.99999", ""); !errors.As(err, &oe) || oe.Code != "idDoesNotExist" {
		t.Errorf("GetRecord of an unknown id: err = %v, want idDoesNotExist", err)
	}
	if ua := srv.UserAgents(); len(ua) != 1 || ua[0] != "paperboy-test/1" {
		t.Errorf("User-Agents = %q", ua)
	}
}

// TestHarvestSurvivesEveryFault harvests through 503 Retry-After, truncated
// and non-UTF-8 pages, a short body, a slow answer and a refused token, and
// ends with exactly what a harvest without faults stores.
func TestHarvestSurvivesEveryFault(t *testing.T) {
	recs := harvesttest.Generate(1000, day0, 7)
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clean := storetest.Open(t, s.Dialect(), store.Options{})
		plain := harvesttest.NewOAIServer(t, recs)
		plain.PageSize = 100
		req := ListRequest{Set: "cs", From: "2025-06-02", Until: "2025-06-05"}
		want, err := (&Harvester{Store: clean}).OAI(ctx, &OAIClient{BaseURL: plain.URL + "/oai", Fetcher: testFetcher()}, req)
		if err != nil {
			t.Fatal(err)
		}

		srv := harvesttest.NewOAIServer(t, recs)
		srv.PageSize = 100
		srv.SlowDelay = time.Second
		srv.Faults = map[int][]harvesttest.Fault{
			2: {harvesttest.Unavailable},
			3: {harvesttest.Truncated, harvesttest.InvalidUTF8},
			4: {harvesttest.ShortBody, harvesttest.ServerError},
			5: {harvesttest.Slow},
			6: {harvesttest.BadToken},
		}
		got, err := (&Harvester{Store: s}).OAI(ctx, &OAIClient{BaseURL: srv.URL + "/oai", Fetcher: testFetcher()}, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.Restarts != 1 {
			t.Errorf("restarts = %d, want 1", got.Restarts)
		}
		if want.Records == 0 || want.Deleted == 0 || want.Pages < 6 {
			t.Fatalf("the clean harvest is too small to test anything: %+v", want)
		}
		if got.Deleted < want.Deleted || got.Records < want.Records {
			t.Errorf("faulty harvest saw %d records (%d deleted), clean one %d (%d)", got.Records, got.Deleted, want.Records, want.Deleted)
		}
		if diff := cmp.Diff(allPapers(t, clean), allPapers(t, s), ignoreRowTimes); diff != "" {
			t.Errorf("stored papers differ from a clean harvest (-clean +faulty):\n%s", diff)
		}
		dels, err := s.DeletedRecords(ctx)
		if err != nil || len(dels) != want.Deleted {
			t.Errorf("deleted records = %d (%v), want %d", len(dels), err, want.Deleted)
		}
		cp, err := s.HarvestCheckpoint(ctx, JobKey(req))
		if err != nil || !cp.Done || cp.ResumptionToken != "" {
			t.Errorf("final checkpoint = %+v, %v", cp, err)
		}
		runs, err := s.HarvestRuns(ctx, 5)
		if err != nil || len(runs) != 1 || runs[0].Status != "ok" || runs[0].Stats.Records != got.Records {
			t.Errorf("runs = %+v, %v", runs, err)
		}
	})
}

func TestRetryAfterIsRespected(t *testing.T) {
	srv := harvesttest.NewOAIServer(t, harvesttest.Generate(50, day0, 1))
	srv.RetryAfter = 1
	srv.Faults = map[int][]harvesttest.Fault{1: {harvesttest.Unavailable}}
	start := time.Now()
	page, err := (&OAIClient{BaseURL: srv.URL + "/oai", Fetcher: testFetcher()}).ListRecords(context.Background(), ListRequest{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("retried after %s, want at least the 1 s Retry-After", elapsed)
	}
	if len(page.Records) != 50 || page.ResumptionToken != "" {
		t.Errorf("page: %d records, token %q", len(page.Records), page.ResumptionToken)
	}
}

func TestNoRecordsMatchIsAnEmptyHarvest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		srv := harvesttest.NewOAIServer(t, harvesttest.Generate(50, day0, 1))
		req := ListRequest{From: "2030-01-01"}
		res, err := (&Harvester{Store: s}).OAI(context.Background(), &OAIClient{BaseURL: srv.URL + "/oai", Fetcher: testFetcher()}, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != 0 || res.Pages != 1 {
			t.Errorf("result = %+v", res)
		}
		if cp, err := s.HarvestCheckpoint(context.Background(), JobKey(req)); err != nil || !cp.Done {
			t.Errorf("checkpoint = %+v, %v", cp, err)
		}
	})
}

// TestPersistentlyMalformedPageFailsAndKeepsWhatWasStored: a page that stays
// truncated fails the harvest with a clear error after a few attempts; the
// pages before it stay stored and checkpointed.
func TestPersistentlyMalformedPageFailsAndKeepsWhatWasStored(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := harvesttest.NewOAIServer(t, harvesttest.Generate(300, day0, 3))
		srv.PageSize = 100
		bad := make([]harvesttest.Fault, 10)
		for i := range bad {
			bad[i] = harvesttest.Truncated
		}
		srv.Faults = map[int][]harvesttest.Fault{2: bad}
		_, err := (&Harvester{Store: s}).OAI(ctx, &OAIClient{BaseURL: srv.URL + "/oai", Fetcher: testFetcher()}, ListRequest{})
		if err == nil || !strings.Contains(err.Error(), "page 2") || !strings.Contains(err.Error(), "malformed") ||
			!strings.Contains(err.Error(), "5 attempts") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("err = %v, want a one-line malformed-page error after 5 attempts", err)
		}
		if n := len(allPapers(t, s)); n < 90 || n > 100 {
			t.Errorf("%d papers stored, want page 1's", n)
		}
		cp, _ := s.HarvestCheckpoint(ctx, JobKey(ListRequest{}))
		if cp.Pages != 1 || cp.ResumptionToken == "" || cp.Done {
			t.Errorf("checkpoint = %+v", cp)
		}
		runs, _ := s.HarvestRuns(ctx, 1)
		if len(runs) != 1 || runs[0].Status != "failed" || runs[0].Error == "" {
			t.Errorf("runs = %+v", runs)
		}
	})
}

// flakyCheckpoints fails one checkpoint save: the process "dies" after a
// page's papers were committed but before its checkpoint was.
type flakyCheckpoints struct {
	*store.Store
	failAt, saves int
}

func (f *flakyCheckpoints) SaveHarvestCheckpoint(ctx context.Context, cp store.HarvestCheckpoint, d []store.DeletedRecord) error {
	f.saves++
	if f.saves == f.failAt {
		return errors.New("killed")
	}
	return f.Store.SaveHarvestCheckpoint(ctx, cp, d)
}

// TestKilledHarvestResumesToTheSameState kills harvests at several points —
// the source failing for good after page 4, the context cancelled after
// page 2, the process dying between a page's papers and its checkpoint,
// and resumption tokens that expired in between — reruns each, and
// compares every stored paper with an uninterrupted harvest's.
func TestKilledHarvestResumesToTheSameState(t *testing.T) {
	recs := harvesttest.Generate(1200, day0, 11)
	req := ListRequest{MetadataPrefix: PrefixArXivRaw, From: "2025-06-01"}
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := harvesttest.NewOAIServer(t, recs)
		srv.PageSize = 100
		client := &OAIClient{BaseURL: srv.URL + "/oai", Fetcher: testFetcher()}
		if _, err := (&Harvester{Store: s}).OAI(ctx, client, req); err != nil {
			t.Fatal(err)
		}
		want := allPapers(t, s)

		cases := []struct {
			name  string
			kill  func(h *Harvester, srv *harvesttest.OAIServer) (context.Context, context.CancelFunc)
			fixup func(srv *harvesttest.OAIServer)
		}{
			{"source fails after page 4", func(h *Harvester, srv *harvesttest.OAIServer) (context.Context, context.CancelFunc) {
				srv.FailFrom = 5
				return context.WithCancel(ctx)
			}, func(srv *harvesttest.OAIServer) { srv.FailFrom = 0 }},
			{"cancelled after page 2", func(h *Harvester, srv *harvesttest.OAIServer) (context.Context, context.CancelFunc) {
				c, cancel := context.WithCancel(ctx)
				h.OnProgress = func(p Progress) {
					if p.Pages == 2 {
						cancel()
					}
				}
				return c, cancel
			}, func(*harvesttest.OAIServer) {}},
			{"dies between page 3 and its checkpoint", func(h *Harvester, srv *harvesttest.OAIServer) (context.Context, context.CancelFunc) {
				h.Store = &flakyCheckpoints{Store: h.Store.(*store.Store), failAt: 3}
				return context.WithCancel(ctx)
			}, func(*harvesttest.OAIServer) {}},
			{"tokens expire before the rerun", func(h *Harvester, srv *harvesttest.OAIServer) (context.Context, context.CancelFunc) {
				srv.FailFrom = 6
				return context.WithCancel(ctx)
			}, func(srv *harvesttest.OAIServer) { srv.FailFrom, srv.TokenEpoch = 0, 1 }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				st := storetest.Open(t, s.Dialect(), store.Options{})
				srv := harvesttest.NewOAIServer(t, recs)
				srv.PageSize = 100
				client := &OAIClient{BaseURL: srv.URL + "/oai", Fetcher: testFetcher()}
				h := &Harvester{Store: st}
				kctx, cancel := tc.kill(h, srv)
				_, err := h.OAI(kctx, client, req)
				cancel()
				if err == nil {
					t.Fatal("the killed harvest succeeded")
				}
				if n := len(allPapers(t, st)); n == 0 || n >= len(want) {
					t.Fatalf("the killed harvest stored %d of %d papers", n, len(want))
				}
				tc.fixup(srv)
				res, err := (&Harvester{Store: st}).OAI(ctx, client, req)
				if err != nil {
					t.Fatal(err)
				}
				if res.ResumedPage == 0 {
					t.Errorf("the rerun started afresh instead of resuming")
				}
				if diff := cmp.Diff(want, allPapers(t, st), ignoreRowTimes); diff != "" {
					t.Errorf("resumed harvest differs from an uninterrupted one (-want +got):\n%s", diff)
				}
				if cp, _ := st.HarvestCheckpoint(ctx, JobKey(req)); !cp.Done {
					t.Errorf("checkpoint not done: %+v", cp)
				}
			})
		}
	})
}

func TestArXivFormatHarvest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		recs := harvesttest.Generate(250, day0, 5)
		srv := harvesttest.NewOAIServer(t, recs)
		srv.PageSize = 100
		res, err := (&Harvester{Store: s}).OAI(context.Background(), &OAIClient{BaseURL: srv.URL + "/oai", Fetcher: testFetcher()},
			ListRequest{MetadataPrefix: PrefixArXiv})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rejected != 0 || res.Counts.Inserted+res.Deleted != len(recs) {
			t.Errorf("result = %+v", res)
		}
		p, err := s.Paper(context.Background(), recs[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Authors) < 2 || p.Authors[1] != "Jörg Müller Jr" {
			t.Errorf("authors = %q", p.Authors)
		}
	})
}
