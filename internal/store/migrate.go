package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed migrations
var migrationFiles embed.FS

// migrationLock is the PostgreSQL advisory lock key that serialises
// migrations when several replicas start at once.
const migrationLock = 7_290_041_187

// Migrate applies, in order and each in its own transaction, the embedded
// migrations that the database has not recorded yet. It returns the names of
// those it applied (after building any index a bulk load deferred:
// bulkload.go). Then it fills the lookup keys of rows stored before
// migration 0014, which Go computes.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	// Indexes an interrupted bulk load left out are built first, with the
	// definitions they had, so that the migrations meet the schema they
	// expect.
	if _, err := s.RestoreIndexes(ctx); err != nil {
		return nil, err
	}
	done, err := s.applyMigrations(ctx)
	if err != nil {
		return done, err
	}
	// After the migrations' connection is released: on SQLite it is the
	// only writer.
	if _, err := s.fillLookupKeys(ctx); err != nil {
		return done, err
	}
	return done, nil
}

func (s *Store) applyMigrations(ctx context.Context) ([]string, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if s.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
			return nil, fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       TEXT PRIMARY KEY,
		applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: migrate: create schema_migrations: %w", err)
	}
	names, err := s.migrationNames()
	if err != nil {
		return nil, err
	}
	var done []string
	for _, name := range names {
		applied, err := s.applyMigration(ctx, conn, name)
		if err != nil {
			return done, err
		}
		if applied {
			done = append(done, name)
		}
	}
	if err := s.backfillAuthors(ctx, conn); err != nil {
		return done, err
	}
	return done, nil
}

// MigrationsSum is a hash of the dialect's embedded migrations, names and
// contents: two builds with the same sum make the same schema. Tests name
// their migrated template databases by it, so that a template made by an
// older build is never cloned.
func MigrationsSum(d Dialect) (string, error) {
	names, err := migrationNames(d)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, name := range names {
		body, err := migrationFiles.ReadFile(path.Join("migrations", string(d), name))
		if err != nil {
			return "", fmt.Errorf("store: migration %s: %w", name, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(body))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (s *Store) migrationNames() ([]string, error) { return migrationNames(s.dialect) }

func migrationNames(d Dialect) ([]string, error) {
	entries, err := fs.ReadDir(migrationFiles, path.Join("migrations", string(d)))
	if err != nil {
		return nil, fmt.Errorf("store: migrations for %s: %w", d, err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// applyMigration applies one migration unless it is recorded. The check is
// made inside the migration's transaction, which on SQLite holds the write
// lock from its start, so concurrent processes apply each migration once.
func (s *Store) applyMigration(ctx context.Context, conn *sql.Conn, name string) (applied bool, err error) {
	body, err := migrationFiles.ReadFile(path.Join("migrations", string(s.dialect), name))
	if err != nil {
		return false, fmt.Errorf("store: migration %s: %w", name, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: migration %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var n int
	if err = tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM schema_migrations WHERE name = ?"), name).Scan(&n); err != nil {
		return false, fmt.Errorf("store: migration %s: %w", name, err)
	}
	if n > 0 {
		return false, tx.Commit()
	}
	if _, err = tx.ExecContext(ctx, string(body)); err != nil {
		return false, fmt.Errorf("store: migration %s: %w", name, err)
	}
	if _, err = tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)"),
		name, s.now().UTC().Format("2006-01-02T15:04:05Z")); err != nil {
		return false, fmt.Errorf("store: migration %s: record: %w", name, err)
	}
	if err = tx.Commit(); err != nil {
		return false, fmt.Errorf("store: migration %s: commit: %w", name, err)
	}
	return true, nil
}
