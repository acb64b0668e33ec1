package rank_test

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/rank"
	"github.com/paperboy-dev/paperboy/internal/store"
)

var now = time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)

// paper is on the daily list at now minus ageDays with the given votes.
func paper(id string, upvotes int, ageDays float64, stars int) store.Paper {
	at := now.Add(-time.Duration(ageDays * 24 * float64(time.Hour)))
	return store.Paper{
		ID: id, FirstVersionAt: at.Add(-24 * time.Hour),
		Community: store.Community{Upvotes: upvotes, DailySubmittedAt: at, DailyOn: at.Truncate(24 * time.Hour), GitHubStars: stars},
	}
}

func TestScoreFollowsTheDocumentedFormula(t *testing.T) {
	for _, tc := range []struct {
		p    store.Paper
		want float64
	}{
		{paper("a", 100, 0, -1), 100},
		{paper("b", 100, 3, -1), 12.5},
		{paper("c", 25, 1, -1), 25 / math.Pow(2, 1.5)},
		{paper("d", 0, 0, 999), 15},
		{paper("e", 10, -2, -1), 10}, // a future date counts as age 0
		{store.Paper{ID: "f", Community: store.Community{Upvotes: 50}}, 0},
	} {
		if got := rank.Score(&tc.p, now); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Score(%s) = %v, want %v", tc.p.ID, got, tc.want)
		}
	}
}

func TestStrongPaperStaysAFewDays(t *testing.T) {
	papers := []store.Paper{
		paper("fresh-weak", 15, 0, -1),
		paper("strong-2-days", 100, 2, -1),
		paper("day-old-medium", 25, 1, -1),
		paper("strong-6-days", 100, 6, -1),
		paper("fresh-starred", 5, 0.1, 10000),
	}
	rank.Trending(papers, now)
	var got []string
	for _, p := range papers {
		got = append(got, p.ID)
	}
	want := []string{"fresh-starred", "strong-2-days", "fresh-weak", "day-old-medium", "strong-6-days"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trending order (-want +got):\n%s", diff)
	}
}

func TestTrendingIsDeterministicAndTotal(t *testing.T) {
	a, b := paper("2506.00001", 7, 1, -1), paper("2506.00002", 7, 1, -1)
	for range 3 {
		ps := []store.Paper{a, b}
		rank.Trending(ps, now)
		if ps[0].ID != "2506.00002" {
			t.Fatalf("tie not broken by id: %s first", ps[0].ID)
		}
	}
}

func TestDailyOrder(t *testing.T) {
	old, recent := paper("x", 3, 2, -1), paper("y", 3, 1, -1)
	top := paper("z", 4, 5, -1)
	if rank.Daily(top, recent) >= 0 || rank.Daily(recent, old) >= 0 || rank.Daily(old, old) != 0 {
		t.Error("daily order is not upvotes, then recency")
	}
	if rank.Newest(recent, top) >= 0 {
		t.Error("newest order does not put the recent paper first")
	}
}
