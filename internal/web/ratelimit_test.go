package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	s := NewServer(Options{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"),
	}})
	for _, c := range []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"direct client", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"direct client's header is ignored", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"through a proxy", "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"through two proxies", "10.1.2.3:5000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"a forged left part is not believed", "10.1.2.3:5000", []string{"192.0.2.66, 198.51.100.1"}, "198.51.100.1"},
		{"headers on several lines", "10.1.2.3:5000", []string{"192.0.2.66", "198.51.100.1"}, "198.51.100.1"},
		{"a garbled hop stops the walk", "10.1.2.3:5000", []string{"198.51.100.1, junk, 10.9.9.9"}, "10.9.9.9"},
		{"proxy without the header", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv6 proxy", "[fd00::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped proxy", "[::ffff:10.1.2.3]:5000", []string{"198.51.100.1"}, "198.51.100.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, f := range c.forwarded {
			r.Header.Add("X-Forwarded-For", f)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("%s: client %s, want %s", c.name, got, c.want)
		}
	}
}

// limitEnv is one or more servers (replicas) on one fresh database, sharing
// a clock that the test moves and a mail recorder; the test picks each
// request's client address (X-Forwarded-For from a trusted proxy).
type limitEnv struct {
	st      *store.Store
	mail    *accountMail
	servers []*Server
	urls    []string
	client  *http.Client

	mu  sync.Mutex
	now time.Time
}

