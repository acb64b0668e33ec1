package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// HarvestCheckpoint is where a harvest job stands: its window, the
// resumption token of the next page to fetch and what it has done so far.
// It is saved after every stored page.
type HarvestCheckpoint struct {
	Job             string // the job's key: source, format, set and window
	Source          string
	Set             string
	MetadataPrefix  string
	From, Until     string // OAI datestamps as sent; "" when open
	ResumptionToken string // of the next page; "" before the first and when done
	LastDatestamp   string // the largest record datestamp stored
	Pages           int
	Records         int
	Deleted         int
	Counts          UpsertCounts
	Done            bool
	StartedAt       time.Time
	UpdatedAt       time.Time
}

// HarvestStats are the counts a harvest run reports.
type HarvestStats struct {
	Pages   int
	Records int
	Deleted int
	Counts  UpsertCounts
}

// HarvestRun is one run of a harvest job.
type HarvestRun struct {
	ID         int64
	Job        string
	Source     string
	Status     string // "running", "ok" or "failed"
	Stats      HarvestStats
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time
}

// DeletedRecord is a record that a source reported deleted.
type DeletedRecord struct {
	PaperID   string
	Source    string
	Datestamp string
}

// HarvestCheckpoint returns the checkpoint of a job, or ErrNotFound.
func (s *Store) HarvestCheckpoint(ctx context.Context, job string) (HarvestCheckpoint, error) {
	var cp HarvestCheckpoint
	var started, updated nullTime
	err := s.read.QueryRowContext(ctx, s.q(`SELECT job, source, set_spec, metadata_prefix, window_from, window_until,
		resumption_token, last_datestamp, pages, records, deleted, inserted, updated, unchanged, done, started_at, updated_at
		FROM harvest_checkpoints WHERE job = ?`), job).Scan(&cp.Job, &cp.Source, &cp.Set, &cp.MetadataPrefix,
		&cp.From, &cp.Until, &cp.ResumptionToken, &cp.LastDatestamp, &cp.Pages, &cp.Records, &cp.Deleted,
		&cp.Counts.Inserted, &cp.Counts.Updated, &cp.Counts.Unchanged, &cp.Done, &started, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return HarvestCheckpoint{}, fmt.Errorf("store: harvest checkpoint %q: %w", job, ErrNotFound)
	}
	if err != nil {
		return HarvestCheckpoint{}, fmt.Errorf("store: harvest checkpoint %q: %w", job, err)
	}
	cp.StartedAt, cp.UpdatedAt = started.t, updated.t
	return cp, nil
}

// SaveHarvestCheckpoint writes a job's checkpoint and the deleted records of
// the page it follows, in one transaction. UpdatedAt is set to now, and
// StartedAt too when zero.
func (s *Store) SaveHarvestCheckpoint(ctx context.Context, cp HarvestCheckpoint, deleted []DeletedRecord) error {
	now := s.now()
	if cp.StartedAt.IsZero() {
		cp.StartedAt = now
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO harvest_checkpoints (job, source, set_spec, metadata_prefix,
			window_from, window_until, resumption_token, last_datestamp, pages, records, deleted, inserted, updated,
			unchanged, done, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (job) DO UPDATE SET source = excluded.source, set_spec = excluded.set_spec,
			metadata_prefix = excluded.metadata_prefix, window_from = excluded.window_from,
			window_until = excluded.window_until, resumption_token = excluded.resumption_token,
			last_datestamp = excluded.last_datestamp, pages = excluded.pages, records = excluded.records,
			deleted = excluded.deleted, inserted = excluded.inserted, updated = excluded.updated,
			unchanged = excluded.unchanged, done = excluded.done, started_at = excluded.started_at,
			updated_at = excluded.updated_at`),
			cp.Job, cp.Source, cp.Set, cp.MetadataPrefix, cp.From, cp.Until, cp.ResumptionToken, cp.LastDatestamp,
			cp.Pages, cp.Records, cp.Deleted, cp.Counts.Inserted, cp.Counts.Updated, cp.Counts.Unchanged, cp.Done,
			s.timeArg(cp.StartedAt), s.timeArg(now))
		if err != nil {
			return err
		}
		for _, d := range deleted {
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO harvest_deleted (paper_id, source, datestamp, seen_at)
				VALUES (?, ?, ?, ?) ON CONFLICT (paper_id) DO UPDATE SET source = excluded.source,
				datestamp = excluded.datestamp, seen_at = excluded.seen_at`),
				d.PaperID, d.Source, d.Datestamp, s.timeArg(now))
			if err != nil {
				return fmt.Errorf("record deleted %s: %w", d.PaperID, err)
			}
			// The source withdrew the record: the paper leaves the lists, its
			// page and the search index (through the change feed), but its
			// row, votes and comments stay, so a moderator can restore it.
			res, err := tx.ExecContext(ctx, s.q("UPDATE papers SET hidden = TRUE, updated_at = ? WHERE id = ? AND NOT hidden"),
				s.timeArg(now), d.PaperID)
			if err != nil {
				return fmt.Errorf("hide deleted %s: %w", d.PaperID, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if err := s.communityChange(ctx, tx, d.PaperID, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save harvest checkpoint %q: %w", cp.Job, err)
	}
	return nil
}

// DeletedRecords returns the records sources reported deleted, by paper id.
func (s *Store) DeletedRecords(ctx context.Context) ([]DeletedRecord, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT paper_id, source, datestamp FROM harvest_deleted ORDER BY paper_id")
	if err != nil {
		return nil, fmt.Errorf("store: deleted records: %w", err)
	}
	defer rows.Close()
	var out []DeletedRecord
	for rows.Next() {
		var d DeletedRecord
		if err := rows.Scan(&d.PaperID, &d.Source, &d.Datestamp); err != nil {
			return nil, fmt.Errorf("store: deleted records: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: deleted records: %w", err)
	}
	return out, nil
}

// StartHarvestRun records the start of a run of job and returns its id.
func (s *Store) StartHarvestRun(ctx context.Context, job, source string) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, s.q(`INSERT INTO harvest_runs (job, source, status, started_at)
			VALUES (?, ?, 'running', ?) RETURNING id`), job, source, s.timeArg(s.now())).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("store: start harvest run of %q: %w", job, err)
	}
	return id, nil
}

