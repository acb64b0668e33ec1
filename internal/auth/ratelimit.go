// Package auth holds paperboy's account security: password hashing,
// session and API tokens, and rate limits.
package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter limits how often each key (an account, an IP address) may act:
// a token bucket per key refilling at Every, holding up to Burst.
//
// Limits are kept in memory, per process: with several replicas behind a
// load balancer a client gets at most replicas × the limit, which still
// stops floods of votes and comments; the database is not touched for a
// refused request. The limits on mail and sign-in, which must hold exactly,
// are kept in the database (store.TakeRate) and fall back to a Limiter.
type Limiter struct {
	every time.Duration
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	swept   time.Time
}

// NewLimiter allows burst actions at once per key, then one every every.
// now is the clock (time.Now when nil).
func NewLimiter(every time.Duration, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{every: every, burst: burst, now: now, buckets: map[string]*rate.Limiter{}}
}

// Allow takes one action for key. When the bucket is empty it reports
// false and how long until the next action is allowed.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, l.every
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets full buckets now and then, so that memory follows the
// number of recently active keys.
func (l *Limiter) sweep(now time.Time) {
	refill := l.every * time.Duration(l.burst)
	if now.Sub(l.swept) < refill || len(l.buckets) < 1024 {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
}
