package foryou

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperboy-dev/paperboy/internal/recommend"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Ranking many readers at once (a digest run: 100,000 readers, one day's
// candidates) shares what their rankings have in common, and gives each
// reader the Result Recommend gives them (TestBatchIsRecommend):
//
//   - The model is a sum over the library's papers of a kernel of each
//     one's cosine to the candidate (recommend.Model.KernelOnly): a
//     library paper's cosines to the span's candidates, and their kernel
//     terms, are computed once for every reader whose library holds it
//     (recommend.Kernel, kept by the run: its memory is let go with the
//     run), so a reader's scores are a sum of a few kept rows.
//   - Only the first Limit of the ranking are wanted: they are selected
//     in one pass, in the ranking's order (compareRanked, a total
//     order), instead of sorting every candidate twice; only they get
//     their reasons.
//   - A Run reads each paper from the store once for all its readers.
//
// Models that are not the kernel alone (other Options), and readers
// with no library model (follows only), are ranked by rank as Recommend
// ranks them.

// maxKernels bounds the spans' kernels a run keeps (a digest run ranks
// one); kernelBytes each one's rows, 24 KB a library paper for a day of
// 3,000 candidates: 11,000 library papers. Rows beyond are computed for
// each reader.
const (
	maxKernels  = 2
	kernelBytes = 256 << 20
)

// kernel is the run's kernel of ft.cands[lo:hi], made on the first ask,
// over the span's own window when it is half of the candidates or less.
func (run *Run) kernel(ft *features, lo, hi int) *recommend.Kernel {
	key := kernelKey{ft, lo, hi}
	run.mu.Lock()
	defer run.mu.Unlock()
	if kn := run.kernels[key]; kn != nil {
		return kn
	}
	w, wlo, whi := ft.win, lo, hi
	ft.spanMu.Lock()
	sw, ok := ft.spans[[2]int{lo, hi}]
	ft.spanMu.Unlock()
	if ok {
		w, wlo, whi = sw, 0, sw.Len()
	} else if (hi-lo)*2 <= len(ft.cands) {
		w = ft.newSpanWindow(lo, hi)
		wlo, whi = 0, w.Len()
	}
	kn := w.NewKernel(wlo, whi, kernelBytes)
	if len(run.kernels) >= maxKernels {
		clear(run.kernels)
	}
	run.kernels[key] = kn
	return kn
}

type kernelKey struct {
	ft     *features
	lo, hi int
}

// A Run ranks papers for many readers, as a digest run does, keeping
// the kernels of the periods ranked and reading each paper once for all
// of them: its papers are those of the moment they are first read, as a
// digest's pool is. Safe for concurrent use.
type Run struct {
	s       *Service
	mu      sync.Mutex
	papers  map[string]*store.Paper
	kernels map[kernelKey]*recommend.Kernel
}

// maxRunPapers bounds the papers a Run keeps (a few KB each: a day's
// candidates and the library papers reasons name); more are read for
// each batch.
const maxRunPapers = 20_000

// NewRun starts a run of RecommendBatch calls.
func (s *Service) NewRun() *Run {
	return &Run{s: s, papers: map[string]*store.Paper{}, kernels: map[kernelKey]*recommend.Kernel{}}
}

// RecommendBatch is Recommend for each request, the results and errors
// in the requests' order.
func (s *Service) RecommendBatch(ctx context.Context, reqs []Request) ([]Result, []error) {
	return s.NewRun().Recommend(ctx, reqs)
}

// Recommend is Recommend for each request, with the run's papers.
func (run *Run) Recommend(ctx context.Context, reqs []Request) ([]Result, []error) {
	s := run.s
	results := make([]Result, len(reqs))
	errs := make([]error, len(reqs))
	ft, err := s.current(ctx)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return results, errs
	}
	readers := make([]*reader, len(reqs))
	rankings := make([][]ranked, len(reqs))
	var b topBuffers
	for i, req := range reqs {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		r, err := s.reader(ctx, req.UserID, req.Collection)
		if err != nil {
			errs[i] = err
			continue
		}
		res, limit := s.result(ft, req)
		if r.Empty() {
			res.Empty = true
			results[i] = res
			continue
		}
		t, err := s.modelsOf(ft, req.UserID, r)
		if err != nil {
			errs[i] = err
			continue
		}
		rs, ok := t.ranking(res.Since, res.Until)
		if !ok {
			lo, hi := ft.span(res.Since, res.Until)
			if rs, ok, err = s.rankTop(ctx, run, ft, r, t, lo, hi, limit, &b); err == nil && !ok {
				// As Recommend ranks, and keeps, it.
				if rs, err = s.rank(ctx, ft, r, t, lo, hi); err == nil {
					rs = slices.Clip(rs[:min(200, len(rs))])
					t.keep(res.Since, res.Until, rs)
				}
			}
			if err != nil {
				errs[i] = err
				continue
			}
		}
		readers[i], results[i], rankings[i] = r, res, rs[:min(limit, len(rs))]
	}
	var ids []string
	for _, rs := range rankings {
		ids = fillIDs(ids, rs)
	}
	byID, err := run.papersByID(ctx, ids)
	for i, r := range readers {
		if r == nil {
			continue
		}
		if err != nil {
			results[i], errs[i] = Result{}, err
			continue
		}
		s.fillFrom(r, &results[i], rankings[i], byID)
	}
	return results, errs
}