// FinishHarvestRun records the end of a run: "ok" when runErr is nil,
// "failed" with its message otherwise.
func (s *Store) FinishHarvestRun(ctx context.Context, id int64, st HarvestStats, runErr error) error {
	status, msg := "ok", ""
	if runErr != nil {
		status, msg = "failed", runErr.Error()
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE harvest_runs SET status = ?, pages = ?, records = ?, deleted = ?,
			inserted = ?, updated = ?, unchanged = ?, error = ?, finished_at = ? WHERE id = ?`),
			status, st.Pages, st.Records, st.Deleted, st.Counts.Inserted, st.Counts.Updated, st.Counts.Unchanged,
			msg, s.timeArg(s.now()), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish harvest run %d: %w", id, err)
	}
	return nil
}

// HarvestRuns returns the most recent runs, newest first.
func (s *Store) HarvestRuns(ctx context.Context, limit int) ([]HarvestRun, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT id, job, source, status, pages, records, deleted, inserted,
		updated, unchanged, error, started_at, finished_at FROM harvest_runs ORDER BY started_at DESC, id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("store: harvest runs: %w", err)
	}
	defer rows.Close()
	var runs []HarvestRun
	for rows.Next() {
		var r HarvestRun
		var started, finished nullTime
		if err := rows.Scan(&r.ID, &r.Job, &r.Source, &r.Status, &r.Stats.Pages, &r.Stats.Records, &r.Stats.Deleted,
			&r.Stats.Counts.Inserted, &r.Stats.Counts.Updated, &r.Stats.Counts.Unchanged, &r.Error,
			&started, &finished); err != nil {
			return nil, fmt.Errorf("store: harvest runs: %w", err)
		}
		r.StartedAt, r.FinishedAt = started.t, finished.t
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: harvest runs: %w", err)
	}
	return runs, nil
}

// HarvestJob is a scheduled harvest job: when it runs next, which replica
// holds its lease, and how its last run went.
type HarvestJob struct {
	Name           string
	NextRunAt      time.Time
	ClaimedBy      string    // the replica running it; "" when idle
	ClaimedUntil   time.Time // the end of that replica's lease
	Failures       int       // consecutive failed runs
	ResumeFrom     string    // where the next run starts, as the job understands it
	LastStatus     string    // "", "ok" or "failed"
	LastError      string
	LastRecords    int
	LastStartedAt  time.Time
	LastFinishedAt time.Time
	LastSuccessAt  time.Time
}

// HarvestJobOutcome is what FinishHarvestJob records of a run.
type HarvestJobOutcome struct {
	NextRunAt  time.Time
	Failures   int
	ResumeFrom string
	Records    int
	Err        error // nil for a good run
	FinishedAt time.Time
}

// ErrLeaseLost is returned when a replica renews or finishes a job whose
// lease it no longer holds: it expired and another replica claimed the job.
var ErrLeaseLost = errors.New("harvest job lease lost")

// Scheduler times are stored in whole seconds: SQLite compares them as
// RFC 3339 text, which orders correctly only at a fixed width.
func (s *Store) jobTime(t time.Time) any { return s.timeArg(t.Truncate(time.Second)) }

const harvestJobColumns = `name, next_run_at, claimed_by, claimed_until, failures, resume_from, last_status,
	last_error, last_records, last_started_at, last_finished_at, last_success_at`

func scanHarvestJob(row interface{ Scan(...any) error }) (HarvestJob, error) {
	var j HarvestJob
	var next, claimed, started, finished, success nullTime
	err := row.Scan(&j.Name, &next, &j.ClaimedBy, &claimed, &j.Failures, &j.ResumeFrom, &j.LastStatus,
		&j.LastError, &j.LastRecords, &started, &finished, &success)
	j.NextRunAt, j.ClaimedUntil, j.LastStartedAt, j.LastFinishedAt, j.LastSuccessAt = next.t, claimed.t, started.t, finished.t, success.t
	return j, err
}

// AddHarvestJob registers a scheduled job, first due at nextRunAt, unless it
// is registered already: then its schedule and history are kept.
func (s *Store) AddHarvestJob(ctx context.Context, name string, nextRunAt time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO harvest_jobs (name, next_run_at) VALUES (?, ?)
			ON CONFLICT (name) DO NOTHING`), name, s.jobTime(nextRunAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: add harvest job %q: %w", name, err)
	}
	return nil
}

