package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/authorname"
)

// authorRows are the paper_authors rows of papers: one per author with a
// name that normalises to something.
func authorRows(papers []Paper) [][]any {
	var rows [][]any
	for _, p := range papers {
		for i, a := range p.Authors {
			if key, initial := authorname.Keys(a); key != "" {
				rows = append(rows, []any{p.ID, i, key, initial})
			}
		}
	}
	return rows
}

// replaceAuthors rewrites the author index of papers whose metadata was
// written in tx.
func (s *Store) replaceAuthors(ctx context.Context, tx *sql.Tx, papers []Paper) error {
	if len(papers) == 0 {
		return nil
	}
	// A paper written twice in one transaction is indexed as last written.
	last := make(map[string]int, len(papers))
	for i, p := range papers {
		last[p.ID] = i
	}
	if len(last) < len(papers) {
		var once []Paper
		for i, p := range papers {
			if last[p.ID] == i {
				once = append(once, p)
			}
		}
		papers = once
	}
	err := s.forIDChunks(papers, func(ids []any) error {
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM paper_authors WHERE paper_id IN ("+placeholders(len(ids))+")"), ids...)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear author index: %w", err)
	}
	if err := s.insertRows(ctx, tx, "INSERT INTO paper_authors (paper_id, position, norm_name, initial_key) VALUES ", authorRows(papers), ""); err != nil {
		return fmt.Errorf("write author index: %w", err)
	}
	return nil
}

// authorsBackfilled is the settings row written once the author index
// holds every paper stored before migration 0013, and account-tied digest
// filters have moved into follows.
const authorsBackfilled = "backfill_0013_authors_follows"

// backfillAuthors fills what migration 0013 could not in SQL, since the
// normalisation lives in Go: the author index of the papers stored before
// it, and follows made of account-tied digest filters. It runs once (a
// settings row records it), on conn, which holds Migrate's lock; each page
// of papers is its own transaction, and an interrupted run starts over
// harmlessly.
func (s *Store) backfillAuthors(ctx context.Context, conn *sql.Conn) error {
	var n int
	if err := conn.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM settings WHERE name = ?"), authorsBackfilled).Scan(&n); err != nil {
		return fmt.Errorf("store: backfill authors: %w", err)
	}
	if n > 0 {
		return nil
	}
	const page = 5000
	after := ""
	for {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: backfill authors: %w", err)
		}
		last, err := s.backfillAuthorsPage(ctx, tx, after, page)
		if err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
		if err != nil {
			return fmt.Errorf("store: backfill authors after %q: %w", after, err)
		}
		if last == "" {
			break
		}
		after = last
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: backfill follows: %w", err)
	}
	if err := s.moveAllFiltersToFollows(ctx, tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("store: backfill follows: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q("INSERT INTO settings (name, value, created_at) VALUES (?, 'done', ?) ON CONFLICT (name) DO NOTHING"),
		authorsBackfilled, s.timeArg(s.now())); err != nil {
		tx.Rollback()
		return fmt.Errorf("store: backfill authors: record: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: backfill authors: commit: %w", err)
	}
	return nil
}

