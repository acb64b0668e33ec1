package lexical

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Scoring parameters. BM25F: per-field term frequencies are normalised by
// per-field length, weighted and summed into one pseudo frequency, then
// saturated once with k1 (Robertson & Zaragoza, "The Probabilistic Relevance
// Framework: BM25 and Beyond", 2009, section 3.6).
const (
	k1          = 1.2
	impactScale = 7.0 // quantised impact = round(score * impactScale), in 1..255

	coordWeight = 0.3 // per matched query term bonus, as a fraction of its idf
)

var (
	// Title, abstract, authors. Checked on CSFCube and the known-item set:
	// title 3 / authors 1.5 / title b 0.4 gave masked MRR@10 0.990, these
	// 0.992; CSFCube hardly moves with them (MAP 0.321-0.322).
	fieldWeight = [3]float64{2.0, 1.0, 0.5}
	fieldB      = [3]float64{0.75, 0.75, 0.3} // length normalisation per field
	fieldGap    = 8                           // positions between fields
	fieldMasks  = [3]uint8{maskTitle, maskAbstract, maskAuthors}
)

// Document is one paper as the index sees it.
type Document struct {
	ID         string
	Title      string
	Abstract   string
	Authors    []string
	Categories []string
	Date       time.Time // listed/announced date
	Upvotes    int
}

type docTerm struct {
	term string
	tf   [3]uint16
	mask uint8
	pos  []uint32
}

// analysedDoc is a document reduced to terms; it is what the builder stores.
type analysedDoc struct {
	id    string
	days  int32
	up    int32
	cats  []string
	lens  [3]uint16
	terms []docTerm // text terms with positions
	plain []string  // au:, cat:, id: terms
}

func toDays(t time.Time) int32 {
	if t.IsZero() {
		return 0
	}
	return int32(t.Unix() / 86400)
}

