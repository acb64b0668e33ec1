package web

import (
	"context"
	"net/http"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// similarOnPage is how many similar papers a paper page lists.
const similarOnPage = 6

// similarBudget bounds the time a paper page waits for its similar
// papers: past it the page is shown without them rather than late.
const similarBudget = 150 * time.Millisecond

type similarCard struct {
	Card   card
	Reason string
}

// similarCards finds the papers most like p, read at version seq (cached),
// for its page, or none when there is no embedding model, p is not
// embedded yet, or it takes too long. They are kept in the paper cache:
// finding them was most of an uncached paper page.
func (s *Server) similarCards(r *http.Request, p *store.Paper, seq int64, cached bool) []similarCard {
	if s.semanticIndex() == nil {
		return nil
	}
	if cached {
		if cards, ok := s.paperCache.similarOf(p.ID, seq); ok {
			return cards
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), similarBudget)
	defer cancel()
	similar, err := s.searcher.SimilarPapers(ctx, cachedPapers{s}, *p, similarOnPage)
	if err != nil {
		s.log.Debug("similar papers unavailable", "paper", p.ID, "err", err)
		return nil
	}
	cards := make([]similarCard, len(similar))
	for i := range similar {
		cards[i] = similarCard{Card: toCard(&similar[i].Paper), Reason: similar[i].Reason}
	}
	if cached {
		s.paperCache.keepSimilar(p, seq, cards)
	}
	return cards
}
