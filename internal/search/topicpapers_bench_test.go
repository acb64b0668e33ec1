package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
)

// A synthetic corpus of many papers for the topic page benchmarks: ids
// of 30 months of 100,000 papers, dates over two years, a vote on one
// paper in five, and random vectors (so the fine topics are about
// equal, 1.5·√papers of them). PAPERBOY_BENCH_PAPERS sets its size
// (default 1,000,000).
var (
	bigOnce     sync.Once
	bigSearcher *Searcher
	bigMap      *topicmap.Map
)

func benchPapers() int {
	if n, err := strconv.Atoi(os.Getenv("PAPERBOY_BENCH_PAPERS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func bigID(i int) string {
	return fmt.Sprintf("%02d%02d.%05d", 24+i/100_000/12, 1+i/100_000%12, i%100_000)
}

// synthVectors are random unit vectors, the same on every pass.
type synthVectors struct{ n, dim int }

func (v synthVectors) Len() int { return v.n }
func (v synthVectors) Dim() int { return v.dim }
func (v synthVectors) Each(fn func(id string, x []float32) bool) {
	x := make([]float32, v.dim)
	for i := range v.n {
		rng := rand.New(rand.NewPCG(uint64(i), 9))
		for j := range x {
			x[j] = float32(rng.NormFloat64())
		}
		embed.Normalize(x)
		if !fn(bigID(i), x) {
			return
		}
	}
}

func bigCorpus(b *testing.B) (*Searcher, *topicmap.Map) {
	bigOnce.Do(func() {
		n := benchPapers()
		start := time.Now()
		bl := lexical.NewBuilder()
		rng := rand.New(rand.NewPCG(1, 2))
		day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			up := 0
			if rng.IntN(5) == 0 {
				up = rng.IntN(50)
			}
			if err := bl.Add(lexical.Document{ID: bigID(i), Title: "paper", Date: day.AddDate(0, 0, rng.IntN(730)), Upvotes: up}); err != nil {
				b.Fatal(err)
			}
		}
		lex := bl.Finish()
		tm, err := topicmap.Build(context.Background(), synthVectors{n, 16}, func(func(id, title, abstract string) error) error { return nil }, topicmap.BuildOptions{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		ix := &semantic.Index{}
		ix.SetTopics(tm)
		bigSearcher, bigMap = &Searcher{Lexical: lex, Index: func() *semantic.Index { return ix }}, tm
		b.Logf("%d papers, %d fine topics in %d areas, made in %s", n, len(tm.Topics()), len(tm.Areas()), time.Since(start).Round(time.Second))
	})
	if bigSearcher == nil {
		b.Fatal("no corpus")
	}
	return bigSearcher, bigMap
}

// BenchmarkTopicPapers is a topic page's papers (its 20 newest and 20
// most upvoted of two months): read from the topic's own papers, for a
// fine topic and a broad area, and by the walk with the topic as a
// filter that it replaced. At 3M papers (2,598 topics of about 1,150
// papers, 64 areas of about 47,000), load 22 on 2 cores: a topic 22.9 ms,
// an area 120 ms (873 ms before the lookups galloped through sorted
// ids), the walk 436 ms for either.
//
//	PAPERBOY_BENCH_PAPERS=3000000 go test ./internal/search -run '^$' -bench TopicPapers -benchtime 10x
func BenchmarkTopicPapers(b *testing.B) {
	s, tm := bigCorpus(b)
	since := func(last time.Time) time.Time { return last.AddDate(0, -2, 0) }
	fine := tm.Topics()[len(tm.Topics())/2].Slug
	area := tm.Areas()[len(tm.Areas())/2].Slug
	walk := &Searcher{Lexical: walkOnly{s.Lexical.(*lexical.Index)}, Index: s.Index}
	for _, c := range []struct {
		name, slug string
		s          *Searcher
	}{{"topic", fine, s}, {"area", area, s}, {"topic-walk", fine, walk}, {"area-walk", area, walk}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if newest, _, err := c.s.TopicPapers(context.Background(), c.slug, 20, since); err != nil || len(newest) != 20 {
					b.Fatalf("%d papers, %v", len(newest), err)
				}
			}
		})
	}
}
