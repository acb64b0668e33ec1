-- Authors, follows and claims of authorship.
--
-- paper_authors indexes each paper's authors by their normalised name
-- (authorname.Key) and its initial form (authorname.InitialKey), for the
-- author pages. The normalisation lives in Go, so the rows are written by
-- every upsert and, for papers stored before this migration, by the
-- backfill that Migrate runs after it (migrate_authors.go), which also
-- moves account-tied digest filters into follows.
CREATE TABLE paper_authors (
    paper_id    TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,                  -- 0 = first author
    norm_name   TEXT NOT NULL,
    initial_key TEXT NOT NULL,
    PRIMARY KEY (paper_id, position)
);
-- One index serves both reads: the names under an initial key, and the
-- papers of some of those names (an author page's names share their
-- initial key). A second index on norm_name alone made imports slower for
-- no read that needs it.
CREATE INDEX paper_authors_names ON paper_authors (initial_key, norm_name, paper_id);

-- What a member follows: an author (value: the normalised name), a
-- category, a topic (its id) or a saved search (the query). label is the
-- form the member gave, for display.
CREATE TABLE follows (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('author', 'category', 'topic', 'search')),
    value      TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, kind, value)
);

-- A member's claim to be one of a paper's authors (the one at position),
-- pending until a moderator approves or rejects it.
CREATE TABLE claims (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL CHECK (position >= 0),
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (user_id, paper_id)
);
-- One verified person per author position.
CREATE UNIQUE INDEX claims_approved ON claims (paper_id, position) WHERE status = 'approved';
CREATE INDEX claims_status ON claims (status, created_at);
