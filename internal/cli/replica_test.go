package cli

import (
	"net"
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
