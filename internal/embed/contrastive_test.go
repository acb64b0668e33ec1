package embed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// pairedCorpus makes n papers whose title and abstract are about the same
// pair of topics, with filler words common to all: a title names its
// paper's topics in a few words, and its abstract in many, among which
// the topics' other words.
func pairedCorpus(n int, seed uint64) []lexical.Document {
	rng := rand.New(rand.NewPCG(seed, 3))
	const topics, perTopic = 12, 10
	word := func(topic, i int) string { return fmt.Sprintf("t%cw%c", 'a'+topic, 'a'+i) }
	filler := strings.Fields("novel approach method propos result show improv effici framework robust")
	docs := make([]lexical.Document, n)
	for i := range docs {
		p := rng.IntN(topics)
		s := (p + 1 + rng.IntN(topics-1)) % topics
		draw := func(k int, pP, pS float64) string {
			var w []string
			for range k {
				switch r := rng.Float64(); {
				case r < pP:
					w = append(w, word(p, rng.IntN(perTopic)))
				case r < pP+pS:
					w = append(w, word(s, rng.IntN(perTopic)))
				default:
					w = append(w, filler[rng.IntN(len(filler))])
				}
			}
			return strings.Join(w, " ")
		}
		docs[i] = lexical.Document{ID: fmt.Sprint(i), Title: draw(5, 0.45, 0.25), Abstract: draw(40, 0.4, 0.3)}
	}
	return docs
}

// ownAbstractMRR is the mean reciprocal rank of each paper's abstract
// among all the papers' abstracts, ranked by cosine to its title.
func ownAbstractMRR(m *Model, docs []lexical.Document) float64 {
	titles, abstracts := make([][]float32, len(docs)), make([][]float32, len(docs))
	for i, d := range docs {
		titles[i], abstracts[i] = m.EmbedText(d.Title), m.EmbedText(d.Abstract)
	}
	var mrr float64
	for i := range docs {
		own := cos(titles[i], abstracts[i])
		rank := 1
		for j := range docs {
			if j != i && cos(titles[i], abstracts[j]) > own {
				rank++
			}
		}
		mrr += 1 / float64(rank)
	}
	return mrr / float64(len(docs))
}

func TestFineTuneRanksOwnAbstractHigher(t *testing.T) {
	train, heldOut := pairedCorpus(1500, 1), pairedCorpus(300, 2)
	opts := TrainOptions{Dim: 16, MinDF: 2, Seed: 1, FineTuneEpochs: -1}
	lsa, err := Train(context.Background(), train, opts)
	if err != nil {
		t.Fatal(err)
	}
	tuned, err := Train(context.Background(), train, opts)
	if err != nil {
		t.Fatal(err)
	}
	// A batch smaller than the corpus, so that the test takes many steps
	// as real training does.
	if err := tuned.fineTune(context.Background(), train, tuneConfig{epochs: 5, batch: 128, seed: 1, workers: 2}, func(string) {}); err != nil {
		t.Fatal(err)
	}
	before, after := ownAbstractMRR(lsa, heldOut), ownAbstractMRR(tuned, heldOut)
	t.Logf("own-abstract MRR of held-out papers: LSA %.3f, fine-tuned %.3f", before, after)
	if after < before+0.03 {
		t.Errorf("fine-tuning moved own-abstract MRR from %.3f to %.3f, want a gain of at least 0.03", before, after)
	}
}

func TestFineTuneIsDeterministic(t *testing.T) {
	docs := pairedCorpus(600, 1)
	train := func(workers int) *Model {
		t.Helper()
		m, err := Train(context.Background(), docs, TrainOptions{Dim: 8, MinDF: 2, Seed: 7, Workers: workers, FineTuneEpochs: -1})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.fineTune(context.Background(), docs, tuneConfig{epochs: 2, batch: 64, seed: 7, workers: workers}, func(string) {}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := train(1), train(3)
	if !bytes.Equal(modelBytes(t, a), modelBytes(t, b)) {
		t.Error("same seed and papers, 1 and 3 workers: fine-tuned tables differ")
	}
}

func TestTrainFineTunesByDefault(t *testing.T) {
	docs := pairedCorpus(400, 1)
	var epochs []string
	opts := TrainOptions{Dim: 8, MinDF: 2, Seed: 1, Progress: func(s string) {
		if strings.HasPrefix(s, "fine-tune epoch") {
			epochs = append(epochs, s)
		}
	}}
	tuned, err := Train(context.Background(), docs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if info := tuned.Info(); info.Method != MethodContrastive || info.FineTuneEpochs != 3 {
		t.Errorf("default training: method %q, %d epochs; want %q, 3", info.Method, info.FineTuneEpochs, MethodContrastive)
	}
	if len(epochs) != 3 || !strings.Contains(epochs[0], "loss") {
		t.Errorf("progress reported %q, want 3 epochs with their loss", epochs)
	}
	opts.FineTuneEpochs, opts.Progress = -1, nil
	lsa, err := Train(context.Background(), docs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if info := lsa.Info(); info.Method != MethodLSA || info.FineTuneEpochs != 0 {
		t.Errorf("FineTuneEpochs -1: method %q, %d epochs; want %q, 0", info.Method, info.FineTuneEpochs, MethodLSA)
	}
	if lsa.Info().Fingerprint == tuned.Info().Fingerprint {
		t.Error("LSA and fine-tuned models share a fingerprint: their embeddings would be mixed")
	}
}

func TestTrainCancelledDuringFineTune(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	epochs := 0
	opts := TrainOptions{Dim: 8, MinDF: 2, Seed: 1, FineTuneEpochs: 3, Progress: func(s string) {
		if strings.HasPrefix(s, "fine-tune epoch") {
			epochs++
			cancel()
		}
	}}
	m, err := Train(ctx, pairedCorpus(400, 1), opts)
	if !errors.Is(err, context.Canceled) || m != nil {
		t.Fatalf("Train cancelled after the first epoch = %v, %v; want nil, context.Canceled", m, err)
	}
	if epochs != 1 {
		t.Errorf("%d epochs ran, want 1: cancellation was not checked between batches", epochs)
	}
}

// testdata/lsa-tfidf-v1.bin was written by Train before fine-tuning
// existed (topicCorpus(120, 5), Dim 4, MinDF 2, seed 3).
func TestOpenModelFromBeforeFineTuning(t *testing.T) {
	m, err := OpenFile("testdata/lsa-tfidf-v1.bin")
	if err != nil {
		t.Fatal(err)
	}
	info := m.Info()
	if info.Method != MethodLSA || info.FineTuneEpochs != 0 || info.Fingerprint != "1b814cefb2921dde" {
		t.Errorf("info %+v, want method %q, no fine-tuning, fingerprint 1b814cefb2921dde", info, MethodLSA)
	}
	// The fingerprint is recomputed the same way, so vectors embedded with
	// the old model need not be made again.
	if fp := m.fingerprint(); fp != info.Fingerprint {
		t.Errorf("fingerprint recomputed as %s, saved as %s", fp, info.Fingerprint)
	}
	want := []float32{0.3995447, -0.23969547, -0.75244933, 0.4655429}
	if got := m.EmbedText("graph message passing"); !slices.Equal(got, want) {
		t.Errorf("embedding %v, want %v as when it was saved", got, want)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if old := mustRead(t, "testdata/lsa-tfidf-v1.bin"); !bytes.Equal(buf.Bytes(), old) {
		t.Error("the old model is not written back byte for byte")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
