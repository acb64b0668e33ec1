package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// UpsertCounts says what a batch upsert did with each record.
type UpsertCounts struct {
	Inserted  int
	Updated   int
	Unchanged int
}

// Add adds o to c.
func (c *UpsertCounts) Add(o UpsertCounts) {
	c.Inserted += o.Inserted
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
}

// maxParams bounds the placeholders of one statement, below SQLite's 32766
// and PostgreSQL's 65535.
const maxParams = 30000

// changeFeedLock is the PostgreSQL advisory lock key held by transactions
// that append to the change feed.
const changeFeedLock = 7_290_041_188

// metaColumns are the columns an arXiv import writes. Community columns are
// deliberately absent so that a re-import never wipes them.
var metaColumns = []string{
	"id", "version", "title", "abstract", "authors", "categories", "primary_category", "classifications",
	"comments", "journal_ref", "doi", "report_no", "license", "submitter", "versions",
	"first_version_at", "latest_version_at", "listed_on", "source", "meta_hash", "doi_key", "title_key",
}

var communityColumns = []string{
	"base_upvotes", "daily_on", "daily_submitted_at", "daily_submitter", "github_repo",
	"github_stars", "hf_num_comments", "ai_summary", "ai_keywords", "project_page", "hf_details", "community_hash",
}

// UpsertPapers stores papers' arXiv metadata in one transaction. A paper is
// inserted when new, updated when the record is the same or a newer version
// with different content (or the stored metadata came from Hugging Face), and
// left alone otherwise. Community data is never touched.
func (s *Store) UpsertPapers(ctx context.Context, papers []Paper) (UpsertCounts, error) {
	var counts UpsertCounts
	if len(papers) == 0 {
		return counts, nil
	}
	papers = sortedByID(papers)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		counts = UpsertCounts{}
		existing, err := s.storedHeads(ctx, tx, papers)
		if err != nil {
			return err
		}
		now := s.now()
		var rows [][]any
		var changed []Paper
		at := map[string]int{} // id -> its row, so a paper is written once
		for i := range papers {
			p := &papers[i]
			p.Source = SourceArxiv
			hash := p.metaHash()
			head, ok := existing[p.ID]
			switch {
			case !ok:
				counts.Inserted++
			case head.source == SourceHF,
				p.Version >= head.version && hash != head.metaHash:
				counts.Updated++
			default:
				counts.Unchanged++
				continue
			}
			existing[p.ID] = paperHead{version: p.Version, source: p.Source, metaHash: hash}
			row := append(s.metaArgs(p, hash), arrivedVia(p), s.timeArg(now), s.timeArg(now))
			if j, seen := at[p.ID]; seen {
				// The batch holds the paper twice: one statement may not
				// write a row twice, so the later record replaces the
				// earlier one (counted as an update of it).
				rows[j], changed[j] = row, *p
				continue
			}
			at[p.ID] = len(rows)
			rows = append(rows, row)
			changed = append(changed, *p)
		}
		if len(rows) == 0 {
			return nil
		}
		set := make([]string, 0, len(metaColumns))
		for _, c := range metaColumns[1:] {
			set = append(set, c+" = excluded."+c)
		}
		cols := append(append([]string{}, metaColumns...), "arrived_via", "created_at", "updated_at")
		err = s.insertRows(ctx, tx, "INSERT INTO papers ("+strings.Join(cols, ", ")+") VALUES ", rows,
			" ON CONFLICT (id) DO UPDATE SET "+strings.Join(set, ", ")+", updated_at = excluded.updated_at"+
				// Guards against a concurrent import of a newer version.
				" WHERE papers.source = 'hf' OR excluded.version >= papers.version")
		if err != nil {
			return fmt.Errorf("write papers: %w", err)
		}
		if err := s.replaceCategories(ctx, tx, changed); err != nil {
			return err
		}
		if err := s.replaceAuthors(ctx, tx, changed); err != nil {
			return err
		}
		return s.recordChanges(ctx, tx, changed, "paper", now)
	})
	if err != nil {
		return UpsertCounts{}, fmt.Errorf("store: upsert %d papers (first %s): %w", len(papers), papers[0].ID, err)
	}
	return counts, nil
}

