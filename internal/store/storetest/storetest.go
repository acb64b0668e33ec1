// Package storetest opens throw-away stores on every backend for tests:
// a temporary SQLite file, and a fresh database on the PostgreSQL server
// named by PAPERBOY_TEST_POSTGRES_URL (default: the local server).
//
// Migrating a database takes most of a test's set-up time (over a second
// on PostgreSQL), so each test binary migrates one template per dialect
// and every test gets a copy of it: a file copy on SQLite, CREATE DATABASE
// ... TEMPLATE on PostgreSQL. Tests share no state: each has its own copy.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

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
	// No Migrate: the database is a copy of a migrated template, its
	// schema_migrations included.
	s, err := store.Open(context.Background(), MigratedURL(tb, dialect), opts)
	if err != nil {
		tb.Fatalf("open %s store: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// URL returns the URL of a new, empty database of the given dialect that
// lives as long as the test: for tests of migration itself.
func URL(tb testing.TB, dialect store.Dialect) string {
	tb.Helper()
	switch dialect {
	case store.SQLite:
		return "sqlite://" + filepath.Join(tb.TempDir(), "paperboy.db")
	case store.Postgres:
		return postgresURL(tb, "")
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

// MigratedURL returns the URL of a new database of the given dialect with
// every migration applied, that lives as long as the test.
func MigratedURL(tb testing.TB, dialect store.Dialect) string {
	tb.Helper()
	switch dialect {
	case store.SQLite:
		return sqliteCopy(tb)
	case store.Postgres:
		tmpl, err := postgresTemplate(tb)
		if err != nil {
			tb.Fatalf("migrated PostgreSQL template: %v", err)
		}
		return postgresURL(tb, tmpl)
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

// sqliteTemplate is a migrated SQLite database file, made once per test
// binary and kept in memory.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "paperboy-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "paperboy.db")
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite://"+file, store.Options{})
	if err != nil {
		return nil, err
	}
	_, err = s.Migrate(ctx)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	// Closing the last connection checkpoints the write-ahead log into the
	// database file and removes the log; a log left behind would hold part
	// of the schema.
	if _, err := os.Stat(file + "-wal"); !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("sqlite template: write-ahead log left after close (%v)", err)
	}
	return os.ReadFile(file)
})

func sqliteCopy(tb testing.TB) string {
	tb.Helper()
	body, err := sqliteTemplate()
	if err != nil {
		tb.Fatalf("migrated SQLite template: %v", err)
	}
	file := filepath.Join(tb.TempDir(), "paperboy.db")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		tb.Fatal(err)
	}
	return "sqlite://" + file
}

// postgresAdmin is the connection to the server's administrative database,
// shared by the tests of one binary.
var postgresAdmin = sync.OnceValues(func() (*sql.DB, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", adminURL())
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		return nil, err
	}
	return db, nil
})

func adminURL() string {
	if u := os.Getenv("PAPERBOY_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// admin returns the administrative connection, skipping the test (failing
// it in CI) when the server does not answer.
func admin(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := postgresAdmin()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at %s is unreachable (required in CI): %v", adminURL(), err)
		}
		tb.Skipf("PostgreSQL at %s is unreachable: %v", adminURL(), err)
	}
	return db
}

// postgresURL creates a database, empty or cloned from the template tmpl,
// dropped when the test ends, and returns its URL.
func postgresURL(tb testing.TB, tmpl string) string {
	tb.Helper()
	db := admin(tb)
	name := "paperboy_test_" + randomHex()
	create := "CREATE DATABASE " + name
	if tmpl != "" {
		create += " TEMPLATE " + tmpl
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := execRetry(ctx, db, create); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
	})
	return databaseURL(tb, name)
}

func databaseURL(tb testing.TB, name string) string {
	tb.Helper()
	u, err := url.Parse(adminURL())
	if err != nil {
		tb.Fatalf("parse %s: %v", adminURL(), err)
	}
	u.Path = "/" + name
	return u.String()
}

// templateLock is the advisory lock key, on the administrative database,
// that serialises building templates across test binaries run in parallel.
const templateLock = 7_290_041_188

// templateName names the template by the migrations it holds, so that a
// template migrated by another version of the code is never cloned. The
// "v1" changes if the way templates are built does.
func templateName() (string, error) {
	sum, err := store.MigrationsSum(store.Postgres)
	if err != nil {
		return "", err
	}
	return "paperboy_template_v1_" + sum[:16], nil
}

var postgresTemplateOnce struct {
	sync.Mutex
	name string
}

// postgresTemplate returns the name of the migrated template database,
// made once per test binary.
func postgresTemplate(tb testing.TB) (string, error) {
	tb.Helper()
	postgresTemplateOnce.Lock()
	defer postgresTemplateOnce.Unlock()
	if postgresTemplateOnce.name != "" {
		return postgresTemplateOnce.name, nil
	}
	db := admin(tb)
	name, err := templateName()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := ensureTemplate(ctx, tb, db, name); err != nil {
		return "", err
	}
	postgresTemplateOnce.name = name
	return name, nil
}

// ensureTemplate builds the migrated template database name unless it
// exists. It is built under a scratch name and renamed when complete, so
// that a binary killed while building leaves no half-migrated template
// behind; the advisory lock keeps two binaries from building it at once.
func ensureTemplate(ctx context.Context, tb testing.TB, db *sql.DB, name string) error {
	tb.Helper()
	conn, err := db.Conn(ctx) // the session that holds the lock
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", templateLock)
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	return buildTemplate(ctx, tb, conn, name)
}

func buildTemplate(ctx context.Context, tb testing.TB, conn *sql.Conn, name string) error {
	tb.Helper()
	// Scratch databases of builders that died; nobody else builds while
	// the lock is held.
	rows, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'paperboy_template_build_%'")
	if err != nil {
		return err
	}
	var stale []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		stale = append(stale, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, n := range stale {
		if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop stale %s: %w", n, err)
		}
	}

	build := "paperboy_template_build_" + randomHex()
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+build); err != nil {
		return fmt.Errorf("create %s: %w", build, err)
	}
	s, err := store.Open(ctx, databaseURL(tb, build), store.Options{})
	if err != nil {
		return err
	}
	_, err = s.Migrate(ctx)
	// Closing the store ends every session on the template: PostgreSQL
	// clones no database that has one.
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Nobody may connect to the template from now on, not even by
	// mistake, since a session on it would stop every clone.
	if err := execRetry(ctx, conn, "ALTER DATABASE "+build+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return err
	}
	return execRetry(ctx, conn, "ALTER DATABASE "+build+" RENAME TO "+name)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// execRetry runs a statement that PostgreSQL refuses while another session
// is on its database ("source database ... is being accessed by other
// users"): a closed session's server process may not have exited yet, and
// clones of one template by parallel test binaries may meet.
func execRetry(ctx context.Context, db execer, query string) error {
	wait := 10 * time.Millisecond
	for {
		_, err := db.ExecContext(ctx, query)
		var pg *pgconn.PgError
		if err == nil || !errors.As(err, &pg) || pg.Code != "55006" { // object_in_use
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (%w)", query, ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

func randomHex() string {
	var buf [6]byte
	rand.Read(buf[:])
	return hex.EncodeToString(buf[:])
}
