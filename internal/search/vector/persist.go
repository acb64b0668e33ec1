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
	le := binary.LittleEndian
	fail := func(err error) (*Index, error) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: truncated", ErrFormat)
		}
		return nil, fmt.Errorf("vector: open: %w", err)
	}
	var m [8]byte
	if _, err := io.ReadFull(tr, m[:]); err != nil || m != magic {
		return nil, ErrFormat
	}
	hdr := make([]uint32, 4)
	if err := binary.Read(tr, le, hdr); err != nil {
		return fail(err)
	}
	if version := hdr[0]; version != FormatVersion {
		return fail(fmt.Errorf("%w: version %d, want %d (older versions are no longer read)", ErrFormat, version, FormatVersion))
	}
	more := make([]uint32, 3) // probes, rerank and bits
	if err := binary.Read(tr, le, more); err != nil {
		return fail(err)
	}
	probes, rerank, bits := int(more[0]), int(more[1]), int(more[2])
	dim, nl := int(hdr[1]), int(hdr[2])
	if dim <= 0 || dim > 1<<16 || nl <= 0 || nl > 1<<24 {
		return fail(fmt.Errorf("%w: dimension %d, %d lists", ErrFormat, dim, nl))
	}
	trained := hdr[3] == 1
	if trained && bits != codeBits(dim) {
		return fail(fmt.Errorf("%w: codes of %d bits for dimension %d", ErrFormat, bits, dim))
	}
	ix := New(dim, opts)
	ix.probes, ix.rerank = min(probes, nl), rerank
	if trained {
		ix.centroids = make([]float32, nl*dim)
		if err := binary.Read(tr, le, ix.centroids); err != nil {
			return fail(err)
		}
		ix.qz = &quantizer{dim: dim, bits: bits, proj: make([]float32, bits*dim)}
		if err := binary.Read(tr, le, ix.qz.proj); err != nil {
			return fail(err)
		}
	}
	ix.lists = make([]list, nl)
	var u [4]byte
	for l := range ix.lists {
		if _, err := io.ReadFull(tr, u[:]); err != nil {
			return fail(err)
		}
		n := int(le.Uint32(u[:]))
		if n > 1<<28 {
			return fail(fmt.Errorf("%w: list of %d", ErrFormat, n))
		}
		ls := list{ids: make([]string, n), vecs: make([]float32, n*dim)}
		var buf []byte
		for i := range ls.ids {
			if _, err := io.ReadFull(tr, u[:]); err != nil {
				return fail(err)
			}
			k := int(le.Uint32(u[:]))
			if k > 1<<16 {
				return fail(fmt.Errorf("%w: id of %d bytes", ErrFormat, k))
			}
			if cap(buf) < k {
				buf = make([]byte, k)
			}
			if _, err := io.ReadFull(tr, buf[:k]); err != nil {
				return fail(err)
			}
			ls.ids[i] = string(buf[:k])
			ix.where[ls.ids[i]] = loc{int32(l), int32(i)}
		}
		if err := binary.Read(tr, le, ls.vecs); err != nil {
			return fail(err)
		}
		if trained {
			ls.codes, ls.ws = make([]byte, n*ix.qz.codeBytes()), make([]float32, n)
			if _, err := io.ReadFull(tr, ls.codes); err != nil {
				return fail(err)
			}
			if err := binary.Read(tr, le, ls.ws); err != nil {
				return fail(err)
			}
		}
		ix.lists[l] = ls
	}
	sum := crc.Sum32()
	if _, err := io.ReadFull(br, u[:]); err != nil {
		return fail(err)
	}
	if le.Uint32(u[:]) != sum {
		return fail(fmt.Errorf("%w: checksum mismatch", ErrFormat))
	}
	return ix, nil
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
