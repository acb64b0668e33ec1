package lexical

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
	"strconv"
	"time"
	"unsafe"

	"github.com/paperboy-dev/paperboy/internal/search/internal/mapfile"
)

// FormatVersion is the on-disk format version; Open refuses other versions.
// 2: terms of LaTeX come from tex.Text ("ℓ₁" gives l1, "\alpha" α).
// 3: arrays of integers start at multiples of 8 bytes, so that a mapped
// file's arrays are used in place.
const FormatVersion = 3

const (
	metaMagic = "PBIXMETA"
	segMagic  = "PBIXSEG1"
	metaFile  = "meta.bin"
)

// ErrFormat is returned by Open for a missing, corrupt or incompatible index.
var ErrFormat = errors.New("search: unreadable index")

// Save writes the index to dir atomically: it writes a sibling temporary
// directory and renames it over dir, so a crash leaves either the old or the
// new index. Searches and writes may continue while Save runs; it saves the
// state at the moment it starts.
func (ix *Index) Save(dir string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("search: save %s: %w", dir, err)
		}
	}()
	sn := ix.snap.Load()
	seq := ix.LastSeq()
	dir = filepath.Clean(dir)
	tmp := fmt.Sprintf("%s.tmp-%d-%d", dir, os.Getpid(), time.Now().UnixNano())
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // no-op after the rename
	for i, v := range sn.segs {
		if err := writeFile(filepath.Join(tmp, segName(i)), func(w *encoder) { encodeSegment(w, v) }); err != nil {
			return err
		}
	}
	err = writeFile(filepath.Join(tmp, metaFile), func(w *encoder) {
		w.str(metaMagic)
		w.u32(FormatVersion)
		w.u64(seq)
		w.u32(uint32(len(sn.segs)))
	})
	if err != nil {
		return err
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = fmt.Sprintf("%s.old-%d", dir, time.Now().UnixNano())
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return err
	}
	if d, err := os.Open(filepath.Dir(dir)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

func segName(i int) string { return "seg-" + strconv.Itoa(i) + ".bin" }

// Open loads an index saved by Save. Segment files are memory-mapped where
// the platform allows (read into memory otherwise) and their postings, term
// dictionaries and per-paper values are used in place: they live in the
// page cache, shared with the file, not on the Go heap. Each file's CRC is
// checked first, so a damaged file is ErrFormat, never a crash later.
func Open(dir string) (*Index, error) {
	meta, err := readFile(filepath.Join(dir, metaFile))
	if err != nil {
		return nil, fmt.Errorf("search: open %s: %w", dir, err)
	}
	d := &decoder{b: meta}
	if d.str(len(metaMagic)) != metaMagic {
		return nil, fmt.Errorf("search: open %s: %w: bad magic", dir, ErrFormat)
	}
	if v := d.u32(); v != FormatVersion {
		return nil, fmt.Errorf("search: open %s: %w: format version %d, want %d", dir, ErrFormat, v, FormatVersion)
	}
	seq := d.u64()
	n := int(d.u32())
	if d.err != nil {
		return nil, fmt.Errorf("search: open %s: %w", dir, d.err)
	}
	ix := New()
	ix.lastSeq.Store(seq)
	sn := &snapshot{}
	for i := 0; i < n; i++ {
		v, err := openSegment(filepath.Join(dir, segName(i)))
		if err != nil {
			return nil, fmt.Errorf("search: open %s: segment %d: %w", dir, i, err)
		}
		sn.segs = append(sn.segs, v)
	}
	ix.snap.Store(sn)
	return ix, nil
}

// writeFile writes body followed by a CRC-32 of it, and syncs.
func writeFile(path string, body func(w *encoder)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	h := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	w := &encoder{w: bw}
	body(w)
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(binary.LittleEndian.AppendUint32(nil, h.Sum32())); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// openSegment maps a segment file, checks its CRC and decodes it in place.
// The mapping is released when the segment is no longer reachable: a
// search still running on an older snapshot keeps it.
func openSegment(path string) (*segView, error) {
	// Verified by reading, not through the mapping: a restarted server's
	// resident memory then holds only the pages its searches touch.
	if err := mapfile.Check(path); errors.Is(err, mapfile.ErrChecksum) {
		return nil, fmt.Errorf("%w: %s %v", ErrFormat, filepath.Base(path), err)
	} else if err != nil {
		return nil, err
	}
	b, release, err := mapfile.Map(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 4 {
		release()
		return nil, fmt.Errorf("%w: %s truncated", ErrFormat, filepath.Base(path))
	}
	body := b[:len(b)-4]
	v, err := decodeSegment(body)
	if err != nil {
		release()
		return nil, err
	}
	runtime.AddCleanup(v.seg, mapfile.Release, release)
	return v, nil
}

// checkCRC returns the body of a file written by writeFile if its CRC
// matches.
func checkCRC(b []byte, path string) ([]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: %s truncated", ErrFormat, filepath.Base(path))
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("%w: %s checksum mismatch", ErrFormat, filepath.Base(path))
	}
	return body, nil
}

// readFile reads a file written by writeFile and checks its CRC.
func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return checkCRC(b, path)
}

type encoder struct {
	w   *bufio.Writer
	n   int // bytes written, for alignment
	buf [8]byte
}

func (e *encoder) write(b []byte) { e.w.Write(b); e.n += len(b) }
func (e *encoder) str(s string)   { e.w.WriteString(s); e.n += len(s) }
func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf[:4], v)
	e.write(e.buf[:4])
}
func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:], v)
	e.write(e.buf[:])
}
func (e *encoder) bytes(b []byte) {
	e.u64(uint64(len(b)))
	e.write(b)
}

