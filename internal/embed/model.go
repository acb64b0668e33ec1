package embed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/parallel"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// Method names the way a Model was trained: MethodLSA is the LSA term
// table alone (FineTuneEpochs < 0, and every model saved before
// fine-tuning existed), MethodContrastive the table fine-tuned on titles
// and abstracts. Both embed a text the same way, from the same file
// format.
const (
	MethodLSA         = "lsa-tfidf"
	MethodContrastive = "lsa-tfidf+contrastive"
)

// TrainOptions configures Train. The zero value of a field means its
// default (DefaultTrainOptions).
type TrainOptions struct {
	Dim        int     // dimensions of the embedding; 256
	MinDF      int     // a term must occur in this many papers; 3
	MaxDFRatio float64 // terms in a larger share of the papers are dropped; 0.5
	MaxVocab   int     // the most frequent terms kept; 200,000
	Oversample int     // extra sketch columns of the randomized SVD; 24
	PowerIters int     // power iterations of the randomized SVD; 2
	// SigmaPower p scales dimension i by σᵢ^(p-1) when a text is folded
	// in: 1 is the plain projection onto the singular vectors, 0 whitens
	// them. 0 and 0.25 measured alike (doc.go); 0.25 is the default.
	SigmaPower float64
	// TitleWeight repeats the title this many times in a paper's text;
	// 2 by default.
	TitleWeight int
	// MaxTrainDocs bounds the papers the SVD sees (an evenly spaced
	// sample when there are more; the rest are only folded in); 400,000.
	MaxTrainDocs int
	// FineTuneEpochs is how many passes contrastive fine-tuning of the
	// term table makes over the papers' (title, abstract) pairs after the
	// SVD (contrastive.go); 3 by default, a negative value turns it off.
	// Each pass costs a third to a half of the SVD; 3 passes got nearly all
	// of what 5 did (doc.go).
	FineTuneEpochs int
	Seed           uint64 // the same seed and papers give the same model
	Workers        int    // goroutines; GOMAXPROCS by default
	// Progress, if set, is told each stage as it starts.
	Progress func(stage string)
}

// DefaultTrainOptions are the measured defaults.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Dim: 256, MinDF: 3, MaxDFRatio: 0.5, MaxVocab: 200_000, Oversample: 24, PowerIters: 2,
		SigmaPower: 0.25, TitleWeight: 2, MaxTrainDocs: 400_000, FineTuneEpochs: 3, Seed: 1}
}

