package web

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/auth"
)

// RateLimit is one action's limit: Burst at once, then one per Every.
type RateLimit struct {
	Every time.Duration
	Burst int
}

// DefaultRateLimits limit each action per account and, separately and more
// loosely, per client IP address (keys "ACTION" and "ACTION/ip"). Sign-in,
// sign-up and reset have only IP limits plus a per-name limit on sign-in,
// so that guessing one account's password is slow from anywhere.
var DefaultRateLimits = map[string]RateLimit{
	"signin":       {Every: 30 * time.Second, Burst: 10}, // per username
	"signin/ip":    {Every: 6 * time.Second, Burst: 20},
	"signup/ip":    {Every: 5 * time.Minute, Burst: 5},
	"mail/ip":      {Every: time.Minute, Burst: 5}, // reset, sign-in link, verification
	"vote":         {Every: time.Second, Burst: 30},
	"vote/ip":      {Every: 200 * time.Millisecond, Burst: 300},
	"comment":      {Every: 20 * time.Second, Burst: 5},
	"comment/ip":   {Every: 5 * time.Second, Burst: 20},
	"submit":       {Every: time.Minute, Burst: 5},
	"submit/ip":    {Every: 20 * time.Second, Burst: 10},
	"subscribe/ip": {Every: time.Minute, Burst: 5},
}

// rateLimited is a refusal with the time to wait.
type rateLimited struct{ retryAfter time.Duration }

func (e *rateLimited) Error() string { return "too many requests; try again later" }

func (e *rateLimited) retryAfterSeconds() string {
	return strconv.Itoa(max(1, int((e.retryAfter+time.Second-1)/time.Second)))
}

func newLimiters(limits map[string]RateLimit, now func() time.Time) map[string]*auth.Limiter {
	ls := make(map[string]*auth.Limiter, len(limits))
	for name, l := range limits {
		ls[name] = auth.NewLimiter(l.Every, l.Burst, now)
	}
	return ls
}

// limit takes one action of the kind for the request's client IP and, when
// key is not empty (an account id or a username), for key. It returns a
// *rateLimited error, which renderError answers with 429 and Retry-After.
func (s *Server) limit(r *http.Request, action, key string) error {
	if l := s.limiters[action+"/ip"]; l != nil {
		if ok, wait := l.Allow(s.clientIP(r)); !ok {
			return &rateLimited{wait}
		}
	}
	if l := s.limiters[action]; l != nil && key != "" {
		if ok, wait := l.Allow(key); !ok {
			return &rateLimited{wait}
		}
	}
	return nil
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
