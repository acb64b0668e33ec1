-- Email digests: subscription states, the outbox of composed digests, the
-- runs that fill it, and settings shared by all replicas (the key that
-- signs subscription links).
--
-- A subscription is pending until its address confirms (double opt-in),
-- active while digests go to it, unsubscribed by its owner, or suppressed
-- after a permanent delivery failure or repeated bounces (nothing is sent
-- to it again, and a new subscribe request does not revive it).
ALTER TABLE subscriptions ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'active', 'unsubscribed', 'suppressed'));
ALTER TABLE subscriptions ADD COLUMN confirm_sent_at TEXT;
ALTER TABLE subscriptions ADD COLUMN unsubscribed_at TEXT;
ALTER TABLE subscriptions ADD COLUMN suppressed_at TEXT;
ALTER TABLE subscriptions ADD COLUMN suppress_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN bounces INTEGER NOT NULL DEFAULT 0;
UPDATE subscriptions SET status = 'active' WHERE confirmed_at IS NOT NULL;
CREATE INDEX subscriptions_status ON subscriptions (status, cadence, id);

CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- One row per (subscription, digest date), composed once: the unique key
-- makes composing idempotent across runs and replicas, and the stored
-- message (with its Message-ID) is what every attempt sends. A sender
-- claims a row with a lease (claimed_by, claimed_until) and marks it sent
-- after the server accepted it.
CREATE TABLE digest_outbox (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    digest_date     TEXT NOT NULL,                  -- YYYY-MM-DD
    cadence         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'suppressed', 'empty')),
    message_id      TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    headers         TEXT NOT NULL DEFAULT '{}',     -- JSON object
    papers          INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT NOT NULL DEFAULT '',
    claimed_until   TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (subscription_id, digest_date)
);
CREATE INDEX digest_outbox_due ON digest_outbox (status, next_attempt_at) WHERE status = 'queued';
CREATE INDEX digest_outbox_date ON digest_outbox (digest_date);

CREATE TABLE digest_runs (
    id          INTEGER PRIMARY KEY,
    digest_date TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    composed    INTEGER NOT NULL DEFAULT 0,
    empty       INTEGER NOT NULL DEFAULT 0,
    sent        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT ''
);
