package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/store"
)

func errNotFound(msg string) error   { return problem.New(problem.NotFound, msg) }
func errBadRequest(msg string) error { return problem.New(problem.Invalid, msg) }
func errForbidden(msg string) error  { return problem.New(problem.Forbidden, msg) }

var errNoSearch = problem.New(problem.Unavailable, "search is not available")

// internalMessage is all a client learns of an unexpected failure.
const internalMessage = "Something went wrong on our side. Please try again in a moment."

// statusOf is the HTTP status of each kind of problem.
var statusOf = map[problem.Kind]int{
	problem.Internal:        http.StatusInternalServerError,
	problem.Invalid:         http.StatusBadRequest,
	problem.Unauthorized:    http.StatusUnauthorized,
	problem.Forbidden:       http.StatusForbidden,
	problem.NotFound:        http.StatusNotFound,
	problem.NotAllowed:      http.StatusMethodNotAllowed,
	problem.Conflict:        http.StatusConflict,
	problem.TooLarge:        http.StatusRequestEntityTooLarge,
	problem.UnsupportedType: http.StatusUnsupportedMediaType,
	problem.Unprocessable:   http.StatusUnprocessableEntity,
	problem.TooManyRequests: http.StatusTooManyRequests,
	problem.Upstream:        http.StatusBadGateway,
	problem.Unavailable:     http.StatusServiceUnavailable,
}

// httpStatus is the status of a problem's kind.
func httpStatus(p *problem.Error) int {
	if status, ok := statusOf[p.Kind]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// Sentinels of the packages below web, as clients see them. The messages
// are written here, not taken from the errors' text, which may hold
// operators' hints ("run 'paperboy embed train'") or a cause's details.
var (
	errDatabaseDown = problem.New(problem.Unavailable, "The database is not answering; please try again in a moment.").Retry(5 * time.Second)
	errBadText      = problem.New(problem.Invalid, "The request holds characters that are not allowed (NUL or invalid UTF-8).")
	errEmptyQuery   = problem.New(problem.Invalid, `empty query: type a few words, a "phrase", or a field such as au:name`)
	errQueryTooLong = problem.New(problem.Invalid, "query too long: at most 250 characters")
	errLexicalOnly  = problem.New(problem.Invalid, "semantic search takes plain words only: use mode lexical or hybrid for fields, filters and sort orders")
	errProviderDown = problem.New(problem.Unavailable, "search by meaning is unavailable right now: the embeddings provider did not answer; try mode=hybrid or lexical").Retry(5 * time.Second)
	errSemanticDown = problem.New(problem.Unavailable, "search by meaning is unavailable right now; try mode=hybrid or lexical").Retry(time.Minute)
	errNoModel      = problem.New(problem.NotFound, "semantic search is not available yet")
	errNoVector     = problem.New(problem.NotFound, "this paper is not in the index of meanings yet")
	errIndexBuilt   = problem.New(problem.Unavailable, "the search index is being built; try again shortly").Retry(10 * time.Second)
)

// asProblem says what err is to a client. Errors of the packages below
// web become problems here; anything else is Internal.
func asProblem(err error) *problem.Error {
	switch {
	case problem.As(err) != nil:
		return problem.As(err)
	case errors.Is(err, store.ErrNotFound):
		return problem.New(problem.NotFound, "not found")
	case errors.Is(err, store.ErrInvalidText):
		return errBadText
	case store.Unavailable(err):
		return errDatabaseDown
	case errors.Is(err, search.ErrEmptyQuery):
		return errEmptyQuery
	case errors.Is(err, search.ErrQueryTooLong):
		return errQueryTooLong
	case errors.Is(err, search.ErrLexicalOnly):
		return errLexicalOnly
	case errors.Is(err, search.ErrProviderUnavailable):
		return errProviderDown
	case errors.Is(err, search.ErrUnavailable):
		return errSemanticDown
	case errors.Is(err, search.ErrNoModel):
		return errNoModel
	case errors.Is(err, search.ErrUnknownPaper):
		return errNoVector
	case errors.Is(err, search.ErrNotReady):
		return errIndexBuilt
	}
	return problem.New(problem.Internal, internalMessage)
}

// renderError is the one place that turns errors into responses: the
// status and message come from the error's problem (asProblem), never from
// its text. Unexpected errors are logged; so are outages, once, at warn
// level, and the conditions an operator fixes (no model yet).
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	p := asProblem(err)
	status := httpStatus(p)
	msg := p.Message
	switch {
	case status >= 500 && p.Kind == problem.Internal:
		msg = internalMessage
		s.log.Error("request failed", "method", r.Method, "path", loggedPath(r.URL.Path), "err", err)
	case store.Unavailable(err):
		// An outage, not a fault of this request: clients and proxies
		// may retry.
		s.log.Warn("database unavailable", "method", r.Method, "path", loggedPath(r.URL.Path), "err", err)
	case errors.Is(err, search.ErrNoModel), errors.Is(err, search.ErrUnavailable):
		// The client gets a neutral message; the operator the reason
		// and its remedy.
		s.log.Warn("search by meaning not served", "path", loggedPath(r.URL.Path), "err", err)
	}
	h := w.Header()
	setRetryAfter(w, p)
	h.Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized && bearer(r) {
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	if isAPI(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	// Rendered first, so that a failing template cannot leave half a page.
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, "error.html", errorPage{
		Page:    Page{Title: http.StatusText(status), Viewer: viewerFrom(r.Context())},
		Status:  status,
		Message: msg,
	}); err != nil {
		s.log.Error("render error page", "err", err)
		buf.Reset()
		buf.WriteString(http.StatusText(status) + "\n")
		h.Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// setRetryAfter tells the client when to ask again, in whole seconds
// rounded up, if the problem says.
func setRetryAfter(w http.ResponseWriter, p *problem.Error) {
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int((p.RetryAfter+time.Second-1)/time.Second))))
	}
}

type errorPage struct {
	Page
	Status  int
	Message string
}

// pageError is the problem of a query or form a page shows in its own
// form, for the kinds a client fixes; ok is false for other errors, which
// renderError answers.
func pageError(err error, kinds ...problem.Kind) (p *problem.Error, ok bool) {
	p = asProblem(err)
	for _, k := range kinds {
		if p.Kind == k {
			return p, true
		}
	}
	return nil, false
}
