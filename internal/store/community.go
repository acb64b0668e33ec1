package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Errors of the community actions. Each is wrapped with its operation and
// key; check them with errors.Is.
var (
	// ErrForbidden is returned when the acting user may not do what was
	// asked (edit another's comment, moderate without the role).
	ErrForbidden = errors.New("not allowed")
	// ErrTooOld is returned when a submitted paper is older than the rules
	// allow.
	ErrTooOld = errors.New("paper too old to submit")
	// ErrDailyCap is returned when a user has submitted as many papers today
	// as the rules allow.
	ErrDailyCap = errors.New("daily submission limit reached")
	// ErrInvalid is returned for input the store will not keep (an empty
	// comment).
	ErrInvalid = errors.New("invalid input")
)

// Actor is the user on whose behalf a community write is made. Moderator
// is their role's right to act on others' content; the store checks it
// rather than trusting callers to have done so.
type Actor struct {
	ID        int64
	Name      string
	Moderator bool
}

// communityChange records, in tx, that a paper's community data changed, so
// that the response cache and other replicas see the new counts; it also
// moves updated_at, which Last-Modified and conditional requests use.
func (s *Store) communityChange(ctx context.Context, tx *sql.Tx, paperID string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, s.q("UPDATE papers SET updated_at = ? WHERE id = ?"), s.timeArg(now), paperID); err != nil {
		return fmt.Errorf("touch paper: %w", err)
	}
	return s.recordChanges(ctx, tx, []Paper{{ID: paperID}}, "community", now)
}

// visiblePaper checks, inside tx, that the paper exists and is not hidden:
// hidden papers take no votes, comments or submissions.
func (s *Store) visiblePaper(ctx context.Context, tx *sql.Tx, id string) error {
	var hidden bool
	err := tx.QueryRowContext(ctx, s.q("SELECT hidden FROM papers WHERE id = ?"), id).Scan(&hidden)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && hidden) {
		return ErrNotFound
	}
	return err
}

// Vote records userID's upvote of the paper and returns the paper's total
// upvotes (imported plus paperboy's). Voting twice changes nothing.
func (s *Store) Vote(ctx context.Context, userID int64, paperID string) (int, error) {
	total, err := s.setVote(ctx, userID, paperID, true)
	if err != nil {
		return 0, fmt.Errorf("store: vote %d on %s: %w", userID, paperID, err)
	}
	return total, nil
}

// Unvote withdraws userID's upvote of the paper, if any, and returns the
// paper's total upvotes.
func (s *Store) Unvote(ctx context.Context, userID int64, paperID string) (int, error) {
	total, err := s.setVote(ctx, userID, paperID, false)
	if err != nil {
		return 0, fmt.Errorf("store: unvote %d on %s: %w", userID, paperID, err)
	}
	return total, nil
}

func (s *Store) setVote(ctx context.Context, userID int64, paperID string, up bool) (total int, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.visiblePaper(ctx, tx, paperID); err != nil {
			return err
		}
		now := s.now().UTC()
		var res sql.Result
		var err error
		if up {
			// ON CONFLICT DO NOTHING makes a repeated or concurrent vote of
			// one user a no-op; the trigger counts only inserted rows.
			res, err = tx.ExecContext(ctx, s.q(`INSERT INTO votes (user_id, paper_id, created_at) VALUES (?, ?, ?)
				ON CONFLICT (user_id, paper_id) DO NOTHING`), userID, paperID, s.timeArg(now))
		} else {
			res, err = tx.ExecContext(ctx, s.q("DELETE FROM votes WHERE user_id = ? AND paper_id = ?"), userID, paperID)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n > 0 {
			if err := s.communityChange(ctx, tx, paperID, now); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, s.q("SELECT base_upvotes + vote_count FROM papers WHERE id = ?"), paperID).Scan(&total)
	})
	return total, err
}

// HasVoted reports whether userID has upvoted the paper.
func (s *Store) HasVoted(ctx context.Context, userID int64, paperID string) (bool, error) {
	voted, err := s.VotedAmong(ctx, userID, []string{paperID})
	return voted[paperID], err
}

