package store

import (
	"cmp"
	"context"
	"os"
	"testing"
	"time"
)

// BenchmarkDailyList reads the first page of a day's list from a real
// database: PAPERBOY_BENCH_DB=sqlite:/path/paperboy.db (or a postgres://
// URL) go test -run XXX -bench DailyList ./internal/store/. The day is
// PAPERBOY_BENCH_DAY, 2025-06-04 by default.
func BenchmarkDailyList(b *testing.B) {
	url := os.Getenv("PAPERBOY_BENCH_DB")
	if url == "" {
		b.Skip("PAPERBOY_BENCH_DB is not set")
	}
	day, err := time.Parse(time.DateOnly, cmp.Or(os.Getenv("PAPERBOY_BENCH_DAY"), "2025-06-04"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s, err := Open(ctx, url, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if _, err := s.DailyPapers(ctx, day, day.AddDate(0, 0, 1), 30, 0); err != nil {
			b.Fatal(err)
		}
	}
}
