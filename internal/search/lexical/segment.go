package lexical

import (
	"encoding/binary"
	"sort"
)

// blockSize is the number of postings per block. Each block records its last
// doc and its maximum impact, which is what block-max pruning skips on.
const blockSize = 128

// Field bits stored per text posting, for ti: and abs: restrictions.
const (
	maskTitle    uint8 = 1 << 0
	maskAbstract uint8 = 1 << 1
	maskAuthors  uint8 = 1 << 2
)

// segment is an immutable slice of the index: a sorted term dictionary,
// block-coded postings with impacts, positions, and per-doc values.
// Nothing in it changes after it is built; deletions live beside it.
type segment struct {
	// Term dictionary, sorted by term bytes.
	termBlob  []byte
	termOff   []uint32 // len nTerms+1
	termDF    []uint32
	termMax   []uint8
	termBlk   []uint32 // first block of each term; len nTerms+1
	termPost  []uint64 // start of the term's postings in postBlob
	termPos   []uint64 // start of the term's positions in posBlob
	blkLast   []uint32 // last doc of each block
	blkMax    []uint8  // max impact in each block
	blkOff    []uint32 // block start, relative to termPost
	blkPosOff []uint32 // block positions start, relative to termPos
	postBlob  []byte
	posBlob   []byte

	// Per-doc values.
	nDocs    int
	idBlob   []byte
	idOff    []uint32 // len nDocs+1
	idSorted []uint32 // local docs in ID order, for lookups
	days     []int32  // listed date, days since 1970-01-01
	upvotes  []int32
	catNames []string
	catOff   []uint32 // len nDocs+1
	catIDs   []uint16

	// Field length totals, for BM25F averages of later segments.
	sumLen [3]uint64
}

func (s *segment) numTerms() int { return len(s.termDF) }

func (s *segment) term(i int) []byte { return s.termBlob[s.termOff[i]:s.termOff[i+1]] }

// lookup returns the term's index or -1.
func (s *segment) lookup(t string) int {
	n := s.numTerms()
	i := sort.Search(n, func(i int) bool { return string(s.term(i)) >= t })
	if i < n && string(s.term(i)) == t {
		return i
	}
	return -1
}

func (s *segment) docID(d uint32) string { return string(s.idBlob[s.idOff[d]:s.idOff[d+1]]) }

// findID returns the local doc with the given (normalised) ID, or -1.
func (s *segment) findID(id string) int {
	i := sort.Search(len(s.idSorted), func(i int) bool { return s.docID(s.idSorted[i]) >= id })
	if i < len(s.idSorted) && s.docID(s.idSorted[i]) == id {
		return int(s.idSorted[i])
	}
	return -1
}

func (s *segment) docCats(d uint32) []uint16 { return s.catIDs[s.catOff[d]:s.catOff[d+1]] }

// bitset marks deleted docs. It is copied on write so snapshots stay immutable.
type bitset []uint64

func (b bitset) has(i uint32) bool {
	w := int(i >> 6)
	return w < len(b) && b[w]&(1<<(i&63)) != 0
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		for ; w != 0; w &= w - 1 {
			n++
		}
	}
	return n
}

const noDoc = ^uint32(0)

// cursor iterates one term's postings in one segment.
type cursor struct {
	s      *segment
	t      int
	blk    int // current block (global index)
	blkEnd int
	loaded int // block decoded into docs/imps, or -1
	docs   [blockSize]uint32
	imps   []byte
	masks  []byte
	n, i   int
	doc    uint32
	want   uint8 // required field mask, 0 for any
	maxImp uint8
	bonus  uint32 // added to every matching posting's score
	w      uint32 // the query's weight of the term (how often it says it)
	ub     uint32 // upper bound: maxImp*w+bonus
	df     int
}

