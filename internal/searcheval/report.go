package searcheval

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// BaselineName names the FTS5 baseline in reports.
const BaselineName = "sqlite-fts5"

// EvalReport is the outcome of RunEval: an engine and the FTS5 baseline on
// the same evaluations.
type EvalReport struct {
	CorpusDocs  int        `json:"corpus_docs"` // real corpus, for known-item search
	CSFCubeDocs int        `json:"csfcube_docs"`
	Engine      EngineEval `json:"engine"`
	Baseline    EngineEval `json:"baseline"`
	// Others are further engines evaluated beside Engine (semantic and
	// hybrid ranking), in the order given.
	Others []EngineEval `json:"others,omitempty"`
	// SPECTER scores the collection's own SPECTER rankings, a check of the
	// metric code: it should read MAP 0.342, NDCG%20 0.533.
	SPECTER CSFCubeResult `json:"specter"`
}

// EngineEval is one searcher's evaluation.
type EngineEval struct {
	Name      string            `json:"name"`
	BuildTime time.Duration     `json:"build_ns"`   // index of the real corpus
	KnownItem []KnownItemResult `json:"known_item"` // FieldQuery, then FieldMasked
	CSFCube   CSFCubeResult     `json:"csfcube"`
}

// Engine is a named Builder.
type Engine struct {
	Name  string
	Build Builder
}

// RunEval evaluates the searchers that build makes, those of others, and
// the FTS5 baseline, on the data under dataDir (the shared data
// directory): known-item search over the real corpus with both query
// fields, and CSFCube over its own corpus. The baseline's files go to a
// temporary directory.
func RunEval(ctx context.Context, dataDir string, build Builder, engineName string, others ...Engine) (EvalReport, error) {
	corpus, err := LoadRealCorpus(ctx, dataDir)
	if err != nil {
		return EvalReport{}, err
	}
	items, err := LoadKnownItems(filepath.Join(dataDir, KnownItemFile))
	if err != nil {
		return EvalReport{}, err
	}
	cube, err := LoadCSFCube(filepath.Join(dataDir, CSFCubeDir))
	if err != nil {
		return EvalReport{}, err
	}
	specter, err := LoadSPECTERRankings(filepath.Join(dataDir, CSFCubeDir))
	if err != nil {
		return EvalReport{}, err
	}
	rep := EvalReport{CorpusDocs: len(corpus), CSFCubeDocs: len(cube.Docs)}
	if rep.SPECTER, err = cube.Score(specter); err != nil {
		return EvalReport{}, err
	}
	tmp, err := os.MkdirTemp("", "paperboy-searcheval-")
	if err != nil {
		return EvalReport{}, fmt.Errorf("searcheval: %w", err)
	}
	defer os.RemoveAll(tmp)
	if rep.Engine, err = evalEngine(ctx, engineName, build, corpus, items, cube); err != nil {
		return EvalReport{}, err
	}
	for _, o := range others {
		ev, err := evalEngine(ctx, o.Name, o.Build, corpus, items, cube)
		if err != nil {
			return EvalReport{}, err
		}
		rep.Others = append(rep.Others, ev)
	}
	if rep.Baseline, err = evalEngine(ctx, BaselineName, BuildFTS5(tmp), corpus, items, cube); err != nil {
		return EvalReport{}, err
	}
	return rep, nil
}

func evalEngine(ctx context.Context, name string, build Builder, corpus []lexical.Document, items []KnownItemQuery, cube *CSFCube) (EngineEval, error) {
	ev := EngineEval{Name: name}
	start := time.Now()
	s, err := build(ctx, corpus)
	if err != nil {
		return ev, fmt.Errorf("searcheval: %s: build: %w", name, err)
	}
	ev.BuildTime = time.Since(start)
	for _, f := range []Field{FieldQuery, FieldMasked} {
		r, err := KnownItem(ctx, s, items, f)
		if err != nil {
			closeRanker(s)
			return ev, fmt.Errorf("searcheval: %s: %w", name, err)
		}
		ev.KnownItem = append(ev.KnownItem, r)
	}
	if err := closeRanker(s); err != nil {
		return ev, fmt.Errorf("searcheval: %s: close: %w", name, err)
	}

	if s, err = build(ctx, cube.Docs); err != nil {
		return ev, fmt.Errorf("searcheval: %s: build csfcube: %w", name, err)
	}
	ev.CSFCube, err = EvalCSFCube(ctx, cube, s)
	if cerr := closeRanker(s); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		return ev, fmt.Errorf("searcheval: %s: %w", name, err)
	}
	return ev, nil
}

