package digest

import (
	"context"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// SimilarRecommender recommends the papers of a period most similar to the
// ones an account upvoted last, through any similar-papers function (the
// semantic index's, wired by the command).
type SimilarRecommender struct {
	Votes interface {
		UpvotedPaperIDs(ctx context.Context, userID int64, limit int) ([]string, error)
	}
	// Similar returns up to k papers like the paper with the id, nearest
	// first.
	Similar func(ctx context.Context, paperID string, k int) ([]store.Paper, error)
}

// Recommend implements Recommender: it takes the neighbours of the 20 most
// recent upvotes in turn (the nearest of each first), keeps those whose day
// is in [since, until) and that were not upvoted, and returns k.
func (r SimilarRecommender) Recommend(ctx context.Context, userID int64, since, until time.Time, k int) ([]store.Paper, error) {
	ids, err := r.Votes.UpvotedPaperIDs(ctx, userID, 20)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	lists := make([][]store.Paper, 0, len(ids))
	for _, id := range ids {
		sims, err := r.Similar(ctx, id, 50)
		if err != nil {
			continue // a paper the index does not know yet
		}
		lists = append(lists, sims)
	}
	var out []store.Paper
	for i := 0; len(out) < k; i++ {
		more := false
		for _, l := range lists {
			if i >= len(l) {
				continue
			}
			more = true
			p := l[i]
			day := p.PaperDay()
			if seen[p.ID] || day.Before(since) || !day.Before(until) || len(out) == k {
				continue
			}
			seen[p.ID] = true
			out = append(out, p)
		}
		if !more {
			break
		}
	}
	return out, nil
}
