package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cacheWriter buffers a GET response so that, once the handler is done, it
// can be answered with 304 Not Modified (ETag or Last-Modified), or sent
// gzip-compressed. Every page is rendered into memory anyway (a failing
// template must not leave half a page), so buffering costs nothing more.
type cacheWriter struct {
	w      http.ResponseWriter
	header http.Header
	status int
	buf    bytes.Buffer
}

func newCacheWriter(w http.ResponseWriter) *cacheWriter {
	return &cacheWriter{w: w, header: w.Header(), status: 0}
}

func (c *cacheWriter) Header() http.Header { return c.header }

func (c *cacheWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *cacheWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.buf.Write(p)
}

// minGzip is the smallest body worth compressing.
const minGzip = 1024

// Level 1 compresses HTML and JSON to within a few per cent of the default
// level at a third of the CPU, which matters for responses the cache
// cannot serve (a profile of uncached search pages had 18% in deflate).
var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

func (c *cacheWriter) finish(r *http.Request) {
	h := c.header
	if c.status == 0 {
		c.status = http.StatusOK
	}
	body := c.buf.Bytes()
	if c.status == http.StatusOK {
		if h.Get("ETag") == "" {
			sum := sha256.Sum256(body)
			h.Set("ETag", `W/"`+hex.EncodeToString(sum[:12])+`"`)
		}
		if h.Get("Cache-Control") == "" {
			// Revalidate every time: the lists change with votes and imports.
			h.Set("Cache-Control", "no-cache")
		}
	}
	var gz []byte
	if !(c.status == http.StatusOK && notModified(r, h)) && len(body) >= minGzip && acceptsGzip(r) && compressible(h.Get("Content-Type")) {
		gz = gzipBytes(body)
	}
	writeResponse(c.w, r, c.status, nil, body, gz)
}

// writeResponse sends a buffered response: the headers of hdr (added to
// w's), then 304 Not Modified when the client's copy is current, else the
// gzip'd body when there is one and the client takes it, else the plain
// body.
func writeResponse(w http.ResponseWriter, r *http.Request, status int, hdr http.Header, plain, gz []byte) {
	h := w.Header()
	for k, v := range hdr {
		h[k] = v // hdr is a Clone: appending to v reallocates
	}
	h.Add("Vary", "Accept-Encoding")
	if status == http.StatusOK && notModified(r, h) {
		for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding"} {
			h.Del(k)
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := plain
	if gz != nil && acceptsGzip(r) {
		body = gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b)/4 + 64)
	gz := gzipWriters.Get().(*gzip.Writer)
	gz.Reset(&out)
	gz.Write(b)
	gz.Close()
	gzipWriters.Put(gz)
	return out.Bytes()
}

// notModified reports whether the client's cached copy is current
// (RFC 9110 section 13.1: If-None-Match wins over If-Modified-Since).
func notModified(r *http.Request, h http.Header) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		etag := strings.TrimPrefix(h.Get("ETag"), "W/")
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == etag || t == "*" {
				return true
			}
		}
		return false
	}
	ims, lm := r.Header.Get("If-Modified-Since"), h.Get("Last-Modified")
	if ims == "" || lm == "" {
		return false
	}
	since, err1 := http.ParseTime(ims)
	mod, err2 := http.ParseTime(lm)
	return err1 == nil && err2 == nil && !mod.After(since)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) == "gzip" {
			q = strings.TrimSpace(q)
			return q == "" || (q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000")
		}
	}
	return false
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "xml") ||
		strings.Contains(ct, "javascript") || strings.HasPrefix(ct, "image/svg")
}

// setLastModified sets Last-Modified to the latest of the times, if any.
func setLastModified(w http.ResponseWriter, times ...time.Time) {
	var latest time.Time
	for _, t := range times {
		if t.After(latest) {
			latest = t
		}
	}
	if !latest.IsZero() {
		w.Header().Set("Last-Modified", latest.UTC().Format(http.TimeFormat))
	}
}