// align pads to a multiple of 8 bytes from the start of the file.
func (e *encoder) align() {
	var zero [8]byte
	e.write(zero[:(8-e.n%8)%8])
}

// fixedInt are the element types of the index's stored arrays.
type fixedInt interface {
	~uint16 | ~uint32 | ~int32 | ~uint64
}

// littleEndian is whether this machine stores integers as the files do,
// so that their arrays can be used in place.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// putInts writes a length, pads to 8 bytes, and writes the little-endian
// elements of a.
func putInts[T fixedInt](e *encoder, a []T) {
	e.u64(uint64(len(a)))
	e.align()
	size := binary.Size(T(0))
	if littleEndian && len(a) > 0 {
		e.write(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), len(a)*size))
		return
	}
	binary.Write(e.w, binary.LittleEndian, a) // a bufio.Writer: errors surface at Flush
	e.n += len(a) * size
}

type decoder struct {
	b   []byte
	off int // bytes consumed from the start of the file
	err error
}

func (d *decoder) take(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: truncated", ErrFormat)
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	d.off += int(n)
	return out
}

func (d *decoder) align()           { d.take(uint64((8 - d.off%8) % 8)) }
func (d *decoder) str(n int) string { return string(d.take(uint64(n))) }
func (d *decoder) u32() uint32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}
func (d *decoder) u64() uint64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}
func (d *decoder) count(width uint64) uint64 {
	n := d.u64()
	if d.err == nil && n > uint64(len(d.b))/width {
		d.err = fmt.Errorf("%w: bad length", ErrFormat)
		return 0
	}
	return n
}
func (d *decoder) bytes() []byte { return d.take(d.count(1)) }

// getInts reads what putInts wrote: in place (a view of the file's
// bytes, mapped or not) when the machine is little-endian and the array is
// aligned, which Save ensures; otherwise as a copy.
func getInts[T fixedInt](d *decoder) []T {
	size := uint64(binary.Size(T(0)))
	n := d.count(size)
	d.align()
	b := d.take(n * size)
	if b == nil || n == 0 {
		return make([]T, 0)
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%unsafe.Alignof(T(0)) == 0 {
		return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]T, n)
	binary.Decode(b, binary.LittleEndian, out)
	return out
}

