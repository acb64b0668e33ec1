package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

const sharedData = "../../../shared/data"

// run runs paperboy in-process and returns its exit status and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, Options{Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

const kaggleFixture = `{"id":"2506.00001","submitter":null,"authors":"Ada Lovelace, Alan Turing and Grace Hopper","title":"Direct preference\n  optimisation revisited","comments":"12 pages","journal-ref":null,"doi":null,"report-no":null,"categories":"cs.CL cs.LG 68T50","license":null,"abstract":"  We revisit $\\ell_1$ things.\n","versions":[{"version":"v1","created":"Mon, 2 Jun 2025 00:00:00 GMT"}],"update_date":"2025-06-02","authors_parsed":[]}
{"id":"hep-th/9901001","submitter":"Someone","authors":"E. Witten","title":"Old style","comments":null,"journal-ref":null,"doi":null,"report-no":null,"categories":"hep-th","license":null,"abstract":"Strings.","versions":[{"version":"v1","created":"Fri, 1 Jan 1999 10:00:00 GMT"},{"version":"v2","created":"Fri, 5 Feb 1999 10:00:00 GMT"}],"update_date":"1999-02-05","authors_parsed":[]}
`

const hfFixture = `{"paper":{"id":"2506.00001","authors":[{"name":"Ada Lovelace"}],"publishedAt":"2025-06-01T10:00:00.000Z","submittedOnDailyAt":"2025-06-02T08:00:00.000Z","submittedOnDailyBy":{"user":"akhaliq"},"title":"DPO revisited","summary":"HF summary","upvotes":17,"githubRepo":"https://github.com/a/b","githubStars":99},"publishedAt":"2025-06-02T08:00:00.000Z","title":"DPO revisited","numComments":4}
`

func writeFixture(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportThenServe(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.URL(t, d)
			kaggle := writeFixture(t, "arxiv.jsonl", kaggleFixture)
			hf := writeFixture(t, "hf.jsonl", hfFixture)
			// Flags may follow the positional arguments.
			code, out, errOut := run(t, "import", kaggle, hf, "--database-url", db, "-q")
			if code != 0 {
				t.Fatalf("import exit %d\n%s%s", code, out, errOut)
			}
			if !strings.Contains(out, "total: 3 records: 2 imported, 1 updated, 0 unchanged, 0 rejected") {
				t.Errorf("import summary:\n%s", out)
			}
			if code, out, _ := run(t, "--database-url", db, "import", "-q", kaggle); code != 0 || !strings.Contains(out, "0 imported, 0 updated, 2 unchanged") {
				t.Errorf("re-import exit %d:\n%s", code, out)
			}

			// A data directory of its own: the default one is the
			// user's, and serve locks it.
			base := serve(t, "serve", "--database-url", db, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0")

			var health map[string]string
			if status := getJSON(t, base+"/healthz", &health); status != 200 || health["status"] != "ok" {
				t.Errorf("healthz: %d %v", status, health)
			}
			var paper map[string]any
			if status := getJSON(t, base+"/api/papers/2506.00001v1", &paper); status != 200 {
				t.Fatalf("paper: status %d", status)
			}
			want := map[string]any{
				"id": "2506.00001", "title": "Direct preference optimisation revisited",
				"summary": `We revisit $\ell_1$ things.`, "upvotes": 17.0, "numComments": 4.0,
				"githubRepo": "https://github.com/a/b", "githubStars": 99.0, "listedOn": "2025-06-02",
				// Hugging Face's timestamp, finer than the crawl's listing day.
				"publishedAt": "2025-06-01T10:00:00Z", "submittedOnDailyAt": "2025-06-02T08:00:00Z",
			}
			for k, v := range want {
				if paper[k] != v {
					t.Errorf("paper[%q] = %#v, want %#v", k, paper[k], v)
				}
			}
			var names []string
			authors, _ := paper["authors"].([]any)
			for _, a := range authors {
				if a, _ := a.(map[string]any); a["_id"] != "" && a["hidden"] == false {
					names = append(names, a["name"].(string))
				}
			}
			if strings.Join(names, ", ") != "Ada Lovelace, Alan Turing, Grace Hopper" {
				t.Errorf("authors = %v", paper["authors"])
			}
			if cats, _ := json.Marshal(paper["categories"]); string(cats) != `["cs.CL","cs.LG"]` {
				t.Errorf("categories = %s", cats)
			}
			var old map[string]any
			if status := getJSON(t, base+"/api/papers/hep-th/9901001v2", &old); status != 200 || old["version"] != 2.0 {
				t.Errorf("old-style id: %d %v", status, old)
			}
			var apiErr map[string]string
			if status := getJSON(t, base+"/api/papers/2506.99999", &apiErr); status != 404 || apiErr["error"] == "" {
				t.Errorf("unknown id: %d %v", status, apiErr)
			}
			if status := getJSON(t, base+"/api/papers/not-an-id", &apiErr); status != 400 || !strings.Contains(apiErr["error"], "invalid arXiv id") {
				t.Errorf("invalid id: %d %v", status, apiErr)
			}
			status, page := get(t, base+"/")
			if status != 200 || !strings.Contains(page, "Direct preference optimisation revisited") || !strings.Contains(page, "▲ 17") {
				t.Errorf("home page: %d\n%s", status, page)
			}
			if status, page := get(t, base+"/no/such/page"); status != 404 || !strings.Contains(page, "<h1>404") {
				t.Errorf("missing page: %d\n%s", status, page)
			}
		})
	}
}

