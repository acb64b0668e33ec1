package embed

// IDF returns the inverse document frequency of a vocabulary term (a
// stem, as Tokens makes them) and whether the model knows it: how
// informative a word is, for keyphrase extraction.
func (m *Model) IDF(term string) (float32, bool) {
	i, ok := m.lookup[term]
	if !ok {
		return 0, false
	}
	return m.idf[i], true
}