// VotedAmong returns the papers among ids that userID has upvoted.
func (s *Store) VotedAmong(ctx context.Context, userID int64, ids []string) (map[string]bool, error) {
	voted := map[string]bool{}
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := []any{userID}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := s.read.QueryContext(ctx, s.q("SELECT paper_id FROM votes WHERE user_id = ? AND paper_id IN ("+
			placeholders(len(part))+")"), args...)
		if err != nil {
			return nil, fmt.Errorf("store: votes of user %d: %w", userID, err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: votes of user %d: %w", userID, err)
			}
			voted[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: votes of user %d: %w", userID, err)
		}
	}
	return voted, nil
}

// Comment is one comment on a paper. A deleted comment keeps its place (so
// that its replies still make sense) with an empty body.
type Comment struct {
	ID        int64
	PaperID   string
	UserID    int64
	Username  string
	ParentID  int64 // 0 for a top-level comment
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt time.Time
	Replies   []Comment // of a top-level comment, oldest first
}

// Deleted reports whether the comment was deleted.
func (c *Comment) Deleted() bool { return !c.DeletedAt.IsZero() }

// Edited reports whether the comment was changed after it was written.
func (c *Comment) Edited() bool { return c.UpdatedAt.After(c.CreatedAt) }

const commentSelect = `c.id, c.paper_id, c.user_id, u.username, COALESCE(c.parent_id, 0), c.body,
	c.created_at, c.updated_at, c.deleted_at FROM comments c JOIN users u ON u.id = c.user_id`

func scanComment(r rowScanner) (Comment, error) {
	var c Comment
	var created, updated, deleted nullTime
	err := r.Scan(&c.ID, &c.PaperID, &c.UserID, &c.Username, &c.ParentID, &c.Body, &created, &updated, &deleted)
	c.CreatedAt, c.UpdatedAt, c.DeletedAt = created.t, updated.t, deleted.t
	if c.Deleted() {
		c.Body = ""
	}
	return c, err
}

// AddComment stores a comment by userID on the paper. A reply names its
// parent; a reply to a reply attaches to the top-level comment, since
// threads are one level deep.
func (s *Store) AddComment(ctx context.Context, paperID string, userID, parentID int64, body string) (Comment, error) {
	if err := checkText("comment", body); err != nil {
		return Comment{}, fmt.Errorf("store: add comment to %s: %w", paperID, err)
	}
	var c Comment
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if strings.TrimSpace(body) == "" {
			return fmt.Errorf("empty comment: %w", ErrInvalid)
		}
		if err := s.visiblePaper(ctx, tx, paperID); err != nil {
			return err
		}
		var parent any
		if parentID != 0 {
			var parentPaper string
			var grand sql.NullInt64
			err := tx.QueryRowContext(ctx, s.q("SELECT paper_id, parent_id FROM comments WHERE id = ?"), parentID).Scan(&parentPaper, &grand)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && parentPaper != paperID) {
				return fmt.Errorf("parent comment %d: %w", parentID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			parent = parentID
			if grand.Valid {
				parent = grand.Int64
			}
		}
		now := s.now().UTC()
		var id int64
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO comments (paper_id, user_id, parent_id, body, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), paperID, userID, parent, body, s.timeArg(now), s.timeArg(now)).Scan(&id)
		if err != nil {
			return err
		}
		if err := s.communityChange(ctx, tx, paperID, now); err != nil {
			return err
		}
		c, err = scanComment(tx.QueryRowContext(ctx, s.q("SELECT "+commentSelect+" WHERE c.id = ?"), id))
		return err
	})
	if err != nil {
		return Comment{}, fmt.Errorf("store: comment on %s by %d: %w", paperID, userID, err)
	}
	return c, nil
}

