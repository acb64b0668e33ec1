package receval

import (
	"context"
	"sync"
)

// Ranker ranks every candidate for a reader whose library is profile,
// best first.
type Ranker func(ctx context.Context, profile, candidates []string) ([]string, error)

// Evaluate runs ranker on every case with workers goroutines and averages
// the metrics.
func Evaluate(ctx context.Context, cases []Case, candidates []string, ranker Ranker, workers int) (Metrics, error) {
	results := make([]Metrics, len(cases))
	errs := make([]error, len(cases))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ranked, err := ranker(ctx, cases[i].Profile, candidates)
				if err != nil {
					errs[i] = err
					continue
				}
				results[i] = Score(ranked, cases[i].Truth)
			}
		}()
	}
	for i := range cases {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Metrics{}, err
	}
	var sum Metrics
	for i, m := range results {
		if errs[i] != nil {
			return Metrics{}, errs[i]
		}
		sum.add(m)
	}
	return sum.mean(), nil
}
