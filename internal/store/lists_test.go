package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func ids(papers []store.Paper) []string {
	out := []string{}
	for _, p := range papers {
		out = append(out, p.ID)
	}
	return out
}

// seedDailyLists stores papers on three days: two arXiv-only papers listed
// on 2025-06-03 (no upvotes), and Hugging Face papers on the daily lists of
// 2025-06-03 and 2025-06-05, one of which arXiv listed on another day.
func seedDailyLists(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	a := arxivPaper("2506.00001", 1) // listed 2025-06-03
	b := arxivPaper("2506.00002", 1)
	b.FirstVersionAt = b.FirstVersionAt.Add(time.Hour) // more recent than a
	c := arxivPaper("2506.00003", 1)
	c.ListedOn = day("2025-06-04") // but on the daily list of 06-05
	mustUpsert(t, s, a, b, c)
	if _, err := s.UpsertCommunity(ctx, []store.Paper{
		hfPaper("2506.00003", 30, "2025-06-05"),
		hfPaper("2506.00004", 9, "2025-06-05"),
		hfPaper("2506.00005", 12, "2025-06-03"),
	}); err != nil {
		t.Fatal(err)
	}
}

func TestDailyPapersRankByUpvotesThenRecency(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedDailyLists(t, s)
		for _, tc := range []struct {
			from, to string
			want     []string
		}{
			{"2025-06-03", "2025-06-04", []string{"2506.00005", "2506.00002", "2506.00001"}},
			// The daily-list day wins over arXiv's listing day.
			{"2025-06-04", "2025-06-05", []string{}},
			{"2025-06-05", "2025-06-06", []string{"2506.00003", "2506.00004"}},
			{"2025-06-01", "2025-06-08", []string{"2506.00003", "2506.00005", "2506.00004", "2506.00002", "2506.00001"}},
		} {
			got, err := s.DailyPapers(ctx, day(tc.from), day(tc.to), 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
				t.Errorf("%s..%s (-want +got):\n%s", tc.from, tc.to, diff)
			}
			n, err := s.CountDailyPapers(ctx, day(tc.from), day(tc.to))
			if err != nil || n != len(tc.want) {
				t.Errorf("count %s..%s = %d, %v; want %d", tc.from, tc.to, n, err, len(tc.want))
			}
		}
		page2, err := s.DailyPapers(ctx, day("2025-06-01"), day("2025-06-08"), 2, 2)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"2506.00004", "2506.00002"}; !cmp.Equal(ids(page2), want) {
			t.Errorf("second page = %v, want %v", ids(page2), want)
		}
	})
}

func TestAdjacentDaysSkipEmptyDays(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedDailyLists(t, s)
		for _, tc := range []struct{ at, prev, next string }{
			{"2025-06-03", "", "2025-06-05"},
			{"2025-06-04", "2025-06-03", "2025-06-05"},
			{"2025-06-05", "2025-06-03", ""},
			{"2026-01-01", "2025-06-05", ""},
		} {
			prev, next, err := s.AdjacentDays(ctx, day(tc.at))
			if err != nil {
				t.Fatal(err)
			}
			f := func(t time.Time) string {
				if t.IsZero() {
					return ""
				}
				return t.Format(time.DateOnly)
			}
			if f(prev) != tc.prev || f(next) != tc.next {
				t.Errorf("around %s: prev %q next %q, want %q %q", tc.at, f(prev), f(next), tc.prev, tc.next)
			}
		}
	})
}

func TestTrendingCandidatesAreRecentAndBounded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		seedDailyLists(t, s)
		got, err := s.TrendingCandidates(context.Background(), day("2025-06-04"), day("2025-06-06"), 10)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"2506.00003", "2506.00004"}; !cmp.Equal(ids(got), want) {
			t.Errorf("candidates = %v, want %v", ids(got), want)
		}
		got, err = s.TrendingCandidates(context.Background(), day("2025-06-01"), day("2025-06-06"), 1)
		if err != nil || len(got) != 1 || got[0].ID != "2506.00003" {
			t.Errorf("limited candidates = %v, %v", ids(got), err)
		}
	})
}
