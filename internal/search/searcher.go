package search

import (
	"context"
	"errors"
	"fmt"

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

// Searcher runs searches in any mode.
type Searcher struct {
	Lexical LexicalSearcher
	// Index returns the semantic index, or nil while there is none.
	Index func() *semantic.Index
	// Down, when set, says why Index returns nil ("" when no model was
	// ever trained): a hybrid search reports it as its fallback.
	Down   func() string
	Fusion Fusion
}

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
	f.Depth = max(f.Depth, want)
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
	q := res.Query
	sorted := req.Sort != SortRelevance || q == nil || q.HasSort
	filtered := sorted || len(req.Categories) > 0 || !req.After.IsZero() || !req.Before.IsZero() ||
		!q.After.IsZero() || !q.Before.IsZero() || len(q.Required) > 0 || len(q.Excluded) > 0
	ix := s.index()
	switch {
	case filtered && mode == Semantic:
		return Result{}, mode, ErrLexicalOnly
	case ix == nil && mode == Semantic:
		if why := s.down(); why != "" {
			return Result{}, mode, fmt.Errorf("%w: %s", ErrUnavailable, why)
		}
		return Result{}, mode, ErrNoModel
	case sorted || (filtered && q.Words == ""):
		return res, Lexical, nil
	case ix == nil:
		// The words answer; say why the meaning did not, if it should have.
		if why := s.down(); why != "" {
			res.Fallback = ErrUnavailable.Error() + ": " + why
		}
		return res, Lexical, nil
	}
	var semHits []fusion.Scored
	if filtered {
		semHits, err = ix.Score(ctx, q.Words, deep.IDs())
	} else {
		semHits, err = ix.SearchScored(ctx, req.Query, f.Depth)
	}
	if errors.Is(err, ErrProviderUnavailable) && mode == Hybrid {
		// The words still answer; say why the meaning did not.
		res.Fallback = err.Error()
		return res, Lexical, nil
	}
	if err != nil {
		return Result{}, mode, err
	}
	var ids []string
	var scores []float64
	if mode == Semantic {
		for _, h := range semHits {
			ids = append(ids, h.ID)
			scores = append(scores, h.Score)
		}
	} else {
		for _, r := range Fuse(f, LexicalScores(deep.Hits), semHits, 0) {
			ids = append(ids, r.ID)
			scores = append(scores, r.Score)
		}
	}
	out := Result{Query: res.Query, Total: max(res.Total, len(ids))}
	if filtered {
		out.Total = res.Total // every fused paper passed the filters
	}
	for i := req.Offset; i < min(want, len(ids)); i++ {
		out.Hits = append(out.Hits, Hit{ID: ids[i], Score: scores[i]})
	}
	return out, mode, nil
}

func (s *Searcher) down() string {
	if s.Down == nil {
		return ""
	}
	return s.Down()
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

func (s *Searcher) index() *semantic.Index {
	if s.Index == nil {
		return nil
	}
	return s.Index()
}
