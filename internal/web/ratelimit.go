package web

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/auth"
	"github.com/paperboy-dev/paperboy/internal/problem"
)

// RateLimit is one action's limit: Burst at once, then one per Every.
type RateLimit struct {
	Every time.Duration
	Burst int
}

// DefaultRateLimits limit each action per account and, separately and more
// loosely, per client IP address (keys "ACTION" and "ACTION/ip").
//
// Sign-in is limited per account and client address ("signin"), so that
// one address guesses one account's password slowly, and per account from
// all addresses ("signin/account"), a ceiling against guessing from many
// addresses that one address alone cannot reach: an attacker's address is
// throttled while the owner signs in from theirs.
//
// Mail that strangers can trigger (reset and sign-in links, verification,
// the "account exists" notice) is limited per recipient, whoever asks: one
// of each kind per address every 10 minutes ("mailto") and five a day in
// all ("mailto/day"). Subscription confirmations have their own gap, kept
// on the subscription (store.Subscribe).
var DefaultRateLimits = map[string]RateLimit{
	"signin":         {Every: 5 * time.Minute, Burst: 10},   // per account and IP address
	"signin/account": {Every: 36 * time.Second, Burst: 100}, // per account: 100 an hour
	"signin/ip":      {Every: 6 * time.Second, Burst: 20},
	"signup/ip":      {Every: 5 * time.Minute, Burst: 5},
	"mail/ip":        {Every: time.Minute, Burst: 5},        // reset, sign-in link, verification
	"mailto":         {Every: 10 * time.Minute, Burst: 1},   // per recipient and kind
	"mailto/day":     {Every: 24 * time.Hour / 5, Burst: 5}, // per recipient
	"vote":           {Every: time.Second, Burst: 30},
	"vote/ip":        {Every: 200 * time.Millisecond, Burst: 300},
	"comment":        {Every: 20 * time.Second, Burst: 5},
	"comment/ip":     {Every: 5 * time.Second, Burst: 20},
	"submit":         {Every: time.Minute, Burst: 5},
	"submit/ip":      {Every: 20 * time.Second, Burst: 10},
	"subscribe/ip":   {Every: time.Minute, Burst: 5},
	"library":        {Every: time.Second, Burst: 60}, // saves, notes, collections
	"library/ip":     {Every: 200 * time.Millisecond, Burst: 300},
	"follow":         {Every: time.Second, Burst: 30},
	"follow/ip":      {Every: 200 * time.Millisecond, Burst: 300},
	"claim":          {Every: time.Minute, Burst: 10},
	"claim/ip":       {Every: 20 * time.Second, Burst: 20},
}

// RateStore keeps rate-limit buckets where every replica sees them: the
// database (store.Store). Take allows burst actions per key at once, then
// one every every.
type RateStore interface {
	TakeRate(ctx context.Context, key string, every time.Duration, burst int) (ok bool, retryAfter time.Duration, err error)
}

// sharedActions guard mail and sign-in. With a RateStore their buckets
// live in it, so that N replicas do not allow N times the limit; votes,
// comments and submissions stay in each process's memory, where a replica's
// extra allowance costs little and the database is spared a write.
var sharedActions = map[string]bool{
	"signin": true, "signin/account": true, "signin/ip": true, "signup/ip": true,
	"mail/ip": true, "mailto": true, "mailto/day": true, "subscribe/ip": true,
}

// errRateLimited is a refusal; limitKey adds the time to wait.
var errRateLimited = problem.New(problem.TooManyRequests, "too many requests; try again later")

// limiters are a server's rate limits: every action's buckets in memory,
// and the shared ones in a RateStore when there is one.
type limiters struct {
	limits map[string]RateLimit
	memory map[string]*auth.Limiter
	shared RateStore // nil: everything in memory
}

func newLimiters(limits map[string]RateLimit, shared RateStore, now func() time.Time) *limiters {
	ls := &limiters{limits: limits, memory: make(map[string]*auth.Limiter, len(limits)), shared: shared}
	for name, l := range limits {
		ls.memory[name] = auth.NewLimiter(l.Every, l.Burst, now)
	}
	return ls
}

