package auth

import (
	"testing"
	"time"
)

func TestLimiterBurstThenRefill(t *testing.T) {
	now := time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)
	l := NewLimiter(10*time.Second, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("ip:1"); !ok {
			t.Fatalf("action %d refused within the burst", i+1)
		}
	}
	ok, retry := l.Allow("ip:1")
	if ok || retry <= 0 || retry > 10*time.Second {
		t.Fatalf("4th action: ok=%v retry=%s, want refused with a wait of at most 10s", ok, retry)
	}
	if ok, _ := l.Allow("ip:2"); !ok {
		t.Fatal("another key was refused")
	}
	now = now.Add(retry)
	if ok, _ := l.Allow("ip:1"); !ok {
		t.Fatal("refused after waiting Retry-After")
	}
	if ok, _ := l.Allow("ip:1"); ok {
		t.Fatal("a refill of one token allowed two actions")
	}
}

func TestLimiterSweepsIdleKeys(t *testing.T) {
	now := time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)
	l := NewLimiter(time.Second, 1, func() time.Time { return now })
	for i := range 2000 {
		l.Allow(string(rune('a'+i%26)) + string(rune(i)))
	}
	now = now.Add(time.Minute)
	l.Allow("late")
	if n := len(l.buckets); n != 1 {
		t.Fatalf("%d buckets after every key refilled, want 1", n)
	}
}
