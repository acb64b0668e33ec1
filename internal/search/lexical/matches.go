package lexical

// A search can report every paper it matches, not only the page it
// returns, and keep only papers a caller accepts: how the topic facets
// count all of a query's matches, and a chosen facet narrows them.
//
// Request.Match is called once with the id of every matching paper (those
// Result.Total counts), whatever the page; the id is only valid during the
// call and must not be changed. With Match set, Total is always exact:
// the postings of a long query of common words are read past the budget
// that otherwise makes it an estimate. Request.Keep is asked about every
// paper that passes the other filters; papers it refuses are not matches.
// Both are called from the searching goroutine, in no particular order.

// matched counts doc d of v as a match and tells Request.Match.
func (e *exec) matched(v *segView, d uint32) {
	e.total++
	if e.match != nil {
		e.match(v.seg.idBytes(d))
	}
}

// idBytes is docID without a copy.
func (s *segment) idBytes(d uint32) []byte { return s.idBlob[s.idOff[d]:s.idOff[d+1]] }
