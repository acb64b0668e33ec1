package search

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/semantic"
)

// TestRealSimilarityFloor measures what semantic.Index.Floor separates on a
// data directory of the real papers: the best-neighbour cosine of strings
// of random letters (a fresh sample, not the one Floor is calibrated on)
// against that of real queries, the known-item queries whole and cut to
// their first one to three words. Nearly every real query must find a
// neighbour above the floor, and nearly no gibberish.
//
//	PAPERBOY_REAL_DIR=<data-dir> PAPERBOY_KNOWN_ITEM=<data>/eval/known-item-dev.jsonl \
//	go test -run TestRealSimilarityFloor -v ./internal/search/
func TestRealSimilarityFloor(t *testing.T) {
	dir := os.Getenv("PAPERBOY_REAL_DIR")
	if dir == "" {
		t.Skip("set PAPERBOY_REAL_DIR to a data directory of the real papers")
	}
	ctx := context.Background()
	ix, err := semantic.Open(filepath.Join(dir, "embed"))
	if err != nil {
		t.Fatal(err)
	}
	floor, err := ix.Floor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	best := func(q string) float64 {
		hits, err := ix.SearchScored(ctx, q, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			return 0
		}
		return hits[0].Score
	}
	// Whole queries, and their first three words (often function words or
	// a new name alone, which the model does not know: those have no
	// neighbours by meaning, rightly, and are found by their words).
	var real, cut []float64
	for _, q := range knownItemQueries(t) {
		words := strings.Fields(q)
		real = append(real, best(q))
		cut = append(cut, best(strings.Join(words[:min(3, len(words))], " ")))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var noise []float64
	for range 400 {
		b := make([]byte, 5+rng.IntN(20))
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		noise = append(noise, best(string(b)))
	}
	noise = append(noise, best("zzqxjvbnonexistentword"))
	above := func(xs []float64) float64 {
		n := 0
		for _, x := range xs {
			if x > floor {
				n++
			}
		}
		return float64(n) / float64(len(xs))
	}
	t.Logf("floor %.3f; real queries (%d): %s, %.1f%% above; their first three words: %s, %.1f%% above; random letters (%d): %s, %.1f%% above",
		floor, len(real), quantiles(real), 100*above(real), quantiles(cut), 100*above(cut), len(noise), quantiles(noise), 100*above(noise))
	if above(real) < 0.99 || above(noise) > 0.01 {
		t.Errorf("the floor does not separate real queries from gibberish")
	}
}

func quantiles(xs []float64) string {
	s := slices.Sorted(slices.Values(xs))
	q := func(p float64) float64 { return s[int(p*float64(len(s)-1))] }
	return fmt.Sprintf("min %.3f p1 %.3f p50 %.3f p99 %.3f max %.3f", s[0], q(0.01), q(0.5), q(0.99), s[len(s)-1])
}

func knownItemQueries(t *testing.T) []string {
	t.Helper()
	path := os.Getenv("PAPERBOY_KNOWN_ITEM")
	if path == "" {
		t.Skip("set PAPERBOY_KNOWN_ITEM to the known-item queries (eval/known-item-dev.jsonl of the shared data)")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Query)
	}
	return out
}
