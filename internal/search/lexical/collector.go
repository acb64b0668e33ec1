package lexical

import (
	"slices"
	"strings"
)

// entry is a candidate hit.
type entry struct {
	score uint32
	day   int32
	up    int32
	seg   int
	doc   uint32
}

// collector keeps the best k entries in a min-heap whose root is the worst.
// Ties on the sort key fall back to recency, then upvotes, then ID, so the
// order is total and pruned and exhaustive evaluation agree exactly.
type collector struct {
	k     int
	order SortOrder
	h     []entry
	views []*segView
}

func newCollector(k int, order SortOrder) *collector {
	return &collector{k: k, order: order, h: make([]entry, 0, min(k, 1024))}
}

// better reports whether a ranks above b.
func (c *collector) better(a, b *entry) bool {
	switch c.order {
	case SortNewest:
		if a.day != b.day {
			return a.day > b.day
		}
		if a.up != b.up {
			return a.up > b.up
		}
		if a.score != b.score {
			return a.score > b.score
		}
	case SortMostUpvoted:
		if a.up != b.up {
			return a.up > b.up
		}
		if a.day != b.day {
			return a.day > b.day
		}
		if a.score != b.score {
			return a.score > b.score
		}
	default:
		if a.score != b.score {
			return a.score > b.score
		}
		if a.day != b.day {
			return a.day > b.day
		}
		if a.up != b.up {
			return a.up > b.up
		}
	}
	ida := c.views[a.seg].seg.docID(a.doc)
	idb := c.views[b.seg].seg.docID(b.doc)
	return strings.Compare(ida, idb) > 0
}

func (c *collector) full() bool { return len(c.h) >= c.k }

// threshold is the score of the worst kept entry (relevance order only).
func (c *collector) threshold() uint32 { return c.h[0].score }

// offer adds a candidate and reports whether it was kept.
func (c *collector) offer(seg int, doc uint32, score uint32) bool {
	s := c.views[seg].seg
	return c.offerEntry(entry{score: score, day: s.days[doc], up: s.upvotes[doc], seg: seg, doc: doc})
}

func (c *collector) offerEntry(e entry) bool {
	if len(c.h) < c.k {
		c.h = append(c.h, e)
		c.up(len(c.h) - 1)
		return true
	}
	if !c.better(&e, &c.h[0]) {
		return false
	}
	c.h[0] = e
	c.down(0)
	return true
}

func (c *collector) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !c.better(&c.h[p], &c.h[i]) {
			break
		}
		c.h[p], c.h[i] = c.h[i], c.h[p]
		i = p
	}
}

func (c *collector) down(i int) {
	n := len(c.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		w := l
		if r := l + 1; r < n && c.better(&c.h[l], &c.h[r]) {
			w = r
		}
		if !c.better(&c.h[i], &c.h[w]) {
			return
		}
		c.h[i], c.h[w] = c.h[w], c.h[i]
		i = w
	}
}

// sorted returns the kept entries, best first.
func (c *collector) sorted() []entry {
	out := slices.Clone(c.h)
	slices.SortFunc(out, func(a, b entry) int {
		if c.better(&a, &b) {
			return -1
		}
		if c.better(&b, &a) {
			return 1
		}
		return 0
	})
	return out
}