// UpsertCommunity stores Hugging Face daily-paper records: the community
// data always, and the paper's metadata only while arXiv's is not known.
// Repeated records of one paper merge: the larger counts and the earliest
// day on the daily list win, so the order of imports does not matter.
func (s *Store) UpsertCommunity(ctx context.Context, papers []Paper) (UpsertCounts, error) {
	var counts UpsertCounts
	if len(papers) == 0 {
		return counts, nil
	}
	papers = sortedByID(papers)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		counts = UpsertCounts{}
		stored, err := s.papersByID(ctx, tx, papers)
		if err != nil {
			return err
		}
		now := s.now()
		var changed, authored []Paper // authored: papers whose author list was written
		for i := range papers {
			p := papers[i]
			p.Source = SourceHF
			old, ok := stored[p.ID]
			if !ok {
				inserted, err := s.insertHFPaper(ctx, tx, &p, now)
				if err != nil {
					return err
				}
				if inserted {
					counts.Inserted++
					stored[p.ID] = p
					changed = append(changed, p)
					authored = append(authored, p)
					continue
				}
				// Another import inserted the paper since we looked: merge
				// into what it wrote.
				again, err := s.papersByID(ctx, tx, []Paper{p})
				if err != nil {
					return err
				}
				if old, ok = again[p.ID]; !ok {
					return fmt.Errorf("paper %s vanished during its upsert", p.ID)
				}
			}
			merged := mergeCommunity(old.Community, p.Community)
			// Hugging Face's metadata of a paper arXiv has not described yet
			// follows the most recent fetch, recognised by its upvote count
			// (which only grows), so that import order does not matter.
			metaChanged := old.Source == SourceHF && p.Community.Upvotes >= old.Community.Upvotes &&
				p.metaHash() != old.metaHash()
			if merged.hash() == old.Community.hash() && !metaChanged {
				counts.Unchanged++
				continue
			}
			if err := s.updateCommunity(ctx, tx, p.ID, &merged, now); err != nil {
				return err
			}
			old.Community = merged
			if metaChanged {
				if err := s.updateHFMeta(ctx, tx, &p, now); err != nil {
					return err
				}
				authored = append(authored, p)
				p.Community = merged
				old = p
			}
			stored[p.ID] = old
			counts.Updated++
			changed = append(changed, old)
		}
		if err := s.replaceAuthors(ctx, tx, authored); err != nil {
			return err
		}
		return s.recordChanges(ctx, tx, changed, "community", now)
	})
	if err != nil {
		return UpsertCounts{}, fmt.Errorf("store: upsert community data of %d papers (first %s): %w", len(papers), papers[0].ID, err)
	}
	return counts, nil
}

// mergeCommunity merges two records of one paper's community data so that
// the result does not depend on their order: counts only grow, the earliest
// submission to the daily list stands, and text fields follow the record
// with more upvotes (the later fetch), filling gaps from the other.
func mergeCommunity(old, in Community) Community {
	m := old
	m.Upvotes = max(old.Upvotes, in.Upvotes)
	m.NumComments = max(old.NumComments, in.NumComments)
	m.GitHubStars = max(old.GitHubStars, in.GitHubStars)
	if !in.DailySubmittedAt.IsZero() && (old.DailySubmittedAt.IsZero() || in.DailySubmittedAt.Before(old.DailySubmittedAt)) {
		m.DailyOn, m.DailySubmittedAt, m.DailySubmitter = in.DailyOn, in.DailySubmittedAt, in.DailySubmitter
	}
	newer := in.Upvotes >= old.Upvotes
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&m.GitHubRepo, in.GitHubRepo}, {&m.AISummary, in.AISummary}, {&m.ProjectPage, in.ProjectPage},
	} {
		if f.src != "" && (newer || *f.dst == "") {
			*f.dst = f.src
		}
	}
	if len(in.AIKeywords) > 0 && (newer || len(m.AIKeywords) == 0) {
		m.AIKeywords = in.AIKeywords
	}
	if !in.HF.Empty() && (newer || m.HF.Empty()) {
		m.HF = in.HF
	}
	// The submitter's account travels with the submission that stands.
	m.HF.SubmittedBy = old.HF.SubmittedBy
	if m.DailySubmittedAt.Equal(in.DailySubmittedAt) && m.DailySubmitter == in.DailySubmitter && in.HF.SubmittedBy != nil {
		m.HF.SubmittedBy = in.HF.SubmittedBy
	}
	return m
}

// insertHFPaper inserts a paper known only from Hugging Face. It reports
// false, writing nothing, when a concurrent import has inserted the paper
// since it was read.
func (s *Store) insertHFPaper(ctx context.Context, tx *sql.Tx, p *Paper, now time.Time) (bool, error) {
	cols := append(append(append([]string{}, metaColumns...), communityColumns...), "arrived_via", "created_at", "updated_at")
	args := append(append(s.metaArgs(p, p.metaHash()), s.communityArgs(&p.Community)...), arrivedVia(p), s.timeArg(now), s.timeArg(now))
	query := "INSERT INTO papers (" + strings.Join(cols, ", ") + ") VALUES (" + placeholders(len(cols)) + ") ON CONFLICT (id) DO NOTHING"
	res, err := tx.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return false, fmt.Errorf("insert %s: %w", p.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert %s: %w", p.ID, err)
	}
	return n == 1, nil
}

