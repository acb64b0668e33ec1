package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/paperboy-dev/paperboy/internal/harvest"
	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

type harvestCmd struct {
	Arxiv  harvestArxivCmd  `cmd:"" help:"Harvest arXiv metadata over OAI-PMH, resuming an interrupted harvest of the same window."`
	RSS    harvestRSSCmd    `cmd:"" name:"rss" help:"Read arXiv's daily listing feeds."`
	HF     harvestHFCmd     `cmd:"" name:"hf" help:"Import one day of Hugging Face's daily papers."`
	Status harvestStatusCmd `cmd:"" help:"Show the scheduled harvests of serve: last run, next run, records, errors."`
}

// harvestFlags are the politeness settings every source shares.
type harvestFlags struct {
	Delay     time.Duration `name:"delay" help:"Least time between two requests."`
	Retries   int           `name:"retries" default:"5" help:"Attempts after the first for a failed or malformed response."`
	Timeout   time.Duration `name:"timeout" default:"2m" help:"Time limit of one request."`
	UserAgent string        `name:"user-agent" env:"PAPERBOY_USER_AGENT" help:"User-Agent sent to the sources (default: paperboy's, with its URL)."`
	Quiet     bool          `name:"quiet" short:"q" help:"No progress display."`
}

// harvester opens the store and a Harvester writing to it, with progress
// shown unless --quiet.
func (f *harvestFlags) harvester(e *env) (*store.Store, *harvest.Harvester, *progress, error) {
	s, err := e.openStore()
	if err != nil {
		return nil, nil, nil, err
	}
	prog := newProgress(e, f.Quiet)
	return s, &harvest.Harvester{Store: s, Log: e.log, OnProgress: harvestProgress(prog)}, prog, nil
}

func (f *harvestFlags) fetcher(e *env, delay time.Duration) *harvest.Fetcher {
	if f.Delay > 0 {
		delay = f.Delay
	}
	retries := f.Retries
	if retries == 0 {
		retries = -1 // --retries 0 means none
	}
	return &harvest.Fetcher{Client: http.DefaultClient, UserAgent: f.UserAgent, Delay: delay, Timeout: f.Timeout,
		Retries: retries, Log: e.log}
}

type harvestArxivCmd struct {
	BaseURL        string `name:"base-url" env:"PAPERBOY_OAI_URL" default:"https://oaipmh.arxiv.org/oai" help:"OAI-PMH endpoint."`
	Set            string `name:"set" help:"OAI set: cs, math, physics:hep-th, ... (default: all of arXiv)."`
	From           string `name:"from" required:"" help:"First datestamp, YYYY-MM-DD."`
	Until          string `name:"until" help:"Last datestamp, YYYY-MM-DD (default: now)."`
	MetadataPrefix string `name:"metadata-prefix" default:"arXivRaw" enum:"arXiv,arXivRaw" help:"arXivRaw (versions with their dates) or arXiv (structured authors)."`
	harvestFlags
}

func (c *harvestArxivCmd) Validate() error {
	for _, d := range []struct{ flag, v string }{{"--from", c.From}, {"--until", c.Until}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			if _, err := time.Parse("2006-01-02T15:04:05Z", d.v); err != nil {
				return fmt.Errorf("%s %q: want YYYY-MM-DD", d.flag, d.v)
			}
		}
	}
	if c.Until != "" && c.Until < c.From {
		return fmt.Errorf("--until %s is before --from %s", c.Until, c.From)
	}
	return nil
}

func (c *harvestArxivCmd) Run(e *env) error {
	s, h, prog, err := c.harvester(e)
	if err != nil {
		return err
	}
	defer s.Close()
	client := &harvest.OAIClient{BaseURL: c.BaseURL, Fetcher: c.fetcher(e, time.Second)}
	res, err := h.OAI(e.ctx, client, harvest.ListRequest{MetadataPrefix: c.MetadataPrefix, Set: c.Set, From: c.From, Until: c.Until})
	prog.clear()
	report(e, res)
	if err != nil {
		return fmt.Errorf("harvest arxiv: %w", err)
	}
	return nil
}

type harvestRSSCmd struct {
	BaseURL    string   `name:"base-url" env:"PAPERBOY_FEED_URL" default:"https://rss.arxiv.org/atom" help:"Base URL of the listing feeds (the category is appended)."`
	Categories []string `name:"categories" sep:"," help:"Categories whose feeds to read: cs.AI,cs.CL."`
	Feeds      []string `arg:"" optional:"" name:"feed" help:"Feeds to read instead, by file path or URL."`
	harvestFlags
}

func (c *harvestRSSCmd) Validate() error {
	if len(c.Categories) == 0 && len(c.Feeds) == 0 {
		return fmt.Errorf("give --categories or a feed file or URL")
	}
	return nil
}

func (c *harvestRSSCmd) Run(e *env) error {
	s, h, prog, err := c.harvester(e)
	if err != nil {
		return err
	}
	defer s.Close()
	client := &harvest.FeedClient{BaseURL: c.BaseURL, Fetcher: c.fetcher(e, time.Second)}
	var urls []string
	for _, f := range c.Feeds {
		if strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://") {
			urls = append(urls, f)
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("harvest rss: %w", err)
		}
		res, err := h.FeedFile(e.ctx, f)
		report(e, res)
		if err != nil {
			return fmt.Errorf("harvest rss: %w", err)
		}
	}
	if len(c.Categories) > 0 || len(urls) > 0 {
		res, err := h.Feeds(e.ctx, client, c.Categories, urls)
		prog.clear()
		report(e, res)
		if err != nil {
			return fmt.Errorf("harvest rss: %w", err)
		}
	}
	return nil
}

