package web

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search"
)

// The server-side response cache.
//
// Everything the site renders is a function of the database, the search
// index, the clock and the request. The database's change feed numbers every
// change (an import, a vote), so its last sequence number is a version of the
// whole database, and the index's applied sequence number is the version of
// the search index. A rendered response is kept (plain and gzip'd) with the
// version it was rendered at,
//
//	(build, request target [+ host], last change seq, index seq, clock hour)
//
// and served again while the version is current. Any change anywhere moves
// the version on, so invalidation is exact and needs no bookkeeping; the
// clock's hour keeps "today" and the trending decay fresh. The ETag is
// derived from the same tuple, so a revalidation is answered without
// rendering.
//
// The last change is read from the database at most every
// CacheOptions.Freshness (250 ms by default): a change becomes visible within
// that time, and the cost of the query is shared by all requests.

// CacheOptions tune the server-side response cache.
type CacheOptions struct {
	// MaxBytes bounds the memory of the cached bodies (64 MiB when zero);
	// negative disables the cache.
	MaxBytes int64
	// Freshness is how long a read of the database's last change is
	// trusted (250 ms when zero); negative reads it for every request.
	Freshness time.Duration
}

const (
	defaultCacheBytes     = 64 << 20
	defaultCacheFreshness = 250 * time.Millisecond
	maxCacheKey           = 2048
)

// version is what a cached response depends on.
type version struct {
	seq   int64  // the database's last change
	index uint64 // the search index's last applied change
	hour  int64  // the clock's hour (Unix hours)
	// semantic: whether search by meaning is on. It comes on when damaged
	// vectors are rebuilt, with no change to the database or the index.
	semantic bool
}

// changeClock reads the database's last change, trusting a read for a
// short while.
type changeClock struct {
	read      func(context.Context) (int64, error)
	freshness time.Duration
	mu        sync.Mutex // held by the one request that refreshes
	cur       atomic.Pointer[seqAt]
}

type seqAt struct {
	seq int64
	at  time.Time
}

func (c *changeClock) lastChange(ctx context.Context) (int64, error) {
	if c.freshness < 0 {
		return c.read(ctx)
	}
	if v := c.cur.Load(); v != nil && time.Since(v.at) < c.freshness {
		return v.seq, nil
	}
	if !c.mu.TryLock() {
		// Another request is reading it; the value it replaces is only
		// a moment older than the freshness allows.
		if v := c.cur.Load(); v != nil {
			return v.seq, nil
		}
		c.mu.Lock()
	}
	defer c.mu.Unlock()
	if v := c.cur.Load(); v != nil && time.Since(v.at) < c.freshness {
		return v.seq, nil
	}
	// The read serves every waiting request: a client that goes away must
	// not cancel it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	seq, err := c.read(ctx)
	if err != nil {
		return 0, err
	}
	c.cur.Store(&seqAt{seq: seq, at: time.Now()})
	return seq, nil
}

// cachedResponse is a rendered 200 response.
type cachedResponse struct {
	key    string
	ver    version
	header http.Header // without Content-Length, Content-Encoding and Vary
	plain  []byte
	gz     []byte // nil when not worth compressing
}

func (e *cachedResponse) size() int64 {
	return int64(len(e.key)+len(e.plain)+len(e.gz)) + 512
}

// respCache is a least-recently-used map of responses bounded by size.
type respCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // of *cachedResponse, most recently used first
	byKey map[string]*list.Element
	hits  atomic.Int64
	miss  atomic.Int64
}

func newRespCache(maxBytes int64) *respCache {
	return &respCache{max: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the response cached for key at version v, dropping one of an
// older version.
func (c *respCache) get(key string, v version) *cachedResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil
	}
	e := el.Value.(*cachedResponse)
	if e.ver != v {
		c.remove(el)
		return nil
	}
	c.order.MoveToFront(el)
	return e
}

// put caches e, evicting the least recently used responses beyond the
// bound. A response bigger than an eighth of the bound is not kept.
func (c *respCache) put(e *cachedResponse) {
	if e.size() > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[e.key]; ok {
		c.remove(el)
	}
	c.byKey[e.key] = c.order.PushFront(e)
	c.size += e.size()
	for c.size > c.max {
		c.remove(c.order.Back())
	}
}

