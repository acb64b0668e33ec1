package embed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/viterin/vek"

	"github.com/paperboy-dev/paperboy/internal/parallel"
)

// csr is a sparse matrix in compressed-row form.
type csr struct {
	rows, cols int
	ptr        []int
	idx        []int32
	val        []float32
}

// transpose returns the matrix's transpose, rows in column order.
func (a *csr) transpose() *csr {
	t := &csr{rows: a.cols, cols: a.rows, ptr: make([]int, a.cols+1), idx: make([]int32, len(a.idx)), val: make([]float32, len(a.val))}
	for _, c := range a.idx {
		t.ptr[c+1]++
	}
	for i := 0; i < a.cols; i++ {
		t.ptr[i+1] += t.ptr[i]
	}
	next := slices.Clone(t.ptr[:a.cols])
	for r := 0; r < a.rows; r++ {
		for p := a.ptr[r]; p < a.ptr[r+1]; p++ {
			c := a.idx[p]
			q := next[c]
			next[c]++
			t.idx[q] = int32(r)
			t.val[q] = a.val[p]
		}
	}
	return t
}

// mul returns A·X for X of a.cols rows and l columns, both row-major.
// Rows are independent, so the result does not depend on workers.
func (a *csr) mul(x []float64, l, workers int) []float64 {
	return a.mulInto(nil, x, l, workers)
}

// mulInto is mul writing into y when it has the capacity (not x): the
// SVD's power iterations reuse two matrices instead of allocating one a
// step, each of them 900 MB at 400k papers.
func (a *csr) mulInto(y, x []float64, l, workers int) []float64 {
	if cap(y) < a.rows*l {
		y = make([]float64, a.rows*l)
	}
	y = y[:a.rows*l]
	parallel.Chunks(a.rows, workers, func(lo, hi int) {
		tmp := make([]float64, l)
		for r := lo; r < hi; r++ {
			out := y[r*l : (r+1)*l]
			clear(out)
			for p := a.ptr[r]; p < a.ptr[r+1]; p++ {
				xr := x[int(a.idx[p])*l : (int(a.idx[p])+1)*l]
				vek.MulNumber_Into(tmp, xr, float64(a.val[p]))
				vek.Add_Inplace(out, tmp)
			}
		}
	})
	return y
}

// orthonormalize replaces the row-major rows×l matrix y by an orthonormal
// basis of its column space, by Cholesky QR applied twice (CholeskyQR2,
// Fukaya et al. 2014): G = YᵀY, G = RᵀR, Y ← Y·R⁻¹. Unlike Gram-Schmidt
// over columns it streams the rows once per step, so it is bound by
// arithmetic rather than memory. Columns that vanish are regularised
// rather than failing.
func orthonormalize(y []float64, rows, l, workers int) {
	for pass := 0; pass < 2; pass++ {
		g := gram(y, rows, l, workers)
		rinv := invCholesky(g, l)
		parallel.Chunks(rows, workers, func(lo, hi int) {
			out := make([]float64, l)
			tmp := make([]float64, l)
			for r := lo; r < hi; r++ {
				row := y[r*l : (r+1)*l]
				clear(out)
				for i, v := range row {
					if v == 0 {
						continue
					}
					// out[i:] += v · R⁻¹[i, i:]
					vek.MulNumber_Into(tmp[i:], rinv[i*l+i:(i+1)*l], v)
					vek.Add_Inplace(out[i:], tmp[i:])
				}
				copy(row, out)
			}
		})
	}
}

// gram returns YᵀY (l×l, row-major) of the row-major rows×l matrix y,
// summed over fixed blocks of rows in a fixed order, so it does not depend
// on workers.
func gram(y []float64, rows, l, workers int) []float64 {
	const block = 256
	nb := (rows + block - 1) / block
	// Block b is summed into slot b % gramSlots, and the slots are added in
	// order: the rounding does not depend on how many goroutines run.
	const gramSlots = 4
	parts := make([][]float64, gramSlots)
	for w := range parts {
		parts[w] = make([]float64, l*l)
	}
	sem := make(chan struct{}, max(workers, 1))
	parallelIdx(gramSlots, func(w int) {
		sem <- struct{}{}
		defer func() { <-sem }()
		g := parts[w]
		cols := make([][]float64, l)
		back := make([]float64, l*block)
		for b := w; b < nb; b += gramSlots {
			lo, hi := b*block, min((b+1)*block, rows)
			n := hi - lo
			for j := range cols {
				cols[j] = back[j*block : j*block+n]
			}
			for r := lo; r < hi; r++ {
				for j, v := range y[r*l : (r+1)*l] {
					cols[j][r-lo] = v
				}
			}
			for i := 0; i < l; i++ {
				for j := 0; j <= i; j++ {
					g[i*l+j] += vek.Dot(cols[i], cols[j])
				}
			}
		}
	})
	g := parts[0]
	for _, p := range parts[1:] {
		vek.Add_Inplace(g, p)
	}
	for i := 0; i < l; i++ {
		for j := 0; j < i; j++ {
			g[j*l+i] = g[i*l+j]
		}
	}
	return g
}

// parallelIdx runs fn(0..n-1) concurrently.
func parallelIdx(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}

