-- Rate limits that every replica shares (mail and sign-in): one row per
-- bucket key (an action and an account, address or email), holding the
-- bucket's theoretical arrival time (GCRA) in Unix nanoseconds. A row whose
-- time has passed is a full bucket, the same as no row, and is pruned.
-- allowed is the last Take's answer, which RETURNING reports.
CREATE TABLE rate_limits (
    key     TEXT PRIMARY KEY,
    tat     BIGINT NOT NULL,
    allowed BOOLEAN NOT NULL
);