func fromDays(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// analyse reduces d to terms.
func (a *analyzer) analyse(d Document) analysedDoc {
	ad := analysedDoc{
		id:   strings.TrimSpace(d.ID),
		days: toDays(d.Date),
		up:   int32(min(max(d.Upvotes, 0), math.MaxInt32)),
		cats: d.Categories,
	}
	idx := map[string]int{}
	field := 0
	emit := func(term string, pos int, joined bool) {
		i, ok := idx[term]
		if !ok {
			i = len(ad.terms)
			idx[term] = i
			ad.terms = append(ad.terms, docTerm{term: term})
		}
		t := &ad.terms[i]
		if t.tf[field] < math.MaxUint16 {
			t.tf[field]++
		}
		t.mask |= fieldMasks[field]
		if n := len(t.pos); n == 0 || t.pos[n-1] != uint32(pos) {
			t.pos = append(t.pos, uint32(pos))
		}
		if !joined && ad.lens[field] < math.MaxUint16 {
			ad.lens[field]++
		}
	}
	pos := a.text(d.Title, 0, emit)
	field = 1
	pos = a.text(d.Abstract, pos+fieldGap, emit)
	// The arXiv id is searchable as a plain word too.
	norm := normalizeID(ad.id)
	if id, ok := isArxivID(norm); ok {
		emit(id, pos, false)
		pos++
	}
	field = 2
	pos += fieldGap
	seen := map[string]bool{}
	for _, au := range d.Authors {
		pos = a.text(au, pos, emit) + 2
		for _, t := range authorTokens(au) {
			if !seen[t] {
				seen[t] = true
				ad.plain = append(ad.plain, authorPrefix+t)
			}
		}
	}
	for _, c := range d.Categories {
		for _, t := range categoryTerms(c) {
			if !seen[t] {
				seen[t] = true
				ad.plain = append(ad.plain, t)
			}
		}
	}
	if norm != "" {
		ad.plain = append(ad.plain, idPrefix+norm)
	}
	return ad
}

// termBuf accumulates one term's postings while building.
type termBuf struct {
	buf  []byte
	last uint32
	df   uint32
}

// builder turns analysed documents into a segment. Its postings (dict
// and terms) may be written out as runs and reset (spill.go); the per-doc
// values are kept for the whole build, and document numbers count from the
// build's first document, so a run's postings follow the previous run's.
type builder struct {
	dict  map[string]uint32
	terms []termBuf
	ids   []string
	days  []int32
	ups   []int32
	cats  [][]string
	lens  [][3]uint16
	sum   [3]uint64
	// mem estimates the bytes the postings of dict and terms hold.
	mem int
}

// termOverhead is a term's cost beyond its postings: its dict entry and
// its termBuf, roughly.
const termOverhead = 96

func newBuilder() *builder { return &builder{dict: map[string]uint32{}} }

func (b *builder) termBuf(t string) *termBuf {
	i, ok := b.dict[t]
	if !ok {
		i = uint32(len(b.terms))
		b.dict[strings.Clone(t)] = i
		b.terms = append(b.terms, termBuf{})
		b.mem += len(t) + termOverhead
	}
	return &b.terms[i]
}

func (tb *termBuf) addDoc(d uint32) {
	if tb.df == 0 {
		tb.buf = binary.AppendUvarint(tb.buf, uint64(d))
	} else {
		tb.buf = binary.AppendUvarint(tb.buf, uint64(d-tb.last))
	}
	tb.last = d
	tb.df++
}

func (b *builder) add(ad *analysedDoc) {
	d := uint32(len(b.ids))
	b.ids = append(b.ids, ad.id)
	b.days = append(b.days, ad.days)
	b.ups = append(b.ups, ad.up)
	b.cats = append(b.cats, ad.cats)
	b.lens = append(b.lens, ad.lens)
	for f := range 3 {
		b.sum[f] += uint64(ad.lens[f])
	}
	for i := range ad.terms {
		t := &ad.terms[i]
		tb := b.termBuf(t.term)
		before := cap(tb.buf)
		tb.addDoc(d)
		// Field frequencies in one byte when small (almost always): title
		// 2 bits, abstract 4 bits, authors 2 bits; 0xFF escapes to varints.
		// The field mask follows from them.
		tf := t.tf
		if tf[0] <= 3 && tf[1] <= 15 && tf[2] <= 3 && !(tf[0] == 3 && tf[1] == 15 && tf[2] == 3) {
			tb.buf = append(tb.buf, byte(tf[0])|byte(tf[1])<<2|byte(tf[2])<<6)
		} else {
			tb.buf = append(tb.buf, 0xFF)
			for f := range 3 {
				tb.buf = binary.AppendUvarint(tb.buf, uint64(tf[f]))
			}
		}
		tb.buf = binary.AppendUvarint(tb.buf, uint64(len(t.pos)))
		var prev uint32
		for _, p := range t.pos {
			tb.buf = binary.AppendUvarint(tb.buf, uint64(p-prev))
			prev = p
		}
		b.mem += cap(tb.buf) - before
	}
	for _, t := range ad.plain {
		tb := b.termBuf(t)
		before := cap(tb.buf)
		tb.addDoc(d)
		b.mem += cap(tb.buf) - before
	}
}

// corpusStats are the collection statistics impacts are computed with.
type corpusStats struct {
	n      float64
	avgLen [3]float64
	df     func(term string, local uint32) float64
}

func idf(n, df float64) float64 {
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

func quantise(score float64) uint8 {
	q := math.Round(score * impactScale)
	if q < 1 {
		return 1
	}
	if q > 255 {
		return 255
	}
	return uint8(q)
}

// bm25f is the impact of a text term with per-field frequencies tf in a
// document with per-field lengths ln.
func bm25f(st *corpusStats, w float64, tf [3]uint16, ln [3]uint16) float64 {
	ptf := 0.0
	for f := range 3 {
		if tf[f] == 0 {
			continue
		}
		avg := st.avgLen[f]
		if avg <= 0 {
			avg = 1
		}
		norm := 1 - fieldB[f] + fieldB[f]*float64(ln[f])/avg
		ptf += fieldWeight[f] * float64(tf[f]) / norm
	}
	return w * ptf * (k1 + 1) / (k1 + ptf)
}

// finish builds the segment. st may be nil, in which case the builder's own
// statistics are used.
func (b *builder) finish(st *corpusStats) *segment {
	n := len(b.ids)
	if st == nil {
		st = &corpusStats{n: float64(n), df: func(_ string, local uint32) float64 { return float64(local) }}
		for f := range 3 {
			st.avgLen[f] = float64(b.sum[f]) / math.Max(1, float64(n))
		}
	}
	names := make([]string, 0, len(b.dict))
	for t := range b.dict {
		names = append(names, t)
	}
	sort.Strings(names)
	w := newSegWriter()
	// Reserve the blobs up front: the estimate is generous, but capacity
	// that is never written costs address space, not memory, and it saves
	// the copies of append's doubling on multi-gigabyte slices.
	var postings, bufBytes int
	for i := range b.terms {
		postings += int(b.terms[i].df)
		bufBytes += len(b.terms[i].buf)
	}
	w.seg.postBlob = make([]byte, 0, postings*4+1024)
	w.seg.posBlob = make([]byte, 0, bufBytes+postings+1024)
	for _, t := range names {
		tb := &b.terms[b.dict[t]]
		w.addPostings(st, idf(st.n, st.df(t, tb.df)), !strings.Contains(t, ":"), tb.buf, tb.df, b.lens)
		w.endTerm(t)
		tb.buf = nil // release as we go
	}
	w.finishTerms()
	seg := w.seg
	b.fillDocs(seg)
	return seg
}

// addPostings adds one term's postings as the builder encoded them in buf
// (df of them, the first doc number absolute), with their impacts: weight
// is the term's idf, text whether it is a word of the text (with field
// frequencies and positions) rather than an au:, cat: or id: term.
func (w *segWriter) addPostings(st *corpusStats, weight float64, text bool, buf []byte, df uint32, lens [][3]uint16) {
	p := buf
	var doc uint32
	for j := uint32(0); j < df; j++ {
		v, k := binary.Uvarint(p)
		p = p[k:]
		if j == 0 {
			doc = uint32(v)
		} else {
			doc += uint32(v)
		}
		if !text {
			w.add(doc, quantise(weight), 0, zeroPositions)
			continue
		}
		var tf [3]uint16
		if packed := p[0]; packed != 0xFF {
			tf = [3]uint16{uint16(packed & 3), uint16(packed >> 2 & 15), uint16(packed >> 6)}
			p = p[1:]
		} else {
			p = p[1:]
			for f := range 3 {
				v, k = binary.Uvarint(p)
				p = p[k:]
				tf[f] = uint16(v)
			}
		}
		var mask uint8
		for f := range 3 {
			if tf[f] > 0 {
				mask |= fieldMasks[f]
			}
		}
		st0 := p
		cnt, k := binary.Uvarint(p)
		p = p[k:]
		for ; cnt > 0; cnt-- {
			_, k = binary.Uvarint(p)
			p = p[k:]
		}
		raw := st0[:len(st0)-len(p)]
		w.add(doc, quantise(bm25f(st, weight, tf, lens[doc])), mask, raw)
	}
}

var zeroPositions = []byte{0}

func (b *builder) fillDocs(seg *segment) {
	n := len(b.ids)
	seg.nDocs = n
	seg.sumLen = b.sum
	seg.days = b.days
	seg.upvotes = b.ups
	seg.idOff = make([]uint32, 0, n+1)
	seg.idOff = append(seg.idOff, 0)
	for _, id := range b.ids {
		seg.idBlob = append(seg.idBlob, id...)
		seg.idOff = append(seg.idOff, uint32(len(seg.idBlob)))
	}
	seg.idSorted = make([]uint32, n)
	for i := range seg.idSorted {
		seg.idSorted[i] = uint32(i)
	}
	slices.SortStableFunc(seg.idSorted, func(x, y uint32) int { return strings.Compare(b.ids[x], b.ids[y]) })
	catIdx := map[string]uint16{}
	seg.catOff = make([]uint32, 0, n+1)
	seg.catOff = append(seg.catOff, 0)
	for _, cs := range b.cats {
		for _, c := range cs {
			c = strings.ToLower(strings.TrimSpace(c))
			if c == "" {
				continue
			}
			id, ok := catIdx[c]
			if !ok {
				if len(seg.catNames) >= math.MaxUint16 {
					continue
				}
				id = uint16(len(seg.catNames))
				catIdx[c] = id
				seg.catNames = append(seg.catNames, c)
			}
			seg.catIDs = append(seg.catIDs, id)
		}
		seg.catOff = append(seg.catOff, uint32(len(seg.catIDs)))
	}
}

// segWriter encodes postings term by term, in term order. With out set,
// the postings and positions blobs go to out as each term ends instead of
// staying in seg (whose blobs then hold only what is not yet written).
type segWriter struct {
	seg   *segment
	docs  []uint32
	imps  []uint8
	masks []uint8
	pos   []byte
	posAt []int

	out               *blobFiles
	postDone, posDone uint64 // bytes of each blob already written to out
}

func newSegWriter() *segWriter {
	s := &segment{}
	s.termOff = []uint32{0}
	return &segWriter{seg: s}
}

func (w *segWriter) add(doc uint32, imp, mask uint8, pos []byte) {
	w.docs = append(w.docs, doc)
	w.imps = append(w.imps, imp)
	w.masks = append(w.masks, mask)
	w.posAt = append(w.posAt, len(w.pos))
	w.pos = append(w.pos, pos...)
}

func (w *segWriter) endTerm(t string) {
	s := w.seg
	n := len(w.docs)
	if n == 0 {
		return
	}
	s.termBlob = append(s.termBlob, t...)
	s.termOff = append(s.termOff, uint32(len(s.termBlob)))
	s.termDF = append(s.termDF, uint32(n))
	s.termBlk = append(s.termBlk, uint32(len(s.blkLast)))
	postStart := w.postDone + uint64(len(s.postBlob))
	posStart := w.posDone + uint64(len(s.posBlob))
	s.termPost = append(s.termPost, postStart)
	s.termPos = append(s.termPos, posStart)
	var tmax uint8
	w.posAt = append(w.posAt, len(w.pos))
	for b := 0; b < n; b += blockSize {
		e := min(b+blockSize, n)
		s.blkLast = append(s.blkLast, w.docs[e-1])
		s.blkOff = append(s.blkOff, uint32(w.postDone+uint64(len(s.postBlob))-postStart))
		s.blkPosOff = append(s.blkPosOff, uint32(w.posDone+uint64(len(s.posBlob))-posStart))
		var bmax uint8
		for j := b; j < e; j++ {
			if j == b {
				s.postBlob = binary.AppendUvarint(s.postBlob, uint64(w.docs[j]))
			} else {
				s.postBlob = binary.AppendUvarint(s.postBlob, uint64(w.docs[j]-w.docs[j-1]))
			}
			bmax = max(bmax, w.imps[j])
		}
		s.postBlob = append(s.postBlob, w.imps[b:e]...)
		s.postBlob = append(s.postBlob, w.masks[b:e]...)
		s.posBlob = append(s.posBlob, w.pos[w.posAt[b]:w.posAt[e]]...)
		s.blkMax = append(s.blkMax, bmax)
		tmax = max(tmax, bmax)
	}
	s.termMax = append(s.termMax, tmax)
	w.docs, w.imps, w.masks, w.pos, w.posAt = w.docs[:0], w.imps[:0], w.masks[:0], w.pos[:0], w.posAt[:0]
	if w.out != nil {
		w.drain()
	}
}

// drain writes the blobs' pending bytes to w.out.
func (w *segWriter) drain() {
	s := w.seg
	w.out.post.write(s.postBlob)
	w.out.pos.write(s.posBlob)
	w.postDone += uint64(len(s.postBlob))
	w.posDone += uint64(len(s.posBlob))
	s.postBlob, s.posBlob = s.postBlob[:0], s.posBlob[:0]
}

// finishTerms closes the term arrays with their sentinels.
func (w *segWriter) finishTerms() {
	w.seg.termBlk = append(w.seg.termBlk, uint32(len(w.seg.blkLast)))
}
