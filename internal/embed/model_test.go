package embed

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// topicCorpus makes n papers, each drawing most of its words from one of
// a few topics' vocabularies, so that a model has structure to find.
func topicCorpus(n int, seed uint64) []lexical.Document {
	rng := rand.New(rand.NewPCG(seed, 2))
	topics := [][]string{
		strings.Fields("graph neural node edge message passing spectral convolution molecule citation"),
		strings.Fields("speech audio acoustic phoneme recognizer spectrogram speaker waveform vocoder prosody"),
		strings.Fields("robot manipulation grasp policy locomotion gripper trajectory reward simulator torque"),
		strings.Fields("translation multilingual bilingual parallel corpus lexicon alignment morphology tokenizer dialect"),
	}
	common := strings.Fields("model results learning data performance task evaluation training benchmark experiments")
	docs := make([]lexical.Document, n)
	for i := range docs {
		t := topics[i%len(topics)]
		var w []string
		for range 40 {
			switch r := rng.Float64(); {
			case r < 0.6:
				w = append(w, t[rng.IntN(len(t))])
			case r < 0.8:
				w = append(w, common[rng.IntN(len(common))])
			default:
				o := topics[rng.IntN(len(topics))]
				w = append(w, o[rng.IntN(len(o))])
			}
		}
		docs[i] = lexical.Document{ID: fmt.Sprint(i), Title: strings.Join(w[:6], " "), Abstract: strings.Join(w[6:], " ")}
	}
	return docs
}

func trainSmall(t *testing.T, docs []lexical.Document, seed uint64, workers int) *Model {
	t.Helper()
	m, err := Train(context.Background(), docs, TrainOptions{Dim: 8, MinDF: 2, Seed: seed, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func modelBytes(t *testing.T, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTrainIsDeterministic(t *testing.T) {
	docs := topicCorpus(400, 1)
	a := trainSmall(t, docs, 7, 1)
	b := trainSmall(t, docs, 7, 2)
	if !bytes.Equal(modelBytes(t, a), modelBytes(t, b)) {
		t.Error("same seed and papers, 1 and 2 workers: models differ")
	}
	c := trainSmall(t, docs, 8, 2)
	if a.Info().Fingerprint == c.Info().Fingerprint {
		t.Error("another seed gave the same fingerprint")
	}
}

func cos(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestEmbeddingsSeparateTopics(t *testing.T) {
	docs := topicCorpus(400, 1)
	m := trainSmall(t, docs, 1, 2)
	vecs, err := m.EmbedDocuments(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	var same, other float64
	for i := 0; i < 100; i++ {
		same += cos(vecs[i], vecs[i+4])  // same topic
		other += cos(vecs[i], vecs[i+1]) // next topic
	}
	if same <= other+20 {
		t.Errorf("mean cosine within topic %.2f, across %.2f: topics not separated", same/100, other/100)
	}
	// A query with words of one topic is nearest to that topic's papers.
	q := m.EmbedText("speaker recognition from raw waveforms")
	if n := math.Sqrt(cos(q, q)); math.Abs(n-1) > 1e-5 {
		t.Errorf("query embedding norm %.4f, want 1", n)
	}
	best, bs := -1, -2.0
	for i, v := range vecs {
		if s := cos(q, v); s > bs {
			best, bs = i, s
		}
	}
	if best%4 != 1 {
		t.Errorf("nearest paper %d is of topic %d, want the speech topic", best, best%4)
	}
	if z := m.EmbedText("zzz qqq"); slices.ContainsFunc(z, func(x float32) bool { return x != 0 }) {
		t.Error("a text of unknown words did not embed to zero")
	}
}

func TestModelSaveOpenRoundTrip(t *testing.T) {
	m := trainSmall(t, topicCorpus(300, 3), 1, 2)
	path := t.TempDir() + "/model.bin"
	if err := m.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Info() != m.Info() {
		t.Errorf("info %+v, want %+v", back.Info(), m.Info())
	}
	text := "graph message passing for molecule property prediction"
	if !slices.Equal(back.EmbedText(text), m.EmbedText(text)) {
		t.Error("embeddings differ after reopening")
	}
	b := modelBytes(t, m)
	b[len(b)/2] ^= 0xff
	if _, err := ReadModel(bytes.NewReader(b)); err == nil {
		t.Error("a corrupted model was read")
	}
}

func TestTooFewDocs(t *testing.T) {
	_, err := Train(context.Background(), topicCorpus(10, 1), TrainOptions{Dim: 256})
	if err == nil {
		t.Fatal("trained 256 dimensions on 10 papers")
	}
}

func TestTokens(t *testing.T) {
	got := Tokens(`The Erd\H{o}s--R\'enyi model of $\ell_1$-regularized Pre-training in GPT-4o and Résumé parsing`)
	// tex.Text reads Erdős and ℓ₁, which NFKD folds to erdos and l1
	want := []string{"erdo", "renyi", "model", "l1", "regular", "pre", "train", "gpt", "4o", "resum", "pars"}
	if !slices.Equal(got, want) {
		t.Errorf("Tokens =\n%q\nwant\n%q", got, want)
	}
}

func TestSymEigen(t *testing.T) {
	// eigenvalues 3, 1 of [[2 1][1 2]]
	vals, vecs, err := symEigen([]float64{2, 1, 1, 2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(vals[0]-3) > 1e-12 || math.Abs(vals[1]-1) > 1e-12 {
		t.Errorf("eigenvalues %v, want [3 1]", vals)
	}
	if math.Abs(math.Abs(vecs[0])-math.Sqrt(0.5)) > 1e-12 || math.Abs(vecs[0]-vecs[2]) > 1e-12 {
		t.Errorf("first eigenvector (%v, %v), want ±(1,1)/√2", vecs[0], vecs[2])
	}
}
