package lexical

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A full build of millions of papers holds more postings than a small
// machine should keep on the heap: the Builder writes them out as sorted
// runs of bounded size, then merges the runs term by term straight into
// the segment's file. The runs keep the builder's own encoding and the
// merge computes every impact from the statistics of the whole build, so
// the segment is the one a single in-memory build would make, byte for
// byte.

// DefaultRunBytes is the postings a Builder keeps in memory before it
// writes a run, when it spills (SpillTo) without saying.
const DefaultRunBytes = 384 << 20

// spillFile is a temporary file written through a buffer; the first
// error sticks.
type spillFile struct {
	f   *os.File
	w   *bufio.Writer
	n   uint64
	err error
}

func createSpill(dir, pattern string) (*spillFile, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &spillFile{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (s *spillFile) write(b []byte) {
	if s.err == nil {
		_, s.err = s.w.Write(b)
		s.n += uint64(len(b))
	}
}

func (s *spillFile) uvarint(v uint64) {
	var buf [binary.MaxVarintLen64]byte
	s.write(buf[:binary.PutUvarint(buf[:], v)])
}

// finish flushes the file and rewinds it for reading.
func (s *spillFile) finish() error {
	if s.err == nil {
		s.err = s.w.Flush()
	}
	if s.err == nil {
		_, s.err = s.f.Seek(0, io.SeekStart)
	}
	return s.err
}

// remove closes and deletes the file.
func (s *spillFile) remove() {
	if s != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
}

// blobFiles receive the postings and positions blobs of a segment being
// written (segWriter.out).
type blobFiles struct{ post, pos *spillFile }

// spillRun writes the builder's postings, in term order, to a new run file
// in dir and empties them; the per-doc values stay.
func (b *builder) spillRun(dir string) (*spillFile, error) {
	f, err := createSpill(dir, "run-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("search: build: %w", err)
	}
	names := make([]string, 0, len(b.dict))
	for t := range b.dict {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		tb := &b.terms[b.dict[t]]
		f.uvarint(uint64(len(t)))
		f.write([]byte(t))
		f.uvarint(uint64(tb.df))
		f.uvarint(uint64(len(tb.buf)))
		f.write(tb.buf)
	}
	if err := f.finish(); err != nil {
		f.remove()
		return nil, fmt.Errorf("search: build: write run: %w", err)
	}
	b.dict, b.terms, b.mem = map[string]uint32{}, nil, 0
	return f, nil
}

// runReader reads a run's terms in order.
type runReader struct {
	r    *bufio.Reader
	term string
	df   uint32
	buf  []byte
	done bool
}

func (rr *runReader) next() error {
	n, err := binary.ReadUvarint(rr.r)
	if errors.Is(err, io.EOF) {
		rr.done = true
		return nil
	}
	if err != nil {
		return err
	}
	term := make([]byte, n)
	if _, err := io.ReadFull(rr.r, term); err != nil {
		return err
	}
	df, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return err
	}
	size, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return err
	}
	if size > math.MaxInt32 {
		return errors.New("run entry too long")
	}
	if cap(rr.buf) < int(size) {
		rr.buf = make([]byte, size)
	}
	rr.buf = rr.buf[:size]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return err
	}
	rr.term, rr.df = string(term), uint32(df)
	return nil
}

// writeMerged merges the runs (in document order) into a segment written
// to the file path, with the statistics of the whole build, and returns it
// with the blobs left out (they are in the file). The caller removes the
// runs.
func (b *builder) writeMerged(runs []*spillFile, dir, path string) error {
	n := len(b.ids)
	st := &corpusStats{n: float64(n)}
	for f := range 3 {
		st.avgLen[f] = float64(b.sum[f]) / math.Max(1, float64(n))
	}
	readers := make([]*runReader, len(runs))
	for i, r := range runs {
		readers[i] = &runReader{r: bufio.NewReaderSize(r.f, 1<<20)}
		if err := readers[i].next(); err != nil {
			return fmt.Errorf("search: build: read run: %w", err)
		}
	}
	w := newSegWriter()
	post, err := createSpill(dir, "post-*.tmp")
	if err != nil {
		return fmt.Errorf("search: build: %w", err)
	}
	defer post.remove()
	pos, err := createSpill(dir, "pos-*.tmp")
	if err != nil {
		return fmt.Errorf("search: build: %w", err)
	}
	defer pos.remove()
	w.out = &blobFiles{post: post, pos: pos}
	for {
		var term string
		found := false
		for _, rr := range readers {
			if !rr.done && (!found || rr.term < term) {
				term, found = rr.term, true
			}
		}
		if !found {
			break
		}
		var df uint32
		for _, rr := range readers {
			if !rr.done && rr.term == term {
				df += rr.df
			}
		}
		weight := idf(st.n, float64(df))
		text := !strings.Contains(term, ":")
		for _, rr := range readers {
			if rr.done || rr.term != term {
				continue
			}
			w.addPostings(st, weight, text, rr.buf, rr.df, b.lens)
			if err := rr.next(); err != nil {
				return fmt.Errorf("search: build: read run: %w", err)
			}
		}
		w.endTerm(term)
	}
	w.finishTerms()
	w.drain()
	for _, f := range []*spillFile{post, pos} {
		if err := f.finish(); err != nil {
			return fmt.Errorf("search: build: write postings: %w", err)
		}
	}
	seg := w.seg
	b.fillDocs(seg)
	b.ids, b.days, b.ups, b.cats, b.lens = nil, nil, nil, nil, nil
	var copyErr error
	err = writeFile(path, func(e *encoder) {
		encodeSegmentBlobs(e, &segView{seg: seg, live: seg.nDocs}, func() {
			for _, f := range []*spillFile{post, pos} {
				if err := e.copyBytes(f.f, f.n); err != nil && copyErr == nil {
					copyErr = err
				}
			}
		})
	})
	if err == nil {
		err = copyErr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("search: build: write segment: %w", err)
	}
	return nil
}

// copyBytes writes a length and then n bytes read from r, as bytes does
// for a slice.
func (e *encoder) copyBytes(r io.Reader, n uint64) error {
	e.u64(n)
	buf := make([]byte, 1<<20)
	for n > 0 {
		k, err := io.ReadFull(r, buf[:min(n, uint64(len(buf)))])
		e.write(buf[:k])
		n -= uint64(k)
		if err != nil {
			// Keep the file's layout: the CRC will not match and the caller
			// reports err.
			var zero [4096]byte
			for n > 0 {
				m := min(n, uint64(len(zero)))
				e.write(zero[:m])
				n -= m
			}
			return err
		}
	}
	return nil
}

// buildDir makes the directory a spilling build writes in.
func buildDir(parent string) (string, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(parent, "index-build-")
}

// finishSpilled writes the last run, merges all of them into a segment
// file and opens it (mapped where the platform allows).
func (bl *Builder) finishSpilled() (*segView, error) {
	defer func() {
		for _, r := range bl.runs {
			r.remove()
		}
		bl.runs = nil
		os.RemoveAll(bl.dir)
	}()
	if len(bl.b.terms) > 0 {
		r, err := bl.b.spillRun(bl.dir)
		if err != nil {
			return nil, err
		}
		bl.runs = append(bl.runs, r)
		bl.spilled++
	}
	path := filepath.Join(bl.dir, "seg.bin")
	if err := bl.b.writeMerged(bl.runs, bl.dir, path); err != nil {
		return nil, err
	}
	// The mapping outlives the file's name (on Windows the file is read
	// into memory instead, so the directory can go too).
	return openSegment(path)
}
