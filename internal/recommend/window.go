package recommend

import (
	"slices"
)

// Window is a set of candidates indexed by term (column -> candidate,
// weight, in compressed columns), built once for the candidates every
// reader's request and every digest of a day rank. With it a model's
// scoring walks the library's terms, a few thousand, instead of every
// candidate's, and finds in one list each all the candidates sharing a
// term. Build it when the features are built; it is read-only after.
type Window struct {
	f    *Features
	ids  []string
	rows []int   // each candidate's feature row
	ptr  []int64 // column c's postings are cand[ptr[c]:ptr[c+1]]
	cand []int32 // the candidate's position in the window, ascending per column
	val  []float32
}

// NewWindow indexes the candidates' terms; ids unknown to the features
// are left out. The window keeps the known ids in the given order.
func (f *Features) NewWindow(ids []string) *Window {
	w := &Window{f: f, ptr: make([]int64, f.x.Cols+1)}
	for _, id := range ids {
		if i, ok := f.index[id]; ok {
			w.ids = append(w.ids, id)
			w.rows = append(w.rows, i)
		}
	}
	for _, i := range w.rows {
		for _, c := range f.x.Row(i).Idx {
			w.ptr[c+1]++
		}
	}
	for c := range f.x.Cols {
		w.ptr[c+1] += w.ptr[c]
	}
	w.cand = make([]int32, w.ptr[f.x.Cols])
	w.val = make([]float32, len(w.cand))
	next := slices.Clone(w.ptr[:f.x.Cols])
	for k, i := range w.rows {
		r := f.x.Row(i)
		for q, c := range r.Idx {
			w.cand[next[c]] = int32(k)
			w.val[next[c]] = r.Val[q]
			next[c]++
		}
	}
	return w
}

// Len is the number of candidates in the window.
func (w *Window) Len() int { return len(w.ids) }

// column returns the candidates in positions [lo, hi) that hold term c,
// with their weights.
func (w *Window) column(c int32, lo, hi int) ([]int32, []float32) {
	a, b := w.ptr[c], w.ptr[c+1]
	cand, val := w.cand[a:b], w.val[a:b]
	if a < b && (lo > 0 || hi < w.Len()) {
		s, _ := slices.BinarySearch(cand, int32(lo))
		e, _ := slices.BinarySearch(cand, int32(hi))
		cand, val = cand[s:e], val[s:e]
	}
	return cand, val
}

// ID is the id of the window's k-th candidate.
func (w *Window) ID(k int) string { return w.ids[k] }

// ScoreWindow is Score over the window's candidates at positions [lo,
// hi) for which skip (when not nil) is false: the same scores, order and
// reasons, with the tf-idf cosines accumulated column by column over the
// library's terms. The window must be of the model's features.
func (m *Model) ScoreWindow(w *Window, lo, hi int, skip func(k int) bool, withReasons int) []Scored {
	if w.f != m.f {
		panic("recommend: ScoreWindow: a window of other features")
	}
	lo, hi = max(lo, 0), min(hi, w.Len())
	if hi <= lo {
		return []Scored{}
	}
	// slot is each position's row in the output (-1 when skipped).
	slot := make([]int32, hi-lo)
	rows := make([]int, 0, hi-lo)
	for k := range slot {
		if skip != nil && skip(lo+k) {
			slot[k] = -1
			continue
		}
		slot[k] = int32(len(rows))
		rows = append(rows, w.rows[lo+k])
	}
	if m.f.opts.TermSimilarity <= 0 {
		return m.rank(rows, nil, withReasons)
	}
	m.indexTerms()
	// Each (candidate, profile paper) pair's products are summed in
	// ascending column order, as Score sums them, so the float32 cosines
	// are the same to the bit.
	n := len(m.profile)
	sims := make([]float32, len(rows)*n)
	all := len(rows) == hi-lo // nothing skipped: a position's row is itself
	for k, c := range m.cols {
		cand, val := w.column(c, lo, hi)
		if len(cand) == 0 {
			continue
		}
		for _, ps := range m.colPost[k] {
			if all {
				acc := sims[ps.j:]
				for q, p := range cand {
					acc[(int(p)-lo)*n] += ps.w * val[q]
				}
				continue
			}
			for q, p := range cand {
				if r := slot[int(p)-lo]; r >= 0 {
					sims[int(r)*n+ps.j] += ps.w * val[q]
				}
			}
		}
	}
	return m.rank(rows, sims, withReasons)
}

// indexTerms inverts the profile's tf-idf vectors (column -> profile
// paper, weight) for Score and ScoreWindow, once per model: done at
// Train, it was most of a digest's training, which scores through a
// Kernel without it.
func (m *Model) indexTerms() {
	m.terms.Do(func() {
		f := m.f
		if f.opts.TermSimilarity <= 0 {
			return
		}
		m.inverted = map[int32][]posting{}
		m.inTerms = make([]uint64, (f.x.Cols+63)/64)
		for j, p := range m.profile {
			r := f.x.Row(p)
			for k, c := range r.Idx {
				m.inverted[c] = append(m.inverted[c], posting{j, r.Val[k]})
				m.inTerms[c>>6] |= 1 << (c & 63)
			}
		}
		m.cols = make([]int32, 0, len(m.inverted))
		for c := range m.inverted {
			m.cols = append(m.cols, c)
		}
		slices.Sort(m.cols)
		m.colPost = make([][]posting, len(m.cols))
		for k, c := range m.cols {
			m.colPost[k] = m.inverted[c]
		}
	})
}
