package embed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/paperboy-dev/paperboy/internal/parallel"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/viterin/vek/vek32"
)

// Contrastive fine-tuning of the term table. LSA places terms by how
// they co-occur in whole papers; nothing in it asks that a short text and
// a long one about the same work land near each other, which is what a
// query and the paper it looks for are. A paper's title and its abstract
// are such a pair, and the corpus holds one per paper, so the table is
// trained until each title is nearer its own abstract than the other
// abstracts of its batch (symmetric InfoNCE with in-batch negatives, as
// in CLIP and the sentence-embedding literature). A per-term gain is
// trained beside the rows because re-weighting terms that tf-idf weighs
// badly is much of the gain (gains alone beat the table alone); it is
// folded into the rows at the end, so the model file and the way a text
// is embedded stay as they were.
//
// The settings were measured on 84k papers (doc.go): a batch of 1024 was
// twice as slow and no better, τ 0.1 was worse, clustered ("hard")
// batches and other pairings (half abstracts, word dropout, co-authors'
// papers) gained nothing, and a learnt d×d map instead of the table was
// four times as slow and no better.
const (
	tuneBatch = 512  // papers per step; the other 511 are the negatives
	tuneTau   = 0.05 // softmax temperature of the cosines
	// tuneLR is Adam's step for the table relative to the RMS of its
	// entries, so that it does not depend on the scale σ^(p-1) gives them.
	tuneLR     = 0.03
	tuneGainLR = 0.01 // Adam's step for the gains, which start at 1
)

// textPair is a paper's title and abstract as sparse tf-idf vectors.
type textPair struct {
	title, abstract []termWeight
}

// tuneText is one side of a pair in a batch: its terms, its embedding
// before (sum) and after (unit) normalisation, and the loss's gradient.
type tuneText struct {
	terms []termWeight
	sum   []float32 // Σ weight · gain · row
	norm  float32   // |sum|
	unit  []float32 // sum / |sum|
	grad  []float32 // dLoss/dunit, then dLoss/dsum
}

// tuner holds the state of a fine-tuning run.
type tuner struct {
	dim     int
	workers int
	table   []float32 // the model's term vectors, updated in place
	gain    []float32 // one per term
	// Gradients of the current batch, non-zero only in touched rows.
	tableGrad, gainGrad []float32
	touched             []int32
	isTouched           []bool
	tableOpt, gainOpt   *sparseAdam
}

// tuneConfig is one fine-tuning run's settings.
type tuneConfig struct {
	epochs  int
	batch   int // tuneBatch, smaller in tests
	seed    uint64
	workers int
}

// fineTune trains m's term vectors contrastively on the (title, abstract)
// pairs of docs. It is deterministic: shuffles come from the seed, and
// every sum that more than one goroutine could share is taken in a fixed
// order, so workers change only the speed. It checks ctx between
// batches and reports each epoch's mean loss to progress.
func (m *Model) fineTune(ctx context.Context, docs []lexical.Document, cfg tuneConfig, progress func(string)) error {
	progress(fmt.Sprintf("fine-tune: tokenising the titles and abstracts of %d papers", len(docs)))
	return m.fineTunePairs(ctx, m.titleAbstractPairs(docs, cfg.workers), cfg, progress)
}

// fineTunePairs is fineTune on the papers' (title, abstract) pairs made
// by titleAbstractPairs.
func (m *Model) fineTunePairs(ctx context.Context, pairs []textPair, cfg tuneConfig, progress func(string)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(pairs) < 2 {
		return nil // nothing to contrast a pair with
	}
	batch := min(cfg.batch, len(pairs))
	t := m.newTuner(cfg.workers)
	a, b := newTuneTexts(batch, t.dim), newTuneTexts(batch, t.dim)
	scores, grad := make([]float32, batch*batch), make([]float32, batch*batch)
	rng := rand.New(rand.NewPCG(cfg.seed, 0xda442d24)) // a stream apart from the SVD sketch's
	order := make([]int, len(pairs))
	for i := range order {
		order[i] = i
	}
	for ep := 1; ep <= cfg.epochs; ep++ {
		start := time.Now()
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var loss, top1 float64
		steps := 0
		// The last partial batch is dropped: fewer negatives would make
		// its loss a different task; it is shuffled in next epoch.
		for lo := 0; lo+batch <= len(order); lo += batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			for i, p := range order[lo : lo+batch] {
				a[i].terms, b[i].terms = pairs[p].title, pairs[p].abstract
			}
			l, acc := t.step(a, b, scores, grad)
			loss, top1, steps = loss+l, top1+acc, steps+1
		}
		progress(fmt.Sprintf("fine-tune epoch %d/%d: loss %.4f, in-batch top-1 %.3f, %d steps (%s)",
			ep, cfg.epochs, loss/float64(steps), top1/float64(steps), steps, time.Since(start).Round(100*time.Millisecond)))
	}
	t.foldGains()
	return nil
}

