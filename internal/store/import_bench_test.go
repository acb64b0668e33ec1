package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// BenchmarkImport10k imports 10,000 papers of six authors each in batches
// of 1,000, as the importer does: the cost the author index adds to an
// import shows against the same run without it (an older build).
func BenchmarkImport10k(b *testing.B) {
	names := []string{"Ada Lovelace", "Lovelace, A.", "Paul Erdős", "Jean-Pierre Serre", "Johannes van der Waals", "张伟", "Grace Hopper", "Alan Turing"}
	papers := make([]store.Paper, 10_000)
	for i := range papers {
		p := arxivPaper(fmt.Sprintf("2506.%05d", i), 1)
		p.Authors = nil
		for j := range 6 {
			p.Authors = append(p.Authors, fmt.Sprintf("%s %d", names[(i+j)%len(names)], (i*7+j)%500))
		}
		papers[i] = p
	}
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := storetest.Open(b, d, store.Options{Now: clock})
				b.StartTimer()
				for start := 0; start < len(papers); start += 1000 {
					if _, err := s.UpsertPapers(context.Background(), papers[start:start+1000]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
