package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/synth"
	"github.com/paperboy-dev/paperboy/internal/searcheval"
)

// engineName names paperboy's own search engine in reports.
const engineName = "paperboy"

type evalCmd struct {
	Search    evalSearchCmd    `cmd:"" help:"Measure search quality on the real data: known-item MRR@10 and CSFCube MAP / NDCG, beside SQLite FTS5."`
	Topics    evalTopicsCmd    `cmd:"" help:"Measure the topic map on the data directory's papers: keyphrases vs Hugging Face's ai_keywords (beside a tf-idf baseline), facets of ambiguous queries, coherence."`
	Recommend evalRecommendCmd `cmd:"" help:"Measure recommendations on the real data (author continuation): Recall@20, nDCG@20 and MRR, beside arxiv-sanity-lite's SVM."`
}

type evalSearchCmd struct {
	Data        string `name:"data" default:"../shared/data" help:"The shared data directory (arxiv-cs, hf-daily, eval, csfcube)."`
	JSON        bool   `name:"json" help:"Print the report as JSON."`
	LexicalOnly bool   `name:"lexical-only" help:"Skip training the embedding model and evaluating semantic and hybrid ranking (saves a few minutes)."`
	Dim         int    `name:"dim" default:"256" help:"Dimensions of the embedding model trained for the evaluation."`
	Seed        uint64 `name:"seed" default:"1" help:"Random seed of the embedding model."`
}

func (c *evalSearchCmd) Run(e *env) error {
	var others []searcheval.Engine
	if !c.LexicalOnly {
		model, err := c.trainModel(e)
		if err != nil {
			return err
		}
		others = []searcheval.Engine{
			{Name: string(search.Semantic), Build: buildSemantic(model, search.Semantic)},
			{Name: string(search.Hybrid), Build: buildSemantic(model, search.Hybrid)},
		}
	}
	rep, err := searcheval.RunEval(e.ctx, c.Data, searcheval.BuildIndex, engineName, others...)
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(e.stdout).Encode(rep.Summary("lexical"))
	}
	return searcheval.WriteEvalReport(e.stdout, rep)
}

// trainModel trains the embedding model as 'embed train' does, on the real
// corpus and the CSFCube corpus together (CSFCube's papers are its domain).
func (c *evalSearchCmd) trainModel(e *env) (*embed.Model, error) {
	start := time.Now()
	corpus, err := searcheval.LoadRealCorpus(e.ctx, c.Data)
	if err != nil {
		return nil, err
	}
	cube, err := searcheval.LoadCSFCube(filepath.Join(c.Data, searcheval.CSFCubeDir))
	if err != nil {
		return nil, err
	}
	opts := embed.DefaultTrainOptions()
	opts.Dim, opts.Seed = c.Dim, c.Seed
	opts.Progress = func(stage string) {
		e.log.Info("eval: embed train", "stage", stage, "elapsed", time.Since(start).Round(time.Second))
	}
	return embed.Train(e.ctx, append(corpus, cube.Docs...), opts)
}

// buildSemantic is the evaluation's Builder for semantic or hybrid
// ranking: paperboy's lexical index and the model's vectors of docs behind
// a search.Searcher, the code the server and 'paperboy search' rank
// with, so that what is measured is what is served.
func buildSemantic(model *embed.Model, mode search.Mode) searcheval.Builder {
	return func(ctx context.Context, docs []search.Document) (searcheval.Ranker, error) {
		b := lexical.NewBuilder()
		for _, d := range docs {
			if err := b.Add(d); err != nil {
				return nil, err
			}
		}
		lex := b.Finish()
		ix, err := semantic.NewIndex(ctx, model, docs, 1)
		if err != nil {
			return nil, err
		}
		return searcherEval{
			searcher: &search.Searcher{Lexical: wordQueries{lex}, Index: func() *semantic.Index { return ix }, Fusion: search.DefaultFusion},
			mode:     mode,
		}, nil
	}
}

// wordQueries is the lexical index as the Searcher sees it, without the
// interactive length limit on queries and without the query language:
// CSFCube searches with whole titles and abstracts, read as words
// (lexical.ParseWords), as searcheval.IndexRanker reads them.
type wordQueries struct{ ix *lexical.Index }

func (l wordQueries) Search(ctx context.Context, req search.Request) (search.Result, error) {
	q, err := lexical.ParseWords(req.Query)
	if err != nil {
		return search.Result{}, err
	}
	return l.ix.SearchQuery(ctx, q, req)
}

// searcherEval ranks with a search.Searcher in one mode.
type searcherEval struct {
	searcher *search.Searcher
	mode     search.Mode
}

func (s searcherEval) Search(ctx context.Context, query string, limit int) ([]string, error) {
	res, _, err := s.searcher.Search(ctx, s.mode, search.Request{Query: query, Limit: limit})
	if err != nil {
		return nil, err
	}
	return res.IDs(), nil
}

