package semantic

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// corpus has two topics that share no words, so meaning is unambiguous.
func corpus() []lexical.Document {
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

func build(t *testing.T) *Index {
	t.Helper()
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.MinDF = 8, 1
	ix, err := Build(context.Background(), corpus(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func topic(id string) int {
	var n int
	fmt.Sscanf(id, "2501.%05d", &n)
	return n % 2
}

func TestSearchSimilarAndPersistence(t *testing.T) {
	ix := build(t)
	ids, err := ix.Search(context.Background(), "phoneme waveform", 10)
	if err != nil || len(ids) != 10 {
		t.Fatalf("search: %v %v", ids, err)
	}
	for _, id := range ids {
		if topic(id) != 0 {
			t.Errorf("a vision paper %s among speech results %v", id, ids)
		}
	}
	sim, err := ix.Similar("2501.00001", 5)
	if err != nil || len(sim) != 5 {
		t.Fatalf("similar: %v %v", sim, err)
	}
	for _, id := range sim {
		if id == "2501.00001" || topic(id) != 1 {
			t.Errorf("similar to a vision paper: %v", sim)
		}
	}
	if _, err := ix.Similar("2501.99999", 5); !errors.Is(err, ErrUnknownPaper) {
		t.Errorf("unknown paper: %v", err)
	}
	docs := corpus()
	if r := ix.Reason(docs[0], docs[2]); !strings.HasPrefix(r, "shares ") {
		t.Errorf("reason %q", r)
	}

	dir := t.TempDir()
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids2, _ := again.Search(context.Background(), "phoneme waveform", 10)
	if strings.Join(ids, " ") != strings.Join(ids2, " ") {
		t.Errorf("reopened index ranks differently:\n%v\n%v", ids, ids2)
	}
}

func TestReasonShowsWordsAsWritten(t *testing.T) {
	ix := build(t)
	a := lexical.Document{ID: "a", Title: "Acoustic boundaries", Abstract: "phoneme boundaries in spoken audio recognition"}
	b := lexical.Document{ID: "b", Title: "Phoneme boundaries", Abstract: "acoustic boundaries of spoken recognition"}
	reason := ix.Reason(a, b)
	if !strings.HasPrefix(reason, "shares ") {
		t.Fatalf("reason %q", reason)
	}
	for _, w := range strings.Split(strings.TrimPrefix(reason, "shares "), ", ") {
		if !strings.Contains(strings.ToLower(a.Title+" "+a.Abstract), w) {
			t.Errorf("reason %q shows %q, which paper a does not write", reason, w)
		}
	}
}

// mapPapers serves papers from memory.
type mapPapers map[string]store.Paper

func (m mapPapers) PapersByID(_ context.Context, ids []string) ([]store.Paper, error) {
	var out []store.Paper
	for _, id := range ids {
		if p, ok := m[id]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

func TestSimilarPapersWeighSharedAuthorsAndSkipHidden(t *testing.T) {
	ix := build(t)
	papers := mapPapers{}
	for _, d := range corpus() {
		papers[d.ID] = store.Paper{ID: d.ID, Title: d.Title, Abstract: d.Abstract, Authors: []string{"Author " + d.ID}, Categories: []string{"cs.SD"}}
	}
	target := papers["2501.00000"] // a speech paper
	rank := func(list []SimilarPaper, id string) int {
		for i, sp := range list {
			if sp.Paper.ID == id {
				return i
			}
		}
		return -1
	}
	plain, err := ix.SimilarPapers(context.Background(), papers, target, 10)
	if err != nil || len(plain) != 10 {
		t.Fatalf("similar: %v %v", plain, err)
	}
	// The eighth becomes a co-authored paper and moves up; the first is
	// hidden and drops out.
	eighth := papers[plain[7].Paper.ID]
	eighth.Authors = append(eighth.Authors, target.Authors[0])
	papers[eighth.ID] = eighth
	first := papers[plain[0].Paper.ID]
	first.Community.Hidden = true
	papers[first.ID] = first
	got, err := ix.SimilarPapers(context.Background(), papers, target, 10)
	if err != nil {
		t.Fatal(err)
	}
	if rank(got, first.ID) >= 0 {
		t.Errorf("hidden paper %s is listed", first.ID)
	}
	// Without the co-author it would be seventh (the first is gone).
	if r := rank(got, eighth.ID); r < 0 || r >= 6 {
		t.Errorf("co-authored paper at %d, want above its place by meaning (6)", r)
	} else if !strings.HasPrefix(got[r].Reason, "also by "+target.Authors[0]) {
		t.Errorf("co-authored paper's reason %q", got[r].Reason)
	}
	for _, sp := range got {
		if topic(sp.Paper.ID) != 0 {
			t.Errorf("similar to a speech paper: %s", sp.Paper.ID)
		}
	}
}

// TestSearchWithScoresTheCandidatesWhenTheBudgetCuts: when the vector
// budget cuts a query short, hybrid search's candidates are scored exactly
// and merged in; with all papers as candidates that is exact search.
func TestSearchWithScoresTheCandidatesWhenTheBudgetCuts(t *testing.T) {
	ix := build(t)
	ctx := context.Background()
	var all []string
	for _, d := range corpus() {
		all = append(all, d.ID)
	}
	q, err := ix.embedQuery(ctx, "phoneme waveform")
	if err != nil {
		t.Fatal(err)
	}
	exact, _ := ix.Vectors.SearchExact(q, len(all))
	ix.Vectors.SetBudget(1, 1)
	got, err := ix.SearchWith(ctx, "phoneme waveform", len(all), all)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(exact) {
		t.Fatalf("%d hits, want %d", len(got), len(exact))
	}
	for i := range got {
		if got[i].ID != exact[i].ID {
			t.Fatalf("hit %d: %s, want %s", i, got[i].ID, exact[i].ID)
		}
	}
	// Without candidates it is the bounded search alone.
	if few, _ := ix.SearchWith(ctx, "phoneme waveform", len(all), nil); len(few) >= len(all) && ix.Vectors.Lists() > 1 {
		t.Errorf("the bounded search found all %d papers", len(few))
	}
}
