package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/semantic"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// httpError is an error with the status and message a client may see.
type httpError struct {
	status  int
	message string
}

func (e *httpError) Error() string { return e.message }

func errNotFound(msg string) error   { return &httpError{http.StatusNotFound, msg} }
func errBadRequest(msg string) error { return &httpError{http.StatusBadRequest, msg} }

var errNoSearch = &httpError{http.StatusServiceUnavailable, "search is not available"}

// renderError is the one place that turns errors into responses. Only
// unexpected errors are logged, and their text never reaches the client.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment."
	var he *httpError
	var limited *rateLimited
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.message
	case errors.As(err, &limited):
		status, msg = http.StatusTooManyRequests, limited.Error()
		w.Header().Set("Retry-After", limited.retryAfterSeconds())
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "not found"
	case errors.Is(err, store.ErrInvalidText):
		status, msg = http.StatusBadRequest, "The request holds characters that are not allowed (NUL or invalid UTF-8)."
	case store.Unavailable(err):
		// An outage, not a fault of this request: clients and proxies
		// may retry, and the log says it once per request at warn level.
		status, msg = http.StatusServiceUnavailable, "The database is not answering; please try again in a moment."
		w.Header().Set("Retry-After", "5")
		s.log.Warn("database unavailable", "method", r.Method, "path", loggedPath(r.URL.Path), "err", err)
	case errors.Is(err, search.ErrEmptyQuery), errors.Is(err, search.ErrQueryTooLong), errors.Is(err, semantic.ErrLexicalOnly):
		status, msg = http.StatusBadRequest, strings.TrimPrefix(err.Error(), "search: ")
	case errors.Is(err, semantic.ErrProviderUnavailable):
		status, msg = http.StatusServiceUnavailable, "search by meaning is unavailable right now: the embeddings provider did not answer; try mode=hybrid or lexical"
		w.Header().Set("Retry-After", "5")
	case errors.Is(err, semantic.ErrUnavailable):
		status, msg = http.StatusServiceUnavailable, err.Error()
		w.Header().Set("Retry-After", "60")
	case errors.Is(err, semantic.ErrNoModel), errors.Is(err, semantic.ErrUnknownPaper):
		status, msg = http.StatusNotFound, err.Error()
	case errors.Is(err, search.ErrNotReady):
		status, msg = http.StatusServiceUnavailable, err.Error()
		w.Header().Set("Retry-After", "10")
	case errors.Is(err, context.Canceled):
		return // the client went away
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized && bearer(r) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	if isAPI(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	s.pages.ExecuteTemplate(w, "error.html", errorPage{
		Page:    Page{Title: http.StatusText(status), Viewer: viewerFrom(r.Context())},
		Status:  status,
		Message: msg,
	})
}

type errorPage struct {
	Page
	Status  int
	Message string
}

