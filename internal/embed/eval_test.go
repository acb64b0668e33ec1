package embed

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/fusion"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/searcheval"
)

const dataDir = "../../../shared/data"

// vecSearcher ranks docs by cosine similarity to the query's embedding,
// exactly.
type vecSearcher struct {
	m    *Model
	ids  []string
	vecs [][]float32
}

func (s *vecSearcher) Search(ctx context.Context, query string, limit int) ([]string, error) {
	return s.searchVec(s.m.EmbedText(query), limit), nil
}

func (s *vecSearcher) searchVec(q []float32, limit int) []string {
	type hit struct {
		i int
		s float32
	}
	hits := make([]hit, len(s.vecs))
	for i, v := range s.vecs {
		var d float32
		for j, x := range v {
			d += x * q[j]
		}
		hits[i] = hit{i, d}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.s, a.s); c != 0 {
			return c
		}
		return a.i - b.i
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = s.ids[h.i]
	}
	return ids
}

type hybridSearcher struct {
	lex, sem searcheval.Ranker
	opts     fusion.Options
	depth    int
}

func (s hybridSearcher) Search(ctx context.Context, query string, limit int) ([]string, error) {
	depth := max(limit, s.depth)
	a, err := s.lex.Search(ctx, query, depth)
	if err != nil {
		return nil, err
	}
	b, err := s.sem.Search(ctx, query, depth)
	if err != nil {
		return nil, err
	}
	o := s.opts
	o.Limit = limit
	return fusion.IDs(fusion.RRF(o, a, b)), nil
}

