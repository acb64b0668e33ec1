package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The feedback signals a reader gives a recommended paper (migration 0015).
const (
	SignalNotInterested = "not_interested"
	SignalFewerLikeThis = "fewer_like_this"
	SignalMoreLikeThis  = "more_like_this"
)

// RecFeedback is a reader's latest signal on one paper.
type RecFeedback struct {
	PaperID   string
	Signal    string
	CreatedAt time.Time
}

// SetRecFeedback records the reader's signal on a paper, replacing an
// earlier one. An unknown or hidden paper is ErrNotFound.
func (s *Store) SetRecFeedback(ctx context.Context, userID int64, paperID, signal string) error {
	switch signal {
	case SignalNotInterested, SignalFewerLikeThis, SignalMoreLikeThis:
	default:
		return fmt.Errorf("store: feedback %q of user %d on %s: %w", signal, userID, paperID, ErrInvalidText)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.visiblePaper(ctx, tx, paperID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO rec_feedback (user_id, paper_id, signal, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, paper_id) DO UPDATE SET signal = excluded.signal, created_at = excluded.created_at`),
			userID, paperID, signal, s.timeArg(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: feedback %s of user %d on %s: %w", signal, userID, paperID, err)
	}
	return nil
}

// DeleteRecFeedback forgets the reader's signal on a paper; forgetting
// none is not an error.
func (s *Store) DeleteRecFeedback(ctx context.Context, userID int64, paperID string) error {
	if _, err := s.write.ExecContext(ctx, s.q("DELETE FROM rec_feedback WHERE user_id = ? AND paper_id = ?"), userID, paperID); err != nil {
		return fmt.Errorf("store: delete feedback of user %d on %s: %w", userID, paperID, err)
	}
	return nil
}

// RecFeedbacks lists the reader's signals, oldest first.
func (s *Store) RecFeedbacks(ctx context.Context, userID int64) ([]RecFeedback, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT paper_id, signal, created_at FROM rec_feedback WHERE user_id = ?
		ORDER BY created_at, paper_id`), userID)
	if err != nil {
		return nil, fmt.Errorf("store: feedback of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []RecFeedback
	for rows.Next() {
		var f RecFeedback
		var at nullTime
		if err := rows.Scan(&f.PaperID, &f.Signal, &at); err != nil {
			return nil, fmt.Errorf("store: feedback of user %d: %w", userID, err)
		}
		f.CreatedAt = at.t
		out = append(out, f)
	}
	return out, rows.Err()
}

// SetFeedToken makes tokenHash the reader's private feed token, replacing
// (and so revoking) the one they had.
func (s *Store) SetFeedToken(ctx context.Context, userID int64, tokenHash string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM feed_tokens WHERE user_id = ?"), userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO feed_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)"),
			tokenHash, userID, s.timeArg(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set feed token of user %d: %w", userID, err)
	}
	return nil
}

// DeleteFeedToken revokes the reader's private feed token, if any.
func (s *Store) DeleteFeedToken(ctx context.Context, userID int64) error {
	if _, err := s.write.ExecContext(ctx, s.q("DELETE FROM feed_tokens WHERE user_id = ?"), userID); err != nil {
		return fmt.Errorf("store: delete feed token of user %d: %w", userID, err)
	}
	return nil
}

// FeedTokenCreated is when the reader's feed token was made; zero when
// they have none.
func (s *Store) FeedTokenCreated(ctx context.Context, userID int64) (time.Time, error) {
	var at nullTime
	err := s.read.QueryRowContext(ctx, s.q("SELECT created_at FROM feed_tokens WHERE user_id = ?"), userID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: feed token of user %d: %w", userID, err)
	}
	return at.t, nil
}

// FeedTokenUser is the reader a feed token belongs to. An unknown token,
// or one of a suspended reader, is ErrNotFound.
func (s *Store) FeedTokenUser(ctx context.Context, tokenHash string) (User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q(
		`SELECT `+userColumnsOf("u")+` FROM feed_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`), tokenHash))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.Suspended()) {
		return User{}, fmt.Errorf("store: feed token: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: feed token: %w", err)
	}
	return u, nil
}