// WriteEvalReport prints r as a table, the engine and the baseline side by
// side with their ratio.
func WriteEvalReport(w io.Writer, r EvalReport) error {
	e, b := r.Engine, r.Baseline
	engines := append([]EngineEval{e}, r.Others...)
	header := []string{"evaluation", "metric"}
	for _, x := range engines {
		header = append(header, x.Name)
	}
	header = append(header, b.Name, e.Name+"/"+b.Name)
	tw := newTable(header...)
	add := func(what, metric string, value func(x EngineEval) float64) {
		cells := []string{what, metric}
		for _, x := range engines {
			cells = append(cells, strconv.FormatFloat(value(x), 'f', 3, 64))
		}
		tw.add(append(cells, strconv.FormatFloat(value(b), 'f', 3, 64), ratio(value(e), value(b)))...)
	}
	addDur := func(what, metric string, value func(x EngineEval) time.Duration) {
		cells := []string{what, metric}
		for _, x := range engines {
			cells = append(cells, roundDur(value(x)).String())
		}
		tw.add(append(cells, roundDur(value(b)).String(), ratio(float64(value(e)), float64(value(b))))...)
	}
	for i := range len(e.KnownItem) {
		ki := func(f func(KnownItemResult) float64) func(EngineEval) float64 {
			return func(x EngineEval) float64 {
				if i >= len(x.KnownItem) {
					return 0
				}
				return f(x.KnownItem[i])
			}
		}
		what := fmt.Sprintf("known-item %s (%d)", e.KnownItem[i].Field, e.KnownItem[i].N)
		add(what, "MRR@10", ki(func(k KnownItemResult) float64 { return k.MRR10 }))
		add("", "recall@10", ki(func(k KnownItemResult) float64 { return k.Recall10 }))
		addDur("", "mean time*", func(x EngineEval) time.Duration {
			if i >= len(x.KnownItem) {
				return 0
			}
			return x.KnownItem[i].Mean
		})
	}
	add(fmt.Sprintf("CSFCube (%d)", e.CSFCube.N), "MAP", func(x EngineEval) float64 { return x.CSFCube.MAP })
	add("", "NDCG%20", func(x EngineEval) float64 { return x.CSFCube.NDCG20 })
	for i := range e.CSFCube.Facets {
		facet := func(f func(FacetScore) float64) func(EngineEval) float64 {
			return func(x EngineEval) float64 {
				if i >= len(x.CSFCube.Facets) {
					return 0
				}
				return f(x.CSFCube.Facets[i])
			}
		}
		ef := e.CSFCube.Facets[i]
		add(fmt.Sprintf("  %s (%d)", ef.Facet, ef.N), "MAP", facet(func(f FacetScore) float64 { return f.MAP }))
		add("", "NDCG%20", facet(func(f FacetScore) float64 { return f.NDCG20 }))
	}
	addDur(fmt.Sprintf("index build (%s docs)", thousands(r.CorpusDocs)), "time", func(x EngineEval) time.Duration { return x.BuildTime })
	if err := tw.write(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n* with GOMAXPROCS queries at once; see paperboy bench search for latency.\n"+
		"CSFCube: %d queries over %s papers, MAP at grade >= 2, NDCG%%20 graded at floor(20%% of the pool).\n"+
		"Metric check, SPECTER rankings: MAP %.3f, NDCG%%20 %.3f (published 0.342, 0.533).\n",
		r.SPECTER.N, thousands(r.CSFCubeDocs), r.SPECTER.MAP, r.SPECTER.NDCG20)
	return err
}

