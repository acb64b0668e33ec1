package recommend

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// topicCorpus makes papers on three topics, each with its own words and
// its own direction in a 3-dimensional embedding, n papers a topic:
// ids "t<topic>.<k>".
func topicCorpus(n int) ([]store.Paper, VectorMap) {
	words := [][]string{
		{"reinforcement", "policy", "reward", "agent", "exploration", "bandit"},
		{"protein", "folding", "molecule", "docking", "ligand", "enzyme"},
		{"speech", "acoustic", "phoneme", "vocoder", "prosody", "utterance"},
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var papers []store.Paper
	vecs := VectorMap{}
	for t, ws := range words {
		for k := range n {
			text := ""
			for range 12 {
				text += ws[rng.IntN(len(ws))] + " "
			}
			id := fmt.Sprintf("t%d.%02d", t, k)
			papers = append(papers, store.Paper{ID: id, Title: ws[k%len(ws)] + " study " + id, Abstract: text,
				Authors: []string{"Anon" + id}, ListedOn: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
			v := []float32{0, 0, 0}
			v[t] = 1
			vecs[id] = v
		}
	}
	return papers, vecs
}

func testFeatures(t *testing.T, opts Options) *Features {
	t.Helper()
	papers, vecs := topicCorpus(20)
	f, err := NewFeatures(context.Background(), papers, vecs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func smallOptions() Options {
	o := DefaultOptions()
	o.Negatives = 0
	return o
}

func TestRankPutsTheProfilesTopicFirst(t *testing.T) {
	for name, fusion := range map[string]float64{"classifier": 0, "fusion": 0.5, "neighbours": 1} {
		t.Run(name, func(t *testing.T) {
			opts := smallOptions()
			opts.Fusion = fusion
			f := testFeatures(t, opts)
			profile := []string{"t1.00", "t1.01", "t1.02", "t1.03"}
			var candidates []string
			for topic := range 3 {
				for k := 10; k < 20; k++ {
					candidates = append(candidates, fmt.Sprintf("t%d.%02d", topic, k))
				}
			}
			res, err := f.Rank(context.Background(), profile, candidates, RankOptions{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.ID[:2] != "t1" {
					t.Errorf("%s ranked among the first 10 for a protein profile", r.ID)
				}
			}
		})
	}
}

func TestRankIsDeterministic(t *testing.T) {
	opts := DefaultOptions()
	opts.Negatives = 25
	f := testFeatures(t, opts)
	profile := []string{"t0.00", "t0.05", "t2.03"}
	var candidates []string
	for _, p := range f.ids {
		candidates = append(candidates, p)
	}
	first, err := f.Rank(context.Background(), profile, candidates, RankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, _ := f.Rank(context.Background(), profile, candidates, RankOptions{})
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("second ranking differs (-first +again):\n%s", diff)
		}
	}
}

func TestReasonsNameTheNearestProfilePapers(t *testing.T) {
	f := testFeatures(t, smallOptions())
	profile := []string{"t0.00", "t2.00", "t2.01"}
	res, err := f.Rank(context.Background(), profile, []string{"t0.15", "t2.15"}, RankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if len(r.Reason.Like) == 0 || len(r.Reason.Like) > 2 {
			t.Fatalf("%s: reason %v, want 1 or 2 papers", r.ID, r.Reason.Like)
		}
		for _, like := range r.Reason.Like[:1] {
			if like[:2] != r.ID[:2] {
				t.Errorf("%s is said to be like %s, of another topic", r.ID, like)
			}
		}
	}
}

func TestTrainRefusesAnUnknownProfile(t *testing.T) {
	f := testFeatures(t, smallOptions())
	if _, err := f.Train([]string{"9999.99999"}); err != ErrEmptyProfile {
		t.Errorf("Train(unknown) = %v, want ErrEmptyProfile", err)
	}
}

func TestRankWithoutEmbeddings(t *testing.T) {
	papers, _ := topicCorpus(20)
	f, err := NewFeatures(context.Background(), papers, VectorMap{}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Rank(context.Background(), []string{"t2.00", "t2.01"}, []string{"t0.10", "t2.10"}, RankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].ID != "t2.10" || len(res[0].Reason.Like) == 0 {
		t.Errorf("Rank = %+v, want t2.10 first with a reason", res)
	}
}

func TestTheEmbeddingLiftsTheCandidateWhoseEmbeddingIsNear(t *testing.T) {
	// Neither candidate shares a word with the library; only the
	// embedding tells them apart: c2 points where the library does.
	papers := []store.Paper{
		{ID: "p1", Title: "alpha beta", Abstract: "alpha beta"},
		{ID: "p2", Title: "alpha", Abstract: "beta"},
		{ID: "c1", Title: "gamma delta", Abstract: "gamma"},
		{ID: "c2", Title: "gamma", Abstract: "delta"},
	}
	vecs := VectorMap{"p1": {1, 0}, "p2": {1, 0}, "c1": {0, 1}, "c2": {1, 0}}
	for name, tc := range map[string]struct {
		set   func(*Options)
		first string
	}{
		"default, tf-idf alone": {func(*Options) {}, "c1"},
		"standardised sum":      {func(o *Options) { o.EmbedZ = 0.25 }, "c2"},
		"rank fusion":           {func(o *Options) { o.EmbedFusion = 0.6 }, "c2"},
	} {
		opts := DefaultOptions()
		tc.set(&opts)
		f, err := NewFeatures(context.Background(), papers, vecs, opts)
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.Rank(context.Background(), []string{"p1", "p2"}, []string{"c1", "c2"}, RankOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].ID != tc.first {
			t.Errorf("%s: %s first, want %s", name, res[0].ID, tc.first)
		}
	}
}
