package embed

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
)

// FormatVersion is the version of the model file format. Open refuses
// other versions.
const FormatVersion = 1

var modelMagic = [8]byte{'P', 'B', 'E', 'M', 'B', 'E', 'D', '\n'}

// ErrFormat is returned when a model file is not one this version reads.
var ErrFormat = errors.New("embed: not a model file of a supported format")

func (m *Model) fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %d %g %d\n", m.info.Method, m.info.Dim, m.info.SigmaPower, m.info.TitleWeight)
	for _, t := range m.vocab {
		h.Write([]byte(t))
		h.Write([]byte{0})
	}
	binary.Write(h, binary.LittleEndian, m.idf)
	binary.Write(h, binary.LittleEndian, m.vecs)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// WriteTo writes the model: a magic number, the format version, the
// ModelInfo as JSON, the vocabulary, idf, singular values and term
// vectors, little-endian, and a CRC-32 of all of it.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	crc := crc32.NewIEEE()
	cw := &countWriter{w: io.MultiWriter(w, crc)}
	bw := bufio.NewWriterSize(cw, 1<<20)
	info, err := json.Marshal(m.info)
	if err != nil {
		return 0, err
	}
	bw.Write(modelMagic[:])
	le := binary.LittleEndian
	var u [4]byte
	put := func(v uint32) { le.PutUint32(u[:], v); bw.Write(u[:]) }
	put(FormatVersion)
	put(uint32(len(info)))
	bw.Write(info)
	put(uint32(len(m.vocab)))
	for _, t := range m.vocab {
		put(uint32(len(t)))
		bw.WriteString(t)
	}
	for _, fs := range [][]float32{m.idf, m.sigma, m.vecs} {
		for _, f := range fs {
			put(math.Float32bits(f))
		}
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("embed: write model: %w", err)
	}
	le.PutUint32(u[:], crc.Sum32())
	if _, err := w.Write(u[:]); err != nil {
		return cw.n, fmt.Errorf("embed: write model: %w", err)
	}
	return cw.n + 4, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ReadModel reads a model written by WriteTo.
func ReadModel(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("embed: read model: %w", err)
	}
	if len(b) < len(modelMagic)+12 || !bytes.Equal(b[:8], modelMagic[:]) {
		return nil, ErrFormat
	}
	le := binary.LittleEndian
	body, sum := b[:len(b)-4], le.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("embed: read model: checksum mismatch")
	}
	p := body[8:]
	bad := fmt.Errorf("embed: read model: truncated")
	next := func() (uint32, bool) {
		if len(p) < 4 {
			return 0, false
		}
		v := le.Uint32(p)
		p = p[4:]
		return v, true
	}
	if v, ok := next(); !ok || v != FormatVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrFormat, v, FormatVersion)
	}
	n, ok := next()
	if !ok || int(n) > len(p) {
		return nil, bad
	}
	m := &Model{}
	if err := json.Unmarshal(p[:n], &m.info); err != nil {
		return nil, fmt.Errorf("embed: read model: %w", err)
	}
	p = p[n:]
	nv, ok := next()
	if !ok || int(nv) != m.info.Vocab {
		return nil, bad
	}
	m.vocab = make([]string, nv)
	m.lookup = make(map[string]int32, nv)
	for i := range m.vocab {
		l, ok := next()
		if !ok || int(l) > len(p) {
			return nil, bad
		}
		m.vocab[i] = string(p[:l])
		m.lookup[m.vocab[i]] = int32(i)
		p = p[l:]
	}
	floats := func(k int) ([]float32, bool) {
		if len(p) < 4*k {
			return nil, false
		}
		out := make([]float32, k)
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(p[4*i:]))
		}
		p = p[4*k:]
		return out, true
	}
	var ok1, ok2, ok3 bool
	m.idf, ok1 = floats(int(nv))
	m.sigma, ok2 = floats(m.info.Dim)
	m.vecs, ok3 = floats(int(nv) * m.info.Dim)
	if !ok1 || !ok2 || !ok3 || len(p) != 0 {
		return nil, bad
	}
	return m, nil
}

// SaveFile writes the model to path atomically (a temporary file renamed
// over it).
func (m *Model) SaveFile(path string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("embed: save model: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = m.WriteTo(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("embed: save model: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("embed: save model: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("embed: save model: %w", err)
	}
	return nil
}

// OpenFile reads a model saved with SaveFile.
func OpenFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("embed: open model: %w", err)
	}
	defer f.Close()
	m, err := ReadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
