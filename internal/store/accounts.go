package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The store never sees a secret token: sessions, API tokens and email
// tokens are looked up by the hex SHA-256 of the secret (auth.HashToken),
// so a leaked database or backup cannot be replayed. A lookup by hash is
// an index seek on a value the client cannot steer towards a stored one,
// so it leaks nothing useful through timing.

// Session is a signed-in browser.
type Session struct {
	ID         int64
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
}

// sessionTouchEvery limits last-seen writes to one per session per period,
// so that browsing does not turn every page view into a database write.
const sessionTouchEvery = 5 * time.Minute

// CreateSession stores a session for the user, found later by tokenHash.
func (s *Store) CreateSession(ctx context.Context, userID int64, tokenHash, userAgent string, expires time.Time) error {
	now := s.now()
	_, err := s.write.ExecContext(ctx, s.q(
		`INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, user_agent) VALUES (?, ?, ?, ?, ?, ?)`),
		tokenHash, userID, s.timeArg(now), s.timeArg(now), s.timeArg(expires), truncate(storable(userAgent), 256))
	if err != nil {
		return fmt.Errorf("store: create session for user %d: %w", userID, err)
	}
	return nil
}

// SessionUser returns the user signed in by the session with tokenHash.
// An unknown or expired session, or one of a suspended user, is
// ErrNotFound; an expired one is deleted on the way.
func (s *Store) SessionUser(ctx context.Context, tokenHash string) (User, Session, error) {
	var sess Session
	var created, seen, expires nullTime
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q(
		`SELECT `+userColumnsOf("u")+`, s.id, s.created_at, s.last_seen_at, s.expires_at, s.user_agent
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`), tokenHash),
		&sess.ID, &created, &seen, &expires, &sess.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, Session{}, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, Session{}, fmt.Errorf("store: session: %w", err)
	}
	sess.UserID, sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = u.ID, created.t, seen.t, expires.t
	now := s.now()
	// Expiry is compared here rather than in SQL: SQLite's time columns
	// are text, and Go compares both dialects' times the same way.
	if !now.Before(sess.ExpiresAt) {
		if _, err := s.write.ExecContext(ctx, s.q("DELETE FROM sessions WHERE id = ?"), sess.ID); err != nil {
			return User{}, Session{}, fmt.Errorf("store: delete expired session: %w", err)
		}
		return User{}, Session{}, fmt.Errorf("store: session: expired: %w", ErrNotFound)
	}
	if u.Suspended() {
		return User{}, Session{}, fmt.Errorf("store: session of suspended user %d: %w", u.ID, ErrNotFound)
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		if _, err := s.write.ExecContext(ctx, s.q("UPDATE sessions SET last_seen_at = ? WHERE id = ?"), s.timeArg(now), sess.ID); err != nil {
			return User{}, Session{}, fmt.Errorf("store: touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	return u, sess, nil
}

// DeleteSession ends the session with tokenHash; an unknown one is not an
// error (signing out twice is fine).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.write.ExecContext(ctx, s.q("DELETE FROM sessions WHERE token_hash = ?"), tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of the user ("sign out
// everywhere", suspension) and returns how many there were.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res, err := s.write.ExecContext(ctx, s.q("DELETE FROM sessions WHERE user_id = ?"), userID)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions of user %d: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// CountSessions counts the user's unexpired sessions.
func (s *Store) CountSessions(ctx context.Context, userID int64) (int, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT expires_at FROM sessions WHERE user_id = ?"), userID)
	if err != nil {
		return 0, fmt.Errorf("store: count sessions of user %d: %w", userID, err)
	}
	defer rows.Close()
	n, now := 0, s.now()
	for rows.Next() {
		var exp nullTime
		if err := rows.Scan(&exp); err != nil {
			return 0, fmt.Errorf("store: count sessions of user %d: %w", userID, err)
		}
		if now.Before(exp.t) {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: count sessions of user %d: %w", userID, err)
	}
	return n, nil
}

// APIToken is a personal token for scripts, without its secret.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: valid
}

// CreateAPIToken stores a token for the user, found later by tokenHash.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name, tokenHash string) (APIToken, error) {
	if err := checkText("name", name); err != nil {
		return APIToken{}, fmt.Errorf("store: create API token for user %d: %w", userID, err)
	}
	t := APIToken{UserID: userID, Name: truncate(name, 100), CreatedAt: s.now().UTC()}
	err := s.write.QueryRowContext(ctx, s.q(
		`INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
		tokenHash, userID, t.Name, s.timeArg(t.CreatedAt)).Scan(&t.ID)
	if err != nil {
		return APIToken{}, fmt.Errorf("store: create API token for user %d: %w", userID, err)
	}
	return t, nil
}

// apiTokenTouchEvery limits last-used writes like sessionTouchEvery.
const apiTokenTouchEvery = time.Minute

// APITokenUser returns the user a token acts for. A revoked or unknown
// token, or one of a suspended user, is ErrNotFound.
func (s *Store) APITokenUser(ctx context.Context, tokenHash string) (User, APIToken, error) {
	var t APIToken
	var created, used, revoked nullTime
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q(
		`SELECT `+userColumnsOf("u")+`, t.id, t.name, t.created_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`), tokenHash),
		&t.ID, &t.Name, &created, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, APIToken{}, fmt.Errorf("store: API token: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, APIToken{}, fmt.Errorf("store: API token: %w", err)
	}
	t.UserID, t.CreatedAt, t.LastUsedAt, t.RevokedAt = u.ID, created.t, used.t, revoked.t
	if !t.RevokedAt.IsZero() {
		return User{}, APIToken{}, fmt.Errorf("store: API token %d: revoked: %w", t.ID, ErrNotFound)
	}
	if u.Suspended() {
		return User{}, APIToken{}, fmt.Errorf("store: API token of suspended user %d: %w", u.ID, ErrNotFound)
	}
	if now := s.now(); now.Sub(t.LastUsedAt) >= apiTokenTouchEvery {
		if _, err := s.write.ExecContext(ctx, s.q("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"), s.timeArg(now), t.ID); err != nil {
			return User{}, APIToken{}, fmt.Errorf("store: touch API token %d: %w", t.ID, err)
		}
		t.LastUsedAt = now.UTC()
	}
	return u, t, nil
}

// APITokens lists the user's tokens, revoked ones included, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.read.QueryContext(ctx, s.q(
		`SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC`), userID)
	if err != nil {
		return nil, fmt.Errorf("store: API tokens of user %d: %w", userID, err)
	}
	defer rows.Close()
	var ts []APIToken
	for rows.Next() {
		t := APIToken{UserID: userID}
		var created, used, revoked nullTime
		if err := rows.Scan(&t.ID, &t.Name, &created, &used, &revoked); err != nil {
			return nil, fmt.Errorf("store: API tokens of user %d: %w", userID, err)
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = created.t, used.t, revoked.t
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: API tokens of user %d: %w", userID, err)
	}
	return ts, nil
}

// RevokeAPIToken revokes the user's token with the id. A token that is not
// the user's, or does not exist, is ErrNotFound, so that one user cannot
// revoke another's by guessing ids; revoking twice is not an error.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID int64) error {
	res, err := s.write.ExecContext(ctx, s.q(
		`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = ?`),
		s.timeArg(s.now()), tokenID, userID)
	if err != nil {
		return fmt.Errorf("store: revoke API token %d: %w", tokenID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: revoke API token %d of user %d: %w", tokenID, userID, ErrNotFound)
	}
	return nil
}

// EmailTokenKind is what a one-time emailed link does.
type EmailTokenKind string

// The kinds of emailed links.
const (
	EmailVerify EmailTokenKind = "verify"
	EmailReset  EmailTokenKind = "reset"
	EmailLogin  EmailTokenKind = "login"
)

// CreateEmailToken stores a one-time token of the kind for the user, valid
// until expires.
func (s *Store) CreateEmailToken(ctx context.Context, userID int64, kind EmailTokenKind, tokenHash string, expires time.Time) error {
	_, err := s.write.ExecContext(ctx, s.q(
		`INSERT INTO email_tokens (kind, token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		string(kind), tokenHash, userID, s.timeArg(s.now()), s.timeArg(expires))
	if err != nil {
		return fmt.Errorf("store: create %s token for user %d: %w", kind, userID, err)
	}
	return nil
}

// EmailTokenUser returns the user of an unused, unexpired token of the
// kind without using it up (to show the page a link leads to); anything
// else, or a suspended user, is ErrNotFound.
func (s *Store) EmailTokenUser(ctx context.Context, kind EmailTokenKind, tokenHash string) (User, error) {
	var expires, used nullTime
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q(
		`SELECT `+userColumnsOf("u")+`, t.expires_at, t.used_at
		FROM email_tokens t JOIN users u ON u.id = t.user_id WHERE t.kind = ? AND t.token_hash = ?`),
		string(kind), tokenHash), &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: %s token: %w", kind, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: %s token: %w", kind, err)
	}
	if !used.t.IsZero() || !s.now().Before(expires.t) || u.Suspended() {
		return User{}, fmt.Errorf("store: %s token: used, expired or suspended: %w", kind, ErrNotFound)
	}
	return u, nil
}

// UseEmailToken uses up a token of the kind and returns its user. The
// token is marked used by one conditional UPDATE, so of two concurrent
// uses exactly one succeeds. A used, expired or unknown token, or one of a
// suspended user, is ErrNotFound.
func (s *Store) UseEmailToken(ctx context.Context, kind EmailTokenKind, tokenHash string) (User, error) {
	now := s.now()
	var userID int64
	var expires nullTime
	err := s.write.QueryRowContext(ctx, s.q(
		`UPDATE email_tokens SET used_at = ? WHERE kind = ? AND token_hash = ? AND used_at IS NULL RETURNING user_id, expires_at`),
		s.timeArg(now), string(kind), tokenHash).Scan(&userID, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: use %s token: %w", kind, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: use %s token: %w", kind, err)
	}
	// Marking an expired token used is harmless: it was unusable anyway.
	if !now.Before(expires.t) {
		return User{}, fmt.Errorf("store: use %s token: expired: %w", kind, ErrNotFound)
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return User{}, err
	}
	if u.Suspended() {
		return User{}, fmt.Errorf("store: use %s token of suspended user %d: %w", kind, userID, ErrNotFound)
	}
	return u, nil
}

// truncate cuts s to at most n bytes, on a UTF-8 boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
