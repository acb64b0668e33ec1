package recommend

import (
	"math"
	"math/rand/v2"
)

// Matrix holds one feature row per paper: a sparse part (tf-idf) in
// compressed rows, then optionally a dense part (an embedding) of Dim
// columns.
type Matrix struct {
	Cols int // sparse columns
	Ptr  []int64
	Idx  []int32
	Val  []float32

	Dim   int
	Dense []float32 // rows × Dim, or nil
}

// Rows is the number of rows.
func (m *Matrix) Rows() int { return len(m.Ptr) - 1 }

func (m *Matrix) appendSparse(v Sparse) {
	m.Idx = append(m.Idx, v.Idx...)
	m.Val = append(m.Val, v.Val...)
	m.Ptr = append(m.Ptr, int64(len(m.Idx)))
}

// Row is row i's sparse part.
func (m *Matrix) Row(i int) Sparse {
	a, b := m.Ptr[i], m.Ptr[i+1]
	return Sparse{Idx: m.Idx[a:b], Val: m.Val[a:b]}
}

// dense is row i's dense part, or nil.
func (m *Matrix) dense(i int) []float32 {
	if m.Dim == 0 {
		return nil
	}
	return m.Dense[i*m.Dim : (i+1)*m.Dim]
}

// Linear is a linear scoring function w·x + b over a Matrix's rows.
type Linear struct {
	W []float64 // Cols sparse weights, then Dim dense ones
	B float64
}

// Score is w·x_i + b.
func (l *Linear) Score(m *Matrix, i int) float64 {
	s := l.B
	for k := m.Ptr[i]; k < m.Ptr[i+1]; k++ {
		s += l.W[m.Idx[k]] * float64(m.Val[k])
	}
	if d := m.dense(i); d != nil {
		w := l.W[m.Cols:]
		for k, x := range d {
			s += w[k] * float64(x)
		}
	}
	return s
}

// SVCOptions configure TrainSVC, named after scikit-learn's LinearSVC.
type SVCOptions struct {
	C        float64 // 0.01 when zero
	Tol      float64 // 1e-6 when zero
	MaxIter  int     // 10000 when zero
	Balanced bool    // class_weight='balanced'
	Seed     uint64
	// Weight, when not nil, scales row i's C (scikit-learn's sample_weight).
	Weight func(i int) float64
}

// TrainSVC trains a linear support vector classifier with the squared
// hinge loss and an L2 penalty, rows where pos is true against the rest,
// by liblinear's dual coordinate descent with shrinking (Hsieh et al.
// 2008), as scikit-learn's LinearSVC does: the intercept is a
// regularised constant feature of 1, and with Balanced each class's C is
// scaled by n / (2 × its size). rows, when not nil, restricts training to
// those rows. The primal problem is strictly convex, so the solution does
// not depend on the order of the coordinates, only how close it gets.
func TrainSVC(m *Matrix, rows []int, pos func(i int) bool, opts SVCOptions) *Linear {
	if opts.C == 0 {
		opts.C = 0.01
	}
	if opts.Tol == 0 {
		opts.Tol = 1e-6
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 10000
	}
	if rows == nil {
		rows = make([]int, m.Rows())
		for i := range rows {
			rows[i] = i
		}
	}
	l := len(rows)
	y := make([]float64, l)
	npos := 0
	for k, i := range rows {
		y[k] = -1
		if pos(i) {
			y[k] = 1
			npos++
		}
	}
	cp, cn := opts.C, opts.C
	if opts.Balanced && npos > 0 && npos < l {
		cp = opts.C * float64(l) / (2 * float64(npos))
		cn = opts.C * float64(l) / (2 * float64(l-npos))
	}
	// The squared hinge's dual adds 1/(2 C_i) to each diagonal.
	d := make([]float64, l)
	for k, i := range rows {
		c := cn
		if y[k] > 0 {
			c = cp
		}
		if opts.Weight != nil {
			c *= opts.Weight(i)
		}
		d[k] = 0.5 / c
	}
	diag := func(k int) float64 { return d[k] }
	lin := &Linear{W: make([]float64, m.Cols+m.Dim)}
	alpha := make([]float64, l)
	qd := make([]float64, l)
	for k, i := range rows {
		q := 1.0 + diag(k) // the intercept's feature
		for j := m.Ptr[i]; j < m.Ptr[i+1]; j++ {
			q += float64(m.Val[j]) * float64(m.Val[j])
		}
		for _, x := range m.dense(i) {
			q += float64(x) * float64(x)
		}
		qd[k] = q
	}
	index := make([]int, l)
	for k := range index {
		index[k] = k
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	active := l
	pgMaxOld := math.Inf(1)
	wd := lin.W[m.Cols:]
	for iter := 0; iter < opts.MaxIter; iter++ {
		pgMaxNew, pgMinNew := math.Inf(-1), math.Inf(1)
		for s := 0; s < active; s++ {
			j := s + rng.IntN(active-s)
			index[s], index[j] = index[j], index[s]
		}
		for s := 0; s < active; s++ {
			k := index[s]
			i := rows[k]
			g := y[k]*lin.Score(m, i) - 1 + alpha[k]*diag(k)
			pg := 0.0
			if alpha[k] == 0 {
				if g > pgMaxOld {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
				if g < 0 {
					pg = g
				}
			} else {
				pg = g
			}
			pgMaxNew = max(pgMaxNew, pg)
			pgMinNew = min(pgMinNew, pg)
			if math.Abs(pg) > 1e-12 {
				old := alpha[k]
				alpha[k] = max(alpha[k]-g/qd[k], 0)
				d := (alpha[k] - old) * y[k]
				for j := m.Ptr[i]; j < m.Ptr[i+1]; j++ {
					lin.W[m.Idx[j]] += d * float64(m.Val[j])
				}
				for c, x := range m.dense(i) {
					wd[c] += d * float64(x)
				}
				lin.B += d
			}
		}
		if pgMaxNew-pgMinNew <= opts.Tol {
			if active == l {
				break
			}
			active = l
			pgMaxOld = math.Inf(1)
			continue
		}
		// (pgMinNew would bound shrinking at the upper bound, which the
		// squared hinge does not have.)
		pgMaxOld = pgMaxNew
		if pgMaxOld <= 0 {
			pgMaxOld = math.Inf(1)
		}
	}
	return lin
}
