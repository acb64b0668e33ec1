package lexical

import (
	"sort"
	"time"
)

// DocValues calls fn with the listed date and upvotes of each of ids the
// index holds, with its position in ids: for ranking a known set of
// papers (a topic's) by date or votes at the cost of a lookup per paper,
// where a filtered search walks every document. Sorted runs of ids cost
// less: each lookup starts where the one before ended.
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
			// No string is made per comparison, as docID would.
			k := lo + sort.Search(len(s.idSorted)-lo, func(j int) bool {
				d := s.idSorted[lo+j]
				return string(s.idBlob[s.idOff[d]:s.idOff[d+1]]) >= id
			})
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
