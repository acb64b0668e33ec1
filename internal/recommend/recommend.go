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
	"sync"

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
	// EmbedFusion, when positive and the papers have embeddings, fuses
	// the neighbours' kernel over the embeddings' cosines with the one
	// over TermSimilarity's by reciprocal rank (k 60), the embedding's
	// ranking weighing EmbedFusion.
	EmbedFusion float64
	// EmbedKernel is the width of the kernel over the embeddings'
	// cosines (Kernel when 0): an embedding cosine spreads over a narrower
	// and higher range than a tf-idf one.
	EmbedKernel float64
	// EmbedZ, when positive and the papers have embeddings, adds the
	// embeddings' kernel (EmbedKernel) to the tf-idf's: the logs of both
	// standardised over the request's candidates (per library, so neither
	// scale decides alone), the embedding's × EmbedZ, the sum brought back
	// to the tf-idf kernel's unit. It replaces EmbedFusion when both are
	// set.
	EmbedZ float64
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
	Seed   uint64
}

// DefaultOptions is what the server ranks with: the library's papers as
// neighbours by tf-idf, over a vocabulary of 1- to 3-grams in at least 2
// and at most half of the papers, with comments and categories, scored by
// a kernel of width 0.1 (doc.go has the measurements; the embedding's
// kernel beside it, EmbedZ 0.25, gained 0.006 of Recall@20 without the
// authors and lost 0.058 with them, so it is left out). The classifier's
// settings apply when Fusion is below 1.
func DefaultOptions() Options {
	return Options{
		Fusion: 1, TermSimilarity: 1, Kernel: 0.1,
		MinDF: 2, MaxTerms: 2_000_000, NGrams: 3, MaxDF: 0.5, Metadata: true,
		EmbedWeight: 0, Negatives: 10000, C: 0.01, Tol: 1e-3, Seed: 1,
	}
}

// UsesEmbeddings reports whether a model of these options reads the
// papers' embeddings: without it, features need not hold them.
func (o Options) UsesEmbeddings() bool {
	return (o.EmbedWeight > 0 && o.Fusion < 1) || o.TermSimilarity < 1 || o.EmbedFusion > 0 || o.EmbedZ > 0
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
}