// titleAbstractPairs returns the papers' titles and abstracts as tf-idf
// vectors, leaving out papers with either side empty in the model's
// vocabulary: a zero vector has no direction to learn.
func (m *Model) titleAbstractPairs(docs []lexical.Document, workers int) []textPair {
	all := make([]textPair, len(docs))
	parallel.Chunks(len(docs), workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			all[i] = textPair{m.weights(Tokens(docs[i].Title)), m.weights(Tokens(docs[i].Abstract))}
		}
	})
	return slices.DeleteFunc(all, func(p textPair) bool { return len(p.title) == 0 || len(p.abstract) == 0 })
}

func (m *Model) newTuner(workers int) *tuner {
	d, n := m.info.Dim, len(m.vocab)
	var ss float64
	for _, x := range m.vecs {
		ss += float64(x) * float64(x)
	}
	rms := math.Sqrt(ss / float64(len(m.vecs)))
	t := &tuner{dim: d, workers: workers, table: m.vecs, gain: make([]float32, n),
		tableGrad: make([]float32, n*d), gainGrad: make([]float32, n), isTouched: make([]bool, n),
		tableOpt: newSparseAdam(n*d, d, tuneLR*rms), gainOpt: newSparseAdam(n, 1, tuneGainLR)}
	for i := range t.gain {
		t.gain[i] = 1
	}
	return t
}

func newTuneTexts(n, dim int) []tuneText {
	out := make([]tuneText, n)
	for i := range out {
		out[i] = tuneText{sum: make([]float32, dim), unit: make([]float32, dim), grad: make([]float32, dim)}
	}
	return out
}

// step takes one optimiser step on the batch of pairs (a[i], b[i]) and
// returns its loss and the share of titles whose nearest abstract in the
// batch is their own. scores and grad are n×n scratch.
func (t *tuner) step(a, b []tuneText, scores, grad []float32) (loss, top1 float64) {
	parallel.Chunks(len(a), t.workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t.embed(&a[i])
			t.embed(&b[i])
		}
	})
	loss, top1 = t.infoNCE(a, b, scores, grad)
	t.backward(a, b, grad)
	t.update()
	return loss, top1
}

// embed computes x's normalised embedding under the current table.
func (t *tuner) embed(x *tuneText) {
	d := t.dim
	clear(x.sum)
	for _, tw := range x.terms {
		w := tw.w * t.gain[tw.term]
		row := t.table[int(tw.term)*d : int(tw.term+1)*d]
		for i, e := range row {
			x.sum[i] += w * e
		}
	}
	x.norm = float32(math.Sqrt(float64(vek32.Dot(x.sum, x.sum))))
	if x.norm == 0 {
		clear(x.unit)
		return
	}
	vek32.MulNumber_Into(x.unit, x.sum, 1/x.norm)
}

// infoNCE scores every title against every abstract of the batch
// (cosine / τ) into s, and sets grad to the gradient of the symmetric
// loss with respect to them: the mean of the cross-entropies of picking
// each title's abstract among the batch's abstracts (rows) and each
// abstract's title among the titles (columns).
func (t *tuner) infoNCE(a, b []tuneText, s, grad []float32) (loss, top1 float64) {
	n := len(a)
	inv := float32(1 / tuneTau)
	parallel.Chunks(n, t.workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for j := 0; j < n; j++ {
				s[i*n+j] = vek32.Dot(a[i].unit, b[j].unit) * inv
			}
		}
	})
	clear(grad)
	scale := 1 / (2 * float64(n))
	for i := 0; i < n; i++ {
		row := func(j int) int { return i*n + j }
		loss += softmaxGrad(s, grad, n, row, i, scale)
		if slices.Index(s[i*n:(i+1)*n], slices.Max(s[i*n:(i+1)*n])) == i {
			top1++
		}
	}
	for j := 0; j < n; j++ {
		col := func(i int) int { return i*n + j }
		loss += softmaxGrad(s, grad, n, col, j, scale)
	}
	return loss * scale, top1 / float64(n)
}

// softmaxGrad adds scale × the gradient of the cross-entropy of the
// softmax over s[at(0..n-1)] with target index want to grad, and returns
// the cross-entropy.
func softmaxGrad(s, grad []float32, n int, at func(int) int, want int, scale float64) float64 {
	mx := s[at(0)]
	for k := 1; k < n; k++ {
		mx = max(mx, s[at(k)])
	}
	var sum float64
	for k := 0; k < n; k++ {
		sum += math.Exp(float64(s[at(k)] - mx))
	}
	for k := 0; k < n; k++ {
		grad[at(k)] += float32(math.Exp(float64(s[at(k)]-mx)) / sum * scale)
	}
	grad[at(want)] -= float32(scale)
	return math.Log(sum) - float64(s[at(want)]-mx)
}

