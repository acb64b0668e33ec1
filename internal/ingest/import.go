package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// Store is what an import writes to.
type Store interface {
	UpsertPapers(ctx context.Context, papers []store.Paper) (store.UpsertCounts, error)
	UpsertCommunity(ctx context.Context, papers []store.Paper) (store.UpsertCounts, error)
}

// Problem is a record that could not be imported: where and why.
type Problem struct {
	File   string
	Line   int // 1-based line, for line-oriented files
	Item   int // 1-based item, for JSON arrays
	Reason string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Reason)
	}
	return fmt.Sprintf("%s: item %d: %s", p.File, p.Item, p.Reason)
}

// Summary counts what an import did.
type Summary struct {
	Records int // records read, good or bad
	store.UpsertCounts
	Rejected int
	Elapsed  time.Duration
}

// Add adds o to s.
func (s *Summary) Add(o Summary) {
	s.Records += o.Records
	s.UpsertCounts.Add(o.UpsertCounts)
	s.Rejected += o.Rejected
	s.Elapsed += o.Elapsed
}

// Progress is reported after every batch written.
type Progress struct {
	File    string
	Records int
	Read    int64 // bytes of the file read so far
	Size    int64 // the file's size on disk
}

// Importer imports bulk files into a store. Each batch is written in one
// transaction and every write is an idempotent upsert, so an import that is
// killed half-way loses nothing stored and, run again, reaches the same end
// state.
type Importer struct {
	Store      Store
	Format     Format // FormatAuto detects it from the content
	BatchSize  int    // records per transaction; 1000 when zero
	OnProblem  func(Problem)
	OnProgress func(Progress)
	// ArrivedVia names where new papers came from on their pages; "arXiv
	// bulk import (FILE)" or "Hugging Face daily-papers import (FILE)"
	// when empty.
	ArrivedVia string
}

type batch struct {
	papers  []store.Paper
	records int
	read    int64
}

// ImportFile imports one file. Bad records are reported to OnProblem and
// counted as rejected; the error is for failures that stop the file (it
// cannot be opened, the database fails).
func (im *Importer) ImportFile(ctx context.Context, path string) (Summary, error) {
	in, err := openInput(path)
	if err != nil {
		return Summary{}, fmt.Errorf("import %s: %w", path, err)
	}
	defer in.Close()
	return im.importInput(ctx, path, in)
}

// ImportReader imports what r holds (plain or gzip), such as a page fetched
// from Hugging Face's API; name stands for the file in problems and errors.
func (im *Importer) ImportReader(ctx context.Context, name string, r io.Reader) (Summary, error) {
	in, err := newInput(r, -1)
	if err != nil {
		return Summary{}, fmt.Errorf("import %s: %w", name, err)
	}
	defer in.Close()
	return im.importInput(ctx, name, in)
}

