package synth

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// corpus is a small sample of papers to learn from.
func corpus() []lexical.Document {
	return []lexical.Document{
		{ID: "2501.00001", Title: "Graph neural networks for molecules", Abstract: "We study message passing on molecular graphs.", Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.LG"}, Date: day("2025-01-10"), Upvotes: 3},
		{ID: "2501.00002", Title: "A survey of protein folding", Abstract: "Graph neural networks appear briefly in the related work on proteins.", Authors: []string{"Alan Turing"}, Categories: []string{"q-bio.BM", "cs.LG"}, Date: day("2025-01-11"), Upvotes: 1},
		{ID: "2502.00003", Title: "Large language models as agents", Abstract: "Agents built on large language models use tools.", Authors: []string{"Grace Hopper", "José Núñez"}, Categories: []string{"cs.CL", "cs.AI"}, Date: day("2025-02-01"), Upvotes: 50},
		{ID: "2503.00004", Title: "Language models and vision", Abstract: "Vision encoders paired with language models; large scale pre-training.", Authors: []string{"Grace Hopper"}, Categories: []string{"cs.CV"}, Date: day("2025-03-01"), Upvotes: 10},
		{ID: "2506.00005", Title: "Reinforcement learning from human feedback", Abstract: "We align language models with reinforcement learning.", Authors: []string{"Richard Sutton"}, Categories: []string{"cs.LG", "cs.CL"}, Date: day("2025-06-15"), Upvotes: 7},
		{ID: "2507.00006", Title: "Learning to rank with LoRA", Abstract: "Low-rank adaptation (LoRA) of GPT-4o and Qwen2.5 for ranking.", Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.IR"}, Date: day("2025-07-01"), Upvotes: 2},
		{ID: "2601.00007", Title: "Pretraining objectives revisited", Abstract: "Masked pretraining versus causal objectives for transformers.", Authors: []string{"Alan Turing"}, Categories: []string{"cs.CL"}, Date: day("2026-01-05"), Upvotes: 0},
		{ID: "2601.00008", Title: "Sparse $\\ell_1$ regression", Abstract: "We revisit \\emph{lasso} with Poincar\\'e inequalities.", Authors: []string{"Paul Erd\\H{o}s"}, Categories: []string{"math.ST", "stat.ML"}, Date: day("2026-01-20"), Upvotes: 4},
		{ID: "hep-th/9901001", Title: "Strings on branes", Abstract: "An old paper on string theory.", Authors: []string{"Ed Witten"}, Categories: []string{"hep-th"}, Date: day("1999-01-04")},
	}
}

func TestGenerateIsDeterministicAndRealistic(t *testing.T) {
	sample := corpus()
	gen := func() []lexical.Document {
		var out []lexical.Document
		if err := Generate(Options{Seed: 7}, sample, 200, func(d lexical.Document) error { out = append(out, d); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := gen(), gen()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("Generate not deterministic:\n%s", diff)
	}
	seen := map[string]bool{}
	for _, d := range a {
		if seen[d.ID] {
			t.Fatalf("duplicate id %s", d.ID)
		}
		seen[d.ID] = true
		if d.Title == "" || d.Abstract == "" || len(d.Categories) == 0 || d.Date.IsZero() {
			t.Fatalf("incomplete document %+v", d)
		}
	}
	// Generated documents are searchable with the sample's vocabulary.
	ix := lexical.New()
	if err := ix.Add(a...); err != nil {
		t.Fatal(err)
	}
	if res, _ := ix.Search(context.Background(), lexical.Request{Query: "language models"}); res.Total == 0 {
		t.Error("no synthetic document matches common sample words")
	}
}

func TestGenerateTopicalKeepsItsSourcesTopic(t *testing.T) {
	// Two sample papers with no word in common: a document written with
	// the topical share draws most of its words from one of them, one
	// written without mixes them by their frequencies.
	words := func(prefix string) string {
		var w []string
		for i := range 40 {
			w = append(w, fmt.Sprintf("%s%02d", prefix, i))
		}
		return strings.Join(w, " ")
	}
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	sample := []lexical.Document{
		{ID: "a", Title: words("alpha")[:40], Abstract: words("alpha"), Categories: []string{"cs.CL"}, Date: day},
		{ID: "b", Title: words("beta")[:40], Abstract: words("beta"), Categories: []string{"cs.CV"}, Date: day},
	}
	majority := func(topical float64) float64 {
		var sum float64
		n := 0
		err := Generate(Options{Seed: 3, Topical: topical}, sample, 300, func(d lexical.Document) error {
			alpha := strings.Count(d.Abstract, "alpha")
			all := len(strings.Fields(d.Abstract))
			sum += float64(max(alpha, all-alpha)) / float64(all)
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return sum / float64(n)
	}
	if got := majority(0); got > 0.7 {
		t.Errorf("topical 0: %.2f of a document's words from one source, want about half", got)
	}
	if got := majority(0.8); got < 0.85 {
		t.Errorf("topical 0.8: %.2f of a document's words from one source, want at least 0.85", got)
	}
	if err := Generate(Options{Topical: 1.5}, sample, 1, func(lexical.Document) error { return nil }); err == nil {
		t.Error("topical share 1.5 accepted")
	}
}

func TestSentencesRecombinesRealSentences(t *testing.T) {
	sample := corpus()
	sample[0].Abstract = "We study message passing. It works on molecules, e.g. benzene. Results are good!"
	real := map[string]bool{}
	for _, d := range sample {
		for _, s := range splitSentences(d.Abstract) {
			real[s] = true
		}
	}
	if got := splitSentences(sample[0].Abstract); len(got) != 3 || got[1] != "It works on molecules, e.g. benzene." {
		t.Fatalf("splitSentences = %q", got)
	}
	gen := func() []lexical.Document {
		var out []lexical.Document
		if err := Sentences(3, 0.5, sample, 300, func(d lexical.Document) error { out = append(out, d); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := gen(), gen()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("Sentences not deterministic:\n%s", diff)
	}
	mixed := 0
	for _, d := range a {
		if d.Title == "" || d.Abstract == "" || len(d.Categories) == 0 || d.Date.IsZero() {
			t.Fatalf("incomplete document %+v", d)
		}
		ss := splitSentences(d.Abstract)
		for _, s := range ss {
			if !real[s] {
				t.Fatalf("sentence %q is not a real one", s)
			}
		}
		if len(ss) > 1 {
			mixed++
		}
	}
	if mixed == 0 {
		t.Fatal("no document recombines several sentences")
	}
}
