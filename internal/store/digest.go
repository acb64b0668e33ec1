package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Subscription states.
const (
	SubPending      = "pending"      // waiting for the address to confirm
	SubActive       = "active"       // receiving digests
	SubUnsubscribed = "unsubscribed" // left; a new subscribe request starts over
	SubSuppressed   = "suppressed"   // undeliverable; never mailed again
)

// Outbox states of a digest.
const (
	DigestQueued     = "queued"     // to send, now or after a backoff
	DigestSent       = "sent"       // the server accepted it
	DigestFailed     = "failed"     // given up on
	DigestSuppressed = "suppressed" // not sent: the subscriber left or was suppressed first
	DigestEmpty      = "empty"      // nothing to send that day; kept so that composing is done once
)

// MaxBounces is how many undeliverable digests suppress an address.
const MaxBounces = 3

// confirmResendGap is the least time between two confirmation emails to
// one address, so that the subscribe form cannot be used to flood an inbox
// from many IP addresses.
const confirmResendGap = 10 * time.Minute

// DigestFilters choose a subscription's papers. With none set, a digest
// holds the trending papers; otherwise the papers matching any filter.
type DigestFilters struct {
	Categories []string `json:"categories,omitempty"` // cs.CL, or an archive: cs
	Authors    []string `json:"authors,omitempty"`    // names, matched case-insensitively
	Queries    []string `json:"queries,omitempty"`    // saved searches
	// Recommended adds papers like the ones the subscriber's account
	// upvoted (for subscriptions tied to an account).
	Recommended bool `json:"recommended,omitempty"`
}

// Empty reports whether no filter is set (the digest is the trending list).
func (f DigestFilters) Empty() bool {
	return len(f.Categories) == 0 && len(f.Authors) == 0 && len(f.Queries) == 0
}

// Subscription is one address's digest subscription.
type Subscription struct {
	ID             int64
	Email          string
	UserID         int64 // 0 when not tied to an account
	Cadence        string
	Filters        DigestFilters
	Status         string
	Bounces        int
	SuppressReason string
	ConfirmedAt    time.Time
	UnsubscribedAt time.Time
	SuppressedAt   time.Time
	CreatedAt      time.Time
}

const subscriptionColumns = `id, email, COALESCE(user_id, 0), cadence, filters, status, bounces, suppress_reason,
	confirmed_at, unsubscribed_at, suppressed_at, created_at`

func scanSubscription(r rowScanner) (Subscription, error) {
	var sub Subscription
	var filters string
	var confirmed, unsub, suppressed, created nullTime
	err := r.Scan(&sub.ID, &sub.Email, &sub.UserID, &sub.Cadence, &filters, &sub.Status, &sub.Bounces,
		&sub.SuppressReason, &confirmed, &unsub, &suppressed, &created)
	if err != nil {
		return sub, err
	}
	if err := json.Unmarshal([]byte(filters), &sub.Filters); err != nil {
		return sub, fmt.Errorf("filters of subscription %d: %w", sub.ID, err)
	}
	sub.ConfirmedAt, sub.UnsubscribedAt, sub.SuppressedAt, sub.CreatedAt = confirmed.t, unsub.t, suppressed.t, created.t
	return sub, nil
}

