package harvest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the schedule keeps New York time even where the system has no zoneinfo

	"github.com/paperboy-dev/paperboy/internal/store"
)

// Scheduled jobs are coordinated through one row each in the database
// (store.HarvestJob) rather than PostgreSQL advisory locks. A replica runs a
// job only after claiming its row with a conditional UPDATE that sets a
// lease (claimed_by, claimed_until); it renews the lease while the job runs
// and releases it, with the next run time, when the job ends. This works the
// same on SQLite and PostgreSQL, needs no connection held open for the
// length of a harvest (the harvest itself uses the pool's other
// connections), survives a crashed replica (its lease expires and another
// takes the job over, resuming the OAI checkpoint), and leaves the state
// (next run, last error) where `paperboy harvest status` can read it. The
// price: replicas' clocks must agree to well within a lease (NTP does).

// JobStore is what the scheduler keeps its jobs' state in.
type JobStore interface {
	AddHarvestJob(ctx context.Context, name string, nextRunAt time.Time) error
	ClaimHarvestJob(ctx context.Context, name, owner string, now time.Time, lease time.Duration) (store.HarvestJob, bool, error)
	RenewHarvestJob(ctx context.Context, name, owner string, until time.Time) error
	FinishHarvestJob(ctx context.Context, name, owner string, o store.HarvestJobOutcome) error
}

// Schedule says when a job runs.
type Schedule interface {
	// Next returns the first run time strictly after t.
	Next(t time.Time) time.Time
}

// Every runs a job at each multiple of an interval (every hour on the
// hour, for time.Hour).
type Every time.Duration

// Next implements Schedule.
func (e Every) Next(t time.Time) time.Time {
	d := time.Duration(e)
	if d <= 0 {
		d = time.Hour
	}
	return t.Truncate(d).Add(d)
}

// Daily runs a job once a day at a time of day in a location, on some days
// of the week.
type Daily struct {
	Hour, Minute int
	Location     *time.Location // UTC when nil
	Weekdays     []time.Weekday // every day when empty
}

// Next implements Schedule.
func (d Daily) Next(t time.Time) time.Time {
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	for i := range 8 {
		day := lt.AddDate(0, 0, i)
		at := time.Date(day.Year(), day.Month(), day.Day(), d.Hour, d.Minute, 0, 0, loc)
		if at.After(t) && (len(d.Weekdays) == 0 || slices.Contains(d.Weekdays, at.Weekday())) {
			return at
		}
	}
	return t.Add(24 * time.Hour) // no weekday allowed: keep the job from spinning
}

// NewYork is arXiv's time zone: it announces around 20:00 there.
func NewYork() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil { // cannot happen with time/tzdata linked in
		return time.FixedZone("EST", -5*3600)
	}
	return loc
}

// DefaultOAISchedule is when the OAI-PMH harvest runs: arXiv announces new
// papers around 20:00 New York time, Sunday to Thursday, and the harvest
// follows an hour and a half later.
func DefaultOAISchedule() Schedule {
	return Daily{Hour: 21, Minute: 30, Location: NewYork(),
		Weekdays: []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}}
}

// DefaultFeedSchedule checks the listing feeds every hour.
func DefaultFeedSchedule() Schedule { return Every(time.Hour) }

// DefaultHFSchedule reads Hugging Face's daily list, which fills during the
// day, late in the UTC day.
func DefaultHFSchedule() Schedule { return Daily{Hour: 23} }

// Job is a harvest that runs on a schedule.
type Job struct {
	Name     string // the key of its row; unique
	Schedule Schedule
	// Run does one run at now. last is the job's row as claimed; what Run
	// returns in ResumeFrom is saved for the next run.
	Run func(ctx context.Context, h *Harvester, last store.HarvestJob, now time.Time) (JobRun, error)
}

// JobRun is what one run of a job did.
type JobRun struct {
	Records    int
	ResumeFrom string
}

// OAIJob harvests one OAI-PMH set ("" for all of arXiv) from the day the
// last good run harvested up to (yesterday, the first time) to today, in
// UTC, as OAI-PMH datestamps are. Windows overlap by a day, so that nothing
// stamped late on a boundary day is missed; upserts make the overlap free.
// A failed run keeps its window, and the next one resumes its checkpoint.
func OAIJob(c *OAIClient, set, metadataPrefix string, sched Schedule) Job {
	return Job{
		Name:     SourceOAI + " " + cmp.Or(set, "*"),
		Schedule: sched,
		Run: func(ctx context.Context, h *Harvester, last store.HarvestJob, now time.Time) (JobRun, error) {
			today := now.UTC().Format(time.DateOnly)
			from := last.ResumeFrom
			if from == "" {
				from = now.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
			}
			from = min(from, today)
			res, err := h.OAI(ctx, c, ListRequest{MetadataPrefix: metadataPrefix, Set: set, From: from, Until: today})
			if err != nil {
				return JobRun{Records: res.Records, ResumeFrom: last.ResumeFrom}, err
			}
			return JobRun{Records: res.Records, ResumeFrom: today}, nil
		},
	}
}