type benchCmd struct {
	Search benchSearchCmd `cmd:"" help:"Measure search latency (1 and 8 clients) beside SQLite FTS5."`
	Scale  benchScaleCmd  `cmd:"" help:"Generate, import, index, embed, serve and query a large synthetic corpus; print time, disk, memory and latency."`
	Facets benchFacetsCmd `cmd:"" help:"Measure what topic facets add to search latency, on the data directory's index and topic map."`
}

type benchSearchCmd struct {
	Corpus  []string `name:"corpus" required:"" type:"existingfile" help:"Corpus files (Kaggle or Hugging Face format); repeat or comma-separate."`
	Data    string   `name:"data" default:"../shared/data" help:"The shared data directory, for the query set."`
	Clients []int    `name:"clients" default:"1,8" help:"Concurrent clients to measure."`
	Limit   int      `name:"limit" default:"10" help:"Results per query."`
	JSON    bool     `name:"json" help:"Print the report as JSON."`
}

func (c *benchSearchCmd) Run(e *env) error {
	start := time.Now()
	docs, err := searcheval.LoadCorpus(e.ctx, c.Corpus...)
	if err != nil {
		return err
	}
	e.log.Info("corpus loaded", "papers", len(docs), "took", time.Since(start).Round(time.Millisecond))
	items, err := searcheval.LoadKnownItems(filepath.Join(c.Data, searcheval.KnownItemFile))
	if err != nil {
		return err
	}
	rep, err := searcheval.RunBench(e.ctx, docs, searcheval.QueryMix(items), searcheval.BuildIndex,
		searcheval.BenchOptions{EngineName: engineName, Clients: c.Clients, Limit: c.Limit, Dir: e.DataDir})
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(e.stdout).Encode(rep)
	}
	return searcheval.WriteBenchReport(e.stdout, rep)
}

type genCorpusCmd struct {
	Papers int      `name:"papers" default:"1000000" help:"How many synthetic papers to write."`
	Out    string   `name:"out" short:"o" required:"" help:"Output file (Kaggle JSON lines; .gz is not added)."`
	Sample []string `name:"sample" default:"../shared/data/arxiv-cs/arxiv-cs-2025-2026.kaggle.jsonl.gz" help:"Real corpus whose statistics the output follows."`
	Seed   int64    `name:"seed" default:"1" help:"Random seed: the same seed and sample give the same file."`
	// 0 by default so that the corpus behind the published lexical
	// figures can be written again.
	Topical float64 `name:"topical" default:"0" help:"Share of each paper's words drawn from the real paper it follows rather than from the whole sample (0 to 1): 0 writes papers without topics, whose embeddings do not cluster; 0.5 keeps the topics of the real papers."`
}

func (c *genCorpusCmd) Validate() error {
	if c.Papers < 1 || c.Papers > 99_999*12*80 {
		return fmt.Errorf("--papers %d: want 1 to %d", c.Papers, 99_999*12*80)
	}
	if c.Topical < 0 || c.Topical > 1 {
		return fmt.Errorf("--topical %g: want 0 to 1", c.Topical)
	}
	return nil
}

// kaggleRecord is the subset of the Kaggle layout that import reads.
type kaggleRecord struct {
	ID         string           `json:"id"`
	Authors    string           `json:"authors"`
	Title      string           `json:"title"`
	Categories string           `json:"categories"`
	Abstract   string           `json:"abstract"`
	Versions   []map[string]any `json:"versions"`
	UpdateDate string           `json:"update_date"`
}

// kaggleRecordOf is the n-th (from 0) synthetic paper as a Kaggle record,
// with a valid new-style id: 99,999 a month from 2001 on.
func kaggleRecordOf(d search.Document, n int) kaggleRecord {
	month := n / 99_999
	return kaggleRecord{
		ID:         fmt.Sprintf("%02d%02d.%05d", 20+month/12, 1+month%12, n%99_999+1),
		Authors:    strings.Join(d.Authors, ", "),
		Title:      d.Title,
		Categories: strings.Join(d.Categories, " "),
		Abstract:   d.Abstract,
		Versions:   []map[string]any{{"version": "v1", "created": d.Date.Format("Mon, 2 Jan 2006 15:04:05 GMT")}},
		UpdateDate: d.Date.Format(time.DateOnly),
	}
}

func (c *genCorpusCmd) Run(e *env) error {
	var sample []search.Document
	for _, path := range c.Sample {
		if err := searcheval.ReadCorpus(e.ctx, path, func(d search.Document) { sample = append(sample, d) }); err != nil {
			return err
		}
	}
	f, err := os.Create(c.Out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	prog := newProgress(e, false)
	n := 0
	err = synth.Generate(synth.Options{Seed: c.Seed, Topical: c.Topical}, sample, c.Papers, func(d search.Document) error {
		rec := kaggleRecordOf(d, n)
		n++
		if n%50_000 == 0 {
			prog.counter("generating")(n, c.Papers)
		}
		return enc.Encode(rec)
	})
	prog.clear()
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d synthetic papers to %s\n", n, c.Out)
	return nil
}
