package parallel

import (
	"slices"
	"sync"
	"testing"
)

func TestChunksCoverEveryIndexOnceInContiguousChunks(t *testing.T) {
	for _, tc := range []struct {
		n, workers int
		want       [][2]int
	}{
		{n: 0, workers: 4, want: nil},
		{n: 10, workers: 1, want: [][2]int{{0, 10}}},
		{n: 10, workers: 0, want: [][2]int{{0, 10}}},
		{n: 10, workers: 3, want: [][2]int{{0, 4}, {4, 8}, {8, 10}}},
		// fewer indexes than twice the workers are still split, as the
		// vector index's per-chunk top k expects
		{n: 5, workers: 4, want: [][2]int{{0, 2}, {2, 4}, {4, 5}}},
		{n: 3, workers: 8, want: [][2]int{{0, 1}, {1, 2}, {2, 3}}},
	} {
		var mu sync.Mutex
		var got [][2]int
		Chunks(tc.n, tc.workers, func(lo, hi int) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, [2]int{lo, hi})
		})
		slices.SortFunc(got, func(a, b [2]int) int { return a[0] - b[0] })
		if !slices.Equal(got, tc.want) {
			t.Errorf("Chunks(%d, %d) ran %v; want %v", tc.n, tc.workers, got, tc.want)
		}
	}
}