// Subscribe records a request to receive digests at email and reports
// whether a confirmation email should go out: for a new address, a pending
// one (a lost confirmation) or one that had unsubscribed, unless a
// confirmation went to it in the last minutes. An active or suppressed
// subscription is left alone. userID ties the subscription to an account
// (0 for none).
func (s *Store) Subscribe(ctx context.Context, email, cadence string, userID int64) (Subscription, bool, error) {
	now := s.now()
	var sub Subscription
	send := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		sub, err = scanSubscription(tx.QueryRowContext(ctx, s.q("SELECT "+subscriptionColumns+
			" FROM subscriptions WHERE lower(email) = lower(?)"+s.forUpdate()), email))
		if errors.Is(err, sql.ErrNoRows) {
			// Signed-in subscribers get recommendations from their upvotes
			// unless they turn them off.
			f := DigestFilters{Recommended: userID != 0}
			err = tx.QueryRowContext(ctx, s.q(`INSERT INTO subscriptions (email, user_id, cadence, filters, status,
				confirm_sent_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?) RETURNING id`),
				email, nullID(userID), cadence, mustJSON(f), s.timeArg(now), s.timeArg(now)).Scan(&sub.ID)
			if isUniqueViolation(err) {
				// A concurrent request for the same address won; it sends
				// the confirmation.
				return errSubscribeRaced
			}
			if err != nil {
				return err
			}
			sub = Subscription{ID: sub.ID, Email: email, UserID: userID, Cadence: cadence, Filters: f, Status: SubPending, CreatedAt: now}
			send = true
			return nil
		}
		if err != nil {
			return err
		}
		switch sub.Status {
		case SubActive, SubSuppressed:
			return nil
		}
		var lastSent nullTime
		if err := tx.QueryRowContext(ctx, s.q("SELECT confirm_sent_at FROM subscriptions WHERE id = ?"), sub.ID).Scan(&lastSent); err != nil {
			return err
		}
		send = lastSent.t.IsZero() || now.Sub(lastSent.t) >= confirmResendGap || sub.Status == SubUnsubscribed
		sentAt := lastSent.t
		if send {
			sentAt = now
		}
		sub.Status, sub.Cadence = SubPending, cadence
		if userID != 0 {
			sub.UserID = userID
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE subscriptions SET status = 'pending', cadence = ?,
			user_id = COALESCE(?, user_id), confirm_sent_at = ?, unsubscribed_at = NULL WHERE id = ?`),
			cadence, nullID(userID), s.timeArg(sentAt), sub.ID)
		if err == nil && sub.UserID != 0 && !sub.Filters.Empty() {
			// An address's filters from before it had an account become
			// the account's follows, the one model of a member's digest.
			err = s.moveFiltersToFollows(ctx, tx, sub.ID, sub.UserID, sub.Filters)
		}
		return err
	})
	if errors.Is(err, errSubscribeRaced) {
		return Subscription{Email: email, Cadence: cadence, Status: SubPending}, false, nil
	}
	if err != nil {
		return Subscription{}, false, fmt.Errorf("store: subscribe: %w", err)
	}
	return sub, send, nil
}

var errSubscribeRaced = errors.New("subscribe raced")

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// SubscriptionByID returns a subscription, or ErrNotFound.
func (s *Store) SubscriptionByID(ctx context.Context, id int64) (Subscription, error) {
	sub, err := scanSubscription(s.read.QueryRowContext(ctx, s.q("SELECT "+subscriptionColumns+" FROM subscriptions WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("store: subscription %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("store: subscription %d: %w", id, err)
	}
	return s.withFollow(ctx, sub)
}

// withFollow fills an account-tied subscription's filters from the
// account's follows (withFollows).
func (s *Store) withFollow(ctx context.Context, sub Subscription) (Subscription, error) {
	subs := []Subscription{sub}
	if err := s.withFollows(ctx, s.read, subs); err != nil {
		return Subscription{}, fmt.Errorf("store: subscription %d: %w", sub.ID, err)
	}
	return subs[0], nil
}

// SubscriptionByEmail returns the subscription of an address (any case),
// or ErrNotFound.
func (s *Store) SubscriptionByEmail(ctx context.Context, email string) (Subscription, error) {
	sub, err := scanSubscription(s.read.QueryRowContext(ctx, s.q("SELECT "+subscriptionColumns+
		" FROM subscriptions WHERE lower(email) = lower(?)"), email))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("store: subscription of %q: %w", email, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("store: subscription of %q: %w", email, err)
	}
	return s.withFollow(ctx, sub)
}

// updateSubscription runs one UPDATE ... RETURNING on a subscription.
func (s *Store) updateSubscription(ctx context.Context, op string, id int64, query string, args ...any) (Subscription, error) {
	sub, err := scanSubscription(s.write.QueryRowContext(ctx, s.q(query+" RETURNING "+subscriptionColumns), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("store: %s subscription %d: %w", op, id, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("store: %s subscription %d: %w", op, id, err)
	}
	return s.withFollow(ctx, sub)
}

// ConfirmSubscription makes a pending subscription active; confirming an
// active one again changes nothing. An unsubscribed or suppressed one stays
// as it is (an old confirmation link must not undo an unsubscribe) and is
// returned unchanged.
func (s *Store) ConfirmSubscription(ctx context.Context, id int64) (Subscription, error) {
	sub, err := s.updateSubscription(ctx, "confirm", id, `UPDATE subscriptions SET status = 'active',
		confirmed_at = CASE WHEN status = 'pending' THEN ? ELSE confirmed_at END
		WHERE id = ? AND status IN ('pending', 'active')`, s.timeArg(s.now()), id)
	if errors.Is(err, ErrNotFound) {
		return s.SubscriptionByID(ctx, id)
	}
	return sub, err
}

// UpdateSubscription changes a subscription's cadence and filters. The
// categories, authors and searches of a subscription tied to an account
// replace that account's follows of those kinds, which are its filters.
func (s *Store) UpdateSubscription(ctx context.Context, id int64, cadence string, f DigestFilters) (Subscription, error) {
	var userID sql.NullInt64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q("SELECT user_id FROM subscriptions WHERE id = ?"+s.forUpdate()), id).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || !userID.Valid {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM follows WHERE user_id = ? AND kind IN ('author', 'category', 'search')"), userID.Int64); err != nil {
			return err
		}
		if err := s.moveFiltersToFollows(ctx, tx, id, userID.Int64, f); err != nil {
			return err
		}
		f = DigestFilters{Recommended: f.Recommended}
		return nil
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("store: update subscription %d: %w", id, err)
	}
	return s.updateSubscription(ctx, "update", id, `UPDATE subscriptions SET cadence = ?, filters = ? WHERE id = ?`,
		cadence, mustJSON(f), id)
}

// Unsubscribe ends a subscription at once: it is marked unsubscribed and
// its queued digests are withdrawn in the same transaction. Unsubscribing
// again changes nothing.
func (s *Store) Unsubscribe(ctx context.Context, id int64) (Subscription, error) {
	return s.endSubscription(ctx, "unsubscribe", id, SubUnsubscribed, "")
}

// SuppressSubscription stops all mail to a subscription for good (a
// permanent delivery failure, repeated bounces) and withdraws its queued
// digests.
func (s *Store) SuppressSubscription(ctx context.Context, id int64, reason string) (Subscription, error) {
	return s.endSubscription(ctx, "suppress", id, SubSuppressed, reason)
}

func (s *Store) endSubscription(ctx context.Context, op string, id int64, status, reason string) (Subscription, error) {
	now := s.now()
	var sub Subscription
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var query string
		var args []any
		if status == SubUnsubscribed {
			query = `UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ? AND status IN ('pending', 'active')`
			args = []any{s.timeArg(now), id}
		} else {
			query = `UPDATE subscriptions SET status = 'suppressed', suppressed_at = ?, suppress_reason = ? WHERE id = ? AND status <> 'suppressed'`
			args = []any{s.timeArg(now), reason, id}
		}
		if _, err := tx.ExecContext(ctx, s.q(query), args...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE digest_outbox SET status = 'suppressed', claimed_by = '', claimed_until = NULL
			WHERE subscription_id = ? AND status = 'queued'`), id); err != nil {
			return err
		}
		var err error
		sub, err = scanSubscription(tx.QueryRowContext(ctx, s.q("SELECT "+subscriptionColumns+" FROM subscriptions WHERE id = ?"), id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("store: %s subscription %d: %w", op, id, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("store: %s subscription %d: %w", op, id, err)
	}
	return s.withFollow(ctx, sub)
}

// RecordBounce counts an undeliverable digest against a subscription and
// suppresses it at MaxBounces. It reports whether it did.
func (s *Store) RecordBounce(ctx context.Context, id int64, reason string) (bool, error) {
	var bounces int
	err := s.write.QueryRowContext(ctx, s.q(`UPDATE subscriptions SET bounces = bounces + 1 WHERE id = ? RETURNING bounces`), id).Scan(&bounces)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: bounce of subscription %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("store: bounce of subscription %d: %w", id, err)
	}
	if bounces < MaxBounces {
		return false, nil
	}
	_, err = s.SuppressSubscription(ctx, id, fmt.Sprintf("%d bounces, the last: %s", bounces, reason))
	return err == nil, err
}