// FeedJob reads the listing feeds of some categories.
func FeedJob(c *FeedClient, categories []string, sched Schedule) Job {
	return Job{
		Name:     SourceFeed + " " + strings.Join(categories, ","),
		Schedule: sched,
		Run: func(ctx context.Context, h *Harvester, _ store.HarvestJob, _ time.Time) (JobRun, error) {
			res, err := h.Feeds(ctx, c, categories, nil)
			return JobRun{Records: res.Records}, err
		},
	}
}

// HFJob imports yesterday's and today's (UTC) Hugging Face daily papers:
// yesterday's list is complete by now, today's upvotes move all day.
func HFJob(c *HFClient, sched Schedule) Job {
	return Job{
		Name:     SourceHF,
		Schedule: sched,
		Run: func(ctx context.Context, h *Harvester, _ store.HarvestJob, now time.Time) (JobRun, error) {
			var run JobRun
			today := now.UTC().Truncate(24 * time.Hour)
			for _, day := range []time.Time{today.AddDate(0, 0, -1), today} {
				res, err := h.HFDaily(ctx, c, day)
				run.Records += res.Records
				if err != nil {
					return run, err
				}
			}
			return run, nil
		},
	}
}

// Scheduler runs harvest jobs on their schedules. Several replicas sharing a
// database may each run a Scheduler with the same jobs: each due run is
// done by exactly one of them (see JobStore's claims above).
type Scheduler struct {
	Store     JobStore
	Harvester *Harvester
	Jobs      []Job
	// Owner names this replica in claims; hostname-pid-random when empty.
	Owner string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Lease is how long a claim lasts without renewal; 10 minutes when
	// zero. A running job renews it every third of that.
	Lease time.Duration
	// Poll is how often Run looks for due jobs; a minute when zero.
	Poll time.Duration
	// Jitter bounds the random delay added to every next run, so that
	// deployments do not all knock at once; none when zero.
	Jitter time.Duration
	// After a failed run the job is retried after MinBackoff (5 minutes when
	// zero), doubled after each further failure up to MaxBackoff (6 hours
	// when zero), and never later than its next scheduled run.
	MinBackoff, MaxBackoff time.Duration
	Log                    *slog.Logger // discards when nil

	mu         sync.Mutex
	running    map[string]bool
	registered bool
}

