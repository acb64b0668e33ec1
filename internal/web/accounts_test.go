package web

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/accounts"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// accountEnv is a server with accounts on a fresh database, with a clock
// that the store and the server share and the test moves.
type accountEnv struct {
	srv    *httptest.Server
	server *Server
	st     *store.Store
	mail   *accountMail
	dbURL  string

	mu  sync.Mutex
	now time.Time
}

func (e *accountEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *accountEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// newAccountEnv starts a server with accounts. tune may change the
// options; tls serves HTTPS.
func newAccountEnv(t *testing.T, dialect store.Dialect, tls bool, tune func(*Options)) *accountEnv {
	t.Helper()
	e := &accountEnv{mail: &accountMail{}, now: testNow, dbURL: storetest.MigratedURL(t, dialect)}
	st, err := store.Open(context.Background(), e.dbURL, store.Options{Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.st = st
	opts := Options{Papers: st, Accounts: st, Mail: e.mail, Now: e.clock, Log: testLogger(t)}
	if tune != nil {
		tune(&opts)
	}
	// Emailed links are made from the base URL alone: the test server's
	// own address, known once it listens.
	e.srv = httptest.NewUnstartedServer(nil)
	if opts.BaseURL == "" {
		scheme := "http"
		if tls {
			scheme = "https"
		}
		opts.BaseURL = scheme + "://" + e.srv.Listener.Addr().String()
	}
	e.server = NewServer(opts)
	e.srv.Config.Handler = e.server
	if tls {
		e.srv.StartTLS()
	} else {
		e.srv.Start()
	}
	t.Cleanup(e.srv.Close)
	return e
}

// suspend sets a user's suspended_at directly: the moderation method that
// does it belongs to the community code.
func (e *accountEnv) suspend(t *testing.T, userID int64) {
	t.Helper()
	dialect, dsn, err := store.ParseURL(e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	driver, q := "pgx", "UPDATE users SET suspended_at = now() WHERE id = $1"
	if dialect == store.SQLite {
		driver, dsn, q = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)", "UPDATE users SET suspended_at = '2025-06-05T09:00:00Z' WHERE id = ?"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q, userID); err != nil {
		t.Fatal(err)
	}
}

// mailDone waits for the mail that requests answered so far started
// sending after their responses.
func (e *accountEnv) mailDone() { e.server.background.Wait() }

// browser is a client with a cookie jar that does not follow redirects.
func (e *accountEnv) browser() *http.Client {
	c := *e.srv.Client() // a copy: the server's client is shared
	c.Jar = &testJar{}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func do(t *testing.T, c *http.Client, method, rawURL string, form url.Values, header ...string) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// signedInAs reports who the client is signed in as ("" when anonymous),
// from the settings page.
func (e *accountEnv) signedInAs(t *testing.T, c *http.Client) string {
	t.Helper()
	r := do(t, c, "GET", e.srv.URL+"/settings", nil)
	if r.status == http.StatusSeeOther {
		return ""
	}
	if r.status != http.StatusOK {
		t.Fatalf("GET /settings: %d %s", r.status, r.body)
	}
	i := strings.Index(r.body, "<dt>Username</dt><dd>")
	if i < 0 {
		t.Fatalf("settings page without a username:\n%s", r.body)
	}
	rest := r.body[i+len("<dt>Username</dt><dd>"):]
	return rest[:strings.Index(rest, "<")]
}

func login(t *testing.T, e *accountEnv, c *http.Client, name, password string) response {
	t.Helper()
	return do(t, c, "POST", e.srv.URL+"/login", url.Values{"username": {name}, "password": {password}})
}

// localLink turns a link from an email into one on the test server.
func (e *accountEnv) localLink(t *testing.T, to string) string {
	t.Helper()
	link := e.mail.lastLink(t, to, e.srv.URL)
	return link
}

func TestAccountSignUpVerifySignOutSignIn(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newAccountEnv(t, d, false, nil)
			c := e.browser()
			r := do(t, c, "GET", e.srv.URL+"/signup", nil)
			if r.status != http.StatusOK || !strings.Contains(r.body, `action="/signup"`) {
				t.Fatalf("GET /signup: %d", r.status)
			}
			r = do(t, c, "POST", e.srv.URL+"/signup", url.Values{
				"username": {"ada"}, "email": {"ada@example.org"}, "password": {"analytical engine"},
			})
			if r.status != http.StatusOK || !strings.Contains(r.body, "We sent a link to ada@example.org") {
				t.Fatalf("POST /signup: %d %s", r.status, r.body)
			}
			if who := e.signedInAs(t, c); who != "" {
				t.Fatalf("signed in as %q before verifying", who)
			}
			link := e.localLink(t, "ada@example.org")
			if !strings.Contains(link, "/verify?token=") {
				t.Fatalf("verification link %s", link)
			}
			// Opening the link (as a mail scanner would) uses nothing up.
			for range 2 {
				if r := do(t, c, "GET", link, nil); r.status != http.StatusOK || !strings.Contains(r.body, `action="/verify"`) {
					t.Fatalf("GET %s: %d %s", link, r.status, r.body)
				}
			}
			token := strings.TrimPrefix(link, e.srv.URL+"/verify?token=")
			r = do(t, c, "POST", e.srv.URL+"/verify", url.Values{"token": {token}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("POST /verify: %d %s", r.status, r.body)
			}
			if who := e.signedInAs(t, c); who != "ada" {
				t.Fatalf("after verifying, signed in as %q", who)
			}
			if u, _ := e.st.UserByName(context.Background(), "ada"); !u.Verified() {
				t.Error("the account is not verified")
			}
			// The token works once.
			if r := do(t, e.browser(), "POST", e.srv.URL+"/verify", url.Values{"token": {token}}); r.status != http.StatusBadRequest {
				t.Errorf("a verification token used twice: %d", r.status)
			}

			if r := do(t, c, "POST", e.srv.URL+"/logout", nil); r.status != http.StatusSeeOther {
				t.Fatalf("POST /logout: %d", r.status)
			}
			if who := e.signedInAs(t, c); who != "" {
				t.Fatalf("after signing out, signed in as %q", who)
			}
			// By email address, with a safe next page.
			r = do(t, c, "POST", e.srv.URL+"/login", url.Values{"username": {"ADA@example.org"}, "password": {"analytical engine"}, "next": {"/settings"}})
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/settings" {
				t.Fatalf("POST /login: %d to %q", r.status, r.header.Get("Location"))
			}
			if who := e.signedInAs(t, c); who != "ada" {
				t.Fatalf("after signing in, signed in as %q", who)
			}
		})
	}
}

func TestAccountSignUpRules(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, func(o *Options) { o.RateLimits = map[string]RateLimit{} })
	newUser(t, e.st, "taken", "user")
	for _, tc := range []struct {
		name, email, password, want string
	}{
		{"a", "a@example.org", "long enough password", "3 to 30"},
		{"ada lovelace", "a@example.org", "long enough password", "only letters"},
		{"ada", "not an address", "long enough password", "valid email"},
		{"ada", "ada@example.org", "short", "at least 10"},
		{"adalovelace", "ada@example.org", "AdaLovelace", "not be the username"},
		{"TAKEN", "new@example.org", "long enough password", "username is taken"},
	} {
		r := do(t, e.browser(), "POST", e.srv.URL+"/signup", url.Values{"username": {tc.name}, "email": {tc.email}, "password": {tc.password}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) {
			t.Errorf("sign up %q %q %q: %d, want 400 saying %q", tc.name, tc.email, tc.password, r.status, tc.want)
		}
	}
	if n := len(e.mail.messages()); n != 0 {
		t.Errorf("%d messages sent for refused sign-ups", n)
	}
}

// A sign-up with an address that has an account looks like any other, so
// that sign-up does not reveal who has an account; the owner is told.
func TestAccountSignUpWithTakenEmailLooksLikeSuccess(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	newUser(t, e.st, "ada", "user")
	signup := func(name, email string) response {
		r := do(t, e.browser(), "POST", e.srv.URL+"/signup", url.Values{"username": {name}, "email": {email}, "password": {"long enough password"}})
		r.body = strings.ReplaceAll(r.body, email, "EMAIL")
		return r
	}
	taken, fresh := signup("eve", "ada@example.org"), signup("bob", "bob@example.org")
	if taken.status != fresh.status || taken.body != fresh.body {
		t.Errorf("sign-up with a taken address answers %d, a fresh one %d; bodies equal: %v", taken.status, fresh.status, taken.body == fresh.body)
	}
	msgs := e.mail.messages()
	if len(msgs) != 2 || msgs[0].To != "ada@example.org" || !strings.Contains(msgs[0].Text, "already has an account") {
		t.Errorf("messages %+v", msgs)
	}
}

func TestAccountCrossOriginSignInRefused(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	newUser(t, e.st, "ada", "user")
	form := url.Values{"username": {"ada"}, "password": {testPassword}}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
	} {
		r := do(t, e.browser(), "POST", e.srv.URL+"/login", form, h...)
		if r.status != http.StatusForbidden || r.header.Get("Set-Cookie") != "" {
			t.Errorf("POST /login with %s: %s: %d, cookie %q; want 403 without a session", h[0], h[1], r.status, r.header.Get("Set-Cookie"))
		}
	}
	// The same form from the site itself works.
	r := do(t, e.browser(), "POST", e.srv.URL+"/login", form, "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL)
	if r.status != http.StatusSeeOther {
		t.Errorf("same-origin POST /login: %d", r.status)
	}
}

func TestAccountSignInIsRateLimited(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, func(o *Options) {
		o.RateLimits = map[string]RateLimit{
			"signin":    {Every: time.Hour, Burst: 2},
			"signin/ip": {Every: time.Second, Burst: 100},
		}
	})
	newUser(t, e.st, "ada", "user")
	for i := range 2 {
		if r := login(t, e, e.browser(), "ada", "wrong password "); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, r.status)
		}
	}
	// Even the right password waits from the guessing address, and
	// naming the account by its email address does not start a new count.
	for _, name := range []string{"ADA", "ada@example.org"} {
		r := login(t, e, e.browser(), name, testPassword)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Fatalf("third attempt as %s: %d, Retry-After %q; want 429 with Retry-After", name, r.status, r.header.Get("Retry-After"))
		}
	}
	// Another account is not affected.
	newUser(t, e.st, "bob", "user")
	if r := login(t, e, e.browser(), "bob", testPassword); r.status != http.StatusSeeOther {
		t.Errorf("bob's sign-in: %d", r.status)
	}
}

