// Package rank orders papers for the lists: the daily lists by upvotes, and
// trending by a score that lets community interest decay with age.
//
// # Trending
//
// A paper's trending score is a gravity decay, as on Hacker News:
//
//	points = upvotes + StarWeight * log10(1 + githubStars)
//	score  = points / (ageDays + 1) ^ Gravity
//
// where ageDays is the time in days from when the paper was submitted to the
// daily list (else the day arXiv listed it, else its first submission) to
// the clock, never negative. Hacker News measures age in hours with gravity 1.8, which buries
// a story within a day; papers are read over days, so age is in days with a
// gentler gravity of 1.5. A score halves in the first 0.6 days, then falls
// ever more slowly, so a strong paper stays up for a few days: at two days
// old a 100-upvote paper (100/3^1.5 = 19.2) is still above a 15-upvote paper
// of the same morning (15), and at three days (12.5) above a day-old
// 25-upvote paper (25/2^1.5 = 8.8). GitHub stars count logarithmically: a
// repository with 1,000 stars is worth 15 upvotes and never drowns the
// votes. The score depends on nothing but the paper and the clock, so a
// ranking is deterministic for a given time.
package rank

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// Trending formula parameters (see the package documentation).
const (
	Gravity    = 1.5
	StarWeight = 5.0
)

// Age returns the paper's age at now in days, never negative: from its
// submission to the daily list, else its daily-list or listing day, else
// its first submission. It is +Inf when the paper has no date at all.
func Age(p *store.Paper, now time.Time) float64 {
	t := p.PaperDay()
	if !p.Community.DailySubmittedAt.IsZero() {
		t = p.Community.DailySubmittedAt
	} else if t.IsZero() {
		t = p.FirstVersionAt
	}
	if t.IsZero() {
		return math.Inf(1)
	}
	return max(now.Sub(t).Hours()/24, 0)
}

// Points is a paper's community interest before decay.
func Points(p *store.Paper) float64 {
	pts := float64(max(p.Community.TotalUpvotes(), 0))
	if p.Community.GitHubStars > 0 {
		pts += StarWeight * math.Log10(1+float64(p.Community.GitHubStars))
	}
	return pts
}

// Score is the paper's trending score at now.
func Score(p *store.Paper, now time.Time) float64 {
	age := Age(p, now)
	if math.IsInf(age, 1) {
		return 0
	}
	return Points(p) / math.Pow(age+1, Gravity)
}

// Trending sorts papers by trending score at now, highest first; ties go to
// the daily order (see Daily).
func Trending(papers []store.Paper, now time.Time) {
	scores := make(map[string]float64, len(papers))
	for i := range papers {
		scores[papers[i].ID] = Score(&papers[i], now)
	}
	slices.SortStableFunc(papers, func(a, b store.Paper) int {
		if c := cmp.Compare(scores[b.ID], scores[a.ID]); c != 0 {
			return c
		}
		return Daily(a, b)
	})
}

// Daily compares two papers in daily-list order: more upvotes first, then
// the more recent first submission, then the larger id. The store's list
// queries order the same way.
func Daily(a, b store.Paper) int {
	if c := cmp.Compare(b.Community.TotalUpvotes(), a.Community.TotalUpvotes()); c != 0 {
		return c
	}
	if c := b.FirstVersionAt.Compare(a.FirstVersionAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// Newest compares papers by first submission, newest first (Hugging Face's
// sort=publishedAt), then in daily order.
func Newest(a, b store.Paper) int {
	if c := b.FirstVersionAt.Compare(a.FirstVersionAt); c != 0 {
		return c
	}
	return Daily(a, b)
}
