// Package web serves paperboy over HTTP: the JSON API and the HTML pages.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/indexer"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Papers is what the web layer reads from the store.
type Papers interface {
	Paper(ctx context.Context, id string) (store.Paper, error)
	PapersByID(ctx context.Context, ids []string) ([]store.Paper, error)
	RecentPapers(ctx context.Context, limit int) ([]store.Paper, error)
	Ping(ctx context.Context) error
}

//go:embed templates
var templateFiles embed.FS

// Searcher runs searches.
type Searcher interface {
	Search(ctx context.Context, req search.Request) (search.Result, error)
}

// Server is paperboy's HTTP handler.
type Server struct {
	papers Papers
	search Searcher
	log    *slog.Logger
	pages  *template.Template
	mux    *http.ServeMux
}

// Options are what a Server serves from.
type Options struct {
	Papers Papers
	Search Searcher
	Log    *slog.Logger
}

// NewServer returns a handler serving the API and pages.
func NewServer(opts Options) *Server {
	s := &Server{
		papers: opts.Papers,
		search: opts.Search,
		log:    opts.Log,
		pages:  template.Must(template.New("").Funcs(templateFuncs).ParseFS(templateFiles, "templates/*.html")),
		mux:    http.NewServeMux(),
	}
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /api/papers/search", s.apiSearch)
	s.handle("GET /api/papers/{id...}", s.apiPaper)
	s.handle("GET /{$}", s.home)
	s.handle("/", func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound("no page at " + r.URL.Path)
	})
	return s
}

// ServeHTTP logs every request with its status and duration.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// handlerFunc is a handler that returns its failure; handle renders it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// httpError is an error with the status and message a client may see.
type httpError struct {
	status  int
	message string
}

func (e *httpError) Error() string { return e.message }

func errNotFound(msg string) error   { return &httpError{http.StatusNotFound, msg} }
func errBadRequest(msg string) error { return &httpError{http.StatusBadRequest, msg} }

// renderError is the one place that turns errors into responses. Only
// unexpected errors are logged, and their text never reaches the client.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "internal error"
	var he *httpError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.message
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "not found"
	case errors.Is(err, search.ErrEmptyQuery), errors.Is(err, search.ErrQueryTooLong):
		status, msg = http.StatusBadRequest, strings.TrimPrefix(err.Error(), "search: ")
	case errors.Is(err, indexer.ErrNotReady):
		status, msg = http.StatusServiceUnavailable, err.Error()
		w.Header().Set("Retry-After", "10")
	case errors.Is(err, context.Canceled):
		return // the client went away
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if isAPI(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	s.pages.ExecuteTemplate(w, "error.html", map[string]any{"Status": status, "Title": http.StatusText(status), "Message": msg})
}

func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/healthz"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.papers.Ping(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
	return nil
}
