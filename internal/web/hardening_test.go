package web

import (
	"errors"
	"fmt"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// hugeMultipart streams a multipart form whose one file part is size
// bytes, without holding it in memory.
func hugeMultipart(size int64) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("text", "hello")
		f, _ := mw.CreateFormFile("upload", "big.bin")
		chunk := make([]byte, 1<<20)
		for left := size; left > 0; left -= int64(len(chunk)) {
			if _, err := f.Write(chunk[:min(left, int64(len(chunk)))]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType()
}

// emptyDir fails the test when dir holds any file.
func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, _ := e.Info()
		t.Errorf("left in the temporary directory: %s (%d bytes)", e.Name(), info.Size())
	}
}

// TestLargeBodiesAreRefusedAndLeaveNoFiles: a signed-in client (token or
// cookie, verified or not) posting a 40 MB multipart form, larger than
// net/http's in-memory part, to any write route gets 413, and nothing is
// left in the temporary directory. Before, the file part was spooled to
// /tmp and never removed.
func TestLargeBodiesAreRefusedAndLeaveNoFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newCommunityServer(t, d, func(o *Options) { o.Subscriptions = nil })
		u := newUser(t, st, "ada", "user")
		token := bearerToken(t, st, u)
		cookie := signedInClient(t, srv.URL, "ada")
		for _, path := range []string{"/papers/2506.00001/comments", "/papers/2506.00001/upvote", "/comments/1/edit", "/submit", "/api/papers/2506.00001/comments", "/login"} {
			for _, chunked := range []bool{false, true} {
				body, ctype := hugeMultipart(40 << 20)
				req, _ := http.NewRequest("POST", srv.URL+path, body)
				req.Header.Set("Content-Type", ctype)
				if !chunked {
					req.ContentLength = 40<<20 + 400 // about right: the server refuses on the header alone
					req.Body = io.NopCloser(io.LimitReader(body, req.ContentLength))
				}
				c := cookie
				if strings.HasPrefix(path, "/api/") {
					req.Header.Set("Authorization", "Bearer "+token)
					c = http.DefaultClient
				}
				resp, err := c.Do(req)
				if err != nil {
					// The server may close the connection on a refused upload
					// before the client has written it all: that is fine.
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestEntityTooLarge {
					t.Errorf("POST %s (chunked %v): status %d, want 413", path, chunked, resp.StatusCode)
				}
			}
		}
		// A form of 11 MB (once read as empty: "a comment needs some text").
		big := url.Values{"text": {strings.Repeat("x", 11<<20)}}
		if r := call(t, cookie, "POST", srv.URL+"/papers/2506.00001/comments", "", big); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "too large") {
			t.Errorf("11 MB comment form: status %d, want 413 saying too large", r.status)
		}
		// A comment of the largest allowed size still fits.
		if r := call(t, cookie, "POST", srv.URL+"/papers/2506.00001/comments", "", url.Values{"text": {strings.Repeat("é", maxCommentBytes/2)}}); r.status != http.StatusSeeOther {
			t.Errorf("a 10,000-byte comment: status %d, want 303: %.200s", r.status, r.body)
		}
	})
	emptyDir(t, tmp)
}

