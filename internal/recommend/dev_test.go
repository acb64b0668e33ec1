package recommend

import (
	"bufio"
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestDevLoop measures variants of the model on the author-continuation
// cases in one process, from the scratch database's papers dumped by
// receval's TestDumpScratchPapers (RECOMMEND_DEV=FILE). A dev tool, not a
// test; 'paperboy eval recommend' gives the figures.
func TestDevLoop(t *testing.T) {
	path := os.Getenv("RECOMMEND_DEV")
	if path == "" {
		t.Skip("RECOMMEND_DEV not set")
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var papers []store.Paper
	if err := gob.NewDecoder(fh).Decode(&papers); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	type devCase struct{ Profile, Truth []string }
	var cases []devCase
	cf, err := os.Open("../../../shared/data/eval/rec-authors-dev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(cf)
	for sc.Scan() {
		var c devCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	start, end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	var cands []string
	for _, p := range papers {
		if !p.ListedOn.Before(start) && p.ListedOn.Before(end) {
			cands = append(cands, p.ID)
		}
	}
	t.Logf("%d papers, %d candidates, %d cases", len(papers), len(cands), len(cases))
	base := DefaultOptions()
	variants := devVariants(base)
	type featKey struct {
		MinDF, MaxTerms, NGrams, TitleWeight int
		MaxDF, IDFPower                      float64
		Metadata, Stem, DigitTokens          bool
	}
	feats := map[featKey]*Features{}
	for _, v := range variants {
		o := v.o
		key := featKey{o.MinDF, o.MaxTerms, o.NGrams, o.TitleWeight, o.MaxDF, o.IDFPower, o.Metadata, o.Stem, o.DigitTokens}
		f := feats[key]
		if f == nil {
			t0 := time.Now()
			cache := fmt.Sprintf("%s.%x.feat", path, fmt.Sprintf("%+v", key))
			if fh, err := os.Open(cache); err == nil {
				f = &Features{}
				var d devFeat
				if err := gob.NewDecoder(fh).Decode(&d); err != nil {
					t.Fatal(err)
				}
				fh.Close()
				f.ids, f.x, f.xm, f.mm, f.cat, f.opts = d.IDs, d.X, d.XM, d.MM, d.Cat, o
				f.index = map[string]int{}
				for i, id := range f.ids {
					f.index[id] = i
				}
			} else {
				f, err = NewFeatures(context.Background(), papers, VectorMap{}, o)
				if err != nil {
					t.Fatal(err)
				}
				fh, err := os.Create(cache)
				if err != nil {
					t.Fatal(err)
				}
				if err := gob.NewEncoder(fh).Encode(devFeat{f.ids, f.x, f.xm, f.mm, f.cat}); err != nil {
					t.Fatal(err)
				}
				fh.Close()
			}
			clear(feats) // one vocabulary in memory at a time
			feats[key] = f
			t.Logf("features %+v: %d terms, %s", key, f.x.Cols, time.Since(t0).Round(time.Second))
		}
		g := *f
		g.opts = o
		t0 := time.Now()
		var mu sync.Mutex
		var r, n, m float64
		next := make(chan int)
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					res, err := g.Rank(context.Background(), cases[i].Profile, cands, RankOptions{Limit: 20})
					if err != nil {
						t.Error(err)
						continue
					}
					ids := make([]string, len(res))
					for k, x := range res {
						ids[k] = x.ID
					}
					a, b, c := devScore(ids, cases[i].Truth)
					mu.Lock()
					r, n, m = r+a, n+b, m+c
					mu.Unlock()
				}
			}()
		}
		for i := range cases {
			next <- i
		}
		close(next)
		wg.Wait()
		k := float64(len(cases))
		fmt.Printf("DEV %-60s %.3f / %.3f / %.3f  (%s)\n", v.name, r/k, n/k, m/k, time.Since(t0).Round(time.Second))
	}
}

func devScore(ranked, truth []string) (recall, ndcg, mrr float64) {
	want := map[string]bool{}
	for _, id := range truth {
		want[id] = true
	}
	hits := 0
	for r, id := range ranked {
		if !want[id] {
			continue
		}
		if mrr == 0 {
			mrr = 1 / float64(r+1)
		}
		if r < 20 {
			hits++
			ndcg += 1 / math.Log2(float64(r+2))
		}
	}
	var idcg float64
	for r := range min(len(want), 20) {
		idcg += 1 / math.Log2(float64(r+2))
	}
	return float64(hits) / float64(len(want)), ndcg / idcg, mrr
}

type devFeat struct {
	IDs []string
	X   *Matrix
	XM  []float32
	MM  float64
	Cat []int32
}

type devVariant struct {
	name string
	o    Options
}

func devVariants(base Options) []devVariant {
	with := func(name string, change func(*Options)) devVariant {
		o := base
		change(&o)
		return devVariant{name, o}
	}
	return []devVariant{
		with("default", func(*Options) {}),
		with("centred cosine, b 1 / 0.5", func(o *Options) { o.Center = 1 }),
		with("centred cosine, b 0.5", func(o *Options) { o.Center = 0.5 }),
		with("centred cosine, b 1, kernel 0.07", func(o *Options) { o.Center, o.Kernel = 1, 0.07 }),
		with("feedback 5 w 0.5", func(o *Options) { o.Feedback, o.FeedbackWeight = 5, 0.5 }),
		with("feedback 10 w 0.3", func(o *Options) { o.Feedback, o.FeedbackWeight = 10, 0.3 }),
		with("feedback 3 w 1", func(o *Options) { o.Feedback, o.FeedbackWeight = 3, 1 }),
		with("feedback 3 w 0.1", func(o *Options) { o.Feedback, o.FeedbackWeight = 3, 0.1 }),
		with("density 0.5", func(o *Options) { o.Density = 0.5 }),
		with("density 1", func(o *Options) { o.Density = 1 }),
		with("category prior 0.5", func(o *Options) { o.CategoryPrior = 0.5 }),
		with("category prior 1", func(o *Options) { o.CategoryPrior = 1 }),
		with("interests 0.5 link 0.1", func(o *Options) { o.Interests, o.InterestLink = 0.5, 0.1 }),
		with("interests 0.5 link 0.2", func(o *Options) { o.Interests, o.InterestLink = 0.5, 0.2 }),
		with("interests 1 link 0.15", func(o *Options) { o.Interests, o.InterestLink = 1, 0.15 }),
		with("kernel 0.07", func(o *Options) { o.Kernel = 0.07 }),
		with("kernel 0.2", func(o *Options) { o.Kernel = 0.2 }),
		with("kernel 0.4", func(o *Options) { o.Kernel = 0.4 }),
		with("half-life 10", func(o *Options) { o.HalfLife = 10 }),
		with("half-life 20", func(o *Options) { o.HalfLife = 20 }),
		with("length -0.3", func(o *Options) { o.LengthPower = -0.3 }),
		with("length -0.15", func(o *Options) { o.LengthPower = -0.15 }),
		with("length +0.15", func(o *Options) { o.LengthPower = 0.15 }),
		with("length +0.3", func(o *Options) { o.LengthPower = 0.3 }),
		with("svm alone", func(o *Options) { o.Fusion = 0 }),
		with("svm fused 0.3 + neighbours 0.7", func(o *Options) { o.Fusion = 0.7 }),
		// A new vocabulary each.
		with("idf^0.8", func(o *Options) { o.IDFPower = 0.8 }),
		with("idf^1.5", func(o *Options) { o.IDFPower = 1.5 }),
		with("stem", func(o *Options) { o.Stem = true }),
		with("digit tokens", func(o *Options) { o.DigitTokens = true }),
		with("title x2", func(o *Options) { o.TitleWeight = 2 }),
		with("max_df 1", func(o *Options) { o.MaxDF = 1 }),
		with("1-4-grams", func(o *Options) { o.NGrams = 4 }),
	}
}