func encodeSegment(w *encoder, v *segView) {
	encodeSegmentBlobs(w, v, func() {
		w.bytes(v.seg.postBlob)
		w.bytes(v.seg.posBlob)
	})
}

// encodeSegmentBlobs encodes v with blobs writing its postings and
// positions blobs, which a spilled build has in files rather than in v.
func encodeSegmentBlobs(w *encoder, v *segView, blobs func()) {
	s := v.seg
	w.str(segMagic)
	w.u64(uint64(s.nDocs))
	for f := range 3 {
		w.u64(s.sumLen[f])
	}
	w.bytes(s.termBlob)
	putInts(w, s.termOff)
	putInts(w, s.termDF)
	w.bytes(s.termMax)
	putInts(w, s.termBlk)
	putInts(w, s.termPost)
	putInts(w, s.termPos)
	putInts(w, s.blkLast)
	w.bytes(s.blkMax)
	putInts(w, s.blkOff)
	putInts(w, s.blkPosOff)
	blobs()
	w.bytes(s.idBlob)
	putInts(w, s.idOff)
	putInts(w, s.idSorted)
	putInts(w, s.days)
	putInts(w, s.upvotes)
	w.u64(uint64(len(s.catNames)))
	for _, c := range s.catNames {
		w.bytes([]byte(c))
	}
	putInts(w, s.catOff)
	putInts(w, s.catIDs)
	del := make([]uint32, 0, len(v.del)*2)
	for _, x := range v.del {
		del = append(del, uint32(x), uint32(x>>32))
	}
	putInts(w, del)
}

func decodeSegment(b []byte) (*segView, error) {
	d := &decoder{b: b}
	if d.str(len(segMagic)) != segMagic {
		return nil, fmt.Errorf("%w: bad segment magic", ErrFormat)
	}
	s := &segment{}
	s.nDocs = int(d.u64())
	for f := range 3 {
		s.sumLen[f] = d.u64()
	}
	s.termBlob = d.bytes()
	s.termOff = getInts[uint32](d)
	s.termDF = getInts[uint32](d)
	s.termMax = d.bytes()
	s.termBlk = getInts[uint32](d)
	s.termPost = getInts[uint64](d)
	s.termPos = getInts[uint64](d)
	s.blkLast = getInts[uint32](d)
	s.blkMax = d.bytes()
	s.blkOff = getInts[uint32](d)
	s.blkPosOff = getInts[uint32](d)
	s.postBlob = d.bytes()
	s.posBlob = d.bytes()
	s.idBlob = d.bytes()
	s.idOff = getInts[uint32](d)
	s.idSorted = getInts[uint32](d)
	s.days = getInts[int32](d)
	s.upvotes = getInts[int32](d)
	nc := d.count(8)
	for i := uint64(0); i < nc; i++ {
		s.catNames = append(s.catNames, string(d.bytes()))
	}
	s.catOff = getInts[uint32](d)
	s.catIDs = getInts[uint16](d)
	del32 := getInts[uint32](d)
	if d.err != nil {
		return nil, d.err
	}
	nt := len(s.termDF)
	if len(s.termOff) != nt+1 || len(s.termMax) != nt || len(s.termBlk) != nt+1 || len(s.termPost) != nt ||
		len(s.termPos) != nt || len(s.blkMax) != len(s.blkLast) || len(s.blkOff) != len(s.blkLast) ||
		len(s.blkPosOff) != len(s.blkLast) || len(s.idOff) != s.nDocs+1 || len(s.idSorted) != s.nDocs ||
		len(s.days) != s.nDocs || len(s.upvotes) != s.nDocs || len(s.catOff) != s.nDocs+1 || len(del32)%2 != 0 {
		return nil, fmt.Errorf("%w: inconsistent segment arrays", ErrFormat)
	}
	v := &segView{seg: s}
	if len(del32) > 0 {
		v.del = make(bitset, len(del32)/2)
		for i := range v.del {
			v.del[i] = uint64(del32[2*i]) | uint64(del32[2*i+1])<<32
		}
	}
	v.live = s.nDocs - v.del.count()
	return v, nil
}
