-- Community actions: paperboy's own upvotes and comments, submissions to the
-- daily list and the moderation audit log.
--
-- vote_count and comment_count are kept by triggers on votes and comments,
-- so they equal the rows whatever writes them (a constraint, not a promise
-- of the Go code); the CHECKs make a bug that would drive them negative
-- fail loudly instead of showing -1.
ALTER TABLE papers ADD COLUMN vote_count INTEGER NOT NULL DEFAULT 0 CHECK (vote_count >= 0);
ALTER TABLE papers ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0 CHECK (comment_count >= 0);

UPDATE papers SET
    vote_count = (SELECT COUNT(*) FROM votes WHERE votes.paper_id = papers.id),
    comment_count = (SELECT COUNT(*) FROM comments WHERE comments.paper_id = papers.id AND comments.deleted_at IS NULL)
WHERE id IN (SELECT paper_id FROM votes UNION SELECT paper_id FROM comments);

CREATE TRIGGER votes_count_insert AFTER INSERT ON votes BEGIN
    UPDATE papers SET vote_count = vote_count + 1 WHERE id = NEW.paper_id;
END;
CREATE TRIGGER votes_count_delete AFTER DELETE ON votes BEGIN
    UPDATE papers SET vote_count = vote_count - 1 WHERE id = OLD.paper_id;
END;
CREATE TRIGGER votes_count_update AFTER UPDATE OF paper_id ON votes BEGIN
    UPDATE papers SET vote_count = vote_count - 1 WHERE id = OLD.paper_id;
    UPDATE papers SET vote_count = vote_count + 1 WHERE id = NEW.paper_id;
END;

-- A comment counts while it is not deleted (soft deletion keeps the row for
-- its replies).
CREATE TRIGGER comments_count_insert AFTER INSERT ON comments WHEN NEW.deleted_at IS NULL BEGIN
    UPDATE papers SET comment_count = comment_count + 1 WHERE id = NEW.paper_id;
END;
CREATE TRIGGER comments_count_delete AFTER DELETE ON comments WHEN OLD.deleted_at IS NULL BEGIN
    UPDATE papers SET comment_count = comment_count - 1 WHERE id = OLD.paper_id;
END;
CREATE TRIGGER comments_count_update AFTER UPDATE OF deleted_at, paper_id ON comments BEGIN
    UPDATE papers SET comment_count = comment_count - 1 WHERE id = OLD.paper_id AND OLD.deleted_at IS NULL;
    UPDATE papers SET comment_count = comment_count + 1 WHERE id = NEW.paper_id AND NEW.deleted_at IS NULL;
END;
CREATE INDEX comments_user ON comments (user_id, created_at);
CREATE INDEX votes_user ON votes (user_id, created_at);

-- Submissions to the daily list. One per paper: a paper is on the daily
-- list once, and a second submission is the duplicate the rules reject
-- (answered with a link to the first). The primary key makes that hold under
-- concurrent submissions too.
CREATE TABLE submissions (
    paper_id     TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    submitted_at TEXT NOT NULL
);
CREATE INDEX submissions_user ON submissions (user_id, submitted_at);

-- Moderation actions, written in the transaction of the action itself.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    actor_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,                      -- kept when the account goes
    action     TEXT NOT NULL,                      -- hide, unhide, delete_comment, suspend, unsuspend
    target     TEXT NOT NULL,                      -- paper id, comment id or username
    reason     TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
