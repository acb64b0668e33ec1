-- Recommendations ("For you"): a reader's feedback on recommended papers,
-- their private feed token and their visits (for "since last visit").
--
-- Feedback is one signal per paper, the latest replacing the earlier:
-- not_interested drops the paper, fewer_like_this pushes its neighbours
-- down, more_like_this counts it with the library. Saving goes to the
-- library itself (saved_papers).
CREATE TABLE rec_feedback (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    signal     TEXT NOT NULL CHECK (signal IN ('not_interested', 'fewer_like_this', 'more_like_this')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
CREATE INDEX rec_feedback_paper ON rec_feedback (paper_id);

-- One private feed per reader, found by the hash of its token (the token
-- itself is shown once); regenerating replaces it, revoking deletes it.
CREATE TABLE feed_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);

-- The reader's last visit to their recommendations and the one before:
-- "since last visit" is since previous_at.
CREATE TABLE rec_visits (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_at     TEXT NOT NULL,
    previous_at TEXT
);
