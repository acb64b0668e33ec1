package recommend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// sameRanking fails unless got has want's ids in want's order, scores
// within 1e-9 relative and the same reasons.
func sameRanking(t *testing.T, want, got []Scored) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for k := range want {
		w, g := want[k], got[k]
		if g.ID != w.ID {
			t.Fatalf("at %d: %s, want %s", k, g.ID, w.ID)
		}
		if math.Abs(g.Score-w.Score) > 1e-9*math.Abs(w.Score) {
			t.Fatalf("%s scores %v, want %v", w.ID, g.Score, w.Score)
		}
		if fmt.Sprint(g.Reason.Like) != fmt.Sprint(w.Reason.Like) {
			t.Fatalf("%s's reason %v, want %v", w.ID, g.Reason.Like, w.Reason.Like)
		}
	}
}

// TestScoreWindowIsScore checks the window's column-wise scoring against
// Score's candidate-wise one on features of the real corpus's shape: the
// whole window, a range of it less some candidates, reasons for every
// result, and the same answer twice.
func TestScoreWindowIsScore(t *testing.T) {
	f := synthFeatures(6000, DefaultOptions())
	ids := f.ids[1000:]
	w := f.NewWindow(ids)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{1, 8, 20, 60} {
		var profile []string
		for range size {
			profile = append(profile, f.ids[rng.IntN(1000)])
		}
		m, err := f.Train(profile)
		if err != nil {
			t.Fatal(err)
		}
		sameRanking(t, m.Score(ids, len(ids)), m.ScoreWindow(w, 0, w.Len(), nil, len(ids)))
		lo, hi := 700, 3200
		skip := func(k int) bool { return k%7 == 3 }
		var some []string
		for k := lo; k < hi; k++ {
			if !skip(k) {
				some = append(some, w.ID(k))
			}
		}
		want := m.Score(some, 20)
		got := m.ScoreWindow(w, lo, hi, skip, 20)
		sameRanking(t, want, got)
		sameRanking(t, got, m.ScoreWindow(w, lo, hi, skip, 20))
		// Not all ties: the scores must tell candidates apart for the
		// comparison to mean anything.
		if want[0].Score == want[len(want)-1].Score {
			t.Fatalf("profile of %d: every candidate ties", size)
		}
	}
}

// TestScoreWindowOnTheTopicCorpus checks the same on the hand-made corpus
// for the default model and the options that mix in the embedding and
// the classifier.
func TestScoreWindowOnTheTopicCorpus(t *testing.T) {
	opts := map[string]func(*Options){
		"default":     func(*Options) {},
		"classifier":  func(o *Options) { o.Fusion = 0.5 },
		"embedding":   func(o *Options) { o.TermSimilarity = 0.5 },
		"embedFusion": func(o *Options) { o.EmbedFusion = 0.5 },
		"embedZ":      func(o *Options) { o.EmbedZ, o.EmbedKernel = 0.25, 0.2 },
		"halfLife":    func(o *Options) { o.HalfLife = 2 },
	}
	for name, set := range opts {
		t.Run(name, func(t *testing.T) {
			o := smallOptions()
			set(&o)
			f := testFeatures(t, o)
			w := f.NewWindow(append([]string{"unknown"}, f.ids...))
			if w.Len() != len(f.ids) {
				t.Fatalf("window of %d, want %d", w.Len(), len(f.ids))
			}
			m, err := f.Train([]string{"t1.00", "t1.01", "t0.03", "t2.05"})
			if err != nil {
				t.Fatal(err)
			}
			sameRanking(t, m.Score(f.ids, len(f.ids)), m.ScoreWindow(w, 0, w.Len(), nil, len(f.ids)))
			skip := func(k int) bool { return k%3 == 0 }
			var some []string
			for k := 10; k < 50; k++ {
				if !skip(k) {
					some = append(some, w.ID(k))
				}
			}
			got := m.ScoreWindow(w, 10, 50, skip, 5)
			sameRanking(t, m.Score(some, 5), got)
			if len(got[0].Reason.Like) == 0 || len(got[5].Reason.Like) != 0 {
				t.Fatalf("reasons %v, %v: want them for the first 5 only", got[0].Reason, got[5].Reason)
			}
		})
	}
}

// BenchmarkScoreWindow is BenchmarkScore through a window of the
// month's candidates built beforehand.
func BenchmarkScoreWindow(b *testing.B) {
	f := benchFeatures(b, DefaultOptions())
	m, err := f.Train(f.ids[:20])
	if err != nil {
		b.Fatal(err)
	}
	m.indexTerms() // as a kept model has, from its first request
	benchScoreWindow(b, f, m)
}

// benchScoreWindow times m's ScoreWindow over a window of the month's
// candidates built beforehand.
func benchScoreWindow(b *testing.B, f *Features, m *Model) {
	w := f.NewWindow(f.ids[len(f.ids)-6083:])
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		m.ScoreWindow(w, 0, w.Len(), nil, 20)
		took = append(took, time.Since(t))
	}
	b.StopTimer()
	reportPercentiles(b, took)
}
