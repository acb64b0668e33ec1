package cli

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// embeddingsServer speaks the OpenAI /v1/embeddings API: each text's
// vector sums its words' random directions, so texts that share words are
// close. delay, when set, slows every answer.
type embeddingsServer struct {
	*httptest.Server
	dim      int
	requests atomic.Int64
	texts    atomic.Int64
	delay    atomic.Int64 // nanoseconds
	// gate, while set, holds every answer until it is closed.
	gate atomic.Pointer[chan struct{}]
}

func newEmbeddingsServer(t *testing.T, dim int) *embeddingsServer {
	es := &embeddingsServer{dim: dim}
	es.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "hash-embed" {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		if g := es.gate.Load(); g != nil {
			select {
			case <-*g:
			case <-r.Context().Done():
				return
			}
		}
		if d := time.Duration(es.delay.Load()); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		es.requests.Add(1)
		es.texts.Add(int64(len(req.Input)))
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		for i, text := range req.Input {
			v := make([]float32, dim)
			for _, w := range strings.Fields(strings.ToLower(text)) {
				h := fnv.New32a()
				h.Write([]byte(strings.Trim(w, ".,")))
				// Each word is a random direction seeded by its hash,
				// as words are in a real model's dense space: unrelated
				// words are nearly orthogonal, where hashing them into
				// buckets would make a quarter of random words collide
				// with a topic word here.
				rng := rand.New(rand.NewPCG(uint64(h.Sum32()), 1))
				for i := range v {
					v[i] += float32(rng.NormFloat64())
				}
			}
			data = append(data, item{Object: "embedding", Index: i, Embedding: v})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
	}))
	t.Cleanup(es.Close)
	return es
}

func TestEmbeddingsProvider(t *testing.T) {
	dataDir := importTopics(t)
	es := newEmbeddingsServer(t, 64)
	provider := []string{"--embed-url", es.URL, "--embed-model", "hash-embed", "--embed-dim", "64"}

	code, out, errOut := run(t, append([]string{"embed", "train", "--dim", "8", "--data-dir", dataDir}, provider...)...)
	if code != 0 {
		t.Fatalf("embed train with a provider: %d %s %s", code, out, errOut)
	}
	if n := es.texts.Load(); n != 60 {
		t.Errorf("the provider embedded %d texts, want the 60 papers", n)
	}
	saved, err := os.ReadFile(filepath.Join(dataDir, "embed", "provider.json"))
	if err != nil || !strings.Contains(string(saved), `"model": "hash-embed"`) {
		t.Fatalf("provider.json: %v %s", err, saved)
	}

	type result struct {
		Mode     string `json:"mode"`
		Fallback string `json:"fallback"`
		Results  []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	search := func(extra ...string) (result, string) {
		t.Helper()
		args := append([]string{"search", "--data-dir", dataDir, "--json", "--limit", "5"}, extra...)
		code, out, errOut := run(t, append(args, "waveform vocoder")...)
		var res result
		if code == 0 {
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("search output: %v %s", err, out)
			}
		}
		return res, errOut
	}
	// Saved vectors come with their provider: no flags needed.
	before := es.texts.Load()
	res, errOut := search("--mode", "semantic")
	if res.Mode != "semantic" || len(res.Results) != 5 {
		t.Fatalf("semantic search through the saved provider: %+v %s", res, errOut)
	}
	for _, r := range res.Results {
		var n int
		fmt.Sscanf(r.ID, "2506.%05d", &n)
		if n%2 != 1 {
			t.Errorf("semantic search for speech words returned vision paper %s", r.ID)
		}
	}
	if es.texts.Load() <= before { // the results, then their topic groups
		t.Errorf("the query was not embedded by the provider")
	}

	// A slow provider: hybrid answers from words and says why; semantic fails.
	es.delay.Store(int64(2 * time.Second))
	res, _ = search(append(provider, "--embed-timeout", "100ms")...)
	if res.Mode != "lexical" || !strings.Contains(res.Fallback, "did not answer in time") || len(res.Results) == 0 {
		t.Errorf("hybrid with a slow provider: %+v", res)
	}
	if res, errOut := search(append(provider, "--embed-timeout", "100ms", "--mode", "semantic")...); res.Mode != "" || !strings.Contains(errOut, "did not answer in time") {
		t.Errorf("semantic with a slow provider: %+v %s", res, errOut)
	}
	es.delay.Store(0)

	// Another model needs the corpus re-embedded first.
	other := []string{"--embed-url", es.URL, "--embed-model", "other-model", "--embed-dim", "64"}
	if _, errOut := search(other...); !strings.Contains(errOut, "re-embed the corpus") {
		t.Errorf("search with a changed provider model: %s", errOut)
	}
}
