package searcheval

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// listRanker answers each query with a fixed list.
type listRanker map[string][]string

func (l listRanker) Search(ctx context.Context, query string, limit int) ([]string, error) {
	r := l[query]
	return r[:min(limit, len(r))], nil
}

func TestKnownItemScoresTheItemsRank(t *testing.T) {
	s := listRanker{
		"first":  {"a", "x"},
		"second": {"x", "b"},
		"absent": {"x", "y"},
		"late":   {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "d"},
	}
	items := []KnownItemQuery{
		{ID: "a", Query: "first"},
		{ID: "b", Query: "second"},
		{ID: "c", Query: "absent", QueryMasked: "first"},
		{ID: "d", Query: "late"},
	}
	got, err := KnownItem(context.Background(), s, items, FieldQuery)
	if err != nil {
		t.Fatal(err)
	}
	if got.N != 4 || !near(got.MRR10, (1+0.5)/4.0) || !near(got.Recall10, 0.5) {
		t.Errorf("KnownItem = %+v, want N 4, MRR@10 0.375, recall@10 0.5", got)
	}
	// The masked field searches "first" for c, which does not find c.
	got, err = KnownItem(context.Background(), s, items[2:3], FieldMasked)
	if err != nil || got.MRR10 != 0 {
		t.Errorf("KnownItem(masked) = %+v, %v; want MRR 0", got, err)
	}
}

func TestRankPoolPutsUnreturnedCandidatesLastInPoolOrder(t *testing.T) {
	got := RankPool([]string{"a", "b", "c", "d", "e"}, []string{"x", "d", "b", "y", "d"})
	if diff := cmp.Diff([]string{"d", "b", "a", "c", "e"}, got); diff != "" {
		t.Errorf("RankPool (-want +got):\n%s", diff)
	}
}

