package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// kpPapers are n papers in the three senses of topicSenses.
func kpPapers(n int) []store.Paper {
	var ps []store.Paper
	for i := range n {
		w := topicSenses[i%3]
		ps = append(ps, store.Paper{
			ID:        fmt.Sprintf("2506.%05d", i),
			Title:     "Alignment of " + w[i%6] + " " + w[(i+1)%6] + " models",
			Abstract:  fmt.Sprintf("We study %s %s and %s %s for alignment, with %s %s at scale %d.", w[0], w[1], w[(i+2)%6], w[(i+3)%6], w[4], w[5], i),
			UpdatedAt: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC),
		})
	}
	return ps
}

// kpServer is a server whose searcher has a model trained on papers.
func kpServer(tb testing.TB, papers []store.Paper) (*Server, *semantic.Index) {
	tb.Helper()
	var docs []search.Document
	for _, p := range papers {
		docs = append(docs, search.Document{ID: p.ID, Title: p.Title, Abstract: p.Abstract})
	}
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.MinDF = 8, 1
	sem, err := semantic.Build(context.Background(), docs, opts)
	if err != nil {
		tb.Fatal(err)
	}
	lex := lexical.NewBuilder()
	for _, d := range docs {
		if err := lex.Add(d); err != nil {
			tb.Fatal(err)
		}
	}
	// The server keeps a searcher only with a lexical index.
	s := NewServer(Options{Search: &search.Searcher{Lexical: lex.Finish(), Index: func() *semantic.Index { return sem }}})
	return s, sem
}

// uncachedKeyphrases is what keyphrases computes on a miss.
func uncachedKeyphrases(sem *semantic.Index, p *store.Paper) []string {
	vec, _ := sem.Vectors.Vector(p.ID)
	return topicmap.Keyphrases(sem.Model, p.Title, p.Abstract, vec, 8)
}

func TestKeyphraseCacheGivesWhatComputingGives(t *testing.T) {
	papers := kpPapers(60)
	s, sem := kpServer(t, papers)
	for round := range 2 { // the first computes, the second reads the cache
		for i := range papers {
			p := &papers[i]
			got, want := s.keyphrases(p), uncachedKeyphrases(sem, p)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Fatalf("round %d, %s: keyphrases %q, computed %q", round, p.ID, got, want)
			}
		}
	}
	if n := s.kpCache.len(); n != len(papers) {
		t.Errorf("cache holds %d entries, want %d", n, len(papers))
	}

	// An edited paper gets its new text's phrases, even at the same
	// update time.
	p := papers[0]
	before := s.keyphrases(&p)
	p.Title = "Forced phoneme waveform transducers"
	p.Abstract = "Forced phoneme waveform transducers align spoken waveform transducers."
	after := s.keyphrases(&p)
	if slices.Equal(before, after) || !slices.Equal(after, uncachedKeyphrases(sem, &p)) {
		t.Errorf("edited paper: keyphrases %q, before %q, computed %q", after, before, uncachedKeyphrases(sem, &p))
	}
	if !strings.Contains(strings.Join(after, " "), "transducer") {
		t.Errorf("edited paper's keyphrases %q do not say its new title", after)
	}

	// A new model starts afresh: nothing computed with the old one is
	// served.
	s2, sem2 := kpServer(t, kpPapers(30))
	s2.kpCache.gen.Store(s.kpCache.gen.Load()) // the old model's entries
	for i := range 30 {
		q := &papers[i]
		if got, want := s2.keyphrases(q), uncachedKeyphrases(sem2, q); !slices.Equal(got, want) {
			t.Fatalf("new model, %s: keyphrases %q, computed %q", q.ID, got, want)
		}
	}
	if n := s2.kpCache.len(); n != 30 {
		t.Errorf("after a new model the cache holds %d entries, want the 30 computed with it", n)
	}
}

// The cache holds at most kpCacheSize entries however many papers pass,
// and keeps the ones read again over the ones read once.
func TestKeyphraseCacheIsBounded(t *testing.T) {
	var c kpCache
	model := new(int)
	computed := 0
	get := func(id string) []string {
		return c.get(model, id, "t", "a", time.Time{}, func() []string { computed++; return []string{id} })
	}
	for i := range 3 * kpCacheSize {
		id := fmt.Sprint(i)
		if got := get(id); got[0] != id {
			t.Fatalf("paper %s: got %q", id, got)
		}
		get("hot") // read between every two others
	}
	if n := c.len(); n > kpCacheSize {
		t.Errorf("cache holds %d entries, more than %d", n, kpCacheSize)
	}
	if computed != 3*kpCacheSize+1 {
		t.Errorf("computed %d times, want %d: the paper read all along was evicted", computed, 3*kpCacheSize+1)
	}
}

// BenchmarkKeyphrasesPage is the keyphrases of a page of 20 hits, as a
// search response makes them: computed each time, and from a warm cache
// by 32 requests at once
// (go test ./internal/web -run '^$' -bench KeyphrasesPage).
func BenchmarkKeyphrasesPage(b *testing.B) {
	papers := kpPapers(600)
	s, sem := kpServer(b, papers)
	page := papers[:20]
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			for i := range page {
				uncachedKeyphrases(sem, &page[i])
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		for i := range page {
			s.keyphrases(&page[i])
		}
		b.SetParallelism(16)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				for i := range page {
					s.keyphrases(&page[i])
				}
			}
		})
	})
}