// papersByID reads the papers of ids the run has not read yet.
func (run *Run) papersByID(ctx context.Context, ids []string) (map[string]*store.Paper, error) {
	byID := make(map[string]*store.Paper, len(ids))
	var missing []string
	run.mu.Lock()
	for _, id := range ids {
		if p, ok := run.papers[id]; ok {
			byID[id] = p
		} else if _, asked := byID[id]; !asked {
			byID[id] = nil
			missing = append(missing, id)
		}
	}
	run.mu.Unlock()
	if len(missing) == 0 {
		return byID, nil
	}
	papers, err := run.s.Store.PapersByID(ctx, missing)
	if err != nil {
		return nil, fmt.Errorf("foryou: %w", err)
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	for i := range papers {
		p := &papers[i]
		byID[p.ID] = p
		if len(run.papers) < maxRunPapers {
			run.papers[p.ID] = p
		}
	}
	return byID, nil
}

// topRankings counts rankTop's rankings, for the tests that show the
// batch ranks through the kernel.
var topRankings atomic.Int64

// topBuffers are rankTop's, reused from one reader to the next.
type topBuffers struct {
	model, fewer []float64
	skip         []bool
	at           []int
}

// rankTop is rank's first limit results, for a reader whose models are
// the kernel alone: scores summed from the span's kernel, the first
// limit selected in compareRanked's order; ok is false, and nothing
// done, for other models.
func (s *Service) rankTop(ctx context.Context, run *Run, ft *features, r *reader, t *trained, lo, hi, limit int, b *topBuffers) (_ []ranked, ok bool, _ error) {
	if t.like == nil || !t.like.KernelOnly() || (t.fewer != nil && !t.fewer.KernelOnly()) || hi <= lo || limit <= 0 {
		return nil, false, nil
	}
	kn := run.kernel(ft, lo, hi)
	n := hi - lo
	if kn.Len() != n {
		return nil, false, nil
	}
	like, ok := t.like.KernelRows(kn)
	if !ok {
		return nil, false, nil
	}
	b.model = slices.Grow(b.model[:0], n)[:n]
	like.Scores(b.model)
	var fewer []float64
	if t.fewer != nil {
		rows, ok := t.fewer.KernelRows(kn)
		if !ok {
			return nil, false, nil
		}
		b.fewer = slices.Grow(b.fewer[:0], n)[:n]
		rows.Scores(b.fewer)
		fewer = b.fewer
	}
	b.skip = slices.Grow(b.skip[:0], n)[:n]
	clear(b.skip)
	for id := range r.drop {
		if i, ok := ft.at[id]; ok && i >= lo && i < hi {
			b.skip[i-lo] = true
		}
	}
	var ids []string // the candidates not dropped, for the topics' lookup
	if s.Topics != nil && slices.ContainsFunc(r.follows, func(f store.Follow) bool { return f.Kind == store.FollowTopic }) {
		for k, c := range ft.cands[lo:hi] {
			if !b.skip[k] {
				ids = append(ids, c.id)
			}
		}
	}
	fl, err := s.followsOf(ctx, r, ids)
	if err != nil {
		return nil, false, err
	}
	lifts := len(r.follows) > 0
	// Every candidate of a library model has a reason (its nearest
	// library papers), so rank keeps those with a positive score.
	top := make([]ranked, 0, limit+1)
	b.at = b.at[:0]
	for k := range n {
		if b.skip[k] {
			continue
		}
		c := ranked{model: b.model[k]}
		if fewer != nil {
			c.model -= fewerWeight * fewer[k]
		}
		m := ft.metaAt[lo+k]
		var lift float64
		if lifts {
			lift, c.lifted = fl.lift(ft.cands[lo+k].id, m)
		}
		c.score = c.model + lift
		// Most candidates fall below the last kept on the score alone.
		if !(c.score > 0) || (len(top) == limit && c.score < top[limit-1].score) {
			continue
		}
		c.id = ft.cands[lo+k].id
		if m != nil {
			c.upvotes = m.upvotes
		}
		if len(top) == limit && compareRanked(c, top[limit-1]) >= 0 {
			continue
		}
		// Insertion into the few kept, in order.
		j := len(top)
		if j < limit {
			top = append(top, ranked{})
			b.at = append(b.at, 0)
		} else {
			j--
		}
		for ; j > 0 && compareRanked(c, top[j-1]) < 0; j-- {
			top[j], b.at[j] = top[j-1], b.at[j-1]
		}
		top[j], b.at[j] = c, k
	}
	for i := range top {
		top[i].like = like.Reason(b.at[i]).Like
	}
	topRankings.Add(1)
	return top, true, nil
}

// digest runs -----------------------------------------------------------

// StartRun is digest.BatchRecommender: a digest run's recommendations,
// RecommendHeaded for many readers at once.
func (d digestRecommender) StartRun() func(ctx context.Context, userIDs []int64, since, until time.Time, k int) ([][]store.Paper, []string, []error) {
	run := d.s.NewRun()
	return func(ctx context.Context, userIDs []int64, since, until time.Time, k int) ([][]store.Paper, []string, []error) {
		reqs := make([]Request, len(userIDs))
		for i, u := range userIDs {
			reqs[i] = Request{UserID: u, Since: since, Until: until, Limit: k}
		}
		results, errs := run.Recommend(ctx, reqs)
		papers := make([][]store.Paper, len(userIDs))
		headings := make([]string, len(userIDs))
		for i, res := range results {
			if errs[i] == nil {
				papers[i], headings[i], errs[i] = d.headed(ctx, res, userIDs[i], since, until, k)
			}
		}
		return papers, headings, errs
	}
}