func newCursor(s *segment, t int, want uint8) *cursor {
	c := &cursor{s: s, t: t, blk: int(s.termBlk[t]), blkEnd: int(s.termBlk[t+1]), loaded: -1, want: want}
	c.maxImp = s.termMax[t]
	c.w = 1
	c.df = int(s.termDF[t])
	c.doc = 0
	c.i = -1
	c.next()
	return c
}

// blockLen is the number of postings in block b of this term.
func (c *cursor) blockLen(b int) int {
	if b == c.blkEnd-1 {
		return c.df - (c.blkEnd-1-int(c.s.termBlk[c.t]))*blockSize
	}
	return blockSize
}

func (c *cursor) load(b int) {
	s := c.s
	n := c.blockLen(b)
	p := s.postBlob[s.termPost[c.t]+uint64(s.blkOff[b]):]
	var prev uint32
	k := 0
	docs := c.docs[:n]
	for j := range docs {
		// Most deltas fit one byte; skip the general decoder for them.
		var v uint32
		if b := p[k]; b < 0x80 {
			v = uint32(b)
			k++
		} else {
			x, w := binary.Uvarint(p[k:])
			v = uint32(x)
			k += w
		}
		prev += v
		docs[j] = prev
	}
	c.imps = p[k : k+n]
	c.masks = p[k+n : k+2*n]
	c.n = n
	c.loaded = b
}

// next moves to the next posting that satisfies the field mask.
func (c *cursor) next() {
	for {
		c.i++
		if c.loaded != c.blk {
			if c.blk >= c.blkEnd {
				c.doc = noDoc
				return
			}
			c.load(c.blk)
			c.i = 0
		}
		if c.i >= c.n {
			c.blk++
			c.i = -1
			continue
		}
		if c.want == 0 || c.masks[c.i]&c.want != 0 {
			c.doc = c.docs[c.i]
			return
		}
	}
}

// shallow moves to the block that may hold d without decoding it and
// returns that block's max impact (0 if the term is exhausted before d).
func (c *cursor) shallow(d uint32) uint8 {
	for c.blk < c.blkEnd && c.s.blkLast[c.blk] < d {
		c.blk++
	}
	if c.blk >= c.blkEnd {
		return 0
	}
	return c.s.blkMax[c.blk]
}

// advance moves to the first posting >= d.
func (c *cursor) advance(d uint32) {
	if c.doc != noDoc && c.doc >= d {
		return
	}
	for c.blk < c.blkEnd && c.s.blkLast[c.blk] < d {
		c.blk++
	}
	if c.blk >= c.blkEnd {
		c.doc = noDoc
		return
	}
	if c.loaded != c.blk {
		c.load(c.blk)
		c.i = 0
	}
	for c.i < c.n && (c.docs[c.i] < d || (c.want != 0 && c.masks[c.i]&c.want == 0)) {
		c.i++
	}
	if c.i < c.n {
		c.doc = c.docs[c.i]
		return
	}
	c.blk++
	c.i = -1
	c.next()
}

// skipBlock jumps to the start of the next block.
func (c *cursor) skipBlock() {
	c.blk++
	c.i = -1
	c.next()
}

func (c *cursor) impact() uint32 { return uint32(c.imps[c.i])*c.w + c.bonus }

// positions returns the positions of the current posting.
func (c *cursor) positions(buf []uint32) []uint32 {
	s := c.s
	p := s.posBlob[s.termPos[c.t]+uint64(s.blkPosOff[c.blk]):]
	k := 0
	for j := 0; j < c.i; j++ {
		cnt, w := binary.Uvarint(p[k:])
		k += w
		for ; cnt > 0; cnt-- {
			_, w = binary.Uvarint(p[k:])
			k += w
		}
	}
	cnt, w := binary.Uvarint(p[k:])
	k += w
	buf = buf[:0]
	var prev uint32
	for ; cnt > 0; cnt-- {
		v, w := binary.Uvarint(p[k:])
		k += w
		prev += uint32(v)
		buf = append(buf, prev)
	}
	return buf
}
