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
}

// CreateUser stores a new account and returns it with its id. A taken
// username or email (compared case-insensitively) is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	if u.Role == "" {
		u.Role = "user"
	}
	u.CreatedAt = s.now().UTC()
	err := s.write.QueryRowContext(ctx, s.q(
		`INSERT INTO users (username, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`),
		u.Username, u.Email, u.PasswordHash, u.Role, s.timeArg(u.CreatedAt)).Scan(&u.ID)
	if isUniqueViolation(err) {
		return User{}, fmt.Errorf("store: create user %q: %w", u.Username, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user %q: %w", u.Username, err)
	}
	return u, nil
}

const userColumns = "id, username, email, password_hash, role, created_at"

func scanUser(r rowScanner) (User, error) {
	var u User
	var created nullTime
	err := r.Scan(&u.ID, &u.Username, &u.Email, &u.PasswordHash, &u.Role, &created)
	u.CreatedAt = created.t
	return u, err
}

// UserByID returns the account with the id, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	return u, err
}

// UserByName returns the account with the username (any case), or
// ErrNotFound.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE lower(username) = lower(?)"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %q: %w", name, ErrNotFound)
	}
	return u, err
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
