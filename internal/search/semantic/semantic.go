// Package semantic is the semantic index: a corpus-trained embedding model
// (internal/embed), or an OpenAI-compatible provider, and the vector index
// of the papers (internal/vector), saved side by side. It searches by
// meaning, finds similar papers and keeps papers' key terms; the facade
// (internal/search) fuses it with the lexical index, and follow keeps it
// current.
package semantic

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/fusion"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
	"github.com/paperboy-dev/paperboy/internal/search/vector"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Files in the directory of a saved Index.
const (
	modelFile   = "model.bin"
	vectorsFile = "vectors.bin"
)

// ErrUnknownPaper is returned by Similar for a paper without a vector.
var ErrUnknownPaper = errors.New("semantic: paper not in the vector index")

// Index is an embedding model with the vectors of the papers it embedded.
type Index struct {
	Model   *embed.Model
	Vectors *vector.Index

	seq   atomic.Int64 // the last change the vectors reflect (apply.go)
	dirty atomic.Bool

	// provider, when set, makes the vectors instead of Model (provider.go).
	provider     Provider
	providerCfg  *ProviderConfig
	queryTimeout time.Duration
	recent       queryCache

	termsMu   sync.Mutex
	termCache map[string]KeyTerms // keyterms.go

	floorMu  sync.Mutex
	floor    float64 // floor.go
	floorSet bool

	topics    atomic.Pointer[topicmap.Map] // topics.go
	topicsErr error

	// buildDir holds the vector file EmbedAll built, until Save links it.
	buildDir string
}

// Build trains a model on docs, embeds every doc and indexes the vectors.
func Build(ctx context.Context, docs []lexical.Document, opts embed.TrainOptions) (*Index, error) {
	m, err := embed.Train(ctx, docs, opts)
	if err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		opts.Progress(fmt.Sprintf("embedding %d papers", len(docs)))
	}
	return NewIndex(ctx, m, docs, uint64(opts.Seed))
}

