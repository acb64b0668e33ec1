-- The personal library: papers a user saved (with a note), their named
-- collections of them, and upvotes of public collections.
--
-- Everything hangs off users with ON DELETE CASCADE, so deleting an account
-- deletes its library, collections and upvotes in the same statement; and
-- off papers, so a paper removed from the store leaves no dangling rows.
CREATE TABLE saved_papers (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    note     TEXT NOT NULL DEFAULT '',
    saved_at TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
CREATE INDEX saved_papers_user ON saved_papers (user_id, saved_at);
CREATE INDEX saved_papers_paper ON saved_papers (paper_id);

-- A collection's slug is unique per user and stays when it is renamed, so
-- that shared links keep working. Collections are private until made public.
CREATE TABLE collections (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    private     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (user_id, slug)
);

-- A paper in a collection is also in its owner's library (the note lives
-- there); position keeps the order papers were added in.
CREATE TABLE collection_papers (
    collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    paper_id      TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    added_at      TEXT NOT NULL,
    PRIMARY KEY (collection_id, paper_id)
);
CREATE INDEX collection_papers_paper ON collection_papers (paper_id);

CREATE TABLE collection_votes (
    collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (collection_id, user_id)
);
CREATE INDEX collection_votes_user ON collection_votes (user_id);