// invCholesky factors the symmetric positive semi-definite g = RᵀR and
// returns R⁻¹ (upper triangular, row-major). Pivots below a tiny fraction
// of the largest diagonal are clamped, so a rank-deficient g still gives
// a (partly degenerate) inverse instead of NaNs.
func invCholesky(g []float64, l int) []float64 {
	var maxDiag float64
	for i := 0; i < l; i++ {
		maxDiag = max(maxDiag, g[i*l+i])
	}
	tol := 1e-14 * max(maxDiag, 1e-300)
	r := make([]float64, l*l) // upper: r[i][j], j >= i
	for i := 0; i < l; i++ {
		s := g[i*l+i]
		for k := 0; k < i; k++ {
			s -= r[k*l+i] * r[k*l+i]
		}
		if s < tol {
			s = tol
		}
		d := math.Sqrt(s)
		r[i*l+i] = d
		for j := i + 1; j < l; j++ {
			s := g[i*l+j]
			for k := 0; k < i; k++ {
				s -= r[k*l+i] * r[k*l+j]
			}
			r[i*l+j] = s / d
		}
	}
	// Invert the upper-triangular r column by column: r·x = e_j.
	inv := make([]float64, l*l)
	for j := 0; j < l; j++ {
		for i := j; i >= 0; i-- {
			var s float64
			if i == j {
				s = 1
			}
			for k := i + 1; k <= j; k++ {
				s -= r[i*l+k] * inv[k*l+j]
			}
			inv[i*l+j] = s / r[i*l+i]
		}
	}
	return inv
}

// svdResult holds the top singular triplets' right side: V (cols×k,
// row-major) and the singular values, largest first.
type svdResult struct {
	v     []float64
	sigma []float64
	k     int
}

// randomizedSVD computes the top k right singular vectors of a after
// Halko, Martinsson and Tropp (2011), algorithm 4.4: a Gaussian sketch of
// k+oversample columns, power iterations with re-orthonormalisation, then
// the exact SVD of the small projected matrix through its Gram matrix.
func randomizedSVD(ctx context.Context, a *csr, k, oversample, iters int, seed uint64, workers int, progress func(string)) (svdResult, error) {
	l := min(k+oversample, a.rows, a.cols)
	if k > l {
		k = l
	}
	at := a.transpose()
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	omega := make([]float64, a.cols*l)
	for i := range omega {
		omega[i] = rng.NormFloat64()
	}
	step := func(name string) error {
		if progress != nil {
			progress(name)
		}
		return ctx.Err()
	}
	if err := step("sketch"); err != nil {
		return svdResult{}, err
	}
	q := a.mul(omega, l, workers)
	orthonormalize(q, a.rows, l, workers)
	z := omega // its space, from now on
	for it := 0; it < iters; it++ {
		if err := step(fmt.Sprintf("power iteration %d/%d", it+1, iters)); err != nil {
			return svdResult{}, err
		}
		z = at.mulInto(z, q, l, workers)
		orthonormalize(z, a.cols, l, workers)
		q = a.mulInto(q, z, l, workers)
		orthonormalize(q, a.rows, l, workers)
	}
	if err := step("projection"); err != nil {
		return svdResult{}, err
	}
	// B = Qᵀ·A (l×cols); its transpose Aᵀ·Q is cols×l.
	btr := at.mulInto(z, q, l, workers)
	q = nil
	g := gram(btr, a.cols, l, workers)
	vals, vecs, err := symEigen(g, l)
	if err != nil {
		return svdResult{}, err
	}
	res := svdResult{v: make([]float64, a.cols*k), sigma: make([]float64, k), k: k}
	for c := 0; c < k; c++ {
		s := math.Sqrt(max(vals[c], 0))
		res.sigma[c] = s
		if s == 0 {
			continue
		}
		// V[:,c] = Bᵀ·u_c / σ_c
		parallel.Chunks(a.cols, workers, func(lo, hi int) {
			for t := lo; t < hi; t++ {
				var sum float64
				for j, b := range btr[t*l : (t+1)*l] {
					sum += b * vecs[j*l+c]
				}
				res.v[t*k+c] = sum / s
			}
		})
	}
	return res, nil
}

// symEigen returns the eigenvalues of the symmetric n×n matrix g (row-major,
// destroyed) in decreasing order and the eigenvectors as the columns of a
// row-major n×n matrix, by cyclic Jacobi rotations.
func symEigen(g []float64, n int) ([]float64, []float64, error) {
	v := make([]float64, n*n)
	for i := 0; i < n; i++ {
		v[i*n+i] = 1
	}
	converged := false
	for sweep := 0; sweep < 100; sweep++ {
		var off, total float64
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				x := g[i*n+j] * g[i*n+j]
				total += x
				if i != j {
					off += x
				}
			}
		}
		if off <= 1e-22*total || off == 0 {
			converged = true
			break
		}
		for p := 0; p < n-1; p++ {
			for q := p + 1; q < n; q++ {
				apq := g[p*n+q]
				if math.Abs(apq) < 1e-300 {
					continue
				}
				app, aqq := g[p*n+p], g[q*n+q]
				theta := (aqq - app) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ {
					gkp, gkq := g[k*n+p], g[k*n+q]
					g[k*n+p] = c*gkp - s*gkq
					g[k*n+q] = s*gkp + c*gkq
				}
				for k := 0; k < n; k++ {
					gpk, gqk := g[p*n+k], g[q*n+k]
					g[p*n+k] = c*gpk - s*gqk
					g[q*n+k] = s*gpk + c*gqk
				}
				for k := 0; k < n; k++ {
					vkp, vkq := v[k*n+p], v[k*n+q]
					v[k*n+p] = c*vkp - s*vkq
					v[k*n+q] = s*vkp + c*vkq
				}
			}
		}
	}
	if !converged {
		return nil, nil, errors.New("embed: eigen decomposition did not converge")
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch x, y := g[a*n+a], g[b*n+b]; {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return 0
	})
	vals := make([]float64, n)
	vecs := make([]float64, n*n)
	for c, o := range order {
		vals[c] = g[o*n+o]
		for r := 0; r < n; r++ {
			vecs[r*n+c] = v[r*n+o]
		}
	}
	return vals, vecs, nil
}