// NewIndex embeds docs with m and indexes the vectors: partitioned, and
// calibrated on a sample of the papers' titles as queries (see
// embedTitles).
func NewIndex(ctx context.Context, m *embed.Model, docs []lexical.Document, seed uint64) (*Index, error) {
	ix := &Index{Model: m}
	v, _, err := ix.indexVectors(ctx, "", func(fn func(lexical.Document) error) error {
		for _, d := range docs {
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	}, nil, seed)
	if err != nil {
		return nil, err
	}
	ix.Vectors = v
	return ix, nil
}

// calibrationTitles is how many papers' titles calibrate the vector index.
const calibrationTitles = 200

// titleSample keeps a uniform sample of the titles offered to it
// (reservoir sampling, seeded, so that the same papers in the same order
// give the same sample).
type titleSample struct {
	rng    *rand.Rand
	seen   int
	titles []string
}

func newTitleSample(seed uint64) *titleSample {
	return &titleSample{rng: rand.New(rand.NewPCG(seed, 0x7469746c65))}
}

func (t *titleSample) offer(title string) {
	if strings.TrimSpace(title) == "" {
		return
	}
	t.seen++
	if len(t.titles) < calibrationTitles {
		t.titles = append(t.titles, title)
	} else if i := t.rng.IntN(t.seen); i < calibrationTitles {
		t.titles[i] = title
	}
}

// embedTitles embeds titles as queries, with the provider or the corpus
// model, for vector.Index.TrainFor to calibrate on: stored vectors lie
// inside their own lists, queries are short and fall between lists. On the
// real papers the titles needed about twice the lists for the same
// recall, and with stored vectors' count the known-item summaries lost
// 0.01 MRR@10 in semantic mode to the index.
func (s *Index) embedTitles(ctx context.Context, titles []string) ([][]float32, error) {
	if len(titles) == 0 {
		return nil, nil
	}
	if s.provider == nil {
		qs := make([][]float32, len(titles))
		for i, t := range titles {
			qs[i] = s.Model.EmbedText(t)
		}
		return qs, nil
	}
	vecs, err := s.provider.Embed(ctx, titles)
	if err != nil {
		return nil, fmt.Errorf("semantic: embed calibration titles: %w", err)
	}
	for _, q := range vecs {
		embed.Normalize(q)
	}
	return vecs, nil
}

// Open loads an Index saved in dir. The error wraps fs.ErrNotExist when
// there is none, ErrModelDamaged when the model cannot be read (or is
// missing beside vectors), and ErrVectorsDamaged when the model is sound
// but the vectors or their feed position are not: Open then also returns
// the Index without vectors, for Rebuild.
func Open(dir string) (*Index, error) {
	m, err := embed.OpenFile(filepath.Join(dir, modelFile))
	if errors.Is(err, fs.ErrNotExist) {
		if _, verr := os.Stat(filepath.Join(dir, vectorsFile)); verr != nil {
			return nil, err // nothing trained yet
		}
	}
	if err != nil {
		return nil, damaged(ErrModelDamaged, err)
	}
	cfg, err := readProvider(dir)
	if err != nil {
		// Without it the vectors' maker is unknown: only training says.
		return nil, damaged(ErrModelDamaged, err)
	}
	ix := &Index{Model: m, providerCfg: cfg}
	// The map belongs to the model that made the vectors, not to the file:
	// vectors rebuilt from the same model are the same vectors, so a
	// rebuild keeps it (and Save writes it back).
	ix.openTopics(dir)
	v, err := vector.OpenFile(filepath.Join(dir, vectorsFile), vector.Options{})
	if err != nil {
		return ix, damaged(ErrVectorsDamaged, err)
	}
	if want := m.Dim(); cfg != nil {
		want = cfg.Dim
		if v.Dim() != want {
			return ix, damaged(ErrVectorsDamaged, fmt.Errorf("%s: vectors of %d dimensions from a provider of %d", dir, v.Dim(), want))
		}
	} else if v.Dim() != want {
		return ix, damaged(ErrVectorsDamaged, fmt.Errorf("%s: vectors of %d dimensions for a model of %d", dir, v.Dim(), want))
	}
	seq, err := readSeq(dir)
	if err != nil {
		// Without their position the vectors may miss any change: the
		// same repair as for damaged ones.
		return ix, damaged(ErrVectorsDamaged, err)
	}
	ix.Vectors = v
	ix.seq.Store(seq)
	return ix, nil
}

// Save writes the model and the vectors into dir, replacing them together:
// both go to a sibling directory that is then renamed over dir, so a reader
// never pairs a new model with old vectors.
func (s *Index) Save(dir string) error {
	tmp, old := dir+".tmp", dir+".old"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	if err := s.Model.SaveFile(filepath.Join(tmp, modelFile)); err != nil {
		return err
	}
	seq := s.Seq() // read before the vectors: they may only be newer than it says
	if err := s.Vectors.SaveFile(filepath.Join(tmp, vectorsFile)); err != nil {
		return err
	}
	if err := writeSeq(tmp, seq); err != nil {
		return err
	}
	if err := writeProvider(tmp, s.providerCfg); err != nil {
		return err
	}
	if err := s.saveTopics(tmp); err != nil {
		return err
	}
	os.RemoveAll(old)
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("semantic: save %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("semantic: save %s: %w", dir, err)
	}
	s.dirty.Store(false)
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if s.buildDir != "" {
		// The vector file EmbedAll built there is linked into dir by now.
		if err := os.RemoveAll(s.buildDir); err != nil {
			return err
		}
		s.buildDir = ""
	}
	return nil
}

// Search returns the ids of the k papers nearest to the query's meaning.
// With a provider that fails or is slow the error wraps
// ErrProviderUnavailable.
func (s *Index) Search(ctx context.Context, query string, k int) ([]string, error) {
	hits, err := s.SearchScored(ctx, query, k)
	ids := make([]string, len(hits))
	for i := range hits {
		ids[i] = hits[i].ID
	}
	return ids, err
}

// SearchScored is Search with each paper's cosine similarity to the query.
func (s *Index) SearchScored(ctx context.Context, query string, k int) ([]fusion.Scored, error) {
	q, err := s.embedQuery(ctx, query)
	if err != nil {
		return nil, err
	}
	hits, err := s.Vectors.Search(q, k)
	return scored(hits), err
}

// SearchWith is SearchScored for hybrid search, which has candidates of its
// own (the lexical hits): when the vector index's work budget cut the
// query short (vectors that cluster poorly), the candidates are scored
// exactly too and merged in, so that the papers the fusion sees from both
// lists have their true similarity, at the cost of a hundred dot products
// instead of scanning most of the lists. The query is embedded once.
func (s *Index) SearchWith(ctx context.Context, query string, k int, candidates []string) ([]fusion.Scored, error) {
	q, err := s.embedQuery(ctx, query)
	if err != nil {
		return nil, err
	}
	hits, cut, err := s.Vectors.SearchBounded(q, k)
	if err != nil || !cut || len(candidates) == 0 {
		return scored(hits), err
	}
	more, err := s.Vectors.Score(q, candidates)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(hits))
	for _, h := range hits {
		seen[h.ID] = true
	}
	for _, h := range more {
		if !seen[h.ID] {
			hits = append(hits, h)
		}
	}
	slices.SortFunc(hits, func(a, b vector.Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return scored(hits[:min(len(hits), k)]), nil
}

// Score ranks the papers ids by their cosine similarity to the query,
// best first; papers without a vector are left out. It fails as
// SearchScored does.
func (s *Index) Score(ctx context.Context, query string, ids []string) ([]fusion.Scored, error) {
	q, err := s.embedQuery(ctx, query)
	if err != nil {
		return nil, err
	}
	hits, err := s.Vectors.Score(q, ids)
	return scored(hits), err
}

// scored turns vector hits into a scored list for Fuse.
func scored(hits []vector.Hit) []fusion.Scored {
	out := make([]fusion.Scored, len(hits))
	for i, h := range hits {
		out[i] = fusion.Scored{ID: h.ID, Score: float64(h.Score)}
	}
	return out
}

// Similar returns the ids of the k papers nearest to paper id.
func (s *Index) Similar(id string, k int) ([]string, error) {
	v, ok := s.Vectors.Vector(id)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownPaper, id)
	}
	hits, err := s.Vectors.Search(v, k+1)
	if err != nil {
		return nil, err
	}
	ids := hitIDs(hits, id)
	return ids[:max(0, min(k, len(ids)))], nil
}

