package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// TestSecondServeOnOneDataDirIsRefused starts two servers on one data
// directory: the second exits at once, naming the first; the first goes
// on serving; once it has stopped, a server starts there again.
func TestSecondServeOnOneDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	t.Run("while one runs", func(t *testing.T) {
		base := serve(t, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0")
		// Were it not refused, the second would stop as soon as it listens.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		listened := false
		var errOut bytes.Buffer
		code := Main(ctx, []string{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--no-harvest"},
			Options{Stdout: io.Discard, Stderr: &errOut, OnListen: func(string) { listened = true; cancel() }})
		want := fmt.Sprintf("another paperboy serve is using %s (pid %d)", dir, os.Getpid())
		if code != 1 || listened || !strings.Contains(errOut.String(), want) {
			t.Errorf("second serve: exit %d, listened %v; want exit 1 with %q:\n%s", code, listened, want, errOut.String())
		}
		var health map[string]string
		if status := getJSON(t, base+"/healthz", &health); status != 200 || health["status"] != "ok" {
			t.Errorf("first server after the second was refused: %d %v", status, health)
		}
	})
	// The first server stopped when its subtest ended.
	base := serve(t, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0")
	if status, _ := get(t, base+"/healthz"); status != 200 {
		t.Errorf("a server after the first stopped: %d", status)
	}
}
