package searcheval

import (
	"context"
	"io"

	"github.com/paperboy-dev/paperboy/internal/search"
)

// Searcher returns the ids of the best matches for query, best first.
// Implementations must be safe for concurrent use: evaluations and the
// latency harness call Search from several goroutines.
type Searcher interface {
	Search(ctx context.Context, query string, limit int) ([]string, error)
}

// Builder indexes docs and returns a Searcher over them. If the Searcher
// also implements io.Closer, the harness closes it when done with it.
type Builder func(ctx context.Context, docs []search.Document) (Searcher, error)

// closeSearcher closes s if it holds resources.
func closeSearcher(s Searcher) error {
	if c, ok := s.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
