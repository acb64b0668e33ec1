package web

import (
	"net/http"
	"strings"
)

// Cross-origin reads: the public read endpoints may be fetched by
// JavaScript on any site, errors included (a script must be able to read a
// 404's body), with the paging headers exposed. Nothing is sent with
// credentials (the origin is "*"), and preflights allow only reads, so
// writes stay same-origin or token-only (scripts outside browsers).
const (
	corsAllowMethods = "GET, HEAD, OPTIONS"
	corsAllowHeaders = "Accept, Authorization, Content-Type, If-None-Match, If-Modified-Since"
	corsExpose       = "Link, X-Total-Count, X-Search-Mode, X-Search-Fallback, X-Search-Suggestion, ETag, Last-Modified, Retry-After"
	corsMaxAge       = "86400"
)

// corsReadable reports whether path is a public read endpoint.
func corsReadable(path string) bool {
	switch path {
	case "/api/papers/search", "/api/suggest", "/api/daily_papers", "/api/openapi.json":
		return true
	}
	if rest, ok := strings.CutPrefix(path, "/api/papers/"); ok && rest != "" {
		// The paper, its similar papers and its comments; votes are writes.
		return !strings.HasSuffix(rest, "/upvote")
	}
	rest, ok := strings.CutPrefix(path, "/papers/")
	return ok && strings.HasSuffix(rest, ".md")
}

// cors sets the cross-origin headers of a public read endpoint and answers
// its preflight; it reports whether the request has been answered.
func cors(w http.ResponseWriter, r *http.Request) bool {
	if !corsReadable(r.URL.Path) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", corsExpose)
	if r.Method != http.MethodOptions {
		return false
	}
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	h.Set("Allow", corsAllowMethods)
	w.WriteHeader(http.StatusNoContent)
	return true
}