func TestAccountSignInFailuresLookTheSame(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	// A name with a letter that is not a hex digit: the bodies are
	// compared with the name blanked out, and "ada" can occur in the hex
	// hashes of the assets' URLs.
	newUser(t, e.st, "ivy", "user")
	attempt := func(name string) response {
		r := login(t, e, e.browser(), name, "not the password")
		r.body = strings.ReplaceAll(r.body, name, "NAME")
		return r
	}
	wrong, unknown := attempt("ivy"), attempt("nobody")
	if wrong.status != http.StatusUnauthorized || wrong.status != unknown.status || wrong.body != unknown.body {
		t.Errorf("wrong password: %d, unknown user: %d; bodies equal: %v", wrong.status, unknown.status, wrong.body == unknown.body)
	}
	if !strings.Contains(wrong.body, errSignIn) {
		t.Errorf("the failure does not say %q", errSignIn)
	}
	byEmail := attempt("nobody@example.org")
	if byEmail.status != wrong.status || byEmail.body != wrong.body {
		t.Error("an unknown email answers differently")
	}
}

func TestAccountResetRequestsLookTheSame(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	newUser(t, e.st, "ada", "user")
	for _, path := range []string{"/reset", "/login/link"} {
		known := do(t, e.browser(), "POST", e.srv.URL+path, url.Values{"email": {"ada@example.org"}})
		unknown := do(t, e.browser(), "POST", e.srv.URL+path, url.Values{"email": {"nobody@example.org"}})
		if known.status != http.StatusOK || known.status != unknown.status || known.body != unknown.body {
			t.Errorf("POST %s: known %d, unknown %d; bodies equal: %v", path, known.status, unknown.status, known.body == unknown.body)
		}
		if !strings.Contains(known.body, "If an account exists") {
			t.Errorf("POST %s does not say “If an account exists”", path)
		}
	}
	e.mailDone()
	for _, m := range e.mail.wait(t, 2) {
		if m.To != "ada@example.org" {
			t.Errorf("mail sent to %s", m.To)
		}
	}
}

