package web

// Shared test helpers for everything that needs a signed-in user (accounts,
// votes, comments, submissions, moderation, digests). Other test files call
// them: keep their signatures stable.
//
// A server whose pages know users needs Options.Accounts; pass withAccounts
// to newFixtureServer:
//
//	srv, st, _ := newFixtureServer(t, store.SQLite, withAccounts)
//	u := newUser(t, st, "ada", "user")
//	c := signedInClient(t, srv.URL, "ada")      // a browser: session cookie
//	tok := bearerToken(t, st, u)                // a script: Authorization: Bearer tok

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/auth"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// testPassword is the password of every user newUser creates.
const testPassword = "correct horse battery staple"

var testPasswordHash = sync.OnceValue(func() string {
	h, err := passwords.Hash(context.Background(), testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// withAccounts is a newFixtureServer option: the fixture store serves
// accounts, and mail goes to a discarding recorder unless Mail is set.
func withAccounts(o *Options) {
	o.Accounts = o.Papers.(*store.Store)
	if o.Mail == nil {
		o.Mail = &accountMail{}
	}
}

// newUser creates a user with the role (user, moderator or admin), the
// email NAME@example.org, a verified address and the password
// testPassword.
func newUser(t testing.TB, st *store.Store, name, role string) store.User {
	t.Helper()
	u, err := st.CreateUser(context.Background(), store.User{
		Username: name, Email: name + "@example.org", PasswordHash: testPasswordHash(), Role: role,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	if err := st.MarkEmailVerified(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	u, err = st.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signedInClient returns a client signed in as the user name (made by
// newUser) through POST /login. Its cookie jar keeps Secure cookies over
// plain-HTTP test servers too; it does not follow redirects, so that tests
// see the status a handler answers. Sign-ins are rate-limited (per IP, 20
// at once by default): a test that signs in more often on one server sets
// Options.RateLimits.
func signedInClient(t testing.TB, baseURL, name string) *http.Client {
	t.Helper()
	c := &http.Client{
		Jar: &testJar{},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	resp, err := c.PostForm(baseURL+"/login", url.Values{"username": {name}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d, want 303", name, resp.StatusCode)
	}
	if len(c.Jar.Cookies(nil)) == 0 {
		t.Fatalf("sign in as %s: no session cookie", name)
	}
	return c
}

// bearerToken creates a personal API token for the user and returns the
// secret to send as "Authorization: Bearer " + token.
func bearerToken(t testing.TB, st *store.Store, u store.User) string {
	t.Helper()
	secret, hash := auth.NewToken()
	if _, err := st.CreateAPIToken(context.Background(), u.ID, "test", hash); err != nil {
		t.Fatal(err)
	}
	return secret
}

// testJar is a cookie jar for one test server: it keeps cookies by name
// and sends them all, whatever the URL and the Secure flag.
type testJar struct {
	mu      sync.Mutex
	cookies map[string]*http.Cookie
}

func (j *testJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cookies == nil {
		j.cookies = map[string]*http.Cookie{}
	}
	for _, c := range cs {
		if c.MaxAge < 0 || c.Value == "" {
			delete(j.cookies, c.Name)
			continue
		}
		j.cookies[c.Name] = c
	}
}

func (j *testJar) Cookies(*url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	var cs []*http.Cookie
	for _, c := range j.cookies {
		cs = append(cs, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return cs
}

// accountMail is a mail.Sender that records messages.
type accountMail struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (m *accountMail) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

// messages returns the messages sent so far.
func (m *accountMail) messages() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mail.Message(nil), m.sent...)
}

// wait waits until at least n messages were sent: reset and sign-in
// links are mailed after the response.
func (m *accountMail) wait(t testing.TB, n int) []mail.Message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msgs := m.messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages sent, want %d", len(msgs), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lastLink returns the first link to baseURL in the last message sent to
// the address, waiting for one if none was sent yet.
func (m *accountMail) lastLink(t testing.TB, to, baseURL string) string {
	t.Helper()
	msgs := m.messages()
	for deadline := time.Now().Add(5 * time.Second); !slices.ContainsFunc(msgs, func(m mail.Message) bool { return m.To == to }) && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		msgs = m.messages()
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To != to {
			continue
		}
		for _, f := range strings.Fields(msgs[i].Text) {
			if strings.HasPrefix(f, baseURL+"/") {
				return f
			}
		}
		t.Fatalf("the last message to %s has no link to %s:\n%s", to, baseURL, msgs[i].Text)
	}
	t.Fatalf("no message to %s among %d", to, len(msgs))
	return ""
}
