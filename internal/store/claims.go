package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Claim states.
const (
	ClaimPending  = "pending"
	ClaimApproved = "approved"
	ClaimRejected = "rejected"
)

// ErrClaimTaken is returned when another member's claim to the same author
// of a paper was approved first.
var ErrClaimTaken = errors.New("this author of the paper is claimed by someone else")

// Claim is a member's claim to be one of a paper's authors.
type Claim struct {
	UserID    int64
	Username  string
	PaperID   string
	Title     string // the paper's
	Position  int    // which author, 0 first
	Author    string // the name at Position
	Status    string
	CreatedAt time.Time
	DecidedAt time.Time
}

const claimSelect = `c.user_id, u.username, c.paper_id, p.title, p.authors, c.position, c.status, c.created_at, c.decided_at
	FROM claims c JOIN users u ON u.id = c.user_id JOIN papers p ON p.id = c.paper_id`

func scanClaim(r rowScanner) (Claim, error) {
	var c Claim
	var authors string
	var created, decided nullTime
	if err := r.Scan(&c.UserID, &c.Username, &c.PaperID, &c.Title, &authors, &c.Position, &c.Status, &created, &decided); err != nil {
		return c, err
	}
	var names []string
	if err := json.Unmarshal([]byte(authors), &names); err != nil {
		return c, fmt.Errorf("paper %s: authors: %w", c.PaperID, err)
	}
	if c.Position < len(names) {
		c.Author = names[c.Position]
	}
	c.CreatedAt, c.DecidedAt = created.t, decided.t
	return c, nil
}

func (s *Store) queryClaims(ctx context.Context, op string, query string, args ...any) ([]Claim, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT "+claimSelect+" "+query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	return out, nil
}

// ClaimPaper files a member's claim to be the author at position of a
// paper, pending. A member has one claim per paper: claiming again while
// it is pending changes the position; an approved or rejected claim stays
// as it was decided. It returns the claim as stored.
func (s *Store) ClaimPaper(ctx context.Context, userID int64, paperID string, position int) (Claim, error) {
	_, err := s.write.ExecContext(ctx, s.q(`INSERT INTO claims (user_id, paper_id, position, status, created_at)
		VALUES (?, ?, ?, 'pending', ?)
		ON CONFLICT (user_id, paper_id) DO UPDATE SET position = excluded.position WHERE claims.status = 'pending'`),
		userID, paperID, position, s.timeArg(s.now()))
	if err != nil {
		return Claim{}, fmt.Errorf("store: claim of %s by user %d: %w", paperID, userID, err)
	}
	return s.claim(ctx, userID, paperID)
}

func (s *Store) claim(ctx context.Context, userID int64, paperID string) (Claim, error) {
	cs, err := s.queryClaims(ctx, "claim of "+paperID, "WHERE c.user_id = ? AND c.paper_id = ?", userID, paperID)
	if err != nil {
		return Claim{}, err
	}
	if len(cs) == 0 {
		return Claim{}, fmt.Errorf("store: claim of %s by user %d: %w", paperID, userID, ErrNotFound)
	}
	return cs[0], nil
}

// WithdrawClaim removes a member's pending claim; a decided one stays.
// It reports whether there was a pending claim.
func (s *Store) WithdrawClaim(ctx context.Context, userID int64, paperID string) (bool, error) {
	res, err := s.write.ExecContext(ctx, s.q("DELETE FROM claims WHERE user_id = ? AND paper_id = ? AND status = 'pending'"), userID, paperID)
	if err != nil {
		return false, fmt.Errorf("store: withdraw claim of %s by user %d: %w", paperID, userID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PendingClaims returns the claims waiting for a moderator, oldest first.
func (s *Store) PendingClaims(ctx context.Context, limit int) ([]Claim, error) {
	return s.queryClaims(ctx, "pending claims", "WHERE c.status = 'pending' ORDER BY c.created_at, c.paper_id, c.user_id LIMIT ?", limit)
}

// CountPendingClaims counts a member's claims waiting for a moderator.
func (s *Store) CountPendingClaims(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM claims WHERE user_id = ? AND status = 'pending'"), userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: pending claims of user %d: %w", userID, err)
	}
	return n, nil
}

// PaperClaims returns a paper's approved claims and, when userID is not
// 0, that member's own claim whatever its state.
func (s *Store) PaperClaims(ctx context.Context, paperID string, userID int64) ([]Claim, error) {
	return s.queryClaims(ctx, "claims of "+paperID,
		"WHERE c.paper_id = ? AND (c.status = 'approved' OR c.user_id = ?) ORDER BY c.position", paperID, userID)
}

// UserClaims returns a member's approved claims, the most recently decided
// first.
func (s *Store) UserClaims(ctx context.Context, userID int64, limit int) ([]Claim, error) {
	return s.queryClaims(ctx, "claims of user", "WHERE c.user_id = ? AND c.status = 'approved' ORDER BY c.decided_at DESC, c.paper_id LIMIT ?", userID, limit)
}

// DecideClaim approves or rejects a pending claim and writes the audit log
// in the same transaction. It returns ErrNotFound when there is no pending
// claim and ErrClaimTaken when the author is already verified as someone
// else.
func (s *Store) DecideClaim(ctx context.Context, userID int64, paperID string, approve bool, by Actor) (Claim, error) {
	status, action := ClaimRejected, "reject_claim"
	if approve {
		status, action = ClaimApproved, "approve_claim"
	}
	now := s.now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var username string
		var position int
		err := tx.QueryRowContext(ctx, s.q(`SELECT u.username, c.position FROM claims c JOIN users u ON u.id = c.user_id
			WHERE c.user_id = ? AND c.paper_id = ? AND c.status = 'pending'`+s.forUpdate()), userID, paperID).Scan(&username, &position)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if approve {
			var taken int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM claims WHERE paper_id = ? AND position = ? AND status = 'approved'`),
				paperID, position).Scan(&taken); err != nil {
				return err
			}
			if taken > 0 {
				return ErrClaimTaken
			}
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE claims SET status = ?, decided_at = ?, decided_by = ? WHERE user_id = ? AND paper_id = ?`),
			status, s.timeArg(now), nullID(by.ID), userID, paperID)
		if isUniqueViolation(err) {
			return ErrClaimTaken
		}
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, by, action, paperID+" by "+username, "", now); err != nil {
			return err
		}
		// The paper page shows verified authors: its cached copies are stale.
		return s.recordChanges(ctx, tx, []Paper{{ID: paperID}}, "community", now)
	})
	if err != nil {
		return Claim{}, fmt.Errorf("store: decide claim of %s by user %d: %w", paperID, userID, err)
	}
	return s.claim(ctx, userID, paperID)
}
