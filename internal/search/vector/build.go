package vector

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	"github.com/paperboy-dev/paperboy/internal/parallel"
	"github.com/paperboy-dev/paperboy/internal/search/internal/mapfile"
)

// Builder makes a trained index file from vectors that arrive one by one,
// without holding them on the heap: Add appends each vector to a spill
// file, Build partitions them from its mapping (the page cache) into the
// index file list by list, and opens that file mapped. At 3M vectors of
// 256 dimensions that is 3 GiB the heap never holds, twice over (Train
// copies every vector into its list). The file is the one New, Add and
// TrainFor would make from the same vectors, byte for byte.
type Builder struct {
	dim   int
	opts  Options
	spill *os.File
	w     *bufio.Writer
	ids   []string
}

// NewBuilder starts an index of dim-dimensional vectors whose spill file
// is made in dir (the directory of the index file, so that it lies on the
// same disk).
func NewBuilder(dir string, dim int, opts Options) (*Builder, error) {
	f, err := os.CreateTemp(dir, "vectors.spill*")
	if err != nil {
		return nil, fmt.Errorf("vector: build: %w", err)
	}
	return &Builder{dim: dim, opts: opts, spill: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// Len is the number of vectors added.
func (b *Builder) Len() int { return len(b.ids) }

// Add appends the vector of id; a later vector of the same id replaces it.
func (b *Builder) Add(id string, v []float32) error {
	if len(v) != b.dim {
		return fmt.Errorf("%w: %s has %d, want %d", ErrDim, id, len(v), b.dim)
	}
	b.ids = append(b.ids, id)
	if littleEndian {
		_, err := b.w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v)))
		return err
	}
	return binary.Write(b.w, binary.LittleEndian, v)
}

// Close removes the spill file; Build calls it.
func (b *Builder) Close() error {
	if b.spill == nil {
		return nil
	}
	b.spill.Close()
	err := os.Remove(b.spill.Name())
	b.spill = nil
	return err
}

// Build partitions the vectors as TrainFor does (queries as there),
// writes the index to path atomically and returns it opened from the file
// (OpenFile). It removes the spill file.
func (b *Builder) Build(ctx context.Context, path string, queries func() ([][]float32, error)) (*Index, error) {
	defer b.Close()
	if err := b.w.Flush(); err != nil {
		return nil, fmt.Errorf("vector: build: %w", err)
	}
	return b.write(ctx, path, queries)
}

