package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestRealTopicGroups checks the topic-group threshold on a data directory
// built from the real papers (import, then embed train): queries with
// several meanings split, queries with one do not. Queries whose results
// hold sub-fields (vision and graph transformers, LLM and economic agents,
// image and language diffusion models, speech and speech-emotion
// recognition) are shown but not asserted: with the fine-tuned model their
// silhouettes fall on both sides of any threshold that splits alignment
// and keeps direct preference optimization whole, and move with the
// fusion weight (speech recognition split at lexical weight 0.7, k2 0.135
// with 20 emotion papers among the best 150; at 0.6 it holds 16 and reads
// 0.046).
//
//	PAPERBOY_REAL_DIR=<data-dir> go test -run TestRealTopicGroups -v ./internal/search/
func TestRealTopicGroups(t *testing.T) {
	dir := os.Getenv("PAPERBOY_REAL_DIR")
	if dir == "" {
		t.Skip("set PAPERBOY_REAL_DIR to a data directory of the real papers")
	}
	ctx := context.Background()
	ix, err := semantic.Open(filepath.Join(dir, "embed"))
	if err != nil {
		t.Fatal(err)
	}
	lex, err := lexical.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "paperboy.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := Searcher{Lexical: lex, Index: func() *semantic.Index { return ix }}
	const yes, no, either = "yes", "no", "either"
	for _, c := range []struct {
		query, split string
	}{
		{"alignment", yes},
		{"speech recognition", either}, {"transformer", either}, {"agents", either}, {"diffusion models", either}, {"attention", either},
		{"reinforcement learning", either}, {"quantization", either},
		{"gaussian splatting", no}, {"direct preference optimization", no},
		{"graph neural networks", no}, {"retrieval augmented generation", no}, {"object detection", no},
		{"federated learning", no}, {"large language models", no},
	} {
		var sils []string
		groups, err := s.Groups(ctx, st, Hybrid, Request{Query: c.query}, GroupOptions{Debug: func(k int, sil float64) {
			sils = append(sils, fmt.Sprintf("k%d %.3f", k, sil))
		}})
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, g := range groups {
			labels = append(labels, fmt.Sprintf("%s (%d)", g.Label, g.Count))
		}
		t.Logf("%-32s %s | %s", c.query, strings.Join(sils, ", "), strings.Join(labels, " | "))
		if c.split != either && (len(groups) > 0) != (c.split == yes) {
			t.Errorf("%q: %d groups, want a split: %s", c.query, len(groups), c.split)
		}
	}
}
