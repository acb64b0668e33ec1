package harvest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// Store is what a harvest writes to.
type Store interface {
	UpsertPapers(ctx context.Context, papers []store.Paper) (store.UpsertCounts, error)
	UpsertCommunity(ctx context.Context, papers []store.Paper) (store.UpsertCounts, error)
	PapersByID(ctx context.Context, ids []string) ([]store.Paper, error)
	HarvestCheckpoint(ctx context.Context, job string) (store.HarvestCheckpoint, error)
	SaveHarvestCheckpoint(ctx context.Context, cp store.HarvestCheckpoint, deleted []store.DeletedRecord) error
	StartHarvestRun(ctx context.Context, job, source string) (int64, error)
	FinishHarvestRun(ctx context.Context, id int64, st store.HarvestStats, runErr error) error
}

// The sources, as recorded in checkpoints and runs.
const (
	SourceOAI  = "arxiv-oai"
	SourceFeed = "arxiv-feed"
	SourceAPI  = "arxiv-api"
	SourceHF   = "hf-daily"
)

// Harvester stores what the clients fetch.
type Harvester struct {
	Store Store
	Log   *slog.Logger // discards when nil
	// OnProgress, if set, is called after every stored page.
	OnProgress func(Progress)
	// MaxRestarts bounds how often an OAI-PMH harvest restarts its window
	// after a badResumptionToken; 3 when zero.
	MaxRestarts int
}

// Progress is reported after every page a harvest stored.
type Progress struct {
	Job     string
	Pages   int
	Records int
	Total   int // the complete list size when the source tells, else -1
}

// Result is what one harvest run did.
type Result struct {
	Job string
	store.HarvestStats
	Rejected    int      // records whose metadata could not be used
	Problems    []string // the first reasons for rejections
	ResumedPage int      // the pages already stored when the run resumed a checkpoint; 0 for a fresh start
	Restarts    int      // windows restarted after a badResumptionToken
	Announce    map[string]int
	Elapsed     time.Duration
}

const maxProblems = 100

func (r *Result) reject(err error) {
	r.Rejected++
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, err.Error())
	}
}

// Rate is records per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Records) / r.Elapsed.Seconds()
}

// JobKey names an OAI-PMH harvest: one checkpoint per source, format, set
// and window.
func JobKey(req ListRequest) string {
	return fmt.Sprintf("%s %s %s %s..%s", SourceOAI, cmp.Or(req.MetadataPrefix, PrefixArXivRaw), cmp.Or(req.Set, "*"), req.From, req.Until)
}

// OAI harvests the records req selects. It resumes the job's checkpoint
// when an earlier run stopped before the end, stores each page and then
// checkpoints the position after it, so that a run killed at any moment and
// started again reaches the same end state. A badResumptionToken (an expired
// session) restarts the window from its start; upserts being idempotent,
// the pages stored again change nothing.
func (h *Harvester) OAI(ctx context.Context, c *OAIClient, req ListRequest) (res Result, err error) {
	start := time.Now()
	req.MetadataPrefix = cmp.Or(req.MetadataPrefix, PrefixArXivRaw)
	job := JobKey(req)
	res = Result{Job: job}
	cp, err := h.Store.HarvestCheckpoint(ctx, job)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && (cp.Done || cp.ResumptionToken == "")):
		cp = store.HarvestCheckpoint{Job: job, Source: SourceOAI, Set: req.Set, MetadataPrefix: req.MetadataPrefix,
			From: req.From, Until: req.Until}
	case err != nil:
		return res, err
	default:
		res.ResumedPage = cp.Pages
		h.logger().Info("harvest: resuming", "job", job, "pages", cp.Pages, "records", cp.Records)
	}
	runID, err := h.Store.StartHarvestRun(ctx, job, SourceOAI)
	if err != nil {
		return res, err
	}
	defer func() {
		res.Elapsed = time.Since(start)
		if ferr := h.Store.FinishHarvestRun(context.WithoutCancel(ctx), runID, res.HarvestStats, err); ferr != nil && err == nil {
			err = ferr
		}
	}()
	maxRestarts := h.MaxRestarts
	if maxRestarts <= 0 {
		maxRestarts = 3
	}
	for {
		page, err := c.ListRecords(ctx, req, cp.ResumptionToken)
		var oe *OAIError
		if errors.As(err, &oe) && oe.Code == "badResumptionToken" && cp.ResumptionToken != "" && res.Restarts < maxRestarts {
			res.Restarts++
			h.logger().Warn("harvest: resumption token refused, restarting the window", "job", job, "error", err)
			cp.ResumptionToken = ""
			continue
		}
		if err != nil {
			return res, fmt.Errorf("harvest %s: page %d: %w", job, cp.Pages+1, err)
		}
		papers := make([]store.Paper, 0, len(page.Records))
		var deleted []store.DeletedRecord
		for _, r := range page.Records {
			if r.Datestamp > cp.LastDatestamp {
				cp.LastDatestamp = r.Datestamp
			}
			switch {
			case r.Deleted:
				id, err := r.PaperID()
				if err != nil {
					res.reject(fmt.Errorf("deleted record %s: %w", r.Identifier, err))
					continue
				}
				deleted = append(deleted, store.DeletedRecord{PaperID: id, Source: SourceOAI, Datestamp: r.Datestamp})
			case r.Err != nil:
				res.reject(r.Err)
			default:
				papers = append(papers, r.Paper)
			}
		}
		for i := range papers {
			papers[i].ArrivedVia = "arXiv OAI-PMH (" + cmp.Or(req.Set, "all sets") + ")"
		}
		counts, err := h.Store.UpsertPapers(ctx, papers)
		if err != nil {
			return res, fmt.Errorf("harvest %s: page %d: %w", job, cp.Pages+1, err)
		}
		// The papers are committed; a kill before the checkpoint below only
		// makes the next run fetch this page again.
		cp.Pages++
		cp.Records += len(page.Records)
		cp.Deleted += len(deleted)
		cp.Counts.Add(counts)
		cp.ResumptionToken = page.ResumptionToken
		cp.Done = page.ResumptionToken == ""
		res.Pages++
		res.Records += len(page.Records)
		res.Deleted += len(deleted)
		res.Counts.Add(counts)
		if err := h.Store.SaveHarvestCheckpoint(ctx, cp, deleted); err != nil {
			return res, fmt.Errorf("harvest %s: page %d: %w", job, cp.Pages, err)
		}
		if h.OnProgress != nil {
			h.OnProgress(Progress{Job: job, Pages: cp.Pages, Records: cp.Records, Total: page.CompleteListSize})
		}
		if cp.Done {
			return res, nil
		}
	}
}

