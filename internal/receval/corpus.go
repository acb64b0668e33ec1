package receval

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// ArxivFile is the corpus, relative to the shared data directory.
const ArxivFile = "arxiv-cs/arxiv-cs-2025-2026.kaggle.jsonl.gz"

// Month is the evaluation month: every paper listed in it is a candidate.
var (
	MonthStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	MonthEnd   = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
)

// StandIn is the author name that replaces a paper's authors in the
// content-only database: one token, unique to the paper, so that no
// tokenizer can match papers by it.
func StandIn(id string) string {
	return "Anon" + strings.NewReplacer(".", "x", "/", "x").Replace(id)
}

// Scratch is a database built from the corpus for one evaluation row.
type Scratch struct {
	Store  *store.Store
	Papers []store.Paper // every paper, in id order
	dir    string
}

// Close closes the database and removes its directory.
func (s *Scratch) Close() error {
	err := s.Store.Close()
	if rmErr := os.RemoveAll(s.dir); err == nil {
		err = rmErr
	}
	return err
}

// Candidates are the papers listed in the evaluation month, by id.
func (s *Scratch) Candidates() []string {
	var ids []string
	for _, p := range s.Papers {
		if !p.ListedOn.Before(MonthStart) && p.ListedOn.Before(MonthEnd) {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// BuildScratch imports the corpus file at path into a new SQLite database
// in a temporary directory under tmp, with the real importer. With
// hideAuthors every paper's authors are replaced by StandIn(id) first.
func BuildScratch(ctx context.Context, path, tmp string, hideAuthors bool) (_ *Scratch, err error) {
	dir, err := os.MkdirTemp(tmp, "receval-*")
	if err != nil {
		return nil, fmt.Errorf("receval: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	src := path
	if hideAuthors {
		src = filepath.Join(dir, "content-only.jsonl")
		if err := writeHidden(path, src); err != nil {
			return nil, err
		}
	}
	s, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "paperboy.db"), store.Options{})
	if err != nil {
		return nil, err
	}
	sc := &Scratch{Store: s, dir: dir}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if _, err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	im := &ingest.Importer{Store: s, BatchSize: 5000}
	if _, err := im.ImportFile(ctx, src); err != nil {
		return nil, err
	}
	err = s.EachPaper(ctx, func(p store.Paper) error {
		sc.Papers = append(sc.Papers, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// writeHidden copies the Kaggle JSON lines at src to dst with each
// record's authors replaced by its stand-in.
func writeHidden(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("receval: %w", err)
	}
	defer in.Close()
	var r io.Reader = in
	if strings.HasSuffix(src, ".gz") {
		gz, err := gzip.NewReader(in)
		if err != nil {
			return fmt.Errorf("receval: %s: %w", src, err)
		}
		r = gz
	}
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("receval: %w", err)
	}
	defer out.Close()
	w := bufio.NewWriterSize(out, 1<<20)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("receval: %s: %w", src, err)
		}
		var id string
		if err := json.Unmarshal(rec["id"], &id); err != nil {
			return fmt.Errorf("receval: %s: id: %w", src, err)
		}
		name := StandIn(id)
		rec["authors"], _ = json.Marshal(name)
		rec["authors_parsed"], _ = json.Marshal([][]string{{name, "", ""}})
		line, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("receval: %s: %w", src, err)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Close()
}