func (s *Store) updateCommunity(ctx context.Context, tx *sql.Tx, id string, c *Community, now time.Time) error {
	query := "UPDATE papers SET " + strings.Join(communityColumns, " = ?, ") + " = ?, updated_at = ? WHERE id = ?"
	args := append(s.communityArgs(c), s.timeArg(now), id)
	if _, err := tx.ExecContext(ctx, s.q(query), args...); err != nil {
		return fmt.Errorf("update community data of %s: %w", id, err)
	}
	return nil
}

func (s *Store) updateHFMeta(ctx context.Context, tx *sql.Tx, p *Paper, now time.Time) error {
	query := "UPDATE papers SET " + strings.Join(metaColumns[1:], " = ?, ") + " = ?, updated_at = ? WHERE id = ? AND source = 'hf'"
	args := append(s.metaArgs(p, p.metaHash())[1:], s.timeArg(now), p.ID)
	if _, err := tx.ExecContext(ctx, s.q(query), args...); err != nil {
		return fmt.Errorf("update metadata of %s: %w", p.ID, err)
	}
	return nil
}

func (s *Store) metaArgs(p *Paper, hash string) []any {
	return []any{
		p.ID, p.Version, p.Title, p.Abstract, mustJSON(nonNil(p.Authors)), strings.Join(p.Categories, " "),
		p.PrimaryCategory(), p.Classification, p.Comments, p.JournalRef, p.DOI, p.ReportNo, p.License, p.Submitter,
		mustJSON(nonNil(p.Versions)), s.timeArg(p.FirstVersionAt), s.timeArg(p.LatestVersionAt),
		dateArg(p.ListedOn), string(p.Source), hash, DOIKey(p.DOI), TitleKey(p.Title),
	}
}

func (s *Store) communityArgs(c *Community) []any {
	var stars any
	if c.GitHubStars >= 0 {
		stars = c.GitHubStars
	}
	return []any{
		c.Upvotes, dateArg(c.DailyOn), s.timeArg(c.DailySubmittedAt), c.DailySubmitter, c.GitHubRepo,
		stars, c.NumComments, c.AISummary, mustJSON(nonNil(c.AIKeywords)), c.ProjectPage, mustJSON(c.HF), c.hash(),
	}
}

// paperHead is what an arXiv upsert needs to know of a stored paper.
type paperHead struct {
	version  int
	source   Source
	metaHash string
}

