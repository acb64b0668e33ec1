package searcheval

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// CSFCubeDir is the CSFCube collection, relative to the shared data
// directory.
const CSFCubeDir = "csfcube"

// CSFCubeFacets are the collection's facets, in report order.
var CSFCubeFacets = []string{"background", "method", "result"}

// Thresholds of CSFCube's evaluation script (eval_scripts/ranking_eval.py).
const (
	csfRelevant = 2   // grades 0-3; relevant for MAP from 2 up
	csfNDCGCut  = 0.2 // NDCG%20: NDCG at floor(20 % of the pool)
)

// CSFCube is the CSFCube test collection: query papers with a facet, each
// with a pool of candidates graded 0-3 for that facet.
type CSFCube struct {
	Docs    []lexical.Document // every query and candidate paper
	Queries []CSFCubeQuery
}

// CSFCubeQuery is one query paper and facet with its judged pool.
type CSFCubeQuery struct {
	PaperID string
	Facet   string
	Text    string   // the query paper's title and abstract
	Pool    []string // candidate ids, in the collection's order, without the query paper
	Grades  []int    // adjudicated grade of each candidate
}

// Key is the query's name in the collection's files: "pid_facet".
func (q CSFCubeQuery) Key() string { return q.PaperID + "_" + q.Facet }

// LoadCSFCube reads the collection from dir. A query paper that is among
// its own candidates (8781666, background and result) is taken out of its
// pool, as the collection's SPECTER rankings do.
func LoadCSFCube(dir string) (*CSFCube, error) {
	c := &CSFCube{}
	if err := c.loadCorpus(filepath.Join(dir, "corpus.jsonl.gz")); err != nil {
		return nil, fmt.Errorf("searcheval: csfcube: %w", err)
	}
	text := map[string]string{}
	for _, d := range c.Docs {
		text[d.ID] = d.Title + "\n" + d.Abstract
	}
	for _, facet := range CSFCubeFacets {
		var anns map[string]struct {
			Cands []string `json:"cands"`
			Adju  []int    `json:"relevance_adju"`
		}
		if err := readJSON(filepath.Join(dir, "test-pid2anns-csfcube-"+facet+".json"), &anns); err != nil {
			return nil, fmt.Errorf("searcheval: csfcube: %w", err)
		}
		for _, pid := range slices.Sorted(maps.Keys(anns)) {
			a := anns[pid]
			if len(a.Cands) != len(a.Adju) {
				return nil, fmt.Errorf("searcheval: csfcube: %s_%s: %d candidates, %d grades", pid, facet, len(a.Cands), len(a.Adju))
			}
			t, ok := text[pid]
			if !ok {
				return nil, fmt.Errorf("searcheval: csfcube: query paper %s not in corpus", pid)
			}
			q := CSFCubeQuery{PaperID: pid, Facet: facet, Text: t}
			for i, cand := range a.Cands {
				if cand == pid {
					continue
				}
				q.Pool = append(q.Pool, cand)
				q.Grades = append(q.Grades, a.Adju[i])
			}
			c.Queries = append(c.Queries, q)
		}
	}
	return c, nil
}

