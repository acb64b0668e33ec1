package lexical

import (
	"cmp"
	"context"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"
)

// Two-phase evaluation of long queries (see run): with more than longQuery
// optional words, words in more than commonDF of the papers only rescore the
// best rerankDepth candidates of the other words.
const (
	longQuery   = 6
	commonDF    = 0.1
	rerankDepth = 200
	minKept     = 4
)

// defaultWorkBudget caps, for long queries, the postings of the words that
// produce candidates (Index.SetWorkBudget changes it).
const defaultWorkBudget = 5e5

// MaxResults bounds Offset+Limit of a request.
const MaxResults = 1000

// DefaultLimit is used when Request.Limit is zero.
const DefaultLimit = 20

// Request is one search.
type Request struct {
	Query  string
	Limit  int // 0 means DefaultLimit
	Offset int
	// Sort applies unless the query itself says sort:...
	Sort SortOrder
	// Categories keeps papers in any of these categories; an archive name
	// ("cs", "math") matches all of its categories.
	Categories []string
	After      time.Time // inclusive, listed date
	Before     time.Time // exclusive
	// Match and Keep, when set, see every matching paper (matches.go).
	Match func(id []byte)
	Keep  func(id []byte) bool
}

// Hit is one matching paper.
type Hit struct {
	ID      string
	Score   float64
	Date    time.Time
	Upvotes int
}

// Result is the outcome of a search.
type Result struct {
	// Total counts matching papers, the same for every page of a query.
	// It is exact unless TotalExact says otherwise: for very long queries
	// of common words it is estimated (at least the number of papers
	// holding the most frequent word).
	Total      int
	TotalExact bool
	Hits       []Hit
	Query      *Query
	// Fallback says, in words fit for a client, why a hybrid search
	// answered from the words alone (search.FallbackUnavailable or
	// search.FallbackProviderSlow); "" otherwise.
	Fallback string
}

// Search parses req.Query and runs it.
func (ix *Index) Search(ctx context.Context, req Request) (Result, error) {
	q, err := Parse(req.Query)
	if err != nil {
		return Result{}, err
	}
	return ix.SearchQuery(ctx, q, req)
}

// SearchQuery runs an already parsed query; req.Query is ignored.
func (ix *Index) SearchQuery(ctx context.Context, q *Query, req Request) (Result, error) {
	return ix.run(ctx, q, req, false)
}

// exec is a query prepared against a snapshot.
type exec struct {
	weights map[string]int // optional words said more than once
	sort    SortOrder
	should  []string
	bonus   map[string]uint32
	df      map[string]float64
	// rerank holds the common words of a long query (see run).
	rerank   []string
	must     []Clause
	mustNot  []Clause
	after    int32
	before   int32
	hasDate  bool
	cats     []string
	k        int
	coll     *collector
	total    int
	exact    bool
	ctx      context.Context
	ops      int
	posBuf   [2][]uint32
	noPrune  bool
	segIndex int
	stats    execStats
	match    func(id []byte)      // Request.Match
	keep     func(id []byte) bool // Request.Keep
}

func (ix *Index) run(ctx context.Context, q *Query, req Request, exhaustive bool) (Result, error) {
	res, _, err := ix.runStats(ctx, q, req, exhaustive)
	return res, err
}

// execStats counts the work a query did, for tests and tuning.
type execStats struct {
	windows, skipped, postings, candidates, probes int
}

func (ix *Index) runStats(ctx context.Context, q *Query, req Request, exhaustive bool) (Result, execStats, error) {
	var e *exec
	res, err := ix.runExec(ctx, q, req, exhaustive, &e)
	if e == nil {
		return res, execStats{}, err
	}
	return res, e.stats, err
}