// BenchOptions tunes RunBench.
type BenchOptions struct {
	EngineName string // default "engine"
	Clients    []int  // concurrency levels; default 1 and 8
	Limit      int    // results per query; default 10
	Dir        string // where the baseline's database goes; default the system's temporary directory
	Warmup     int    // queries run before measuring, not timed; default 100
}

// BenchReport is the outcome of RunBench.
type BenchReport struct {
	CorpusDocs int         `json:"corpus_docs"`
	Queries    int         `json:"queries"`
	Limit      int         `json:"limit"`
	Engine     EngineBench `json:"engine"`
	Baseline   EngineBench `json:"baseline"`
}

// EngineBench is one searcher's benchmark.
type EngineBench struct {
	Name      string          `json:"name"`
	BuildTime time.Duration   `json:"build_ns"`
	Latency   []LatencyResult `json:"latency"` // one per BenchOptions.Clients
}

// RunBench builds a searcher over corpus with build, and the FTS5 baseline,
// one after the other, and times the building and the queries at each
// concurrency level.
func RunBench(ctx context.Context, corpus []lexical.Document, queries []string, build Builder, opts BenchOptions) (BenchReport, error) {
	if opts.EngineName == "" {
		opts.EngineName = "engine"
	}
	if len(opts.Clients) == 0 {
		opts.Clients = []int{1, 8}
	}
	if opts.Limit <= 0 {
		opts.Limit = 10
	}
	if opts.Warmup == 0 {
		opts.Warmup = 100
	}
	tmp, err := os.MkdirTemp(opts.Dir, "paperboy-searchbench-")
	if err != nil {
		return BenchReport{}, fmt.Errorf("searcheval: %w", err)
	}
	defer os.RemoveAll(tmp)
	rep := BenchReport{CorpusDocs: len(corpus), Queries: len(queries), Limit: opts.Limit}
	if rep.Engine, err = benchEngine(ctx, opts.EngineName, build, corpus, queries, opts); err != nil {
		return BenchReport{}, err
	}
	if rep.Baseline, err = benchEngine(ctx, BaselineName, BuildFTS5(tmp), corpus, queries, opts); err != nil {
		return BenchReport{}, err
	}
	return rep, nil
}

func benchEngine(ctx context.Context, name string, build Builder, corpus []lexical.Document, queries []string, opts BenchOptions) (_ EngineBench, err error) {
	eb := EngineBench{Name: name}
	start := time.Now()
	s, err := build(ctx, corpus)
	if err != nil {
		return eb, fmt.Errorf("searcheval: %s: build: %w", name, err)
	}
	eb.BuildTime = time.Since(start)
	defer func() {
		if cerr := closeRanker(s); cerr != nil && err == nil {
			err = fmt.Errorf("searcheval: %s: close: %w", name, cerr)
		}
	}()
	for _, q := range queries[:min(max(opts.Warmup, 0), len(queries))] {
		if _, err := s.Search(ctx, q, opts.Limit); err != nil {
			return eb, fmt.Errorf("searcheval: %s: warm-up query %q: %w", name, q, err)
		}
	}
	for _, c := range opts.Clients {
		eb.Latency = append(eb.Latency, Latency(ctx, s, queries, c, opts.Limit))
		if err := ctx.Err(); err != nil {
			return eb, err
		}
	}
	return eb, nil
}

