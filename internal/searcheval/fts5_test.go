package searcheval

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

var smallCorpus = []lexical.Document{
	{ID: "2401.00001", Title: "Graph neural networks for molecule property prediction",
		Abstract: "We train message passing networks on molecular graphs.", Authors: []string{"Ada Lovelace"}},
	{ID: "2401.00002", Title: "Transformers for machine translation",
		Abstract: "Attention is all you need for translating sentences.", Authors: []string{"Alan Turing"}},
	{ID: "2401.00003", Title: "Diffusion models for image generation",
		Abstract: "Denoising diffusion produces high quality images.", Authors: []string{"Grace Hopper"}},
	{ID: "2401.00004", Title: "Reinforcement learning for robot control",
		Abstract: "Policies learned in simulation transfer to real robots.", Authors: []string{"Claude Shannon"}},
}

func newSmallFTS5(t *testing.T) *FTS5 {
	t.Helper()
	s, err := NewFTS5(context.Background(), t.TempDir(), smallCorpus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestFTS5FindsTheMatchingDocumentFirst(t *testing.T) {
	s := newSmallFTS5(t)
	tests := []struct{ query, want string }{
		{"graph neural network", "2401.00001"}, // porter: network ~ networks
		{"translating sentences with attention", "2401.00002"},
		{"denoising diffusion", "2401.00003"},
		{"Shannon", "2401.00004"}, // authors are indexed
	}
	for _, tt := range tests {
		ids, err := s.Search(context.Background(), tt.query, 10)
		if err != nil {
			t.Fatalf("Search(%q): %v", tt.query, err)
		}
		if len(ids) == 0 || ids[0] != tt.want {
			t.Errorf("Search(%q) = %v, want %s first", tt.query, ids, tt.want)
		}
	}
}

func TestFTS5ORsTheQueryWords(t *testing.T) {
	s := newSmallFTS5(t)
	ids, err := s.Search(context.Background(), "zebra robots images", 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, id := range ids {
		got[id] = true
	}
	if len(ids) != 2 || !got["2401.00003"] || !got["2401.00004"] {
		t.Errorf("Search = %v, want the robot and the image papers", ids)
	}
}

func TestFTS5LimitsResults(t *testing.T) {
	s := newSmallFTS5(t)
	for limit, want := range map[int]int{1: 1, 2: 2, 0: 4, -1: 4} {
		ids, err := s.Search(context.Background(), "for", limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != want {
			t.Errorf("limit %d: %d results, want %d", limit, len(ids), want)
		}
	}
}

func TestFTS5NeverFailsOnHostileQueries(t *testing.T) {
	s := newSmallFTS5(t)
	queries := []string{
		``, ` `, `"`, `""`, `"""`, `'`, `\`, `(`, `)`, `()`, `*`, `**`, `:`, `^`, `+`, `-`, `{`, `}`,
		`graph*`, `"graph`, `graph"`, `gra"ph`, `title:graph`, `{title abstract}:graph`, `-graph`,
		`^graph`, `+graph`, `NEAR(graph network)`, `NEAR(graph network, 2)`, `graph AND`, `AND`,
		`OR`, `NOT`, `graph NOT`, `x" OR "y`, `(graph OR`, `") OR 1=1 --`, `'; DROP TABLE papers; --`,
		`🙂 graph`, "graph\x00network", `rowid:1`, `papers:graph`, `*:*`, `a:b:c`, `[graph]`,
		strings.Repeat("graph ", 2000), strings.Repeat("x OR ", 500),
	}
	for _, q := range queries {
		if _, err := s.Search(context.Background(), q, 10); err != nil {
			t.Errorf("Search(%.40q): %v", q, err)
		}
	}
	if ids, _ := s.Search(context.Background(), `{title}: "graph`, 10); len(ids) == 0 || ids[0] != "2401.00001" {
		t.Errorf(`Search({title}: "graph) = %v, want the graph paper: syntax is dropped, words kept`, ids)
	}
}

func TestFTS5QueryQuotesEveryWord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"graph neural", `"graph" OR "neural"`},
		{`title:"LLM-based" (agents)*`, `"title" OR "LLM" OR "based" OR "agents"`},
		{"the the", `"the" OR "the"`},
		{"Schrödinger's café", `"Schrödinger" OR "s" OR "café"`},
		{`"*:^()`, ``},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, FTS5Query(tt.in)); diff != "" {
			t.Errorf("FTS5Query(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestFTS5CloseRemovesItsFile(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFTS5(context.Background(), dir, smallCorpus)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("after Close, dir holds %v", ents)
	}
}