func (ix *Index) runExec(ctx context.Context, q *Query, req Request, exhaustive bool, ep **exec) (Result, error) {
	offset, limit := pageOf(req)
	res := Result{Query: q, TotalExact: true}
	if limit == 0 {
		return res, nil
	}
	sn := ix.snap.Load()
	e := &exec{sort: req.Sort, ctx: ctx, k: offset + limit, exact: true, noPrune: exhaustive, weights: q.Weights,
		match: req.Match, keep: req.Keep}
	*ep = e
	e.setClauses(q)
	e.setDates(q, req)
	e.setCategories(req)
	if len(e.should) == 0 && len(e.must) == 0 && !e.hasDate && len(e.cats) == 0 {
		return res, nil
	}
	n := float64(max(sn.live(), 1))
	e.weighTerms(sn, n)
	k := e.splitLongQuery(n, ix.budget())
	e.coll = newCollector(k, e.sort)
	order, err := e.searchSegments(sn)
	if err != nil {
		return Result{}, err
	}
	if len(e.rerank) > 0 {
		e.rescore(order)
	}
	res.Total = e.total
	res.TotalExact = e.exact
	res.Hits = e.page(order, offset)
	return res, nil
}

// pageOf returns the request's offset and limit, the limit defaulted and
// cut so that no page reaches past MaxResults.
func pageOf(req Request) (offset, limit int) {
	limit = req.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	offset = max(req.Offset, 0)
	if offset+limit > MaxResults {
		limit = max(MaxResults-offset, 0)
	}
	return offset, limit
}

// setClauses sets the sort order and the words that must, must not and
// should match.
func (e *exec) setClauses(q *Query) {
	if q.HasSort {
		e.sort = q.Sort
	}
	e.must = q.Required
	e.mustNot = q.Excluded
	if e.sort != SortRelevance {
		// Date and vote orders need a boolean match: every word must occur.
		for _, t := range q.Terms {
			e.must = append(e.must, Clause{Field: FieldText, Text: t, Terms: []string{t}})
		}
	} else {
		e.should = q.Terms
	}
}

// setDates sets the day range: the narrower of the query's and the
// request's bounds.
func (e *exec) setDates(q *Query, req Request) {
	after, before := q.After, q.Before
	if !req.After.IsZero() && (after.IsZero() || req.After.After(after)) {
		after = req.After
	}
	if !req.Before.IsZero() && (before.IsZero() || req.Before.Before(before)) {
		before = req.Before
	}
	e.after, e.before = math.MinInt32, math.MaxInt32
	if !after.IsZero() {
		e.after, e.hasDate = toDays(after), true
		if after.Unix()%86400 != 0 {
			e.after++ // a bound inside a day starts at the next day
		}
	}
	if !before.IsZero() {
		e.before, e.hasDate = toDays(before), true
		if before.Unix()%86400 != 0 {
			e.before++
		}
	}
}

func (e *exec) setCategories(req Request) {
	for _, c := range req.Categories {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			e.cats = append(e.cats, c)
		}
	}
}

// weighTerms reads each optional word's document frequency over the whole
// index (n papers) and its coordination bonus.
func (e *exec) weighTerms(sn *snapshot, n float64) {
	e.bonus = map[string]uint32{}
	e.df = map[string]float64{}
	for _, t := range e.should {
		if _, ok := e.bonus[t]; ok {
			continue
		}
		df := 0.0
		for _, v := range sn.segs {
			if i := v.seg.lookup(t); i >= 0 {
				df += float64(v.seg.termDF[i])
			}
		}
		// The bonus rewards papers with more of a short query's words; in a
		// long query (an abstract used as the query) it drowns the term
		// weights, and measurably hurts ranking on CSFCube.
		if len(e.should) <= longQuery {
			e.bonus[t] = uint32(math.Round(coordWeight * idf(n, min(df, n)) * impactScale))
		} else {
			e.bonus[t] = 0
		}
		e.df[t] = df
	}
}