func (e *limitEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *limitEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// newLimitEnv starts replicas servers on one database of the dialect;
// tune may change each one's options.
func newLimitEnv(t *testing.T, dialect store.Dialect, replicas int, tune func(o *Options, st *store.Store)) *limitEnv {
	t.Helper()
	e := &limitEnv{mail: &accountMail{}, now: testNow, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	dbURL := storetest.MigratedURL(t, dialect)
	for i := range replicas {
		st, err := store.Open(context.Background(), dbURL, store.Options{Now: e.clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if i == 0 {
			if _, err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			e.st = st
		}
		opts := Options{
			Papers: st, Accounts: st, Mail: e.mail, Now: e.clock, Log: testLogger(t),
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		}
		if tune != nil {
			tune(&opts, st)
		}
		s := NewServer(opts)
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		e.servers, e.urls = append(e.servers, s), append(e.urls, srv.URL)
	}
	return e
}

// sharedRates keeps the limits on mail and sign-in in the database.
func sharedRates(o *Options, st *store.Store) { o.RateStore = st }

// post sends a form to replica i from the client address ip.
func (e *limitEnv) post(t *testing.T, i int, path, ip string, form url.Values) response {
	t.Helper()
	return do(t, e.client, "POST", e.urls[i%len(e.urls)]+path, form, "X-Forwarded-For", ip)
}

// mailsTo waits for the mail sent after responses and counts the messages
// to the address by subject.
func (e *limitEnv) mailsTo(to string) map[string]int {
	for _, s := range e.servers {
		s.Drain(context.Background())
	}
	n := map[string]int{}
	for _, m := range e.mail.messages() {
		if m.To == to {
			n[m.Subject]++
		}
	}
	return n
}

func total(n map[string]int) int {
	sum := 0
	for _, v := range n {
		sum += v
	}
	return sum
}

const (
	subjectReset  = "Reset your paperboy password"
	subjectLink   = "Sign in to paperboy"
	subjectExists = "Your paperboy account"
)

// Finding 3: strangers at many addresses asking for mail to one address
// get one mail of each kind through per 10 minutes, five a day in all, and
// every answer looks like a sent one.
func TestMailToOneAddressIsLimitedWhoeverAsks(t *testing.T) {
	for _, c := range []struct {
		name    string
		dialect store.Dialect
		rates   func(*Options, *store.Store)
	}{
		{"memory", store.SQLite, nil},
		{"sqlite", store.SQLite, sharedRates},
		{"postgres", store.Postgres, sharedRates},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newLimitEnv(t, c.dialect, 1, c.rates)
			newUser(t, e.st, "ada", "user")
			sent := e.post(t, 0, "/reset", "192.0.2.1", url.Values{"email": {"nobody@example.org"}})
			round := func(r, sources int) {
				t.Helper()
				for i := range sources {
					ip := fmt.Sprintf("198.51.%d.%d", r, i)
					for _, path := range []string{"/reset", "/login/link"} {
						got := e.post(t, 0, path, ip, url.Values{"email": {"ada@example.org"}})
						if got.status != sent.status || got.body != sent.body {
							t.Fatalf("round %d: POST %s from %s: %d, body equal to a sent one's: %v", r, path, ip, got.status, got.body == sent.body)
						}
					}
					got := e.post(t, 0, "/signup", ip, url.Values{
						"username": {fmt.Sprintf("eve%d%d", r, i)}, "email": {"ada@example.org"}, "password": {"long enough password"},
					})
					if got.status != http.StatusOK || !strings.Contains(got.body, "We sent a link to ada@example.org") {
						t.Fatalf("round %d: POST /signup from %s: %d", r, ip, got.status)
					}
				}
			}
			round(0, 10)
			if n := e.mailsTo("ada@example.org"); n[subjectReset] != 1 || n[subjectLink] != 1 || n[subjectExists] != 1 || total(n) != 3 {
				t.Fatalf("30 requests from 10 addresses mailed %v; want one of each kind", n)
			}
			e.advance(11 * time.Minute)
			round(1, 3)
			if n := e.mailsTo("ada@example.org"); total(n) != 5 {
				t.Fatalf("after 11 minutes, %d mails in all (%v); want the daily 5", total(n), n)
			}
			e.advance(11 * time.Minute)
			round(2, 1)
			if n := e.mailsTo("ada@example.org"); total(n) != 5 {
				t.Fatalf("past the daily cap, %d mails in all (%v); want 5", total(n), n)
			}
			// The cap refills a mail every 4.8 hours.
			e.advance(5 * time.Hour)
			round(3, 1)
			if n := e.mailsTo("ada@example.org"); total(n) != 6 {
				t.Fatalf("5 hours later, %d mails in all (%v); want 6", total(n), n)
			}
		})
	}
}

// Finding 7: wrong passwords from one address throttle that address on
// the account, not the account's owner at another address.
func TestSignInThrottlesTheGuesserNotTheOwner(t *testing.T) {
	for _, c := range []struct {
		name    string
		dialect store.Dialect
		rates   func(*Options, *store.Store)
	}{
		{"memory", store.SQLite, nil},
		{"postgres", store.Postgres, sharedRates},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newLimitEnv(t, c.dialect, 1, c.rates)
			newUser(t, e.st, "ada", "user")
			const attacker, owner = "203.0.113.66", "198.51.100.7"
			signIn := func(ip, name, password string) response {
				return e.post(t, 0, "/login", ip, url.Values{"username": {name}, "password": {password}})
			}
			for i := range 10 {
				if r := signIn(attacker, "ada", fmt.Sprintf("guess %d", i)); r.status != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d, want 401", i+1, r.status)
				}
			}
			// The attacker's view: refused, even with the right password,
			// and naming the account by its address does not help.
			for _, try := range [][2]string{{"ada", "guess 10"}, {"ada", testPassword}, {"ada@example.org", testPassword}} {
				if r := signIn(attacker, try[0], try[1]); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
					t.Fatalf("from the guessing address, %s with %q: %d, Retry-After %q; want 429", try[0], try[1], r.status, r.header.Get("Retry-After"))
				}
			}
			// The owner's view: signed in from their own address.
			r := signIn(owner, "ada", testPassword)
			if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Set-Cookie"), sessionCookie) {
				t.Fatalf("the owner's sign-in from another address while the guesser is throttled: %d; want 303 with a session", r.status)
			}
			// A later guess from the attacker's address is still refused.
			e.advance(time.Minute)
			if r := signIn(attacker, "ada", "guess 11"); r.status != http.StatusTooManyRequests {
				t.Errorf("a guess a minute later: %d, want 429", r.status)
			}
		})
	}
}

// The per-account ceiling bounds guessing from many addresses.
func TestSignInCeilingBoundsGuessesFromManyAddresses(t *testing.T) {
	e := newLimitEnv(t, store.SQLite, 1, func(o *Options, st *store.Store) {
		o.RateStore = st
		o.RateLimits = map[string]RateLimit{
			"signin":         {Every: time.Hour, Burst: 2},
			"signin/account": {Every: time.Hour, Burst: 5},
		}
	})
	newUser(t, e.st, "ada", "user")
	var statuses []int
	for i := range 4 {
		for range 2 {
			r := e.post(t, 0, "/login", fmt.Sprintf("203.0.113.%d", i), url.Values{"username": {"ada"}, "password": {"wrong guess"}})
			statuses = append(statuses, r.status)
		}
	}
	want := []int{401, 401, 401, 401, 401, 429, 429, 429}
	if !slices.Equal(statuses, want) {
		t.Errorf("2 guesses from each of 4 addresses: %v, want %v", statuses, want)
	}
}