func (c *CSFCube) loadCorpus(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var rec struct {
			PaperID  string   `json:"paper_id"`
			Title    string   `json:"title"`
			Abstract []string `json:"abstract"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		c.Docs = append(c.Docs, lexical.Document{
			ID:       rec.PaperID,
			Title:    rec.Title,
			Abstract: strings.Join(rec.Abstract, " "),
		})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// CSFCubeResult is a ranker's score on CSFCube, over all queries and by
// facet. MAP and NDCG20 are plain means over the queries, not the mean of
// the two cross-validation folds that the collection's script prints (the
// two differ in the fourth decimal).
type CSFCubeResult struct {
	N      int          `json:"n"`
	MAP    float64      `json:"map"`    // relevant = grade >= 2
	NDCG20 float64      `json:"ndcg20"` // NDCG%20, graded
	Facets []FacetScore `json:"facets"`
}

// FacetScore is the score over one facet's queries.
type FacetScore struct {
	Facet  string  `json:"facet"`
	N      int     `json:"n"`
	MAP    float64 `json:"map"`
	NDCG20 float64 `json:"ndcg20"`
}

// EvalCSFCube ranks the pools with s (see Rank) and scores the rankings.
func EvalCSFCube(ctx context.Context, c *CSFCube, s Ranker) (CSFCubeResult, error) {
	ranked, err := c.Rank(ctx, s)
	if err != nil {
		return CSFCubeResult{}, err
	}
	return c.Score(ranked)
}

// Rank ranks every query's pool with s, which must search c.Docs: the
// query paper's title and abstract is searched for with a limit of the
// whole corpus, and the pool is ordered by where its candidates come in
// the result, those not returned last in pool order. The rankings are
// keyed by CSFCubeQuery.Key.
func (c *CSFCube) Rank(ctx context.Context, s Ranker) (map[string][]string, error) {
	lists := make([][]string, len(c.Queries))
	err := forEach(ctx, len(c.Queries), runtime.GOMAXPROCS(0), func(ctx context.Context, i int) error {
		q := c.Queries[i]
		ids, err := s.Search(ctx, q.Text, len(c.Docs))
		if err != nil {
			return fmt.Errorf("searcheval: csfcube %s: %w", q.Key(), err)
		}
		lists[i] = RankPool(q.Pool, ids)
		return nil
	})
	if err != nil {
		return nil, err
	}
	ranked := make(map[string][]string, len(c.Queries))
	for i, q := range c.Queries {
		ranked[q.Key()] = lists[i]
	}
	return ranked, nil
}

// RankPool orders pool by the position of each candidate in result; the
// candidates result lacks come last, in pool order.
func RankPool(pool, result []string) []string {
	pos := make(map[string]int, len(result))
	for i, id := range result {
		if _, dup := pos[id]; !dup {
			pos[id] = i
		}
	}
	out := slices.Clone(pool)
	slices.SortStableFunc(out, func(a, b string) int {
		pa, oka := pos[a]
		pb, okb := pos[b]
		switch {
		case oka && okb:
			return pa - pb
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	return out
}

// Score scores rankings of the pools, keyed by CSFCubeQuery.Key. A ranking
// must be a permutation of the query's pool; a missing one is an error.
func (c *CSFCube) Score(ranked map[string][]string) (CSFCubeResult, error) {
	var res CSFCubeResult
	var aps, ndcgs []float64
	for _, facet := range CSFCubeFacets {
		var faps, fndcgs []float64
		for _, q := range c.Queries {
			if q.Facet != facet {
				continue
			}
			r, ok := ranked[q.Key()]
			if !ok {
				return CSFCubeResult{}, fmt.Errorf("searcheval: csfcube: no ranking for %s", q.Key())
			}
			grade := make(map[string]int, len(q.Pool))
			for i, id := range q.Pool {
				grade[id] = q.Grades[i]
			}
			grades := make([]int, 0, len(r))
			for _, id := range r {
				g, ok := grade[id]
				if !ok {
					return CSFCubeResult{}, fmt.Errorf("searcheval: csfcube %s: %s is not in the pool", q.Key(), id)
				}
				delete(grade, id) // a candidate counts once
				grades = append(grades, g)
			}
			if len(grade) > 0 {
				return CSFCubeResult{}, fmt.Errorf("searcheval: csfcube %s: ranking lacks %d of %d candidates", q.Key(), len(grade), len(q.Pool))
			}
			faps = append(faps, AveragePrecision(grades, csfRelevant))
			fndcgs = append(fndcgs, NDCG(grades, int(csfNDCGCut*float64(len(grades)))))
		}
		res.Facets = append(res.Facets, FacetScore{Facet: facet, N: len(faps), MAP: mean(faps), NDCG20: mean(fndcgs)})
		aps = append(aps, faps...)
		ndcgs = append(ndcgs, fndcgs...)
	}
	res.N, res.MAP, res.NDCG20 = len(aps), mean(aps), mean(ndcgs)
	return res, nil
}

// LoadSPECTERRankings reads the SPECTER rankings shipped with the
// collection in dir, keyed like CSFCubeQuery.Key, to check the metrics
// against the published figures (MAP 0.342, NDCG%20 0.533).
func LoadSPECTERRankings(dir string) (map[string][]string, error) {
	ranked := map[string][]string{}
	for _, facet := range CSFCubeFacets {
		var pools map[string][][2]any // [id, distance] pairs, nearest first
		if err := readJSON(filepath.Join(dir, "test-pid2pool-csfcube-specter-"+facet+"-ranked.json"), &pools); err != nil {
			return nil, fmt.Errorf("searcheval: specter: %w", err)
		}
		for pid, pairs := range pools {
			ids := make([]string, len(pairs))
			for i, p := range pairs {
				id, ok := p[0].(string)
				if !ok {
					return nil, fmt.Errorf("searcheval: specter: %s_%s: candidate %d is not a string id", pid, facet, i)
				}
				ids[i] = id
			}
			ranked[pid+"_"+facet] = ids
		}
	}
	return ranked, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