// splitLongQuery returns how many candidates to collect. Long (sentence)
// queries are evaluated in two phases. The first ranks with the
// informative words only, keeping rerankDepth candidates; the second adds
// the very common words' scores to those candidates and keeps the top k.
// Common words cost the most to evaluate and mostly reorder papers the
// other words found. Short queries use every word from the start, since
// there the user chose each one.
func (e *exec) splitLongQuery(n, budget float64) int {
	if e.sort != SortRelevance || len(e.should) <= longQuery {
		return e.k
	}
	// Most frequent first; a word moves to the rescoring phase if it is
	// common, or while the words left would read more postings than the
	// work budget allows. The rarest minKept words always stay.
	byDF := slices.Clone(e.should)
	slices.SortStableFunc(byDF, func(a, b string) int { return cmp.Compare(e.df[b], e.df[a]) })
	var total float64
	for _, t := range byDF {
		total += e.df[t]
	}
	cut := 0
	for cut < len(byDF)-minKept && (e.df[byDF[cut]] > commonDF*n || total > budget) {
		total -= e.df[byDF[cut]]
		cut++
	}
	if cut == 0 {
		return e.k
	}
	e.rerank = byDF[:cut]
	rr := map[string]bool{}
	for _, t := range e.rerank {
		rr[t] = true
	}
	var kept []string
	for _, t := range e.should {
		if !rr[t] {
			kept = append(kept, t)
		}
	}
	e.should = kept
	return min(max(e.k*10, rerankDepth), MaxResults*2)
}

