package lexical

import (
	"sort"
	"time"
)

// DocValues calls fn with the listed date and upvotes of each of ids the
// index holds, with its position in ids: for ranking a known set of
// papers (a topic's) by date or votes at the cost of a lookup per paper,
// where a filtered search walks every document. Sorted runs of ids cost
// less: each lookup gallops on from where the one before ended, through
// memory it has just read, where a binary search over millions of ids
// misses the cache a dozen times.
func (ix *Index) DocValues(ids []string, fn func(i int, date time.Time, upvotes int)) {
	found := make([]bool, len(ids))
	// A paper is live in one segment at most: its older versions are
	// deleted.
	for _, v := range ix.snap.Load().segs {
		s := v.seg
		lo := 0
		for i, id := range ids {
			if i > 0 && id < ids[i-1] {
				lo = 0 // a new sorted run
			}
			if found[i] {
				continue
			}
			k := s.lowerBound(id, lo)
			lo = k
			if k == len(s.idSorted) {
				continue
			}
			d := s.idSorted[k]
			if string(s.idBlob[s.idOff[d]:s.idOff[d+1]]) != id || v.del.has(d) {
				continue
			}
			found[i] = true
			fn(i, fromDays(s.days[d]), int(s.upvotes[d]))
		}
	}
}

// lowerBound is the first position in s.idSorted at or after lo whose id
// is not below id: galloping from lo, then a binary search of the last
// step. No string is made per comparison, as docID would.
func (s *segment) lowerBound(id string, lo int) int {
	less := func(j int) bool {
		d := s.idSorted[j]
		return string(s.idBlob[s.idOff[d]:s.idOff[d+1]]) < id
	}
	n := len(s.idSorted)
	if lo >= n || !less(lo) {
		return lo
	}
	// less(lo) holds: find hi with !less(hi) (or n).
	step := 1
	prev := lo
	hi := lo + step
	for hi < n && less(hi) {
		prev = hi
		step *= 2
		hi = lo + step
	}
	hi = min(hi, n)
	return prev + 1 + sort.Search(hi-prev-1, func(j int) bool { return !less(prev + 1 + j) })
}
