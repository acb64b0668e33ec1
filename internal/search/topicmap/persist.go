package topicmap

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// FormatVersion is the version of the map file format; Open refuses
// others.
const FormatVersion = 1

var magic = [8]byte{'P', 'B', 'T', 'O', 'P', 'I', 'C', '\n'}

// ErrFormat is returned for a file that is not a map of a supported
// format, or is damaged.
var ErrFormat = errors.New("topicmap: not a topic map file of a supported format")

type header struct {
	Info   Info    `json:"info"`
	Areas  []Topic `json:"areas"`
	Topics []Topic `json:"topics"`
}

// WriteTo writes the map: magic, version, a JSON header (info, areas and
// topics with their labels), the centroids as float32, the papers' ids
// (sorted, one blob with offsets) and their fine topics as uint16,
// little-endian, then a CRC-32 of all of it. Flat arrays: opening reads
// them in a few passes.
func (m *Map) WriteTo(w io.Writer) (int64, error) {
	m.mu.RLock()
	ids := make([]string, 0, len(m.of))
	for id := range m.of {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	topics := make([]uint16, len(ids))
	for i, id := range ids {
		topics[i] = m.of[id]
	}
	m.mu.RUnlock()
	h, err := json.Marshal(header{Info: m.info, Areas: m.areas, Topics: m.fine})
	if err != nil {
		return 0, err
	}
	crc := crc32.NewIEEE()
	cw := &countWriter{w: io.MultiWriter(w, crc)}
	bw := bufio.NewWriterSize(cw, 1<<20)
	le := binary.LittleEndian
	bw.Write(magic[:])
	binary.Write(bw, le, uint32(FormatVersion))
	binary.Write(bw, le, uint32(len(h)))
	bw.Write(h)
	for _, fs := range [][]float32{m.areaC, m.fineC} {
		binary.Write(bw, le, uint32(len(fs)))
		for _, f := range fs {
			binary.Write(bw, le, math.Float32bits(f))
		}
	}
	binary.Write(bw, le, uint32(len(ids)))
	off := uint32(0)
	binary.Write(bw, le, off)
	for _, id := range ids {
		off += uint32(len(id))
		binary.Write(bw, le, off)
	}
	for _, id := range ids {
		bw.WriteString(id)
	}
	binary.Write(bw, le, topics)
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("topicmap: write: %w", err)
	}
	var u [4]byte
	le.PutUint32(u[:], crc.Sum32())
	if _, err := w.Write(u[:]); err != nil {
		return cw.n, fmt.Errorf("topicmap: write: %w", err)
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

// Read reads a map WriteTo wrote.
func Read(r io.Reader) (*Map, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("topicmap: read: %w", err)
	}
	return parse(b)
}

func parse(b []byte) (*Map, error) {
	if len(b) < 20 || string(b[:8]) != string(magic[:]) {
		return nil, ErrFormat
	}
	le := binary.LittleEndian
	body, sum := b[:len(b)-4], le.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrFormat)
	}
	p := body[8:]
	bad := fmt.Errorf("%w: truncated", ErrFormat)
	u32 := func() (uint32, bool) {
		if len(p) < 4 {
			return 0, false
		}
		v := le.Uint32(p)
		p = p[4:]
		return v, true
	}
	if v, ok := u32(); !ok || v != FormatVersion {
		return nil, fmt.Errorf("%w: version %d", ErrFormat, v)
	}
	hl, ok := u32()
	if !ok || int(hl) > len(p) {
		return nil, bad
	}
	var h header
	if err := json.Unmarshal(p[:hl], &h); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	p = p[hl:]
	floats := func() ([]float32, bool) {
		n, ok := u32()
		if !ok || uint64(n)*4 > uint64(len(p)) {
			return nil, false
		}
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(p[4*i:]))
		}
		p = p[4*n:]
		return out, true
	}
	m := &Map{info: h.Info, areas: h.Areas, fine: h.Topics}
	if m.areaC, ok = floats(); !ok {
		return nil, bad
	}
	if m.fineC, ok = floats(); !ok {
		return nil, bad
	}
	dim := h.Info.Dim
	if dim <= 0 || len(m.areaC) != len(m.areas)*dim || len(m.fineC) != len(m.fine)*dim || len(m.fine) > math.MaxUint16+1 {
		return nil, fmt.Errorf("%w: centroids do not match the topics", ErrFormat)
	}
	m.children = make([][]int, len(m.areas))
	for i, t := range m.fine {
		if t.Parent < 0 || t.Parent >= len(m.areas) {
			return nil, fmt.Errorf("%w: topic %d in area %d of %d", ErrFormat, i, t.Parent, len(m.areas))
		}
		m.children[t.Parent] = append(m.children[t.Parent], i)
	}
	n, ok := u32()
	if !ok || uint64(n+1)*4 > uint64(len(p)) {
		return nil, bad
	}
	offs := p[:4*(n+1)]
	p = p[4*(n+1):]
	blobLen := le.Uint32(offs[4*n:])
	if uint64(blobLen)+uint64(n)*2 != uint64(len(p)) {
		return nil, bad
	}
	// One string holds every id; the map's keys are slices of it.
	blob := string(p[:blobLen])
	ts := p[blobLen:]
	m.of = make(map[string]uint16, n)
	m.counts = make([]int, len(m.fine))
	for i := range n {
		lo, hi := le.Uint32(offs[4*i:]), le.Uint32(offs[4*(i+1):])
		t := le.Uint16(ts[2*i:])
		if lo > hi || hi > blobLen || int(t) >= len(m.fine) {
			return nil, fmt.Errorf("%w: paper %d", ErrFormat, i)
		}
		m.of[blob[lo:hi]] = t
		m.counts[t]++
	}
	// WriteTo sorts the ids, so each topic's list is sorted as read;
	// were they not, index sorts the lists.
	m.members = make([][]string, len(m.fine))
	for t, c := range m.counts {
		m.members[t] = make([]string, 0, c)
	}
	prev := ""
	for i := range n {
		lo, hi := le.Uint32(offs[4*i:]), le.Uint32(offs[4*(i+1):])
		id := blob[lo:hi]
		if i > 0 && id <= prev {
			m.members = nil
			break
		}
		t := le.Uint16(ts[2*i:])
		m.members[t] = append(m.members[t], id)
		prev = id
	}
	m.index()
	return m, nil
}

// SaveFile writes the map to path, through a temporary file renamed over
// it.
func (m *Map) SaveFile(path string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".topics-*")
	if err != nil {
		return fmt.Errorf("topicmap: save: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = m.WriteTo(tmp); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("topicmap: save: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// OpenFile reads the map saved at path; the error wraps fs.ErrNotExist
// when there is none.
func OpenFile(path string) (*Map, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