// searchSegments searches every segment, the largest first (it sets a
// useful threshold early), and returns them in that order.
func (e *exec) searchSegments(sn *snapshot) ([]*segView, error) {
	order := slices.Clone(sn.segs)
	slices.SortStableFunc(order, func(a, b *segView) int { return b.live - a.live })
	for i, v := range order {
		e.segIndex = i
		e.coll.views = order
		if err := e.searchSegment(v); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// page turns the collected hits from offset on into a result's hits.
func (e *exec) page(order []*segView, offset int) []Hit {
	hits := e.coll.sorted()
	if offset >= len(hits) {
		return nil
	}
	out := make([]Hit, 0, len(hits)-offset)
	for _, h := range hits[offset:] {
		s := order[h.seg].seg
		out = append(out, Hit{
			ID:      s.docID(h.doc),
			Score:   float64(h.score) / impactScale,
			Date:    fromDays(s.days[h.doc]),
			Upvotes: int(s.upvotes[h.doc]),
		})
	}
	return out
}

// clauseExec is a clause resolved against one segment.
type clauseExec struct {
	c    *Clause
	curs []*cursor
}

func (e *exec) resolve(s *segment, c *Clause) (clauseExec, bool) {
	ce := clauseExec{c: c}
	for _, t := range c.Terms {
		i := s.lookup(t)
		if i < 0 {
			return ce, false
		}
		cur := newCursor(s, i, c.Field.mask())
		cur.bonus = e.bonus[t]
		ce.curs = append(ce.curs, cur)
	}
	return ce, true
}

// matchAt reports whether the clause matches doc d (cursors are advanced to
// d) and the sum of its impacts.
func (e *exec) matchAt(ce *clauseExec, d uint32) (bool, uint32) {
	var score uint32
	for _, c := range ce.curs {
		c.advance(d)
		if c.doc != d {
			return false, 0
		}
		score += c.impact()
	}
	if ce.c.Phrase && len(ce.curs) > 1 && !e.phraseAt(ce) {
		return false, 0
	}
	return true, score
}

// phraseAt verifies positions; all cursors sit on the same doc.
func (e *exec) phraseAt(ce *clauseExec) bool {
	first := ce.curs[0].positions(e.posBuf[0])
	e.posBuf[0] = first
	for _, p0 := range first {
		ok := true
		for j := 1; j < len(ce.curs) && ok; j++ {
			want := p0 + uint32(ce.c.Pos[j])
			ps := ce.curs[j].positions(e.posBuf[1])
			e.posBuf[1] = ps
			_, ok = slices.BinarySearch(ps, want)
		}
		if ok {
			return true
		}
	}
	return false
}

// accept applies deletions, filters and exclusions.
func (e *exec) accept(v *segView, nots []clauseExec, catOK []bool, d uint32) bool {
	s := v.seg
	if v.del.has(d) {
		return false
	}
	if e.hasDate {
		day := s.days[d]
		if day < e.after || day >= e.before {
			return false
		}
	}
	if catOK != nil {
		ok := false
		for _, c := range s.docCats(d) {
			if catOK[c] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for i := range nots {
		if m, _ := e.matchAt(&nots[i], d); m {
			return false
		}
	}
	return e.keep == nil || e.keep(s.idBytes(d))
}

func (e *exec) tick() error {
	e.ops++
	if e.ops&4095 == 0 {
		return e.ctx.Err()
	}
	return nil
}

func (e *exec) searchSegment(v *segView) error {
	s := v.seg
	var catOK []bool
	if len(e.cats) > 0 {
		catOK = make([]bool, len(s.catNames))
		found := false
		for i, name := range s.catNames {
			for _, c := range e.cats {
				if name == c || strings.HasPrefix(name, c) && len(name) > len(c) && name[len(c)] == '.' {
					catOK[i], found = true, true
				}
			}
		}
		if !found {
			return nil
		}
	}
	var musts []clauseExec
	for i := range e.must {
		ce, ok := e.resolve(s, &e.must[i])
		if !ok {
			return nil // a required clause cannot match here
		}
		musts = append(musts, ce)
	}
	var nots []clauseExec
	for i := range e.mustNot {
		if ce, ok := e.resolve(s, &e.mustNot[i]); ok {
			nots = append(nots, ce)
		}
	}
	var should []*cursor
	for _, t := range e.should {
		if i := s.lookup(t); i >= 0 {
			c := newCursor(s, i, 0)
			c.bonus = e.bonus[t]
			c.w = e.weight(t)
			c.ub = uint32(c.maxImp)*c.w + c.bonus
			should = append(should, c)
		}
	}
	slices.SortStableFunc(should, func(a, b *cursor) int { return int(a.ub) - int(b.ub) })
	switch {
	case len(musts) > 0 && len(e.should) > 0 && len(should) == 0:
		return nil // at least one optional word must match
	case len(musts) > 0:
		return e.conjunction(v, musts, should, nots, catOK)
	case len(should) > 0:
		if e.noPrune {
			return e.exhaustiveOr(v, should, nots, catOK)
		}
		return e.maxScore(v, should, nots, catOK)
	case len(e.should) > 0:
		return nil // none of the words occur in this segment
	default:
		return e.all(v, nots, catOK)
	}
}

// all visits every document (filter-only queries).
func (e *exec) all(v *segView, nots []clauseExec, catOK []bool) error {
	for d := uint32(0); d < uint32(v.seg.nDocs); d++ {
		if err := e.tick(); err != nil {
			return err
		}
		if e.accept(v, nots, catOK, d) {
			e.matched(v, d)
			e.coll.offer(e.segIndex, d, 0)
		}
	}
	return nil
}

// conjunction drives by the required clauses (leapfrog over their terms) and
// adds optional terms while they can still lift the doc into the top k.
func (e *exec) conjunction(v *segView, musts []clauseExec, should []*cursor, nots []clauseExec, catOK []bool) error {
	var all []*cursor
	for i := range musts {
		all = append(all, musts[i].curs...)
	}
	// Rarest first makes leapfrogging cheap.
	slices.SortFunc(all, func(a, b *cursor) int { return a.df - b.df })
	prefix := prefixBounds(should)
	d := all[0].doc
	for d != noDoc {
		if err := e.tick(); err != nil {
			return err
		}
		agreed := true
		for _, c := range all {
			c.advance(d)
			if c.doc != d {
				d = c.doc
				agreed = false
				break
			}
		}
		if !agreed {
			continue
		}
		ok := true
		var score uint32
		for i := range musts {
			m, sc := e.matchAt(&musts[i], d)
			if !m {
				ok = false
				break
			}
			score += sc
		}
		if ok && e.accept(v, nots, catOK, d) {
			var matched int
			score, matched, ok = e.addOptional(should, prefix, d, score)
			// With optional words, at least one of them must match.
			switch {
			case !ok:
				// Pruned before all words were seen: it is counted when
				// one of them matches, whatever the page asked for.
				if anyAt(should, d) {
					e.matched(v, d)
				}
			case matched > 0 || len(should) == 0:
				e.matched(v, d)
				e.coll.offer(e.segIndex, d, score)
			}
		}
		all[0].advance(d + 1)
		d = all[0].doc
	}
	return nil
}

// anyAt reports whether any of the cursors cs has a posting for doc d;
// the cursors only move forward, so d must not decrease between calls.
func anyAt(cs []*cursor, d uint32) bool {
	for _, c := range cs {
		c.advance(d)
		if c.doc == d {
			return true
		}
	}
	return false
}

// addOptional adds the impacts of non-essential cursors (ascending bound
// order) to score, best term first, giving up as soon as the doc cannot
// reach the collector's threshold; before decoding a term's block it checks
// that block's max impact. ok=false means the doc cannot enter the top k.
func (e *exec) addOptional(cs []*cursor, prefix []uint32, d uint32, score uint32) (uint32, int, bool) {
	matched := 0
	prune := e.sort == SortRelevance && !e.noPrune
	for i := len(cs) - 1; i >= 0; i-- {
		if prune && e.coll.full() {
			th := e.coll.threshold()
			if score+prefix[i] < th {
				return 0, 0, false
			}
			bm := cs[i].shallow(d)
			rest := uint32(0)
			if i > 0 {
				rest = prefix[i-1]
			}
			bound := score + rest
			if bm > 0 {
				bound += uint32(bm)*cs[i].w + cs[i].bonus
			}
			if bound < th {
				return 0, 0, false
			}
			if bm == 0 {
				continue
			}
		}
		e.stats.probes++
		cs[i].advance(d)
		if cs[i].doc == d {
			score += cs[i].impact()
			matched++
		}
	}
	return score, matched, true
}

// weight is how many times the query says optional word t, at most
// maxWeight: a query made of a whole abstract weighs its topic words.
func (e *exec) weight(t string) uint32 {
	return uint32(min(max(e.weights[t], 1), maxWeight))
}

// maxWeight bounds a word's weight so that no word drowns the others.
const maxWeight = 8

func prefixBounds(cs []*cursor) []uint32 {
	p := make([]uint32, len(cs))
	var sum uint32
	for i, c := range cs {
		sum += c.ub
		p[i] = sum
	}
	return p
}

// window is the doc range maxScore scores at a time.
const window = 4096

// windowBound returns an upper bound of the cursor's contribution to docs
// in [w, end), from the block maxima of the blocks that overlap the range.
func (c *cursor) windowBound(w, end uint32) uint32 {
	if c.doc == noDoc {
		return 0
	}
	if c.doc >= end && c.loaded == c.blk {
		return 0
	}
	c.shallow(w)
	b := c.blk
	if b >= c.blkEnd {
		return 0
	}
	if b > int(c.s.termBlk[c.t]) && c.s.blkLast[b-1] >= end-1 {
		return 0 // the block starts after the window
	}
	mx := c.s.blkMax[b]
	for b2 := b + 1; b2 < c.blkEnd && c.s.blkLast[b2-1] < end-1; b2++ {
		mx = max(mx, c.s.blkMax[b2])
	}
	return uint32(mx)*c.w + c.bonus
}

// maxScore evaluates a disjunction with block-max MaxScore, a window of docs
// at a time (as Lucene's MaxScoreBulkScorer does). For each window every
// term gets an upper bound from the block maxima overlapping the window;
// terms are sorted by that bound, and the low ones whose bounds sum below the
// current top-k threshold are "non-essential": they are only probed for docs
// that the essential terms produce, and only while the doc can still beat
// the threshold. Essential terms are scored term-at-a-time into an array.
// Windows where no term can lift a doc over the threshold are skipped.
func (e *exec) maxScore(v *segView, cs []*cursor, nots []clauseExec, catOK []bool) error {
	maxDF := 0
	w := noDoc
	for _, c := range cs {
		maxDF = max(maxDF, c.df)
		w = min(w, c.doc)
	}
	ws := newWindowScratch(len(cs))
	seen := 0
	nDocs := uint32(v.seg.nDocs)
	for w != noDoc && w < nDocs {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		end := min(w+window, nDocs)
		seen += e.scoreWindow(v, ws, cs, w, end, nots, catOK)
		w = end
	}
	e.countMatches(v, cs, maxDF, seen, catOK)
	return nil
}

// countBudget is the most postings countMatches reads in a segment to
// count its matches exactly: a few milliseconds of decoding. Past it (long
// queries of common words) Total is an estimate.
const countBudget = 1 << 20

// countMatches adds to e.total the papers of v that match any of the
// optional words cs and pass the filters. Pruning skips papers that cannot
// reach the top k, so what maxScore saw depends on k, the page asked for;
// counting the union of the postings does not, so that the same query
// always reports the same total. Over countBudget it adds an estimate:
// the papers holding the most frequent word, or the papers seen (maxDF
// and seen, from maxScore), whichever is more.
func (e *exec) countMatches(v *segView, cs []*cursor, maxDF, seen int, catOK []bool) {
	postings := 0
	for _, c := range cs {
		postings += c.df
	}
	if postings > countBudget && e.match == nil {
		e.total += max(seen, maxDF-v.del.count())
		e.exact = false
		return
	}
	s := v.seg
	union := make(bitset, (s.nDocs+63)/64)
	for _, c := range cs {
		walk := newCursor(s, c.t, 0)
		for b := walk.blk; b < walk.blkEnd; b++ {
			walk.load(b)
			for _, d := range walk.docs[:walk.n] {
				union[d>>6] |= 1 << (d & 63)
			}
		}
	}
	// The exclusions' cursors were moved on by scoring; these start afresh.
	var nots []clauseExec
	for i := range e.mustNot {
		if ce, ok := e.resolve(s, &e.mustNot[i]); ok {
			nots = append(nots, ce)
		}
	}
	for wi, word := range union {
		for ; word != 0; word &= word - 1 {
			d := uint32(wi)<<6 | uint32(bits.TrailingZeros64(word))
			if e.accept(v, nots, catOK, d) {
				e.matched(v, d)
			}
		}
	}
}

// windowScratch is maxScore's working space, reused from window to window.
type windowScratch struct {
	ord    []*cursor // the cursors, by ascending bound inside the window
	lb     []uint32  // the bound of ord[i] inside the window
	prefix []uint32  // prefix[i] = lb[0] + ... + lb[i]
	scores [window]uint32
	bits   [window / 64]uint64 // the window's docs that have a score
}

func newWindowScratch(n int) *windowScratch {
	return &windowScratch{ord: make([]*cursor, n), lb: make([]uint32, n), prefix: make([]uint32, n)}
}

// scoreWindow scores the docs in [w, end) and returns how many of them
// matched an essential term.
func (e *exec) scoreWindow(v *segView, ws *windowScratch, cs []*cursor, w, end uint32, nots []clauseExec, catOK []bool) int {
	var th uint32
	if e.coll.full() {
		th = e.coll.threshold()
	}
	ws.sortByBound(cs, w, end)
	sum, p := ws.splitEssential(th)
	e.stats.windows++
	if p == len(cs) {
		e.stats.skipped++
		return 0
	}
	for i := p; i < len(cs); i++ {
		e.accumulate(ws, ws.ord[i], w, end, th, sum-ws.lb[i])
	}
	return e.offerWindow(v, ws, p, w, nots, catOK)
}

// sortByBound orders the cursors by their bound inside [w, end).
func (ws *windowScratch) sortByBound(cs []*cursor, w, end uint32) {
	ord, lb := ws.ord, ws.lb
	copy(ord, cs)
	for i, c := range ord {
		lb[i] = c.windowBound(w, end)
	}
	// Insertion sort: there are few cursors.
	for i := 1; i < len(ord); i++ {
		for j := i; j > 0 && lb[j] < lb[j-1]; j-- {
			lb[j], lb[j-1] = lb[j-1], lb[j]
			ord[j], ord[j-1] = ord[j-1], ord[j]
		}
	}
}

// splitEssential fills the prefix sums of the bounds and returns their total
// and p, the number of non-essential cursors: ord[:p] together cannot reach
// the threshold th.
func (ws *windowScratch) splitEssential(th uint32) (sum uint32, p int) {
	for i := range ws.ord {
		sum += ws.lb[i]
		ws.prefix[i] = sum
		if th > 0 && sum < th {
			p = i + 1
		}
	}
	return sum, p
}

// accumulate adds the impacts of essential cursor c for the docs in
// [w, end) to the window's scores; others bounds what the other cursors can
// add, so that blocks that cannot reach the threshold th are skipped.
func (e *exec) accumulate(ws *windowScratch, c *cursor, w, end, th, others uint32) {
	c.advance(w)
	for c.doc < end {
		if th > 0 && uint32(c.s.blkMax[c.blk])*c.w+c.bonus+others < th {
			// No doc of this block inside the window can reach the
			// threshold. The bounds of the others hold only inside
			// the window, so a block that runs past it is skipped
			// only up to the window's end.
			if c.s.blkLast[c.blk] < end {
				c.skipBlock()
			} else {
				c.advance(end)
			}
			continue
		}
		// Accumulate the rest of this block inside the window.
		// Optional-word cursors have no field mask, so every
		// posting counts.
		docs, imps := c.docs[:c.n], c.imps[:c.n]
		j := c.i
		for ; j < len(docs) && docs[j] < end; j++ {
			o := docs[j] - w
			ws.scores[o] += uint32(imps[j])*c.w + c.bonus
			ws.bits[o>>6] |= 1 << (o & 63)
		}
		e.stats.postings += j - c.i
		if j < len(docs) {
			c.i, c.doc = j, docs[j]
		} else {
			c.i = len(docs) - 1
			c.next()
		}
	}
}

// offerWindow offers the window's scored docs to the collector, adding the
// non-essential cursors ord[:p] to those that can still beat the threshold,
// and clears the scores for the next window. It returns how many docs had
// a score.
func (e *exec) offerWindow(v *segView, ws *windowScratch, p int, w uint32, nots []clauseExec, catOK []bool) int {
	var rest uint32
	if p > 0 {
		rest = ws.prefix[p-1]
	}
	seen := 0
	for wi := range ws.bits {
		for ws.bits[wi] != 0 {
			o := uint32(wi)<<6 | uint32(trailingZeros(ws.bits[wi]))
			ws.bits[wi] &= ws.bits[wi] - 1
			score := ws.scores[o]
			ws.scores[o] = 0
			seen++
			if e.coll.full() && score+rest < e.coll.threshold() {
				continue
			}
			d := w + o
			e.stats.candidates++
			if !e.accept(v, nots, catOK, d) {
				continue
			}
			ok := true
			if p > 0 {
				score, _, ok = e.addOptional(ws.ord[:p], ws.prefix[:p], d, score)
			}
			if ok {
				e.coll.offer(e.segIndex, d, score)
			}
		}
	}
	return seen
}

// exhaustiveOr scores every doc matching any term; it is the reference the
// pruned evaluation is tested against.
func (e *exec) exhaustiveOr(v *segView, cs []*cursor, nots []clauseExec, catOK []bool) error {
	scores := make([]uint32, v.seg.nDocs)
	hit := make([]bool, v.seg.nDocs)
	for _, c := range cs {
		for ; c.doc != noDoc; c.next() {
			scores[c.doc] += c.impact()
			hit[c.doc] = true
		}
	}
	for d := range scores {
		if hit[d] && e.accept(v, nots, catOK, uint32(d)) {
			e.matched(v, uint32(d))
			e.coll.offer(e.segIndex, uint32(d), scores[d])
		}
	}
	return nil
}

func trailingZeros(x uint64) int { return bits.TrailingZeros64(x) }

// rescore adds the impacts of e.rerank words to the collected candidates and
// keeps the best e.k.
func (e *exec) rescore(order []*segView) {
	cands := slices.Clone(e.coll.h)
	slices.SortFunc(cands, func(a, b entry) int {
		if a.seg != b.seg {
			return a.seg - b.seg
		}
		return int(a.doc) - int(b.doc)
	})
	for i := 0; i < len(cands); {
		j := i
		for j < len(cands) && cands[j].seg == cands[i].seg {
			j++
		}
		s := order[cands[i].seg].seg
		for _, t := range e.rerank {
			ti := s.lookup(t)
			if ti < 0 {
				continue
			}
			c := newCursor(s, ti, 0)
			c.bonus = e.bonus[t]
			c.w = e.weight(t)
			for x := i; x < j && c.doc != noDoc; x++ {
				c.advance(cands[x].doc)
				if c.doc == cands[x].doc {
					cands[x].score += c.impact()
				}
			}
		}
		i = j
	}
	coll := newCollector(e.k, e.sort)
	coll.views = order
	for _, c := range cands {
		coll.offerEntry(c)
	}
	e.coll = coll
}

// IDs returns the ids of the hits, best first.
func (r Result) IDs() []string {
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return ids
}
