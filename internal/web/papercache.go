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
	// meta is the paper's rendered byline and tags for search results,
	// filled on first use: rendering them is most of a results page's
	// template time.
	meta template.HTML
}

func newPaperCache(max int) *paperCache {
	return &paperCache{max: max, lru: list.New(), byID: make(map[string]*list.Element)}
}

// get returns the papers of ids cached at version seq or later, by id, and
// the ids it does not hold.
func (c *paperCache) get(ids []string, seq int64) (map[string]store.Paper, []string) {
	found := make(map[string]store.Paper, len(ids))
	var missing []string
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if el, ok := c.byID[id]; ok && el.Value.(*cachedPaper).seq >= seq {
			c.lru.MoveToFront(el)
			found[id] = el.Value.(*cachedPaper).paper
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
			el.Value = &cachedPaper{paper: p, seq: seq}
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

// meta returns the rendered meta of paper id, cached at version seq or
// later, rendering and keeping it with render if it is not.
func (c *paperCache) meta(id string, seq int64, render func() (template.HTML, error)) (template.HTML, error) {
	c.mu.Lock()
	el, ok := c.byID[id]
	if ok && el.Value.(*cachedPaper).seq >= seq && el.Value.(*cachedPaper).meta != "" {
		defer c.mu.Unlock()
		return el.Value.(*cachedPaper).meta, nil
	}
	c.mu.Unlock()
	h, err := render()
	if err != nil || !ok {
		return h, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[id]; ok && el.Value.(*cachedPaper).seq >= seq {
		el.Value.(*cachedPaper).meta = h
	}
	return h, nil
}

// papersByID is PapersByID through the paper cache: the papers of ids that
// exist, in the order asked, each once.
func (s *Server) papersByID(ctx context.Context, ids []string) ([]store.Paper, error) {
	if s.paperCache == nil {
		return s.papers.PapersByID(ctx, ids)
	}
	seq, err := s.changes.lastChange(ctx)
	if err != nil {
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

// resultMeta is a search result's byline and tags (the "resultmeta"
// template), through the paper cache.
func (s *Server) resultMeta(ctx context.Context, p *store.Paper) (template.HTML, error) {
	render := func() (template.HTML, error) {
		var b bytes.Buffer
		c := cardMeta(p)
		err := s.pages.ExecuteTemplate(&b, "resultmeta", &c)
		return template.HTML(b.String()), err
	}
	if s.paperCache == nil {
		return render()
	}
	seq, err := s.changes.lastChange(ctx)
	if err != nil {
		return render()
	}
	return s.paperCache.meta(p.ID, seq, render)
}