func (o TrainOptions) withDefaults() TrainOptions {
	d := DefaultTrainOptions()
	if o.Dim <= 0 {
		o.Dim = d.Dim
	}
	if o.MinDF <= 0 {
		o.MinDF = d.MinDF
	}
	if o.MaxDFRatio <= 0 {
		o.MaxDFRatio = d.MaxDFRatio
	}
	if o.MaxVocab <= 0 {
		o.MaxVocab = d.MaxVocab
	}
	if o.Oversample <= 0 {
		o.Oversample = d.Oversample
	}
	if o.PowerIters < 0 {
		o.PowerIters = 0
	} else if o.PowerIters == 0 {
		o.PowerIters = d.PowerIters
	}
	if o.SigmaPower == 0 {
		o.SigmaPower = d.SigmaPower
	}
	if o.TitleWeight <= 0 {
		o.TitleWeight = d.TitleWeight
	}
	if o.MaxTrainDocs <= 0 {
		o.MaxTrainDocs = d.MaxTrainDocs
	}
	if o.FineTuneEpochs < 0 {
		o.FineTuneEpochs = 0
	} else if o.FineTuneEpochs == 0 {
		o.FineTuneEpochs = d.FineTuneEpochs
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// Model is a text representation learned from a corpus: latent semantic
// analysis of sublinear tf-idf, its term vectors then fine-tuned on the
// papers' titles and abstracts. A text's embedding is the tf-idf-weighted
// sum of its terms' vectors, L2-normalised. A Model is immutable and
// safe for concurrent use.
type Model struct {
	info   ModelInfo
	vocab  []string // sorted
	idf    []float32
	vecs   []float32 // len(vocab) × Dim, scaled by σ^(p-1)
	sigma  []float32
	lookup map[string]int32
}

// ModelInfo describes a model; it is saved with it.
type ModelInfo struct {
	Method      string  `json:"method"`
	Dim         int     `json:"dim"`
	Vocab       int     `json:"vocab"`
	Docs        int     `json:"docs"` // papers the model was trained on
	Seed        uint64  `json:"seed"`
	SigmaPower  float64 `json:"sigma_power"`
	TitleWeight int     `json:"title_weight"`
	// FineTuneEpochs is 0 for a model of MethodLSA.
	FineTuneEpochs int `json:"fine_tune_epochs,omitempty"`
	// Fingerprint identifies the model's parameters: embeddings made by
	// models with different fingerprints are not comparable, so a change
	// means re-embedding the corpus.
	Fingerprint string `json:"fingerprint"`
}

// Info describes the model.
func (m *Model) Info() ModelInfo { return m.info }

// Dim is the length of the model's embeddings.
func (m *Model) Dim() int { return m.info.Dim }

// ErrTooFewDocs is returned by Train when the corpus has too few papers
// or terms for the requested dimensions.
var ErrTooFewDocs = errors.New("embed: too few papers to train on")

// Train learns a model from docs: the SVD of their tf-idf matrix, then,
// unless opts.FineTuneEpochs is negative, contrastive fine-tuning of the
// term vectors on the same papers. It is deterministic: the same papers
// in the same order with the same options give a byte-identical model,
// whatever the number of workers. It returns ctx.Err() if ctx ends first.
func Train(ctx context.Context, docs []lexical.Document, opts TrainOptions) (*Model, error) {
	opts = opts.withDefaults()
	progress := func(s string) {
		if opts.Progress != nil {
			opts.Progress(s)
		}
	}
	train := docs
	if len(train) > opts.MaxTrainDocs {
		train = make([]lexical.Document, opts.MaxTrainDocs)
		for i := range train {
			train[i] = docs[int(int64(i)*int64(len(docs))/int64(opts.MaxTrainDocs))]
		}
	}
	progress(fmt.Sprintf("tokenising %d papers", len(train)))
	bag, err := tokenizeBags(ctx, train, opts.TitleWeight, opts.Workers)
	if err != nil {
		return nil, err
	}

	// Vocabulary: document frequencies, bounded, sorted for determinism.
	df := make([]int32, len(bag.words))
	for _, w := range bag.terms {
		df[w]++
	}
	maxDF := int(opts.MaxDFRatio * float64(len(train)))
	var vocab []string
	for w, n := range df {
		if int(n) >= opts.MinDF && int(n) <= maxDF {
			vocab = append(vocab, bag.words[w])
		}
	}
	slices.SortFunc(vocab, func(a, b string) int {
		if da, db := df[bag.id[a]], df[bag.id[b]]; da != db {
			return int(db - da)
		}
		return strings.Compare(a, b)
	})
	if len(vocab) > opts.MaxVocab {
		vocab = vocab[:opts.MaxVocab]
	}
	slices.Sort(vocab)
	if len(vocab) <= opts.Dim || len(train) <= opts.Dim {
		return nil, fmt.Errorf("%w: %d papers, %d terms for %d dimensions", ErrTooFewDocs, len(train), len(vocab), opts.Dim)
	}
	m := &Model{vocab: vocab, idf: make([]float32, len(vocab)), lookup: make(map[string]int32, len(vocab))}
	for i, t := range vocab {
		m.lookup[t] = int32(i)
		m.idf[i] = float32(math.Log(float64(len(train)) / float64(df[bag.id[t]])))
	}

	progress(fmt.Sprintf("tf-idf matrix of %d papers × %d terms", len(train), len(vocab)))
	a := bag.matrix(m)
	bag = nil
	var pairs []textPair
	if opts.FineTuneEpochs > 0 {
		// Made now, from the vocabulary, so that the papers' text is not
		// held through the SVD: at 400k papers it is most of a GiB.
		progress(fmt.Sprintf("fine-tune: tokenising the titles and abstracts of %d papers", len(train)))
		pairs = m.titleAbstractPairs(train, opts.Workers)
	}
	docs, train = nil, nil

	start := time.Now()
	svd, err := randomizedSVD(ctx, a, opts.Dim, opts.Oversample, opts.PowerIters, opts.Seed, opts.Workers, func(s string) {
		progress(fmt.Sprintf("svd: %s (%s)", s, time.Since(start).Round(100*time.Millisecond)))
	})
	if err != nil {
		return nil, err
	}
	m.setVectors(svd.v, svd.sigma, svd.k, opts.SigmaPower)
	m.info = ModelInfo{Method: MethodLSA, Dim: svd.k, Vocab: len(vocab), Docs: a.rows, Seed: opts.Seed,
		SigmaPower: opts.SigmaPower, TitleWeight: opts.TitleWeight}
	if opts.FineTuneEpochs > 0 {
		// On the same sample as the SVD, so that its cost too stops
		// growing at MaxTrainDocs papers.
		start := time.Now()
		tuneProgress := func(s string) {
			progress(fmt.Sprintf("%s, %s in all", s, time.Since(start).Round(100*time.Millisecond)))
		}
		cfg := tuneConfig{epochs: opts.FineTuneEpochs, batch: tuneBatch, seed: opts.Seed, workers: opts.Workers}
		if err := m.fineTunePairs(ctx, pairs, cfg, tuneProgress); err != nil {
			return nil, err
		}
		m.info.Method, m.info.FineTuneEpochs = MethodContrastive, opts.FineTuneEpochs
	}
	m.info.Fingerprint = m.fingerprint()
	progress("done")
	return m, nil
}

// setVectors stores term vectors V·diag(σ^(p-1)) as float32.
func (m *Model) setVectors(v, sigma []float64, k int, p float64) {
	m.sigma = make([]float32, k)
	scale := make([]float64, k)
	for i, s := range sigma {
		m.sigma[i] = float32(s)
		if s > 0 {
			scale[i] = math.Pow(s, p-1)
		}
	}
	m.vecs = make([]float32, len(m.vocab)*k)
	for t := range m.vocab {
		for i := 0; i < k; i++ {
			m.vecs[t*k+i] = float32(v[t*k+i] * scale[i])
		}
	}
}

type termWeight struct {
	term int32
	w    float32
}

// weights is the L2-normalised sublinear tf-idf vector of tokens, in
// term order.
func (m *Model) weights(tokens []string) []termWeight {
	tf := map[int32]int{}
	for _, t := range tokens {
		if i, ok := m.lookup[t]; ok {
			tf[i]++
		}
	}
	out := make([]termWeight, 0, len(tf))
	var norm float64
	for i, n := range tf {
		w := (1 + math.Log(float64(n))) * float64(m.idf[i])
		norm += w * w
		out = append(out, termWeight{i, float32(w)})
	}
	slices.SortFunc(out, func(a, b termWeight) int { return int(a.term - b.term) })
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range out {
			out[i].w *= inv
		}
	}
	return out
}

// EmbedText returns the L2-normalised embedding of text, or a zero vector
// when the text has no term the model knows.
func (m *Model) EmbedText(text string) []float32 {
	out := make([]float32, m.info.Dim)
	m.embedTokens(Tokens(text), out)
	return out
}

// EmbedDocument embeds a paper's title and abstract, the title weighted
// as in training.
func (m *Model) EmbedDocument(d lexical.Document) []float32 {
	return m.EmbedText(docText(d, m.info.TitleWeight))
}

// EmbedDocuments embeds papers on all cores; result i belongs to docs[i].
func (m *Model) EmbedDocuments(ctx context.Context, docs []lexical.Document) ([][]float32, error) {
	out := make([][]float32, len(docs))
	back := make([]float32, len(docs)*m.info.Dim)
	parallel.Chunks(len(docs), runtime.GOMAXPROCS(0), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if i%1024 == 0 && ctx.Err() != nil {
				return
			}
			out[i] = back[i*m.info.Dim : (i+1)*m.info.Dim : (i+1)*m.info.Dim]
			m.embedTokens(Tokens(docText(docs[i], m.info.TitleWeight)), out[i])
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Embed embeds texts (queries, or papers already joined into one text);
// it makes Model an Embedder.
func (m *Model) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = m.EmbedText(t)
	}
	return out, nil
}

func (m *Model) embedTokens(tokens []string, out []float32) {
	k := m.info.Dim
	for _, w := range m.weights(tokens) {
		v := m.vecs[int(w.term)*k : int(w.term+1)*k]
		for i, x := range v {
			out[i] += w.w * x
		}
	}
	Normalize(out)
}

// Normalize scales v to unit length in place (a zero vector stays zero).
func Normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

func docText(d lexical.Document, titleWeight int) string {
	var b strings.Builder
	for range titleWeight {
		b.WriteString(d.Title)
		b.WriteString(" \n ")
	}
	b.WriteString(d.Abstract)
	return b.String()
}

func uniq(ts []string) []string {
	s := slices.Clone(ts)
	slices.Sort(s)
	return slices.Compact(s)
}

// KeyTerms returns the n terms of text with the highest tf-idf weight, the
// heaviest first: what a paper is about, in the model's vocabulary.
func (m *Model) KeyTerms(text string, n int) []string {
	terms, _ := m.KeyTermsAndWords(text, n)
	return terms
}

// KeyTermsAndWords is KeyTerms with, for each term, the word the text most
// often writes for it ("preference" for "prefer"), in one pass over the
// text.
func (m *Model) KeyTermsAndWords(text string, n int) (terms, words []string) {
	tk := tokenizers.Get().(*tokenizer)
	var tokens []string
	written := map[string]map[string]int{}
	tk.each(text, func(stem, word string) {
		tokens = append(tokens, stem)
		if written[stem] == nil {
			written[stem] = map[string]int{}
		}
		written[stem][word]++
	})
	tokenizers.Put(tk)
	ws := m.weights(tokens)
	slices.SortStableFunc(ws, func(a, b termWeight) int {
		if a.w != b.w {
			if a.w > b.w {
				return -1
			}
			return 1
		}
		return int(a.term - b.term)
	})
	for _, w := range ws[:min(n, len(ws))] {
		stem := m.vocab[w.term]
		best, count := stem, 0
		for word, c := range written[stem] {
			if c > count || (c == count && word < best) {
				best, count = word, c
			}
		}
		terms, words = append(terms, stem), append(words, best)
	}
	return terms, words
}
