package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// testClock is a clock that tests move by hand, shared by several stores.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(fixedNow.UnixNano())
	return c
}

func (c *testClock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// forEachBackendWithClock is forEachBackend with a clock the test moves,
// and the URL of the database, for a second store on it.
func forEachBackendWithClock(t *testing.T, fn func(t *testing.T, s *store.Store, clock *testClock, url string)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			clock := newTestClock()
			url := storetest.MigratedURL(t, d)
			s := openAt(t, url, clock)
			if _, err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			fn(t, s, clock, url)
		})
	}
}

func openAt(t *testing.T, url string, clock *testClock) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), url, store.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestTakeRateIsATokenBucket(t *testing.T) {
	forEachBackendWithClock(t, func(t *testing.T, s *store.Store, clock *testClock, _ string) {
		ctx := context.Background()
		take := func(key string) (bool, time.Duration) {
			t.Helper()
			ok, wait, err := s.TakeRate(ctx, key, 10*time.Second, 3)
			if err != nil {
				t.Fatal(err)
			}
			return ok, wait
		}
		for i := range 3 {
			if ok, _ := take("a"); !ok {
				t.Fatalf("take %d of a burst of 3 refused", i+1)
			}
		}
		if ok, wait := take("a"); ok || wait != 10*time.Second {
			t.Fatalf("fourth take: %v, retry after %v; want refused for 10s", ok, wait)
		}
		if ok, _ := take("b"); !ok {
			t.Fatal("another key shares the bucket")
		}
		clock.advance(4 * time.Second)
		if ok, wait := take("a"); ok || wait != 6*time.Second {
			t.Fatalf("after 4s: %v, retry after %v; want refused for 6s", ok, wait)
		}
		clock.advance(6 * time.Second)
		if ok, _ := take("a"); !ok {
			t.Fatal("a refilled token refused")
		}
		if ok, _ := take("a"); ok {
			t.Fatal("refused takes refilled the bucket")
		}
		// A long pause refills the burst, not more.
		clock.advance(time.Hour)
		n := 0
		for range 5 {
			if ok, _ := take("a"); ok {
				n++
			}
		}
		if n != 3 {
			t.Errorf("after an hour, %d takes allowed, want the burst of 3", n)
		}
		if ok, _, err := s.TakeRate(ctx, "none", time.Second, 0); err != nil || ok {
			t.Errorf("a burst of 0: %v, %v; want refused", ok, err)
		}
	})
}

// Keys carry what clients type: bytes PostgreSQL cannot store as text
// must not fail the limit, nor merge distinct keys.
func TestTakeRateTakesAnyKey(t *testing.T) {
	forEachBackendWithClock(t, func(t *testing.T, s *store.Store, _ *testClock, _ string) {
		for _, key := range []string{"a\x00b", "a\xffb", string(make([]byte, 5000))} {
			for i, want := range []bool{true, false} {
				ok, _, err := s.TakeRate(context.Background(), key, time.Minute, 1)
				if err != nil || ok != want {
					t.Errorf("take %d of %q: %v, %v; want %v", i+1, key[:min(len(key), 8)], ok, err, want)
				}
			}
		}
	})
}

// Two stores on one database (two replicas) share every bucket: 40
// concurrent takes from both get exactly the burst.
func TestTakeRateHoldsAcrossStores(t *testing.T) {
	forEachBackendWithClock(t, func(t *testing.T, s *store.Store, clock *testClock, url string) {
		replicas := []*store.Store{s, openAt(t, url, clock)}
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				ok, _, err := replicas[i%2].TakeRate(context.Background(), "mail reset:ada@example.org", time.Hour, 7)
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 7 {
			t.Errorf("%d of 40 takes allowed on two stores, want the burst of 7", n)
		}
	})
}

func TestPruneRatesDeletesOnlyFullBuckets(t *testing.T) {
	forEachBackendWithClock(t, func(t *testing.T, s *store.Store, clock *testClock, _ string) {
		ctx := context.Background()
		s.TakeRate(ctx, "short", time.Second, 1)
		s.TakeRate(ctx, "long", time.Hour, 1)
		clock.advance(time.Minute)
		if n, err := s.PruneRates(ctx); err != nil || n != 1 {
			t.Fatalf("pruned %d, %v; want the one refilled bucket", n, err)
		}
		if ok, _, _ := s.TakeRate(ctx, "long", time.Hour, 1); ok {
			t.Error("pruning emptied a bucket that had not refilled")
		}
		if ok, _, _ := s.TakeRate(ctx, "short", time.Second, 1); !ok {
			t.Error("a pruned bucket is not full")
		}
	})
}

// BenchmarkTakeRate measures one take (the upsert) on each backend: the
// cost that sign-in and mail requests now pay for limits that hold across
// replicas.
func BenchmarkTakeRate(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			s := storetest.Open(b, d, store.Options{})
			ctx := context.Background()
			keys := []string{"signin user:1 198.51.100.7", "signin/account user:1", "mailto reset:ada@example.org"}
			b.ResetTimer()
			for i := range b.N {
				if _, _, err := s.TakeRate(ctx, keys[i%len(keys)], time.Millisecond, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
