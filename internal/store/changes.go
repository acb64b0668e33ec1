package store

import (
	"context"
	"fmt"
	"time"
)

// Change is one entry of the change feed.
type Change struct {
	Seq       int64
	PaperID   string
	Kind      string // "paper" (metadata) or "community"
	ChangedAt time.Time
}

// Changes returns up to limit changes with a sequence number above after, in
// order.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	rows, err := s.read.QueryContext(ctx, s.q(
		"SELECT seq, paper_id, kind, changed_at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?"), after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: changes after %d: %w", after, err)
	}
	defer rows.Close()
	var changes []Change
	for rows.Next() {
		var c Change
		var at nullTime
		if err := rows.Scan(&c.Seq, &c.PaperID, &c.Kind, &at); err != nil {
			return nil, fmt.Errorf("store: changes after %d: %w", after, err)
		}
		c.ChangedAt = at.t
		changes = append(changes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: changes after %d: %w", after, err)
	}
	return changes, nil
}

// PruneChanges deletes feed entries older than before, keeping the newest
// entry so that the feed's position survives. A reader whose position falls
// below the oldest kept entry must rebuild instead of catching up (see
// Stats.FirstChange).
func (s *Store) PruneChanges(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, s.q(
		"DELETE FROM changes WHERE changed_at < ? AND seq < (SELECT MAX(seq) FROM changes)"), s.timeArg(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune changes before %s: %w", before.Format(time.RFC3339), err)
	}
	return res.RowsAffected()
}
