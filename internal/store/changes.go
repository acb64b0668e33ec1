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
