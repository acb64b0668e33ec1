package vector

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"unsafe"

	"github.com/paperboy-dev/paperboy/internal/search/internal/mapfile"
)

// FormatVersion is the version of the file format Save writes, the only
// one Open reads. Versions 1 and 2 lacked the residual codes (and 1 the
// calibrated probe count), version 3 the alignment of the arrays; their
// files are refused, since the vectors can be made again from the
// database.
const FormatVersion = 4

var magic = [8]byte{'P', 'B', 'V', 'E', 'C', 'T', 'R', '\n'}

// ErrFormat is returned by Open for data that is not an index of the
// current format version, or is corrupt: the caller makes the index again.
var ErrFormat = errors.New("vector: not an index file of a supported format")

// littleEndian is whether this machine stores numbers as the files do, so
// that their arrays can be used in place.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// countingWriter counts what passes, for the alignment of arrays.
type countingWriter struct {
	w *bufio.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// align pads to a multiple of 4 bytes from the start of the file, so that
// a mapped file's float32 arrays are aligned.
func (c *countingWriter) align() {
	var zero [4]byte
	c.Write(zero[:(4-c.n%4)%4])
}

func (c *countingWriter) floats(a []float32) error {
	if littleEndian && len(a) > 0 {
		_, err := c.Write(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 4*len(a)))
		return err
	}
	if err := binary.Write(c.w, binary.LittleEndian, a); err != nil {
		return err
	}
	c.n += 4 * len(a)
	return nil
}

// Save writes the index: magic, format version, dimension, number of
// lists, whether it is trained, the calibrated probe count and re-rank
// depth, the code length in bits, the centroids and the quantizer's
// projection (none when untrained) and each list's ids, vectors, codes
// and code weights (no codes when untrained), little-endian, arrays of
// floats at multiples of 4 bytes, followed by a CRC-32 of everything
// before it.
func (ix *Index) Save(w io.Writer) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	crc := crc32.NewIEEE()
	cw := &countingWriter{w: bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<20)}
	le := binary.LittleEndian
	cw.Write(magic[:])
	var trained uint32
	if ix.centroids != nil {
		trained = 1
	}
	var bits uint32
	if ix.qz != nil {
		bits = uint32(ix.qz.bits)
	}
	var u [4]byte
	for _, v := range []uint32{FormatVersion, uint32(ix.dim), uint32(len(ix.lists)), trained, uint32(ix.probes), uint32(ix.rerank), bits} {
		le.PutUint32(u[:], v)
		cw.Write(u[:])
	}
	if trained == 1 {
		cw.floats(ix.centroids)
		cw.floats(ix.qz.proj)
	}
	for _, ls := range ix.lists {
		le.PutUint32(u[:], uint32(len(ls.ids)))
		cw.Write(u[:])
		for _, id := range ls.ids {
			le.PutUint32(u[:], uint32(len(id)))
			cw.Write(u[:])
			cw.Write([]byte(id))
		}
		cw.align()
		if err := cw.floats(ls.vecs); err != nil {
			return fmt.Errorf("vector: save: %w", err)
		}
		if trained == 1 {
			cw.Write(ls.codes)
			cw.align()
			if err := cw.floats(ls.ws); err != nil {
				return fmt.Errorf("vector: save: %w", err)
			}
		}
	}
	if err := cw.w.Flush(); err != nil {
		return fmt.Errorf("vector: save: %w", err)
	}
	le.PutUint32(u[:], crc.Sum32())
	if _, err := w.Write(u[:]); err != nil {
		return fmt.Errorf("vector: save: %w", err)
	}
	return nil
}

// Open reads an index written by Save. opts supplies the search and
// training options (they are not saved).
func Open(r io.Reader, opts Options) (*Index, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("vector: open: %w", err)
	}
	return decode(b, opts, false)
}

// decode checks the CRC of a whole file (unless checked says the caller
// did) and reads the index from it. The arrays of vectors, codes and
// weights are views of b (copied only where the machine's byte order or
// b's alignment forbid it).
func decode(b []byte, opts Options, checked bool) (*Index, error) {
	if len(b) < len(magic)+4 || [8]byte(b[:8]) != magic {
		return nil, fmt.Errorf("vector: open: %w", ErrFormat)
	}
	body := b[:len(b)-4]
	if !checked && crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		// A damaged or truncated file: its header may look sound, but
		// nothing in it can be trusted.
		if _, err := readHeader(&reader{b: body[8:], off: 8}); err != nil {
			return nil, fmt.Errorf("vector: open: %w", err)
		}
		return nil, fmt.Errorf("vector: open: %w: checksum mismatch or truncated", ErrFormat)
	}
	ix, err := readIndex(&reader{b: body[8:], off: 8}, opts)
	if err != nil {
		return nil, fmt.Errorf("vector: open: %w", err)
	}
	return ix, nil
}

// reader reads a file's bytes in place.
type reader struct {
	b   []byte
	off int // from the start of the file, for alignment
}

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || n > len(r.b) {
		return nil, fmt.Errorf("%w: truncated", ErrFormat)
	}
	out := r.b[:n:n]
	r.b, r.off = r.b[n:], r.off+n
	return out, nil
}

