package semantic

import "github.com/paperboy-dev/paperboy/internal/search/lexical"

// keyTermsKept is how many key terms of a paper are kept: similar papers'
// reasons look for shared ones among 30; topic labels use the first dozen.
const keyTermsKept = 30

// KeyTerms are a paper's key terms (stems), best first, and the words it
// writes for them.
type KeyTerms struct{ Terms, Words []string }

// termCacheSize bounds the cache of papers' key terms; when full it is
// emptied (cheaper than tracking recency; popular papers return at once).
const termCacheSize = 50_000

// KeyTerms returns d's key terms, from the cache when d was seen before:
// the same papers come back in the topic groups of many queries, and
// reading and tokenising their abstracts is most of the cost of labelling.
// Apply drops the entries of papers that change.
func (s *Index) KeyTerms(d lexical.Document) KeyTerms {
	if kt, ok := s.CachedKeyTerms(d.ID); ok {
		return kt
	}
	var kt KeyTerms
	kt.Terms, kt.Words = s.Model.KeyTermsAndWords(d.Title+" "+d.Abstract, keyTermsKept)
	s.termsMu.Lock()
	if s.termCache == nil || len(s.termCache) >= termCacheSize {
		s.termCache = make(map[string]KeyTerms)
	}
	s.termCache[d.ID] = kt
	s.termsMu.Unlock()
	return kt
}

// CachedKeyTerms returns the key terms of paper id if they are cached.
func (s *Index) CachedKeyTerms(id string) (KeyTerms, bool) {
	s.termsMu.Lock()
	defer s.termsMu.Unlock()
	kt, ok := s.termCache[id]
	return kt, ok
}

func (s *Index) forgetTerms(ids ...string) {
	s.termsMu.Lock()
	defer s.termsMu.Unlock()
	for _, id := range ids {
		delete(s.termCache, id)
	}
}
