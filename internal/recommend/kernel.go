package recommend

import (
	"math"
	"slices"
	"sync"

	"github.com/viterin/vek"
)

// Kernel keeps, for the candidates of one span of a Window, each library
// paper's kernel terms of its tf-idf cosines to them, computed once
// for every reader whose library holds the paper: a day's digests rank
// the same candidates for readers who share many library papers. A
// model's scores are then sums of rows (Model.KernelRows), the same to
// the bit as ScoreWindow's. Safe for concurrent use.
type Kernel struct {
	w      *Window
	lo, hi int
	max    int // rows kept; more are computed for each use

	mu   sync.RWMutex
	rows map[int]*kernelRow // by feature row
	sims sync.Pool          // *[]float32 of Len, compute's scratch
}

// kernelRow is a profile paper's kernel term for each candidate of the
// span, exp((cos-1)/Kernel), 24 bytes a candidate less than keeping the
// float32 cosines beside them. The reasons compare the terms instead of
// the cosines: exp is increasing, and two float32 cosines that differ
// differ by 2^-24 of themselves or more, so do their float64 terms by
// far more than float64's precision (and a cosine of 0 gives the same
// term through either path): the terms order and tie as the cosines do.
type kernelRow struct {
	e []float64
}

// NewKernel is a Kernel over the window's candidates at positions [lo,
// hi), keeping rows up to about maxBytes.
func (w *Window) NewKernel(lo, hi int, maxBytes int64) *Kernel {
	lo, hi = max(lo, 0), min(hi, w.Len())
	hi = max(hi, lo)
	k := &Kernel{w: w, lo: lo, hi: hi, rows: map[int]*kernelRow{}}
	if n := int64(hi-lo) * 8; n > 0 {
		k.max = int(maxBytes / n)
	}
	return k
}

// Len is the number of candidates in the kernel's span.
func (kn *Kernel) Len() int { return kn.hi - kn.lo }

// row is profile paper p's row, computed if it is not kept.
func (kn *Kernel) row(p int) *kernelRow {
	kn.mu.RLock()
	r := kn.rows[p]
	kn.mu.RUnlock()
	if r != nil {
		return r
	}
	r = kn.compute(p)
	kn.mu.Lock()
	if old := kn.rows[p]; old != nil {
		r = old
	} else if len(kn.rows) < kn.max {
		kn.rows[p] = r
	}
	kn.mu.Unlock()
	return r
}

// compute accumulates p's products with the span's candidates in p's
// ascending columns, as ScoreWindow does for each (candidate, profile
// paper) pair, so the float32 sums are the same.
func (kn *Kernel) compute(p int) *kernelRow {
	w, lo, hi := kn.w, kn.lo, kn.hi
	f := w.f
	sp, _ := kn.sims.Get().(*[]float32)
	if sp == nil {
		s := make([]float32, hi-lo)
		sp = &s
	}
	defer kn.sims.Put(sp)
	sim := *sp
	clear(sim)
	r := &kernelRow{e: make([]float64, hi-lo)}
	x := f.x.Row(p)
	for q, c := range x.Idx {
		cand, val := w.column(c, lo, hi)
		if len(cand) == 0 {
			continue
		}
		pw := x.Val[q]
		acc := sim
		for i, k := range cand {
			acc[int(k)-lo] += pw * val[i]
		}
	}
	kernel := f.opts.Kernel
	zero := math.Exp(-1 / kernel)
	for k, s := range sim {
		r.e[k] = zero
		if s != 0 {
			r.e[k] = math.Exp((float64(s) - 1) / kernel)
		}
	}
	return r
}

