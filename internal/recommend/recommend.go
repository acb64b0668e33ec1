package recommend

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/viterin/vek/vek32"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// ErrEmptyProfile is returned by Train when none of the profile's papers
// is known.
var ErrEmptyProfile = errors.New("recommend: no known paper in the profile")

// Vectors gives a paper's embedding (semantic.Index's vectors).
type Vectors interface {
	Vector(id string) ([]float32, bool)
}

// Options configure the features and the model. DefaultOptions are the
// measured choice (doc.go).
type Options struct {
	// EmbedWeight scales the embedding beside the L2-normalised tf-idf
	// in the classifier's features; 0 leaves the embedding out.
	EmbedWeight float64
	// Negatives is how many papers, drawn with Seed, stand against the
	// profile in the classifier; 0 means every paper.
	Negatives int
	C         float64
	Tol       float64
	// Fusion is the weight of the embedding neighbour ranking (the
	// candidate's best cosine to a profile paper) in a reciprocal-rank
	// fusion with the classifier's ranking; 0 ranks by the classifier
	// alone, 1 by the neighbours alone.
	Fusion float64
	// Kernel, when positive, scores a candidate's neighbours by the sum
	// over profile papers of exp((cos-1)/Kernel) instead of the best
	// cosine alone.
	Kernel float64
	// HalfLife, when positive, weighs the profile's papers (oldest first)
	// by 2^(-age/HalfLife), age counted in papers from the newest, in the
	// neighbour score and as the classifier's sample weights.
	HalfLife float64
	// TermSimilarity is the share of the tf-idf cosine in the neighbour
	// similarity, the rest being the embeddings' cosine.
	TermSimilarity float64
	// Metadata adds the paper's comments (venue, project page) and its
	// categories (as tokens such as cat_q_bio_nc) to its tf-idf text.
	Metadata bool
	// MinDF and MaxTerms, when positive, replace SanityTfidf's min_df 5
	// and max_features 20000 in the features' vocabulary: rare terms
	// (a method's or a dataset's name) mark a group's papers.
	MinDF, MaxTerms int
	// NGrams and MaxDF, when positive, replace SanityTfidf's 2 and 0.1.
	NGrams int
	MaxDF  float64
	// DigitTokens keeps the words that start with a digit and hold a
	// letter ("3d", "4d", "6dof"), which scikit-learn's token pattern
	// drops.
	DigitTokens bool
	// Stem reduces words to their Snowball English stems in the tf-idf,
	// so that "policies" meets "policy".
	Stem bool
	// TitleWeight, when above 1, counts the title's words this many times
	// in the tf-idf: a title names what a paper is about.
	TitleWeight int
	// IDFPower, when positive, raises every term's idf to this power in
	// the tf-idf (1 is scikit-learn's weighting): above 1 a rare shared
	// term counts for more against common ones.
	IDFPower float64
	// Center, when positive, measures the neighbours' tf-idf cosine
	// between the vectors less Center times the corpus's mean vector: what
	// every paper shares (the field's common words) stops making papers
	// look alike, so generic papers no longer crowd a reader's list.
	Center float64
	// Feedback, when positive, is pseudo-relevance feedback: the first
	// ranking's Feedback best candidates join the library as neighbours
	// of weight FeedbackWeight, and the candidates are scored again.
	// LengthPower, when not 0, multiplies each paper's tf-idf cosines by
	// its number of distinct terms over the corpus's mean to this power
	// (pivoted length normalisation): below 0 a long text's many terms
	// stop giving it loose matches with everything.
	LengthPower float64
	// Density, when positive, divides each library paper's kernel by its
	// mean over the candidates raised to Density: a library paper on a
	// crowded topic counts for less per candidate than one on a rare topic.
	Density float64
	// CategoryPrior, when positive, multiplies a candidate's neighbour
	// score by (the library's papers in its primary category + 1) to this
	// power.
	CategoryPrior float64
	// Interests, when positive, adds to the neighbour score the kernel of
	// the candidate's cosine to each of the library's interests (the
	// centroid of a cluster of its papers, Model.interests) times the
	// cluster's size times Interests; InterestLink is the mean cosine
	// at which clusters merge.
	Interests, InterestLink float64
	Feedback                int
	FeedbackWeight          float64
	Seed                    uint64
}

