package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/paperboy-dev/paperboy/internal/search/fusion"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/topics"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Mode says how a search ranks.
type Mode string

// The search modes.
const (
	Lexical  Mode = "lexical"  // words: the lexical index alone
	Semantic Mode = "semantic" // meaning: the vector index alone
	Hybrid   Mode = "hybrid"   // both, fused (Fusion)
)

// ParseMode validates a mode name; "" is Hybrid.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return Hybrid, nil
	case Lexical, Semantic, Hybrid:
		return m, nil
	}
	return "", fmt.Errorf("mode %q: want lexical, semantic or hybrid", s)
}

// LexicalSearcher is the lexical index.
type LexicalSearcher interface {
	Search(ctx context.Context, req Request) (Result, error)
}

// Searcher runs searches in any mode: the one facade the web layer, the
// CLI and the evaluation search through.
type Searcher struct {
	Lexical LexicalSearcher
	// Index returns the semantic index, or nil while there is none.
	Index func() *semantic.Index
	// Down, when set, says why Index returns nil ("" when no model was
	// ever trained). It is logged, and a hybrid search that answers from
	// words reports FallbackUnavailable.
	Down   func() string
	Fusion Fusion
	// Log receives the reasons of fallbacks, which clients are not told;
	// nil discards them.
	Log *slog.Logger
}

// The reasons Result.Fallback gives a client for a hybrid search answered
// from words alone. They are fixed: the internal reason is logged instead,
// since it may name files, commands or the provider's address.
const (
	FallbackUnavailable  = "search by meaning is not available yet"
	FallbackProviderSlow = "the embeddings provider did not answer in time"
)

// Search runs req in mode and reports the mode that answered: hybrid is
// lexical while no model is loaded, for a sort order other than relevance,
// and for queries with no words (only fields or filters). Hits of semantic
// and hybrid results carry no dates or upvotes; their scores are fusion
// scores (hybrid) or cosine similarities (semantic).
//
// A hybrid query with fields, phrases, exclusions or filters ranks the
// papers that pass them: its lexical result, deep, fused with the
// similarity of the same papers to the query's words (lexical.Query.Words).
// The vectors alone cannot say which papers pass, so papers that match
// none of the words are not found that way.
func (s *Searcher) Search(ctx context.Context, mode Mode, req Request) (Result, Mode, error) {
	f := s.Fusion
	if f.Depth == 0 {
		f = DefaultFusion
	}
	want := req.Offset + max(req.Limit, 1)
	// A hybrid total counts the neighbours by meaning among the first
	// countDepth, whatever the page, so that every page reports the same
	// total (see total); the lists are read as deep as the page.
	countDepth := f.Depth
	f.Depth = max(f.Depth, want)
	semDepth := f.Depth
	if mode == Semantic {
		// A semantic search lists the neighbours alone: it reads all it
		// may page to, so that its total does not grow page by page.
		semDepth, countDepth = max(MaxResults, want), max(MaxResults, want)
	}
	// Hybrid search fuses the lexical list to f.Depth: one search that deep
	// also holds the page a lexical answer shows.
	first := req
	if mode == Hybrid {
		first.Offset, first.Limit = 0, f.Depth
	}
	deep, err := s.Lexical.Search(ctx, first)
	if err != nil || mode == Lexical {
		return deep, Lexical, err
	}
	res := deep
	res.Hits = deep.Hits[min(req.Offset, len(deep.Hits)):min(want, len(deep.Hits))]
	lim := limitsOf(req, res.Query)
	ix := s.index()
	answered, err := s.wordsAlone(mode, ix != nil, lim, &res)
	if err != nil {
		return Result{}, mode, err
	}
	if answered {
		return res, Lexical, nil
	}
	var semHits []fusion.Scored
	if lim.filtered {
		semHits, err = ix.Score(ctx, res.Query.Words, deep.IDs())
	} else {
		var cands []string
		if mode == Hybrid {
			// Scored exactly when the vector budget cuts the search short.
			cands = deep.IDs()
		}
		semHits, err = ix.SearchWith(ctx, req.Query, semDepth, cands)
		if err == nil {
			// Nearest is not near: without this a query of gibberish
			// finds its "neighbours" at random.
			semHits, err = ix.AboveFloor(ctx, semHits)
		}
	}
	if errors.Is(err, ErrProviderUnavailable) && mode == Hybrid {
		// The words still answer; say why the meaning did not.
		s.logger().Warn("hybrid search answered from words alone", "err", err)
		res.Fallback = FallbackProviderSlow
		return res, Lexical, nil
	}
	if err != nil {
		return Result{}, mode, err
	}
	ids, scores := s.rank(mode, f, deep.Hits, semHits)
	out := Result{Query: res.Query}
	out.Total, out.TotalExact = total(mode, lim, deep, semHits, countDepth)
	// The list goes no further than the total: past it lie neighbours read
	// deeper for this page than the total counts.
	for i := req.Offset; i < min(want, len(ids), out.Total); i++ {
		out.Hits = append(out.Hits, Hit{ID: ids[i], Score: scores[i]})
	}
	return out, mode, nil
}

