-- Community actions: paperboy's own upvotes and comments, submissions to the
-- daily list and the moderation audit log.
--
-- vote_count and comment_count are kept by triggers on votes and comments,
-- so they equal the rows whatever writes them (a constraint, not a promise
-- of the Go code); the CHECKs make a bug that would drive them negative
-- fail loudly instead of showing -1. The trigger's UPDATE locks the paper
-- row, so concurrent votes serialise on it and none is lost.
ALTER TABLE papers
    ADD COLUMN vote_count INTEGER NOT NULL DEFAULT 0 CONSTRAINT papers_vote_count_nonnegative CHECK (vote_count >= 0),
    ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0 CONSTRAINT papers_comment_count_nonnegative CHECK (comment_count >= 0);

UPDATE papers SET
    vote_count = (SELECT COUNT(*) FROM votes WHERE votes.paper_id = papers.id),
    comment_count = (SELECT COUNT(*) FROM comments WHERE comments.paper_id = papers.id AND comments.deleted_at IS NULL)
WHERE id IN (SELECT paper_id FROM votes UNION SELECT paper_id FROM comments);

CREATE FUNCTION papers_count_votes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE papers SET vote_count = vote_count - 1 WHERE id = OLD.paper_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE papers SET vote_count = vote_count + 1 WHERE id = NEW.paper_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER votes_count AFTER INSERT OR DELETE OR UPDATE OF paper_id ON votes
    FOR EACH ROW EXECUTE FUNCTION papers_count_votes();

-- A comment counts while it is not deleted (soft deletion keeps the row for
-- its replies).
CREATE FUNCTION papers_count_comments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.deleted_at IS NULL THEN
        UPDATE papers SET comment_count = comment_count - 1 WHERE id = OLD.paper_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
        UPDATE papers SET comment_count = comment_count + 1 WHERE id = NEW.paper_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER comments_count AFTER INSERT OR DELETE OR UPDATE OF deleted_at, paper_id ON comments
    FOR EACH ROW EXECUTE FUNCTION papers_count_comments();
CREATE INDEX comments_user ON comments (user_id, created_at);
CREATE INDEX votes_user ON votes (user_id, created_at);

-- Submissions to the daily list. One per paper: a paper is on the daily
-- list once, and a second submission is the duplicate the rules reject
-- (answered with a link to the first). The primary key makes that hold under
-- concurrent submissions too.
CREATE TABLE submissions (
    paper_id     TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
    user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    submitted_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX submissions_user ON submissions (user_id, submitted_at);

-- Moderation actions, written in the transaction of the action itself.
CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    actor_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,                      -- kept when the account goes
    action     TEXT NOT NULL,                      -- hide, unhide, delete_comment, suspend, unsuspend
    target     TEXT NOT NULL,                      -- paper id, comment id or username
    reason     TEXT NOT NULL DEFAULT '',
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