// backfillAuthorsPage indexes the authors of up to limit papers after the
// id after, and returns the last id it read ("" at the end).
func (s *Store) backfillAuthorsPage(ctx context.Context, tx *sql.Tx, after string, limit int) (string, error) {
	rows, err := tx.QueryContext(ctx, s.q("SELECT id, authors FROM papers WHERE id > ? ORDER BY id LIMIT ?"), after, limit)
	if err != nil {
		return "", err
	}
	var papers []Paper
	for rows.Next() {
		var p Paper
		var authors string
		if err := rows.Scan(&p.ID, &authors); err != nil {
			rows.Close()
			return "", err
		}
		if err := json.Unmarshal([]byte(authors), &p.Authors); err != nil {
			rows.Close()
			return "", fmt.Errorf("paper %s: authors: %w", p.ID, err)
		}
		papers = append(papers, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(papers) == 0 {
		return "", nil
	}
	if err := s.replaceAuthors(ctx, tx, papers); err != nil {
		return "", err
	}
	if len(papers) < limit {
		return "", nil
	}
	return papers[len(papers)-1].ID, nil
}

// NameVariant is one normalised name under an initial key, with how many
// visible papers list it.
type NameVariant struct {
	Key    string
	Papers int
}

// AuthorNameVariants returns the normalised names that share an initial
// key ("ada lovelace", "a lovelace", "alan lovelace" under "a lovelace"),
// the most frequent first, at most limit.
func (s *Store) AuthorNameVariants(ctx context.Context, initialKey string, limit int) ([]NameVariant, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT a.norm_name, COUNT(DISTINCT a.paper_id) AS n
		FROM paper_authors a JOIN papers p ON p.id = a.paper_id
		WHERE a.initial_key = ? AND NOT p.hidden
		GROUP BY a.norm_name ORDER BY n DESC, a.norm_name LIMIT ?`), initialKey, limit)
	if err != nil {
		return nil, fmt.Errorf("store: name variants of %q: %w", initialKey, err)
	}
	defer rows.Close()
	var out []NameVariant
	for rows.Next() {
		var v NameVariant
		if err := rows.Scan(&v.Key, &v.Papers); err != nil {
			return nil, fmt.Errorf("store: name variants of %q: %w", initialKey, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// AuthorPapers returns the visible papers that list an author under any of
// the normalised names keys, the most recently listed first, at most limit.
// The keys share one initial key (the first's), as an author page's names
// do; others are not found.
func (s *Store) AuthorPapers(ctx context.Context, keys []string, limit int) ([]Paper, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(keys)+2)
	args = append(args, authorname.InitialKey(keys[0]))
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, s.q("SELECT "+paperSelect+` FROM papers
		WHERE NOT hidden AND id IN (SELECT paper_id FROM paper_authors
			WHERE initial_key = ? AND norm_name IN (`+placeholders(len(keys))+`))
		ORDER BY listed_on DESC NULLS LAST, id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: papers of author %q: %w", keys[0], err)
	}
	defer rows.Close()
	var papers []Paper
	for rows.Next() {
		p, err := scanPaper(rows)
		if err != nil {
			return nil, fmt.Errorf("store: papers of author %q: %w", keys[0], err)
		}
		papers = append(papers, p)
	}
	return papers, rows.Err()
}

// Follow kinds.
const (
	FollowAuthor   = "author"
	FollowCategory = "category"
	FollowTopic    = "topic"
	FollowSearch   = "search"
)

// Follow is one thing a member follows.
type Follow struct {
	Kind      string
	Value     string // the normalised author name, category, topic id or query
	Label     string // as the member gave it
	CreatedAt time.Time
}

// Follow records that a member follows something; following it again
// changes nothing. It reports whether the follow is new.
func (s *Store) Follow(ctx context.Context, userID int64, kind, value, label string) (bool, error) {
	if err := checkText(kind, value, label); err != nil {
		return false, fmt.Errorf("store: follow %s %q: %w", kind, value, err)
	}
	res, err := s.write.ExecContext(ctx, s.q(`INSERT INTO follows (user_id, kind, value, label, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, kind, value) DO NOTHING`), userID, kind, value, label, s.timeArg(s.now()))
	if err != nil {
		return false, fmt.Errorf("store: follow %s %q: %w", kind, value, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Unfollow removes a follow and reports whether there was one.
func (s *Store) Unfollow(ctx context.Context, userID int64, kind, value string) (bool, error) {
	res, err := s.write.ExecContext(ctx, s.q("DELETE FROM follows WHERE user_id = ? AND kind = ? AND value = ?"), userID, kind, value)
	if err != nil {
		return false, fmt.Errorf("store: unfollow %s %q: %w", kind, value, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Follows returns what a member follows, by kind, then in the order they
// were followed.
func (s *Store) Follows(ctx context.Context, userID int64) ([]Follow, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT kind, value, label, created_at FROM follows WHERE user_id = ?
		ORDER BY kind, created_at, value`), userID)
	if err != nil {
		return nil, fmt.Errorf("store: follows of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []Follow
	for rows.Next() {
		var f Follow
		var at nullTime
		if err := rows.Scan(&f.Kind, &f.Value, &f.Label, &at); err != nil {
			return nil, fmt.Errorf("store: follows of user %d: %w", userID, err)
		}
		f.CreatedAt = at.t
		out = append(out, f)
	}
	return out, rows.Err()
}

// IsFollowing reports whether a member follows something.
func (s *Store) IsFollowing(ctx context.Context, userID int64, kind, value string) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM follows WHERE user_id = ? AND kind = ? AND value = ?"),
		userID, kind, value).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: is user %d following %s %q: %w", userID, kind, value, err)
	}
	return n > 0, nil
}

// followFilters are the digest filters of accounts' follows, by user.
func (s *Store) followFilters(ctx context.Context, q queryer, userIDs []int64) (map[int64]DigestFilters, error) {
	out := map[int64]DigestFilters{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(userIDs))
	for i, id := range userIDs {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, s.q(`SELECT user_id, kind, value, label FROM follows
		WHERE user_id IN (`+placeholders(len(args))+`) AND kind IN ('author', 'category', 'search')
		ORDER BY user_id, created_at, kind, value`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind, value, label string
		if err := rows.Scan(&id, &kind, &value, &label); err != nil {
			return nil, err
		}
		f := out[id]
		switch kind {
		case FollowAuthor:
			f.Authors = append(f.Authors, label)
		case FollowCategory:
			f.Categories = append(f.Categories, value)
		case FollowSearch:
			f.Queries = append(f.Queries, value)
		}
		out[id] = f
	}
	return out, rows.Err()
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// withFollows sets the filters of account-tied subscriptions to their
// accounts' follows: for a signed-in subscriber the follows are the one
// model of what the digest holds (Recommended stays the subscription's).
func (s *Store) withFollows(ctx context.Context, q queryer, subs []Subscription) error {
	var ids []int64
	for _, sub := range subs {
		if sub.UserID != 0 {
			ids = append(ids, sub.UserID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	byUser, err := s.followFilters(ctx, q, ids)
	if err != nil {
		return fmt.Errorf("follows of subscribers: %w", err)
	}
	for i := range subs {
		if subs[i].UserID == 0 {
			continue
		}
		f := byUser[subs[i].UserID]
		f.Recommended = subs[i].Filters.Recommended
		subs[i].Filters = f
	}
	return nil
}

// moveFiltersToFollows makes a subscription's own filters follows of the
// account it belongs to and clears them from the subscription.
func (s *Store) moveFiltersToFollows(ctx context.Context, tx *sql.Tx, subID, userID int64, f DigestFilters) error {
	now := s.timeArg(s.now())
	add := func(kind, value, label string) error {
		if value == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO follows (user_id, kind, value, label, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, kind, value) DO NOTHING`), userID, kind, value, label, now)
		return err
	}
	var errs []error
	for _, c := range f.Categories {
		errs = append(errs, add(FollowCategory, strings.TrimSpace(c), strings.TrimSpace(c)))
	}
	for _, a := range f.Authors {
		errs = append(errs, add(FollowAuthor, authorname.Key(a), strings.TrimSpace(a)))
	}
	for _, q := range f.Queries {
		q = strings.Join(strings.Fields(q), " ")
		errs = append(errs, add(FollowSearch, q, q))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("subscription %d: %w", subID, err)
	}
	kept := DigestFilters{Recommended: f.Recommended}
	if _, err := tx.ExecContext(ctx, s.q("UPDATE subscriptions SET filters = ? WHERE id = ?"), mustJSON(kept), subID); err != nil {
		return fmt.Errorf("subscription %d: %w", subID, err)
	}
	return nil
}

// moveAllFiltersToFollows moves the filters of every account-tied
// subscription into its account's follows.
func (s *Store) moveAllFiltersToFollows(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, user_id, filters FROM subscriptions WHERE user_id IS NOT NULL ORDER BY id")
	if err != nil {
		return err
	}
	type sub struct {
		id, user int64
		f        DigestFilters
	}
	var subs []sub
	for rows.Next() {
		var x sub
		var filters string
		if err := rows.Scan(&x.id, &x.user, &filters); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal([]byte(filters), &x.f); err != nil {
			rows.Close()
			return fmt.Errorf("filters of subscription %d: %w", x.id, err)
		}
		if !x.f.Empty() {
			subs = append(subs, x)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, x := range subs {
		if err := s.moveFiltersToFollows(ctx, tx, x.id, x.user, x.f); err != nil {
			return err
		}
	}
	return nil
}