func TestAccountPasswordResetEndsSessions(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newAccountEnv(t, d, false, nil)
			newUser(t, e.st, "ada", "user")
			old := signedInClient(t, e.srv.URL, "ada")
			do(t, e.browser(), "POST", e.srv.URL+"/reset", url.Values{"email": {"ada"}})
			link := e.localLink(t, "ada@example.org")
			c := e.browser()
			if r := do(t, c, "GET", link, nil); r.status != http.StatusOK || !strings.Contains(r.body, "New password") {
				t.Fatalf("GET reset link: %d", r.status)
			}
			// A password that breaks the rules does not use the link up.
			if r := do(t, c, "POST", link, url.Values{"password": {"short"}}); r.status != http.StatusBadRequest {
				t.Fatalf("short password: %d", r.status)
			}
			if r := do(t, c, "POST", link, url.Values{"password": {"a brand new password"}}); r.status != http.StatusSeeOther {
				t.Fatalf("POST reset link: %d %s", r.status, r.body)
			}
			if who := e.signedInAs(t, c); who != "ada" {
				t.Errorf("after the reset this browser is signed in as %q", who)
			}
			if who := e.signedInAs(t, old); who != "" {
				t.Errorf("a session from before the reset is still signed in as %q", who)
			}
			if r := login(t, e, e.browser(), "ada", testPassword); r.status != http.StatusUnauthorized {
				t.Errorf("the old password still works: %d", r.status)
			}
			if r := login(t, e, e.browser(), "ada", "a brand new password"); r.status != http.StatusSeeOther {
				t.Errorf("the new password does not work: %d", r.status)
			}
			if r := do(t, e.browser(), "POST", link, url.Values{"password": {"another new password"}}); r.status != http.StatusBadRequest {
				t.Errorf("a reset link used twice: %d", r.status)
			}
		})
	}
}

