package lexical

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
)

// mergeSegments writes the live documents of parts into one new segment,
// in order. Postings are copied with their impacts; nothing is re-analysed.
func mergeSegments(parts []*segView) *segment {
	remap, n := liveRemap(parts)
	w := newSegWriter()
	mergePostings(w, parts, remap)
	w.finishTerms()
	seg := w.seg
	mergeDocValues(seg, parts, remap, n)
	seg.idSorted = make([]uint32, n)
	for i := range seg.idSorted {
		seg.idSorted[i] = uint32(i)
	}
	slices.SortFunc(seg.idSorted, func(x, y uint32) int { return strings.Compare(seg.docID(x), seg.docID(y)) })
	return seg
}

// liveRemap numbers the live docs of parts in order: remap[i][d] is the new
// number of doc d of parts[i], or noDoc when it was deleted. n counts them.
func liveRemap(parts []*segView) (remap [][]uint32, n int) {
	remap = make([][]uint32, len(parts))
	next := uint32(0)
	for i, v := range parts {
		m := make([]uint32, v.seg.nDocs)
		for d := range m {
			if v.del.has(uint32(d)) {
				m[d] = noDoc
			} else {
				m[d] = next
				next++
			}
		}
		remap[i] = m
	}
	return remap, int(next)
}

// mergePostings writes the postings of parts term by term, a k-way merge of
// their sorted term dictionaries.
func mergePostings(w *segWriter, parts []*segView, remap [][]uint32) {
	pos := make([]int, len(parts))
	for {
		term, ok := nextTerm(parts, pos)
		if !ok {
			return
		}
		for i, v := range parts {
			s := v.seg
			if pos[i] >= s.numTerms() || string(s.term(pos[i])) != term {
				continue
			}
			copyPostings(w, s, pos[i], remap[i])
			pos[i]++
		}
		w.endTerm(term)
	}
}

// nextTerm returns the smallest term at the parts' positions pos; false
// when every dictionary is done.
func nextTerm(parts []*segView, pos []int) (string, bool) {
	var minTerm []byte
	for i, v := range parts {
		if pos[i] < v.seg.numTerms() {
			t := v.seg.term(pos[i])
			if minTerm == nil || bytes.Compare(t, minTerm) < 0 {
				minTerm = t
			}
		}
	}
	return string(minTerm), minTerm != nil
}

// copyPostings writes the postings of term t of s for its live docs,
// renumbered by remap.
func copyPostings(w *segWriter, s *segment, t int, remap []uint32) {
	var tmp [blockSize]uint32
	c := &cursor{s: s, t: t, blkEnd: int(s.termBlk[t+1]), df: int(s.termDF[t])}
	for b := int(s.termBlk[t]); b < c.blkEnd; b++ {
		c.load(b)
		copy(tmp[:], c.docs[:c.n])
		p := s.posBlob[s.termPos[t]+uint64(s.blkPosOff[b]):]
		k := 0
		for j := 0; j < c.n; j++ {
			st := k
			cnt, n := binary.Uvarint(p[k:])
			k += n
			for ; cnt > 0; cnt-- {
				_, n = binary.Uvarint(p[k:])
				k += n
			}
			if nd := remap[tmp[j]]; nd != noDoc {
				w.add(nd, c.imps[j], c.masks[j], p[st:k])
			}
		}
	}
}

// mergeDocValues copies the dates, upvotes, ids and categories of the n
// live docs of parts into seg, and estimates its field lengths.
func mergeDocValues(seg *segment, parts []*segView, remap [][]uint32, n int) {
	seg.nDocs = n
	seg.days = make([]int32, 0, n)
	seg.upvotes = make([]int32, 0, n)
	seg.idOff = append(make([]uint32, 0, n+1), 0)
	seg.catOff = append(make([]uint32, 0, n+1), 0)
	catIdx := map[string]uint16{}
	for i, v := range parts {
		s := v.seg
		for f := range 3 {
			seg.sumLen[f] += uint64(float64(s.sumLen[f]) * float64(v.live) / math.Max(1, float64(s.nDocs)))
		}
		for d := 0; d < s.nDocs; d++ {
			if remap[i][d] == noDoc {
				continue
			}
			seg.days = append(seg.days, s.days[d])
			seg.upvotes = append(seg.upvotes, s.upvotes[d])
			seg.idBlob = append(seg.idBlob, s.idBlob[s.idOff[d]:s.idOff[d+1]]...)
			seg.idOff = append(seg.idOff, uint32(len(seg.idBlob)))
			appendDocCats(seg, s, uint32(d), catIdx)
		}
	}
}

// appendDocCats adds the categories of doc d of s to seg's last doc;
// catIdx maps the category names seg knows to their numbers.
func appendDocCats(seg, s *segment, d uint32, catIdx map[string]uint16) {
	for _, c := range s.docCats(d) {
		name := s.catNames[c]
		id, ok := catIdx[name]
		if !ok {
			if len(seg.catNames) >= math.MaxUint16 {
				continue
			}
			id = uint16(len(seg.catNames))
			catIdx[name] = id
			seg.catNames = append(seg.catNames, name)
		}
		seg.catIDs = append(seg.catIDs, id)
	}
	seg.catOff = append(seg.catOff, uint32(len(seg.catIDs)))
}
