package storetest

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// rawDB opens the database behind a store URL without the store.
func rawDB(t *testing.T, rawURL string) *sql.DB {
	t.Helper()
	dialect, dsn, err := store.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	driver := "pgx"
	if dialect == store.SQLite {
		driver, dsn = "sqlite", "file:"+dsn
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func countMigrations(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCopiesAreMigratedAndSeparate checks that each test gets a fully
// migrated database of its own: what one writes, another does not see.
func TestCopiesAreMigratedAndSeparate(t *testing.T) {
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			a, b := MigratedURL(t, d), MigratedURL(t, d)
			if a == b {
				t.Fatalf("two tests got one database %s", a)
			}
			s, err := store.Open(ctx, a, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
				t.Fatalf("migrating a copy applied %v, %v; want nothing", applied, err)
			}
			dbA, dbB := rawDB(t, a), rawDB(t, b)
			want := countMigrations(t, dbA)
			if want == 0 {
				t.Fatal("the copy records no migrations")
			}
			if _, err := dbA.Exec("INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_test.sql', 'now')"); err != nil {
				t.Fatal(err)
			}
			if n := countMigrations(t, dbB); n != want {
				t.Errorf("the other copy has %d migrations, want %d", n, want)
			}
			// And a copy made after the write does not see it either.
			if n := countMigrations(t, rawDB(t, MigratedURL(t, d))); n != want {
				t.Errorf("a later copy has %d migrations, want %d", n, want)
			}
		})
	}
}

// TestURLIsEmpty checks that URL still gives migration tests an empty
// database.
func TestURLIsEmpty(t *testing.T) {
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, URL(t, d), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			applied, err := s.Migrate(ctx)
			if err != nil || len(applied) == 0 {
				t.Fatalf("migrating an empty database applied %v, %v", applied, err)
			}
		})
	}
}

// TestParallelBuildersMakeOneTemplate builds one template from several
// sessions at once, as test binaries run in parallel do, clones it while
// others clone it too, and checks that a builder that died (its scratch
// database left behind) is cleaned up.
func TestParallelBuildersMakeOneTemplate(t *testing.T) {
	db := admin(t)
	ctx := context.Background()
	name := "paperboy_template_test_" + randomHex()
	dead := "paperboy_template_build_" + randomHex()
	var clones []string
	t.Cleanup(func() {
		for _, n := range append(clones, name, dead) {
			db.Exec("DROP DATABASE IF EXISTS " + n + " WITH (FORCE)")
		}
	})
	if _, err := db.Exec("CREATE DATABASE " + dead); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = ensureTemplate(ctx, t, db, name) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("build: %v", err)
		}
	}
	var builds int
	if err := db.QueryRow("SELECT COUNT(*) FROM pg_database WHERE datname = $1", dead).Scan(&builds); err != nil {
		t.Fatal(err)
	}
	if builds != 0 {
		t.Errorf("the dead builder's scratch database %s is still there", dead)
	}

	clones = make([]string, 6)
	for i := range clones {
		clones[i] = "paperboy_test_" + randomHex()
		wg.Go(func() { errs[i%len(errs)] = execRetry(ctx, db, "CREATE DATABASE "+clones[i]+" TEMPLATE "+name) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("clone: %v", err)
		}
	}
	s, err := store.Open(ctx, databaseURL(t, clones[0]), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("migrating a clone applied %v, %v; want nothing", applied, err)
	}
}

// BenchmarkNewDatabase compares migrating a new database with copying the
// migrated template, per dialect.
func BenchmarkNewDatabase(b *testing.B) {
	ctx := context.Background()
	for _, d := range Dialects {
		b.Run(string(d)+"/migrate", func(b *testing.B) {
			for b.Loop() {
				s, err := store.Open(ctx, URL(b, d), store.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Migrate(ctx); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
		b.Run(string(d)+"/template", func(b *testing.B) {
			MigratedURL(b, d) // the template, made once per binary
			for b.Loop() {
				s, err := store.Open(ctx, MigratedURL(b, d), store.Options{})
				if err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}