// RecordVisit notes that the reader looks at their recommendations now
// and returns the start of "since last visit": the visit before the
// current one, where visits closer than gap count as one (reloading the
// page does not empty it). Zero for a first visit.
func (s *Store) RecordVisit(ctx context.Context, userID int64, now time.Time, gap time.Duration) (time.Time, error) {
	var previous time.Time
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var last, prev nullTime
		err := tx.QueryRowContext(ctx, s.q("SELECT last_at, previous_at FROM rec_visits WHERE user_id = ?"+s.forUpdate()), userID).Scan(&last, &prev)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, s.q("INSERT INTO rec_visits (user_id, last_at) VALUES (?, ?)"), userID, s.timeArg(now))
			return err
		case err != nil:
			return err
		}
		if now.Sub(last.t) < gap {
			previous = prev.t
			_, err = tx.ExecContext(ctx, s.q("UPDATE rec_visits SET last_at = ? WHERE user_id = ?"), s.timeArg(now), userID)
			return err
		}
		previous = last.t
		_, err = tx.ExecContext(ctx, s.q("UPDATE rec_visits SET last_at = ?, previous_at = ? WHERE user_id = ?"),
			s.timeArg(now), s.timeArg(last.t), userID)
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("store: record visit of user %d: %w", userID, err)
	}
	return previous, nil
}

// SavedPaperIDs are the ids of the reader's library, the most recently
// saved last, at most limit of the latest.
func (s *Store) SavedPaperIDs(ctx context.Context, userID int64, limit int) ([]string, error) {
	ids, err := s.queryStrings(ctx, `SELECT paper_id FROM (SELECT paper_id, saved_at FROM saved_papers WHERE user_id = ?
		ORDER BY saved_at DESC, paper_id DESC LIMIT ?) l ORDER BY saved_at, paper_id`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: saved paper ids of user %d: %w", userID, err)
	}
	return ids, nil
}

// CollectionPaper is a paper in one of a reader's collections.
type CollectionPaper struct {
	Slug, Name string // the collection's
	PaperID    string
}

// CollectionPaperIDs lists the papers of every collection of the reader,
// by collection and then in the order they were added.
func (s *Store) CollectionPaperIDs(ctx context.Context, userID int64) ([]CollectionPaper, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT c.slug, c.name, cp.paper_id FROM collections c
		JOIN collection_papers cp ON cp.collection_id = c.id WHERE c.user_id = ? ORDER BY c.slug, cp.position, cp.paper_id`), userID)
	if err != nil {
		return nil, fmt.Errorf("store: collection papers of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []CollectionPaper
	for rows.Next() {
		var c CollectionPaper
		if err := rows.Scan(&c.Slug, &c.Name, &c.PaperID); err != nil {
			return nil, fmt.Errorf("store: collection papers of user %d: %w", userID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RecommendablePaperIDs are every paper some reader has saved or given
// feedback on: the papers whose features recommendations need beside the
// new ones.
func (s *Store) RecommendablePaperIDs(ctx context.Context) ([]string, error) {
	ids, err := s.queryStrings(ctx, `SELECT paper_id FROM saved_papers UNION SELECT paper_id FROM rec_feedback ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("store: recommendable paper ids: %w", err)
	}
	return ids, nil
}

// EachListedPaper calls fn for every visible paper whose day (the daily
// list's, else the listing's) is in [from, to), in id order, reading in
// pages.
func (s *Store) EachListedPaper(ctx context.Context, from, to time.Time, fn func(Paper) error) error {
	const page = 2000
	after := ""
	for {
		papers, err := s.queryPapers(ctx, "SELECT "+paperSelect+" FROM papers WHERE NOT hidden AND "+dayExpr+" >= ? AND "+
			dayExpr+" < ? AND id > ? ORDER BY id LIMIT ?", dateArg(from), dateArg(to), after, page)
		if err != nil {
			return fmt.Errorf("store: papers listed %s..%s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
		}
		for _, p := range papers {
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(papers) < page {
			return nil
		}
		after = papers[len(papers)-1].ID
	}
}

// queryStrings runs a query whose rows are one string each.
func (s *Store) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