// DueSubscriptions returns up to limit active subscriptions with one of the
// cadences and an id above afterID that have no digest for date yet, by id
// (so that a caller pages through them).
func (s *Store) DueSubscriptions(ctx context.Context, date time.Time, cadences []string, afterID int64, limit int) ([]Subscription, error) {
	if len(cadences) == 0 {
		return nil, nil
	}
	args := []any{afterID}
	for _, c := range cadences {
		args = append(args, c)
	}
	args = append(args, dateArg(date), limit)
	rows, err := s.read.QueryContext(ctx, s.q("SELECT "+subscriptionColumns+` FROM subscriptions
		WHERE status = 'active' AND id > ? AND cadence IN (`+placeholders(len(cadences))+`)
		AND NOT EXISTS (SELECT 1 FROM digest_outbox o WHERE o.subscription_id = subscriptions.id AND o.digest_date = ?)
		ORDER BY id LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: due subscriptions %s: %w", date.Format(time.DateOnly), err)
	}
	defer rows.Close()
	var subs []Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("store: due subscriptions: %w", err)
		}
		subs = append(subs, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: due subscriptions: %w", err)
	}
	if err := s.withFollows(ctx, s.read, subs); err != nil {
		return nil, fmt.Errorf("store: due subscriptions: %w", err)
	}
	return subs, nil
}

// UpvotedPaperIDs returns the papers a user upvoted, most recent first.
func (s *Store) UpvotedPaperIDs(ctx context.Context, userID int64, limit int) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT paper_id FROM votes WHERE user_id = ? ORDER BY created_at DESC, paper_id LIMIT ?`), userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: upvotes of user %d: %w", userID, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: upvotes of user %d: %w", userID, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Setting returns the value of a setting shared by all replicas, storing
// initial first if it has none: of replicas starting together, the first
// to insert wins and all read its value.
func (s *Store) Setting(ctx context.Context, name, initial string) (string, error) {
	if _, err := s.write.ExecContext(ctx, s.q(`INSERT INTO settings (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`), name, initial, s.timeArg(s.now())); err != nil {
		return "", fmt.Errorf("store: setting %q: %w", name, err)
	}
	var v string
	// Read through the writer: on SQLite the read pool could lag a
	// just-committed insert only in theory, but the writer never does.
	if err := s.write.QueryRowContext(ctx, s.q(`SELECT value FROM settings WHERE name = ?`), name).Scan(&v); err != nil {
		return "", fmt.Errorf("store: setting %q: %w", name, err)
	}
	return v, nil
}

// OutboxDigest is one composed digest in the outbox.
type OutboxDigest struct {
	ID             int64
	SubscriptionID int64
	Date           time.Time
	Cadence        string
	Status         string
	MessageID      string
	To             string
	Subject        string
	Text           string
	HTML           string
	Headers        map[string]string
	Papers         int
	Attempts       int
	NextAttemptAt  time.Time
	ClaimedBy      string
	LastError      string
	CreatedAt      time.Time
	SentAt         time.Time
}

const outboxColumns = `id, subscription_id, digest_date, cadence, status, message_id, recipient, subject, text_body,
	html_body, headers, papers, attempts, next_attempt_at, claimed_by, last_error, created_at, sent_at`

func scanOutbox(r rowScanner) (OutboxDigest, error) {
	var d OutboxDigest
	var headers string
	var date, next, created, sent nullTime
	err := r.Scan(&d.ID, &d.SubscriptionID, &date, &d.Cadence, &d.Status, &d.MessageID, &d.To, &d.Subject, &d.Text,
		&d.HTML, &headers, &d.Papers, &d.Attempts, &next, &d.ClaimedBy, &d.LastError, &created, &sent)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(headers), &d.Headers); err != nil {
		return d, fmt.Errorf("headers of digest %d: %w", d.ID, err)
	}
	d.Date, d.NextAttemptAt, d.CreatedAt, d.SentAt = date.t, next.t, created.t, sent.t
	return d, nil
}

// EnqueueDigests stores composed digests (Status queued or empty) and
// returns how many were new: a (subscription, date) already in the outbox
// keeps its row, so composing twice, or on two replicas, stores one.
func (s *Store) EnqueueDigests(ctx context.Context, ds []OutboxDigest) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	now := s.now()
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		const cols = 14
		const batch = 500 // well under both databases' parameter limits
		for start := 0; start < len(ds); start += batch {
			part := ds[start:min(start+batch, len(ds))]
			var b strings.Builder
			b.WriteString(`INSERT INTO digest_outbox (subscription_id, digest_date, cadence, status, message_id, recipient,
				subject, text_body, html_body, headers, papers, next_attempt_at, created_at, attempts) VALUES `)
			args := make([]any, 0, cols*len(part))
			for i, d := range part {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(" + placeholders(cols) + ")")
				status := d.Status
				if status == "" {
					status = DigestQueued
				}
				headers := d.Headers
				if headers == nil {
					headers = map[string]string{}
				}
				args = append(args, d.SubscriptionID, dateArg(d.Date), d.Cadence, status, d.MessageID, d.To, d.Subject,
					d.Text, d.HTML, mustJSON(headers), d.Papers, s.jobTime(now), s.timeArg(now), 0)
			}
			b.WriteString(" ON CONFLICT (subscription_id, digest_date) DO NOTHING")
			res, err := tx.ExecContext(ctx, s.q(b.String()), args...)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: enqueue %d digests: %w", len(ds), err)
	}
	return n, nil
}

