package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// staticFiles are the embedded assets. Pages link them with a content hash
// in the query (/static/style.css?v=1a2b...), so they can be cached for a
// year and still change with each release.
type staticFiles struct {
	files map[string][]byte
	etags map[string]string
}

func loadStatic() *staticFiles {
	st := &staticFiles{files: map[string][]byte{}, etags: map[string]string{}}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		panic(err) // embedded at build time
	}
	for _, e := range entries {
		b, err := fs.ReadFile(files, "static/"+e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		st.files[e.Name()] = b
		st.etags[e.Name()] = hex.EncodeToString(sum[:6])
	}
	return st
}

// url is the versioned address of a static file.
func (st *staticFiles) url(name string) string {
	return "/static/" + name + "?v=" + st.etags[name]
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	b, ok := s.static.files[name]
	if !ok || name == "openapi.json" {
		return errNotFound("There is no such file.")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	if strings.HasPrefix(ct, "text/") && !strings.Contains(ct, "charset") {
		ct += "; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("ETag", `"`+s.static.etags[name]+`"`)
	if r.URL.Query().Get("v") == s.static.etags[name] {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	w.Write(b)
	return nil
}

func (s *Server) favicon(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(s.static.files["favicon.svg"])
	return nil
}

// binaryStarted stands in for the embedded files' modification time, which
// embed does not keep: they cannot have changed since the binary started.
var binaryStarted = time.Now()

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	setLastModified(w, binaryStarted)
	w.Write(s.static.files["openapi.json"])
	return nil
}

func (s *Server) robots(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("User-agent: *\nDisallow: /api/\nDisallow: /search\nDisallow: /feeds/\nAllow: /\n\nSitemap: " + s.baseURL + "/sitemap.xml\n"))
	return nil
}

func (s *Server) openSearch(w http.ResponseWriter, r *http.Request) error {
	base := xmlEscape(s.baseURL)
	w.Header().Set("Content-Type", "application/opensearchdescription+xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
  <ShortName>paperboy</ShortName>
  <Description>Search research papers on paperboy</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <Image width="16" height="16" type="image/svg+xml">` + base + `/favicon.ico</Image>
  <Url type="text/html" method="get" template="` + base + `/search?q={searchTerms}"/>
  <Url type="application/atom+xml" template="` + base + `/feeds/search.atom?q={searchTerms}"/>
  <Url type="application/opensearchdescription+xml" rel="self" template="` + base + `/opensearch.xml"/>
</OpenSearchDescription>
`))
	return nil
}