// take takes one action of the kind for key. Actions without a limit are
// allowed.
func (s *Server) take(ctx context.Context, action, key string) (bool, time.Duration, error) {
	l, ok := s.limiters.limits[action]
	if !ok {
		return true, 0, nil
	}
	if s.limiters.shared != nil && sharedActions[action] {
		ok, wait, err := s.limiters.shared.TakeRate(ctx, action+" "+key, l.Every, l.Burst)
		if err == nil || !strings.HasPrefix(action, "signin") {
			return ok, wait, err
		}
		// Sign-in must not fail while the shared counters cannot be
		// reached (a database that answers the sign-in itself but not this
		// write, say): it falls back to this process's buckets, which
		// still slow guessing, at worst by the number of replicas.
		s.log.Warn("sign-in rate limit falls back to memory", "action", action, "err", err)
	}
	ok, wait := s.limiters.memory[action].Allow(key)
	return ok, wait, nil
}

// limit takes one action of the kind for the request's client IP and, when
// key is not empty (an account id or a username), for key. It returns a
// problem.TooManyRequests, which renderError answers with 429 and
// Retry-After.
// When the shared counters fail, it fails closed (an error), except for
// sign-in (see take).
func (s *Server) limit(r *http.Request, action, key string) error {
	if err := s.limitKey(r.Context(), action+"/ip", s.clientIP(r)); err != nil {
		return err
	}
	if key == "" {
		return nil
	}
	return s.limitKey(r.Context(), action, key)
}

func (s *Server) limitKey(ctx context.Context, action, key string) error {
	ok, wait, err := s.take(ctx, action, key)
	if err != nil {
		return fmt.Errorf("web: rate limit %s: %w", action, err)
	}
	if !ok {
		return errRateLimited.Retry(wait)
	}
	return nil
}

// limitSignIn limits password attempts on the account (its key, "user:ID",
// or "name:NAME" for unknown names, which answer alike): per client IP, per
// account and client IP, then per account from all addresses. A throttled
// address does not use up the account's ceiling.
func (s *Server) limitSignIn(r *http.Request, account string) error {
	if err := s.limit(r, "signin", account+" "+s.clientIP(r)); err != nil {
		return err
	}
	return s.limitKey(r.Context(), "signin/account", account)
}

// mayMail reports whether a mail of the kind may go to the address now
// ("mailto", "mailto/day"), and takes it from the recipient's limits. A
// refusal is logged, never shown: the page the asker sees is the same
// whether the mail went, was limited or had no account to go to. When the
// counters fail, no mail goes (fail closed).
func (s *Server) mayMail(ctx context.Context, kind, to string) bool {
	addr := strings.ToLower(strings.TrimSpace(to))
	for _, b := range [...]struct{ action, key string }{{"mailto", kind + ":" + addr}, {"mailto/day", addr}} {
		ok, wait, err := s.take(ctx, b.action, b.key)
		if err != nil {
			s.log.Error("mail not sent: its rate limit failed", "kind", kind, "err", err)
			return false
		}
		if !ok {
			s.log.Info("mail not sent: too many to one address", "kind", kind, "limit", b.action, "retry_after", wait)
			return false
		}
	}
	return true
}

// clientIP is the address a request came from: the connection's, or, when
// that is a trusted proxy (Options.TrustedProxies), the nearest address in
// X-Forwarded-For that is not one. Proxies append the address they were
// connected from, so the header is read from the right, and only as far as
// trusted proxies vouch for it: a client can write anything on the left.
func (s *Server) clientIP(r *http.Request) string {
	addr, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	ip := addr.Addr().Unmap()
	if !s.trustedProxy(ip) {
		return ip.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a garbled hop: the last good one stands
		}
		ip = hop.Unmap()
		if !s.trustedProxy(ip) {
			break
		}
	}
	return ip.String()
}

func (s *Server) trustedProxy(ip netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
