package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/problem"
)

// Request bodies are bounded and parsed in one place, handle's wrapper,
// before any handler runs: forms are read whole into memory (never spooled
// to a temporary file), and what a route accepts depends on its kind.
const (
	// maxFormBody bounds account, subscription and moderation forms: the
	// largest honest one is a 256-character password.
	maxFormBody = 16 << 10
	// maxLargeBody bounds the routes that carry a comment or a digest's
	// preferences: 10,000 characters percent-encoded, and a JSON body.
	maxLargeBody = 64 << 10
	// maxImportBody bounds the routes that take a reference-manager file:
	// the largest file an import reads, and room for a form's other parts.
	maxImportBody = citation.MaxFileBytes + 64<<10
)

// largeBodyRoutes are the patterns whose bodies may be maxLargeBody.
var largeBodyRoutes = map[string]bool{
	"POST /papers/{id...}":     true, // the comment form
	"POST /comments/{id}/edit": true,
	"POST /subscribe/manage":   true,
	"POST /api/papers/{id...}": true, // the comments API
	"PATCH /api/comments/{id}": true,
	// notes and collection descriptions (library.go)
	"POST /library/note":             true,
	"POST /collections":              true,
	"POST /c/{user}/{slug}/{action}": true,
	"PUT /api/library/{id...}":       true,
	"POST /api/collections":          true,
	"PATCH /api/collections/{slug}":  true,
}

// importRoutes are the patterns whose bodies may be maxImportBody
// (library_transfer.go).
var importRoutes = map[string]bool{
	"POST /library/import":                true, // the upload form, multipart
	"POST /api/library/import":            true,
	"POST /api/collections/{slug}/import": true,
}

// rawBodyRoutes take the body as it is, a file, whatever its media type:
// "curl --data-binary @refs.bib" sends a form's media type.
var rawBodyRoutes = map[string]bool{
	"POST /api/library/import":            true,
	"POST /api/collections/{slug}/import": true,
}

// bodyLimit is the largest body the route of pattern accepts.
func bodyLimit(pattern string) int64 {
	if importRoutes[pattern] {
		return maxImportBody
	}
	if largeBodyRoutes[pattern] {
		return maxLargeBody
	}
	return maxFormBody
}

func errTooLarge(limit int64) error {
	return problem.New(problem.TooLarge, fmt.Sprintf("The request is too large: at most %d KB is accepted here.", limit>>10))
}

var errUnsupportedType = problem.New(problem.UnsupportedType, "send the request body as application/json")

// checkRequest refuses what no route accepts, before anything reads the
// request: a body larger than any route takes (each route's own bound is
// checked by readBody before its handler runs), and a path that is not
// valid text (NUL, control characters, invalid UTF-8).
func checkRequest(r *http.Request) error {
	if r.ContentLength > maxImportBody {
		return errTooLarge(maxImportBody)
	}
	if !plainText(r.URL.Path, false) {
		return errBadRequest("The address holds characters that are not allowed (control characters or invalid UTF-8).")
	}
	return nil
}

// readBody bounds the body of a request for the route of the given limit
// and parses forms into r.Form and r.PostForm, so that no handler parses
// (or spools to disk) one itself. Form values and the query are checked
// to be plain text. JSON bodies are left to readJSON, within the bound.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		// These take no body: a multipart body sent with one must not be
		// parsed (FormValue would) nor spooled.
		r.Body = http.MaxBytesReader(w, r.Body, 0)
		queryOnly(r) // a malformed pair is dropped, as ParseForm does
		return checkValues(r.Form)
	}
	if r.ContentLength > limit {
		return errTooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	switch mediaType(r) {
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	case "multipart/form-data":
		// With room for twice the body in memory, no part goes to disk.
		err = r.ParseMultipartForm(2 * limit)
	default:
		if err := queryOnly(r); err != nil {
			return errBadRequest("The address's query is malformed.")
		}
		return checkValues(r.Form)
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge(limit)
		}
		return errBadRequest("The form is malformed.")
	}
	return checkValues(r.Form)
}

// readRawBody bounds the body of a route that reads it as a file, and
// reads and checks the query alone.
func readRawBody(w http.ResponseWriter, r *http.Request, limit int64) error {
	if r.ContentLength > limit {
		return errTooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := queryOnly(r); err != nil {
		return errBadRequest("The address's query is malformed.")
	}
	return checkValues(r.Form)
}

// queryOnly fills the form from the query alone, for a request whose body
// is not a form; the form keeps the pairs that parse.
func queryOnly(r *http.Request) error {
	var err error
	r.PostForm = url.Values{}
	r.Form, err = url.ParseQuery(r.URL.RawQuery)
	return err
}

func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// checkValues refuses form or query values that are not plain text.
func checkValues(vs url.Values) error {
	for k, list := range vs {
		if !plainText(k, false) {
			return errBadRequest("A form field's name holds characters that are not allowed.")
		}
		for _, v := range list {
			if !plainText(v, true) {
				return errBadRequest(fmt.Sprintf("The field %q holds characters that are not allowed (NUL, control characters or invalid UTF-8).", k))
			}
		}
	}
	return nil
}

// plainText reports whether s is text a person could have typed: valid
// UTF-8 without NUL or other control characters, except tab and line
// breaks where multiline.
func plainText(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')) || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r >= 0x80 && r <= 0x9f {
			return false
		}
		i += n
	}
	return true
}

// readJSON decodes a JSON request body, already bounded by readBody, into
// v: exactly one value, sent as application/json, with plain-text
// strings.
func readJSON(r *http.Request, v any) error {
	if mediaType(r) != "application/json" {
		return errUnsupportedType
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge(tooLarge.Limit)
		}
		return errBadRequest("want a JSON object: " + jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return errBadRequest("want one JSON value: the body continues after it")
	}
	if field, ok := jsonText(v); !ok {
		return errBadRequest(fmt.Sprintf("the field %q holds characters that are not allowed (NUL, control characters)", field))
	}
	return nil
}

// jsonProblem says briefly why a body did not decode.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s", typ.Field, typ.Type)
	}
	return "invalid JSON"
}

// jsonText checks the string fields of a decoded request (a pointer to a
// struct) and names the first that is not plain text.
func jsonText(v any) (field string, ok bool) {
	rv := reflect.Indirect(reflect.ValueOf(v))
	if rv.Kind() != reflect.Struct {
		return "", true
	}
	for i := range rv.NumField() {
		f := rv.Field(i)
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		if f.Kind() == reflect.String && !plainText(f.String(), true) {
			name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
			return cmp.Or(name, rv.Type().Field(i).Name), false
		}
	}
	return "", true
}