func (r *reader) u32() (uint32, error) {
	b, err := r.take(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *reader) align() error {
	_, err := r.take((4 - r.off%4) % 4)
	return err
}

// floats returns n float32s in place when it can, else a copy.
func (r *reader) floats(n int) ([]float32, error) {
	b, err := r.take(4 * n)
	if err != nil || n == 0 {
		return make([]float32, 0), err
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n), nil
	}
	out := make([]float32, n)
	_, err = binary.Decode(b, binary.LittleEndian, out)
	return out, err
}

// header is what Save writes after the magic.
type header struct {
	dim, lists           int
	trained              bool
	probes, rerank, bits int
}

func readHeader(r *reader) (header, error) {
	var hdr [7]uint32
	for i := range hdr {
		v, err := r.u32()
		if err != nil {
			return header{}, err
		}
		hdr[i] = v
		if i == 0 && v != FormatVersion {
			return header{}, fmt.Errorf("%w: version %d, want %d (older versions are no longer read)", ErrFormat, v, FormatVersion)
		}
	}
	h := header{
		dim: int(hdr[1]), lists: int(hdr[2]), trained: hdr[3] == 1,
		probes: int(hdr[4]), rerank: int(hdr[5]), bits: int(hdr[6]),
	}
	if h.dim <= 0 || h.dim > 1<<16 || h.lists <= 0 || h.lists > 1<<24 {
		return header{}, fmt.Errorf("%w: dimension %d, %d lists", ErrFormat, h.dim, h.lists)
	}
	if h.trained && h.bits != codeBits(h.dim) {
		return header{}, fmt.Errorf("%w: codes of %d bits for dimension %d", ErrFormat, h.bits, h.dim)
	}
	return h, nil
}

// readIndex reads what follows the magic, up to the checksum.
func readIndex(r *reader, opts Options) (*Index, error) {
	h, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	ix := New(h.dim, opts)
	ix.probes, ix.rerank = min(h.probes, h.lists), h.rerank
	if h.trained {
		if ix.centroids, err = r.floats(h.lists * h.dim); err != nil {
			return nil, err
		}
		ix.centroids = slices.Clone(ix.centroids) // small, and Train rewrites it
		ix.qz = &quantizer{dim: h.dim, bits: h.bits}
		if ix.qz.proj, err = r.floats(h.bits * h.dim); err != nil {
			return nil, err
		}
		ix.qz.proj = slices.Clone(ix.qz.proj)
	}
	ix.lists = make([]list, h.lists)
	for l := range ix.lists {
		if err := ix.readList(r, l); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// readList reads inverted list l.
func (ix *Index) readList(r *reader, l int) error {
	n32, err := r.u32()
	if err != nil {
		return err
	}
	n := int(n32)
	if n > len(r.b)/4 {
		return fmt.Errorf("%w: list of %d", ErrFormat, n)
	}
	ls := list{ids: make([]string, n), shared: true}
	for i := range ls.ids {
		k, err := r.u32()
		if err != nil {
			return err
		}
		if k > 1<<16 {
			return fmt.Errorf("%w: id of %d bytes", ErrFormat, k)
		}
		id, err := r.take(int(k))
		if err != nil {
			return err
		}
		ls.ids[i] = string(id)
		ix.where[ls.ids[i]] = loc{int32(l), int32(i)}
	}
	if err := r.align(); err != nil {
		return err
	}
	if ls.vecs, err = r.floats(n * ix.dim); err != nil {
		return err
	}
	if ix.qz != nil {
		if ls.codes, err = r.take(n * ix.qz.codeBytes()); err != nil {
			return err
		}
		if err := r.align(); err != nil {
			return err
		}
		if ls.ws, err = r.floats(n); err != nil {
			return err
		}
	}
	ix.lists[l] = ls
	return nil
}

// SaveFile writes the index to path atomically. An index that still
// holds what the file it was opened from does is saved by linking that
// file (written once, never in place) where the file system allows.
func (ix *Index) SaveFile(path string) (err error) {
	ix.mu.RLock()
	from := ix.file
	ix.mu.RUnlock()
	if from != "" {
		os.Remove(path)
		if os.Link(from, path) == nil {
			return nil
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("vector: save: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = ix.Save(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("vector: save: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("vector: save: %w", err)
	}
	return os.Rename(f.Name(), path)
}

// OpenFile reads an index saved with SaveFile. The file is memory-mapped
// where the platform allows and its vectors, codes and weights are used in
// place (the page cache, not the Go heap); ids, the id map and the
// centroids are copied. A list is copied to the heap the first time a
// deletion must write into it. The mapping is released when the index is
// no longer reachable.
func OpenFile(path string, opts Options) (*Index, error) {
	// Verified by reading, not through the mapping, so that only the
	// pages searches touch count in the resident memory.
	checked := false
	switch err := mapfile.Check(path); {
	case err == nil:
		checked = true
	case errors.Is(err, mapfile.ErrChecksum):
		// decode tells a foreign or old file from a damaged one
	default:
		return nil, fmt.Errorf("vector: open: %w", err)
	}
	b, release, err := mapfile.Map(path)
	if err != nil {
		return nil, fmt.Errorf("vector: open: %w", err)
	}
	ix, err := decode(b, opts, checked)
	if err != nil {
		release()
		return nil, err
	}
	runtime.AddCleanup(ix, mapfile.Release, release)
	if abs, err := filepath.Abs(path); err == nil {
		ix.file = abs
	}
	return ix, nil
}