func (s *Store) storedHeads(ctx context.Context, tx *sql.Tx, papers []Paper) (map[string]paperHead, error) {
	heads := make(map[string]paperHead, len(papers))
	err := s.forIDChunks(papers, func(ids []any) error {
		rows, err := tx.QueryContext(ctx, s.q("SELECT id, version, source, meta_hash FROM papers WHERE id IN ("+
			placeholders(len(ids))+") ORDER BY id"+s.forUpdate()), ids...)
		if err != nil {
			return fmt.Errorf("read stored papers: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var h paperHead
			if err := rows.Scan(&id, &h.version, &h.source, &h.metaHash); err != nil {
				return fmt.Errorf("read stored papers: %w", err)
			}
			heads[id] = h
		}
		return rows.Err()
	})
	return heads, err
}

func (s *Store) papersByID(ctx context.Context, tx *sql.Tx, papers []Paper) (map[string]Paper, error) {
	found := make(map[string]Paper, len(papers))
	err := s.forIDChunks(papers, func(ids []any) error {
		rows, err := tx.QueryContext(ctx, s.q("SELECT "+paperSelect+" FROM papers WHERE id IN ("+
			placeholders(len(ids))+") ORDER BY id"+s.forUpdate()), ids...)
		if err != nil {
			return fmt.Errorf("read stored papers: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPaper(rows)
			if err != nil {
				return fmt.Errorf("read stored papers: %w", err)
			}
			found[p.ID] = p
		}
		return rows.Err()
	})
	return found, err
}

func (s *Store) forIDChunks(papers []Paper, fn func(ids []any) error) error {
	const chunk = 1000
	for start := 0; start < len(papers); start += chunk {
		end := min(start+chunk, len(papers))
		ids := make([]any, 0, end-start)
		for _, p := range papers[start:end] {
			ids = append(ids, p.ID)
		}
		if err := fn(ids); err != nil {
			return err
		}
	}
	return nil
}

// sortedByID returns papers in id order (stable, so repeated records of a
// paper keep their order). Writers that lock and insert rows in one order
// cannot deadlock each other on PostgreSQL.
func sortedByID(papers []Paper) []Paper {
	out := slices.Clone(papers)
	slices.SortStableFunc(out, func(a, b Paper) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// forUpdate locks the rows read in an upsert on PostgreSQL; SQLite's single
// writer already serialises upserts.
func (s *Store) forUpdate() string {
	if s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func (s *Store) replaceCategories(ctx context.Context, tx *sql.Tx, papers []Paper) error {
	err := s.forIDChunks(papers, func(ids []any) error {
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM paper_categories WHERE paper_id IN ("+placeholders(len(ids))+")"), ids...)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear categories: %w", err)
	}
	var rows [][]any
	for _, p := range papers {
		seen := map[string]bool{}
		for i, c := range p.Categories {
			if !seen[c] {
				seen[c] = true
				rows = append(rows, []any{p.ID, c, i})
			}
		}
	}
	if err := s.insertRows(ctx, tx, "INSERT INTO paper_categories (paper_id, category, position) VALUES ", rows, ""); err != nil {
		return fmt.Errorf("write categories: %w", err)
	}
	return nil
}

func (s *Store) recordChanges(ctx context.Context, tx *sql.Tx, papers []Paper, kind string, now time.Time) error {
	if len(papers) == 0 {
		return nil
	}
	if s.dialect == Postgres {
		// Sequence numbers are taken at insert but become visible at commit;
		// serialising the writers of the feed makes commit order equal
		// sequence order, so a reader that saw seq N never misses one below.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", changeFeedLock); err != nil {
			return fmt.Errorf("lock change feed: %w", err)
		}
	}
	rows := make([][]any, len(papers))
	for i, p := range papers {
		rows[i] = []any{p.ID, kind, s.timeArg(now)}
	}
	if err := s.insertRows(ctx, tx, "INSERT INTO changes (paper_id, kind, changed_at) VALUES ", rows, ""); err != nil {
		return fmt.Errorf("record changes: %w", err)
	}
	return nil
}

// insertRows runs prefix + "(?, ...), (?, ...)" + suffix over rows in as few
// statements as the placeholder limit allows.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, prefix string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	perStmt := max(1, maxParams/width)
	tuple := "(" + placeholders(width) + ")"
	for start := 0; start < len(rows); start += perStmt {
		end := min(start+perStmt, len(rows))
		var b strings.Builder
		b.WriteString(prefix)
		args := make([]any, 0, (end-start)*width)
		for i, row := range rows[start:end] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = append(args, row...)
		}
		b.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return err
		}
	}
	return nil
}

// arrivedVia is the arrived_via column of a new paper: what the caller
// said, or its source when it said nothing.
func arrivedVia(p *Paper) string {
	switch {
	case p.ArrivedVia != "":
		return p.ArrivedVia
	case p.Source == SourceHF:
		return "Hugging Face daily papers"
	default:
		return "arXiv"
	}
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// paperSelect lists the columns scanPaper reads, in its order.
const paperSelect = `id, version, title, abstract, authors, categories, classifications, comments, journal_ref, doi,
	report_no, license, submitter, versions, first_version_at, latest_version_at, listed_on, source,
	base_upvotes, daily_on, daily_submitted_at, daily_submitter, github_repo, github_stars,
	hf_num_comments, ai_summary, ai_keywords, project_page, hf_details, created_at, updated_at,
	vote_count, comment_count, hidden, arrived_via`

type rowScanner interface{ Scan(dest ...any) error }

func scanPaper(r rowScanner) (Paper, error) {
	var p Paper
	var authors, categories, versions, keywords, hf string
	var first, latest, listed, dailyOn, dailyAt, created, updated nullTime
	var stars sql.NullInt64
	err := r.Scan(&p.ID, &p.Version, &p.Title, &p.Abstract, &authors, &categories, &p.Classification, &p.Comments,
		&p.JournalRef, &p.DOI, &p.ReportNo, &p.License, &p.Submitter, &versions, &first, &latest,
		&listed, &p.Source, &p.Community.Upvotes, &dailyOn, &dailyAt, &p.Community.DailySubmitter,
		&p.Community.GitHubRepo, &stars, &p.Community.NumComments, &p.Community.AISummary, &keywords,
		&p.Community.ProjectPage, &hf, &created, &updated,
		&p.Community.Votes, &p.Community.Comments, &p.Community.Hidden, &p.ArrivedVia)
	if err != nil {
		return Paper{}, err
	}
	if err := errors.Join(
		json.Unmarshal([]byte(authors), &p.Authors),
		json.Unmarshal([]byte(versions), &p.Versions),
		json.Unmarshal([]byte(keywords), &p.Community.AIKeywords),
		json.Unmarshal([]byte(hf), &p.Community.HF),
	); err != nil {
		return Paper{}, fmt.Errorf("paper %s: decode JSON column: %w", p.ID, err)
	}
	p.Categories = strings.Fields(categories)
	p.FirstVersionAt, p.LatestVersionAt, p.ListedOn = first.t, latest.t, listed.t
	p.Community.DailyOn, p.Community.DailySubmittedAt = dailyOn.t, dailyAt.t
	p.CreatedAt, p.UpdatedAt = created.t, updated.t
	p.Community.GitHubStars = -1
	if stars.Valid {
		p.Community.GitHubStars = int(stars.Int64)
	}
	return p, nil
}

// Paper returns the paper with the given versionless id, or ErrNotFound.
func (s *Store) Paper(ctx context.Context, id string) (Paper, error) {
	p, err := scanPaper(s.read.QueryRowContext(ctx, s.q("SELECT "+paperSelect+" FROM papers WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Paper{}, fmt.Errorf("store: paper %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Paper{}, fmt.Errorf("store: paper %s: %w", id, err)
	}
	return p, nil
}

// RecentPapers returns the most recently listed visible papers, the most
// upvoted first within a day.
func (s *Store) RecentPapers(ctx context.Context, limit int) ([]Paper, error) {
	rows, err := s.read.QueryContext(ctx, s.q("SELECT "+paperSelect+` FROM papers WHERE NOT hidden
		ORDER BY listed_on DESC NULLS LAST, base_upvotes DESC, id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent papers: %w", err)
	}
	defer rows.Close()
	var papers []Paper
	for rows.Next() {
		p, err := scanPaper(rows)
		if err != nil {
			return nil, fmt.Errorf("store: recent papers: %w", err)
		}
		papers = append(papers, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent papers: %w", err)
	}
	return papers, nil
}

// Stats counts what the store holds.
type Stats struct {
	Papers      int
	FromArxiv   int
	WithDaily   int   // papers with Hugging Face community data
	FirstChange int64 // the oldest change-feed entry kept; 0 when empty
	LastChange  int64
}

// Stats counts papers by source.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN source = 'arxiv' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN community_hash <> '' THEN 1 ELSE 0 END), 0),
		(SELECT COALESCE(MIN(seq), 0) FROM changes),
		(SELECT COALESCE(MAX(seq), 0) FROM changes)
		FROM papers`).Scan(&st.Papers, &st.FromArxiv, &st.WithDaily, &st.FirstChange, &st.LastChange)
	if err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	return st, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // slices of strings and plain structs always marshal
	}
	return string(b)
}

// nonNil keeps empty lists as "[]" rather than "null" in JSON columns.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// PapersByID returns the stored papers among ids, in the order of ids;
// unknown ids are left out.
func (s *Store) PapersByID(ctx context.Context, ids []string) ([]Paper, error) {
	found := make(map[string]Paper, len(ids))
	const chunk = 1000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.read.QueryContext(ctx, s.q("SELECT "+paperSelect+" FROM papers WHERE id IN ("+placeholders(len(part))+")"), args...)
		if err != nil {
			return nil, fmt.Errorf("store: papers by id: %w", err)
		}
		for rows.Next() {
			p, err := scanPaper(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: papers by id: %w", err)
			}
			found[p.ID] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: papers by id: %w", err)
		}
	}
	papers := make([]Paper, 0, len(found))
	for _, id := range ids {
		if p, ok := found[id]; ok {
			papers = append(papers, p)
			delete(found, id) // an id asked for twice is returned once
		}
	}
	return papers, nil
}

// EachPaper calls fn for every paper, in id order, reading in pages so that
// a full scan of millions of papers holds neither a long transaction nor
// much memory.
func (s *Store) EachPaper(ctx context.Context, fn func(Paper) error) error {
	const page = 2000
	after := ""
	for {
		rows, err := s.read.QueryContext(ctx, s.q("SELECT "+paperSelect+" FROM papers WHERE id > ? ORDER BY id LIMIT ?"), after, page)
		if err != nil {
			return fmt.Errorf("store: scan papers after %q: %w", after, err)
		}
		batch := make([]Paper, 0, page)
		for rows.Next() {
			p, err := scanPaper(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("store: scan papers after %q: %w", after, err)
			}
			batch = append(batch, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: scan papers after %q: %w", after, err)
		}
		for _, p := range batch {
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(batch) < page {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}
