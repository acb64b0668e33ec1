-- Harvest checkpoints: where a harvest job stands, saved after every page so
-- that a harvest killed at any moment resumes from its last stored page.
CREATE TABLE harvest_checkpoints (
    job              TEXT PRIMARY KEY,            -- source, prefix, set and window, e.g. "arxiv-oai arXivRaw cs 2025-01-01..2025-01-31"
    source           TEXT NOT NULL,               -- 'arxiv-oai'
    set_spec         TEXT NOT NULL DEFAULT '',
    metadata_prefix  TEXT NOT NULL DEFAULT '',
    window_from      TEXT NOT NULL DEFAULT '',    -- OAI datestamps as sent, '' when open
    window_until     TEXT NOT NULL DEFAULT '',
    resumption_token TEXT NOT NULL DEFAULT '',    -- '' before the first page and when done
    last_datestamp   TEXT NOT NULL DEFAULT '',    -- the largest record datestamp stored
    pages            INTEGER NOT NULL DEFAULT 0,
    records          INTEGER NOT NULL DEFAULT 0,
    deleted          INTEGER NOT NULL DEFAULT 0,
    inserted         INTEGER NOT NULL DEFAULT 0,
    updated          INTEGER NOT NULL DEFAULT 0,
    unchanged        INTEGER NOT NULL DEFAULT 0,
    done             INTEGER NOT NULL DEFAULT 0,
    started_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

-- Harvest runs: one row per run of a job, for the admin page and /metrics.
CREATE TABLE harvest_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job         TEXT NOT NULL,
    source      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    pages       INTEGER NOT NULL DEFAULT 0,
    records     INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX harvest_runs_started ON harvest_runs (started_at DESC);

-- Records a source reported deleted (OAI header status="deleted"). Papers are
-- not removed for now; this keeps the evidence.
CREATE TABLE harvest_deleted (
    paper_id   TEXT PRIMARY KEY,
    source     TEXT NOT NULL,
    datestamp  TEXT NOT NULL DEFAULT '',
    seen_at    TEXT NOT NULL
);
