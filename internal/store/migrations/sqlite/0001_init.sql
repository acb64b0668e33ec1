-- Papers: arXiv metadata (or Hugging Face's, until arXiv's arrives) and the
-- community signals imported from Hugging Face's daily papers.
CREATE TABLE papers (
    id                TEXT PRIMARY KEY,            -- versionless arXiv id
    version           INTEGER NOT NULL DEFAULT 0,  -- latest known version, 0 if unknown
    title             TEXT NOT NULL,
    abstract          TEXT NOT NULL DEFAULT '',
    authors           TEXT NOT NULL DEFAULT '[]',  -- JSON array of names, in order
    categories        TEXT NOT NULL DEFAULT '',    -- space-separated, primary first
    primary_category  TEXT NOT NULL DEFAULT '',
    classifications   TEXT NOT NULL DEFAULT '',    -- MSC / ACM codes, space-separated
    comments          TEXT NOT NULL DEFAULT '',
    journal_ref       TEXT NOT NULL DEFAULT '',
    doi               TEXT NOT NULL DEFAULT '',
    report_no         TEXT NOT NULL DEFAULT '',
    license           TEXT NOT NULL DEFAULT '',
    submitter         TEXT NOT NULL DEFAULT '',
    versions          TEXT NOT NULL DEFAULT '[]',  -- JSON [{"version":1,"created":"..."}]
    first_version_at  TEXT,                        -- RFC 3339, UTC
    latest_version_at TEXT,
    listed_on         TEXT,                        -- YYYY-MM-DD of the announcing listing
    source            TEXT NOT NULL CHECK (source IN ('arxiv', 'hf')),
    meta_hash         TEXT NOT NULL,

    -- Community data. An arXiv re-import never touches these columns.
    base_upvotes      INTEGER NOT NULL DEFAULT 0,  -- imported from Hugging Face
    daily_on          TEXT,                        -- YYYY-MM-DD on the daily list
    daily_submitted_at TEXT,
    daily_submitter   TEXT NOT NULL DEFAULT '',
    github_repo       TEXT NOT NULL DEFAULT '',
    github_stars      INTEGER,
    hf_num_comments   INTEGER NOT NULL DEFAULT 0,
    ai_summary        TEXT NOT NULL DEFAULT '',
    ai_keywords       TEXT NOT NULL DEFAULT '[]',
    project_page      TEXT NOT NULL DEFAULT '',
    community_hash    TEXT NOT NULL DEFAULT '',

    hidden            INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX papers_listed_on ON papers (listed_on DESC, base_upvotes DESC);
CREATE INDEX papers_daily_on ON papers (daily_on DESC, base_upvotes DESC) WHERE daily_on IS NOT NULL;

CREATE TABLE paper_categories (
    paper_id  TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    category  TEXT NOT NULL,
    position  INTEGER NOT NULL,                    -- 0 = primary
    PRIMARY KEY (paper_id, category)
) WITHOUT ROWID;
CREATE INDEX paper_categories_category ON paper_categories (category, paper_id);

-- The change feed: one row per change to a paper, written in the same
-- transaction, so derived views (the search index, other replicas) can
-- catch up from the last sequence number they applied.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    paper_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,                      -- 'paper' | 'community'
    changed_at TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'moderator', 'admin')),
    created_at    TEXT NOT NULL
);

CREATE TABLE votes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
CREATE INDEX votes_paper ON votes (paper_id);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id  INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX comments_paper ON comments (paper_id, created_at);

CREATE TABLE subscriptions (
    id           INTEGER PRIMARY KEY,
    email        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    cadence      TEXT NOT NULL DEFAULT 'daily' CHECK (cadence IN ('daily', 'weekly')),
    filters      TEXT NOT NULL DEFAULT '{}',       -- JSON: categories, authors, queries
    confirmed_at TEXT,
    created_at   TEXT NOT NULL
);
