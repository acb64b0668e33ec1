package searcheval

import (
	"context"
	"io"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// Ranker returns the ids of the best matches for query, best first.
// Implementations must be safe for concurrent use: evaluations and the
// latency harness call Search from several goroutines.
type Ranker interface {
	Search(ctx context.Context, query string, limit int) ([]string, error)
}

// Builder indexes docs and returns a Ranker over them. If the Ranker
// also implements io.Closer, the harness closes it when done with it.
type Builder func(ctx context.Context, docs []lexical.Document) (Ranker, error)

// closeRanker closes s if it holds resources.
func closeRanker(s Ranker) error {
	if c, ok := s.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// BuildIndex builds paperboy's own search index over docs: the Builder for
// evaluating and benchmarking the engine itself.
func BuildIndex(ctx context.Context, docs []lexical.Document) (Ranker, error) {
	b := lexical.NewBuilder()
	for _, d := range docs {
		if err := b.Add(d); err != nil {
			return nil, err
		}
	}
	return IndexRanker{Index: b.Finish()}, nil
}

// IndexRanker searches a paperboy index for the words of a query, as the
// FTS5 baseline does (fts5.go): evaluation queries are prose, and CSFCube's
// are whole titles and abstracts, longer than the interactive limit and
// with quotes and arrows that the query language would read as phrases
// and exclusions (lexical.ParseWords).
type IndexRanker struct{ Index *lexical.Index }

// Search implements Ranker.
func (s IndexRanker) Search(ctx context.Context, query string, limit int) ([]string, error) {
	q, err := lexical.ParseWords(query)
	if err != nil {
		return nil, err
	}
	res, err := s.Index.SearchQuery(ctx, q, lexical.Request{Limit: min(limit, lexical.MaxResults)})
	if err != nil {
		return nil, err
	}
	return res.IDs(), nil
}