type harvestHFCmd struct {
	BaseURL string `name:"base-url" env:"PAPERBOY_HF_URL" default:"https://huggingface.co/api/daily_papers" help:"Hugging Face daily-papers API."`
	Date    string `name:"date" required:"" help:"Day of the list, YYYY-MM-DD."`
	Limit   int    `name:"limit" default:"100" help:"Items per page."`
	harvestFlags
}

func (c *harvestHFCmd) Validate() error {
	if _, err := time.Parse(time.DateOnly, c.Date); err != nil {
		return fmt.Errorf("--date %q: want YYYY-MM-DD", c.Date)
	}
	if c.Limit < 1 || c.Limit > 1000 {
		return fmt.Errorf("--limit %d: want 1 to 1000", c.Limit)
	}
	return nil
}

func (c *harvestHFCmd) Run(e *env) error {
	day, _ := time.Parse(time.DateOnly, c.Date)
	s, h, prog, err := c.harvester(e)
	if err != nil {
		return err
	}
	defer s.Close()
	client := &harvest.HFClient{BaseURL: c.BaseURL, Fetcher: c.fetcher(e, 500*time.Millisecond), Limit: c.Limit}
	res, err := h.HFDaily(e.ctx, client, day)
	prog.clear()
	report(e, res)
	if err != nil {
		return fmt.Errorf("harvest hf: %w", err)
	}
	return nil
}

func harvestProgress(p *progress) func(harvest.Progress) {
	return func(hp harvest.Progress) {
		pr := ingest.Progress{File: hp.Job, Records: hp.Records}
		if hp.Total > 0 {
			pr.Read, pr.Size = int64(hp.Records), int64(hp.Total)
		}
		p.update(pr)
	}
}

// report prints a run's summary and its rejected records.
func report(e *env, res harvest.Result) {
	for _, p := range res.Problems {
		fmt.Fprintln(e.stderr, p)
	}
	if res.Rejected > len(res.Problems) {
		fmt.Fprintf(e.stderr, "... and %d more rejected records\n", res.Rejected-len(res.Problems))
	}
	var extra []string
	if res.ResumedPage > 0 {
		extra = append(extra, fmt.Sprintf("resumed after page %d", res.ResumedPage))
	}
	if res.Restarts > 0 {
		extra = append(extra, fmt.Sprintf("%d window restarts", res.Restarts))
	}
	for _, t := range []string{"new", "cross", "replace", "replace-cross"} {
		if n := res.Announce[t]; n > 0 {
			extra = append(extra, fmt.Sprintf("%d %s", n, t))
		}
	}
	line := fmt.Sprintf("%s: %d pages, %d records: %d imported, %d updated, %d unchanged, %d deleted, %d rejected in %s (%.0f records/s)",
		res.Job, res.Pages, res.Records, res.Counts.Inserted, res.Counts.Updated, res.Counts.Unchanged, res.Deleted,
		res.Rejected, res.Elapsed.Round(time.Millisecond), res.Rate())
	if len(extra) > 0 {
		line += "; " + strings.Join(extra, ", ")
	}
	fmt.Fprintln(e.stdout, line)
}

type harvestStatusCmd struct {
	JSON bool `name:"json" help:"Print the jobs as JSON."`
}

// jobStatus is one scheduled job as harvest status --json prints it.
type jobStatus struct {
	Name           string     `json:"name"`
	Status         string     `json:"status"` // "running", "ok", "failed" or "never run"
	RunningOn      string     `json:"runningOn,omitempty"`
	LastStartedAt  *time.Time `json:"lastStartedAt"`
	LastFinishedAt *time.Time `json:"lastFinishedAt"`
	LastSuccessAt  *time.Time `json:"lastSuccessAt"`
	LastRecords    int        `json:"lastRecords"`
	LastError      string     `json:"lastError,omitempty"`
	Failures       int        `json:"failures"`
	NextRunAt      time.Time  `json:"nextRunAt"`
	ResumeFrom     string     `json:"resumeFrom,omitempty"`
}

func (c *harvestStatusCmd) Run(e *env) error {
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	jobs, err := s.HarvestJobs(e.ctx)
	if err != nil {
		return fmt.Errorf("harvest status: %w", err)
	}
	now := time.Now()
	out := make([]jobStatus, len(jobs))
	for i, j := range jobs {
		out[i] = newJobStatus(j, now)
	}
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "no scheduled harvests (serve --harvest-oai-sets, --harvest-feeds or --harvest-hf configures them)")
		return nil
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "JOB\tSTATUS\tLAST RUN\tRECORDS\tNEXT RUN\tFAILURES\tERROR")
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	for _, j := range out {
		status := j.Status
		if j.RunningOn != "" {
			status += " on " + j.RunningOn
		}
		msg := j.LastError
		if len(msg) > 80 {
			msg = msg[:77] + "..."
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", j.Name, status, when(j.LastStartedAt), j.LastRecords,
			when(&j.NextRunAt), j.Failures, cmp.Or(msg, "-"))
	}
	return w.Flush()
}

func newJobStatus(j store.HarvestJob, now time.Time) jobStatus {
	ptr := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	st := jobStatus{Name: j.Name, Status: j.LastStatus, LastStartedAt: ptr(j.LastStartedAt),
		LastFinishedAt: ptr(j.LastFinishedAt), LastSuccessAt: ptr(j.LastSuccessAt), LastRecords: j.LastRecords,
		LastError: j.LastError, Failures: j.Failures, NextRunAt: j.NextRunAt, ResumeFrom: j.ResumeFrom}
	switch {
	case j.ClaimedBy != "" && j.ClaimedUntil.After(now):
		st.Status, st.RunningOn = "running", j.ClaimedBy
	case st.Status == "":
		st.Status = "never run"
	}
	return st
}
