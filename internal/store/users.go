package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrConflict is returned when a write would break a uniqueness rule (a
// taken username or email, a duplicate submission).
var ErrConflict = errors.New("already exists")

// User is an account.
type User struct {
	ID           int64
	Username     string
	Email        string
	PasswordHash string // argon2id, encoded; "" for accounts without a password
	Role         string // user, moderator or admin
	CreatedAt    time.Time
	// EmailVerifiedAt is when the user proved they read Email (zero: not
	// yet); SuspendedAt is when a moderator suspended the account (zero:
	// not suspended). Suspended accounts cannot sign in or use tokens.
	EmailVerifiedAt time.Time
	SuspendedAt     time.Time
}

// Verified reports whether the user has confirmed their email address.
func (u User) Verified() bool { return !u.EmailVerifiedAt.IsZero() }

// Suspended reports whether a moderator has suspended the account.
func (u User) Suspended() bool { return !u.SuspendedAt.IsZero() }

// CreateUser stores a new account and returns it with its id. A taken
// username or email (compared case-insensitively) is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	if err := checkText("username", u.Username, "email", u.Email); err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	if u.Role == "" {
		u.Role = "user"
	}
	u.CreatedAt = s.now().UTC()
	err := s.write.QueryRowContext(ctx, s.q(
		`INSERT INTO users (username, email, password_hash, role, created_at, email_verified_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		u.Username, u.Email, u.PasswordHash, u.Role, s.timeArg(u.CreatedAt), s.timeArg(u.EmailVerifiedAt)).Scan(&u.ID)
	if isUniqueViolation(err) {
		return User{}, fmt.Errorf("store: create user %q: %w", u.Username, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user %q: %w", u.Username, err)
	}
	return u, nil
}

const userColumns = "id, username, email, password_hash, role, created_at, email_verified_at, suspended_at"

// userColumnsOf is userColumns qualified by a table alias, for joins.
func userColumnsOf(alias string) string {
	return alias + ".id, " + alias + ".username, " + alias + ".email, " + alias + ".password_hash, " +
		alias + ".role, " + alias + ".created_at, " + alias + ".email_verified_at, " + alias + ".suspended_at"
}

func scanUser(r rowScanner, extra ...any) (User, error) {
	var u User
	var created, verified, suspended nullTime
	err := r.Scan(append([]any{&u.ID, &u.Username, &u.Email, &u.PasswordHash, &u.Role, &created, &verified, &suspended}, extra...)...)
	u.CreatedAt, u.EmailVerifiedAt, u.SuspendedAt = created.t, verified.t, suspended.t
	return u, err
}

// UserByID returns the account with the id, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user %d: %w", id, err)
	}
	return u, nil
}

// UserByName returns the account with the username (any case), or
// ErrNotFound.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	if checkText("name", name) != nil {
		return User{}, fmt.Errorf("store: user %q: %w", name, ErrNotFound)
	}
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE lower(username) = lower(?)"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user %q: %w", name, err)
	}
	return u, nil
}

// UserByEmail returns the account with the email address (any case), or
// ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	if checkText("email", email) != nil {
		return User{}, fmt.Errorf("store: user with email %q: %w", email, ErrNotFound)
	}
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE lower(email) = lower(?)"), email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user with email %q: %w", email, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user with email %q: %w", email, err)
	}
	return u, nil
}

// SetUserRole changes the role of the named account (user, moderator or
// admin); an unknown name is ErrNotFound.
func (s *Store) SetUserRole(ctx context.Context, name, role string) error {
	if checkText("name", name) != nil {
		return fmt.Errorf("store: set role of %q: %w", name, ErrNotFound)
	}
	res, err := s.write.ExecContext(ctx, s.q("UPDATE users SET role = ? WHERE lower(username) = lower(?)"), role, name)
	if err != nil {
		return fmt.Errorf("store: set role of %q to %q: %w", name, role, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: set role of %q: %w", name, ErrNotFound)
	}
	return nil
}

// MarkEmailVerified records that the user proved they read their email;
// a second call keeps the first time.
func (s *Store) MarkEmailVerified(ctx context.Context, userID int64) error {
	_, err := s.write.ExecContext(ctx, s.q("UPDATE users SET email_verified_at = ? WHERE id = ? AND email_verified_at IS NULL"),
		s.timeArg(s.now()), userID)
	if err != nil {
		return fmt.Errorf("store: mark email of user %d verified: %w", userID, err)
	}
	return nil
}

// SetPassword replaces the user's password hash and, in the same
// transaction, ends all their sessions: whoever knew the old password (or
// stole a cookie) is signed out.
func (s *Store) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE users SET password_hash = ? WHERE id = ?"), passwordHash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, s.q("DELETE FROM sessions WHERE user_id = ?"), userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set password of user %d: %w", userID, err)
	}
	return nil
}

// isUniqueViolation reports whether err is a unique-constraint failure of
// either database.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || // SQLite
		strings.Contains(msg, "SQLSTATE 23505") // PostgreSQL unique_violation
}