// CommentByID returns one comment, deleted or not, or ErrNotFound.
func (s *Store) CommentByID(ctx context.Context, id int64) (Comment, error) {
	c, err := scanComment(s.read.QueryRowContext(ctx, s.q("SELECT "+commentSelect+" WHERE c.id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Comment{}, fmt.Errorf("store: comment %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Comment{}, fmt.Errorf("store: comment %d: %w", id, err)
	}
	return c, nil
}

// EditComment replaces the body of the actor's own comment. Anyone else's,
// moderators included, is ErrForbidden: moderators delete, they do not put
// words in people's mouths.
func (s *Store) EditComment(ctx context.Context, id int64, by Actor, body string) (Comment, error) {
	if err := checkText("comment", body); err != nil {
		return Comment{}, fmt.Errorf("store: edit comment %d: %w", id, err)
	}
	var c Comment
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if strings.TrimSpace(body) == "" {
			return fmt.Errorf("empty comment: %w", ErrInvalid)
		}
		old, err := s.commentForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.UserID != by.ID {
			return ErrForbidden
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, s.q("UPDATE comments SET body = ?, updated_at = ? WHERE id = ?"), body, s.timeArg(now), id); err != nil {
			return err
		}
		if err := s.communityChange(ctx, tx, old.PaperID, now); err != nil {
			return err
		}
		c, err = scanComment(tx.QueryRowContext(ctx, s.q("SELECT "+commentSelect+" WHERE c.id = ?"), id))
		return err
	})
	if err != nil {
		return Comment{}, fmt.Errorf("store: edit comment %d by %d: %w", id, by.ID, err)
	}
	return c, nil
}