// The rates across replicas: two servers on one database share the limits
// on mail and sign-in, so that a recipient and an account get the limit,
// not the limit per replica.
func TestRateLimitsHoldAcrossReplicas(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newLimitEnv(t, d, 2, sharedRates)
			newUser(t, e.st, "ada", "user")
			for i := range 20 {
				r := e.post(t, i, "/reset", fmt.Sprintf("198.51.100.%d", i), url.Values{"email": {"ada@example.org"}})
				if r.status != http.StatusOK {
					t.Fatalf("reset request %d: %d", i+1, r.status)
				}
			}
			if n := e.mailsTo("ada@example.org"); n[subjectReset] != 1 {
				t.Errorf("20 reset requests alternating between 2 replicas mailed %d resets, want 1", n[subjectReset])
			}
			// Per client address: 5 mail requests at once, on either replica.
			var statuses []int
			for i := range 8 {
				statuses = append(statuses, e.post(t, i, "/reset", "192.0.2.9", url.Values{"email": {fmt.Sprintf("x%d@example.org", i)}}).status)
			}
			if want := []int{200, 200, 200, 200, 200, 429, 429, 429}; !slices.Equal(statuses, want) {
				t.Errorf("8 reset requests from one address on 2 replicas: %v, want %v", statuses, want)
			}
			// Per account and address: 10 guesses, on either replica.
			statuses = statuses[:0]
			for i := range 12 {
				statuses = append(statuses, e.post(t, i, "/login", "203.0.113.66", url.Values{"username": {"ada"}, "password": {"wrong guess"}}).status)
			}
			if n := strings.Count(fmt.Sprint(statuses), "401"); n != 10 {
				t.Errorf("12 guesses from one address on 2 replicas: %v; want 10 refused as wrong, then 429", statuses)
			}
		})
	}
}

// failingRates is a RateStore whose keys with the prefix fail, as a
// database that cannot be written would.
type failingRates struct {
	RateStore
	prefix string
}

func (f failingRates) TakeRate(ctx context.Context, key string, every time.Duration, burst int) (bool, time.Duration, error) {
	if strings.HasPrefix(key, f.prefix) {
		return false, 0, errors.New("database is down")
	}
	return f.RateStore.TakeRate(ctx, key, every, burst)
}

// When the shared counters fail, mail fails closed (none goes out) and
// sign-in falls back to this process's limits instead of failing.
func TestRateStoreFailureStopsMailNotSignIn(t *testing.T) {
	t.Run("recipient limits", func(t *testing.T) {
		e := newLimitEnv(t, store.SQLite, 1, func(o *Options, st *store.Store) { o.RateStore = failingRates{st, "mailto"} })
		newUser(t, e.st, "ada", "user")
		if r := e.post(t, 0, "/reset", "198.51.100.1", url.Values{"email": {"ada@example.org"}}); r.status != http.StatusOK {
			t.Errorf("reset request: %d, want the usual 200", r.status)
		}
		if n := e.mailsTo("ada@example.org"); total(n) != 0 {
			t.Errorf("mailed %v while the recipient's limit could not be read", n)
		}
	})
	t.Run("everything", func(t *testing.T) {
		e := newLimitEnv(t, store.SQLite, 1, func(o *Options, st *store.Store) { o.RateStore = failingRates{st, ""} })
		newUser(t, e.st, "ada", "user")
		if r := e.post(t, 0, "/reset", "198.51.100.1", url.Values{"email": {"ada@example.org"}}); r.status < 500 {
			t.Errorf("reset request while the limits fail: %d, want a server error", r.status)
		}
		if n := e.mailsTo("ada@example.org"); total(n) != 0 {
			t.Errorf("mailed %v while the limits could not be read", n)
		}
		if r := e.post(t, 0, "/login", "198.51.100.7", url.Values{"username": {"ada"}, "password": {testPassword}}); r.status != http.StatusSeeOther {
			t.Errorf("sign-in while the limits fail: %d, want 303", r.status)
		}
		// Guessing is still slowed, by this process's buckets.
		var last int
		for i := range 11 {
			last = e.post(t, 0, "/login", "203.0.113.66", url.Values{"username": {"ada"}, "password": {fmt.Sprint("guess ", i)}}).status
		}
		if last != http.StatusTooManyRequests {
			t.Errorf("the 11th guess while the limits fail: %d, want 429", last)
		}
	})
}
