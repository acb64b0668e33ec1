package searcheval

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LatencyResult is the time queries took.
type LatencyResult struct {
	Clients int           `json:"clients"`
	N       int           `json:"n"`      // queries answered
	Errors  int           `json:"errors"` // queries that failed (not in the times)
	P50     time.Duration `json:"p50_ns"`
	P99     time.Duration `json:"p99_ns"`
	Mean    time.Duration `json:"mean_ns"`
	QPS     float64       `json:"qps"` // answered queries per second of wall time
}

// Latency runs every query once, from clients goroutines taking the next
// query off the shared list, and times each one. The same list thus does
// the same work at any number of clients and only the contention changes.
// It stops early, with what it measured, when ctx ends.
func Latency(ctx context.Context, s Ranker, queries []string, clients int, limit int) LatencyResult {
	clients = max(1, clients)
	took := make([]time.Duration, len(queries))
	failed := make([]bool, len(queries))
	done := make([]bool, len(queries))
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(queries) {
					return
				}
				t0 := time.Now()
				_, err := s.Search(ctx, queries[i], limit)
				took[i] = time.Since(t0)
				if err != nil && ctx.Err() != nil {
					return // cut short, not a failure
				}
				failed[i] = err != nil
				done[i] = true
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)

	res := LatencyResult{Clients: clients}
	times := make([]time.Duration, 0, len(queries))
	var total time.Duration
	for i, d := range took {
		switch {
		case !done[i]:
		case failed[i]:
			res.Errors++
		default:
			times = append(times, d)
			total += d
		}
	}
	if len(times) == 0 {
		return res
	}
	slices.Sort(times)
	res.N = len(times)
	res.P50 = percentile(times, 0.50)
	res.P99 = percentile(times, 0.99)
	res.Mean = total / time.Duration(len(times))
	res.QPS = float64(len(times)) / wall.Seconds()
	return res
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(float64(len(sorted))*p)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// QueryMix makes a latency workload from known-item query sentences: for
// each item, its first 1, 2, 3, 4 and 6 words (those shorter than the
// sentence) and then the whole sentence (about 25 words). Short prefixes
// stand for what people type into a search box, the sentences for long
// pasted text; the mix is about 5/6 short queries.
func QueryMix(items []KnownItemQuery) []string {
	var out []string
	for _, it := range items {
		words := strings.Fields(it.Query)
		for _, n := range []int{1, 2, 3, 4, 6} {
			if n < len(words) {
				out = append(out, strings.Join(words[:n], " "))
			}
		}
		if len(words) > 0 {
			out = append(out, strings.Join(words, " "))
		}
	}
	return out
}