// NewFeatures computes the features of papers; vecs gives their
// embeddings (papers without one get a zero vector).
func NewFeatures(ctx context.Context, papers []store.Paper, vecs Vectors, opts Options) (*Features, error) {
	texts := make([]string, len(papers))
	f := &Features{ids: make([]string, len(papers)), index: make(map[string]int, len(papers)), opts: opts}
	for i, p := range papers {
		texts[i] = strings.Join([]string{p.Title, p.Abstract, strings.Join(p.Authors, " ")}, " ")
		if opts.Metadata {
			texts[i] += " " + p.Comments
			for _, c := range p.Categories {
				texts[i] += " cat_" + strings.NewReplacer(".", "_", "-", "_").Replace(c)
			}
		}
		f.ids[i] = p.ID
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
	_, f.x = FitTfidf(texts, tf)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
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

// Model is one reader's trained ranking: train it when their library
// changes, keep it, and score each request's candidates with it.
type Model struct {
	f       *Features
	profile []int
	svm     *Linear
	weight  []float64 // of each profile paper
	// The profile's tf-idf vectors inverted, column -> (paper, weight),
	// and a bitmap of their columns that skips most candidates' terms
	// before the map is asked.
	inverted map[int32][]posting
	inTerms  []uint64
	// The same columns ascending with their postings, for ScoreWindow.
	cols    []int32
	colPost [][]posting
	terms   sync.Once // builds the four above
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
	// The profile's terms are indexed on the first scoring that needs
	// them (indexTerms): a digest run scores through a Kernel instead.
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
	j int // the profile paper's position
	w float32
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
// id; the first withReasons get their Reason. It walks each candidate's
// terms; ScoreWindow gives the same results faster when many models rank
// the same candidates.
func (m *Model) Score(candidates []string, withReasons int) []Scored {
	f := m.f
	rows := make([]int, 0, len(candidates))
	for _, id := range candidates {
		if i, ok := f.index[id]; ok {
			rows = append(rows, i)
		}
	}
	return m.rank(rows, nil, withReasons)
}

// rank scores the feature rows; sims, when not nil, holds each row's
// tf-idf cosines to the profile's papers (len(m.profile) a row), else
// they are computed here from the inverted profile.
func (m *Model) rank(rows []int, sims []float32, withReasons int) []Scored {
	f := m.f
	if sims == nil {
		m.indexTerms()
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
		var embKnn []float64
		if (f.opts.EmbedFusion > 0 || f.opts.EmbedZ > 0) && f.dim > 0 && f.opts.Kernel > 0 {
			embKnn = make([]float64, len(rows))
		}
		ek := f.opts.EmbedKernel
		if ek <= 0 {
			ek = f.opts.Kernel
		}
		// A profile paper sharing no term with the candidate (most of
		// them) adds this, the same float math.Exp gives for 0.
		zero := math.Exp(-1 / f.opts.Kernel)
		for k, i := range rows {
			c := f.emb[i*f.dim : (i+1)*f.dim]
			if a > 0 && sims != nil {
				termSim = sims[k*len(m.profile) : (k+1)*len(m.profile)]
			} else if a > 0 {
				clear(termSim)
				r := f.x.Row(i)
				for q, col := range r.Idx {
					if m.inTerms[col>>6]&(1<<(col&63)) == 0 {
						continue
					}
					for _, ps := range m.inverted[col] {
						termSim[ps.j] += ps.w * r.Val[q]
					}
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
				if a < 1 || embKnn != nil {
					sim = vek32.Dot(c, f.emb[p*f.dim:(p+1)*f.dim])
				}
				if embKnn != nil {
					embKnn[k] += m.weight[j] * math.Exp((float64(sim)-1)/ek)
				}
				if a > 0 {
					sim = (1-a)*sim + a*termSim[j]
				}
				if f.opts.Kernel > 0 {
					e := zero
					if sim != 0 {
						e = math.Exp((float64(sim) - 1) / f.opts.Kernel)
					}
					sum += m.weight[j] * e
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
			knn[k] = sum
		}
		switch {
		case embKnn == nil:
		case f.opts.EmbedZ > 0:
			// z(log tf-idf) + EmbedZ × z(log embedding), each standardised
			// over the candidates, is ordered as the tf-idf's score ×
			// exp(EmbedZ × its logs' deviation × z(log embedding)), which
			// keeps the tf-idf kernel's unit (a library paper's twin
			// scores about 1) for what adds to it or subtracts from it
			// (foryou's follows and "fewer like this").
			_, sd := meanSD(knn)
			ze := zLog(embKnn)
			for k := range knn {
				knn[k] *= math.Exp(f.opts.EmbedZ * sd * ze[k])
			}
		default:
			// The embedding's neighbours fused by reciprocal rank (k 60):
			// its cosines and the tf-idf's live on different scales (a
			// truth paper's best tf-idf cosine is 0.03 at the median), so
			// adding them lets the embedding decide alone.
			w := f.opts.EmbedFusion
			rt, re := ranks(knn), ranks(embKnn)
			for k := range knn {
				knn[k] = (1-w)/float64(60+rt[k]) + w/float64(60+re[k])
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
	// Sorted through a permutation, so each result finds its row and
	// nearest profile papers without a map; the reasons share one array.
	order := make([]int32, len(rows))
	for k := range order {
		order[k] = int32(k)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(out[b].Score, out[a].Score); c != 0 {
			return c
		}
		return strings.Compare(f.ids[rows[a]], f.ids[rows[b]])
	})
	sorted := make([]Scored, len(rows))
	var like []string
	if near != nil {
		like = make([]string, 0, 2*min(withReasons, len(rows)))
	}
	for pos, k := range order {
		sc := Scored{ID: f.ids[rows[k]], Score: out[k].Score}
		if pos < withReasons {
			if near != nil {
				start := len(like)
				for _, p := range near[k] {
					if p >= 0 {
						like = append(like, f.ids[p])
					}
				}
				if len(like) > start {
					sc.Reason.Like = like[start:len(like):len(like)]
				}
			} else {
				sc.Reason = m.reason(rows[k])
			}
		}
		sorted[pos] = sc
	}
	return sorted
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

// meanSD gives the mean and the deviation of the logs of s (1 when
// they all tie).
func meanSD(s []float64) (mean, sd float64) {
	for _, v := range s {
		mean += math.Log(v)
	}
	mean /= float64(len(s))
	for _, v := range s {
		d := math.Log(v) - mean
		sd += d * d
	}
	sd = math.Sqrt(sd / float64(len(s)))
	if sd == 0 {
		sd = 1
	}
	return mean, sd
}

// zLog standardises the logs of s (mean 0, deviation 1).
func zLog(s []float64) []float64 {
	mean, sd := meanSD(s)
	z := make([]float64, len(s))
	for k, v := range s {
		z[k] = (math.Log(v) - mean) / sd
	}
	return z
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