// TestEmailedLinksNeverFollowTheHostHeader: a reset, sign-in link,
// verification or notice asked for with a forged Host header links to
// the configured base URL only. Before, the reset link pointed to the
// forged host and its token worked on the real site.
func TestEmailedLinksNeverFollowTheHostHeader(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, func(o *Options) { o.BaseURL = "https://papers.example.org" })
	newUser(t, e.st, "ada", "user")
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/reset", url.Values{"email": {"ada@example.org"}}},
		{"/login/link", url.Values{"email": {"ada@example.org"}}},
		{"/signup", url.Values{"username": {"eve"}, "email": {"ada@example.org"}, "password": {"a long enough passphrase"}}},
	} {
		before := len(e.mail.messages())
		req, _ := http.NewRequest("POST", e.srv.URL+tc.path, strings.NewReader(tc.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Host = "attacker.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		msgs := e.mail.wait(t, before+1)
		text := msgs[len(msgs)-1].Text
		if strings.Contains(text, "attacker.example") || !strings.Contains(text, "https://papers.example.org/") {
			t.Errorf("POST %s with Host attacker.example mailed:\n%s", tc.path, text)
		}
	}
}

// TestHostileTextIsRefusedAt400: NUL bytes, control characters and
// invalid UTF-8 in paths, forms and JSON answer 400 on both databases,
// never 500 (PostgreSQL refuses such text) and before any rate limiter
// or database call.
func TestHostileTextIsRefusedAt400(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newCommunityServer(t, d, nil)
		admin := newUser(t, st, "root", "admin")
		token := bearerToken(t, st, admin)
		c := signedInClient(t, srv.URL, "root")
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/u/%00", nil},
			{"GET", "/u/%ff", nil},
			{"GET", "/u/a%1bb", nil},
			{"GET", "/search?q=a%00b", nil},
			{"GET", "/api/papers/search?q=%ff", nil},
			{"POST", "/login", url.Values{"username": {"a\x00b"}, "password": {"x"}}},
			{"POST", "/login", url.Values{"username": {"a\xffb"}, "password": {"x"}}},
			{"POST", "/reset", url.Values{"email": {"a\x00b@example.org"}}},
			{"POST", "/login/link", url.Values{"email": {"\xff@example.org"}}},
			{"POST", "/signup", url.Values{"username": {"n\x00"}, "email": {"n@example.org"}, "password": {"a long enough passphrase"}}},
			{"POST", "/papers/2506.00001/comments", url.Values{"text": {"nul \x00 here"}}},
			{"POST", "/papers/2506.00001/comments", url.Values{"text": {"bad \xff byte"}}},
			{"POST", "/admin/hide", url.Values{"target": {"2506.00001\x00"}, "reason": {"r"}}},
			{"POST", "/admin/suspend", url.Values{"target": {"root"}, "reason": {"\xfe"}}},
		} {
			r := call(t, c, tc.method, srv.URL+tc.path, "", tc.body)
			if r.status != http.StatusBadRequest {
				t.Errorf("%s %q: status %d, want 400: %.200s", tc.method, tc.path, r.status, r.body)
			}
		}
		// JSON decodes \u0000 into a NUL: refused too.
		r := call(t, nil, "POST", srv.URL+"/api/papers/2506.00001/comments", token, map[string]any{"text": "nul \u0000 here"})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `\"text\"`) && !strings.Contains(r.body, "text") {
			t.Errorf("JSON comment with \\u0000: status %d, want 400 naming the field: %s", r.status, r.body)
		}
	})
}

// TestStoreRefusesTextPostgresCannotHold: the storage contract, on both
// databases alike: NUL and invalid UTF-8 are ErrInvalidText on writes and
// find nothing on lookups (SQLite would store them; PostgreSQL errors).
func TestStoreRefusesTextPostgresCannotHold(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		_, st := newCommunityServer(t, d, nil)
		ctx := t.Context()
		u := newUser(t, st, "ada", "user")
		for _, bad := range []string{"a\x00b", "a\xffb"} {
			if _, err := st.CreateUser(ctx, store.User{Username: bad, Email: "x@example.org", PasswordHash: "h"}); !isInvalidText(err) {
				t.Errorf("CreateUser(%q): %v, want ErrInvalidText", bad, err)
			}
			if _, err := st.UserByName(ctx, bad); !isNotFound(err) {
				t.Errorf("UserByName(%q): %v, want ErrNotFound", bad, err)
			}
			if _, err := st.UserByEmail(ctx, bad); !isNotFound(err) {
				t.Errorf("UserByEmail(%q): %v, want ErrNotFound", bad, err)
			}
			if _, err := st.AddComment(ctx, "2506.00001", u.ID, 0, bad); !isInvalidText(err) {
				t.Errorf("AddComment(%q): %v, want ErrInvalidText", bad, err)
			}
			if err := st.SetHidden(ctx, "2506.00001", true, store.Actor{ID: u.ID, Name: "ada", Moderator: true}, bad); !isInvalidText(err) {
				t.Errorf("SetHidden reason %q: %v, want ErrInvalidText", bad, err)
			}
		}
		// A browser's User-Agent is only metadata: stored, made valid.
		if err := st.CreateSession(ctx, u.ID, "hash-of-a-session-token-0123456789abcdef", "agent\x00\xff", testNow.AddDate(0, 0, 1)); err != nil {
			t.Errorf("CreateSession with a hostile User-Agent: %v", err)
		}
	})
}

func isInvalidText(err error) bool { return err != nil && errors.Is(err, store.ErrInvalidText) }

// TestWrongMethodsAnswer405WithAllow: a path that exists for other
// methods answers 405 and says which it takes; an unknown path 404.
func TestWrongMethodsAnswer405WithAllow(t *testing.T) {
	srv, _ := newCommunityServer(t, store.SQLite, nil)
	for _, tc := range []struct {
		method, path, allow string
		status              int
	}{
		{"DELETE", "/trending", "GET, HEAD", 405},
		{"PUT", "/api/daily_papers", "GET, HEAD", 405},
		{"GET", "/api/submit", "POST", 405},
		{"POST", "/no/such/page", "", 404},
	} {
		r := call(t, nil, tc.method, srv.URL+tc.path, "", nil)
		if r.status != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, r.status, tc.status)
		}
		if tc.allow != "" && r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, r.header.Get("Allow"), tc.allow)
		}
	}
}

