package semantic

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/fusion"
)

// floorSamples is how many strings of random letters calibrate Floor.
const floorSamples = 48

// Floor is the cosine similarity a paper must exceed to be a query's
// neighbour by meaning rather than by chance: the best similarity that
// any of floorSamples strings of random letters (gibberish, such as a
// reader's typo of a word no paper holds) reaches with its nearest
// paper in this index. The corpus model embeds such strings as nothing,
// so there Floor is 0 and a query finds neighbours only through a word
// the model knows; a provider embeds anything, and its chance
// similarities are measured. It is measured once per index; a provider
// that fails leaves it to be measured by a later query.
func (s *Index) Floor(ctx context.Context) (float64, error) {
	s.floorMu.Lock()
	defer s.floorMu.Unlock()
	if s.floorSet {
		return s.floor, nil
	}
	vecs, err := s.embedGibberish(ctx, gibberish(floorSamples))
	if err != nil {
		return 0, fmt.Errorf("semantic: calibrate the similarity floor: %w", err)
	}
	floor := 0.0
	for _, v := range vecs {
		hits, err := s.Vectors.Search(v, 1)
		if err != nil {
			return 0, fmt.Errorf("semantic: calibrate the similarity floor: %w", err)
		}
		if len(hits) > 0 {
			floor = max(floor, float64(hits[0].Score))
		}
	}
	s.floor, s.floorSet = floor, true
	return floor, nil
}

// AboveFloor keeps the hits whose similarity exceeds Floor.
func (s *Index) AboveFloor(ctx context.Context, hits []fusion.Scored) ([]fusion.Scored, error) {
	floor, err := s.Floor(ctx)
	if err != nil {
		return nil, err
	}
	kept := hits[:0:0]
	for _, h := range hits {
		if h.Score > floor {
			kept = append(kept, h)
		}
	}
	return kept, nil
}

// embedGibberish embeds texts as queries are embedded.
func (s *Index) embedGibberish(ctx context.Context, texts []string) ([][]float32, error) {
	if err := s.providerMissing(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
	}
	if s.provider == nil {
		out := make([][]float32, len(texts))
		for i, t := range texts {
			out[i] = s.Model.EmbedText(t)
		}
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	vecs, err := s.provider.Embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
	}
	for _, v := range vecs {
		embed.Normalize(v)
	}
	return vecs, nil
}

// gibberish returns n strings of one or two words of 6 to 22 random
// letters, the same every time.
func gibberish(n int) []string {
	rng := rand.New(rand.NewPCG(18, 4))
	word := func() string {
		b := make([]byte, 6+rng.IntN(17))
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	out := make([]string, n)
	for i := range out {
		words := []string{word()}
		if i%3 == 2 {
			words = append(words, word())
		}
		out[i] = strings.Join(words, " ")
	}
	return out
}