// ClaimHarvestJob gives owner the lease of a job until now+lease if the job
// is due at now and no replica holds an unexpired lease on it. It reports
// whether owner got it. The check and the claim are one UPDATE, so of
// several replicas claiming at once exactly one succeeds: PostgreSQL
// re-evaluates the condition on the row the first one committed, SQLite has
// a single writer.
func (s *Store) ClaimHarvestJob(ctx context.Context, name, owner string, now time.Time, lease time.Duration) (HarvestJob, bool, error) {
	var j HarvestJob
	claimed := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = scanHarvestJob(tx.QueryRowContext(ctx, s.q(`UPDATE harvest_jobs
			SET claimed_by = ?, claimed_until = ?, last_started_at = ?
			WHERE name = ? AND next_run_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
			RETURNING `+harvestJobColumns),
			owner, s.jobTime(now.Add(lease)), s.jobTime(now), name, s.jobTime(now), s.jobTime(now)))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		claimed = err == nil
		return err
	})
	if err != nil {
		return HarvestJob{}, false, fmt.Errorf("store: claim harvest job %q: %w", name, err)
	}
	return j, claimed, nil
}

// RenewHarvestJob extends owner's lease of a running job to until, or
// returns ErrLeaseLost.
func (s *Store) RenewHarvestJob(ctx context.Context, name, owner string, until time.Time) error {
	err := s.updateHeldJob(ctx, `UPDATE harvest_jobs SET claimed_until = ? WHERE name = ? AND claimed_by = ?`,
		s.jobTime(until), name, owner)
	if err != nil {
		return fmt.Errorf("store: renew harvest job %q: %w", name, err)
	}
	return nil
}

// FinishHarvestJob records the outcome of owner's run of a job, schedules
// the next and releases the lease; ErrLeaseLost if owner no longer held it,
// in which case nothing is written.
func (s *Store) FinishHarvestJob(ctx context.Context, name, owner string, o HarvestJobOutcome) error {
	status, msg, success := "ok", "", s.jobTime(o.FinishedAt)
	if o.Err != nil {
		status, msg, success = "failed", o.Err.Error(), nil
	}
	err := s.updateHeldJob(ctx, `UPDATE harvest_jobs SET claimed_by = '', claimed_until = NULL,
		next_run_at = ?, failures = ?, resume_from = ?, last_status = ?, last_error = ?, last_records = ?,
		last_finished_at = ?, last_success_at = COALESCE(?, last_success_at)
		WHERE name = ? AND claimed_by = ?`,
		s.jobTime(o.NextRunAt), o.Failures, o.ResumeFrom, status, msg, o.Records, s.jobTime(o.FinishedAt), success,
		name, owner)
	if err != nil {
		return fmt.Errorf("store: finish harvest job %q: %w", name, err)
	}
	return nil
}

// updateHeldJob runs an UPDATE of a job row that its WHERE clause limits to
// the lease holder (one statement, so no transaction is needed); no row
// changed means the lease was lost.
func (s *Store) updateHeldJob(ctx context.Context, query string, args ...any) error {
	res, err := s.write.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// HarvestJobs returns the scheduled jobs by name.
func (s *Store) HarvestJobs(ctx context.Context) ([]HarvestJob, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+harvestJobColumns+` FROM harvest_jobs ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: harvest jobs: %w", err)
	}
	defer rows.Close()
	var jobs []HarvestJob
	for rows.Next() {
		j, err := scanHarvestJob(rows)
		if err != nil {
			return nil, fmt.Errorf("store: harvest jobs: %w", err)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: harvest jobs: %w", err)
	}
	return jobs, nil
}
