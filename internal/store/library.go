package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrLimit is returned when a write would take a user past a count limit
// (collections per user, papers per collection); the caller names the
// limit.
var ErrLimit = errors.New("limit reached")

// UnknownPaperError names the paper, among several, that is not stored
// (or hidden); it is an ErrNotFound.
type UnknownPaperError struct{ ID string }

func (e *UnknownPaperError) Error() string { return "paper " + e.ID + ": " + ErrNotFound.Error() }
func (e *UnknownPaperError) Unwrap() error { return ErrNotFound }

// SavedPaper is a paper in a user's library, or in one of their
// collections, with the owner's note.
type SavedPaper struct {
	Paper
	Note    string
	SavedAt time.Time // when it entered the library (or the collection)
}

// LibrarySort orders a library or a collection.
type LibrarySort string

// The orders of a library or collection.
const (
	// SortSaved is the most recently saved first; in a collection, the
	// order papers were added in.
	SortSaved LibrarySort = "saved"
	// SortPaperDate is the newest paper first.
	SortPaperDate LibrarySort = "date"
	// SortTitle is by title, A to Z.
	SortTitle LibrarySort = "title"
	// SortRecent is the most recently saved or added first, for feeds.
	SortRecent LibrarySort = "recent"
)

// libraryOrder is the ORDER BY of a sort; fixed strings only, never input.
func libraryOrder(sort LibrarySort, inCollection bool) string {
	switch sort {
	case SortPaperDate:
		return "p.listed_on DESC NULLS LAST, p.first_version_at DESC NULLS LAST, p.id DESC"
	case SortTitle:
		return "lower(p.title), p.id"
	case SortRecent:
		if inCollection {
			return "cp.position DESC, cp.paper_id"
		}
	}
	if inCollection {
		return "cp.position, cp.paper_id"
	}
	return "sp.saved_at DESC, sp.paper_id DESC"
}

// SavePaper puts a paper in the user's library. Saving twice changes
// nothing; saved reports whether it was new. An unknown or hidden paper is
// ErrNotFound.
func (s *Store) SavePaper(ctx context.Context, userID int64, paperID string) (saved bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.visiblePaper(ctx, tx, paperID); err != nil {
			return err
		}
		n, err := s.savePapers(ctx, tx, userID, []string{paperID})
		saved = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: save %s for user %d: %w", paperID, userID, err)
	}
	return saved, nil
}

// visiblePapers returns paperIDs without repeats, or an
// UnknownPaperError for the first that is unknown or hidden.
func (s *Store) visiblePapers(ctx context.Context, tx *sql.Tx, paperIDs []string) ([]string, error) {
	seen := make(map[string]bool, len(paperIDs))
	var fresh []string
	for _, pid := range paperIDs {
		if seen[pid] {
			continue
		}
		seen[pid] = true
		if err := s.visiblePaper(ctx, tx, pid); errors.Is(err, ErrNotFound) {
			return nil, &UnknownPaperError{ID: pid}
		} else if err != nil {
			return nil, err
		}
		fresh = append(fresh, pid)
	}
	return fresh, nil
}

// SavePapers puts many papers in the user's library in one transaction,
// for importers: all or none. An unknown or hidden paper fails the call
// with an UnknownPaperError naming it, and a library that would hold more
// than max papers with ErrLimit. It returns how many papers were new.
func (s *Store) SavePapers(ctx context.Context, userID int64, paperIDs []string, max int) (added int, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		fresh, err := s.visiblePapers(ctx, tx, paperIDs)
		if err != nil {
			return err
		}
		n, err := s.savePapers(ctx, tx, userID, fresh)
		if err != nil {
			return err
		}
		added = int(n)
		var count int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM saved_papers WHERE user_id = ?"), userID).Scan(&count); err != nil {
			return err
		}
		if added > 0 && count > max {
			return ErrLimit
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: save %d papers for user %d: %w", len(paperIDs), userID, err)
	}
	return added, nil
}

// savePapers inserts the papers into the library, keeping those already
// there as they are, and returns how many were new.
func (s *Store) savePapers(ctx context.Context, tx *sql.Tx, userID int64, paperIDs []string) (int64, error) {
	now := s.timeArg(s.now().UTC())
	var added int64
	for _, id := range paperIDs {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO saved_papers (user_id, paper_id, saved_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id, paper_id) DO NOTHING`), userID, id, now)
		if err != nil {
			return added, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return added, err
		}
		added += n
	}
	return added, nil
}

// UnsavePaper takes a paper out of the user's library and out of all
// their collections, which hold only library papers. Unsaving a paper that
// is not saved changes nothing.
func (s *Store) UnsavePaper(ctx context.Context, userID int64, paperID string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM collection_papers WHERE paper_id = ?
			AND collection_id IN (SELECT id FROM collections WHERE user_id = ?)`), paperID, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM saved_papers WHERE user_id = ? AND paper_id = ?"), userID, paperID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: unsave %s for user %d: %w", paperID, userID, err)
	}
	return nil
}

