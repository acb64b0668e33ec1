-- Scheduled harvest jobs: one row per job that serve's scheduler runs. A
-- replica runs a job only after claiming its row with one conditional
-- UPDATE (claimed_by, claimed_until): the lease makes exactly one replica
-- run a due job, and lets another take over when the holder dies. Times are
-- RFC 3339 text in UTC, whole seconds, so that they compare as text.
CREATE TABLE harvest_jobs (
    name              TEXT PRIMARY KEY,              -- "arxiv-oai cs", "arxiv-feed cs.AI,cs.CL", "hf-daily"
    next_run_at       TEXT NOT NULL,
    claimed_by        TEXT NOT NULL DEFAULT '',      -- the replica running it, '' when idle
    claimed_until     TEXT,                          -- the lease, renewed while the job runs
    failures          INTEGER NOT NULL DEFAULT 0,    -- consecutive failed runs, for the backoff
    resume_from       TEXT NOT NULL DEFAULT '',      -- where the next run starts: the OAI until-date of the last good run
    last_status       TEXT NOT NULL DEFAULT '',      -- '', 'ok' or 'failed'
    last_error        TEXT NOT NULL DEFAULT '',
    last_records      INTEGER NOT NULL DEFAULT 0,
    last_started_at   TEXT,
    last_finished_at  TEXT,
    last_success_at   TEXT
);
