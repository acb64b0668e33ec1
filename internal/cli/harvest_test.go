package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/harvest/harvesttest"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func TestHarvestCommands(t *testing.T) {
	day := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	recs := harvesttest.Generate(450, day, 3)
	oai := harvesttest.NewOAIServer(t, recs)
	oai.PageSize = 100
	hf := harvesttest.NewHFServer(t, recs)
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.URL(t, d)
			fast := []string{"--database-url", db, "--delay", "1ns", "-q"}
			code, out, errOut := run(t, append([]string{"harvest", "arxiv", "--base-url", oai.URL + "/oai", "--set", "cs",
				"--from", "2025-06-01", "--metadata-prefix", "arXivRaw"}, fast...)...)
			if code != 0 || !strings.Contains(out, "imported") {
				t.Fatalf("harvest arxiv: exit %d\n%s%s", code, out, errOut)
			}
			code, out, errOut = run(t, append([]string{"harvest", "hf", "--base-url", hf.URL, "--date", "2025-06-03"}, fast...)...)
			if code != 0 || !strings.Contains(out, "hf-daily 2025-06-03") {
				t.Fatalf("harvest hf: exit %d\n%s%s", code, out, errOut)
			}
			feed := filepath.Join("..", "..", "..", "shared", "data", "formats", "arxiv-rss-atom-cs.AI-2025-08-20.xml")
			if _, err := os.Stat(feed); err != nil {
				t.Logf("skipping harvest rss FILE: %v", err)
			} else if code, out, errOut = run(t, append([]string{"harvest", "rss", feed}, fast...)...); code != 0 || !strings.Contains(out, "7 records") {
				t.Errorf("harvest rss FILE: exit %d\n%s%s", code, out, errOut)
			}

			// A source that cannot be read: non-zero, one line of reason.
			code, out, errOut = run(t, append([]string{"harvest", "arxiv", "--base-url", "http://127.0.0.1:1/oai",
				"--from", "2025-06-01", "--retries", "0"}, fast...)...)
			if code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "harvest arxiv") {
				t.Errorf("unreachable source: exit %d, stderr %q", code, errOut)
			}
			if code, _, errOut = run(t, append([]string{"harvest", "rss", "--base-url", oai.URL, "--categories", "cs.AI", "--retries", "0"}, fast...)...); code == 0 {
				t.Errorf("missing feed: exit 0, stderr %q", errOut)
			}
			if code, _, _ = run(t, "harvest", "arxiv", "--from", "June"); code != 2 {
				t.Errorf("bad --from: exit %d, want 2", code)
			}
		})
	}
}