// SetNote sets the user's note on a paper, saving the paper first if it
// is not in the library yet.
func (s *Store) SetNote(ctx context.Context, userID int64, paperID, note string) error {
	if err := checkText("note", note); err != nil {
		return fmt.Errorf("store: note on %s: %w", paperID, err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.visiblePaper(ctx, tx, paperID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO saved_papers (user_id, paper_id, note, saved_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, paper_id) DO UPDATE SET note = excluded.note`), userID, paperID, note, s.timeArg(s.now().UTC()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: note on %s for user %d: %w", paperID, userID, err)
	}
	return nil
}

// SavedAmong returns the papers among ids that the user has saved.
func (s *Store) SavedAmong(ctx context.Context, userID int64, ids []string) (map[string]bool, error) {
	saved := map[string]bool{}
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := []any{userID}
		for _, id := range part {
			args = append(args, id)
		}
		if err := s.collectIDs(ctx, saved, s.q("SELECT paper_id FROM saved_papers WHERE user_id = ? AND paper_id IN ("+
			placeholders(len(part))+")"), args...); err != nil {
			return nil, fmt.Errorf("store: saved papers of user %d: %w", userID, err)
		}
	}
	return saved, nil
}

func (s *Store) collectIDs(ctx context.Context, into map[string]bool, query string, args ...any) error {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		into[id] = true
	}
	return rows.Err()
}

// CountSaved is the number of papers in the user's library.
func (s *Store) CountSaved(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM saved_papers WHERE user_id = ?"), userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count saved papers of user %d: %w", userID, err)
	}
	return n, nil
}

// Library returns a page of the user's saved papers, hidden papers left
// out.
func (s *Store) Library(ctx context.Context, userID int64, sort LibrarySort, limit, offset int) ([]SavedPaper, error) {
	papers, err := s.savedPapers(ctx, "SELECT "+prefixed("p", paperSelect)+`, sp.note, sp.saved_at
		FROM saved_papers sp JOIN papers p ON p.id = sp.paper_id
		WHERE sp.user_id = ? AND NOT p.hidden ORDER BY `+libraryOrder(sort, false)+" LIMIT ? OFFSET ?", userID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: library of user %d: %w", userID, err)
	}
	return papers, nil
}

func (s *Store) savedPapers(ctx context.Context, query string, args ...any) ([]SavedPaper, error) {
	rows, err := s.read.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SavedPaper
	for rows.Next() {
		var sp SavedPaper
		var at nullTime
		p, err := scanPaper(extraScanner{rows, []any{&sp.Note, &at}})
		if err != nil {
			return nil, err
		}
		sp.Paper, sp.SavedAt = p, at.t
		out = append(out, sp)
	}
	return out, rows.Err()
}

// extraScanner scans a paper row followed by more columns.
type extraScanner struct {
	rows  *sql.Rows
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.rows.Scan(append(dest, e.extra...)...) }

// Collection is a user's named list of saved papers.
type Collection struct {
	ID          int64
	UserID      int64
	Owner       string // the owner's username
	Slug        string
	Name        string
	Description string
	Private     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Count       int // papers
	Upvotes     int
}

const collectionSelect = `c.id, c.user_id, u.username, c.slug, c.name, c.description, c.private, c.created_at, c.updated_at,
	(SELECT COUNT(*) FROM collection_papers cp WHERE cp.collection_id = c.id),
	(SELECT COUNT(*) FROM collection_votes cv WHERE cv.collection_id = c.id)
	FROM collections c JOIN users u ON u.id = c.user_id`

func scanCollection(r rowScanner) (Collection, error) {
	var c Collection
	var created, updated nullTime
	err := r.Scan(&c.ID, &c.UserID, &c.Owner, &c.Slug, &c.Name, &c.Description, &c.Private, &created, &updated, &c.Count, &c.Upvotes)
	c.CreatedAt, c.UpdatedAt = created.t, updated.t
	return c, err
}

// CreateCollection stores a new collection of c.UserID with c's slug, name,
// description and privacy, unless the user already has max collections
// (ErrLimit) or one with the slug (ErrConflict).
func (s *Store) CreateCollection(ctx context.Context, c Collection, max int) (Collection, error) {
	if err := checkText("slug", c.Slug, "name", c.Name, "description", c.Description); err != nil {
		return Collection{}, fmt.Errorf("store: create collection %q: %w", c.Slug, err)
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			// Serialise one user's creations so the count limit holds.
			if _, err := tx.ExecContext(ctx, "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", c.UserID); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM collections WHERE user_id = ?"), c.UserID).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return ErrLimit
		}
		now := s.timeArg(s.now().UTC())
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO collections (user_id, slug, name, description, private, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, slug) DO NOTHING RETURNING id`),
			c.UserID, c.Slug, c.Name, c.Description, c.Private, now, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrConflict
		}
		return err
	})
	if err != nil {
		return Collection{}, fmt.Errorf("store: create collection %q of user %d: %w", c.Slug, c.UserID, err)
	}
	return s.collection(ctx, "c.id = ?", id)
}