// writeCSFCube writes a two-query collection in CSFCube's file layout.
// Query paper q1 is among its own candidates, as 8781666 is in the real one.
func writeCSFCube(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	corpus := []string{
		`{"paper_id": "q1", "title": "graph networks", "abstract": ["We study graph networks.", "On molecules."]}`,
		`{"paper_id": "q2", "title": "robot control", "abstract": ["Robots learn control."]}`,
		`{"paper_id": "c1", "title": "graph networks for molecules", "abstract": ["Graphs."]}`,
		`{"paper_id": "c2", "title": "image diffusion", "abstract": ["Images."]}`,
		`{"paper_id": "c3", "title": "robot learning", "abstract": ["Robots learn."]}`,
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Join(corpus, "\n") + "\n"))
	zw.Close()
	files := map[string]string{
		"corpus.jsonl.gz": gz.String(),
		"test-pid2anns-csfcube-background.json": `{"q1": {"cands": ["c2", "q1", "c1"], "relevance_adju": [0, 3, 3]},
			"q2": {"cands": ["c1", "c3"], "relevance_adju": [1, 2]}}`,
		"test-pid2anns-csfcube-method.json":                    `{}`,
		"test-pid2anns-csfcube-result.json":                    `{}`,
		"test-pid2pool-csfcube-specter-background-ranked.json": `{"q1": [["c1", 0.1], ["c2", 0.2]], "q2": [["c1", 0.1], ["c3", 0.3]]}`,
		"test-pid2pool-csfcube-specter-method-ranked.json":     `{}`,
		"test-pid2pool-csfcube-specter-result-ranked.json":     `{}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCSFCubeDropsTheQueryPaperFromItsPoolAndScores(t *testing.T) {
	dir := writeCSFCube(t)
	c, err := LoadCSFCube(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []CSFCubeQuery{
		{PaperID: "q1", Facet: "background", Text: "graph networks\nWe study graph networks. On molecules.", Pool: []string{"c2", "c1"}, Grades: []int{0, 3}},
		{PaperID: "q2", Facet: "background", Text: "robot control\nRobots learn control.", Pool: []string{"c1", "c3"}, Grades: []int{1, 2}},
	}
	if diff := cmp.Diff(want, c.Queries); diff != "" {
		t.Fatalf("queries (-want +got):\n%s", diff)
	}
	if len(c.Docs) != 5 {
		t.Errorf("%d docs, want 5", len(c.Docs))
	}

	specter, err := LoadSPECTERRankings(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Score(specter)
	if err != nil {
		t.Fatal(err)
	}
	// q2 ranks its relevant candidate second: AP 1/2; NDCG at floor(0.4)=0
	// candidates is 0 for both.
	if res.N != 2 || !near(res.MAP, (1+0.5)/2) || res.NDCG20 != 0 {
		t.Errorf("SPECTER score = %+v", res)
	}

	s, err := NewFTS5(context.Background(), t.TempDir(), c.Docs)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err = EvalCSFCube(context.Background(), c, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 2 || res.MAP != 1 {
		t.Errorf("FTS5 score = %+v, want MAP 1", res)
	}
}

func TestCSFCubeScoreRejectsIncompleteRankings(t *testing.T) {
	c, err := LoadCSFCube(writeCSFCube(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, ranked := range map[string]map[string][]string{
		"missing query":     {"q1_background": {"c1", "c2"}},
		"missing candidate": {"q1_background": {"c1"}, "q2_background": {"c1", "c3"}},
		"foreign candidate": {"q1_background": {"c1", "c2", "zz"}, "q2_background": {"c1", "c3"}},
		"duplicate":         {"q1_background": {"c1", "c1"}, "q2_background": {"c1", "c3"}},
	} {
		if _, err := c.Score(ranked); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestReportsAlignAndMarshal(t *testing.T) {
	ev := EngineEval{Name: "paperboy", BuildTime: 3 * time.Second,
		KnownItem: []KnownItemResult{{Field: FieldQuery, N: 400, MRR10: 0.99}, {Field: FieldMasked, N: 400, MRR10: 0.98}},
		CSFCube:   CSFCubeResult{N: 50, MAP: 0.3, NDCG20: 0.5, Facets: []FacetScore{{Facet: "method", N: 17, MAP: 0.2}}}}
	base := ev
	base.Name = BaselineName
	rep := EvalReport{CorpusDocs: 80017, CSFCubeDocs: 4205, Engine: ev, Baseline: base}
	var buf bytes.Buffer
	if err := WriteEvalReport(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"paperboy/sqlite-fts5", "known-item query_masked (400)", "80,017 docs", "  method (17)"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval report lacks %q:\n%s", want, out)
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Error(err)
	}

	lat := []LatencyResult{{Clients: 1, N: 10, P50: time.Millisecond, P99: 2 * time.Millisecond, QPS: 900}}
	brep := BenchReport{CorpusDocs: 10, Queries: 10, Limit: 10,
		Engine:   EngineBench{Name: "paperboy", BuildTime: time.Second, Latency: lat},
		Baseline: EngineBench{Name: BaselineName, BuildTime: 4 * time.Second, Latency: lat}}
	buf.Reset()
	if err := WriteBenchReport(&buf, brep); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "0.25") || !strings.Contains(out, "1 client") {
		t.Errorf("bench report:\n%s", out)
	}
	t.Logf("\n%s", buf.String())
}

func TestRunBenchComparesWithTheBaseline(t *testing.T) {
	queries := QueryMix([]KnownItemQuery{{Query: "graph networks for molecules and more words here"}})
	rep, err := RunBench(context.Background(), smallCorpus, queries, BuildFTS5(t.TempDir()),
		BenchOptions{EngineName: "other", Clients: []int{1, 2}, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Engine.Name != "other" || rep.Baseline.Name != BaselineName || len(rep.Baseline.Latency) != 2 ||
		rep.Baseline.Latency[1].N != len(queries) || rep.Engine.BuildTime <= 0 {
		t.Errorf("RunBench = %+v", rep)
	}
}

func TestSummaryShape(t *testing.T) {
	rep := EvalReport{
		Engine: EngineEval{Name: "paperboy", KnownItem: []KnownItemResult{
			{Field: FieldQuery, MRR10: 0.9, Recall10: 0.95}, {Field: FieldMasked, MRR10: 0.8, Recall10: 0.85},
		}, CSFCube: CSFCubeResult{MAP: 0.3, NDCG20: 0.5}},
		Baseline: EngineEval{Name: BaselineName, CSFCube: CSFCubeResult{MAP: 0.2}},
		SPECTER:  CSFCubeResult{MAP: 0.342, NDCG20: 0.533},
	}
	b, err := json.Marshal(rep.Summary("lexical"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]map[string]float64
	json.Unmarshal(b, &got) // "report" does not fit this shape and is skipped
	if got["csfcube"]["lexical"]["map"] != 0.3 || got["csfcube"]["specter"]["ndcg20"] != 0.533 ||
		got["known_item"]["lexical"]["mrr10_masked"] != 0.8 || got["known_item"]["lexical"]["recall10"] != 0.95 {
		t.Errorf("summary JSON: %s", b)
	}
}
