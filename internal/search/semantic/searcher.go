package semantic

import (
	"context"
	"errors"
	"fmt"

	"github.com/paperboy-dev/paperboy/internal/fusion"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Mode says how a search ranks.
type Mode string

// The search modes.
const (
	Lexical  Mode = "lexical"  // words: the lexical index alone
	Semantic Mode = "semantic" // meaning: the vector index alone
	Hybrid   Mode = "hybrid"   // both, fused by reciprocal rank
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

// ErrNoModel is returned for a semantic search when no model is loaded.
var ErrNoModel = errors.New("no embedding model yet: run 'paperboy embed train'")

// ErrLexicalOnly is returned for a semantic search that uses fields,
// filters or a sort order, which only the lexical index applies.
var ErrLexicalOnly = errors.New("semantic search takes plain words only: use mode lexical or hybrid for fields, filters and sort orders")

// LexicalSearcher is the lexical index.
type LexicalSearcher interface {
	Search(ctx context.Context, req lexical.Request) (lexical.Result, error)
}

// Searcher runs searches in any mode.
type Searcher struct {
	Lexical LexicalSearcher
	// Index returns the semantic index, or nil while there is none.
	Index func() *Index
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
func (s *Searcher) Search(ctx context.Context, mode Mode, req lexical.Request) (lexical.Result, Mode, error) {
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
	sorted := req.Sort != lexical.SortRelevance || q == nil || q.HasSort
	filtered := sorted || len(req.Categories) > 0 || !req.After.IsZero() || !req.Before.IsZero() ||
		!q.After.IsZero() || !q.Before.IsZero() || len(q.Required) > 0 || len(q.Excluded) > 0
	var ix *Index
	if s.Index != nil {
		ix = s.Index()
	}
	switch {
	case filtered && mode == Semantic:
		return lexical.Result{}, mode, ErrLexicalOnly
	case ix == nil && mode == Semantic:
		if why := s.down(); why != "" {
			return lexical.Result{}, mode, fmt.Errorf("%w: %s", ErrUnavailable, why)
		}
		return lexical.Result{}, mode, ErrNoModel
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
		return lexical.Result{}, mode, err
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
	out := lexical.Result{Query: res.Query, Total: max(res.Total, len(ids))}
	if filtered {
		out.Total = res.Total // every fused paper passed the filters
	}
	for i := req.Offset; i < min(want, len(ids)); i++ {
		out.Hits = append(out.Hits, lexical.Hit{ID: ids[i], Score: scores[i]})
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

// Papers loads stored papers by id.
type Papers interface {
	PapersByID(ctx context.Context, ids []string) ([]store.Paper, error)
}

// Groups returns the topic groups among the best GroupDepth results of req
// (nil when they are one topic or no model is loaded).
func (s *Searcher) Groups(ctx context.Context, papers Papers, mode Mode, req lexical.Request, opts GroupOptions) ([]Group, error) {
	var ix *Index
	if s.Index != nil {
		ix = s.Index()
	}
	if ix == nil {
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
	var ix *Index
	if s.Index != nil {
		ix = s.Index()
	}
	if ix == nil {
		return nil, nil
	}
	kept, assign := ix.split(ids, opts)
	if kept == nil {
		return nil, nil
	}
	// Only papers whose key terms are not cached are read from the store.
	terms := make(map[string]docTerms, len(kept))
	var missing []string
	for _, id := range kept {
		if kt, ok := ix.cachedTerms(id); ok {
			terms[id] = kt
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		ps, err := papers.PapersByID(ctx, missing)
		if err != nil {
			return nil, err
		}
		for i := range ps {
			terms[ps[i].ID] = ix.keyTerms(paperdoc.Of(&ps[i]))
		}
	}
	// Papers deleted since they were indexed drop out.
	ids, labelled := kept[:0:0], assign[:0:0]
	for i, id := range kept {
		if _, ok := terms[id]; ok {
			ids = append(ids, id)
			labelled = append(labelled, assign[i])
		}
	}
	return ix.label(ids, labelled, terms), nil
}