// Run runs due jobs until ctx is done, then waits for the running ones,
// which stop with ctx.
func (s *Scheduler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(cmp.Or(s.Poll, time.Minute))
	defer tick.Stop()
	for {
		if _, err := s.start(ctx, s.now(), &wg); err != nil && ctx.Err() == nil {
			s.logger().Error("harvest scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RunDue runs every job due at now that no replica is running, waits for
// them to end and returns their names. A job's failure is recorded in its
// row, not returned; the error is about claiming.
func (s *Scheduler) RunDue(ctx context.Context, now time.Time) ([]string, error) {
	var wg sync.WaitGroup
	names, err := s.start(ctx, now, &wg)
	wg.Wait()
	return names, err
}

// start claims the jobs due at now and runs each in a goroutine of wg.
// Jobs the database has not seen yet are due at once: a fresh deployment
// harvests without waiting for the evening.
func (s *Scheduler) start(ctx context.Context, now time.Time, wg *sync.WaitGroup) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		s.running = map[string]bool{}
	}
	if s.Owner == "" {
		s.Owner = defaultOwner()
	}
	if !s.registered {
		for _, j := range s.Jobs {
			if err := s.Store.AddHarvestJob(ctx, j.Name, now); err != nil {
				return nil, err
			}
		}
		s.registered = true
	}
	var started []string
	var errs []error
	for _, j := range s.Jobs {
		if s.running[j.Name] {
			continue
		}
		row, ok, err := s.Store.ClaimHarvestJob(ctx, j.Name, s.Owner, now, s.lease())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		s.running[j.Name] = true
		started = append(started, j.Name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runJob(ctx, j, row, now)
			s.mu.Lock()
			delete(s.running, j.Name)
			s.mu.Unlock()
		}()
	}
	return started, errors.Join(errs...)
}

// runJob runs one claimed job, keeping its lease, and records the outcome.
// Its times are now plus the time the run took, so that a test's fixed
// clock schedules as the real one does.
func (s *Scheduler) runJob(ctx context.Context, j Job, row store.HarvestJob, now time.Time) {
	start := time.Now()
	clock := func() time.Time { return now.Add(time.Since(start)) }
	log := s.logger().With("job", j.Name)
	log.Info("harvest job starting", "resume_from", row.ResumeFrom)
	jobCtx, cancel := context.WithCancel(ctx)
	leaseDone := make(chan struct{})
	go func() {
		defer close(leaseDone)
		s.keepLease(jobCtx, cancel, j.Name, clock, log)
	}()
	run, err := s.call(jobCtx, j, row, now)
	cancel()
	<-leaseDone

	finished := clock()
	o := store.HarvestJobOutcome{Records: run.Records, ResumeFrom: run.ResumeFrom, Err: err, FinishedAt: finished}
	switch {
	case err == nil:
		o.NextRunAt = s.jitter(j.Schedule.Next(finished))
		log.Info("harvest job done", "records", run.Records, "next_run", o.NextRunAt, "after_failures", row.Failures)
	case ctx.Err() != nil:
		// Shutting down: the run is due again at once, for whichever replica
		// comes first, and does not count as a failure.
		o.NextRunAt, o.Failures = finished, row.Failures
		o.Err = fmt.Errorf("interrupted by shutdown: %w", err)
		log.Info("harvest job interrupted", "err", err)
	default:
		o.Failures = row.Failures + 1
		o.NextRunAt = finished.Add(s.backoff(o.Failures))
		if next := j.Schedule.Next(finished); next.Before(o.NextRunAt) {
			o.NextRunAt = next
		}
		o.NextRunAt = s.jitter(o.NextRunAt)
		switch {
		case !Unreachable(err):
			log.Error("harvest job failed", "err", err, "failures", o.Failures, "next_run", o.NextRunAt)
		case o.Failures == 1:
			// Offline (a laptop, a closed network): one warning, then
			// the backoff retries quietly until the source answers.
			log.Warn("harvest source unreachable; retrying quietly with backoff", "err", err, "next_run", o.NextRunAt)
		default:
			log.Debug("harvest source still unreachable", "err", err, "failures", o.Failures, "next_run", o.NextRunAt)
		}
	}
	if ferr := s.Store.FinishHarvestJob(context.WithoutCancel(ctx), j.Name, s.Owner, o); ferr != nil {
		log.Error("harvest job: recording the outcome failed", "err", ferr)
	}
}

// call runs the job, turning a panic into an error: one bad run must not
// take the server down.
func (s *Scheduler) call(ctx context.Context, j Job, row store.HarvestJob, now time.Time) (run JobRun, err error) {
	defer func() {
		if p := recover(); p != nil {
			run.ResumeFrom = row.ResumeFrom
			err = fmt.Errorf("harvest job %s panicked: %v", j.Name, p)
		}
	}()
	return j.Run(ctx, s.Harvester, row, now)
}

// keepLease renews the lease until ctx ends. It stops the job (cancel) if
// another replica took the lease, or if the lease ran out without a renewal
// getting through: past that point another replica may be running the job.
func (s *Scheduler) keepLease(ctx context.Context, cancel context.CancelFunc, name string, clock func() time.Time, log *slog.Logger) {
	lease := s.lease()
	deadline := clock().Add(lease)
	tick := time.NewTicker(lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		until := clock().Add(lease)
		err := s.Store.RenewHarvestJob(ctx, name, s.Owner, until)
		switch {
		case err == nil:
			deadline = until
		case errors.Is(err, store.ErrLeaseLost):
			log.Warn("harvest job: lease lost to another replica, stopping")
			cancel()
			return
		case ctx.Err() != nil:
			return
		case !clock().Before(deadline):
			log.Error("harvest job: lease expired without renewal, stopping", "err", err)
			cancel()
			return
		default:
			log.Warn("harvest job: renewing the lease failed", "err", err)
		}
	}
}

func (s *Scheduler) backoff(failures int) time.Duration {
	d, limit := cmp.Or(s.MinBackoff, 5*time.Minute), cmp.Or(s.MaxBackoff, 6*time.Hour)
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func (s *Scheduler) jitter(t time.Time) time.Time {
	if s.Jitter <= 0 {
		return t
	}
	return t.Add(time.Duration(mrand.Int64N(int64(s.Jitter))))
}

func (s *Scheduler) lease() time.Duration { return cmp.Or(s.Lease, 10*time.Minute) }

func (s *Scheduler) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func defaultOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", cmp.Or(host, "replica"), os.Getpid(), hex.EncodeToString(b[:]))
}
