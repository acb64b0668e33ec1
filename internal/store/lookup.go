package store

import (
	"context"
	"database/sql"
	"fmt"
)

// lookupChunk bounds the keys of one lookup query.
const lookupChunk = 500

// KnownPaperIDs reports which of the versionless ids are stored.
func (s *Store) KnownPaperIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	known := make(map[string]bool, len(ids))
	err := s.lookup(ctx, "SELECT id, id FROM papers WHERE id IN (%s)", ids, func(_, id string) { known[id] = true })
	if err != nil {
		return nil, fmt.Errorf("store: known paper ids: %w", err)
	}
	return known, nil
}

// PaperIDsByDOI maps DOIs, in any form DOIKey accepts, to the stored
// papers that have them: keyed by DOIKey, each with its papers' ids in
// id order (a DOI shared by several arXiv papers is rare but happens).
func (s *Store) PaperIDsByDOI(ctx context.Context, dois []string) (map[string][]string, error) {
	found, err := s.lookupKeys(ctx, "doi_key", DOIKey, dois)
	if err != nil {
		return nil, fmt.Errorf("store: papers by DOI: %w", err)
	}
	return found, nil
}

// PaperIDsByTitle maps titles to the stored papers whose titles have the
// same TitleKey: keyed by TitleKey, ids in id order.
func (s *Store) PaperIDsByTitle(ctx context.Context, titles []string) (map[string][]string, error) {
	found, err := s.lookupKeys(ctx, "title_key", TitleKey, titles)
	if err != nil {
		return nil, fmt.Errorf("store: papers by title: %w", err)
	}
	return found, nil
}

func (s *Store) lookupKeys(ctx context.Context, column string, key func(string) string, values []string) (map[string][]string, error) {
	seen := map[string]bool{}
	var keys []string
	for _, v := range values {
		if k := key(v); k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	found := map[string][]string{}
	// column is one of two constants above, never input.
	err := s.lookup(ctx, "SELECT "+column+", id FROM papers WHERE "+column+" IN (%s) ORDER BY id", keys,
		func(k, id string) { found[k] = append(found[k], id) })
	return found, err
}

// lookup runs query, whose %s takes the placeholders, over keys in
// chunks, calling fn with each row's two columns.
func (s *Store) lookup(ctx context.Context, query string, keys []string, fn func(key, id string)) error {
	for start := 0; start < len(keys); start += lookupChunk {
		part := keys[start:min(start+lookupChunk, len(keys))]
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		rows, err := s.read.QueryContext(ctx, s.q(fmt.Sprintf(query, placeholders(len(part)))), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k, id string
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return err
			}
			fn(k, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// lookupKeysFilled names the settings row saying that no paper lacks its
// lookup keys.
const lookupKeysFilled = "lookup_keys_filled"

// fillLookupKeys computes the DOI and title keys of the rows stored
// before migration 0014 (NULL keys), in pages so that a large database
// holds no long transaction. Running it again, or on several replicas at
// once, only writes the same values. The keys are derived data, so the
// change feed gets no rows.
//
// Every write of a paper sets its keys, so once a pass finds nothing left
// it records so in settings: later starts skip the pass, which reads the
// whole papers table (seconds at 3M papers, on every restart).
func (s *Store) fillLookupKeys(ctx context.Context) (int, error) {
	var done bool
	if err := s.write.QueryRowContext(ctx, s.q("SELECT EXISTS (SELECT 1 FROM settings WHERE name = ?)"), lookupKeysFilled).Scan(&done); err != nil {
		return 0, fmt.Errorf("store: fill lookup keys: %w", err)
	}
	if done {
		return 0, nil
	}
	const page = 1000
	filled := 0
	after := ""
	for {
		type row struct{ id, doi, title string }
		var batch []row
		rows, err := s.write.QueryContext(ctx, s.q("SELECT id, doi, title FROM papers WHERE title_key IS NULL AND id > ? ORDER BY id LIMIT ?"), after, page)
		if err != nil {
			return filled, fmt.Errorf("store: fill lookup keys after %q: %w", after, err)
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.doi, &r.title); err != nil {
				rows.Close()
				return filled, fmt.Errorf("store: fill lookup keys after %q: %w", after, err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return filled, fmt.Errorf("store: fill lookup keys after %q: %w", after, err)
		}
		if len(batch) == 0 {
			if _, err := s.write.ExecContext(ctx, s.q("INSERT INTO settings (name, value, created_at) VALUES (?, '1', ?) ON CONFLICT (name) DO NOTHING"), lookupKeysFilled, s.timeArg(s.now())); err != nil {
				return filled, fmt.Errorf("store: fill lookup keys: record the pass: %w", err)
			}
			return filled, nil
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, s.q("UPDATE papers SET doi_key = ?, title_key = ? WHERE id = ?"))
			if err != nil {
				return err
			}
			defer stmt.Close()
			for _, r := range batch {
				if _, err := stmt.ExecContext(ctx, DOIKey(r.doi), TitleKey(r.title), r.id); err != nil {
					return fmt.Errorf("paper %s: %w", r.id, err)
				}
			}
			return nil
		})
		if err != nil {
			return filled, fmt.Errorf("store: fill lookup keys after %q: %w", after, err)
		}
		filled += len(batch)
		after = batch[len(batch)-1].id
	}
}