// Papers loads stored papers by id.
type Papers interface {
	PapersByID(ctx context.Context, ids []string) ([]store.Paper, error)
}

// SimilarPaper is a paper like another, and why.
type SimilarPaper struct {
	Paper  store.Paper
	Reason string
}

// SimilarPapers returns up to k stored papers most like paper, each with a
// short reason. Candidates are its nearest neighbours by meaning (a pool
// of several times k), re-ranked with the evidence a reader trusts: shared
// authors, the same primary category, and shared key terms (SimilarWeights).
func (s *Index) SimilarPapers(ctx context.Context, papers Papers, paper store.Paper, k int) ([]SimilarPaper, error) {
	v, ok := s.Vectors.Vector(paper.ID)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownPaper, paper.ID)
	}
	hits, err := s.Vectors.Search(v, max(k*similarPool, 30)+1)
	if err != nil {
		return nil, err
	}
	cos := make(map[string]float64, len(hits))
	ids := make([]string, 0, len(hits))
	for _, h := range hits {
		if h.ID != paper.ID {
			cos[h.ID] = float64(h.Score)
			ids = append(ids, h.ID)
		}
	}
	found, err := papers.PapersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	doc := paperdoc.Of(&paper)
	mine := s.KeyTerms(doc)
	authors := make(map[string]bool, len(paper.Authors))
	for _, a := range paper.Authors {
		authors[strings.ToLower(a)] = true
	}
	type candidate struct {
		SimilarPaper
		score float64
	}
	cands := make([]candidate, 0, len(found))
	for i := range found {
		p := &found[i]
		if p.Community.Hidden {
			continue
		}
		var shared []string
		for _, a := range p.Authors {
			if authors[strings.ToLower(a)] {
				shared = append(shared, a)
			}
		}
		theirs := s.KeyTerms(paperdoc.Of(p))
		terms := sharedTerms(mine, theirs, 3)
		overlap := float64(len(sharedTerms(mine, theirs, keyTermsKept))) / keyTermsKept
		score := cos[p.ID] + SimilarWeights.Author*float64(min(len(shared), 2)) + SimilarWeights.Terms*overlap
		if c := paper.PrimaryCategory(); c != "" && c == p.PrimaryCategory() {
			score += SimilarWeights.Category
		}
		cands = append(cands, candidate{SimilarPaper{Paper: *p, Reason: similarReason(shared, terms)}, score})
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	out := make([]SimilarPaper, 0, k)
	for _, c := range cands[:min(k, len(cands))] {
		out = append(out, c.SimilarPaper)
	}
	return out, nil
}

// similarPool is how many neighbours per wanted paper are re-ranked.
const similarPool = 4

// SimilarWeights add to the cosine similarity of two papers' embeddings:
// per shared author (at most two), for the same primary category, and
// times the share of key terms in common. Small against cosines of 0.5 to
// 0.9: evidence that breaks near-ties, not a different ranking.
var SimilarWeights = struct{ Author, Category, Terms float64 }{Author: 0.04, Category: 0.02, Terms: 0.1}

// sharedTerms lists the words a writes for its key terms that are also key
// terms of b, at most n, best first.
func sharedTerms(a, b KeyTerms, n int) []string {
	inB := make(map[string]bool, len(b.Terms))
	for _, t := range b.Terms {
		inB[t] = true
	}
	var shared []string
	for i, t := range a.Terms {
		if inB[t] {
			shared = append(shared, a.Words[i])
			if len(shared) == n {
				break
			}
		}
	}
	return shared
}

func similarReason(authors, terms []string) string {
	var parts []string
	if len(authors) > 0 {
		parts = append(parts, "also by "+strings.Join(authors[:min(2, len(authors))], ", "))
	}
	if len(terms) > 0 {
		parts = append(parts, "shares "+strings.Join(terms, ", "))
	}
	if len(parts) == 0 {
		return "close in meaning"
	}
	return strings.Join(parts, " · ")
}

func hitIDs(hits []vector.Hit, skip string) []string {
	ids := make([]string, 0, len(hits))
	for _, h := range hits {
		if h.ID != skip {
			ids = append(ids, h.ID)
		}
	}
	return ids
}

// Reason says in a few words what two papers share: the key terms of a
// that are also key terms of b.
func (s *Index) Reason(a, b lexical.Document) string {
	return similarReason(nil, sharedTerms(s.KeyTerms(a), s.KeyTerms(b), 3))
}
