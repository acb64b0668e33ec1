package store

import (
	"context"
	"fmt"
	"time"
)

// LastChange returns the newest change-feed sequence number, 0 when the
// feed is empty. It reads one end of the primary key, so it is cheap enough
// to call for every request: the web layer uses it as the version of
// everything it renders (every import and vote writes a change).
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM changes").Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: last change: %w", err)
	}
	return seq, nil
}

// SitemapEntry is a paper as a sitemap lists it.
type SitemapEntry struct {
	ID        string
	UpdatedAt time.Time
}

// CountSitemapPapers counts the visible papers, the entries of the sitemap.
func (s *Store) CountSitemapPapers(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM papers WHERE NOT hidden").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count sitemap papers: %w", err)
	}
	return n, nil
}

// SitemapPapers returns up to limit visible papers in id order, skipping
// the first offset: the pages of the sitemap.
func (s *Store) SitemapPapers(ctx context.Context, offset, limit int) ([]SitemapEntry, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT id, updated_at FROM papers WHERE NOT hidden ORDER BY id LIMIT ? OFFSET ?"), limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: sitemap papers: %w", err)
	}
	defer rows.Close()
	entries := make([]SitemapEntry, 0, min(limit, 4096))
	for rows.Next() {
		var e SitemapEntry
		var at nullTime
		if err := rows.Scan(&e.ID, &at); err != nil {
			return nil, fmt.Errorf("store: sitemap papers: %w", err)
		}
		e.UpdatedAt = at.t
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sitemap papers: %w", err)
	}
	return entries, nil
}