func newVecSearcher(t testing.TB, m *Model, docs []lexical.Document) *vecSearcher {
	t.Helper()
	vecs, err := m.EmbedDocuments(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	s := &vecSearcher{m: m, vecs: vecs}
	for _, d := range docs {
		s.ids = append(s.ids, d.ID)
	}
	return s
}

func newLex(docs []lexical.Document) searcheval.IndexRanker {
	b := lexical.NewBuilder()
	for _, d := range docs {
		b.Add(d)
	}
	return searcheval.IndexRanker{Index: b.Finish()}
}

// withSigmaPower returns a copy of m whose term vectors are rescaled for
// another SigmaPower.
func (m *Model) withSigmaPower(p float64) *Model {
	c := *m
	c.vecs = make([]float32, len(m.vecs))
	k := m.info.Dim
	for i := range m.vecs {
		s := float64(m.sigma[i%k])
		if s > 0 {
			c.vecs[i] = float32(float64(m.vecs[i]) * math.Pow(s, p-m.info.SigmaPower))
		}
	}
	c.info.SigmaPower = p
	return &c
}

// TestSemanticEval trains on the real corpus plus the CSFCube corpus and
// prints CSFCube MAP / NDCG%20 and known-item MRR@10 for lexical,
// semantic and hybrid ranking.
//
//	PAPERBOY_EVAL=1 go test -run TestSemanticEval -v -timeout 30m ./internal/embed/
func TestSemanticEval(t *testing.T) {
	if os.Getenv("PAPERBOY_EVAL") != "1" {
		t.Skip("set PAPERBOY_EVAL=1 to evaluate on the shared data (minutes)")
	}
	if _, err := os.Stat(filepath.Join(dataDir, searcheval.KnownItemFile)); err != nil {
		t.Skipf("no shared data: %v", err)
	}
	ctx := context.Background()
	corpus, err := searcheval.LoadRealCorpus(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	cube, err := searcheval.LoadCSFCube(filepath.Join(dataDir, searcheval.CSFCubeDir))
	if err != nil {
		t.Fatal(err)
	}
	items, err := searcheval.LoadKnownItems(filepath.Join(dataDir, searcheval.KnownItemFile))
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultTrainOptions()
	if v := os.Getenv("PAPERBOY_EVAL_DIM"); v != "" {
		opts.Dim, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("PAPERBOY_EVAL_TITLE"); v != "" {
		opts.TitleWeight, _ = strconv.Atoi(v)
	}
	opts.Progress = func(s string) { t.Logf("train: %s", s) }
	start := time.Now()
	train := append(slices.Clone(corpus), cube.Docs...)
	m, err := Train(ctx, train, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained %+v on %d papers in %s", m.Info(), len(train), time.Since(start).Round(time.Second))

	cubeLex := newLex(cube.Docs)
	corpusLex := newLex(corpus)
	lexCube, err := searcheval.EvalCSFCube(ctx, cube, cubeLex)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("CSFCube lexical  MAP %.3f NDCG%%20 %.3f", lexCube.MAP, lexCube.NDCG20)
	ki := func(name string, s searcheval.Ranker) {
		q, err := searcheval.KnownItem(ctx, s, items, searcheval.FieldQuery)
		if err != nil {
			t.Fatal(err)
		}
		mk, err := searcheval.KnownItem(ctx, s, items, searcheval.FieldMasked)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("known-item %-28s MRR@10 %.3f R@10 %.3f | masked MRR@10 %.3f R@10 %.3f", name, q.MRR10, q.Recall10, mk.MRR10, mk.Recall10)
	}
	ki("lexical", corpusLex)

	// Sparse tf-idf cosine with the model's vocabulary, as a third list.
	tfidf := &sparseSearcher{m: m}
	for _, d := range cube.Docs {
		tfidf.ids = append(tfidf.ids, d.ID)
		tfidf.vecs = append(tfidf.vecs, m.weights(Tokens(docText(d, m.info.TitleWeight))))
	}
	if r, err := searcheval.EvalCSFCube(ctx, cube, tfidf); err == nil {
		t.Logf("CSFCube tf-idf cosine MAP %.3f NDCG%%20 %.3f", r.MAP, r.NDCG20)
	}
	powers := []float64{opts.SigmaPower}
	if os.Getenv("PAPERBOY_EVAL_SWEEP") == "1" {
		powers = []float64{0, 0.25, 0.5, 0.75, 1}
	}
	for _, p := range powers {
		mp := m.withSigmaPower(p)
		sem := newVecSearcher(t, mp, cube.Docs)
		r, err := searcheval.EvalCSFCube(ctx, cube, sem)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("CSFCube semantic p=%.2f MAP %.3f NDCG%%20 %.3f", p, r.MAP, r.NDCG20)
		h3 := multiSearcher{lists: []searcheval.Ranker{cubeLex, sem, tfidf}}
		if r, err := searcheval.EvalCSFCube(ctx, cube, h3); err == nil {
			t.Logf("CSFCube lexical+semantic+tfidf p=%.2f MAP %.3f NDCG%%20 %.3f", p, r.MAP, r.NDCG20)
		}
		h2 := multiSearcher{lists: []searcheval.Ranker{sem, tfidf}}
		if r, err := searcheval.EvalCSFCube(ctx, cube, h2); err == nil {
			t.Logf("CSFCube semantic+tfidf p=%.2f MAP %.3f NDCG%%20 %.3f", p, r.MAP, r.NDCG20)
		}
		for _, w := range []float64{1, 0.5} {
			h := hybridSearcher{lex: cubeLex, sem: sem, opts: fusion.Options{Weights: []float64{1, w}}}
			r, err := searcheval.EvalCSFCube(ctx, cube, h)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("CSFCube hybrid   p=%.2f w=%.2f MAP %.3f NDCG%%20 %.3f", p, w, r.MAP, r.NDCG20)
		}
		semAll := newVecSearcher(t, mp, corpus)
		ki(fmt.Sprintf("semantic p=%.2f", p), semAll)
		for _, w := range []float64{0.5, 0.25} {
			ki(fmt.Sprintf("hybrid p=%.2f w=%.2f", p, w), hybridSearcher{lex: corpusLex, sem: semAll, opts: fusion.Options{Weights: []float64{1, w}}, depth: 100})
		}
	}
}

type sparseSearcher struct {
	m    *Model
	ids  []string
	vecs [][]termWeight
}

func (s *sparseSearcher) Search(ctx context.Context, query string, limit int) ([]string, error) {
	q := map[int32]float32{}
	for _, w := range s.m.weights(Tokens(query)) {
		q[w.term] = w.w
	}
	type hit struct {
		i int
		s float32
	}
	hits := make([]hit, len(s.vecs))
	for i, v := range s.vecs {
		var d float32
		for _, w := range v {
			d += w.w * q[w.term]
		}
		hits[i] = hit{i, d}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.s, a.s); c != 0 {
			return c
		}
		return a.i - b.i
	})
	ids := make([]string, min(limit, len(hits)))
	for i := range ids {
		ids[i] = s.ids[hits[i].i]
	}
	return ids, nil
}

type multiSearcher struct {
	lists []searcheval.Ranker
	opts  fusion.Options
}

func (s multiSearcher) Search(ctx context.Context, query string, limit int) ([]string, error) {
	var lists [][]string
	for _, l := range s.lists {
		ids, err := l.Search(ctx, query, limit)
		if err != nil {
			return nil, err
		}
		lists = append(lists, ids)
	}
	o := s.opts
	o.Limit = limit
	return fusion.IDs(fusion.RRF(o, lists...)), nil
}
