package receval

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/recommend"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScoreMeasuresRecallNDCGAndMRR(t *testing.T) {
	ranked := []string{"a", "b", "c", "d"}
	for _, tc := range []struct {
		name  string
		truth []string
		want  Metrics
	}{
		{"first", []string{"a"}, Metrics{Recall: 1, NDCG: 1, MRR: 1, Cases: 1}},
		{"second of two", []string{"b", "z"}, Metrics{Recall: 0.5, NDCG: (1 / math.Log2(3)) / (1 + 1/math.Log2(3)), MRR: 0.5, Cases: 1}},
		{"missing", []string{"z"}, Metrics{Cases: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Score(ranked, tc.truth)
			if !near(got.Recall, tc.want.Recall) || !near(got.NDCG, tc.want.NDCG) || !near(got.MRR, tc.want.MRR) {
				t.Errorf("Score = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestScoreCountsOnlyTheFirstTwenty(t *testing.T) {
	var ranked []string
	for i := range 30 {
		ranked = append(ranked, fmt.Sprint(i))
	}
	got := Score(ranked, []string{"25"})
	if got.Recall != 0 || got.NDCG != 0 || !near(got.MRR, 1.0/26) {
		t.Errorf("Score = %+v, want recall and nDCG 0, MRR 1/26", got)
	}
}

// writeCorpus writes a Kaggle-format corpus: two topics, papers of each
// before and in March 2026, each with its own author names.
func writeCorpus(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "corpus.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	topics := []string{"graph neural network message passing node", "speech recognition acoustic phoneme audio"}
	for topic, words := range topics {
		for k := range 12 {
			month, day := "2026-02", fmt.Sprintf("%02d", k+1)
			if k >= 8 {
				month = "2026-03"
			}
			id := fmt.Sprintf("26%02d.%05d", map[string]int{"2026-02": 2, "2026-03": 3}[month], topic*100+k)
			enc.Encode(map[string]any{
				"id": id, "title": fmt.Sprintf("On %s, part %d", words, k),
				"abstract": fmt.Sprintf("We study %s in setting %d with care.", words, k), "authors": fmt.Sprintf("Writer %d, Other %d", topic, k),
				"categories": "cs.LG", "versions": []map[string]string{{"version": "v1", "created": created(month, k+1)}},
				"update_date": month + "-" + day,
			})
		}
	}
	return path
}

// created is a version date in arXiv's format, on day of month.
func created(month string, day int) string {
	d, _ := time.Parse("2006-01-02", fmt.Sprintf("%s-%02d", month, day))
	return d.Add(10 * time.Hour).Format("Mon, 2 Jan 2006 15:04:05 GMT")
}

func TestBuildScratchHidesAuthorsBehindStandIns(t *testing.T) {
	ctx := context.Background()
	sc, err := BuildScratch(ctx, writeCorpus(t), t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if len(sc.Papers) != 24 {
		t.Fatalf("%d papers, want 24", len(sc.Papers))
	}
	for _, p := range sc.Papers {
		if diff := cmp.Diff([]string{StandIn(p.ID)}, p.Authors); diff != "" {
			t.Errorf("%s authors (-want +got):\n%s", p.ID, diff)
		}
	}
	if got := len(sc.Candidates()); got != 8 {
		t.Errorf("%d candidates listed in March, want 8", got)
	}
}

func TestAnchorsRankEveryCandidate(t *testing.T) {
	ctx := context.Background()
	sc, err := BuildScratch(ctx, writeCorpus(t), t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	a := NewSanity(sc.Papers, 1)
	// min_df 5 and max_df 0.1 leave a corpus this small few terms, so
	// this checks the plumbing; recommend's tests check the ranking.
	profile := []string{"2602.00000", "2602.00001", "2602.00002"}
	cands := sc.Candidates()
	for name, rank := range map[string]Ranker{"svm": a.Rank, "centroid": a.Centroid} {
		got, err := rank(ctx, profile, cands)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(cands) || !slices.Contains(got, "2603.00008") {
			t.Errorf("%s ranked %v, want every candidate", name, got)
		}
	}
	m, err := Evaluate(ctx, []Case{{Author: "x", Profile: profile, Truth: []string{"2603.00008"}}}, cands, a.Rank, 2)
	if err != nil || m.Cases != 1 {
		t.Errorf("Evaluate = %+v, %v", m, err)
	}
}

func TestRunTrainsTheEmbeddingModelOnlyWhenASettingReadsIt(t *testing.T) {
	tfidfOnly := recommend.DefaultOptions()
	withEmbedding := tfidfOnly
	withEmbedding.EmbedZ = 0.25
	blended := tfidfOnly
	blended.TermSimilarity = 0.5
	classifier := tfidfOnly
	classifier.EmbedWeight, classifier.Fusion = 1, 0
	for _, tc := range []struct {
		name string
		opts Options
		want bool
	}{
		{"default", Options{Recommend: tfidfOnly}, false},
		{"embedding's kernel standardised", Options{Recommend: withEmbedding}, true},
		{"blended similarity", Options{Recommend: blended}, true},
		{"a variant's classifier", Options{Recommend: tfidfOnly, Variants: []Variant{{"svm", classifier}}}, true},
	} {
		if got := needsEmbeddings(tc.opts); got != tc.want {
			t.Errorf("%s: needsEmbeddings = %v, want %v", tc.name, got, tc.want)
		}
	}
}