// total counts the results of a semantic or hybrid search, the same for
// every page: deep is the lexical result, semHits the semantic neighbours,
// best first, of which the first depth count. A filtered hybrid search
// ranks the lexical matches only; an unfiltered one adds the neighbours
// that match no word. Whether a neighbour matches a word is known for the
// lexical matches among the first depth, which is all of them when there
// are no more; otherwise the total is an estimate (a neighbour matching a
// word further down is counted twice).
func total(mode Mode, lim limits, deep Result, semHits []fusion.Scored, depth int) (int, bool) {
	switch {
	case mode == Semantic:
		// Neighbours are read to depth; more may lie beyond it.
		return len(semHits), len(semHits) < depth
	case lim.filtered:
		return deep.Total, deep.TotalExact
	}
	semHits = semHits[:min(depth, len(semHits))]
	known := deep.Hits[:min(depth, len(deep.Hits))]
	matched := make(map[string]bool, len(known))
	for _, h := range known {
		matched[h.ID] = true
	}
	n := deep.Total
	for _, h := range semHits {
		if !matched[h.ID] {
			n++
		}
	}
	return n, deep.TotalExact && deep.Total <= len(known)
}

// limits says what of a request only the lexical index applies.
type limits struct {
	sorted   bool // an order other than relevance
	filtered bool // fields, phrases, exclusions, dates, categories, a topic or a sort
	noWords  bool // nothing for the vectors to read
}

func limitsOf(req Request, q *Query) limits {
	sorted := req.Sort != SortRelevance || q == nil || q.HasSort
	filtered := sorted || len(req.Categories) > 0 || !req.After.IsZero() || !req.Before.IsZero() ||
		!q.After.IsZero() || !q.Before.IsZero() || len(q.Required) > 0 || len(q.Excluded) > 0 || req.Keep != nil
	return limits{sorted: sorted, filtered: filtered, noWords: filtered && (q == nil || q.Words == "")}
}

// wordsAlone decides whether the lexical result res answers a search in
// mode (semantic or hybrid) by itself; hasIndex says whether a semantic
// index is loaded. It returns true when res, perhaps with a Fallback
// reason, is the answer, and an error when a semantic search cannot be
// served at all.
func (s *Searcher) wordsAlone(mode Mode, hasIndex bool, lim limits, res *Result) (bool, error) {
	switch {
	case lim.filtered && mode == Semantic:
		return false, ErrLexicalOnly
	case !hasIndex && mode == Semantic:
		if why := s.down(); why != "" {
			return false, fmt.Errorf("%w: %s", ErrUnavailable, why)
		}
		return false, ErrNoModel
	case lim.sorted || lim.noWords:
		return true, nil
	case !hasIndex:
		// The words answer; say that the meaning did not, if it should
		// have, and log why.
		if why := s.down(); why != "" {
			s.logger().Info("hybrid search answered from words alone", "why", why)
			res.Fallback = FallbackUnavailable
		}
		return true, nil
	}
	return false, nil
}

// rank returns the ids and scores of a semantic search, or of the fusion
// of the lexical and semantic lists of a hybrid one, best first.
func (s *Searcher) rank(mode Mode, f Fusion, lexHits []Hit, semHits []fusion.Scored) (ids []string, scores []float64) {
	if mode == Semantic {
		for _, h := range semHits {
			ids = append(ids, h.ID)
			scores = append(scores, h.Score)
		}
		return ids, scores
	}
	for _, r := range Fuse(f, LexicalScores(lexHits), semHits, 0) {
		ids = append(ids, r.ID)
		scores = append(scores, r.Score)
	}
	return ids, scores
}

func (s *Searcher) down() string {
	if s.Down == nil {
		return ""
	}
	return s.Down()
}

func (s *Searcher) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// GroupDepth is how many of a query's best results its topic groups are
// made from.
const GroupDepth = 150

// Papers loads stored papers by id, for labelling topic groups.
type Papers = topics.Papers

// Group is one topic among a query's results; GroupOptions tune the split.
type (
	Group        = topics.Group
	GroupOptions = topics.GroupOptions
)

// Groups returns the topic groups among the best GroupDepth results of req
// (nil when they are one topic or no model is loaded).
func (s *Searcher) Groups(ctx context.Context, papers Papers, mode Mode, req Request, opts GroupOptions) ([]Group, error) {
	if s.index() == nil {
		return nil, nil
	}
	req.Offset, req.Limit = 0, GroupDepth
	res, _, err := s.Search(ctx, mode, req)
	if err != nil {
		return nil, err
	}
	return s.GroupsOf(ctx, papers, res.IDs(), opts)
}

// GroupsOf returns the topic groups among ids, a query's best results
// (GroupDepth of them, best first), for a caller that has searched already.
func (s *Searcher) GroupsOf(ctx context.Context, papers Papers, ids []string, opts GroupOptions) ([]Group, error) {
	ix := s.index()
	if ix == nil {
		return nil, nil
	}
	return topics.GroupsOf(ctx, ix, papers, ids, opts)
}

// SimilarPapers returns up to k stored papers most like paper, each with
// a short reason (see semantic.Index.SimilarPapers); the error wraps
// ErrNoModel when no model is loaded.
func (s *Searcher) SimilarPapers(ctx context.Context, papers Papers, paper store.Paper, k int) ([]SimilarPaper, error) {
	ix := s.index()
	if ix == nil {
		return nil, ErrNoModel
	}
	return ix.SimilarPapers(ctx, papers, paper, k)
}

// SemanticIndex returns the semantic index, or nil while there is none.
func (s *Searcher) SemanticIndex() *semantic.Index { return s.index() }

func (s *Searcher) index() *semantic.Index {
	if s.Index == nil {
		return nil
	}
	return s.Index()
}
