// Package parallel splits a loop over [0,n) into contiguous chunks run on
// several goroutines, for the number crunching of the embeddings and the
// vector index.
package parallel

import "sync"

// Chunks runs fn over [0,n) in contiguous chunks of ⌈n/workers⌉ on up to
// workers goroutines and returns when all are done. The chunks depend only
// on n and workers, so a fn whose result depends on how [0,n) is split (a
// top k kept per chunk) still gives the same answer for the same workers.
func Chunks(n, workers int, fn func(lo, hi int)) {
	workers = max(workers, 1)
	if workers == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