func (im *Importer) importInput(ctx context.Context, path string, in *input) (Summary, error) {
	start := time.Now()
	var err error
	format := im.Format
	if format == FormatAuto {
		if format, err = detectFormat(in.r); err != nil {
			return Summary{}, fmt.Errorf("import %s: %w", path, err)
		}
	}
	upsert := im.Store.UpsertPapers
	via := "arXiv bulk import (" + filepath.Base(path) + ")"
	if format == FormatHF {
		upsert = im.Store.UpsertCommunity
		via = "Hugging Face daily-papers import (" + filepath.Base(path) + ")"
	}
	if im.ArrivedVia != "" {
		via = im.ArrivedVia
	}
	write := func(ctx context.Context, papers []store.Paper) (store.UpsertCounts, error) {
		for i := range papers {
			papers[i].ArrivedVia = via
		}
		return upsert(ctx, papers)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 2)
	var sum Summary
	problems := make(chan Problem, 64)
	readErr := make(chan error, 1)
	// Parsing runs beside the database writes: on two cores this overlaps
	// JSON decoding with the store's work.
	go func() {
		defer close(batches)
		defer close(problems)
		readErr <- im.read(ctx, in, path, format, batches, problems)
	}()

	var records int
	for batches != nil || problems != nil {
		select {
		case p, ok := <-problems:
			if !ok {
				problems = nil
				continue
			}
			sum.Rejected++
			if im.OnProblem != nil {
				im.OnProblem(p)
			}
		case b, ok := <-batches:
			if !ok {
				batches = nil
				continue
			}
			counts, err := write(ctx, b.papers)
			if err != nil {
				// Stop the parser and wait for it, so that it no longer
				// reads the input when the caller closes it.
				cancel()
				for range batches {
				}
				// problems is nil once it closed: ranging over nil
				// would block for ever.
				if problems != nil {
					for range problems {
					}
				}
				<-readErr
				return sum, fmt.Errorf("import %s: %w", path, err)
			}
			sum.UpsertCounts.Add(counts)
			records += b.records
			if im.OnProgress != nil {
				im.OnProgress(Progress{File: path, Records: records, Read: b.read, Size: in.size})
			}
		}
	}
	if err := <-readErr; err != nil {
		return sum, fmt.Errorf("import %s: %w", path, err)
	}
	sum.Records = records
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// read parses the file into batches of papers. It returns an error only when
// ctx is cancelled; bad records and unreadable input become problems.
func (im *Importer) read(ctx context.Context, in *input, path string, format Format, out chan<- batch, problems chan<- Problem) error {
	size := im.BatchSize
	if size <= 0 {
		size = 1000
	}
	cur := batch{}
	emit := func() error {
		cur.read = in.consumed.n.Load()
		select {
		case out <- cur:
		case <-ctx.Done():
			return ctx.Err()
		}
		cur = batch{}
		return nil
	}
	err := parse(in, path, format, func(p store.Paper) error {
		cur.records++
		cur.papers = append(cur.papers, p)
		if len(cur.papers) >= size {
			return emit()
		}
		return nil
	}, func(p Problem) error {
		cur.records++
		select {
		case problems <- p:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if err != nil {
		return err
	}
	if cur.records > 0 {
		return emit()
	}
	return nil
}

// ReadFile streams the papers of a file to fn without storing them, for
// evaluations and benchmarks that build their own corpus. Bad records go to
// onProblem (which may be nil). It returns the format it read.
func ReadFile(ctx context.Context, path string, format Format, fn func(store.Paper) error, onProblem func(Problem)) (Format, error) {
	in, err := openInput(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	defer in.Close()
	if format == FormatAuto {
		if format, err = detectFormat(in.r); err != nil {
			return "", fmt.Errorf("read %s: %w", path, err)
		}
	}
	err = parse(in, path, format, func(p store.Paper) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(p)
	}, func(p Problem) error {
		if onProblem != nil {
			onProblem(p)
		}
		return nil
	})
	if err != nil {
		return format, fmt.Errorf("read %s: %w", path, err)
	}
	return format, nil
}

// parse calls onPaper for every good record of the input and onProblem for
// every bad one, stopping at the first error either returns.
func parse(in *input, path string, format Format, onPaper func(store.Paper) error, onProblem func(Problem) error) error {
	parseRecord := parseKaggle
	if format == FormatHF {
		parseRecord = parseHF
	}
	add := func(raw []byte, where Problem) error {
		if !utf8.Valid(raw) {
			where.Reason = "invalid UTF-8"
			return onProblem(where)
		}
		p, err := parseRecord(raw)
		if err != nil {
			where.Reason = err.Error()
			return onProblem(where)
		}
		return onPaper(p)
	}
	if head, _ := in.r.Peek(512); bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\ufeff"), []byte("[")) {
		return eachArrayItem(in.r, path, add, onProblem)
	}
	return eachLine(in.r, path, add, onProblem)
}

// eachLine calls add for every non-blank line. A read error (a truncated
// gzip stream, say) is reported at the line where it happened and ends the
// file.
func eachLine(r interface {
	ReadSlice(delim byte) ([]byte, error)
}, path string, add func([]byte, Problem) error, report func(Problem) error) error {
	var long []byte
	for line := 1; ; line++ {
		chunk, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer
			long = append(long[:0], chunk...)
			for errors.Is(err, bufio.ErrBufferFull) {
				chunk, err = r.ReadSlice('\n')
				long = append(long, chunk...)
			}
			chunk = long
		}
		if text := bytes.TrimSpace(chunk); len(text) > 0 && (err == nil || err == io.EOF) {
			if addErr := add(text, Problem{File: path, Line: line}); addErr != nil {
				return addErr
			}
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return report(Problem{File: path, Line: line, Reason: "unreadable input: " + describeReadError(err)})
		}
	}
}

// eachArrayItem calls add for every element of a top-level JSON array. A
// syntax error cannot be skipped inside an array, so it ends the file.
func eachArrayItem(r io.Reader, path string, add func([]byte, Problem) error, report func(Problem) error) error {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil {
		return report(Problem{File: path, Item: 1, Reason: "malformed JSON array: " + describeReadError(err)})
	}
	for item := 1; dec.More(); item++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return report(Problem{File: path, Item: item, Reason: "malformed JSON array: " + describeReadError(err)})
		}
		if err := add(raw, Problem{File: path, Item: item}); err != nil {
			return err
		}
	}
	return nil
}

func describeReadError(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "file ends early (truncated gzip or JSON)"
	}
	return err.Error()
}