// DefaultOptions is what the server ranks with: the library's papers as
// neighbours by tf-idf, over a vocabulary of 1- to 3-grams in at least 2
// and at most half of the papers, with comments and categories, scored by
// a kernel of width 0.1 (doc.go has the measurements). The classifier's
// settings apply when Fusion is below 1.
func DefaultOptions() Options {
	return Options{
		Fusion: 1, TermSimilarity: 1, Kernel: 0.1,
		MinDF: 2, MaxTerms: 2_000_000, NGrams: 3, MaxDF: 0.5, Metadata: true,
		EmbedWeight: 0, Negatives: 10000, C: 0.01, Tol: 1e-3, Seed: 1,
	}
}

// Features are every paper's precomputed features: its tf-idf vector
// (SanityTfidf settings over title, abstract and authors) beside its
// embedding, built once when the model is trained or the server starts.
type Features struct {
	ids   []string
	index map[string]int
	x     *Matrix // tf-idf, then the embedding × EmbedWeight
	emb   []float32
	dim   int
	opts  Options
	// Each row's dot product with the corpus's mean tf-idf vector, and
	// that vector's squared norm: centring a cosine needs nothing more.
	xm []float32
	mm float64
	// Each paper's primary category, numbered; -1 without one.
	cat []int32
}

