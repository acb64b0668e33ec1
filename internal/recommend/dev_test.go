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

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestDevLoop measures variants of the model (devVariants) on the
// author-continuation dev cases in one process, from the content-only
// scratch database's papers dumped by receval's TestDumpScratchPapers:
//
//	RECEVAL_DUMP=/tmp/content.gob go test ./internal/receval -run TestDumpScratchPapers
//	RECOMMEND_DEV=/tmp/content.gob go test ./internal/recommend -run TestDevLoop -v -timeout 1h
//
// Each vocabulary's features are cached beside the dump, so a variant of
// the scoring costs about 10 s instead of a 35-minute 'paperboy eval
// recommend', whose figures remain the reference (this loop's match them:
// the default gives 0.274 / 0.201 / 0.223 in both). RECOMMEND_EMBED=FILE
// adds the embeddings (devEmbeddings); a dump made with RECEVAL_AUTHORS=1
// measures the with-authors setting. A dev tool, not a test.
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
	emb, dim := devEmbeddings(t, papers)
	base := DefaultOptions()
	variants := devVariants(base)
	type featKey struct {
		MinDF, MaxTerms, NGrams int
		MaxDF                   float64
		Metadata                bool
	}
	feats := map[featKey]*Features{}
	for _, v := range variants {
		o := v.o
		key := featKey{o.MinDF, o.MaxTerms, o.NGrams, o.MaxDF, o.Metadata}
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
				f.ids, f.x, f.opts = d.IDs, d.X, o
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
				if err := gob.NewEncoder(fh).Encode(devFeat{f.ids, f.x}); err != nil {
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
		g.emb, g.dim = emb, dim
		t0 := time.Now()
		var mu sync.Mutex
		var r, n, m float64
		var half [2]float64 // Recall@20 over the odd and the even cases
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
					half[i%2] += a
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
		fmt.Printf("DEV %-60s %.3f / %.3f / %.3f  (halves' R@20 %.3f, %.3f; %s)\n", v.name, r/k, n/k, m/k,
			half[0]/float64((len(cases)+1)/2), half[1]/float64(len(cases)/2), time.Since(t0).Round(time.Second))
	}
}

// devEmbeddings gives every paper's embedding, row by row, from the
// embedding model at RECOMMEND_EMBED, trained there first when the file
// does not exist, on the same papers and with the same options as 'paperboy
// eval recommend' trains it ('embed train”s: every paper not hidden, in
// id order, 256 dimensions, seed 1), so the model file written by 'eval
// recommend --model-cache' serves as well. Without RECOMMEND_EMBED there
// are none.
func devEmbeddings(t *testing.T, papers []store.Paper) ([]float32, int) {
	path := os.Getenv("RECOMMEND_EMBED")
	if path == "" {
		return nil, 0
	}
	t0 := time.Now()
	model, err := embed.OpenFile(path)
	if err != nil {
		var sample []lexical.Document
		for i := range papers {
			if !papers[i].Community.Hidden {
				sample = append(sample, paperdoc.Of(&papers[i]))
			}
		}
		opts := embed.DefaultTrainOptions()
		opts.Dim, opts.Seed = 256, 1
		if model, err = embed.Train(context.Background(), sample, opts); err != nil {
			t.Fatal(err)
		}
		if err := model.SaveFile(path); err != nil {
			t.Fatal(err)
		}
		t.Logf("embedding model trained: %s", time.Since(t0).Round(time.Second))
	}
	docs := make([]lexical.Document, len(papers))
	for i := range papers {
		docs[i] = paperdoc.Of(&papers[i])
	}
	vecs, err := model.EmbedDocuments(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	dim := model.Dim()
	out := make([]float32, len(papers)*dim)
	for i, v := range vecs {
		copy(out[i*dim:], v)
	}
	t.Logf("embeddings: %d papers, %s", len(papers), time.Since(t0).Round(time.Second))
	return out, dim
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

// devFeat is a vocabulary's features cached on disk beside the papers:
// building them takes minutes, loading them seconds.
type devFeat struct {
	IDs []string
	X   *Matrix
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
		with("EmbedZ 0.1", func(o *Options) { o.EmbedZ = 0.1 }),
		with("EmbedZ 0.25", func(o *Options) { o.EmbedZ = 0.25 }),
		with("EmbedFusion 0.2 (reciprocal rank)", func(o *Options) { o.EmbedFusion = 0.2 }),
	}
}
