package recommend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sameAsWindow fails unless the kernel's scores and reasons are
// ScoreWindow's over the same span, to the bit.
func sameAsWindow(t *testing.T, m *Model, w *Window, kn *Kernel, lo, hi int) {
	t.Helper()
	want := map[string]Scored{}
	for _, sc := range m.ScoreWindow(w, lo, hi, nil, hi-lo) {
		want[sc.ID] = sc
	}
	rows, ok := m.KernelRows(kn)
	if !ok {
		t.Fatal("KernelRows refused a kernel-only model")
	}
	got := make([]float64, kn.Len())
	rows.Scores(got)
	for k, s := range got {
		id := w.ID(lo + k)
		wt := want[id]
		if math.Float64bits(s) != math.Float64bits(wt.Score) {
			t.Fatalf("%s: kernel %v, ScoreWindow %v", id, s, wt.Score)
		}
		if r := rows.Reason(k); fmt.Sprint(r.Like) != fmt.Sprint(wt.Reason.Like) {
			t.Fatalf("%s: kernel's reason %v, ScoreWindow's %v", id, r.Like, wt.Reason.Like)
		}
	}
}

// TestKernelIsScoreWindow checks the kernel's sums of kept rows against
// ScoreWindow on features of the real corpus's shape, whole and in a
// span, with rows kept and with none kept (each computed for its use),
// for profiles sharing papers as readers' libraries do.
func TestKernelIsScoreWindow(t *testing.T) {
	f := synthFeatures(4000, DefaultOptions())
	w := f.NewWindow(f.ids[1000:])
	rng := rand.New(rand.NewPCG(5, 6))
	spans := [][2]int{{0, w.Len()}, {700, 2200}}
	for _, sp := range spans {
		kept := w.NewKernel(sp[0], sp[1], 1<<30)
		none := w.NewKernel(sp[0], sp[1], 0)
		for _, size := range []int{1, 8, 20} {
			var profile []string
			for range size {
				profile = append(profile, f.ids[rng.IntN(1200)])
			}
			m, err := f.Train(profile)
			if err != nil {
				t.Fatal(err)
			}
			sameAsWindow(t, m, w, kept, sp[0], sp[1])
			sameAsWindow(t, m, w, none, sp[0], sp[1])
		}
	}
}

// TestKernelOnTheTopicCorpus checks the kernel on the hand-made corpus,
// and that the options mixing in anything else than the kernel refuse
// it rather than give other scores.
func TestKernelOnTheTopicCorpus(t *testing.T) {
	opts := map[string]struct {
		set  func(*Options)
		only bool
	}{
		"default":     {func(*Options) {}, true},
		"halfLife":    {func(o *Options) { o.HalfLife = 2 }, true},
		"classifier":  {func(o *Options) { o.Fusion = 0.5 }, false},
		"embedding":   {func(o *Options) { o.TermSimilarity = 0.5 }, false},
		"embedFusion": {func(o *Options) { o.EmbedFusion = 0.5 }, false},
		"maxCosine":   {func(o *Options) { o.Kernel = 0 }, false},
	}
	for name, c := range opts {
		t.Run(name, func(t *testing.T) {
			o := smallOptions()
			c.set(&o)
			f := testFeatures(t, o)
			w := f.NewWindow(f.ids)
			m, err := f.Train([]string{"t1.00", "t1.01", "t0.03", "t2.05"})
			if err != nil {
				t.Fatal(err)
			}
			if m.KernelOnly() != c.only {
				t.Fatalf("KernelOnly %v, want %v", m.KernelOnly(), c.only)
			}
			kn := w.NewKernel(5, 60, 1<<20)
			if !c.only {
				if _, ok := m.KernelRows(kn); ok {
					t.Fatal("KernelRows took a model that is not the kernel alone")
				}
				return
			}
			sameAsWindow(t, m, w, kn, 5, 60)
		})
	}
}
