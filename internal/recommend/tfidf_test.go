package recommend

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func terms(text string, opts TfidfOptions) []string {
	var out []string
	eachTermBytes(text, opts, func(b []byte) { out = append(out, string(b)) })
	return out
}

func TestAnalyzerFollowsScikitLearn(t *testing.T) {
	opts := SanityTfidf()
	// "the", "and" are stop words; "x2" starts with a letter and stays;
	// "3d" starts with a digit; "α" is no ASCII letter; "é" loses its accent.
	want := []string{"cafe", "based", "gpt4", "model", "x2", "_under", "nets",
		"cafe based", "based gpt4", "gpt4 model", "model x2", "x2 _under", "_under nets"}
	if diff := cmp.Diff(want, terms("The Café-based GPT4 model, x2 _under α-β and 3D nets", opts)); diff != "" {
		t.Errorf("terms (-want +got):\n%s", diff)
	}
}

func TestFitTfidfWeighsAsScikitLearn(t *testing.T) {
	texts := []string{"apple banana", "apple cherry", "banana banana", "durian"}
	opts := TfidfOptions{MaxN: 1, MinDF: 1, MaxDF: 1, Sublinear: true}
	tf, x := FitTfidf(texts, opts)
	if tf.Terms() != 4 {
		t.Fatalf("%d terms, want 4", tf.Terms())
	}
	// Row 2: banana twice: (1+ln 2) × idf(banana), normalised to 1.
	r := x.Row(2)
	if len(r.Idx) != 1 || math.Abs(float64(r.Val[0])-1) > 1e-6 {
		t.Errorf("row 2 = %+v, want one unit weight", r)
	}
	// Row 0: apple and banana share df 2, so equal weights 1/√2.
	r = x.Row(0)
	for _, v := range r.Val {
		if math.Abs(float64(v)-1/math.Sqrt2) > 1e-6 {
			t.Errorf("row 0 = %+v, want 1/√2 each", r)
		}
	}
	// Row 1: cherry (df 1) outweighs apple (df 2) by idf ln(5/2)+1 vs ln(5/3)+1.
	r = x.Row(1)
	wantRatio := (math.Log(5.0/2) + 1) / (math.Log(5.0/3) + 1)
	if got := float64(r.Val[1] / r.Val[0]); math.Abs(got-wantRatio) > 1e-5 {
		t.Errorf("cherry/apple = %g, want %g", got, wantRatio)
	}
}

func TestFitTfidfKeepsTheMostFrequentTermsWithinDocumentFrequencyBounds(t *testing.T) {
	texts := []string{"common rare", "common often", "common often", "x1 x1 x1"}
	opts := TfidfOptions{MaxN: 1, MinDF: 2, MaxDF: 0.6, MaxFeatures: 1}
	tf, _ := FitTfidf(texts, opts)
	// "common" is in 3 of 4 papers (> 0.6), "rare" and "x1" in one (< 2),
	// however often: only "often" remains.
	if diff := cmp.Diff(map[string]int32{"often": 0}, tf.vocab); diff != "" {
		t.Errorf("vocabulary (-want +got):\n%s", diff)
	}
}
