package searcheval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// KnownItemFile is the known-item query set, relative to the shared data
// directory.
const KnownItemFile = "eval/known-item-dev.jsonl"

// KnownItemQuery is one known-item query: a one-sentence summary of the
// paper ID, written by Hugging Face's summariser.
type KnownItemQuery struct {
	ID          string `json:"id"`
	Query       string `json:"query"`
	QueryMasked string `json:"query_masked"` // Query without the paper's coined names
}

// Field chooses the text of a KnownItemQuery to search with.
type Field string

// The query fields.
const (
	FieldQuery  Field = "query"
	FieldMasked Field = "query_masked"
)

// Text is the field's text of q.
func (f Field) Text(q KnownItemQuery) string {
	if f == FieldMasked {
		return q.QueryMasked
	}
	return q.Query
}

// LoadKnownItems reads a JSON-lines file of known-item queries.
func LoadKnownItems(path string) ([]KnownItemQuery, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("searcheval: known items: %w", err)
	}
	defer f.Close()
	var items []KnownItemQuery
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var q KnownItemQuery
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, fmt.Errorf("searcheval: known items: %s:%d: %w", filepath.Base(path), line, err)
		}
		items = append(items, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("searcheval: known items: %w", err)
	}
	return items, nil
}

// KnownItemResult is how well a searcher finds known items.
type KnownItemResult struct {
	Field    Field   `json:"field"`
	N        int     `json:"n"`
	MRR10    float64 `json:"mrr10"`    // mean reciprocal rank of the item, 0 beyond rank 10
	Recall10 float64 `json:"recall10"` // share of items in the first 10
	// Mean is the mean time of a query, with GOMAXPROCS queries running at
	// once: a rough figure; see Latency for a measurement.
	Mean time.Duration `json:"mean_ns"`
}

// KnownItem searches for every item with the field's text (top 10) and
// scores where the item comes. Queries run GOMAXPROCS at a time.
func KnownItem(ctx context.Context, s Ranker, items []KnownItemQuery, field Field) (KnownItemResult, error) {
	const k = 10
	ranks := make([]int, len(items))
	took := make([]time.Duration, len(items))
	err := forEach(ctx, len(items), runtime.GOMAXPROCS(0), func(ctx context.Context, i int) error {
		start := time.Now()
		ids, err := s.Search(ctx, field.Text(items[i]), k)
		took[i] = time.Since(start)
		if err != nil {
			return fmt.Errorf("searcheval: known item %s: %w", items[i].ID, err)
		}
		ranks[i] = Rank(ids[:min(k, len(ids))], items[i].ID)
		return nil
	})
	if err != nil {
		return KnownItemResult{}, err
	}
	res := KnownItemResult{Field: field, N: len(items)}
	rr := make([]float64, len(items))
	var total time.Duration
	for i, r := range ranks {
		rr[i] = ReciprocalRank(r, k)
		if r > 0 {
			res.Recall10++
		}
		total += took[i]
	}
	res.MRR10 = mean(rr)
	if len(items) > 0 {
		res.Recall10 /= float64(len(items))
		res.Mean = total / time.Duration(len(items))
	}
	return res, nil
}

// forEach calls fn for 0..n-1 from up to workers goroutines and returns the
// first error, after which the remaining calls are skipped.
func forEach(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
