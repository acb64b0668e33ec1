package searcheval

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeRanker counts calls and concurrent calls; it fails queries
// starting with "fail".
type fakeRanker struct {
	calls, inFlight, maxInFlight atomic.Int64
	mu                           sync.Mutex
	seen                         map[string]int
	sleep                        time.Duration
}

func (f *fakeRanker) Search(ctx context.Context, query string, limit int) ([]string, error) {
	f.calls.Add(1)
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	f.seen[query]++
	f.mu.Unlock()
	time.Sleep(f.sleep)
	if strings.HasPrefix(query, "fail") {
		return nil, errors.New("fake failure")
	}
	return []string{query}, nil
}

func TestLatencyRunsEveryQueryOnceWithBoundedClients(t *testing.T) {
	var queries []string
	for i := range 60 {
		queries = append(queries, "q"+string(rune('A'+i)))
	}
	for _, clients := range []int{1, 4} {
		f := &fakeRanker{sleep: time.Millisecond}
		res := Latency(context.Background(), f, queries, clients, 10)
		if res.N != len(queries) || res.Errors != 0 || f.calls.Load() != int64(len(queries)) {
			t.Errorf("clients %d: N %d, errors %d, calls %d; want %d, 0, %d", clients, res.N, res.Errors, f.calls.Load(), len(queries), len(queries))
		}
		for _, q := range queries {
			if f.seen[q] != 1 {
				t.Errorf("clients %d: query %q ran %d times", clients, q, f.seen[q])
			}
		}
		if m := f.maxInFlight.Load(); m > int64(clients) {
			t.Errorf("clients %d: %d queries in flight at once", clients, m)
		}
		if res.Clients != clients || res.P50 < time.Millisecond || res.P99 < res.P50 || res.Mean <= 0 || res.QPS <= 0 {
			t.Errorf("clients %d: implausible result %+v", clients, res)
		}
	}
}

func TestLatencyCountsErrorsApart(t *testing.T) {
	f := &fakeRanker{}
	res := Latency(context.Background(), f, []string{"ok1", "fail1", "ok2", "fail2", "ok3"}, 2, 10)
	if res.N != 3 || res.Errors != 2 {
		t.Errorf("N %d, errors %d; want 3, 2", res.N, res.Errors)
	}
}

func TestLatencyStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &fakeRanker{}
	res := Latency(ctx, f, []string{"a", "b", "c"}, 2, 10)
	if f.calls.Load() != 0 || res.N != 0 {
		t.Errorf("after cancel: %d calls, N %d", f.calls.Load(), res.N)
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{0.5: 50, 0.99: 99, 1: 100, 0.001: 1} {
		if got := percentile(ds, p); got != want {
			t.Errorf("percentile(1..100, %v) = %v, want %v", p, got, want)
		}
	}
}

func TestQueryMixTakesPrefixesAndTheSentence(t *testing.T) {
	items := []KnownItemQuery{
		{Query: "one two three four five six seven."},
		{Query: "short query here"},
		{Query: "  "},
	}
	want := []string{
		"one", "one two", "one two three", "one two three four", "one two three four five six",
		"one two three four five six seven.",
		"short", "short query", "short query here",
	}
	if diff := cmp.Diff(want, QueryMix(items)); diff != "" {
		t.Errorf("QueryMix (-want +got):\n%s", diff)
	}
}