func (h *Harvester) logger() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

// run records a run of a source without a checkpoint (feeds, API lookups,
// Hugging Face) around fn.
func (h *Harvester) run(ctx context.Context, job, source string, fn func(res *Result) error) (res Result, err error) {
	start := time.Now()
	res = Result{Job: job}
	runID, err := h.Store.StartHarvestRun(ctx, job, source)
	if err != nil {
		return res, err
	}
	err = fn(&res)
	res.Elapsed = time.Since(start)
	if ferr := h.Store.FinishHarvestRun(context.WithoutCancel(ctx), runID, res.HarvestStats, err); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

// fillGaps completes papers from a partial source (a listing feed, the Atom
// API) with what the store already knows of them, so that they never erase
// what a fuller source stored: papers the store holds at the same or a newer
// version are dropped, the others keep the stored version history, dates
// and fields the partial source lacks.
func fillGaps(ctx context.Context, s Store, papers []store.Paper) ([]store.Paper, error) {
	ids := make([]string, len(papers))
	for i, p := range papers {
		ids[i] = p.ID
	}
	stored, err := s.PapersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]store.Paper, len(stored))
	for _, p := range stored {
		byID[p.ID] = p
	}
	out := papers[:0]
	for _, p := range papers {
		old, ok := byID[p.ID]
		if !ok || old.Source != store.SourceArxiv {
			out = append(out, p)
			continue
		}
		if old.Version >= p.Version && old.Version > 0 {
			continue
		}
		out = append(out, mergeKnown(old, p))
	}
	return out, nil
}

// mergeKnown fills what the partial record fresh lacks from old.
func mergeKnown(old, fresh store.Paper) store.Paper {
	m := fresh
	known := map[int]bool{}
	for _, v := range fresh.Versions {
		known[v.Version] = true
	}
	var versions []store.Version
	for _, v := range old.Versions {
		if !known[v.Version] && v.Version < fresh.Version {
			versions = append(versions, v)
		}
	}
	m.Versions = append(versions, fresh.Versions...)
	slices.SortFunc(m.Versions, func(a, b store.Version) int { return a.Version - b.Version })
	if !old.FirstVersionAt.IsZero() {
		m.FirstVersionAt = old.FirstVersionAt
	}
	if !old.ListedOn.IsZero() {
		m.ListedOn = old.ListedOn
	}
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&m.Submitter, old.Submitter}, {&m.Comments, old.Comments}, {&m.JournalRef, old.JournalRef},
		{&m.DOI, old.DOI}, {&m.ReportNo, old.ReportNo}, {&m.License, old.License},
		{&m.Classification, old.Classification}, {&m.Abstract, old.Abstract},
	} {
		if strings.TrimSpace(*f.dst) == "" {
			*f.dst = f.src
		}
	}
	return m
}
