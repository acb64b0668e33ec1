package web

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// kpCache keeps papers' keyphrases (topicmap.Keyphrases costs about a
// millisecond a paper and a search page shows twenty). They depend only
// on the model, the paper's title and abstract and its vector, which the
// model makes from them: an entry is keyed by the paper's id and checked
// against a hash of its title and abstract and its update time, and a new
// model starts an empty cache. Bounded by count (kpCacheSize entries, a
// few hundred bytes each: some 40 MB at most), sharded so that 32
// connections do not queue on one lock, and evicted by clock (second
// chance), so that a working set larger than the cache still mostly hits.
type kpCache struct {
	gen atomic.Pointer[kpGen]
}

const (
	kpCacheSize = 100_000
	kpShards    = 64
)

type kpGen struct {
	model  any // the model the entries were computed with, compared by identity
	shards [kpShards]kpShard
}

type kpShard struct {
	mu    sync.Mutex
	at    map[string]int // paper id → index in slots
	slots []kpSlot
	hand  int
}

type kpSlot struct {
	id      string
	text    uint64
	updated int64
	phrases []string
	ref     bool
}

var kpSeed = maphash.MakeSeed()

// kpTextHash hashes what keyphrases are made of.
func kpTextHash(title, abstract string) uint64 {
	var h maphash.Hash
	h.SetSeed(kpSeed)
	h.WriteString(title)
	h.WriteByte(0)
	h.WriteString(abstract)
	return h.Sum64()
}

// get returns the cached keyphrases of paper id with that text under
// model, or computes and keeps them. Two requests missing at once both
// compute: the result is the same.
func (c *kpCache) get(model any, id, title, abstract string, updated time.Time, compute func() []string) []string {
	g := c.gen.Load()
	for g == nil || g.model != model {
		ng := &kpGen{model: model}
		if c.gen.CompareAndSwap(g, ng) {
			g = ng
			break
		}
		g = c.gen.Load()
	}
	text, up := kpTextHash(title, abstract), updated.UnixNano()
	sh := &g.shards[maphash.String(kpSeed, id)%kpShards]
	sh.mu.Lock()
	if i, ok := sh.at[id]; ok {
		if s := &sh.slots[i]; s.text == text && s.updated == up {
			s.ref = true
			phrases := s.phrases
			sh.mu.Unlock()
			return phrases
		}
	}
	sh.mu.Unlock()
	phrases := compute()
	sh.mu.Lock()
	sh.put(kpSlot{id: id, text: text, updated: up, phrases: phrases})
	sh.mu.Unlock()
	return phrases
}

// put stores s, over the paper's old entry or, when the shard is full,
// over the first entry from the hand not used since the hand last passed.
func (sh *kpShard) put(s kpSlot) {
	if sh.at == nil {
		sh.at = map[string]int{}
	}
	if i, ok := sh.at[s.id]; ok {
		sh.slots[i] = s
		return
	}
	if len(sh.slots) < kpCacheSize/kpShards {
		sh.at[s.id] = len(sh.slots)
		sh.slots = append(sh.slots, s)
		return
	}
	for sh.slots[sh.hand].ref {
		sh.slots[sh.hand].ref = false
		sh.hand = (sh.hand + 1) % len(sh.slots)
	}
	delete(sh.at, sh.slots[sh.hand].id)
	sh.slots[sh.hand] = s
	sh.at[s.id] = sh.hand
	sh.hand = (sh.hand + 1) % len(sh.slots)
}

// len is how many entries the cache holds.
func (c *kpCache) len() int {
	g := c.gen.Load()
	if g == nil {
		return 0
	}
	n := 0
	for i := range g.shards {
		g.shards[i].mu.Lock()
		n += len(g.shards[i].slots)
		g.shards[i].mu.Unlock()
	}
	return n
}