// commentForUpdate reads a comment that is not deleted, locking it on
// PostgreSQL.
func (s *Store) commentForUpdate(ctx context.Context, tx *sql.Tx, id int64) (Comment, error) {
	var c Comment
	err := tx.QueryRowContext(ctx, s.q("SELECT id, paper_id, user_id FROM comments WHERE id = ? AND deleted_at IS NULL"+s.forUpdate()), id).
		Scan(&c.ID, &c.PaperID, &c.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// DeleteComment soft-deletes a comment: its author may, and so may a
// moderator, whose deletion of another's comment goes into the audit log
// with the reason. The paper's comment count drops by one (the trigger).
func (s *Store) DeleteComment(ctx context.Context, id int64, by Actor, reason string) error {
	if err := checkText("reason", reason); err != nil {
		return fmt.Errorf("store: delete comment %d: %w", id, err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.commentForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		own := c.UserID == by.ID
		if !own && !by.Moderator {
			return ErrForbidden
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, s.q("UPDATE comments SET deleted_at = ? WHERE id = ?"), s.timeArg(now), id); err != nil {
			return err
		}
		if !own {
			if err := s.audit(ctx, tx, by, "delete_comment", strconv.FormatInt(id, 10)+" on "+c.PaperID, reason, now); err != nil {
				return err
			}
		}
		return s.communityChange(ctx, tx, c.PaperID, now)
	})
	if err != nil {
		return fmt.Errorf("store: delete comment %d by %d: %w", id, by.ID, err)
	}
	return nil
}

// Comments returns a paper's comments as threads: top-level comments oldest
// first, each with its replies. Deleted comments are left out unless
// replies hang from them.
func (s *Store) Comments(ctx context.Context, paperID string) ([]Comment, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT "+commentSelect+" WHERE c.paper_id = ? ORDER BY c.created_at, c.id"), paperID)
	if err != nil {
		return nil, fmt.Errorf("store: comments on %s: %w", paperID, err)
	}
	defer rows.Close()
	var top []Comment
	replies := map[int64][]Comment{}
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, fmt.Errorf("store: comments on %s: %w", paperID, err)
		}
		if c.ParentID == 0 {
			top = append(top, c)
		} else if !c.Deleted() {
			replies[c.ParentID] = append(replies[c.ParentID], c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: comments on %s: %w", paperID, err)
	}
	threads := top[:0]
	for _, c := range top {
		c.Replies = replies[c.ID]
		if !c.Deleted() || len(c.Replies) > 0 {
			threads = append(threads, c)
		}
	}
	return threads, nil
}

// RecentComments returns the latest comments that are not deleted, on any
// paper, newest first: the moderators' queue.
func (s *Store) RecentComments(ctx context.Context, limit int) ([]Comment, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT "+commentSelect+" WHERE c.deleted_at IS NULL ORDER BY c.created_at DESC, c.id DESC LIMIT ?"), limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent comments: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, fmt.Errorf("store: recent comments: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SubmitRules are the rules of submissions to the daily list, like Hugging
// Face's.
type SubmitRules struct {
	// MaxAgeDays is how old, from its first version, a paper may be; 0 for
	// no limit.
	MaxAgeDays int
	// DailyCap is how many papers one user may submit per (UTC) day; 0 for
	// no limit.
	DailyCap int
}

// DuplicateError is a submission of a paper already on the daily list. It
// matches ErrConflict and names the paper, so that the answer can link it.
type DuplicateError struct{ PaperID string }

func (e *DuplicateError) Error() string {
	return "paper " + e.PaperID + " is already on the daily list"
}

// Is makes errors.Is(err, ErrConflict) hold.
func (e *DuplicateError) Is(target error) bool { return target == ErrConflict }

// Submit puts a stored paper on today's daily list (today by the store's
// clock), credited to the user. A paper already on a daily list, whether by
// a submission here or Hugging Face's, is a *DuplicateError; a paper older
// than the rules allow is ErrTooOld; a user over the daily cap gets
// ErrDailyCap.
func (s *Store) Submit(ctx context.Context, paperID string, by Actor, rules SubmitRules) (Paper, error) {
	var p Paper
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Locking the user's row serialises one user's submissions, so two
		// at once cannot both pass the cap on PostgreSQL.
		var uid int64
		if err := tx.QueryRowContext(ctx, s.q("SELECT id FROM users WHERE id = ?"+s.forUpdate()), by.ID).Scan(&uid); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("user %d: %w", by.ID, ErrNotFound)
			}
			return err
		}
		var err error
		p, err = scanPaper(tx.QueryRowContext(ctx, s.q("SELECT "+paperSelect+" FROM papers WHERE id = ?"+s.forUpdate()), paperID))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && p.Community.Hidden) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !p.Community.DailyOn.IsZero() {
			return &DuplicateError{PaperID: paperID}
		}
		now := s.now().UTC()
		today := now.Truncate(24 * time.Hour)
		if rules.MaxAgeDays > 0 {
			born := p.FirstVersionAt
			if born.IsZero() {
				born = p.ListedOn
			}
			if !born.IsZero() && born.Before(today.AddDate(0, 0, -rules.MaxAgeDays)) {
				return fmt.Errorf("first version %s, limit %d days: %w", born.Format(time.DateOnly), rules.MaxAgeDays, ErrTooOld)
			}
		}
		if rules.DailyCap > 0 {
			var n int
			err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM submissions WHERE user_id = ? AND submitted_at >= ?"),
				by.ID, s.timeArg(today)).Scan(&n)
			if err != nil {
				return err
			}
			if n >= rules.DailyCap {
				return fmt.Errorf("%d today: %w", n, ErrDailyCap)
			}
		}
		_, err = tx.ExecContext(ctx, s.q("INSERT INTO submissions (paper_id, user_id, submitted_at) VALUES (?, ?, ?)"),
			paperID, by.ID, s.timeArg(now))
		if isUniqueViolation(err) {
			return &DuplicateError{PaperID: paperID}
		}
		if err != nil {
			return err
		}
		p.Community.DailyOn, p.Community.DailySubmittedAt, p.Community.DailySubmitter = today, now, by.Name
		// The fingerprint is refreshed with the fields, so that the next
		// Hugging Face import compares against what is stored.
		_, err = tx.ExecContext(ctx, s.q(`UPDATE papers SET daily_on = ?, daily_submitted_at = ?, daily_submitter = ?,
			community_hash = ? WHERE id = ?`),
			dateArg(today), s.timeArg(now), by.Name, p.Community.hash(), paperID)
		if err != nil {
			return err
		}
		return s.communityChange(ctx, tx, paperID, now)
	})
	if err != nil {
		return Paper{}, fmt.Errorf("store: submit %s by %d: %w", paperID, by.ID, err)
	}
	return p, nil
}

// SetHidden hides a paper from the lists (or shows it again), as a
// moderator's action recorded in the audit log.
func (s *Store) SetHidden(ctx context.Context, paperID string, hidden bool, by Actor, reason string) error {
	if err := checkText("reason", reason); err != nil {
		return fmt.Errorf("store: hide %s: %w", paperID, err)
	}
	action := "unhide"
	if hidden {
		action = "hide"
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if !by.Moderator {
			return ErrForbidden
		}
		now := s.now().UTC()
		res, err := tx.ExecContext(ctx, s.q("UPDATE papers SET hidden = ?, updated_at = ? WHERE id = ?"), hidden, s.timeArg(now), paperID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		if err := s.audit(ctx, tx, by, action, paperID, reason, now); err != nil {
			return err
		}
		return s.recordChanges(ctx, tx, []Paper{{ID: paperID}}, "community", now)
	})
	if err != nil {
		return fmt.Errorf("store: %s paper %s: %w", action, paperID, err)
	}
	return nil
}