// NewFeatures computes the features of papers; vecs gives their
// embeddings (papers without one get a zero vector).
func NewFeatures(ctx context.Context, papers []store.Paper, vecs Vectors, opts Options) (*Features, error) {
	texts := make([]string, len(papers))
	f := &Features{ids: make([]string, len(papers)), index: make(map[string]int, len(papers)), opts: opts,
		cat: make([]int32, len(papers))}
	cats := map[string]int32{}
	for i, p := range papers {
		texts[i] = strings.Join([]string{p.Title, p.Abstract, strings.Join(p.Authors, " ")}, " ")
		for range opts.TitleWeight - 1 {
			texts[i] += " " + p.Title
		}
		if opts.Metadata {
			texts[i] += " " + p.Comments
			for _, c := range p.Categories {
				texts[i] += " cat_" + strings.NewReplacer(".", "_", "-", "_").Replace(c)
			}
		}
		f.ids[i] = p.ID
		f.cat[i] = -1
		if len(p.Categories) > 0 {
			c, ok := cats[p.Categories[0]]
			if !ok {
				c = int32(len(cats))
				cats[p.Categories[0]] = c
			}
			f.cat[i] = c
		}
		f.index[p.ID] = i
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tf := SanityTfidf()
	if opts.MinDF > 0 {
		tf.MinDF = opts.MinDF
	}
	if opts.MaxTerms > 0 {
		tf.MaxFeatures = opts.MaxTerms
	}
	if opts.NGrams > 0 {
		tf.MaxN = opts.NGrams
	}
	if opts.MaxDF > 0 {
		tf.MaxDF = opts.MaxDF
	}
	tf.IDFPower, tf.Stem, tf.DigitTokens = opts.IDFPower, opts.Stem, opts.DigitTokens
	_, f.x = FitTfidf(texts, tf)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.centre()
	for i, id := range f.ids {
		v, ok := vecs.Vector(id)
		if f.dim == 0 && ok {
			f.dim = len(v)
			f.emb = make([]float32, len(papers)*f.dim)
		}
		if ok && len(v) == f.dim {
			copy(f.emb[i*f.dim:], v)
		}
	}
	if f.dim > 0 && opts.EmbedWeight > 0 {
		f.x.Dim = f.dim
		f.x.Dense = make([]float32, len(f.emb))
		for k, v := range f.emb {
			f.x.Dense[k] = v * float32(opts.EmbedWeight)
		}
	}
	return f, nil
}

// centre computes each row's dot product with the mean row.
func (f *Features) centre() {
	x := f.x
	n := len(x.Ptr) - 1
	if n == 0 {
		return
	}
	mean := make([]float64, x.Cols)
	for k, c := range x.Idx {
		mean[c] += float64(x.Val[k])
	}
	f.mm = 0
	for c := range mean {
		mean[c] /= float64(n)
		f.mm += mean[c] * mean[c]
	}
	f.xm = make([]float32, n)
	for i := range n {
		var s float64
		for k := x.Ptr[i]; k < x.Ptr[i+1]; k++ {
			s += mean[x.Idx[k]] * float64(x.Val[k])
		}
		f.xm[i] = float32(s)
	}
}

// centred turns rows i's tf-idf dot products into cosines of the centred
// vectors: shift is what to subtract from a dot product with row i
// beside the other row's own shift, scale what to multiply by beside the
// other row's scale. Without Center the dot product is the cosine.
func (f *Features) centred(i int) (shift, scale float64) {
	shift, scale = f.centredCos(i)
	if g := f.opts.LengthPower; g != 0 {
		n := len(f.x.Ptr) - 1
		u := float64(f.x.Ptr[i+1]-f.x.Ptr[i]) + 1
		mean := float64(f.x.Ptr[n])/float64(n) + 1
		scale *= math.Pow(u/mean, g)
	}
	return shift, scale
}

func (f *Features) centredCos(i int) (shift, scale float64) {
	b := f.opts.Center
	if b <= 0 || f.xm == nil {
		return 0, 1
	}
	n2 := 0.0
	if f.x.Ptr[i+1] > f.x.Ptr[i] {
		n2 = 1
	}
	xm := float64(f.xm[i])
	shift = b*xm - b*b*f.mm/2
	norm2 := n2 - 2*b*xm + b*b*f.mm
	if norm2 <= 1e-12 {
		return shift, 0
	}
	return shift, 1 / math.Sqrt(norm2)
}

// Model is one reader's trained ranking: train it when their library
// changes, keep it, and score each request's candidates with it.
type Model struct {
	f       *Features
	profile []int
	svm     *Linear
	weight  []float64 // of each profile paper
	// The profile's tf-idf vectors inverted, and each one's centring
	// (Features.centred).
	inv          *inverted
	shift, scale []float64
	// The library's interests (Options.Interests): clusters' centroids
	// inverted and each one's number of papers.
	cent     *inverted
	centSize []float64
	// The classifier's weights in float32, for SIMD dot products.
	wDense []float32
	wTerms []float32
}

// Train fits a reader's model on the papers of their library.
func (f *Features) Train(profile []string) (*Model, error) {
	m := &Model{f: f}
	pos := map[int]bool{}
	for _, id := range profile {
		if i, ok := f.index[id]; ok && !pos[i] {
			pos[i] = true
			m.profile = append(m.profile, i)
		}
	}
	if len(m.profile) == 0 {
		return nil, ErrEmptyProfile
	}
	m.weight = make([]float64, len(m.profile))
	for k := range m.weight {
		m.weight[k] = 1
		if f.opts.HalfLife > 0 {
			m.weight[k] = math.Exp2(-float64(len(m.profile)-1-k) / f.opts.HalfLife)
		}
	}
	if f.opts.TermSimilarity > 0 {
		m.inv = newInverted(f.x, m.profile)
		if f.opts.Interests > 0 && f.opts.Kernel > 0 {
			m.interests()
		}
		m.shift, m.scale = make([]float64, len(m.profile)), make([]float64, len(m.profile))
		for j, p := range m.profile {
			m.shift[j], m.scale[j] = f.centred(p)
		}
	}
	if f.opts.Fusion < 1 {
		var rows []int
		if f.opts.Negatives > 0 && f.opts.Negatives < len(f.ids) {
			rng := rand.New(rand.NewPCG(f.opts.Seed, uint64(len(f.ids))))
			rows = append(rows, m.profile...)
			for _, i := range rng.Perm(len(f.ids))[:f.opts.Negatives] {
				if !pos[i] {
					rows = append(rows, i)
				}
			}
		}
		weight := map[int]float64{}
		for k, i := range m.profile {
			weight[i] = m.weight[k]
		}
		m.svm = TrainSVC(f.x, rows, func(i int) bool { return pos[i] },
			SVCOptions{C: f.opts.C, Tol: f.opts.Tol, MaxIter: 1000, Balanced: true, Seed: f.opts.Seed,
				Weight: func(i int) float64 {
					if w, ok := weight[i]; ok {
						return w
					}
					return 1
				}})
		m.wTerms = make([]float32, f.x.Cols)
		for k, w := range m.svm.W[:f.x.Cols] {
			m.wTerms[k] = float32(w)
		}
		if f.x.Dim > 0 {
			m.wDense = make([]float32, f.x.Dim)
			for k, w := range m.svm.W[f.x.Cols:] {
				m.wDense[k] = float32(w)
			}
		}
	}
	return m, nil
}

type posting struct {
	j int // the paper's position among the inverted rows
	w float32
}

// inverted is a few rows' tf-idf vectors inverted, column -> (row,
// weight), with a bitmap of their columns that skips most of another
// vector's terms before the map is asked.
type inverted struct {
	post  map[int32][]posting
	terms []uint64
}

func newInverted(x *Matrix, rows []int) *inverted {
	inv := &inverted{post: map[int32][]posting{}, terms: make([]uint64, (x.Cols+63)/64)}
	for j, p := range rows {
		r := x.Row(p)
		for k, c := range r.Idx {
			inv.post[c] = append(inv.post[c], posting{j, r.Val[k]})
			inv.terms[c>>6] |= 1 << (c & 63)
		}
	}
	return inv
}

// dots sets out[j] to r's dot product with the j-th inverted row.
func (inv *inverted) dots(r Sparse, out []float32) {
	clear(out)
	for q, col := range r.Idx {
		if inv.terms[col>>6]&(1<<(col&63)) == 0 {
			continue
		}
		for _, ps := range inv.post[col] {
			out[ps.j] += ps.w * r.Val[q]
		}
	}
}

// interests clusters the library's papers by average-link agglomeration
// of their tf-idf cosines, merging while two clusters' mean cosine is at
// least InterestLink, and keeps the centroid of each cluster of two or
// more papers: what an interest's papers share.
func (m *Model) interests() {
	f := m.f
	n := len(m.profile)
	sim := make([][]float64, n)
	for a := range n {
		sim[a] = make([]float64, n)
		for b := range a {
			sim[a][b] = sparseDot(f.x.Row(m.profile[a]), f.x.Row(m.profile[b]))
			sim[b][a] = sim[a][b]
		}
	}
	clusters := make([][]int, n)
	for a := range n {
		clusters[a] = []int{a}
	}
	for {
		bestA, bestB, best := -1, -1, f.opts.InterestLink
		for a := range clusters {
			for b := range a {
				s := 0.0
				for _, i := range clusters[a] {
					for _, j := range clusters[b] {
						s += sim[i][j]
					}
				}
				s /= float64(len(clusters[a]) * len(clusters[b]))
				if s >= best {
					bestA, bestB, best = a, b, s
				}
			}
		}
		if bestA < 0 {
			break
		}
		clusters[bestB] = append(clusters[bestB], clusters[bestA]...)
		clusters = slices.Delete(clusters, bestA, bestA+1)
	}
	cm := &Matrix{Cols: f.x.Cols, Ptr: []int64{0}}
	var rows []int
	for _, c := range clusters {
		if len(c) < 2 {
			continue
		}
		sum := map[int32]float64{}
		for _, j := range c {
			r := f.x.Row(m.profile[j])
			for k, col := range r.Idx {
				sum[col] += m.weight[j] * float64(r.Val[k])
			}
		}
		var v Sparse
		for col := range sum {
			v.Idx = append(v.Idx, col)
		}
		slices.Sort(v.Idx)
		norm2 := 0.0
		for _, col := range v.Idx {
			norm2 += sum[col] * sum[col]
		}
		for _, col := range v.Idx {
			v.Val = append(v.Val, float32(sum[col]/math.Sqrt(norm2)))
		}
		cm.appendSparse(v)
		rows = append(rows, len(rows))
		m.centSize = append(m.centSize, float64(len(c)))
	}
	if len(rows) > 0 {
		m.cent = newInverted(cm, rows)
	}
}

// feedback is pseudo-relevance feedback on the neighbour scores knn of
// rows: the Feedback best candidates join the library as neighbours of
// weight FeedbackWeight (a candidate is not its own neighbour), so the
// papers like the ones the library finds best rise with them; a reader's
// next papers often come in a series.
func (m *Model) feedback(rows []int, knn []float64) {
	f := m.f
	order := make([]int, len(rows))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(knn[b], knn[a]); c != 0 {
			return c
		}
		return strings.Compare(f.ids[rows[a]], f.ids[rows[b]])
	})
	top := order[:min(f.opts.Feedback, len(order))]
	fb := make([]int, len(top))
	shift, scale := make([]float64, len(top)), make([]float64, len(top))
	for t, k := range top {
		fb[t] = rows[k]
		shift[t], scale[t] = f.centred(rows[k])
	}
	inv := newInverted(f.x, fb)
	sims := make([]float32, len(fb))
	for k, i := range rows {
		inv.dots(f.x.Row(i), sims)
		sh, sc := f.centred(i)
		add := 0.0
		for t, p := range fb {
			if p == i {
				continue
			}
			sim := (float64(sims[t]) - sh - shift[t]) * sc * scale[t]
			add += math.Exp((sim - 1) / f.opts.Kernel)
		}
		knn[k] += f.opts.FeedbackWeight * add
	}
}