// KernelOnly reports whether the model scores a candidate by its tf-idf
// kernel alone (DefaultOptions), a score of its own that does not depend
// on the other candidates: then its KernelRows give
// Score's scores and reasons. Options it does not know of (set to other
// than their zero) make it false.
func (m *Model) KernelOnly() bool {
	o := m.f.opts
	if m.svm != nil || o.Fusion < 1 || o.TermSimilarity != 1 || o.Kernel <= 0 || (o.EmbedFusion > 0 && m.f.dim > 0) {
		return false
	}
	// What does not change the kernel's scores: the vocabulary (in the
	// features), the classifier's settings (no classifier at Fusion 1),
	// the profile's weights (used as they are), the embedding fusion
	// without embeddings.
	o.EmbedWeight, o.Negatives, o.C, o.Tol, o.Seed = 0, 0, 0, 0, 0
	o.MinDF, o.MaxTerms, o.NGrams, o.MaxDF, o.Metadata, o.HalfLife, o.EmbedFusion = 0, 0, 0, 0, false, 0, 0
	return o == Options{Fusion: o.Fusion, TermSimilarity: 1, Kernel: o.Kernel}
}

// KernelRows are a model's profile papers' rows in a Kernel, fetched
// (or computed, when the kernel does not keep them) once for the
// model's scores and reasons.
type KernelRows struct {
	m *Model
	e [][]float64 // of each profile paper, in the profile's order
}

// KernelRows fetches the model's rows in the kernel; false when the
// model is not KernelOnly or the kernel is of other features.
func (m *Model) KernelRows(kn *Kernel) (KernelRows, bool) {
	if kn.w.f != m.f || !m.KernelOnly() {
		return KernelRows{}, false
	}
	r := KernelRows{m: m, e: make([][]float64, len(m.profile))}
	for j, p := range m.profile {
		r.e[j] = kn.row(p).e
	}
	return r, true
}

// Len is the number of candidates the rows cover.
func (r KernelRows) Len() int { return len(r.e[0]) }

// Scores writes to dst (Len long) the score Score gives each candidate
// of the kernel's span.
func (r KernelRows) Scores(dst []float64) {
	m := r.m
	if len(dst) != r.Len() {
		panic("recommend: KernelRows.Scores: dst of another length")
	}
	if !slices.ContainsFunc(m.weight, func(w float64) bool { return w != 1 }) {
		// Weights of 1 (no HalfLife): w × e is e, and 0 + e is e, so the
		// sums are the rows added in the profile's order, which SIMD
		// adds do element by element, rounding as the loop below does.
		copy(dst, r.e[0])
		for _, e := range r.e[1:] {
			vek.Add_Inplace(dst, e)
		}
		return
	}
	clear(dst)
	// Summed over the profile in its order, as rank sums them; four rows
	// a pass over dst, each sum still added to in the profile's order.
	j := 0
	for ; j+4 <= len(r.e); j += 4 {
		w0, w1, w2, w3 := m.weight[j], m.weight[j+1], m.weight[j+2], m.weight[j+3]
		e0, e1, e2, e3 := r.e[j][:len(dst)], r.e[j+1][:len(dst)], r.e[j+2][:len(dst)], r.e[j+3][:len(dst)]
		for k := range dst {
			s := dst[k]
			s += w0 * e0[k]
			s += w1 * e1[k]
			s += w2 * e2[k]
			s += w3 * e3[k]
			dst[k] = s
		}
	}
	for ; j < len(r.e); j++ {
		wj := m.weight[j]
		e := r.e[j][:len(dst)]
		for k := range dst {
			dst[k] += wj * e[k]
		}
	}
}

// Reason is the Reason Score gives the candidate at position k of the
// kernel's span: the two profile papers nearest by cosine, the earlier
// in the profile first among equals (compared by their kernel terms,
// which order as the cosines do).
func (r KernelRows) Reason(k int) Reason {
	m := r.m
	best, second := math.Inf(-1), math.Inf(-1)
	near := [2]int{-1, -1}
	for j, p := range m.profile {
		sim := r.e[j][k]
		switch {
		case sim > best:
			second, best = best, sim
			near = [2]int{p, near[0]}
		case sim > second:
			second = sim
			near[1] = p
		}
	}
	var reason Reason
	for _, p := range near {
		if p >= 0 {
			reason.Like = append(reason.Like, m.f.ids[p])
		}
	}
	return reason
}
