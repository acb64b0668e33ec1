package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// dayExpr is the day a paper is on the daily list: the day it was submitted
// to Hugging Face's daily papers or, failing that, the day arXiv listed it.
// Migration 0003 indexes exactly this expression.
const dayExpr = "COALESCE(daily_on, listed_on)"

// dailyOrder ranks a daily list: most upvoted first, then the most recent
// submission, then the id so that the order is total.
const dailyOrder = " ORDER BY base_upvotes + vote_count DESC, first_version_at DESC NULLS LAST, id DESC"

// rankedPapers selects the visible papers whose day is in [?, ?) in daily
// order, cut by page (" LIMIT ?..."). The ranking sorts only ids and their
// keys, and whole rows are read for the page alone: sorting the rows with
// their abstracts was most of the cost of a day of 600 papers.
func rankedPapers(page string) string {
	return "SELECT " + paperSelect + " FROM papers WHERE id IN (SELECT id FROM papers WHERE NOT hidden AND " +
		dayExpr + " >= ? AND " + dayExpr + " < ?" + dailyOrder + page + ")" + dailyOrder
}

// PaperDay is the day a paper belongs to on the daily lists (UTC midnight),
// or the zero time when it has neither a daily-list nor a listing date.
func (p Paper) PaperDay() time.Time {
	if !p.Community.DailyOn.IsZero() {
		return p.Community.DailyOn
	}
	return p.ListedOn
}

// DailyPapers returns the visible papers whose day (see PaperDay) is in
// [from, to), ranked by upvotes then recency; from and to are calendar days.
func (s *Store) DailyPapers(ctx context.Context, from, to time.Time, limit, offset int) ([]Paper, error) {
	papers, err := s.queryPapers(ctx, rankedPapers(" LIMIT ? OFFSET ?"), dateArg(from), dateArg(to), limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: daily papers %s..%s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return papers, nil
}

// CountDailyPapers counts the visible papers whose day is in [from, to).
func (s *Store) CountDailyPapers(ctx context.Context, from, to time.Time) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM papers WHERE NOT hidden AND "+
		dayExpr+" >= ? AND "+dayExpr+" < ?"), dateArg(from), dateArg(to)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count daily papers %s..%s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return n, nil
}

// TrendingCandidates returns the visible papers whose day is in
// [since, until), the most upvoted first, at most limit of them: the pool
// that a trending ranking reorders.
func (s *Store) TrendingCandidates(ctx context.Context, since, until time.Time, limit int) ([]Paper, error) {
	papers, err := s.queryPapers(ctx, rankedPapers(" LIMIT ?"), dateArg(since), dateArg(until), limit)
	if err != nil {
		return nil, fmt.Errorf("store: trending candidates since %s: %w", since.Format(time.DateOnly), err)
	}
	return papers, nil
}

// AdjacentDays returns the closest days before and after day that have
// visible papers; either is the zero time when there is none.
func (s *Store) AdjacentDays(ctx context.Context, day time.Time) (prev, next time.Time, err error) {
	var p, n nullTime
	err = s.read.QueryRowContext(ctx, s.q("SELECT (SELECT MAX("+dayExpr+") FROM papers WHERE NOT hidden AND "+dayExpr+" < ?), "+
		"(SELECT MIN("+dayExpr+") FROM papers WHERE NOT hidden AND "+dayExpr+" > ?)"),
		dateArg(day), dateArg(day)).Scan(&p, &n)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("store: days around %s: %w", day.Format(time.DateOnly), err)
	}
	return p.t, n.t, nil
}

func (s *Store) queryPapers(ctx context.Context, query string, args ...any) ([]Paper, error) {
	rows, err := s.read.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	return collectPapers(rows)
}

func collectPapers(rows *sql.Rows) ([]Paper, error) {
	defer rows.Close()
	var papers []Paper
	for rows.Next() {
		p, err := scanPaper(rows)
		if err != nil {
			return nil, err
		}
		papers = append(papers, p)
	}
	return papers, rows.Err()
}

// DailyListFilter selects papers on the community daily list: those
// submitted to it, here or on Hugging Face.
type DailyListFilter struct {
	From, To  time.Time // calendar days, [From, To); zero: unbounded
	Submitter string    // the submitting account, compared without case; "" for all
}

func (f DailyListFilter) where() (string, []any) {
	where, args := "NOT hidden AND daily_on IS NOT NULL", []any{}
	if !f.From.IsZero() {
		where += " AND daily_on >= ?"
		args = append(args, dateArg(f.From))
	}
	if !f.To.IsZero() {
		where += " AND daily_on < ?"
		args = append(args, dateArg(f.To))
	}
	if f.Submitter != "" {
		where += " AND LOWER(daily_submitter) = LOWER(?)"
		args = append(args, f.Submitter)
	}
	return where, args
}

func (f DailyListFilter) String() string {
	return fmt.Sprintf("%s..%s submitter %q", f.From.Format(time.DateOnly), f.To.Format(time.DateOnly), f.Submitter)
}

// DailyListPapers returns the visible papers on the community daily list
// that f selects, in daily order (most upvoted first).
func (s *Store) DailyListPapers(ctx context.Context, f DailyListFilter, limit, offset int) ([]Paper, error) {
	where, args := f.where()
	papers, err := s.queryPapers(ctx, "SELECT "+paperSelect+" FROM papers WHERE id IN (SELECT id FROM papers WHERE "+
		where+dailyOrder+" LIMIT ? OFFSET ?)"+dailyOrder, append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("store: daily list %s: %w", f, err)
	}
	return papers, nil
}

// CountDailyListPapers counts the papers DailyListPapers would return.
func (s *Store) CountDailyListPapers(ctx context.Context, f DailyListFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := s.read.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM papers WHERE "+where), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count daily list %s: %w", f, err)
	}
	return n, nil
}

// LatestDailyListDay is the newest day of the community daily list, or the
// zero time when nothing was ever submitted.
func (s *Store) LatestDailyListDay(ctx context.Context) (time.Time, error) {
	var day nullTime
	if err := s.read.QueryRowContext(ctx, "SELECT MAX(daily_on) FROM papers WHERE NOT hidden AND daily_on IS NOT NULL").Scan(&day); err != nil {
		return time.Time{}, fmt.Errorf("store: latest daily list day: %w", err)
	}
	return day.t, nil
}