func TestAccountExpiredEmailLinksAreRefused(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	newUser(t, e.st, "ada", "user")
	do(t, e.browser(), "POST", e.srv.URL+"/reset", url.Values{"email": {"ada@example.org"}})
	reset := e.localLink(t, "ada@example.org")
	e.mail.wait(t, 1)
	do(t, e.browser(), "POST", e.srv.URL+"/login/link", url.Values{"email": {"ada@example.org"}})
	e.mail.wait(t, 2)
	signin := e.localLink(t, "ada@example.org")
	e.advance(61 * time.Minute)
	for _, link := range []string{reset, signin} {
		if r := do(t, e.browser(), "GET", link, nil); r.status != http.StatusBadRequest || !strings.Contains(r.body, "expired") {
			t.Errorf("GET expired %s: %d", link, r.status)
		}
	}
	if r := do(t, e.browser(), "POST", reset, url.Values{"password": {"a brand new password"}}); r.status != http.StatusBadRequest {
		t.Errorf("expired reset link: %d", r.status)
	}
	if r := do(t, e.browser(), "POST", signin, nil); r.status != http.StatusBadRequest || r.header.Get("Set-Cookie") != "" {
		t.Errorf("expired sign-in link: %d", r.status)
	}
}

func TestAccountSignInLink(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	u, err := e.st.CreateUser(context.Background(), store.User{Username: "ada", Email: "ada@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	do(t, e.browser(), "POST", e.srv.URL+"/login/link", url.Values{"email": {"ADA@example.org"}})
	link := e.localLink(t, "ada@example.org")
	c := e.browser()
	if r := do(t, c, "GET", link, nil); r.status != http.StatusOK || !strings.Contains(r.body, "Sign in as ada") {
		t.Fatalf("GET sign-in link: %d", r.status)
	}
	if who := e.signedInAs(t, c); who != "" {
		t.Fatal("opening the link signed in: a mail scanner would sign in")
	}
	if r := do(t, c, "POST", link, nil); r.status != http.StatusSeeOther {
		t.Fatalf("POST sign-in link: %d", r.status)
	}
	if who := e.signedInAs(t, c); who != "ada" {
		t.Fatalf("signed in as %q", who)
	}
	if got, _ := e.st.UserByID(context.Background(), u.ID); !got.Verified() {
		t.Error("a used sign-in link does not verify the address")
	}
	if r := do(t, e.browser(), "POST", link, nil); r.status != http.StatusBadRequest {
		t.Errorf("a sign-in link used twice: %d", r.status)
	}
}

func TestAccountSignOutEverywhere(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newAccountEnv(t, d, false, nil)
			newUser(t, e.st, "ada", "user")
			newUser(t, e.st, "bob", "user")
			laptop, phone := signedInClient(t, e.srv.URL, "ada"), signedInClient(t, e.srv.URL, "ada")
			bob := signedInClient(t, e.srv.URL, "bob")
			if r := do(t, laptop, "GET", e.srv.URL+"/settings", nil); !strings.Contains(r.body, "2 browsers") {
				t.Error("settings do not count two sessions")
			}
			if r := do(t, laptop, "POST", e.srv.URL+"/logout/everywhere", nil); r.status != http.StatusSeeOther {
				t.Fatalf("sign out everywhere: %d", r.status)
			}
			for name, c := range map[string]*http.Client{"laptop": laptop, "phone": phone} {
				if who := e.signedInAs(t, c); who != "" {
					t.Errorf("the %s is still signed in as %s", name, who)
				}
			}
			if who := e.signedInAs(t, bob); who != "bob" {
				t.Error("bob was signed out too")
			}
		})
	}
}

