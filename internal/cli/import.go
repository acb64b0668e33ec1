package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

type importCmd struct {
	Files     []string `arg:"" name:"file" type:"existingfile" help:"Files to import: Kaggle arXiv JSON lines or Hugging Face daily-papers items (plain or gzip)."`
	Format    string   `name:"format" default:"auto" enum:"auto,kaggle,hf" help:"Input format: auto, kaggle or hf."`
	BatchSize int      `name:"batch-size" default:"1000" help:"Records written per transaction."`
	Quiet     bool     `name:"quiet" short:"q" help:"No progress display."`
	// CPUProfile is for finding where an import's time goes.
	CPUProfile string `name:"cpu-profile" hidden:"" placeholder:"FILE" help:"Write a CPU profile of the import to FILE."`
}

// maxListedProblems bounds the rejected records printed one by one.
const maxListedProblems = 100

func (c *importCmd) Validate() error {
	if c.BatchSize < 1 || c.BatchSize > 100_000 {
		return fmt.Errorf("--batch-size %d: want 1 to 100000", c.BatchSize)
	}
	return nil
}

func (c *importCmd) Run(e *env) (err error) {
	format, err := ingest.ParseFormat(c.Format)
	if err != nil {
		return err
	}
	s, err := e.openStoreWith(store.Options{Bulk: true})
	if err != nil {
		return err
	}
	defer s.Close()
	stop, err := startCPUProfile(c.CPUProfile)
	if err != nil {
		return err
	}
	defer stop()

	// An initial load of an empty database builds the secondary indexes
	// once at the end rather than row by row; if the import is killed, the
	// next command to open the database builds them.
	deferred, err := s.DeferIndexes(e.ctx)
	if err != nil {
		return err
	}
	if deferred {
		defer func() {
			start := time.Now()
			built, ierr := s.RestoreIndexes(context.WithoutCancel(e.ctx))
			if ierr != nil {
				err = errors.Join(err, ierr)
				return
			}
			fmt.Fprintf(e.stdout, "built %d indexes in %s\n", len(built), time.Since(start).Round(time.Millisecond))
		}()
	}

	problems := 0
	prog := newProgress(e, c.Quiet)
	im := &ingest.Importer{
		Store:     s,
		Format:    format,
		BatchSize: c.BatchSize,
		OnProblem: func(p ingest.Problem) {
			problems++
			if problems <= maxListedProblems {
				prog.clear()
				fmt.Fprintln(e.stderr, p)
			}
		},
		OnProgress: prog.update,
	}
	var total ingest.Summary
	for _, path := range c.Files {
		sum, err := im.ImportFile(e.ctx, path)
		prog.clear()
		total.Add(sum)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", path, describe(sum))
	}
	if problems > maxListedProblems {
		fmt.Fprintf(e.stderr, "... and %d more rejected records\n", problems-maxListedProblems)
	}
	if len(c.Files) > 1 {
		fmt.Fprintf(e.stdout, "total: %s\n", describe(total))
	}
	if total.Rejected > 0 {
		return exitError(1)
	}
	return nil
}

func describe(s ingest.Summary) string {
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Records) / s.Elapsed.Seconds()
	}
	return fmt.Sprintf("%d records: %d imported, %d updated, %d unchanged, %d rejected in %s (%.0f records/s)",
		s.Records, s.Inserted, s.Updated, s.Unchanged, s.Rejected, s.Elapsed.Round(time.Millisecond), rate)
}

// progress shows an import's progress: a redrawn bar on a terminal, a log
// line every few seconds otherwise.
type progress struct {
	e        *env
	tty      bool
	off      bool
	file     string
	start    time.Time
	last     time.Time
	drawn    bool
	interval time.Duration
}

func newProgress(e *env, quiet bool) *progress {
	tty := isTerminal(e.stderr)
	interval := 5 * time.Second
	if tty {
		interval = 200 * time.Millisecond
	}
	return &progress{e: e, tty: tty, off: quiet, start: time.Now(), interval: interval}
}

// counter adapts the display to a done-of-total count, such as an index
// build's.
func (p *progress) counter(what string) func(done, total int) {
	return func(done, total int) {
		p.update(ingest.Progress{File: what, Records: done, Read: int64(done), Size: int64(total)})
	}
}

func (p *progress) update(pr ingest.Progress) {
	now := time.Now()
	if p.off || now.Sub(p.last) < p.interval {
		return
	}
	if pr.File != p.file { // rates and ETA are per file
		p.file, p.start = pr.File, now
	}
	p.last = now
	elapsed := now.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(pr.Records) / elapsed
	}
	frac := 0.0
	if pr.Size > 0 {
		frac = min(1, float64(pr.Read)/float64(pr.Size))
	}
	eta := "?"
	if frac > 0.01 {
		eta = (time.Duration(elapsed*(1-frac)/frac) * time.Second).Round(time.Second).String()
	}
	if !p.tty {
		p.e.log.Info("progress", "of", pr.File, "records", pr.Records, "percent", int(frac*100),
			"rate", fmt.Sprintf("%.0f/s", rate), "eta", eta)
		return
	}
	const width = 30
	filled := int(frac * width)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '.'
		if i < filled {
			bar[i] = '#'
		}
	}
	fmt.Fprintf(p.e.stderr, "\r[%s] %3.0f%%  %d records  %.0f/s  ETA %s  ", bar, frac*100, pr.Records, rate, eta)
	p.drawn = true
}

// clear removes the bar before other output.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.e.stderr, "\r\033[K")
		p.drawn = false
	}
	p.last = time.Time{}
}

// startCPUProfile writes a CPU profile to path, if set, until stop is
// called.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
