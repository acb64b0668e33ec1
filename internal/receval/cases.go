package receval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// CasesFile is the dev cases, relative to the shared data directory.
const CasesFile = "eval/rec-authors-dev.jsonl"

// Case is one author: their earlier papers stand for a reader's library
// (oldest first), their papers of the evaluation month are what a good
// recommender ranks first.
type Case struct {
	Author  string   `json:"author"`
	Profile []string `json:"profile"`
	Truth   []string `json:"truth"`
}

// LoadCases reads cases, one JSON object a line.
func LoadCases(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("receval: %w", err)
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		var c Case
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("receval: %s:%d: %w", path, n, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("receval: %s: %w", path, err)
	}
	return cases, nil
}

// Cutoff is the rank Recall and NDCG are measured at.
const Cutoff = 20

// Metrics are averaged over cases.
type Metrics struct {
	Recall float64 `json:"recall_at_20"`
	NDCG   float64 `json:"ndcg_at_20"`
	MRR    float64 `json:"mrr"`
	Cases  int     `json:"cases"`
}

// Score measures one ranking (all candidates, best first) against truth:
// Recall@20, binary nDCG@20 and the reciprocal rank of the first true
// paper (0 when none is ranked).
func Score(ranked []string, truth []string) Metrics {
	want := map[string]bool{}
	for _, id := range truth {
		want[id] = true
	}
	var m Metrics
	if len(want) == 0 {
		return m
	}
	hits := 0
	var dcg float64
	for r, id := range ranked {
		if !want[id] {
			continue
		}
		if m.MRR == 0 {
			m.MRR = 1 / float64(r+1)
		}
		if r < Cutoff {
			hits++
			dcg += 1 / math.Log2(float64(r+2))
		}
	}
	var idcg float64
	for r := range min(len(want), Cutoff) {
		idcg += 1 / math.Log2(float64(r+2))
	}
	m.Recall = float64(hits) / float64(len(want))
	m.NDCG = dcg / idcg
	m.Cases = 1
	return m
}

// add accumulates o into m; mean divides by the count.
func (m *Metrics) add(o Metrics) {
	m.Recall += o.Recall
	m.NDCG += o.NDCG
	m.MRR += o.MRR
	m.Cases += o.Cases
}

func (m Metrics) mean() Metrics {
	if m.Cases == 0 {
		return m
	}
	n := float64(m.Cases)
	return Metrics{Recall: m.Recall / n, NDCG: m.NDCG / n, MRR: m.MRR / n, Cases: m.Cases}
}
