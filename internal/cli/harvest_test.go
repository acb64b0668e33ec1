package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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
			code, _, errOut = run(t, append([]string{"harvest", "arxiv", "--base-url", "http://127.0.0.1:1/oai",
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

const listingFeedFixture = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">
<id>http://rss.arxiv.org/atom/cs.AI</id><title>cs.AI updates on arXiv.org</title><updated>2025-06-03T04:00:00+00:00</updated>
<entry><id>oai:arXiv.org:2506.04321v1</id><title>Scheduled Harvests Considered Helpful</title>
<summary>arXiv:2506.04321v1 Announce Type: new
Abstract: We harvest on a schedule.</summary>
<category term="cs.AI"/><published>2025-06-03T00:00:00-04:00</published><arxiv:announce_type>new</arxiv:announce_type>
<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights><dc:creator>Ada Lovelace, Alan Turing</dc:creator></entry>
<entry><id>oai:arXiv.org:2506.04322v1</id><title>Exactly Once, Across Replicas</title>
<summary>arXiv:2506.04322v1 Announce Type: cross
Abstract: Leases, not locks.</summary>
<category term="cs.DC"/><category term="cs.AI"/><published>2025-06-03T00:00:00-04:00</published><arxiv:announce_type>cross</arxiv:announce_type>
<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights><dc:creator>Grace Hopper</dc:creator></entry>
</feed>
`

func TestServeRunsScheduledFeedHarvest(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/atom/cs.AI" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		io.WriteString(w, listingFeedFixture)
	}))
	t.Cleanup(feed.Close)
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.URL(t, d)
			if code, out, _ := run(t, "harvest", "status", "--database-url", db); code != 0 || !strings.Contains(out, "no scheduled harvests") {
				t.Errorf("status before serve: exit %d\n%s", code, out)
			}
			base := serve(t, "serve", "--database-url", db, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0",
				"--harvest-feeds", "cs.AI", "--feed-url", feed.URL)
			deadline := time.Now().Add(15 * time.Second)
			for {
				var paper map[string]any
				status := getJSON(t, base+"/api/papers/2506.04322", &paper)
				if status == 200 {
					if paper["title"] != "Exactly Once, Across Replicas" {
						t.Errorf("harvested paper: %v", paper)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the scheduled feed harvest did not store the paper: last status %d", status)
				}
				time.Sleep(50 * time.Millisecond)
			}
			var jobs []map[string]any
			for time.Now().Before(deadline) { // the run is recorded just after the papers
				code, out, errOut := run(t, "harvest", "status", "--json", "--database-url", db)
				if code != 0 {
					t.Fatalf("harvest status: exit %d\n%s", code, errOut)
				}
				if err := json.Unmarshal([]byte(out), &jobs); err != nil {
					t.Fatalf("harvest status --json: %v\n%s", err, out)
				}
				if len(jobs) == 1 && jobs[0]["status"] == "ok" {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if len(jobs) != 1 || jobs[0]["name"] != "arxiv-feed cs.AI" || jobs[0]["status"] != "ok" || jobs[0]["lastRecords"] != 2.0 {
				t.Fatalf("jobs: %v", jobs)
			}
			next, _ := time.Parse(time.RFC3339, jobs[0]["nextRunAt"].(string))
			if wait := time.Until(next); wait < 0 || wait > 66*time.Minute {
				t.Errorf("next run in %s, want within the hour (plus jitter)", wait)
			}
			code, out, _ := run(t, "harvest", "status", "--database-url", db)
			if code != 0 || !strings.Contains(out, "arxiv-feed cs.AI") || !strings.Contains(out, "NEXT RUN") || !strings.Contains(out, " ok ") {
				t.Errorf("harvest status: exit %d\n%s", code, out)
			}
		})
	}
}

func TestServeHarvestFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--harvest-feeds", "cs.AI,not a category"},
		{"--harvest-oai-sets", "cs,,math"},
		{"--harvest-feeds", "cs.AI", "--feed-url", "rss.arxiv.org/atom"},
	} {
		code, _, errOut := run(t, append([]string{"serve", "--data-dir", dir}, args...)...)
		if code != 2 || !strings.Contains(errOut, args[len(args)-2]) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
