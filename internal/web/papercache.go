package web

import (
	"bytes"
	"container/list"
	"context"
	"html/template"
	"sync"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// The paper cache.
//
// Search results, suggestions and feeds show papers by id, and the same
// papers come up again and again. Reading 20 papers from SQLite costs about
// 0.8 ms, a fifth of a search page, so recently shown papers are kept with
// the database version (the change feed's last sequence number, as the
// response cache reads it) that was current before they were read. An
// entry serves a request whose version is not newer than the entry's, so
// any change anywhere (a vote, an import, a paper hidden) makes every entry
// stale at once, exactly as it does for cached responses: the cache never
// shows a paper older than the page it is rendered into.

const defaultPaperCacheSize = 10_000

type paperCache struct {
	mu   sync.Mutex
	max  int
	lru  *list.List // of *cachedPaper, most recent first
	byID map[string]*list.Element
}

type cachedPaper struct {
	paper store.Paper
	seq   int64 // the database version read before the paper was
	// fragments are parts of pages rendered from the paper alone, filled
	// on first use: rendering them was most of a list's or a results
	// page's template time.
	fragments [numFragments]template.HTML
	// similar are the paper's similar papers as its page lists them,
	// once found (a vector search and a read of the candidates).
	similar      []similarCard
	similarFound bool
}

// A fragment is a part of a page rendered from one paper alone.
type fragment int

const (
	resultMetaFragment fragment = iota // a search result's byline and tags ("resultmeta")
	cardBodyFragment                   // a list card without its vote button ("cardbody")
	numFragments
)

var fragmentTemplates = [numFragments]string{"resultmeta", "cardbody"}

func newPaperCache(max int) *paperCache {
	return &paperCache{max: max, lru: list.New(), byID: make(map[string]*list.Element)}
}

// entry is paper id's entry if it was read at version seq or later, marked
// as recently used; nil if there is none. c.mu must be held.
func (c *paperCache) entry(id string, seq int64) *cachedPaper {
	el, ok := c.byID[id]
	if !ok || el.Value.(*cachedPaper).seq < seq {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cachedPaper)
}

// get returns the papers of ids cached at version seq or later, by id, and
// the ids it does not hold.
func (c *paperCache) get(ids []string, seq int64) (map[string]store.Paper, []string) {
	found := make(map[string]store.Paper, len(ids))
	var missing []string
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if e := c.entry(id, seq); e != nil {
			found[id] = e.paper
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

func (c *paperCache) put(papers []store.Paper, seq int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range papers {
		if el, ok := c.byID[p.ID]; ok {
			// An entry as new as this read keeps its rendered fragments.
			if el.Value.(*cachedPaper).seq < seq {
				el.Value = &cachedPaper{paper: p, seq: seq}
			}
			c.lru.MoveToFront(el)
			continue
		}
		c.byID[p.ID] = c.lru.PushFront(&cachedPaper{paper: p, seq: seq})
		for c.lru.Len() > c.max {
			oldest := c.lru.Back()
			delete(c.byID, oldest.Value.(*cachedPaper).paper.ID)
			c.lru.Remove(oldest)
		}
	}
}

// fragment returns fragment f of paper id's entry at version seq or later,
// rendered from the entry's own paper the first time; ok is false when
// there is no such entry. A newer read replaces an entry rather than
// changing it, so a fragment is only ever kept beside the paper it shows.
func (c *paperCache) fragment(id string, f fragment, seq int64, render func(*store.Paper) (template.HTML, error)) (h template.HTML, ok bool, err error) {
	c.mu.Lock()
	e := c.entry(id, seq)
	if e != nil {
		h = e.fragments[f]
	}
	c.mu.Unlock()
	if e == nil || h != "" {
		return h, e != nil, nil
	}
	if h, err = render(&e.paper); err != nil {
		return "", true, err
	}
	c.mu.Lock()
	e.fragments[f] = h
	c.mu.Unlock()
	return h, true, nil
}

// similarOf returns the similar papers kept for paper id at version seq
// or later.
func (c *paperCache) similarOf(id string, seq int64) ([]similarCard, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entry(id, seq); e != nil && e.similarFound {
		return e.similar, true
	}
	return nil, false
}

// keepSimilar keeps the similar papers of p, read at version seq.
func (c *paperCache) keepSimilar(p *store.Paper, seq int64, similar []similarCard) {
	c.put([]store.Paper{*p}, seq)
	c.mu.Lock()
	defer c.mu.Unlock()
	// Not beside a newer read of p: the list may predate it.
	if e := c.entry(p.ID, seq); e != nil && e.seq == seq {
		e.similar, e.similarFound = similar, true
	}
}

// papersByID is PapersByID through the paper cache: the papers of ids that
// exist, in the order asked, each once.
func (s *Server) papersByID(ctx context.Context, ids []string) ([]store.Paper, error) {
	seq, ok := s.readVersion(ctx)
	return s.papersAt(ctx, ids, seq, ok)
}

// papersAt is papersByID for a caller that read the version (seq, ok)
// already.
func (s *Server) papersAt(ctx context.Context, ids []string, seq int64, ok bool) ([]store.Paper, error) {
	if !ok {
		return s.papers.PapersByID(ctx, ids)
	}
	found, missing := s.paperCache.get(ids, seq)
	if len(missing) > 0 {
		read, err := s.papers.PapersByID(ctx, missing)
		if err != nil {
			return nil, err
		}
		s.paperCache.put(read, seq)
		for _, p := range read {
			found[p.ID] = p
		}
	}
	papers := make([]store.Paper, 0, len(found))
	for _, id := range ids {
		if p, ok := found[id]; ok {
			papers = append(papers, p)
			delete(found, id) // an id asked for twice is returned once
		}
	}
	return papers, nil
}

// readVersion is the database version to tag papers read next with, for
// the paper cache; ok is false when the cache is off.
func (s *Server) readVersion(ctx context.Context) (seq int64, ok bool) {
	if s.paperCache == nil {
		return 0, false
	}
	seq, err := s.changes.lastChange(ctx)
	return seq, err == nil
}

// renderFragment renders fragment f of paper p, through the paper cache
// when p was read at version seq (ok).
func (s *Server) renderFragment(p *store.Paper, f fragment, seq int64, ok bool) (template.HTML, error) {
	render := func(p *store.Paper) (template.HTML, error) {
		var b bytes.Buffer
		c := cardMeta(p) // a search result shows its title and excerpt highlighted
		if f == cardBodyFragment {
			c = toCard(p)
		}
		err := s.pages.ExecuteTemplate(&b, fragmentTemplates[f], &c)
		return template.HTML(b.String()), err
	}
	if ok {
		if h, cached, err := s.paperCache.fragment(p.ID, f, seq, render); cached || err != nil {
			return h, err
		}
	}
	return render(p)
}

// listCards are the cards of a list of papers, read at version seq (ok),
// ranked from firstRank, with their bodies rendered through the paper
// cache: a card's title and excerpt are rendered only with its body.
func (s *Server) listCards(papers []store.Paper, firstRank int, seq int64, ok bool) ([]card, error) {
	if ok {
		s.paperCache.put(papers, seq)
	}
	cards := make([]card, len(papers))
	for i := range papers {
		body, err := s.renderFragment(&papers[i], cardBodyFragment, seq, ok)
		if err != nil {
			return nil, err
		}
		cards[i] = cardMeta(&papers[i])
		cards[i].Rank, cards[i].Body = firstRank+i, body
		s.cardMedia(&cards[i], &papers[i])
	}
	return cards, nil
}

// cachedPapers reads papers by id through the paper cache, for the
// semantic index's similar papers and topic labels.
type cachedPapers struct{ s *Server }

func (c cachedPapers) PapersByID(ctx context.Context, ids []string) ([]store.Paper, error) {
	return c.s.papersByID(ctx, ids)
}