// ClaimDigest gives owner the lease of one queued digest that is due at
// now and not leased by another sender, until now+lease, counting the
// attempt. ok is false when none is due. On PostgreSQL the row is picked
// with FOR UPDATE SKIP LOCKED, so concurrent senders take different rows
// without waiting on each other; SQLite's single writer serialises claims.
// Either way the UPDATE re-checks the lease, so a row is never held by two
// senders.
func (s *Store) ClaimDigest(ctx context.Context, owner string, now time.Time, lease time.Duration) (d OutboxDigest, ok bool, err error) {
	skipLocked := ""
	if s.dialect == Postgres {
		skipLocked = " FOR UPDATE SKIP LOCKED"
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanOutbox(tx.QueryRowContext(ctx, s.q(`UPDATE digest_outbox
			SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
			WHERE id = (SELECT id FROM digest_outbox WHERE status = 'queued' AND next_attempt_at <= ?
				AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_attempt_at, id LIMIT 1`+skipLocked+`)
			AND status = 'queued' AND (claimed_until IS NULL OR claimed_until < ?)
			RETURNING `+outboxColumns),
			owner, s.jobTime(now.Add(lease)), s.jobTime(now), s.jobTime(now), s.jobTime(now)))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		ok = err == nil
		return err
	})
	if err != nil {
		return OutboxDigest{}, false, fmt.Errorf("store: claim digest: %w", err)
	}
	return d, ok, nil
}

