package cli

import "github.com/paperboy-dev/paperboy/internal/search/follow"

// liveVectors gives the recommendation model the papers' embeddings from
// the live semantic index (replaced when the vectors are rebuilt), none
// while there is no index.
type liveVectors struct{ live *follow.Vectors }

func (l liveVectors) Vector(id string) ([]float32, bool) {
	ix := l.live.Index()
	if ix == nil || ix.Vectors == nil {
		return nil, false
	}
	return ix.Vectors.Vector(id)
}
