package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// NewPapersFilter selects the papers of a period that are not on the
// community daily list: arXiv's other new papers, optionally of one
// category.
type NewPapersFilter struct {
	From, To time.Time // calendar days, [From, To)
	Category string    // "" for all
}

// where selects on dayExpr, which migration 0003 indexes; with daily_on
// NULL it is the listing day.
func (f NewPapersFilter) where() (string, []any) {
	where := "NOT hidden AND daily_on IS NULL AND " + dayExpr + " >= ? AND " + dayExpr + " < ?"
	args := []any{dateArg(f.From), dateArg(f.To)}
	if f.Category != "" {
		where += " AND id IN (SELECT paper_id FROM paper_categories WHERE category = ?)"
		args = append(args, f.Category)
	}
	return where, args
}

func (f NewPapersFilter) String() string {
	return fmt.Sprintf("%s..%s category %q", f.From.Format(time.DateOnly), f.To.Format(time.DateOnly), f.Category)
}

// NewPapers returns the papers f selects in daily order (most upvoted,
// then newest).
func (s *Store) NewPapers(ctx context.Context, f NewPapersFilter, limit, offset int) ([]Paper, error) {
	where, args := f.where()
	papers, err := s.queryPapers(ctx, "SELECT "+paperSelect+" FROM papers WHERE id IN (SELECT id FROM papers WHERE "+
		where+dailyOrder+" LIMIT ? OFFSET ?)"+dailyOrder, append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("store: new papers %s: %w", f, err)
	}
	return papers, nil
}

// CountNewPapers counts the papers NewPapers would return.
func (s *Store) CountNewPapers(ctx context.Context, f NewPapersFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := s.read.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM papers WHERE "+where), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count new papers %s: %w", f, err)
	}
	return n, nil
}

// CategoryCount is how many papers of a list have a category.
type CategoryCount struct {
	Category string
	Papers   int
}

// NewPaperCategories counts the categories of the papers that
// NewPapersFilter{From: from, To: to} selects, the most common first, at
// most limit of them: the filters a list offers.
func (s *Store) NewPaperCategories(ctx context.Context, from, to time.Time, limit int) ([]CategoryCount, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT c.category, COUNT(*) FROM paper_categories c JOIN papers p ON p.id = c.paper_id "+
		"WHERE NOT p.hidden AND p.daily_on IS NULL AND p.listed_on >= ? AND p.listed_on < ? "+
		"GROUP BY c.category ORDER BY COUNT(*) DESC, c.category LIMIT ?"), dateArg(from), dateArg(to), limit)
	if err != nil {
		return nil, fmt.Errorf("store: categories of new papers %s..%s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	defer rows.Close()
	var out []CategoryCount
	for rows.Next() {
		var c CategoryCount
		if err := rows.Scan(&c.Category, &c.Papers); err != nil {
			return nil, fmt.Errorf("store: categories of new papers: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RecentHFDetails returns the Hugging Face details of the newest papers on
// the community daily list, at most limit: where the images that lists show
// (thumbnails, avatars, organisation logos) are named.
func (s *Store) RecentHFDetails(ctx context.Context, limit int) ([]HFDetails, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT hf_details FROM papers WHERE NOT hidden AND daily_on IS NOT NULL "+
		"ORDER BY daily_on DESC, id DESC LIMIT ?"), limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent hugging face details: %w", err)
	}
	defer rows.Close()
	var out []HFDetails
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("store: recent hugging face details: %w", err)
		}
		var d HFDetails
		if json.Unmarshal([]byte(raw), &d) == nil && !d.Empty() { // one bad row does not hide the others
			out = append(out, d)
		}
	}
	return out, rows.Err()
}