// DigestLease is a queued digest that is due but leased by a sender.
type DigestLease struct {
	ID    int64
	Owner string    // the sender's name, as it claimed the digest
	Until time.Time // when the lease expires and any sender may claim it
}

// HeldDigests returns the queued digests due at now whose lease has not
// expired, the earliest expiring first (at most 100), so that a sender that
// found nothing to claim can tell whether it is done or must wait for them.
func (s *Store) HeldDigests(ctx context.Context, now time.Time) ([]DigestLease, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT id, claimed_by, claimed_until FROM digest_outbox
		WHERE status = 'queued' AND next_attempt_at <= ? AND claimed_until >= ? ORDER BY claimed_until, id LIMIT 100`),
		s.jobTime(now), s.jobTime(now))
	if err != nil {
		return nil, fmt.Errorf("store: held digests: %w", err)
	}
	defer rows.Close()
	var out []DigestLease
	for rows.Next() {
		var l DigestLease
		var until nullTime
		if err := rows.Scan(&l.ID, &l.Owner, &until); err != nil {
			return nil, fmt.Errorf("store: held digests: %w", err)
		}
		l.Until = until.t
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: held digests: %w", err)
	}
	return out, nil
}

// TakeOverDigest gives owner the lease of a queued digest that from holds,
// until now+lease, counting the attempt, whatever the time left on from's
// lease: the caller has found that from is gone. ok is false when from no
// longer holds it (it finished, or another sender took it over first).
func (s *Store) TakeOverDigest(ctx context.Context, id int64, from, owner string, now time.Time, lease time.Duration) (d OutboxDigest, ok bool, err error) {
	if from == "" {
		return OutboxDigest{}, false, nil
	}
	d, err = scanOutbox(s.write.QueryRowContext(ctx, s.q(`UPDATE digest_outbox
		SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
		WHERE id = ? AND status = 'queued' AND claimed_by = ? AND next_attempt_at <= ?
		RETURNING `+outboxColumns), owner, s.jobTime(now.Add(lease)), id, from, s.jobTime(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return OutboxDigest{}, false, nil
	}
	if err != nil {
		return OutboxDigest{}, false, fmt.Errorf("store: take over digest %d from %s: %w", id, from, err)
	}
	return d, true, nil
}

// MarkDigestSent records that the server accepted a digest. It does not
// require the lease: once a message went out, the row must say so whoever
// holds it, or a third sender would send it again.
func (s *Store) MarkDigestSent(ctx context.Context, id int64) error {
	_, err := s.write.ExecContext(ctx, s.q(`UPDATE digest_outbox SET status = 'sent', sent_at = ?, claimed_by = '',
		claimed_until = NULL, last_error = '' WHERE id = ?`), s.timeArg(s.now()), id)
	if err != nil {
		return fmt.Errorf("store: mark digest %d sent: %w", id, err)
	}
	return nil
}

// RetryDigest releases owner's lease of a digest after a temporary failure
// and makes it due again at next; ErrLeaseLost if owner no longer held it.
func (s *Store) RetryDigest(ctx context.Context, id int64, owner string, next time.Time, failure string) error {
	err := s.updateHeldJob(ctx, `UPDATE digest_outbox SET claimed_by = '', claimed_until = NULL, next_attempt_at = ?,
		last_error = ? WHERE id = ? AND claimed_by = ? AND status = 'queued'`, s.jobTime(next), failure, id, owner)
	if err != nil {
		return fmt.Errorf("store: retry digest %d: %w", id, err)
	}
	return nil
}

// FailDigest gives up on a digest.
func (s *Store) FailDigest(ctx context.Context, id int64, failure string) error {
	_, err := s.write.ExecContext(ctx, s.q(`UPDATE digest_outbox SET status = 'failed', claimed_by = '',
		claimed_until = NULL, last_error = ? WHERE id = ?`), failure, id)
	if err != nil {
		return fmt.Errorf("store: fail digest %d: %w", id, err)
	}
	return nil
}

// CompactDigests empties the bodies of finished digests dated before
// before, keeping the rows: their unique key is what stops a later run for
// that date from composing and sending them again, but the bodies (some
// 20 kB each) are only needed until the digest is sent. It returns how many
// it emptied.
func (s *Store) CompactDigests(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, s.q(`UPDATE digest_outbox SET text_body = '', html_body = ''
		WHERE digest_date < ? AND status IN ('sent', 'failed', 'suppressed') AND (text_body <> '' OR html_body <> '')`), dateArg(before))
	if err != nil {
		return 0, fmt.Errorf("store: compact digests before %s: %w", before.Format(time.DateOnly), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: compact digests: %w", err)
	}
	return n, nil
}

// Digests returns the outbox rows of a date, by id.
func (s *Store) Digests(ctx context.Context, date time.Time) ([]OutboxDigest, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT "+outboxColumns+" FROM digest_outbox WHERE digest_date = ? ORDER BY id"), dateArg(date))
	if err != nil {
		return nil, fmt.Errorf("store: digests of %s: %w", date.Format(time.DateOnly), err)
	}
	defer rows.Close()
	var out []OutboxDigest
	for rows.Next() {
		d, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("store: digests: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DigestRun is one composing-and-sending run.
type DigestRun struct {
	ID                            int64
	Date                          time.Time
	StartedAt, FinishedAt         time.Time
	Composed, Empty, Sent, Failed int
	Error                         string
}

// StartDigestRun records the start of a run for date.
func (s *Store) StartDigestRun(ctx context.Context, date time.Time) (int64, error) {
	var id int64
	err := s.write.QueryRowContext(ctx, s.q(`INSERT INTO digest_runs (digest_date, started_at) VALUES (?, ?) RETURNING id`),
		dateArg(date), s.timeArg(s.now())).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: start digest run: %w", err)
	}
	return id, nil
}

// FinishDigestRun records a run's counts and failure, if any.
func (s *Store) FinishDigestRun(ctx context.Context, r DigestRun) error {
	_, err := s.write.ExecContext(ctx, s.q(`UPDATE digest_runs SET finished_at = ?, composed = ?, empty = ?, sent = ?,
		failed = ?, error = ? WHERE id = ?`), s.timeArg(s.now()), r.Composed, r.Empty, r.Sent, r.Failed, r.Error, r.ID)
	if err != nil {
		return fmt.Errorf("store: finish digest run %d: %w", r.ID, err)
	}
	return nil
}

// DigestStats is what the admin page and /metrics show of digests.
type DigestStats struct {
	Subscribers map[string]int // by state: pending, active, unsubscribed, suppressed
	Outbox      map[string]int // by state: queued, sent, failed, suppressed, empty
	Retrying    int            // queued digests that failed at least once
	LastSentAt  time.Time
	LastRun     DigestRun // zero when there was none
}

// DigestStats counts subscribers and outbox rows by state.
func (s *Store) DigestStats(ctx context.Context) (DigestStats, error) {
	st := DigestStats{Subscribers: map[string]int{}, Outbox: map[string]int{}}
	for _, state := range []string{SubPending, SubActive, SubUnsubscribed, SubSuppressed} {
		st.Subscribers[state] = 0
	}
	for _, state := range []string{DigestQueued, DigestSent, DigestFailed, DigestSuppressed, DigestEmpty} {
		st.Outbox[state] = 0
	}
	count := func(query string, into map[string]int) error {
		rows, err := s.read.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			into[k] = n
		}
		return rows.Err()
	}
	if err := count("SELECT status, COUNT(*) FROM subscriptions GROUP BY status", st.Subscribers); err != nil {
		return st, fmt.Errorf("store: digest stats: %w", err)
	}
	if err := count("SELECT status, COUNT(*) FROM digest_outbox GROUP BY status", st.Outbox); err != nil {
		return st, fmt.Errorf("store: digest stats: %w", err)
	}
	var last nullTime
	if err := s.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM digest_outbox WHERE status = 'queued' AND attempts > 0),
		(SELECT MAX(sent_at) FROM digest_outbox)`).Scan(&st.Retrying, &last); err != nil {
		return st, fmt.Errorf("store: digest stats: %w", err)
	}
	st.LastSentAt = last.t
	var date, started, finished nullTime
	err := s.read.QueryRowContext(ctx, `SELECT id, digest_date, started_at, finished_at, composed, empty, sent, failed, error
		FROM digest_runs ORDER BY id DESC LIMIT 1`).Scan(&st.LastRun.ID, &date, &started, &finished,
		&st.LastRun.Composed, &st.LastRun.Empty, &st.LastRun.Sent, &st.LastRun.Failed, &st.LastRun.Error)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("store: digest stats: %w", err)
	}
	st.LastRun.Date, st.LastRun.StartedAt, st.LastRun.FinishedAt = date.t, started.t, finished.t
	return st, nil
}
