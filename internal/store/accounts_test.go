package store_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// accountClock is a settable clock for the account tests.
type accountClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *accountClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *accountClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// forEachAccountBackend is forEachBackend with a clock the test can move.
func forEachAccountBackend(t *testing.T, fn func(t *testing.T, s *store.Store, clock *accountClock)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			c := &accountClock{t: fixedNow}
			dbURL := storetest.MigratedURL(t, d)
			s, err := store.Open(context.Background(), dbURL, store.Options{Now: c.now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if _, err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			rawDBs.Store(s, dbURL)
			fn(t, s, c)
		})
	}
}

// rawDBs maps each test store to its URL, for writes no store method makes.
var rawDBs sync.Map

// suspend sets suspended_at directly: the moderation method that does it
// (with its audit log) belongs to the community code and has its own tests.
func suspend(t *testing.T, s *store.Store, userID int64) {
	t.Helper()
	dbURL, _ := rawDBs.Load(s)
	dialect, dsn, err := store.ParseURL(dbURL.(string))
	if err != nil {
		t.Fatal(err)
	}
	driver, q := "pgx", "UPDATE users SET suspended_at = now() WHERE id = $1"
	if dialect == store.SQLite {
		driver, dsn, q = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)", "UPDATE users SET suspended_at = '2026-06-02T12:00:00Z' WHERE id = ?"
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

func accountUser(t *testing.T, s *store.Store, name string) store.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), store.User{Username: name, Email: name + "@example.org", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUserAccountFields(t *testing.T) {
	forEachAccountBackend(t, func(t *testing.T, s *store.Store, _ *accountClock) {
		ctx := context.Background()
		u := accountUser(t, s, "Ada")
		if u.Verified() || u.Suspended() {
			t.Fatalf("a new user is %+v, want unverified and not suspended", u)
		}
		if err := s.MarkEmailVerified(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByEmail(ctx, "ADA@example.ORG")
		if err != nil || got.ID != u.ID || !got.EmailVerifiedAt.Equal(fixedNow) {
			t.Fatalf("UserByEmail = %+v, %v; want verified at %v", got, err, fixedNow)
		}
		if _, err := s.UserByEmail(ctx, "nobody@example.org"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByEmail(unknown) = %v, want ErrNotFound", err)
		}
		// Created verified (the command line's admins).
		v, err := s.CreateUser(ctx, store.User{Username: "root", Email: "root@example.org", Role: "admin", EmailVerifiedAt: fixedNow})
		if err != nil || !v.Verified() {
			t.Fatalf("CreateUser(verified) = %+v, %v", v, err)
		}
		if err := s.SetUserRole(ctx, "ADA", "moderator"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.UserByID(ctx, u.ID); got.Role != "moderator" {
			t.Errorf("role after SetUserRole = %q", got.Role)
		}
		if err := s.SetUserRole(ctx, "ada", "emperor"); err == nil {
			t.Error("SetUserRole accepted an unknown role: the CHECK constraint is missing")
		}
		if err := s.SetUserRole(ctx, "nobody", "user"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetUserRole(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestSessions(t *testing.T) {
	forEachAccountBackend(t, func(t *testing.T, s *store.Store, clock *accountClock) {
		ctx := context.Background()
		ada, bob := accountUser(t, s, "ada"), accountUser(t, s, "bob")
		for _, h := range []string{"h1", "h2"} {
			if err := s.CreateSession(ctx, ada.ID, h, "Firefox", fixedNow.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateSession(ctx, bob.ID, "h3", "", fixedNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		u, sess, err := s.SessionUser(ctx, "h1")
		if err != nil || u.ID != ada.ID || sess.UserAgent != "Firefox" || !sess.ExpiresAt.Equal(fixedNow.Add(time.Hour)) {
			t.Fatalf("SessionUser(h1) = %+v, %+v, %v", u, sess, err)
		}
		if _, _, err := s.SessionUser(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionUser(unknown) = %v", err)
		}
		if n, err := s.CountSessions(ctx, ada.ID); n != 2 || err != nil {
			t.Errorf("CountSessions(ada) = %d, %v; want 2", n, err)
		}

		// Last seen moves, but not on every request.
		clock.advance(10 * time.Minute)
		if _, sess, _ = s.SessionUser(ctx, "h1"); !sess.LastSeenAt.Equal(clock.now()) {
			t.Errorf("last seen %v, want %v", sess.LastSeenAt, clock.now())
		}

		if err := s.DeleteSession(ctx, "h1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionUser(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionUser after DeleteSession = %v", err)
		}
		if err := s.DeleteSession(ctx, "h1"); err != nil {
			t.Errorf("signing out twice: %v", err)
		}

		// Sign out everywhere ends only that user's sessions.
		if n, err := s.DeleteUserSessions(ctx, ada.ID); n != 1 || err != nil {
			t.Errorf("DeleteUserSessions = %d, %v; want 1", n, err)
		}
		if _, _, err := s.SessionUser(ctx, "h2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ada's other session survived sign out everywhere: %v", err)
		}
		if _, _, err := s.SessionUser(ctx, "h3"); err != nil {
			t.Errorf("bob's session ended with ada's: %v", err)
		}

		// Expired sessions do not sign in and are not counted.
		clock.advance(time.Hour)
		if _, _, err := s.SessionUser(ctx, "h3"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session = %v, want ErrNotFound", err)
		}
		if n, _ := s.CountSessions(ctx, bob.ID); n != 0 {
			t.Errorf("CountSessions counts %d expired sessions", n)
		}
	})
}

func TestSuspendedUsersHaveNoSessionsOrTokens(t *testing.T) {
	forEachAccountBackend(t, func(t *testing.T, s *store.Store, _ *accountClock) {
		ctx := context.Background()
		u := accountUser(t, s, "mallory")
		if err := s.CreateSession(ctx, u.ID, "sess", "", fixedNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAPIToken(ctx, u.ID, "bot", "tok"); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateEmailToken(ctx, u.ID, store.EmailLogin, "mail", fixedNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		suspend(t, s, u.ID)
		if _, _, err := s.SessionUser(ctx, "sess"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("suspended user's session = %v, want ErrNotFound", err)
		}
		if _, _, err := s.APITokenUser(ctx, "tok"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("suspended user's token = %v, want ErrNotFound", err)
		}
		if _, err := s.EmailTokenUser(ctx, store.EmailLogin, "mail"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("suspended user's sign-in link = %v, want ErrNotFound", err)
		}
		if _, err := s.UseEmailToken(ctx, store.EmailLogin, "mail"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("suspended user's sign-in link used: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	forEachAccountBackend(t, func(t *testing.T, s *store.Store, clock *accountClock) {
		ctx := context.Background()
		ada, bob := accountUser(t, s, "ada"), accountUser(t, s, "bob")
		t1, err := s.CreateAPIToken(ctx, ada.ID, "first", "hash1")
		if err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Minute)
		t2, err := s.CreateAPIToken(ctx, ada.ID, "second", "hash2")
		if err != nil {
			t.Fatal(err)
		}
		u, tok, err := s.APITokenUser(ctx, "hash1")
		if err != nil || u.ID != ada.ID || tok.ID != t1.ID || !tok.LastUsedAt.Equal(clock.now()) {
			t.Fatalf("APITokenUser = %+v, %+v, %v", u, tok, err)
		}
		if _, _, err := s.APITokenUser(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("APITokenUser(unknown) = %v", err)
		}
		list, err := s.APITokens(ctx, ada.ID)
		if err != nil || len(list) != 2 || list[0].ID != t2.ID || list[1].Name != "first" || list[1].LastUsedAt.IsZero() {
			t.Fatalf("APITokens = %+v, %v", list, err)
		}

		// Bob cannot revoke Ada's token by its id.
		if err := s.RevokeAPIToken(ctx, bob.ID, t1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeAPIToken(someone else's) = %v, want ErrNotFound", err)
		}
		if err := s.RevokeAPIToken(ctx, ada.ID, t1.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.APITokenUser(ctx, "hash1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoked token = %v, want ErrNotFound", err)
		}
		if _, _, err := s.APITokenUser(ctx, "hash2"); err != nil {
			t.Errorf("the other token stopped working: %v", err)
		}
		clock.advance(time.Minute)
		if err := s.RevokeAPIToken(ctx, ada.ID, t1.ID); err != nil {
			t.Errorf("revoking twice: %v", err)
		}
		list, _ = s.APITokens(ctx, ada.ID)
		if !list[1].RevokedAt.Equal(clock.now().Add(-time.Minute)) {
			t.Errorf("revoked at %v: a second revoke moved it", list[1].RevokedAt)
		}
	})
}

func TestEmailTokensWorkOnceAndExpire(t *testing.T) {
	forEachAccountBackend(t, func(t *testing.T, s *store.Store, clock *accountClock) {
		ctx := context.Background()
		u := accountUser(t, s, "ada")
		for _, tc := range []struct {
			kind store.EmailTokenKind
			hash string
			life time.Duration
		}{{store.EmailVerify, "v", time.Hour}, {store.EmailReset, "r", time.Minute}, {store.EmailLogin, "l", time.Hour}} {
			if err := s.CreateEmailToken(ctx, u.ID, tc.kind, tc.hash, clock.now().Add(tc.life)); err != nil {
				t.Fatal(err)
			}
		}
		// A token of another kind does not work: a sign-in link is not a reset.
		if _, err := s.UseEmailToken(ctx, store.EmailReset, "l"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("login token used as reset: %v", err)
		}
		// Looking does not use it up.
		for range 2 {
			if got, err := s.EmailTokenUser(ctx, store.EmailVerify, "v"); err != nil || got.ID != u.ID {
				t.Fatalf("EmailTokenUser = %+v, %v", got, err)
			}
		}
		if got, err := s.UseEmailToken(ctx, store.EmailVerify, "v"); err != nil || got.ID != u.ID {
			t.Fatalf("UseEmailToken = %+v, %v", got, err)
		}
		if _, err := s.UseEmailToken(ctx, store.EmailVerify, "v"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token used twice: %v", err)
		}
		if _, err := s.EmailTokenUser(ctx, store.EmailVerify, "v"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a used token still shows its page: %v", err)
		}

		clock.advance(2 * time.Minute)
		if _, err := s.EmailTokenUser(ctx, store.EmailReset, "r"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired token shows its page: %v", err)
		}
		if _, err := s.UseEmailToken(ctx, store.EmailReset, "r"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired token used: %v", err)
		}

		// Of many concurrent uses, exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.UseEmailToken(ctx, store.EmailLogin, "l"); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if !errors.Is(err, store.ErrNotFound) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d concurrent uses of one token succeeded, want 1", wins)
		}
	})
}

func TestSetPasswordEndsSessions(t *testing.T) {
	forEachAccountBackend(t, func(t *testing.T, s *store.Store, _ *accountClock) {
		ctx := context.Background()
		u := accountUser(t, s, "ada")
		if err := s.CreateSession(ctx, u.ID, "old", "", fixedNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, u.ID, "new hash"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.UserByID(ctx, u.ID); got.PasswordHash != "new hash" {
			t.Errorf("password hash %q", got.PasswordHash)
		}
		if _, _, err := s.SessionUser(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a session survived the new password: %v", err)
		}
		if err := s.SetPassword(ctx, u.ID+99, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetPassword(unknown) = %v", err)
		}
	})
}