// backward turns g, the gradient with respect to the scores, into the
// gradients of the touched table rows and gains.
func (t *tuner) backward(a, b []tuneText, g []float32) {
	n, d := len(a), t.dim
	inv := float32(1 / tuneTau)
	parallel.Chunks(n, t.workers, func(lo, hi int) {
		tmp := make([]float32, d)
		for i := lo; i < hi; i++ {
			clear(a[i].grad)
			clear(b[i].grad)
			for j := 0; j < n; j++ {
				vek32.MulNumber_Into(tmp, b[j].unit, g[i*n+j]*inv)
				vek32.Add_Inplace(a[i].grad, tmp)
				vek32.MulNumber_Into(tmp, a[j].unit, g[j*n+i]*inv)
				vek32.Add_Inplace(b[i].grad, tmp)
			}
			throughNormalize(&a[i], tmp)
			throughNormalize(&b[i], tmp)
		}
	})
	// Rows are shared between texts, so their gradients are summed on one
	// goroutine in batch order: the same bits whatever the workers.
	for _, side := range [][]tuneText{a, b} {
		for i := range side {
			x := &side[i]
			for _, tw := range x.terms {
				v := tw.term
				if !t.isTouched[v] {
					t.isTouched[v] = true
					t.touched = append(t.touched, v)
				}
				row := t.table[int(v)*d : int(v+1)*d]
				t.gainGrad[v] += tw.w * vek32.Dot(row, x.grad)
				grad := t.tableGrad[int(v)*d : int(v+1)*d]
				f := tw.w * t.gain[v]
				for k, gx := range x.grad {
					grad[k] += f * gx
				}
			}
		}
	}
}

// throughNormalize maps the gradient with respect to x.unit to the one
// with respect to x.sum: (g - (g·u) u) / |sum|.
func throughNormalize(x *tuneText, tmp []float32) {
	if x.norm == 0 {
		clear(x.grad)
		return
	}
	vek32.MulNumber_Into(tmp, x.unit, vek32.Dot(x.grad, x.unit))
	vek32.Sub_Inplace(x.grad, tmp)
	vek32.MulNumber_Inplace(x.grad, 1/x.norm)
}

// update applies the batch's gradients to the touched rows and gains and
// clears them for the next batch.
func (t *tuner) update() {
	d := t.dim
	slices.Sort(t.touched) // the order rows are visited in must not depend on the batch's
	t.tableOpt.step(t.table, t.tableGrad, t.touched)
	t.gainOpt.step(t.gain, t.gainGrad, t.touched)
	for _, v := range t.touched {
		clear(t.tableGrad[int(v)*d : int(v+1)*d])
		t.gainGrad[v] = 0
		t.isTouched[v] = false
	}
	t.touched = t.touched[:0]
}

// foldGains multiplies each row by its gain, so that the model embeds a
// text as before: the tf-idf-weighted sum of its terms' rows.
func (t *tuner) foldGains() {
	d := t.dim
	for v, g := range t.gain {
		vek32.MulNumber_Inplace(t.table[v*d:(v+1)*d], g)
	}
}

// sparseAdam is Adam (Kingma and Ba 2015) over a flat parameter slice
// that updates only the rows a batch touched, leaving the moments of the
// others alone (PyTorch's SparseAdam): a batch touches a few thousand of
// the vocabulary's rows, and decaying the rest would be most of the work
// and would shrink rare terms' moments between their visits.
type sparseAdam struct {
	m, v   []float32
	steps  int
	lr     float64
	rowLen int
}

func newSparseAdam(n, rowLen int, lr float64) *sparseAdam {
	return &sparseAdam{m: make([]float32, n), v: make([]float32, n), lr: lr, rowLen: rowLen}
}

func (a *sparseAdam) step(p, g []float32, rows []int32) {
	const beta1, beta2, eps = 0.9, 0.999, 1e-8
	a.steps++
	bc1 := 1 - math.Pow(beta1, float64(a.steps))
	bc2 := 1 - math.Pow(beta2, float64(a.steps))
	lr := float32(a.lr * math.Sqrt(bc2) / bc1)
	epsHat := float32(eps * math.Sqrt(bc2))
	for _, r := range rows {
		lo, hi := int(r)*a.rowLen, int(r+1)*a.rowLen
		m, v, gr, pr := a.m[lo:hi], a.v[lo:hi], g[lo:hi], p[lo:hi]
		for i, x := range gr {
			m[i] = beta1*m[i] + (1-beta1)*x
			v[i] = beta2*v[i] + (1-beta2)*x*x
			pr[i] -= lr * m[i] / (float32(math.Sqrt(float64(v[i]))) + epsHat)
		}
	}
}
