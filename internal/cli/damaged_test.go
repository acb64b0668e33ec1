package cli

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search"
)

// logBuffer collects a server's log while it runs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// searchResult is the search API's envelope, as far as these tests read it.
type searchResult struct {
	Mode     string `json:"mode"`
	Fallback string `json:"fallback"`
	Results  []struct {
		Paper struct {
			ID string `json:"id"`
		} `json:"paper"`
	} `json:"results"`
}

// semanticSearch runs a semantic search for speech words and returns the
// status and the mode that answered.
func semanticSearch(t *testing.T, base string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/api/papers/search?mode=semantic&limit=3&q=waveform+vocoder")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("X-Search-Mode")
}

// waitForSemantic polls until semantic search answers, as it does once
// the vectors are rebuilt.
func waitForSemantic(t *testing.T, base string, log *logBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, mode := semanticSearch(t, base)
		if status == http.StatusOK && mode == "semantic" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("semantic search never came back (last: %d, mode %q); log:\n%s", status, mode, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func damageFile(t *testing.T, path string, how string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch how {
	case "truncate":
		b = b[:len(b)/2]
	case "flip":
		b[len(b)*2/3] ^= 0x40
	case "garbage":
		b = []byte("\x00\x17garbage\n")
	case "format 2":
		// The version after the magic: vector.Open reads the header alone
		// before it refuses the file.
		binary.LittleEndian.PutUint32(b[8:], 2)
	case "remove":
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestServeSurvivesDamagedEmbeddings(t *testing.T) {
	for _, tc := range []struct {
		name, file, how string
		rebuilt         bool // the model is sound: the vectors come back
	}{
		{"truncated vectors", "vectors.bin", "truncate", true},
		{"flipped byte in the vectors", "vectors.bin", "flip", true},
		{"vectors of an older file format", "vectors.bin", "format 2", true},
		{"garbage feed position", "seq", "garbage", true},
		{"flipped byte in the model", "model.bin", "flip", false},
		{"model missing beside vectors", "model.bin", "remove", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := importTopics(t)
			if code, out, errOut := run(t, "embed", "train", "--dim", "8", "--data-dir", dataDir); code != 0 {
				t.Fatalf("embed train: %d %s %s", code, out, errOut)
			}
			damageFile(t, filepath.Join(dataDir, "embed", tc.file), tc.how)
			model, _ := os.ReadFile(filepath.Join(dataDir, "embed", "model.bin"))

			var log logBuffer
			base := serveTo(t, &log, "serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0")
			waitForIndex(t, base)
			var res searchResult
			status := getJSON(t, base+"/api/papers/search?q=waveform+vocoder&limit=5&envelope=1", &res)
			if status != http.StatusOK || len(res.Results) == 0 {
				t.Fatalf("hybrid search: %d %+v", status, res)
			}
			if !tc.rebuilt {
				if res.Mode != "lexical" || res.Fallback != search.FallbackUnavailable {
					t.Errorf("hybrid search with a damaged model: mode %q, fallback %q; want lexical, saying why", res.Mode, res.Fallback)
				}
				if status, _ := semanticSearch(t, base); status != http.StatusServiceUnavailable {
					t.Errorf("semantic search with a damaged model: %d, want 503", status)
				}
				if !strings.Contains(log.String(), "the embedding model is damaged") || !strings.Contains(log.String(), "paperboy embed train") {
					t.Errorf("the log does not tell the operator to retrain:\n%s", log.String())
				}
				if after, _ := os.ReadFile(filepath.Join(dataDir, "embed", "model.bin")); !bytes.Equal(after, model) {
					t.Error("the damaged model was overwritten")
				}
				return
			}
			// The rebuild of 60 papers may be done already: either answer
			// is right, but a lexical one must say why.
			if res.Mode != "hybrid" && (res.Mode != "lexical" || res.Fallback != search.FallbackUnavailable) {
				t.Errorf("hybrid search while the vectors are rebuilt: mode %q, fallback %q", res.Mode, res.Fallback)
			}
			waitForSemantic(t, base, &log)
			for _, want := range []string{"the saved vectors are damaged", "rebuilt the vectors"} {
				if !strings.Contains(log.String(), want) {
					t.Errorf("the log does not say %q:\n%s", want, log.String())
				}
			}
			// The rebuilt vectors were saved: the next start loads them.
			if code, out, errOut := run(t, "search", "--data-dir", dataDir, "--mode", "semantic", "--json", "waveform"); code != 0 || !strings.Contains(out, `"mode": "semantic"`) {
				t.Errorf("search after the rebuild: %d %s %s", code, out, errOut)
			}
		})
	}
}

// With vectors made by a provider that does not answer yet, the rebuild
// waits for it, and search meanwhile answers from words and says why.
func TestServeRebuildsAProvidersDamagedVectorsOnceItAnswers(t *testing.T) {
	dataDir := importTopics(t)
	es := newEmbeddingsServer(t, 64)
	provider := []string{"--embed-url", es.URL, "--embed-model", "hash-embed", "--embed-dim", "64"}
	if code, out, errOut := run(t, append([]string{"embed", "train", "--dim", "8", "--data-dir", dataDir}, provider...)...); code != 0 {
		t.Fatalf("embed train: %d %s %s", code, out, errOut)
	}
	damageFile(t, filepath.Join(dataDir, "embed", "vectors.bin"), "truncate")
	gate := make(chan struct{})
	es.gate.Store(&gate)
	defer func() {
		select {
		case <-gate:
		default:
			close(gate)
		}
	}()

	var log logBuffer
	base := serveTo(t, &log, append([]string{"serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0"}, provider...)...)
	waitForIndex(t, base)
	var res searchResult
	status := getJSON(t, base+"/api/papers/search?q=waveform+vocoder&limit=5&envelope=1", &res)
	if status != http.StatusOK || res.Mode != "lexical" || res.Fallback != search.FallbackUnavailable || len(res.Results) == 0 {
		t.Errorf("hybrid search while the vectors are rebuilt: %d %+v", status, res)
	}
	if status, _ := semanticSearch(t, base); status != http.StatusServiceUnavailable {
		t.Errorf("semantic search while the vectors are rebuilt: %d, want 503", status)
	}
	close(gate)
	waitForSemantic(t, base, &log)
	res = searchResult{}
	status = getJSON(t, base+"/api/papers/search?q=waveform+vocoder&limit=5&envelope=1", &res)
	if status != http.StatusOK || res.Mode != "hybrid" || res.Fallback != "" {
		t.Errorf("hybrid search after the rebuild: %d %+v", status, res)
	}
	for _, r := range res.Results[:min(3, len(res.Results))] {
		var n int
		fmt.Sscanf(r.Paper.ID, "2506.%05d", &n)
		if n%2 != 1 {
			t.Errorf("hybrid search for speech words after the rebuild returned vision paper %s", r.Paper.ID)
		}
	}
}
