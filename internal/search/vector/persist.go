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
)

// FormatVersion is the version of the file format Save writes, the only
// one Open reads. Versions 1 and 2 lacked the residual codes (and 1 the
// calibrated probe count); their files are refused, since the vectors can
// be made again from the database.
const FormatVersion = 3

var magic = [8]byte{'P', 'B', 'V', 'E', 'C', 'T', 'R', '\n'}

// ErrFormat is returned by Open for data that is not an index of the
// current format version, or is corrupt: the caller makes the index again.
var ErrFormat = errors.New("vector: not an index file of a supported format")

// Save writes the index: magic, format version, dimension, number of
// lists, whether it is trained, the calibrated probe count and re-rank
// depth, the code length in bits, the centroids and the quantizer's
// projection (none when untrained) and each list's ids, vectors, codes
// and code weights (no codes when untrained), little-endian, followed by
// a CRC-32 of everything before it.
func (ix *Index) Save(w io.Writer) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	crc := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<20)
	le := binary.LittleEndian
	bw.Write(magic[:])
	var trained uint32
	if ix.centroids != nil {
		trained = 1
	}
	var bits uint32
	if ix.qz != nil {
		bits = uint32(ix.qz.bits)
	}
	binary.Write(bw, le, []uint32{FormatVersion, uint32(ix.dim), uint32(len(ix.lists)), trained, uint32(ix.probes), uint32(ix.rerank), bits})
	if trained == 1 {
		binary.Write(bw, le, ix.centroids)
		binary.Write(bw, le, ix.qz.proj)
	}
	var u [4]byte
	for _, ls := range ix.lists {
		le.PutUint32(u[:], uint32(len(ls.ids)))
		bw.Write(u[:])
		for _, id := range ls.ids {
			le.PutUint32(u[:], uint32(len(id)))
			bw.Write(u[:])
			bw.WriteString(id)
		}
		if err := binary.Write(bw, le, ls.vecs); err != nil {
			return fmt.Errorf("vector: save: %w", err)
		}
		if trained == 1 {
			bw.Write(ls.codes)
			if err := binary.Write(bw, le, ls.ws); err != nil {
				return fmt.Errorf("vector: save: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
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
	crc := crc32.NewIEEE()
	br := bufio.NewReaderSize(r, 1<<20)
	tr := io.TeeReader(br, crc)
	var m [8]byte
	if _, err := io.ReadFull(tr, m[:]); err != nil || m != magic {
		return nil, ErrFormat
	}
	ix, err := readIndex(tr, opts)
	if err == nil {
		err = checkSum(br, crc.Sum32())
	}
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: truncated", ErrFormat)
		}
		return nil, fmt.Errorf("vector: open: %w", err)
	}
	return ix, nil
}

// header is what Save writes after the magic.
type header struct {
	dim, lists           int
	trained              bool
	probes, rerank, bits int
}

func readHeader(r io.Reader) (header, error) {
	le := binary.LittleEndian
	hdr := make([]uint32, 4)
	if err := binary.Read(r, le, hdr); err != nil {
		return header{}, err
	}
	if version := hdr[0]; version != FormatVersion {
		return header{}, fmt.Errorf("%w: version %d, want %d (older versions are no longer read)", ErrFormat, version, FormatVersion)
	}
	more := make([]uint32, 3) // probes, rerank and bits
	if err := binary.Read(r, le, more); err != nil {
		return header{}, err
	}
	h := header{
		dim: int(hdr[1]), lists: int(hdr[2]), trained: hdr[3] == 1,
		probes: int(more[0]), rerank: int(more[1]), bits: int(more[2]),
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
func readIndex(r io.Reader, opts Options) (*Index, error) {
	h, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	ix := New(h.dim, opts)
	ix.probes, ix.rerank = min(h.probes, h.lists), h.rerank
	if h.trained {
		ix.centroids = make([]float32, h.lists*h.dim)
		if err := binary.Read(r, le, ix.centroids); err != nil {
			return nil, err
		}
		ix.qz = &quantizer{dim: h.dim, bits: h.bits, proj: make([]float32, h.bits*h.dim)}
		if err := binary.Read(r, le, ix.qz.proj); err != nil {
			return nil, err
		}
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
func (ix *Index) readList(r io.Reader, l int) error {
	le := binary.LittleEndian
	var u [4]byte
	if _, err := io.ReadFull(r, u[:]); err != nil {
		return err
	}
	n := int(le.Uint32(u[:]))
	if n > 1<<28 {
		return fmt.Errorf("%w: list of %d", ErrFormat, n)
	}
	ls := list{ids: make([]string, n), vecs: make([]float32, n*ix.dim)}
	var buf []byte
	for i := range ls.ids {
		if _, err := io.ReadFull(r, u[:]); err != nil {
			return err
		}
		k := int(le.Uint32(u[:]))
		if k > 1<<16 {
			return fmt.Errorf("%w: id of %d bytes", ErrFormat, k)
		}
		if cap(buf) < k {
			buf = make([]byte, k)
		}
		if _, err := io.ReadFull(r, buf[:k]); err != nil {
			return err
		}
		ls.ids[i] = string(buf[:k])
		ix.where[ls.ids[i]] = loc{int32(l), int32(i)}
	}
	if err := binary.Read(r, le, ls.vecs); err != nil {
		return err
	}
	if ix.qz != nil {
		ls.codes, ls.ws = make([]byte, n*ix.qz.codeBytes()), make([]float32, n)
		if _, err := io.ReadFull(r, ls.codes); err != nil {
			return err
		}
		if err := binary.Read(r, le, ls.ws); err != nil {
			return err
		}
	}
	ix.lists[l] = ls
	return nil
}

// checkSum reads the checksum that ends the file and compares it with sum,
// the checksum of what was read before it.
func checkSum(r io.Reader, sum uint32) error {
	var u [4]byte
	if _, err := io.ReadFull(r, u[:]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(u[:]) != sum {
		return fmt.Errorf("%w: checksum mismatch", ErrFormat)
	}
	return nil
}

// SaveFile writes the index to path atomically.
func (ix *Index) SaveFile(path string) (err error) {
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

// OpenFile reads an index saved with SaveFile.
func OpenFile(path string, opts Options) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vector: open: %w", err)
	}
	defer f.Close()
	return Open(f, opts)
}
