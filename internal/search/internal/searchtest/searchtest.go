// Package searchtest holds the small corpus and builders that the search
// packages' tests share.
package searchtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/vector"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Corpus has two topics that share no words, so meaning is unambiguous:
// even papers are about speech, odd ones about vision (Topic).
func Corpus() []lexical.Document {
	speech := []string{"speech", "acoustic", "phoneme", "audio", "recognition", "spoken", "waveform", "vocoder"}
	vision := []string{"image", "pixel", "segmentation", "convolution", "camera", "detection", "visual", "object"}
	var docs []lexical.Document
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 80 {
		words := speech
		if i%2 == 1 {
			words = vision
		}
		var b strings.Builder
		for range 12 {
			b.WriteString(words[rng.IntN(len(words))] + " ")
		}
		docs = append(docs, lexical.Document{ID: fmt.Sprintf("2501.%05d", i), Title: words[i%len(words)] + " " + words[(i+1)%len(words)], Abstract: b.String()})
	}
	return docs
}

// Topic is the topic of a Corpus paper: 0 speech, 1 vision.
func Topic(id string) int {
	var n int
	fmt.Sscanf(id, "2501.%05d", &n)
	return n % 2
}

// Semantic trains a small model on Corpus and embeds it.
func Semantic(t *testing.T) *semantic.Index {
	t.Helper()
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.MinDF = 8, 1
	ix, err := semantic.Build(context.Background(), Corpus(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// Lexical indexes docs.
func Lexical(t *testing.T, docs []lexical.Document) *lexical.Index {
	t.Helper()
	b := lexical.NewBuilder()
	for _, d := range docs {
		if err := b.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	return b.Finish()
}

// VectorsOf indexes docs' embeddings under ix's model.
func VectorsOf(t *testing.T, ix *semantic.Index, docs []lexical.Document) *vector.Index {
	t.Helper()
	v := vector.New(ix.Model.Dim(), vector.Options{})
	for _, d := range docs {
		if err := v.Add(d.ID, ix.Model.EmbedDocument(d)); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

// StorePapers turns docs into papers to store.
func StorePapers(docs []lexical.Document) []store.Paper {
	day := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	papers := make([]store.Paper, len(docs))
	for i, d := range docs {
		papers[i] = store.Paper{ID: d.ID, Version: 1, Title: d.Title, Abstract: d.Abstract, Authors: []string{"A. Author"},
			Categories: []string{"cs.CL"}, FirstVersionAt: day, ListedOn: day, Versions: []store.Version{{Version: 1, Created: day}}}
	}
	return papers
}
