package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// An import of millions of papers into an empty SQLite database spent most
// of its time maintaining the secondary indexes row by row: each batch of
// 1,000 papers inserted about 5,000 author names, titles and dates at
// random places of their B-trees, dirtying thousands of pages that the
// commit wrote to the WAL and the checkpoint wrote again (70 KB written
// per paper at 700k papers, 50 GB in all). Built after the rows, each
// index is one sort. DeferIndexes drops them for such an initial load and
// records their definitions in settings; RestoreIndexes builds them again,
// and Migrate does it too before anything else, so that an import killed
// half-way leaves a database the next command opens whole.

// deferredIndexes are the secondary indexes of the tables an import
// writes. Unique indexes stay: upserts need them.
var deferredIndexes = []string{
	"paper_authors_names", "papers_title_key", "papers_doi_key", "papers_listed_on",
	"papers_daily_on", "papers_day", "paper_categories_category",
}

const deferredPrefix = "deferred_index:"

// DeferIndexes drops the secondary indexes of the papers' tables when the
// database is SQLite and holds no paper, recording their definitions; it
// reports whether it did. Call RestoreIndexes when the load is done.
func (s *Store) DeferIndexes(ctx context.Context) (bool, error) {
	if s.dialect != SQLite {
		return false, nil
	}
	deferred := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var any int
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM papers)").Scan(&any); err != nil {
			return err
		}
		if any == 1 {
			return nil
		}
		now := s.timeArg(s.now())
		for _, name := range deferredIndexes {
			var ddl string
			err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", name).Scan(&ddl)
			if err == sql.ErrNoRows {
				continue // a later migration dropped it
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO settings (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
				deferredPrefix+name, ddl, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DROP INDEX "+name); err != nil {
				return err
			}
			deferred = true
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: defer indexes: %w", err)
	}
	return deferred, nil
}

// RestoreIndexes builds the indexes DeferIndexes dropped, each in its own
// transaction, and returns their names.
func (s *Store) RestoreIndexes(ctx context.Context) ([]string, error) {
	if s.dialect != SQLite {
		return nil, nil
	}
	var hasSettings int
	if err := s.write.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings')").Scan(&hasSettings); err != nil {
		return nil, fmt.Errorf("store: restore indexes: %w", err)
	}
	if hasSettings == 0 {
		return nil, nil // a new database: nothing was deferred
	}
	rows, err := s.write.QueryContext(ctx, "SELECT name, value FROM settings WHERE name LIKE ? ORDER BY name", deferredPrefix+"%")
	if err != nil {
		return nil, fmt.Errorf("store: restore indexes: %w", err)
	}
	type pending struct{ key, ddl string }
	var todo []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.key, &p.ddl); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: restore indexes: %w", err)
		}
		todo = append(todo, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: restore indexes: %w", err)
	}
	var built []string
	for _, p := range todo {
		name := strings.TrimPrefix(p.key, deferredPrefix)
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var exists int
			if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?)", name).Scan(&exists); err != nil {
				return err
			}
			if exists == 0 {
				if _, err := tx.ExecContext(ctx, p.ddl); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE name = ?", p.key)
			return err
		})
		if err != nil {
			return built, fmt.Errorf("store: restore index %s: %w", name, err)
		}
		built = append(built, name)
	}
	return built, nil
}