func TestAccountSessionCookieFlags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tls        bool
		baseURL    string
		wantSecure bool
	}{
		{"plain HTTP", false, "", false},
		{"TLS", true, "", true},
		{"behind an HTTPS proxy", false, "https://papers.example.org", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAccountEnv(t, store.SQLite, tc.tls, func(o *Options) { o.BaseURL = tc.baseURL })
			newUser(t, e.st, "ada", "user")
			r := login(t, e, e.browser(), "ada", testPassword)
			cookies := (&http.Response{Header: r.header}).Cookies()
			if r.status != http.StatusSeeOther || len(cookies) != 1 {
				t.Fatalf("sign in: %d, cookies %v", r.status, cookies)
			}
			c := cookies[0]
			if c.Name != sessionCookie || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tc.wantSecure || c.MaxAge <= 0 {
				t.Errorf("session cookie %s; want HttpOnly, SameSite=Lax, Path=/, Secure=%v, Max-Age", r.header.Get("Set-Cookie"), tc.wantSecure)
			}
			if len(c.Value) != 43 {
				t.Errorf("session token %q is not 32 random bytes", c.Value)
			}
			if _, _, err := e.st.SessionUser(context.Background(), c.Value); err == nil {
				t.Error("the store knows the session by its secret: it must keep only a hash")
			}
		})
	}
}

func TestAccountSignInRedirectsOnlyWithinTheSite(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	newUser(t, e.st, "ada", "user")
	for next, want := range map[string]string{
		"/papers/2506.00001?x=1": "/papers/2506.00001?x=1",
		"//evil.example/":        "/",
		"https://evil.example/":  "/",
		`/\evil.example`:         "/",
		"javascript:alert(1)":    "/",
		"":                       "/",
	} {
		r := do(t, e.browser(), "POST", e.srv.URL+"/login", url.Values{"username": {"ada"}, "password": {testPassword}, "next": {next}})
		if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != want {
			t.Errorf("next=%q: %d to %q, want %q", next, r.status, loc, want)
		}
	}
}

