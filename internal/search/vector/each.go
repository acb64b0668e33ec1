package vector

// Each calls fn with every stored vector and its id, list by list, until
// fn returns false: how the topic map reads the corpus without a copy.
// It holds the read lock meanwhile; fn must not keep v nor call the
// index's writers.
func (ix *Index) Each(fn func(id string, v []float32) bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for _, l := range ix.lists {
		for i, id := range l.ids {
			if !fn(id, l.vecs[i*ix.dim:(i+1)*ix.dim]) {
				return
			}
		}
	}
}
