package search

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// speller is a lexical index that can say which words of a query no paper
// holds and what they were likely meant to be (lexical.Index,
// follow.Indexer).
type speller interface {
	Corrections(query string) []lexical.Correction
}

// Suggest returns query with each word that no paper holds replaced by
// the indexed word nearest in spelling, written as the papers write it
// (lexical.Index.Corrections says which are near enough); "" when no word
// has a near one. It is meant for a query that found nothing.
func (s *Searcher) Suggest(ctx context.Context, papers Papers, query string) (string, error) {
	sp, ok := s.Lexical.(speller)
	if !ok {
		return "", nil
	}
	fixes := sp.Corrections(query)
	if len(fixes) == 0 {
		return "", nil
	}
	words := strings.Fields(query)
	changed := false
	for _, c := range fixes {
		word, err := s.likeliest(ctx, papers, c)
		if err != nil {
			return "", fmt.Errorf("search: suggest a spelling for %q: %w", query, err)
		}
		if word == "" {
			continue
		}
		for i, w := range words {
			if w == c.Word {
				words[i], changed = word, true
			}
		}
	}
	if !changed {
		return "", nil
	}
	return strings.Join(words, " "), nil
}

// likeliest returns, of the words the papers write for c's terms, the one
// nearest to the word typed ("atention": "attention" rather than
// "agentic", whose stem "agent" is as near to the stem "atent"), the
// likeliest term first among equals; "" when no term is written anywhere.
func (s *Searcher) likeliest(ctx context.Context, papers Papers, c lexical.Correction) (string, error) {
	typed := strings.ToLower(c.Word)
	best, bestDist := "", 0
	for _, t := range c.Terms {
		word, err := s.writtenAs(ctx, papers, t)
		if err != nil || word == "" {
			if err != nil {
				return "", err
			}
			continue
		}
		if d := lexical.EditDistance(typed, word, len(typed)+len(word)); best == "" || d < bestDist {
			best, bestDist = word, d
		}
	}
	return best, nil
}

// writtenAs is how the best paper holding index term writes it, lower
// case: index terms are stems ("transform" for "transformer").
func (s *Searcher) writtenAs(ctx context.Context, papers Papers, term string) (string, error) {
	res, err := s.Lexical.Search(ctx, Request{Query: term, Limit: 1})
	if errors.Is(err, ErrEmptyQuery) || errors.Is(err, ErrNotReady) || len(res.Hits) == 0 {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	ps, err := papers.PapersByID(ctx, res.IDs())
	if err != nil || len(ps) == 0 {
		return "", err
	}
	for _, text := range []string{ps[0].Title, ps[0].Abstract} {
		for _, f := range Highlight(text, res.Query) {
			if f.Match {
				return strings.ToLower(f.Text), nil
			}
		}
	}
	return "", nil
}