// WriteBenchReport prints r as a table, the engine and the baseline side
// by side with their ratio (below 1 is faster for times, above 1 for QPS).
func WriteBenchReport(w io.Writer, r BenchReport) error {
	e, b := r.Engine, r.Baseline
	fmt.Fprintf(w, "corpus %s docs, %s queries, top %d\n\n", thousands(r.CorpusDocs), thousands(r.Queries), r.Limit)
	tw := newTable("measure", "", e.Name, b.Name, e.Name+"/"+b.Name)
	durRow(tw, "index build", "time", e.BuildTime, b.BuildTime)
	for i := range min(len(e.Latency), len(b.Latency)) {
		el, bl := e.Latency[i], b.Latency[i]
		what := fmt.Sprintf("%d client", el.Clients)
		if el.Clients != 1 {
			what += "s"
		}
		durRow(tw, what, "p50", el.P50, bl.P50)
		durRow(tw, "", "p99", el.P99, bl.P99)
		durRow(tw, "", "mean", el.Mean, bl.Mean)
		tw.add("", "QPS", fmt.Sprintf("%.1f", el.QPS), fmt.Sprintf("%.1f", bl.QPS), ratio(el.QPS, bl.QPS))
		if el.Errors > 0 || bl.Errors > 0 {
			tw.add("", "errors", strconv.Itoa(el.Errors), strconv.Itoa(bl.Errors), "")
		}
	}
	return tw.write(w)
}

func durRow(t *table, what, metric string, e, b time.Duration) {
	t.add(what, metric, roundDur(e).String(), roundDur(b).String(), ratio(float64(e), float64(b)))
}

// table lays out rows: the first two columns (labels) left-aligned, the
// others (figures) right-aligned.
type table struct{ rows [][]string }

func newTable(header ...string) *table { return &table{rows: [][]string{header}} }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	var width []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if i < 2 {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func ratio(e, b float64) string {
	if b == 0 {
		return "-"
	}
	r := e / b
	switch {
	case r > 0 && r < 0.01:
		// Two decimals would print 0.00: say how many times smaller.
		return fmt.Sprintf("1/%.0f", 1/r)
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.2f", r)
}

// roundDur keeps three significant digits or so.
func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= 10*time.Microsecond:
		return d.Round(100 * time.Nanosecond)
	}
	return d
}

// thousands formats n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// EvalSummary is the evaluation in the stable shape that `paperboy eval
// search --json` prints: per evaluation, one entry per ranker ("lexical" is
// paperboy's engine, "sqlite-fts5" the baseline; CSFCube also has the
// collection's "specter" rankings), with the full report beside it.
type EvalSummary struct {
	CSFCube   map[string]CSFCubeScore   `json:"csfcube"`
	KnownItem map[string]KnownItemScore `json:"known_item"`
	Report    EvalReport                `json:"report"`
}

// CSFCubeScore is one ranker's CSFCube figures.
type CSFCubeScore struct {
	MAP    float64 `json:"map"`
	NDCG20 float64 `json:"ndcg20"`
}

// KnownItemScore is one searcher's known-item figures on both query fields.
type KnownItemScore struct {
	MRR10          float64 `json:"mrr10"`
	Recall10       float64 `json:"recall10"`
	MRR10Masked    float64 `json:"mrr10_masked"`
	Recall10Masked float64 `json:"recall10_masked"`
}

// Summary arranges r in the stable shape; engineKey names the engine's
// entries ("lexical").
func (r EvalReport) Summary(engineKey string) EvalSummary {
	s := EvalSummary{CSFCube: map[string]CSFCubeScore{}, KnownItem: map[string]KnownItemScore{}, Report: r}
	engines := map[string]EngineEval{engineKey: r.Engine, BaselineName: r.Baseline}
	for _, o := range r.Others {
		engines[o.Name] = o
	}
	for key, ev := range engines {
		s.CSFCube[key] = CSFCubeScore{MAP: ev.CSFCube.MAP, NDCG20: ev.CSFCube.NDCG20}
		var k KnownItemScore
		for _, res := range ev.KnownItem {
			switch res.Field {
			case FieldQuery:
				k.MRR10, k.Recall10 = res.MRR10, res.Recall10
			case FieldMasked:
				k.MRR10Masked, k.Recall10Masked = res.MRR10, res.Recall10
			}
		}
		s.KnownItem[key] = k
	}
	s.CSFCube["specter"] = CSFCubeScore{MAP: r.SPECTER.MAP, NDCG20: r.SPECTER.NDCG20}
	return s
}
