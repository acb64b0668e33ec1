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
	// Doc remapping: live docs of each part, in order.
	remap := make([][]uint32, len(parts))
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
	w := newSegWriter()
	// k-way merge of the sorted term dictionaries.
	pos := make([]int, len(parts))
	var tmp [blockSize]uint32
	for {
		var minTerm []byte
		for i, v := range parts {
			if pos[i] < v.seg.numTerms() {
				t := v.seg.term(pos[i])
				if minTerm == nil || bytes.Compare(t, minTerm) < 0 {
					minTerm = t
				}
			}
		}
		if minTerm == nil {
			break
		}
		term := string(minTerm)
		for i, v := range parts {
			s := v.seg
			if pos[i] >= s.numTerms() || string(s.term(pos[i])) != term {
				continue
			}
			t := pos[i]
			pos[i]++
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
					if nd := remap[i][tmp[j]]; nd != noDoc {
						w.add(nd, c.imps[j], c.masks[j], p[st:k])
					}
				}
			}
		}
		w.endTerm(term)
	}
	w.finishTerms()
	seg := w.seg
	// Doc values.
	n := int(next)
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
			for _, c := range s.docCats(uint32(d)) {
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
	}
	seg.idSorted = make([]uint32, n)
	for i := range seg.idSorted {
		seg.idSorted[i] = uint32(i)
	}
	slices.SortFunc(seg.idSorted, func(x, y uint32) int { return strings.Compare(seg.docID(x), seg.docID(y)) })
	return seg
}