// TestJSONBodiesMustBeOneJSONValue: the JSON API takes application/json
// holding exactly one value.
func TestJSONBodiesMustBeOneJSONValue(t *testing.T) {
	srv, st := newCommunityServer(t, store.SQLite, nil)
	token := bearerToken(t, st, newUser(t, st, "ada", "user"))
	for _, tc := range []struct {
		ctype, body string
		status      int
	}{
		{"text/plain", `{"text":"hi"}`, http.StatusUnsupportedMediaType},
		{"application/x-www-form-urlencoded", `text=hi`, http.StatusUnsupportedMediaType},
		{"application/json", `{"text":"hi"}{"text":"again"}`, http.StatusBadRequest},
		{"application/json", `{"text":"hi"} trailing`, http.StatusBadRequest},
		{"application/json", `{"text":`, http.StatusBadRequest},
		{"application/json; charset=utf-8", `{"text":"hi"}`, http.StatusCreated},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/api/papers/2506.00001/comments", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d: %s", tc.ctype, tc.body, resp.StatusCode, tc.status, b)
		}
	}
}

// TestSignUpRefusesLocalAddresses: sign-up and subscriptions do not mail
// this machine or a literal address.
func TestSignUpRefusesLocalAddresses(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, func(o *Options) { o.RateLimits = map[string]RateLimit{} })
	for _, email := range []string{"x@localhost", "x@mail.localhost", "x@[127.0.0.1]", "x@10.0.0.1", "x@example", "Ada <ada@example.org>"} {
		r := do(t, http.DefaultClient, "POST", e.srv.URL+"/signup", url.Values{"username": {"x" + fmt.Sprint(len(email))}, "email": {email}, "password": {"a long enough passphrase"}})
		if r.status != http.StatusBadRequest {
			t.Errorf("sign up with %q: status %d, want 400", email, r.status)
		}
	}
	if n := len(e.mail.messages()); n != 0 {
		t.Errorf("%d messages sent to refused addresses", n)
	}
}

// TestHSTSOnlyOverHTTPS: Strict-Transport-Security is sent when the site's
// base URL is https, and not when it is http (it would lock browsers out
// of a plain-HTTP site).
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	for base, want := range map[string]bool{"https://papers.example.org": true, "http://127.0.0.1:8080": false} {
		srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.BaseURL = base })
		got := fetch(t, srv.URL+"/").header.Get("Strict-Transport-Security") != ""
		if got != want {
			t.Errorf("base %s: HSTS sent %v, want %v", base, got, want)
		}
	}
}

// TestPrivateMetrics: with PrivateMetrics, /metrics is not on the public
// routes and MetricsHandler serves it.
func TestPrivateMetrics(t *testing.T) {
	srv, _, _ := newFixtureServer(t, store.SQLite, func(o *Options) { o.PrivateMetrics = true })
	if r := fetch(t, srv.URL+"/metrics"); r.status != http.StatusNotFound {
		t.Errorf("public /metrics: status %d, want 404", r.status)
	}
	rec := httptest.NewRecorder()
	srv.Config.Handler.(*Server).MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "paperboy_http_requests_total") {
		t.Errorf("private metrics: status %d: %.200s", rec.Code, rec.Body.String())
	}
}

// tcpProxy forwards connections to a server until cut, when it closes
// them all and refuses new ones: a database going away.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	t.Cleanup(p.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *tcpProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestDatabaseOutageAnswers503: with PostgreSQL gone, pages and the API
// answer 503 with Retry-After (a state to wait out), not 500.
func TestDatabaseOutageAnswers503(t *testing.T) {
	raw := storetest.MigratedURL(t, store.Postgres)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	st, err := store.Open(t.Context(), u.String(), store.Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertPapers(t.Context(), fixturePapers()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewServer(Options{Papers: st, Accounts: st, Community: st, Now: func() time.Time { return testNow }, Log: testLogger(t)}))
	t.Cleanup(srv.Close)
	if r := fetch(t, srv.URL+"/papers/2506.00001"); r.status != http.StatusOK {
		t.Fatalf("before the outage: status %d", r.status)
	}
	proxy.cut()
	for _, path := range []string{"/papers/2506.00002", "/api/papers/2506.00003", "/trending", "/u/ada"} {
		r := fetch(t, srv.URL+path)
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
			t.Errorf("%s during the outage: status %d, Retry-After %q; want 503 with Retry-After", path, r.status, r.header.Get("Retry-After"))
		}
	}
}
