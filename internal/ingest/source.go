// Package ingest reads papers from the outside world into the store: bulk
// files (the Kaggle arXiv snapshot, Hugging Face daily papers) for now.
package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
)

// Format names an input file format.
type Format string

// The formats Import understands.
const (
	FormatAuto   Format = ""
	FormatKaggle Format = "kaggle" // arXiv metadata, one JSON object a line
	FormatHF     Format = "hf"     // Hugging Face /api/daily_papers items
)

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatAuto, "auto":
		return FormatAuto, nil
	case FormatKaggle, FormatHF:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want kaggle or hf)", s)
}

// input is an opened file, decompressed if it was gzip, that counts the
// bytes read from disk so progress can be reported against the file size.
type input struct {
	r        *bufio.Reader
	size     int64
	consumed *countingReader
	closers  []io.Closer
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func openInput(path string) (*input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory", path)
	}
	in, err := newInput(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	in.closers = append([]io.Closer{f}, in.closers...)
	return in, nil
}

// newInput reads r, decompressing it if it is gzip. size is r's length on
// disk for progress reports, or -1 when unknown.
func newInput(r io.Reader, size int64) (*input, error) {
	in := &input{size: size, consumed: &countingReader{r: r}}
	raw := bufio.NewReaderSize(in.consumed, 1<<16)
	magic, _ := raw.Peek(2)
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		in.r = raw
		skipBOM(in.r)
		return in, nil
	}
	gz, err := gzip.NewReader(raw)
	if err != nil {
		return nil, fmt.Errorf("bad gzip header: %w", err)
	}
	in.closers = append(in.closers, gz)
	in.r = bufio.NewReaderSize(gz, 1<<20)
	skipBOM(in.r)
	return in, nil
}

// skipBOM drops a UTF-8 byte-order mark, which some editors write and JSON
// parsers refuse.
func skipBOM(r *bufio.Reader) {
	if b, _ := r.Peek(3); bytes.Equal(b, []byte{0xef, 0xbb, 0xbf}) {
		r.Discard(3)
	}
}

func (in *input) Close() error {
	var errs []error
	for i := len(in.closers) - 1; i >= 0; i-- {
		errs = append(errs, in.closers[i].Close())
	}
	return errors.Join(errs...)
}

// detectFormat looks at the first JSON value: Hugging Face items hold a
// "paper" object; Kaggle records have "id" and "versions" at the top.
func detectFormat(r *bufio.Reader) (Format, error) {
	head, err := r.Peek(64 << 10)
	if len(head) == 0 {
		if err == nil || err == io.EOF {
			return "", errors.New("empty file")
		}
		return "", err
	}
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(head) > 0 && head[0] == '[' {
		return FormatHF, nil
	}
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i]
	}
	switch {
	case bytes.Contains(line, []byte(`"paper"`)):
		return FormatHF, nil
	case bytes.Contains(line, []byte(`"versions"`)) || bytes.Contains(line, []byte(`"authors_parsed"`)):
		return FormatKaggle, nil
	}
	return "", errors.New("cannot tell the format from the first record (want Kaggle arXiv JSON lines or Hugging Face daily papers); use --format")
}