// write partitions the spilled vectors into the index file at path and
// returns the index opened from it.
func (b *Builder) write(ctx context.Context, path string, queries func() ([][]float32, error)) (*Index, error) {
	spill := b.spill.Name()
	data, unmap, err := mapfile.Map(spill)
	if err != nil {
		return nil, fmt.Errorf("vector: build: %w", err)
	}
	// Unmapped as soon as the index file is written: the pages it touched
	// then leave the process's resident memory before calibration touches
	// those of the index file.
	defer unmap()
	if len(data) != len(b.ids)*4*b.dim {
		return nil, fmt.Errorf("vector: build: spill file %s has %d bytes, want %d", spill, len(data), len(b.ids)*4*b.dim)
	}
	var vecs []float32
	if len(data) > 0 {
		if !littleEndian || uintptr(unsafe.Pointer(&data[0]))%4 != 0 {
			return nil, errors.New("vector: build: needs a little-endian machine")
		}
		vecs = unsafe.Slice((*float32)(unsafe.Pointer(&data[0])), len(data)/4)
	}
	row := func(i int32) []float32 { return vecs[int(i)*b.dim : int(i+1)*b.dim] }

	// The rows of the vectors that count, sorted by id (the last of each
	// id), as Train sorts its ids.
	order := make([]int32, len(b.ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(x, y int32) int { return cmp.Compare(b.ids[x], b.ids[y]) })
	uniq := order[:0]
	for i, r := range order {
		if i+1 < len(order) && b.ids[order[i+1]] == b.ids[r] {
			continue
		}
		uniq = append(uniq, r)
	}
	order = uniq
	n := len(order)

	// What an in-memory index would be trained with (TrainFor).
	ix := New(b.dim, b.opts)
	nl := ix.opts.Lists
	if nl <= 0 {
		nl = int(math.Round(math.Sqrt(float64(n))))
	}
	nl = max(1, min(nl, n/32))
	if n == 0 {
		return nil, errors.New("vector: build: no vectors")
	}
	var served []calibrationQuery
	if queries != nil && nl > 1 {
		if served, err = ix.servedQueries(queries); err != nil {
			return nil, err
		}
	}
	workers := ix.workers()
	rng := rand.New(rand.NewPCG(ix.opts.Seed, 0x5851f42d4c957f2d))
	iters := ix.opts.TrainIters
	if iters <= 0 {
		iters = 10
	}
	ns := ix.opts.TrainSample
	if ns <= 0 {
		ns = 48 * nl
	}
	ns = min(ns, n)
	perm := rng.Perm(n)[:ns]
	slices.Sort(perm)
	sample := make([]float32, 0, ns*b.dim)
	for _, i := range perm {
		sample = append(sample, row(order[i])...)
	}
	cent, err := kmeans(ctx, sample, b.dim, nl, iters, rng, workers)
	if err != nil {
		return nil, err
	}
	sample = nil
	assign := make([]int32, n)
	parallel.Chunks(n, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if i%4096 == 0 && ctx.Err() != nil {
				return
			}
			assign[i] = int32(nearest(cent, b.dim, row(order[i])))
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// members[l] are list l's positions in order, in id order.
	starts := make([]int, nl+1)
	for _, a := range assign {
		starts[a+1]++
	}
	for l := range nl {
		starts[l+1] += starts[l]
	}
	members := make([]int32, n)
	next := slices.Clone(starts[:nl])
	for i, a := range assign {
		members[next[a]] = int32(i)
		next[a]++
	}
	assign, next = nil, nil
	ix.centroids = cent
	ix.qz = newQuantizer(b.dim, ix.opts.Seed)

	if err := b.writeFile(ctx, path, ix, order, members, starts, row, workers); err != nil {
		return nil, err
	}
	vecs, row = nil, nil
	unmap()
	// Calibrated on the file's index, then recorded in its header.
	written, err := OpenFile(path, b.opts)
	if err != nil {
		return nil, err
	}
	if len(served) == 0 {
		served = written.storedQueries()
	}
	probes, rerank := written.calibrate(ctx, workers, served)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := patchCalibration(path, probes, rerank); err != nil {
		return nil, err
	}
	// What OpenFile would now read from the header (the mapping shows
	// the file as patched).
	written.probes, written.rerank = min(probes, nl), rerank
	return written, nil
}

// writeFile writes the index as Save does, each list's vectors read from
// the spill by row and encoded as it is written.
func (b *Builder) writeFile(ctx context.Context, path string, ix *Index, order, members []int32, starts []int, row func(int32) []float32, workers int) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	crc := crc32.NewIEEE()
	cw := &countingWriter{w: bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20)}
	le := binary.LittleEndian
	var u [4]byte
	put := func(v uint32) {
		le.PutUint32(u[:], v)
		cw.Write(u[:])
	}
	nl := len(starts) - 1
	cw.Write(magic[:])
	for _, v := range []uint32{FormatVersion, uint32(b.dim), uint32(nl), 1, 0, 0, uint32(ix.qz.bits)} {
		put(v)
	}
	cw.floats(ix.centroids)
	cw.floats(ix.qz.proj)
	nb := ix.qz.codeBytes()
	var vecs, ws []float32
	var codes []byte
	for l := range nl {
		if err := ctx.Err(); err != nil {
			return err
		}
		mine := members[starts[l]:starts[l+1]]
		put(uint32(len(mine)))
		for _, i := range mine {
			id := b.ids[order[i]]
			put(uint32(len(id)))
			cw.Write([]byte(id))
		}
		cw.align()
		vecs = vecs[:0]
		for _, i := range mine {
			vecs = append(vecs, row(order[i])...)
		}
		if err := cw.floats(vecs); err != nil {
			return fmt.Errorf("vector: build: %w", err)
		}
		codes = slices.Grow(codes[:0], len(mine)*nb)[:len(mine)*nb]
		ws = slices.Grow(ws[:0], len(mine))[:len(mine)]
		c := ix.centroids[l*b.dim : (l+1)*b.dim]
		parallel.Chunks(len(mine), workers, func(lo, hi int) {
			tmp, res := make([]float32, ix.qz.bits), make([]float32, b.dim)
			for i := lo; i < hi; i++ {
				ws[i] = ix.qz.encode(vecs[i*b.dim:(i+1)*b.dim], c, codes[i*nb:(i+1)*nb], tmp, res)
			}
		})
		cw.Write(codes)
		cw.align()
		if err := cw.floats(ws); err != nil {
			return fmt.Errorf("vector: build: %w", err)
		}
	}
	if err = cw.w.Flush(); err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	le.PutUint32(u[:], crc.Sum32())
	if _, err = f.Write(u[:]); err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	return os.Rename(f.Name(), path)
}

// headerCalibration is the offset of the probe count in a file's header
// (after the magic, the version, the dimension, the lists and the trained
// flag); the re-rank depth follows it.
const headerCalibration = 8 + 4*4

// patchCalibration writes the calibrated probe count and re-rank depth
// into the header of the index file at path and its checksum anew,
// reading the file through, not mapping it.
func patchCalibration(path string, probes, rerank int) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	defer f.Close()
	var hdr [8]byte
	binary.LittleEndian.PutUint32(hdr[:4], uint32(probes))
	binary.LittleEndian.PutUint32(hdr[4:], uint32(rerank))
	if _, err := f.WriteAt(hdr[:], headerCalibration); err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	crc := crc32.NewIEEE()
	if _, err := io.Copy(crc, bufio.NewReaderSize(io.NewSectionReader(f, 0, fi.Size()-4), 1<<20)); err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], crc.Sum32())
	if _, err := f.WriteAt(sum[:], fi.Size()-4); err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("vector: build: %w", err)
	}
	return nil
}
