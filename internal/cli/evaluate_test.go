package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/searcheval"
)

// twoTopics has speech papers (even numbers) and vision papers (odd) that
// share no words, so a paper's topic is never in doubt. Each paper has
// two of its topic's words in the title and leaves a third out.
func twoTopics() []search.Document {
	topics := [2][]string{
		strings.Fields("speech acoustic phoneme audio recognition spoken waveform vocoder"),
		strings.Fields("image pixel segmentation convolution camera detection visual object"),
	}
	docs := make([]search.Document, 80)
	for i := range docs {
		words, k := topics[i%2], i/2
		var abstract []string
		for j := k + 3; j < k+len(words); j++ {
			abstract = append(abstract, words[j%len(words)])
		}
		docs[i] = search.Document{ID: fmt.Sprintf("2501.%05d", i), Title: words[k%len(words)] + " " + words[(k+1)%len(words)],
			Abstract: strings.Join(abstract, " ")}
	}
	return docs
}

func TestEvalRanksThroughTheSearcher(t *testing.T) {
	ctx := context.Background()
	docs := twoTopics()
	model, err := embed.Train(ctx, docs, embed.TrainOptions{Dim: 8, MinDF: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	search1 := func(mode search.Mode, query string) []string {
		t.Helper()
		s, err := buildSemantic(model, mode)(ctx, docs)
		if err != nil {
			t.Fatal(err)
		}
		// As many as there are papers of a topic.
		ids, err := s.Search(ctx, query, len(docs)/2)
		if err != nil {
			t.Fatalf("%s %q: %v", mode, query, err)
		}
		return ids
	}
	lexIndex, err := searcheval.BuildIndex(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	lexicalIDs := func(query string) []string {
		ids, err := lexIndex.Search(ctx, query, len(docs)/2)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	isSpeech := func(id string) bool {
		var n int
		fmt.Sscanf(id, "2501.%05d", &n)
		return n%2 == 0
	}

	// Hybrid ranks the speech papers first, in another order than the
	// words alone: the vectors took part.
	words := lexicalIDs("phoneme")
	hybrid := search1(search.Hybrid, "phoneme")
	if slices.Equal(hybrid[:len(words)], words) {
		t.Errorf("hybrid ranks as lexical: %v", words)
	}
	for _, id := range hybrid[:10] {
		if !isSpeech(id) {
			t.Errorf("hybrid search for phoneme ranks the vision paper %s among the first ten: %v", id, hybrid)
		}
	}

	// Whole abstracts are longer than an interactive query may be.
	long := strings.Repeat("acoustic waveform vocoder ", 20)
	if _, err := lexical.Parse(long); !errors.Is(err, search.ErrQueryTooLong) {
		t.Fatalf("a %d-byte query parsed: %v", len(long), err)
	}
	if ids := search1(search.Hybrid, long); len(ids) == 0 || !isSpeech(ids[0]) {
		t.Errorf("long hybrid query: %v", ids)
	}

	// Evaluation queries are prose, read as words as the FTS5 baseline
	// reads them: quotes and a dash are not a phrase and an exclusion, in
	// any mode.
	quoted, plain := `audio "spoken waveform" -vocoder`, "audio spoken waveform vocoder"
	for _, mode := range []search.Mode{search.Hybrid, search.Semantic} {
		if got, want := search1(mode, quoted), search1(mode, plain); !slices.Equal(got, want) {
			t.Errorf("%s: %q ranks %v, %q ranks %v", mode, quoted, got, plain, want)
		}
	}
	if got, want := lexicalIDs(quoted), lexicalIDs(plain); !slices.Equal(got, want) {
		t.Errorf("lexical: %q ranks %v, %q ranks %v", quoted, got, plain, want)
	}
}
