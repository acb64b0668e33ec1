package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ratePruneEvery is how often TakeRate deletes the rows of full buckets.
const ratePruneEvery = 10 * time.Minute

// TakeRate takes one action from the token bucket of key, which holds up to
// burst actions and refills one every every, and reports whether the action
// is allowed and, if not, how long until it would be. The bucket is one row
// (GCRA: its theoretical arrival time) changed by one upsert, so that every
// process on the database shares the limit exactly: the counters that guard
// mail and sign-in hold across replicas. A burst below 1 allows nothing.
func (s *Store) TakeRate(ctx context.Context, key string, every time.Duration, burst int) (ok bool, retryAfter time.Duration, err error) {
	if burst < 1 {
		return false, every, nil
	}
	now := s.now().UnixNano()
	// The action is allowed when the bucket's time, once it is moved on by
	// one action, stays within burst actions of now.
	limitAt := now + int64(burst-1)*int64(every)
	var tat int64
	err = s.write.QueryRowContext(ctx, s.q(`INSERT INTO rate_limits (key, tat, allowed) VALUES (?, ?, TRUE)
		ON CONFLICT (key) DO UPDATE SET
			allowed = rate_limits.tat <= ?,
			tat = CASE WHEN rate_limits.tat > ? THEN rate_limits.tat
				WHEN rate_limits.tat > ? THEN rate_limits.tat + ?
				ELSE ? END
		RETURNING tat, allowed`),
		rateKey(key), now+int64(every), limitAt, limitAt, now, int64(every), now+int64(every)).Scan(&tat, &ok)
	if err != nil {
		return false, 0, fmt.Errorf("store: take rate %q: %w", key, err)
	}
	s.maybePruneRates(ctx, now)
	if ok {
		return true, 0, nil
	}
	return false, time.Duration(tat - limitAt), nil
}

// rateKey returns key, or a digest of it when it is not text a database
// keeps as is (invalid UTF-8 or NUL, which PostgreSQL refuses) or is long:
// keys carry what clients type.
func rateKey(key string) string {
	if len(key) <= 300 && utf8.ValidString(key) && !strings.ContainsRune(key, 0) {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// maybePruneRates prunes now and then, from whichever call comes first.
// Pruning is housekeeping: a failure is retried at the next interval and
// must not fail the limit it rides on.
func (s *Store) maybePruneRates(ctx context.Context, now int64) {
	last := s.ratesPruned.Load()
	if now-last < int64(ratePruneEvery) || !s.ratesPruned.CompareAndSwap(last, now) {
		return
	}
	s.PruneRates(ctx)
}

// PruneRates deletes the rows of buckets that have refilled: a full bucket
// is the same as none. It returns how many it deleted.
func (s *Store) PruneRates(ctx context.Context) (int64, error) {
	res, err := s.write.ExecContext(ctx, s.q("DELETE FROM rate_limits WHERE tat <= ?"), s.now().UnixNano())
	if err != nil {
		return 0, fmt.Errorf("store: prune rate limits: %w", err)
	}
	return res.RowsAffected()
}