func (s *Store) collection(ctx context.Context, where string, args ...any) (Collection, error) {
	c, err := scanCollection(s.read.QueryRowContext(ctx, s.q("SELECT "+collectionSelect+" WHERE "+where), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Collection{}, ErrNotFound
	}
	return c, err
}

// CollectionBySlug returns the user's collection with the slug, or
// ErrNotFound.
func (s *Store) CollectionBySlug(ctx context.Context, userID int64, slug string) (Collection, error) {
	c, err := s.collection(ctx, "c.user_id = ? AND c.slug = ?", userID, slug)
	if err != nil {
		return Collection{}, fmt.Errorf("store: collection %q of user %d: %w", slug, userID, err)
	}
	return c, nil
}

// Collections returns the user's collections by name.
func (s *Store) Collections(ctx context.Context, userID int64) ([]Collection, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT "+collectionSelect+" WHERE c.user_id = ? ORDER BY lower(c.name), c.id"), userID)
	if err != nil {
		return nil, fmt.Errorf("store: collections of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []Collection
	for rows.Next() {
		c, err := scanCollection(rows)
		if err != nil {
			return nil, fmt.Errorf("store: collections of user %d: %w", userID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: collections of user %d: %w", userID, err)
	}
	return out, nil
}

// CollectionsHolding returns the slugs of the user's collections that hold
// the paper.
func (s *Store) CollectionsHolding(ctx context.Context, userID int64, paperID string) (map[string]bool, error) {
	in := map[string]bool{}
	err := s.collectIDs(ctx, in, s.q(`SELECT c.slug FROM collection_papers cp JOIN collections c ON c.id = cp.collection_id
		WHERE c.user_id = ? AND cp.paper_id = ?`), userID, paperID)
	if err != nil {
		return nil, fmt.Errorf("store: collections of user %d holding %s: %w", userID, paperID, err)
	}
	return in, nil
}

// CollectionUpdate is a change to a collection: the fields that are not nil.
type CollectionUpdate struct {
	Name        *string
	Description *string
	Private     *bool
}

// UpdateCollection changes the collection's name, description or privacy.
// The slug stays, so that links to it keep working.
func (s *Store) UpdateCollection(ctx context.Context, id int64, u CollectionUpdate) (Collection, error) {
	var texts []string
	if u.Name != nil {
		texts = append(texts, "name", *u.Name)
	}
	if u.Description != nil {
		texts = append(texts, "description", *u.Description)
	}
	if err := checkText(texts...); err != nil {
		return Collection{}, fmt.Errorf("store: update collection %d: %w", id, err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var name, desc string
		var private bool
		err := tx.QueryRowContext(ctx, s.q("SELECT name, description, private FROM collections WHERE id = ?"+s.forUpdate()), id).Scan(&name, &desc, &private)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if u.Name != nil {
			name = *u.Name
		}
		if u.Description != nil {
			desc = *u.Description
		}
		if u.Private != nil {
			private = *u.Private
		}
		_, err = tx.ExecContext(ctx, s.q("UPDATE collections SET name = ?, description = ?, private = ?, updated_at = ? WHERE id = ?"),
			name, desc, private, s.timeArg(s.now().UTC()), id)
		return err
	})
	if err != nil {
		return Collection{}, fmt.Errorf("store: update collection %d: %w", id, err)
	}
	return s.collection(ctx, "c.id = ?", id)
}

// DeleteCollection deletes a collection; its papers stay in the library.
func (s *Store) DeleteCollection(ctx context.Context, id int64) error {
	if _, err := s.write.ExecContext(ctx, s.q("DELETE FROM collections WHERE id = ?"), id); err != nil {
		return fmt.Errorf("store: delete collection %d: %w", id, err)
	}
	return nil
}

// AddToCollection adds papers to a collection, after those it holds, in
// one transaction: all of them or, on any error, none. Papers not yet in
// the owner's library are saved too. Papers the collection holds already
// keep their place; an unknown or hidden paper fails the whole call with
// ErrNotFound naming it, and going past max papers with ErrLimit. It
// returns how many papers were new to the collection.
func (s *Store) AddToCollection(ctx context.Context, id int64, paperIDs []string, max int) (added int, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, s.q("SELECT user_id FROM collections WHERE id = ?"+s.forUpdate()), id).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var count, last int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*), COALESCE(MAX(position), 0) FROM collection_papers WHERE collection_id = ?"), id).
			Scan(&count, &last); err != nil {
			return err
		}
		fresh, err := s.visiblePapers(ctx, tx, paperIDs)
		if err != nil {
			return err
		}
		if _, err := s.savePapers(ctx, tx, userID, fresh); err != nil {
			return err
		}
		now := s.timeArg(s.now().UTC())
		for _, pid := range fresh {
			res, err := tx.ExecContext(ctx, s.q(`INSERT INTO collection_papers (collection_id, paper_id, position, added_at)
				VALUES (?, ?, ?, ?) ON CONFLICT (collection_id, paper_id) DO NOTHING`), id, pid, last+added+1, now)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				added++
			}
		}
		if added > 0 && count+added > max {
			return ErrLimit
		}
		if added > 0 {
			return s.touchCollection(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: add %d papers to collection %d: %w", len(paperIDs), id, err)
	}
	return added, nil
}

func (s *Store) touchCollection(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, s.q("UPDATE collections SET updated_at = ? WHERE id = ?"), s.timeArg(s.now().UTC()), id)
	return err
}

// RemoveFromCollection takes a paper out of a collection; it stays in the
// library. Removing a paper the collection does not hold changes nothing.
func (s *Store) RemoveFromCollection(ctx context.Context, id int64, paperID string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM collection_papers WHERE collection_id = ? AND paper_id = ?"), id, paperID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.touchCollection(ctx, tx, id)
	})
	if err != nil {
		return fmt.Errorf("store: remove %s from collection %d: %w", paperID, id, err)
	}
	return nil
}