func TestAccountBearerTokens(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newAccountEnv(t, d, false, nil)
			ada := newUser(t, e.st, "ada", "user")
			tok := bearerToken(t, e.st, ada)
			c := e.browser()
			api := e.srv.URL + "/api/daily_papers"
			if r := do(t, c, "GET", api, nil, "Authorization", "Bearer "+tok); r.status != http.StatusOK {
				t.Errorf("a valid token: %d %s", r.status, r.body)
			}
			// A token acts through the API; it cannot manage the account.
			if r := do(t, c, "POST", e.srv.URL+"/settings/tokens", url.Values{"label": {"more"}}, "Authorization", "Bearer "+tok); r.status != http.StatusForbidden {
				t.Errorf("a token creating tokens: %d", r.status)
			}
			for _, bad := range []string{"Bearer nonsense", "Bearer", "Bearer " + strings.Repeat("A", 43), "bearer " + tok + "x"} {
				r := do(t, c, "GET", api, nil, "Authorization", bad)
				if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || !strings.Contains(r.body, `"error"`) {
					t.Errorf("Authorization: %s: %d %s %s; want 401 JSON", bad, r.status, r.header.Get("Content-Type"), r.body)
				}
			}
			// A proxy's Basic authentication is not ours to judge.
			if r := do(t, c, "GET", api, nil, "Authorization", "Basic dXNlcjpwYXNz"); r.status != http.StatusOK {
				t.Errorf("Basic authorization: %d", r.status)
			}
			e.suspend(t, ada.ID)
			if r := do(t, c, "GET", api, nil, "Authorization", "Bearer "+tok); r.status != http.StatusUnauthorized {
				t.Errorf("a suspended user's token: %d, want 401", r.status)
			}
		})
	}
}

func TestAccountSuspendedUsersAreSignedOut(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	ada := newUser(t, e.st, "ada", "user")
	c := signedInClient(t, e.srv.URL, "ada")
	e.suspend(t, ada.ID)
	if who := e.signedInAs(t, c); who != "" {
		t.Errorf("a suspended user's session still signs in as %q", who)
	}
	r := login(t, e, e.browser(), "ada", testPassword)
	if r.status != http.StatusForbidden || r.header.Get("Set-Cookie") != "" {
		t.Errorf("a suspended user signing in: %d, cookie %q", r.status, r.header.Get("Set-Cookie"))
	}
	do(t, e.browser(), "POST", e.srv.URL+"/reset", url.Values{"email": {"ada"}})
	e.mailDone()
	if n := len(e.mail.messages()); n != 0 {
		t.Errorf("a suspended user got %d reset messages", n)
	}
}

func TestAccountStaleCookieIsCleared(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	newUser(t, e.st, "ada", "user")
	c := signedInClient(t, e.srv.URL, "ada")
	e.advance(accounts.SessionLifetime + time.Minute)
	r := do(t, c, "GET", e.srv.URL+"/login", nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, `href="/signup"`) {
		t.Fatalf("with an expired session GET /login: %d", r.status)
	}
	if !strings.Contains(r.header.Get("Set-Cookie"), sessionCookie+"=;") || len(c.Jar.Cookies(nil)) != 0 {
		t.Errorf("the expired cookie is not cleared: %q", r.header.Get("Set-Cookie"))
	}
}

