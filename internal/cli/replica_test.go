package cli

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// waitFor polls a search until its answer contains want.
func waitFor(t *testing.T, url, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		status, body := get(t, url)
		if status == 200 && strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q after 15 s (status %d): %s", url, want, status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNewReplicaStartsFromAPeersIndex: a second server on the same
// PostgreSQL database, started with --index-from a running replica's debug
// address, copies that replica's index instead of building one, and finds
// papers imported afterwards through the change feed.
func TestNewReplicaStartsFromAPeersIndex(t *testing.T) {
	db := storetest.URL(t, store.Postgres)
	kaggle := writeFixture(t, "arxiv.jsonl", kaggleFixture)
	if code, out, errOut := run(t, "import", "-q", "--database-url", db, kaggle); code != 0 {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	debug := ln.Addr().String()
	ln.Close()
	first := serve(t, "serve", "--database-url", db, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0", "--debug-addr", debug)
	waitFor(t, first+"/api/papers/search?q=preference+optimisation", `"id"`)

	var log logBuffer
	second := serveTo(t, &log, "serve", "--database-url", db, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0",
		"--index-from", "http://"+debug)
	waitFor(t, second+"/api/papers/search?q=preference+optimisation", `"id"`)
	if !strings.Contains(log.String(), "search index copied from the peer") || strings.Contains(log.String(), "search index built") {
		t.Fatalf("the new replica did not start from the peer's index:\n%s", log.String())
	}
	later := writeFixture(t, "later.jsonl", `{"id":"2506.07777","authors":"A. Author","title":"Speculative decoding with draft trees","categories":"cs.CL","abstract":"Draft trees make speculative decoding faster.","versions":[{"version":"v1","created":"Mon, 2 Jun 2025 00:00:00 GMT"}]}`)
	if code, out, errOut := run(t, "import", "-q", "--database-url", db, later); code != 0 {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	waitFor(t, second+"/api/papers/search?q=speculative+draft+trees", "2506.07777")
}

// TestNewReplicaCopiesThePeersVectors: --index-from also copies the
// peer's embedding model, vectors and topic map, so that the new replica
// searches by meaning without 'embed train', and embeds papers imported
// afterwards through the change feed.
func TestNewReplicaCopiesThePeersVectors(t *testing.T) {
	db := storetest.URL(t, store.Postgres)
	if code, out, errOut := run(t, "import", "-q", "--database-url", db, topicsFixture(t)); code != 0 {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	firstDir := t.TempDir()
	if code, out, errOut := run(t, "embed", "train", "--dim", "8", "--database-url", db, "--data-dir", firstDir); code != 0 {
		t.Fatalf("embed train: %d\n%s%s", code, out, errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	debug := ln.Addr().String()
	ln.Close()
	first := serve(t, "serve", "--database-url", db, "--data-dir", firstDir, "--addr", "127.0.0.1:0", "--debug-addr", debug)
	waitFor(t, first+"/api/papers/search?mode=semantic&q=phoneme", `"id"`)

	var log logBuffer
	secondDir := t.TempDir()
	second := serveTo(t, &log, "serve", "--database-url", db, "--data-dir", secondDir, "--addr", "127.0.0.1:0",
		"--index-from", "http://"+debug)
	waitFor(t, second+"/api/papers/search?mode=semantic&q=phoneme", `"id"`)
	if !strings.Contains(log.String(), "vectors copied from the peer") {
		t.Fatalf("the new replica did not copy the peer's vectors:\n%s", log.String())
	}
	for _, name := range []string{"model.bin", "vectors.bin", "topics.bin"} {
		a, err := os.ReadFile(filepath.Join(firstDir, "embed", name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(secondDir, "embed", name))
		if err != nil {
			t.Fatalf("%s was not copied: %v", name, err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("the copy of %s differs from the peer's", name)
		}
	}
	later := writeFixture(t, "later.jsonl", `{"id":"2506.07777","authors":"A. Author","title":"Phoneme vocoder waveform","categories":"cs.CL","abstract":"speech acoustic phoneme audio spoken waveform vocoder recognition","versions":[{"version":"v1","created":"Mon, 2 Jun 2025 00:00:00 GMT"}]}`)
	if code, out, errOut := run(t, "import", "-q", "--database-url", db, later); code != 0 {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	waitFor(t, second+"/api/papers/search?mode=semantic&limit=100&q=phoneme+vocoder+waveform", "2506.07777")
}
