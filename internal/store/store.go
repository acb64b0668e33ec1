// Package store keeps paperboy's single source of truth, on embedded SQLite
// or on PostgreSQL. Every derived view (the search index, the vectors, the
// response caches) can be rebuilt from it. Its areas, by file:
//
//   - connections: the backend chosen by the database URL, one writer and a
//     pool of readers on SQLite, one pool on PostgreSQL, and transactions
//     through one helper (store.go); readers' prepared statements
//     (readpool.go)
//   - papers: arXiv metadata and Hugging Face's community data, idempotent
//     upserts (papers.go, paper.go); lists by day, week or month and the
//     trending candidates (lists.go); the sitemap (sitemap.go)
//   - the change feed, a row for every paper a transaction changed (by an
//     import, a harvest, a vote, a comment or moderation), and its pruning
//     (changes.go)
//   - users and roles (users.go); sessions, API tokens and emailed one-time
//     tokens, stored as hashes (accounts.go)
//   - votes, comments, submissions, moderation and its audit log
//     (community.go)
//   - digest subscriptions, the outbox and its leases, runs and shared
//     settings (digest.go)
//   - harvest checkpoints, runs and scheduled jobs with leases (harvest.go)
//   - rate limits shared by replicas (ratelimit.go)
//   - migrations, embedded and versioned per dialect, each applied once in
//     its own transaction, by one replica at a time (migrate.go,
//     migrations/)
//
// Both backends share one implementation: the SQL is written once with "?"
// placeholders and differs only where the dialects do (placeholders, time
// columns, row and advisory locks). Text that PostgreSQL cannot hold is
// refused on both (text.go), and a database that does not answer is told
// apart from other failures (unavailable.go). Tests open throw-away stores
// on either backend with storetest.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// Dialect names a supported database.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// bulkCacheKiB is the writer's page cache in a bulk import (Options.Bulk).
const bulkCacheKiB = 768 << 10

// Store is the paper store. It is safe for concurrent use.
type Store struct {
	dialect Dialect
	// read serves queries; write is the only connection that writes on
	// SQLite (one writer avoids SQLITE_BUSY storms). On PostgreSQL both
	// are the same pool.
	read  *readPool
	write *sql.DB
	now   func() time.Time
	// ratesPruned is when TakeRate last pruned spent buckets (Unix ns).
	ratesPruned atomic.Int64
}

// Options tune Open.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Bulk tunes SQLite's writer for a long import: a page cache large
	// enough to keep the indexes' pages between batches (with the default
	// 2 MiB every batch read and rewrote most of them, and an import
	// slowed down as the database grew) and a WAL checkpointed every
	// 256 MiB rather than every 4 MiB, so a page changed by many batches is
	// copied back once.
	Bulk bool
	// ReadMapBytes bounds the database bytes each SQLite reader maps
	// (16 GiB when 0; negative: none). Mapped pages count in the process's
	// resident memory: a full scan, such as an index build, maps none.
	ReadMapBytes int64
}

// Open connects to the database named by rawURL: "sqlite:///abs/path.db",
// "sqlite:relative/path.db" or "postgres://user@host:port/db". It does not
// migrate; call Migrate.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	dialect, dsn, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s := &Store{dialect: dialect, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	switch dialect {
	case SQLite:
		if err := os.MkdirAll(filepath.Dir(dsn), 0o755); err != nil {
			return nil, fmt.Errorf("store: create database directory: %w", err)
		}
		conn := "file:" + dsn + "?_txlock=immediate&_time_format=sqlite" +
			"&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		write := conn
		if opts.Bulk {
			write += "&_pragma=cache_size(-" + strconv.Itoa(bulkCacheKiB) + ")&_pragma=wal_autocheckpoint(65536)"
		}
		if s.write, err = sql.Open("sqlite", write); err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		s.write.SetMaxOpenConns(1)
		// Readers map the file (no read syscall per page) and keep 32 MiB
		// of pages each; idle readers stay open with their warm caches.
		mapBytes := int64(16 << 30)
		switch {
		case opts.ReadMapBytes < 0:
			mapBytes = 0
		case opts.ReadMapBytes > 0:
			mapBytes = opts.ReadMapBytes
		}
		read, err := sql.Open("sqlite", conn+"&_pragma=query_only(1)&_pragma=mmap_size("+strconv.FormatInt(mapBytes, 10)+")&_pragma=cache_size(-32768)")
		if err != nil {
			s.write.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		s.read = &readPool{DB: read, prepare: true}
		readers := max(4, runtime.NumCPU())
		s.read.SetMaxOpenConns(readers)
		s.read.SetMaxIdleConns(readers)
	case Postgres:
		if s.write, err = sql.Open("pgx", dsn); err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		s.write.SetMaxOpenConns(max(8, 2*runtime.NumCPU()))
		s.write.SetConnMaxIdleTime(5 * time.Minute)
		s.read = &readPool{DB: s.write}
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// ParseURL splits a database URL into its dialect and the driver's DSN.
func ParseURL(rawURL string) (Dialect, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", fmt.Errorf("database URL %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "sqlite", "sqlite3", "file":
		path := u.Path
		if u.Opaque != "" { // sqlite:relative/path.db
			path = u.Opaque
		}
		if u.Host != "" { // sqlite://relative/path.db
			path = u.Host + path
		}
		if path == "" {
			return "", "", fmt.Errorf("database URL %q: no file path (want sqlite:///path/to/paperboy.db)", rawURL)
		}
		return SQLite, path, nil
	case "postgres", "postgresql":
		return Postgres, rawURL, nil
	case "":
		return "", "", fmt.Errorf("database URL %q: no scheme (want sqlite:///path or postgres://...)", rawURL)
	default:
		return "", "", fmt.Errorf("database URL %q: unsupported scheme %q (want sqlite or postgres)", rawURL, u.Scheme)
	}
}

// Dialect reports which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", s.dialect, err)
	}
	return nil
}

// Close closes the connection pools.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read.DB != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// inTx runs fn in a write transaction, rolling back on error or panic.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// q rewrites "?" placeholders into the dialect's form. Queries in this
// package never contain a literal question mark.
func (s *Store) q(query string) string {
	if s.dialect != Postgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// timeArg converts a time to the column representation: RFC 3339 text in
// UTC on SQLite (sortable as text), a timestamptz on PostgreSQL. The zero time
// is NULL.
func (s *Store) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if s.dialect == SQLite {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return t.UTC()
}

// dateArg converts a calendar date (its UTC day) to the column
// representation; the zero time is NULL.
func dateArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.DateOnly)
}

// nullTime scans a time column of either dialect: a time.Time from
// PostgreSQL, RFC 3339 or date text from SQLite, or NULL.
type nullTime struct{ t time.Time }

func (n *nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		n.t = time.Time{}
	case time.Time:
		n.t = v.UTC()
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	return nil
}

func (n *nullTime) parse(s string) error {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly, "2006-01-02 15:04:05.999999999-07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			n.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: cannot parse time %q", s)
}