func (c *respCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*cachedResponse)
	delete(c.byKey, e.key)
	c.size -= e.size()
}

func (c *respCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey)
}

// cacheKey is what identifies a response apart from the version: the
// request target, and the host when links are made from it. It is "" for
// requests that are not cached: assets (cached by browsers for a year), the
// health check and metrics, admin pages, collections (library.go),
// oversized targets, and requests
// with credentials (an API token or a session cookie, even a stale one,
// whose answer clears it). Other cookies change nothing paperboy renders,
// so visitors who carry some from elsewhere on the domain still share the
// cache.
func (s *Server) cacheKey(r *http.Request) string {
	p := r.URL.Path
	if p == "/healthz" || p == "/metrics" || p == "/admin" || strings.HasPrefix(p, "/admin/") ||
		strings.HasPrefix(p, "/static/") || p == "/favicon.ico" || uncachedPath(p) ||
		r.Header.Get("Authorization") != "" || hasSessionCookie(r) {
		return ""
	}
	key := r.URL.RequestURI()
	if len(key) > maxCacheKey {
		return ""
	}
	return key
}

// indexSeq is the search index's version: the last change it applied.
func (s *Server) indexSeq() uint64 {
	switch x := s.search.(type) {
	case interface{ Index() *search.LexicalIndex }: // the indexer
		if ix := x.Index(); ix != nil {
			return ix.LastSeq() + 1
		}
	case interface{ LastSeq() uint64 }: // a bare index
		return x.LastSeq() + 1
	}
	return 0
}

func hasSessionCookie(r *http.Request) bool {
	_, err := r.Cookie(sessionCookie)
	return err == nil
}

// etag derives the entity tag of key at version v.
func (s *Server) etag(key string, v version) string {
	h := fnv.New128a()
	h.Write([]byte(s.build))
	h.Write([]byte(key))
	var b [25]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(v.seq))
	binary.LittleEndian.PutUint64(b[8:], v.index)
	binary.LittleEndian.PutUint64(b[16:], uint64(v.hour))
	if v.semantic {
		b[24] = 1
	}
	h.Write(b[:])
	return `W/"` + hex.EncodeToString(h.Sum(nil)) + `"`
}

// buildID identifies the embedded templates and assets, so that a new
// release never answers 304 for a page an older one rendered.
func buildID() string {
	h := sha256.New()
	fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(files, path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// serveCached answers a GET or HEAD from the cache, or renders, caches and
// answers it. It reports false when the request is not cacheable, or the
// version cannot be read, and the caller must serve it plainly.
func (s *Server) serveCached(w http.ResponseWriter, r *http.Request) bool {
	key := s.cacheKey(r)
	if key == "" {
		return false
	}
	seq, err := s.changes.lastChange(r.Context())
	if err != nil {
		return false
	}
	v := version{seq: seq, index: s.indexSeq(), hour: s.now().Unix() / 3600, semantic: s.semanticIndex() != nil}
	if e := s.cache.get(key, v); e != nil {
		s.cache.hits.Add(1)
		w.Header().Set("X-Cache", "hit")
		writeResponse(w, r, http.StatusOK, e.header, e.plain, e.gz)
		return true
	}
	s.cache.miss.Add(1)
	etag := s.etag(key, v)
	if r.Header.Get("If-None-Match") != "" && notModified(r, http.Header{"Etag": {etag}}) {
		// The client holds what this version renders.
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	cw := newCacheWriter(w)
	s.route(cw, r)
	h := cw.header
	if cw.status != 0 && cw.status != http.StatusOK || h.Get("ETag") != "" || strings.Contains(h.Get("Cache-Control"), "no-store") {
		cw.finish(r)
		return true
	}
	h.Set("ETag", etag)
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	e := &cachedResponse{key: key, ver: v, header: h.Clone(), plain: cw.buf.Bytes()}
	for _, k := range []string{"Content-Length", "Content-Encoding", "Vary", "X-Cache"} {
		e.header.Del(k)
	}
	if len(e.plain) >= minGzip && compressible(h.Get("Content-Type")) {
		e.gz = gzipBytes(e.plain)
	}
	s.cache.put(e)
	h.Set("X-Cache", "miss")
	writeResponse(w, r, http.StatusOK, e.header, e.plain, e.gz)
	return true
}
