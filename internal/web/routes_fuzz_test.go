package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/digest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// hostileServer is the fixture server with every feature on (accounts,
// community, subscriptions) and no rate limits, so that hostile requests
// reach the handlers' own code.
func hostileServer(t testing.TB, d store.Dialect) (*httptest.Server, *Server, []*http.Client, []string) {
	t.Helper()
	srv, st := newCommunityServer(t, d, func(o *Options) {
		o.RateLimits = map[string]RateLimit{}
		o.Subscriptions = &digest.Service{Store: o.Papers.(*store.Store), Mail: o.Mail, From: "paperboy <digest@paperboy.test>",
			BaseURL: "https://paperboy.test", Now: func() time.Time { return testNow }, Weekly: time.Monday}
	})
	admin := newUser(t, st, "root", "admin")
	newUser(t, st, "ada", "user")
	if _, err := st.AddComment(t.Context(), "2506.00001", admin.ID, 0, "a first comment"); err != nil {
		t.Fatal(err)
	}
	clients := []*http.Client{
		{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		signedInClient(t, srv.URL, "root"),
		signedInClient(t, srv.URL, "ada"),
	}
	tokens := []string{"", "", bearerToken(t, st, admin)}
	return srv, srv.Config.Handler.(*Server), clients, tokens
}

// hostileValues are what each path wildcard and form field is tried with.
var hostileValues = []string{
	"", "1", "2506.00001", "ada", "%00", "%ff", "a%1bb", "..%2f..%2fetc%2fpasswd", strings.Repeat("9", 400),
}

// fillPattern turns a route pattern into request paths, one per hostile
// value in its wildcards.
func fillPattern(pattern string) (method string, paths []string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	path = strings.TrimSuffix(path, "{$}")
	if !strings.Contains(path, "{") {
		return method, []string{path}
	}
	for _, v := range hostileValues {
		p := path
		for strings.Contains(p, "{") {
			i, j := strings.Index(p, "{"), strings.Index(p, "}")
			val := v
			if strings.HasSuffix(p[i:j], "...") {
				val = v + "/comments"
			}
			p = p[:i] + val + p[j+1:]
		}
		paths = append(paths, p)
	}
	return method, paths
}

// hostileBody is one way to send a body: its content type and bytes.
type hostileBody struct {
	name, ctype string
	body        []byte
}

func hostileBodies() []hostileBody {
	fields := []string{"text", "email", "username", "password", "current", "token", "id", "target", "reason", "cadence",
		"parent_id", "next", "label", "vote", "categories", "authors", "queries", "date", "part"}
	form := func(v string) []byte {
		vs := url.Values{}
		for _, f := range fields {
			vs.Set(f, v)
		}
		return []byte(vs.Encode())
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("text", "x\x00y")
	fw, _ := mw.CreateFormFile("file", "f.bin")
	fw.Write(bytes.Repeat([]byte{0xff}, 200<<10))
	mw.Close()
	var small bytes.Buffer
	sw := multipart.NewWriter(&small)
	for _, f := range fields {
		sw.WriteField(f, "\xfe\xff")
	}
	sw.Close()
	return []hostileBody{
		{"none", "", nil},
		{"NUL form", "application/x-www-form-urlencoded", form("a\x00b")},
		{"invalid UTF-8 form", "application/x-www-form-urlencoded", form("a\xffb")},
		{"control form", "application/x-www-form-urlencoded", form("\x1b[31m")},
		{"plain form", "application/x-www-form-urlencoded", form("2506.00001")},
		{"huge form", "application/x-www-form-urlencoded", form(strings.Repeat("z", 70<<10))},
		{"bad escapes", "application/x-www-form-urlencoded", []byte("text=%zz&email=%")},
		{"multipart with a large file", mw.FormDataContentType(), mp.Bytes()},
		{"multipart invalid UTF-8", sw.FormDataContentType(), small.Bytes()},
		{"multipart without boundary", "multipart/form-data", []byte("--x\r\n")},
		{"NUL JSON", "application/json", []byte(`{"text":"a\u0000b","id":"\u0000","parent_id":1}`)},
		{"garbage JSON", "application/json", []byte(`{"text":` + strings.Repeat("[", 5000))},
		{"wrong JSON types", "application/json", []byte(`{"text":1,"parent_id":"x","id":[]}`)},
		{"two JSON values", "application/json", []byte(`{"id":"2506.00001"} {"id":"2506.00002"}`)},
		{"XML", "text/xml", []byte(`<?xml version="1.0"?><a>&lt;</a>`)},
		{"bad content type", "multipart/form-data; boundary=\"", []byte("x")},
	}
}

// TestEveryRouteSurvivesHostileInput drives every registered route with
// hostile path values, queries and bodies (huge, NUL, invalid UTF-8,
// control characters, wrong content types), as an anonymous client, two
// signed-in ones and an API token, on both databases: no answer is a
// 5xx, and no file is left in the temporary directory.
func TestEveryRouteSurvivesHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("drives thousands of requests")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, s, clients, tokens := hostileServer(t, d)
		queries := []string{"", "?q=a%00b&p=%ff&date=%1b&email=x%00", "?q=" + strings.Repeat("x+", 3000), "?token=%ff&p=-1&limit=1e9&sort=%00"}
		bodies := hostileBodies()
		requests := 0
		for _, pattern := range s.routes {
			method, paths := fillPattern(pattern)
			for _, path := range paths {
				for qi, q := range queries {
					for bi, b := range bodies {
						// Every body with the first query; the other queries
						// with no body: enough to reach each parser.
						if qi > 0 && bi > 0 {
							continue
						}
						for ci, c := range clients {
							if path == "/logout" || path == "/logout/everywhere" || strings.HasSuffix(path, "/revoke") || path == "/settings/password" {
								// These would end the clients' sessions for the rest
								// of the test; they are driven by the native fuzzer.
								if ci > 0 {
									continue
								}
							}
							req, err := http.NewRequest(method, srv.URL+path+q, bytes.NewReader(b.body))
							if err != nil {
								t.Fatalf("%s %s: %v", method, path, err)
							}
							if b.ctype != "" {
								req.Header.Set("Content-Type", b.ctype)
							}
							if tokens[ci] != "" {
								req.Header.Set("Authorization", "Bearer "+tokens[ci])
							}
							resp, err := c.Do(req)
							if err != nil {
								t.Fatalf("%s %s%s (%s): %v", method, path, q, b.name, err)
							}
							body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
							resp.Body.Close()
							requests++
							if resp.StatusCode >= 500 {
								t.Errorf("%s %.100s%.60s (%s, client %d): status %d: %s", method, path, q, b.name, ci, resp.StatusCode, body)
							}
						}
					}
				}
			}
		}
		t.Logf("%d routes, %d requests", len(s.routes), requests)
	})
	emptyDir(t, tmp)
}

// FuzzRequest feeds arbitrary methods, paths, content types and bodies to
// the server in process: no input makes it answer 5xx or panic. The seeds
// run with go test; go test -fuzz FuzzRequest explores further.
func FuzzRequest(f *testing.F) {
	for _, b := range hostileBodies() {
		if len(b.body) < 4<<10 {
			f.Add("POST", "/papers/2506.00001/comments", b.ctype, b.body)
			f.Add("PATCH", "/api/comments/1", b.ctype, b.body)
		}
	}
	f.Add("POST", "/settings/password", "application/x-www-form-urlencoded", []byte("current=x%00&password=%ff"))
	f.Add("GET", "/u/%C0%80", "", []byte(nil))
	f.Add("OPTIONS", "/api/submit", "application/json", []byte(`{}`))
	_, s, _, _ := hostileServer(f, store.SQLite)
	f.Fuzz(func(t *testing.T, method, path, ctype string, body []byte) {
		if !validMethod(method) || !strings.HasPrefix(path, "/") {
			return
		}
		req, err := http.NewRequest(method, "http://paperboy.test"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("%s %q (%s, %d bytes): status %d: %.300s", method, path, ctype, len(body), rec.Code, rec.Body.String())
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return true
	}
	return false
}
