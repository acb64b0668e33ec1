package web

import (
	"net"
	"net/http"
	"strconv"
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
		if ok, wait := l.Allow(clientIP(r)); !ok {
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

// clientIP is the address the request came from. paperboy does not trust
// X-Forwarded-For: a proxy in front must be configured to connect from the
// client's address or to limit requests itself.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