// CollectionPapers returns a page of a collection's visible papers with
// the owner's notes; SortSaved is the order they were added in.
func (s *Store) CollectionPapers(ctx context.Context, id int64, sort LibrarySort, limit, offset int) ([]SavedPaper, error) {
	papers, err := s.savedPapers(ctx, "SELECT "+prefixed("p", paperSelect)+`, COALESCE(sp.note, ''), cp.added_at
		FROM collection_papers cp JOIN collections c ON c.id = cp.collection_id
		JOIN papers p ON p.id = cp.paper_id
		LEFT JOIN saved_papers sp ON sp.user_id = c.user_id AND sp.paper_id = cp.paper_id
		WHERE cp.collection_id = ? AND NOT p.hidden ORDER BY `+libraryOrder(sort, true)+" LIMIT ? OFFSET ?", id, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: papers of collection %d: %w", id, err)
	}
	return papers, nil
}

// VoteCollection sets userID's upvote of a collection and returns its
// upvotes. Voting twice changes nothing.
func (s *Store) VoteCollection(ctx context.Context, id, userID int64, up bool) (int, error) {
	var total int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if up {
			_, err = tx.ExecContext(ctx, s.q(`INSERT INTO collection_votes (collection_id, user_id, created_at) VALUES (?, ?, ?)
				ON CONFLICT (collection_id, user_id) DO NOTHING`), id, userID, s.timeArg(s.now().UTC()))
		} else {
			_, err = tx.ExecContext(ctx, s.q("DELETE FROM collection_votes WHERE collection_id = ? AND user_id = ?"), id, userID)
		}
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM collection_votes WHERE collection_id = ?"), id).Scan(&total)
	})
	if err != nil {
		return 0, fmt.Errorf("store: vote %d on collection %d: %w", userID, id, err)
	}
	return total, nil
}

// VotedCollection reports whether userID has upvoted the collection.
func (s *Store) VotedCollection(ctx context.Context, id, userID int64) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM collection_votes WHERE collection_id = ? AND user_id = ?"), id, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: vote of %d on collection %d: %w", userID, id, err)
	}
	return n > 0, nil
}

// DeleteUser deletes an account and, through the schema's ON DELETE
// clauses, what it owns: sessions, tokens, votes, its library, collections
// and collection upvotes (submissions and the audit log keep their rows
// without the user).
func (s *Store) DeleteUser(ctx context.Context, userID int64) error {
	res, err := s.write.ExecContext(ctx, s.q("DELETE FROM users WHERE id = ?"), userID)
	if err != nil {
		return fmt.Errorf("store: delete user %d: %w", userID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: delete user %d: %w", userID, err)
	} else if n == 0 {
		return fmt.Errorf("store: delete user %d: %w", userID, ErrNotFound)
	}
	return nil
}