// Scored is a candidate's score and why it is recommended.
type Scored struct {
	ID     string
	Score  float64
	Reason Reason
}

// Reason names the one or two papers of the library a recommendation is
// most like, most similar first.
type Reason struct {
	Like []string
}

// Score ranks candidates (unknown ids are skipped), best first, ties by
// id; the first withReasons get their Reason.
func (m *Model) Score(candidates []string, withReasons int) []Scored {
	f := m.f
	rows := make([]int, 0, len(candidates))
	for _, id := range candidates {
		if i, ok := f.index[id]; ok {
			rows = append(rows, i)
		}
	}
	out := make([]Scored, len(rows))
	var svm, knn []float64
	if m.svm != nil {
		svm = make([]float64, len(rows))
		for k, i := range rows {
			svm[k] = m.score(i)
		}
	}
	// The candidates' cosines to every profile paper, best first: the
	// neighbour ranking and the reasons.
	var near [][2]int
	if f.dim > 0 || f.opts.TermSimilarity >= 1 {
		knn = make([]float64, len(rows))
		near = make([][2]int, len(rows))
		a := float32(f.opts.TermSimilarity)
		termSim := make([]float32, len(m.profile))
		centSim := make([]float32, len(m.centSize))
		var kern, mass []float64
		if f.opts.Density > 0 && f.opts.Kernel > 0 {
			kern, mass = make([]float64, len(rows)*len(m.profile)), make([]float64, len(m.profile))
		}
		floor := math.Exp(-1 / f.opts.Kernel)
		for k, i := range rows {
			c := f.emb[i*f.dim : (i+1)*f.dim]
			if a > 0 {
				m.inv.dots(f.x.Row(i), termSim)
				shift, scale := f.centred(i)
				for j := range termSim {
					termSim[j] = float32((float64(termSim[j]) - shift - m.shift[j]) * scale * m.scale[j])
				}
			}
			best, second := float32(math.Inf(-1)), float32(math.Inf(-1))
			near[k] = [2]int{-1, -1}
			sum := 0.0
			if f.opts.Kernel <= 0 {
				sum = math.Inf(-1)
			}
			for j, p := range m.profile {
				var sim float32
				if a < 1 {
					sim = vek32.Dot(c, f.emb[p*f.dim:(p+1)*f.dim])
				}
				if a > 0 {
					sim = (1-a)*sim + a*termSim[j]
				}
				if f.opts.Kernel > 0 {
					kv := m.weight[j] * math.Exp((float64(sim)-1)/f.opts.Kernel)
					sum += kv
					if kern != nil {
						kern[k*len(m.profile)+j] = kv
						// The kernel's floor (a candidate sharing no term)
						// is no neighbour.
						mass[j] += kv - m.weight[j]*floor
					}
				} else {
					sum = max(sum, m.weight[j]*float64(sim))
				}
				switch {
				case sim > best:
					second, best = best, sim
					near[k] = [2]int{p, near[k][0]}
				case sim > second:
					second = sim
					near[k][1] = p
				}
			}
			if m.cent != nil {
				centSim = centSim[:len(m.centSize)]
				m.cent.dots(f.x.Row(i), centSim)
				for c, cs := range centSim {
					sum += f.opts.Interests * m.centSize[c] * math.Exp((float64(cs)-1)/f.opts.Kernel)
				}
			}
			knn[k] = sum
		}
		if kern != nil {
			// Each library paper's pull divided by its neighbours' mass
			// among the candidates (to the power Density), as if one more
			// candidate were at cosine 0.5: a paper on a crowded topic
			// spreads its reader's chance over many candidates, one on a
			// rare topic over a few.
			div := make([]float64, len(mass))
			for j, z := range mass {
				div[j] = math.Pow(z+m.weight[j]*math.Exp(-0.5/f.opts.Kernel), -f.opts.Density)
			}
			for k := range knn {
				s := 0.0
				for j, kv := range kern[k*len(div) : (k+1)*len(div)] {
					s += kv * div[j]
				}
				knn[k] = s
			}
		}
		if f.opts.Feedback > 0 && f.opts.Kernel > 0 && a >= 1 {
			m.feedback(rows, knn)
		}
		if f.opts.CategoryPrior > 0 {
			// A prior on the candidate's primary category: (papers of the
			// library in it + 1) ^ CategoryPrior.
			inCat := map[int32]float64{}
			for j, p := range m.profile {
				inCat[f.cat[p]] += m.weight[j]
			}
			for k, i := range rows {
				knn[k] *= math.Pow(inCat[f.cat[i]]+1, f.opts.CategoryPrior)
			}
		}
		if f.opts.Fusion == 0 {
			knn = nil
		}
	}
	switch {
	case knn == nil && svm == nil:
		// Neither part can score (no embeddings for the neighbours and no
		// classifier): every candidate ties, in id order.
	case knn == nil:
		for k := range out {
			out[k].Score = svm[k]
		}
	case svm == nil:
		for k := range out {
			out[k].Score = knn[k]
		}
	default:
		// Reciprocal rank fusion (k 60) of the two rankings.
		w := f.opts.Fusion
		rs, rk := ranks(svm), ranks(knn)
		for k := range out {
			out[k].Score = (1-w)/float64(60+rs[k]) + w/float64(60+rk[k])
		}
	}
	at := make(map[string]int, len(rows))
	for k, i := range rows {
		out[k].ID = f.ids[i]
		at[f.ids[i]] = k
	}
	slices.SortFunc(out, func(a, b Scored) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for k := range min(withReasons, len(out)) {
		if near != nil {
			for _, p := range near[at[out[k].ID]] {
				if p >= 0 {
					out[k].Reason.Like = append(out[k].Reason.Like, f.ids[p])
				}
			}
		} else {
			out[k].Reason = m.reason(f.index[out[k].ID])
		}
	}
	return out
}

// reason names the (at most two) profile papers nearest candidate i by
// tf-idf, for features without embeddings.
func (m *Model) reason(i int) Reason {
	type near struct {
		p   int
		sim float64
	}
	var ns []near
	for _, p := range m.profile {
		ns = append(ns, near{p, sparseDot(m.f.x.Row(i), m.f.x.Row(p))})
	}
	slices.SortStableFunc(ns, func(a, b near) int { return cmp.Compare(b.sim, a.sim) })
	var r Reason
	for _, n := range ns[:min(2, len(ns))] {
		r.Like = append(r.Like, m.f.ids[n.p])
	}
	return r
}

// score is the classifier's decision value for row i.
func (m *Model) score(i int) float64 {
	x := m.f.x
	var s float32
	for k := x.Ptr[i]; k < x.Ptr[i+1]; k++ {
		s += m.wTerms[x.Idx[k]] * x.Val[k]
	}
	if m.wDense != nil {
		s += vek32.Dot(m.wDense, x.Dense[i*x.Dim:(i+1)*x.Dim])
	}
	return float64(s) + m.svm.B
}

func sparseDot(a, b Sparse) float64 {
	s, i, j := 0.0, 0, 0
	for i < len(a.Idx) && j < len(b.Idx) {
		switch {
		case a.Idx[i] == b.Idx[j]:
			s += float64(a.Val[i]) * float64(b.Val[j])
			i++
			j++
		case a.Idx[i] < b.Idx[j]:
			i++
		default:
			j++
		}
	}
	return s
}

// ranks gives each score its 1-based rank, highest first, ties by index.
func ranks(s []float64) []int {
	order := make([]int, len(s))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(s[b], s[a]) })
	r := make([]int, len(s))
	for pos, k := range order {
		r[k] = pos + 1
	}
	return r
}

// RankOptions shape one Rank call.
type RankOptions struct {
	Limit int // results returned, with reasons; all when 0
}

// Rank trains a model on profile and ranks candidates by it: the function
// behind the recommendations API (which keeps the Model between requests)
// and 'paperboy eval recommend'.
func (f *Features) Rank(ctx context.Context, profile, candidates []string, opts RankOptions) ([]Scored, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := f.Train(profile)
	if err != nil {
		return nil, fmt.Errorf("recommend: rank: %w", err)
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = len(candidates)
	}
	out := m.Score(candidates, limit)
	return out[:min(limit, len(out))], nil
}

// VectorMap is Vectors held in a map.
type VectorMap map[string][]float32

// Vector returns id's vector.
func (m VectorMap) Vector(id string) ([]float32, bool) {
	v, ok := m[id]
	return v, ok
}