// SetSuspended suspends a user (or lifts the suspension), as a moderator's
// action recorded in the audit log. Suspended users cannot sign in or use
// their tokens (accounts). Moderators cannot suspend administrators.
func (s *Store) SetSuspended(ctx context.Context, username string, suspended bool, by Actor, reason string) error {
	if checkText("username", username) != nil {
		return fmt.Errorf("store: suspend %q: %w", username, ErrNotFound)
	}
	if err := checkText("reason", reason); err != nil {
		return fmt.Errorf("store: suspend %q: %w", username, err)
	}
	action := "unsuspend"
	if suspended {
		action = "suspend"
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if !by.Moderator {
			return ErrForbidden
		}
		var id int64
		var role string
		err := tx.QueryRowContext(ctx, s.q("SELECT id, role FROM users WHERE lower(username) = lower(?)"+s.forUpdate()), username).Scan(&id, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if role == "admin" || id == by.ID {
			return ErrForbidden
		}
		now := s.now().UTC()
		var at any
		if suspended {
			at = s.timeArg(now)
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE users SET suspended_at = ? WHERE id = ?"), at, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, action, username, reason, now)
	})
	if err != nil {
		return fmt.Errorf("store: %s user %q: %w", action, username, err)
	}
	return nil
}

// AuditEntry is one moderation action.
type AuditEntry struct {
	ID     int64
	Actor  string
	Action string // hide, unhide, delete_comment, suspend, unsuspend
	Target string
	Reason string
	At     time.Time
}

func (s *Store) audit(ctx context.Context, tx *sql.Tx, by Actor, action, target, reason string, now time.Time) error {
	var actor any // NULL for actions from the command line
	if by.ID != 0 {
		actor = by.ID
	}
	_, err := tx.ExecContext(ctx, s.q("INSERT INTO audit_log (actor_id, actor_name, action, target, reason, at) VALUES (?, ?, ?, ?, ?, ?)"),
		actor, by.Name, action, target, reason, s.timeArg(now))
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", action, target, err)
	}
	return nil
}

// AuditLog returns the latest moderation actions, newest first.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT id, actor_name, action, target, reason, at FROM audit_log ORDER BY id DESC LIMIT ?"), limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at nullTime
		if err := rows.Scan(&e.ID, &e.Actor, &e.Action, &e.Target, &e.Reason, &at); err != nil {
			return nil, fmt.Errorf("store: audit log: %w", err)
		}
		e.At = at.t
		out = append(out, e)
	}
	return out, rows.Err()
}

// SubmittedPapers returns the visible papers the user submitted to the
// daily list, latest first.
func (s *Store) SubmittedPapers(ctx context.Context, userID int64, limit int) ([]Paper, error) {
	papers, err := s.queryPapers(ctx, "SELECT "+prefixed("p", paperSelect)+` FROM submissions su JOIN papers p ON p.id = su.paper_id
		WHERE su.user_id = ? AND NOT p.hidden ORDER BY su.submitted_at DESC, p.id LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: papers submitted by %d: %w", userID, err)
	}
	return papers, nil
}

// UpvotedPapers returns the visible papers the user upvoted, latest vote
// first.
func (s *Store) UpvotedPapers(ctx context.Context, userID int64, limit int) ([]Paper, error) {
	papers, err := s.queryPapers(ctx, "SELECT "+prefixed("p", paperSelect)+` FROM votes v JOIN papers p ON p.id = v.paper_id
		WHERE v.user_id = ? AND NOT p.hidden ORDER BY v.created_at DESC, p.id LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: papers upvoted by %d: %w", userID, err)
	}
	return papers, nil
}

// HiddenPapers returns the hidden papers, for moderators, latest change
// first.
func (s *Store) HiddenPapers(ctx context.Context, limit int) ([]Paper, error) {
	papers, err := s.queryPapers(ctx, "SELECT "+paperSelect+" FROM papers WHERE hidden ORDER BY updated_at DESC, id LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("store: hidden papers: %w", err)
	}
	return papers, nil
}

// prefixed qualifies a comma-separated column list with a table alias, for
// joins.
func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