func TestAccountAPITokensInSettings(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	ada := newUser(t, e.st, "ada", "user")
	newUser(t, e.st, "bob", "user")
	c := signedInClient(t, e.srv.URL, "ada")
	r := do(t, c, "POST", e.srv.URL+"/settings/tokens", url.Values{"label": {"my script"}})
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("create token: %d, Cache-Control %q", r.status, r.header.Get("Cache-Control"))
	}
	i := strings.Index(r.body, `id="new-token" readonly value="`)
	if i < 0 {
		t.Fatalf("the new token is not shown:\n%s", r.body)
	}
	tok := r.body[i+len(`id="new-token" readonly value="`):]
	tok = tok[:strings.IndexByte(tok, '"')]
	api := e.srv.URL + "/api/daily_papers"
	if r := do(t, e.browser(), "GET", api, nil, "Authorization", "Bearer "+tok); r.status != http.StatusOK {
		t.Fatalf("the new token: %d", r.status)
	}
	r = do(t, c, "GET", e.srv.URL+"/settings", nil)
	if strings.Contains(r.body, tok) || !strings.Contains(r.body, "my script") {
		t.Error("the settings page shows the token again, or not its name")
	}
	toks, _ := e.st.APITokens(context.Background(), ada.ID)
	revoke := e.srv.URL + "/settings/tokens/" + strconv.FormatInt(toks[0].ID, 10) + "/revoke"
	if r := do(t, signedInClient(t, e.srv.URL, "bob"), "POST", revoke, nil); r.status != http.StatusNotFound {
		t.Errorf("bob revoking ada's token: %d, want 404", r.status)
	}
	if r := do(t, c, "POST", revoke, nil); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := do(t, e.browser(), "GET", api, nil, "Authorization", "Bearer "+tok); r.status != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d", r.status)
	}
}

func TestAccountUnverifiedUsers(t *testing.T) {
	e := newAccountEnv(t, store.SQLite, false, nil)
	if _, err := e.st.CreateUser(context.Background(), store.User{Username: "ada", Email: "ada@example.org", PasswordHash: testPasswordHash()}); err != nil {
		t.Fatal(err)
	}
	c := signedInClient(t, e.srv.URL, "ada")
	r := do(t, c, "GET", e.srv.URL+"/settings", nil)
	if !strings.Contains(r.body, "Confirm your email") || !strings.Contains(r.body, "not confirmed") {
		t.Error("an unverified user is not told to confirm the address")
	}
	if r := do(t, c, "POST", e.srv.URL+"/settings/tokens", url.Values{"label": {"x"}}); r.status != http.StatusForbidden {
		t.Errorf("an unverified user creating a token: %d", r.status)
	}
	if r := do(t, c, "POST", e.srv.URL+"/verify/resend", nil); r.status != http.StatusSeeOther {
		t.Fatalf("resend: %d", r.status)
	}
	if link := e.localLink(t, "ada@example.org"); !strings.Contains(link, "/verify?token=") {
		t.Errorf("resent link %s", link)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b?c=d#e": "/a/b?c=d#e", "/": "/", "": "/", "a": "/", "//x": "/", "/\\x": "/",
		"http://x/": "/", "/\r\nSet-Cookie: x": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccountChangePasswordNeedsTheCurrentOneAndSignsOutOthers(t *testing.T) {
	srv, st, _ := newFixtureServer(t, store.SQLite, withAccounts)
	newUser(t, st, "ada", "user")
	here := signedInClient(t, srv.URL, "ada")
	elsewhere := signedInClient(t, srv.URL, "ada")
	change := func(current, password string) *http.Response {
		t.Helper()
		resp, err := here.PostForm(srv.URL+"/settings/password", url.Values{"current": {current}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := change("not my password", "a brand new secret"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("wrong current password: %d, want 400", resp.StatusCode)
	}
	if resp := change(testPassword, "short"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("too short a new password: %d, want 400", resp.StatusCode)
	}
	if resp := change(testPassword, "a brand new secret"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings?password=1" {
		t.Fatalf("change: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	status := func(c *http.Client) int {
		resp, err := c.Get(srv.URL + "/settings")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(here); got != http.StatusOK {
		t.Errorf("this browser after the change: %d, want still signed in", got)
	}
	if got := status(elsewhere); got != http.StatusSeeOther {
		t.Errorf("the other browser after the change: %d, want signed out (redirect)", got)
	}
	u, _ := st.UserByName(context.Background(), "ada")
	if ok, _ := passwords.Verify(context.Background(), u.PasswordHash, "a brand new secret"); !ok {
		t.Error("the new password does not verify")
	}
}
