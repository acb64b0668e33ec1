// Package storetest opens throw-away stores on every backend for tests:
// a temporary SQLite file, and a fresh database on the PostgreSQL server
// named by PAPERBOY_TEST_POSTGRES_URL (default: the local server).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// DefaultPostgresURL is used when PAPERBOY_TEST_POSTGRES_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Dialects lists the backends every contract test runs against.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// Open returns a migrated, empty store of the given dialect, closed and
// removed when the test ends. Outside CI, a PostgreSQL test is skipped when
// no server answers; in CI (CI=true) that is a failure.
func Open(tb testing.TB, dialect store.Dialect, opts store.Options) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), URL(tb, dialect), opts)
	if err != nil {
		tb.Fatalf("open %s store: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s store: %v", dialect, err)
	}
	return s
}

// URL returns the URL of a new, empty database of the given dialect that
// lives as long as the test.
func URL(tb testing.TB, dialect store.Dialect) string {
	tb.Helper()
	switch dialect {
	case store.SQLite:
		return "sqlite://" + filepath.Join(tb.TempDir(), "paperboy.db")
	case store.Postgres:
		return postgresURL(tb)
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

func postgresURL(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv("PAPERBOY_TEST_POSTGRES_URL")
	if admin == "" {
		admin = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at %s is unreachable (required in CI): %v", admin, err)
		}
		tb.Skipf("PostgreSQL at %s is unreachable: %v", admin, err)
	}
	var buf [6]byte
	rand.Read(buf[:])
	name := "paperboy_test_" + hex.EncodeToString(buf[:])
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("parse %s: %v", admin, err)
	}
	u.Path = "/" + name
	return u.String()
}