// serve starts paperboy serve in the background and returns its base URL;
// the server is shut down, and must exit cleanly, when the test ends.
func serve(t *testing.T, args ...string) string {
	t.Helper()
	return serveTo(t, io.Discard, args...)
}

// offline adds --no-harvest to serve's arguments unless they name a
// harvest source: by default serve harvests arXiv and Hugging Face, and
// tests never reach the internet.
func offline(args []string) []string {
	for _, a := range args {
		if strings.HasPrefix(a, "--harvest") || strings.HasPrefix(a, "--no-harvest") {
			return args
		}
	}
	return append(slices.Clip(args), "--no-harvest")
}

// serveTo is serve with the server's log written to stderr.
func serveTo(t *testing.T, stderr io.Writer, args ...string) string {
	t.Helper()
	args = offline(args)
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, args, Options{Stdout: io.Discard, Stderr: stderr, OnListen: func(a string) { addr <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited with %d", code)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case code := <-done:
		t.Fatalf("serve exited early with %d", code)
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

// waitForIndex waits until the server's search index is loaded: the
// search API answers 503 before.
func waitForIndex(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, _ := get(t, base+"/api/papers/search?q=ready")
		if status != http.StatusServiceUnavailable {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the search index never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	status, body := get(t, url)
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %v\n%s", url, status, err, body)
	}
	return status
}

func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFixture(t, "bad.jsonl", kaggleFixture+"{not json\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"unknown flag", []string{"import", "--bogus", bad}, 2, []string{"unknown flag --bogus", "usage: paperboy import"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{"unexpected argument frobnicate", "usage: paperboy <command>"}},
		{"bad database url", []string{"migrate", "--database-url", "mysql://x/y"}, 2, []string{`unsupported scheme "mysql"`}},
		{"bad addr", []string{"serve", "--addr", "8080", "--data-dir", dir}, 2, []string{`--addr "8080"`}},
		{"bad trusted proxy", []string{"serve", "--trusted-proxies", "10.0.0.0/8,proxy.local", "--data-dir", dir}, 2, []string{`--trusted-proxies: "proxy.local" is not an address`}},
		// Both are refused before anything starts (exit 2: usage), not
		// after the server listens.
		{"bad digest hour", []string{"serve", "--digest-hour", "24", "--data-dir", dir}, 2, []string{"--digest-hour 24: want 0 to 23"}},
		{"public address without a base URL", []string{"serve", "--addr", "0.0.0.0:0", "--data-dir", dir}, 2, []string{"--base-url is required when serving on 0.0.0.0:0"}},
		{"missing file", []string{"import", "--data-dir", dir, "/no/such/file.jsonl"}, 2, []string{"/no/such/file.jsonl"}},
		{"rejected record", []string{"import", "-q", "--data-dir", dir, bad}, 1, []string{bad + ":3: malformed JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, stderr)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

func TestHelpEverywhere(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"import", "--help"}, {"migrate", "--help"}, {"version", "--help"}} {
		code, out, _ := run(t, args...)
		if code != 0 || !strings.Contains(out, "Usage: paperboy") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
}

func TestEnvironmentConfiguresDataDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PAPERBOY_DATA_DIR", dir)
	if code, _, errOut := run(t, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "paperboy.db")); err != nil {
		t.Fatalf("no database in PAPERBOY_DATA_DIR: %v", err)
	}
}

// TestImportRealData imports the real arXiv and Hugging Face files and checks
// the counts the data's README gives.
func TestImportRealData(t *testing.T) {
	arxivFile := filepath.Join(sharedData, "arxiv-cs/arxiv-cs-2025-2026.kaggle.jsonl.gz")
	hfFile := filepath.Join(sharedData, "hf-daily/hf-daily-papers-2024-2026.jsonl.gz")
	if _, err := os.Stat(arxivFile); err != nil || testing.Short() {
		t.Skip("real data not available, or -short")
	}
	db := storetest.URL(t, store.SQLite)
	if code, out, errOut := run(t, "import", "-q", "--database-url", db, arxivFile, hfFile); code != 0 {
		t.Fatalf("import exit %d\n%s%s", code, out, errOut)
	}
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	merged := st.WithDaily - (st.Papers - st.FromArxiv)
	if st.Papers != 80017 || st.FromArxiv != 74728 || st.WithDaily != 9577 || merged != 4288 {
		t.Errorf("stats %+v (merged %d), want 80017 papers, 74728 from arXiv, 9577 with daily data, 4288 merged", st, merged)
	}
	code, out, _ := run(t, "import", "-q", "--database-url", db, arxivFile, hfFile)
	if code != 0 || !strings.Contains(out, "total: 84309 records: 0 imported, 0 updated, 84309 unchanged, 0 rejected") {
		t.Errorf("re-import exit %d:\n%s", code, out)
	}
}

func TestSearchCommandAndAPI(t *testing.T) {
	dataDir := t.TempDir()
	kaggle := writeFixture(t, "arxiv.jsonl", kaggleFixture)
	if code, out, errOut := run(t, "import", "-q", "--data-dir", dataDir, kaggle); code != 0 {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := run(t, "search", "preference optimisation", "--json", "--data-dir", dataDir)
	if code != 0 {
		t.Fatalf("search: %d\n%s", code, errOut)
	}
	var res struct {
		Results []struct {
			ID    string  `json:"id"`
			Title string  `json:"title"`
			Score float64 `json:"score"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search --json output is not JSON: %v\n%s", err, out)
	}
	if len(res.Results) != 1 || res.Results[0].ID != "2506.00001" || res.Results[0].Score <= 0 {
		t.Fatalf("search results %+v", res.Results)
	}
	code, out, _ = run(t, "search", "--data-dir", dataDir, "au:witten")
	if code != 0 || !strings.Contains(out, "Old style") || !strings.Contains(out, "arXiv:hep-th/9901001") {
		t.Errorf("text search: %d\n%s", code, out)
	}
	if code, _, errOut := run(t, "search", "--data-dir", dataDir, strings.Repeat("long ", 60)); code != 1 || !strings.Contains(errOut, "too long") {
		t.Errorf("overlong query: %d %s", code, errOut)
	}
	if code, out, _ := run(t, "reindex", "--data-dir", dataDir); code != 0 || !strings.Contains(out, "indexed 2 papers") {
		t.Errorf("reindex: %d %s", code, out)
	}

	// The server finds papers imported while it runs.
	base := serve(t, "serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0")
	hf := writeFixture(t, "hf.jsonl", strings.Replace(strings.Replace(hfFixture, "2506.00001", "2506.00002", 1), "DPO revisited", "Speculative decoding at scale", 1))
	if code, out, errOut := run(t, "import", "-q", "--data-dir", dataDir, hf); code != 0 {
		t.Fatalf("import while serving: %d\n%s%s", code, out, errOut)
	}
	var items []struct {
		Paper      map[string]any    `json:"paper"`
		Score      float64           `json:"score"`
		Highlights map[string]string `json:"highlights"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		// 503 until the server's index is loaded.
		status, body := get(t, base+"/api/papers/search?q=speculative+decoding&limit=5")
		if status == 200 {
			if err := json.Unmarshal([]byte(body), &items); err != nil {
				t.Fatalf("search API answered %s: %v", body, err)
			}
			if len(items) == 1 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("new paper not searchable: status %d, %d items", status, len(items))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if items[0].Paper["id"] != "2506.00002" || items[0].Highlights["title"] != "<mark>Speculative</mark> <mark>decoding</mark> at scale" {
		t.Errorf("item %+v", items[0])
	}
	var apiErr map[string]string
	for _, q := range []string{"q=", "q=x&limit=0", "q=x&sort=sideways", "q=x&after=yesterday", "q=" + strings.Repeat("a+", 200)} {
		if status := getJSON(t, base+"/api/papers/search?"+q, &apiErr); status != 400 || apiErr["error"] == "" {
			t.Errorf("%s: status %d %v, want 400 with a message", q, status, apiErr)
		}
	}
}

func TestGenCorpusWritesImportableKaggleRecords(t *testing.T) {
	sample := writeFixture(t, "sample.jsonl", kaggleFixture)
	out := filepath.Join(t.TempDir(), "synthetic.jsonl")
	code, stdout, errOut := run(t, "gen-corpus", "--papers", "300", "--sample", sample, "--out", out, "--seed", "7")
	if code != 0 || !strings.Contains(stdout, "wrote 300 synthetic papers") {
		t.Fatalf("gen-corpus: %d\n%s%s", code, stdout, errOut)
	}
	first, _ := os.ReadFile(out)
	again := filepath.Join(t.TempDir(), "again.jsonl")
	run(t, "gen-corpus", "--papers", "300", "--sample", sample, "--out", again, "--seed", "7")
	second, _ := os.ReadFile(again)
	if !bytes.Equal(first, second) {
		t.Error("the same seed gave different corpora")
	}
	code, stdout, errOut = run(t, "import", "-q", "--data-dir", t.TempDir(), out)
	if code != 0 || !strings.Contains(stdout, "300 imported") {
		t.Fatalf("import of the synthetic corpus: %d\n%s%s", code, stdout, errOut)
	}
}

// TestTwoServersShareOnePostgreSQL runs two replicas, each with its own
// search index, on one database: a paper imported while they run is found
// through both, with the same ranking.
func TestTwoServersShareOnePostgreSQL(t *testing.T) {
	db := storetest.URL(t, store.Postgres)
	var bases []string
	for range 2 {
		bases = append(bases, serve(t, "serve", "--database-url", db, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"))
	}
	kaggle := writeFixture(t, "arxiv.jsonl", kaggleFixture)
	start := time.Now()
	if code, out, errOut := run(t, "import", "-q", "--database-url", db, kaggle); code != 0 {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	var rankings []string
	for i, base := range bases {
		var items []struct {
			Paper map[string]any `json:"paper"`
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			// 503 until the replica's index is built.
			if status, body := get(t, base+"/api/papers/search?q=preference+optimisation+strings"); status == 200 {
				if err := json.Unmarshal([]byte(body), &items); err != nil {
					t.Fatalf("search API answered %s: %v", body, err)
				}
				if len(items) == 2 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d never found the imported papers (%d items)", i, len(items))
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("replica %d found the import %v after it began", i, time.Since(start).Round(time.Millisecond))
		var ids []string
		for _, it := range items {
			ids = append(ids, it.Paper["id"].(string))
		}
		rankings = append(rankings, strings.Join(ids, ","))
	}
	if rankings[0] != rankings[1] {
		t.Errorf("replicas rank differently: %q vs %q", rankings[0], rankings[1])
	}
}

// importTopics imports 60 papers of two topics that share no words (odd
// ids speech, even ids vision), enough to train on, into a new data
// directory, and returns it.
func importTopics(t *testing.T) string {
	t.Helper()
	dataDir := t.TempDir()
	if code, out, errOut := run(t, "import", "-q", "--data-dir", dataDir, topicsFixture(t)); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	return dataDir
}

// topicsFixture writes importTopics' papers to a file and returns its path.
func topicsFixture(t *testing.T) string {
	t.Helper()
	topics := [][]string{
		{"speech", "acoustic", "phoneme", "audio", "recognition", "spoken", "waveform", "vocoder"},
		{"image", "pixel", "segmentation", "convolution", "camera", "detection", "visual", "object"},
	}
	var lines []string
	for i := range 60 {
		words := topics[i%2]
		var abs []string
		for j := range 12 {
			abs = append(abs, words[(i+j*3)%len(words)])
		}
		lines = append(lines, fmt.Sprintf(`{"id":"2506.%05d","authors":"A. Author","title":"%s %s","categories":"cs.CL","abstract":"%s","versions":[{"version":"v1","created":"Mon, 2 Jun 2025 00:00:00 GMT"}]}`,
			i+1, words[i%8], words[(i+1)%8], strings.Join(abs, " ")))
	}
	return writeFixture(t, "topics.jsonl", strings.Join(lines, "\n"))
}

func TestSemanticSearchAndSimilarPapers(t *testing.T) {
	dataDir := importTopics(t)
	// Before training, hybrid is lexical and says so; semantic refuses.
	code, out, _ := run(t, "search", "--data-dir", dataDir, "--json", "phoneme")
	if code != 0 || !strings.Contains(out, `"mode": "lexical"`) {
		t.Errorf("hybrid without a model: %d %s", code, out)
	}
	if code, _, errOut := run(t, "search", "--data-dir", dataDir, "--mode", "semantic", "phoneme"); code == 0 || !strings.Contains(errOut, "embed train") {
		t.Errorf("semantic without a model: %d %s", code, errOut)
	}
	if code, out, errOut := run(t, "embed", "train", "--dim", "8", "--data-dir", dataDir); code != 0 || !strings.Contains(out, "on 60 papers") || !strings.Contains(out, "a query scans") ||
		!strings.Contains(out, "mapped 60 papers into") {
		t.Fatalf("embed train: %d %s %s", code, out, errOut)
	}
	// The topic map came with the model: search prints the facets of all
	// the matches, and a facet's slug narrows the search to its papers.
	var facetted struct {
		Total  int `json:"total"`
		Facets struct {
			Topics []struct {
				Slug  string `json:"slug"`
				Label string `json:"label"`
				Count int    `json:"count"`
			} `json:"topics"`
		} `json:"facets"`
	}
	code, out, errOut := run(t, "search", "--data-dir", dataDir, "--mode", "lexical", "--json", "phoneme")
	if err := json.Unmarshal([]byte(out), &facetted); code != 0 || err != nil || len(facetted.Facets.Topics) == 0 {
		_, list, _ := run(t, "topics", "list", "--data-dir", dataDir)
		t.Fatalf("search --json with a topic map: %d %v %s %s\n%s", code, err, out, errOut, list)
	}
	f := facetted.Facets.Topics[0]
	code, out, errOut = run(t, "search", "--data-dir", dataDir, "--mode", "lexical", "--json", "--topic", f.Slug, "phoneme")
	if err := json.Unmarshal([]byte(out), &facetted); code != 0 || err != nil || facetted.Total != f.Count {
		t.Errorf("search --topic %s: %d results, want the facet's %d (%d %v %s)", f.Slug, facetted.Total, f.Count, code, err, errOut)
	}
	// A facet is named for the query; its largest topic is listed.
	largest, _, _ := strings.Cut(f.Slug, ",")
	if code, out, errOut := run(t, "topics", "list", "--data-dir", dataDir); code != 0 || !strings.Contains(out, " "+largest+"\n") {
		t.Errorf("topics list: %d %s %s", code, out, errOut)
	}
	var res struct {
		Mode    string `json:"mode"`
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	for _, mode := range []string{"semantic", "hybrid"} {
		code, out, errOut := run(t, "search", "--data-dir", dataDir, "--mode", mode, "--json", "--limit", "5", "waveform vocoder")
		if code != 0 {
			t.Fatalf("%s: %d %s", mode, code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.Mode != mode || len(res.Results) != 5 {
			t.Fatalf("%s: %v %s", mode, err, out)
		}
		for _, r := range res.Results {
			var n int
			fmt.Sscanf(r.ID, "2506.%05d", &n)
			if n%2 != 1 { // odd ids are the speech papers
				t.Errorf("%s search for speech words returned vision paper %s", mode, r.ID)
			}
		}
	}
	// The server answers in semantic mode and gives similar papers.
	base := serve(t, "serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0")
	waitForIndex(t, base)
	resp, err := http.Get(base + "/api/papers/search?mode=semantic&limit=3&q=waveform+vocoder")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Search-Mode") != "semantic" {
		t.Errorf("semantic API search: %d, mode %q", resp.StatusCode, resp.Header.Get("X-Search-Mode"))
	}
	var env struct {
		Mode    string            `json:"mode"`
		Total   int               `json:"total"`
		Results []json.RawMessage `json:"results"`
		Groups  []struct {
			Label string   `json:"label"`
			Count int      `json:"count"`
			IDs   []string `json:"ids"`
		} `json:"groups"`
	}
	if status := getJSON(t, base+"/api/papers/search?q=phoneme+pixel&limit=5&envelope=1", &env); status != 200 || env.Mode != "hybrid" || len(env.Results) != 5 {
		t.Errorf("envelope: %d %+v", status, env)
	}
	for _, g := range env.Groups {
		if g.Label == "" || g.Count != len(g.IDs) {
			t.Errorf("group %+v", g)
		}
	}
	t.Logf("groups of the two-topic corpus: %+v", env.Groups)
	var similar []struct {
		Paper  map[string]any `json:"paper"`
		Reason string         `json:"reason"`
	}
	if status := getJSON(t, base+"/api/papers/2506.00002/similar?limit=2", &similar); status != 200 || len(similar) != 2 || similar[0].Reason == "" {
		t.Errorf("similar API: %d %+v", status, similar)
	}
	code, out, errOut = run(t, "similar", "2506.00002", "--json", "--limit", "3", "--data-dir", dataDir)
	var items []struct {
		Paper  map[string]any `json:"paper"`
		Reason string         `json:"reason"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &items) != nil || len(items) != 3 {
		t.Fatalf("similar: %d %s %s", code, out, errOut)
	}
	for _, it := range items {
		var n int
		fmt.Sscanf(it.Paper["id"].(string), "2506.%05d", &n)
		if n == 2 || n%2 != 0 || !strings.Contains(it.Reason, "shares ") {
			t.Errorf("similar to a vision paper: %+v", it)
		}
	}
}

func TestParsePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8": "10.0.0.0/8", "10.1.2.3/8": "10.0.0.0/8", "127.0.0.1": "127.0.0.1/32",
		"::ffff:127.0.0.1": "127.0.0.1/32", "fd00::/8": "fd00::/8", "::1": "::1/128",
	} {
		if p, err := parsePrefix(in); err != nil || p.String() != want {
			t.Errorf("parsePrefix(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, in := range []string{"", "proxy.local", "10.0.0.0/33"} {
		if _, err := parsePrefix(in); err == nil {
			t.Errorf("parsePrefix(%q) accepted", in)
		}
	}
}

func TestRedactURLHidesOnlyThePassword(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://paperboy:s3cret@db:5432/paperboy?sslmode=disable": "postgres://paperboy:xxxxx@db:5432/paperboy?sslmode=disable",
		"postgres://paperboy@db/paperboy":                             "postgres://paperboy@db/paperboy",
		// an '@' after the host is not the end of a password
		"postgres://u:pw@db/paperboy?options=-c%20x=a@b": "postgres://u:xxxxx@db/paperboy?options=-c%20x=a@b",
		// SQLite paths are shown as given, neither masked nor re-escaped
		"sqlite:///data/a:b@c.db":     "sqlite:///data/a:b@c.db",
		"sqlite:///data/my papers.db": "sqlite:///data/my papers.db",
		"sqlite:relative/paperboy.db": "sqlite:relative/paperboy.db",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q; want %q", in, got, want)
		}
	}
}
