package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

const sharedData = "../../../shared/data"

func importFiles(t *testing.T, s *store.Store, paths ...string) (ingest.Summary, []ingest.Problem) {
	t.Helper()
	var problems []ingest.Problem
	im := &ingest.Importer{Store: s, BatchSize: 7, OnProblem: func(p ingest.Problem) { problems = append(problems, p) }}
	var total ingest.Summary
	for _, p := range paths {
		sum, err := im.ImportFile(context.Background(), p)
		if err != nil {
			t.Fatalf("import %s: %v", p, err)
		}
		total.Add(sum)
	}
	return total, problems
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipped(t *testing.T, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(content))
	zw.Close()
	return buf.Bytes()
}

func TestImportKaggleHead200(t *testing.T) {
	path := filepath.Join(sharedData, "formats/kaggle-arxiv-metadata-oai-snapshot.head200.jsonl")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared data not available: %v", err)
	}
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := storetest.Open(t, d, store.Options{})
			sum, problems := importFiles(t, s, path)
			if len(problems) != 0 || sum.Inserted != 200 || sum.Rejected != 0 {
				t.Fatalf("summary %+v, problems %v", sum, problems)
			}
			p, err := s.Paper(context.Background(), "0704.0001")
			if err != nil {
				t.Fatal(err)
			}
			if p.Version != 2 || len(p.Versions) != 2 {
				t.Errorf("0704.0001 version %d, versions %v", p.Version, p.Versions)
			}
			if want := time.Date(2007, 4, 2, 19, 18, 42, 0, time.UTC); !p.FirstVersionAt.Equal(want) {
				t.Errorf("first version at %v, want %v", p.FirstVersionAt, want)
			}
			if want := time.Date(2007, 7, 24, 20, 10, 27, 0, time.UTC); !p.LatestVersionAt.Equal(want) {
				t.Errorf("latest version at %v, want %v", p.LatestVersionAt, want)
			}
			// Submitted Monday 15:18 New York time, after the cut-off: the
			// Tuesday batch, listed on Wednesday.
			if got := p.ListedOn.Format(time.DateOnly); got != "2007-04-04" {
				t.Errorf("listed on %s", got)
			}
			if p.Title != "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies" {
				t.Errorf("title %q", p.Title)
			}
			if want := []string{`C. Bal\'azs`, "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"}; strings.Join(p.Authors, "|") != strings.Join(want, "|") {
				t.Errorf("authors %q", p.Authors)
			}
			if p.DOI != "10.1103/PhysRevD.76.013009" || p.JournalRef != "Phys.Rev.D76:013009,2007" || p.Submitter != "Pavel Nadolsky" {
				t.Errorf("doi %q journal %q submitter %q", p.DOI, p.JournalRef, p.Submitter)
			}
			if strings.Contains(p.Abstract, "\n") || !strings.HasPrefix(p.Abstract, "A fully differential calculation") {
				t.Errorf("abstract not unwrapped: %q", p.Abstract[:80])
			}
			two, _ := s.Paper(context.Background(), "0704.0002")
			if strings.Join(two.Authors, "|") != "Ileana Streinu|Louis Theran" || strings.Join(two.Categories, " ") != "math.CO cs.CG" {
				t.Errorf("0704.0002 authors %q categories %q", two.Authors, two.Categories)
			}
			again, _ := importFiles(t, s, path)
			if again.Unchanged != 200 || again.Inserted+again.Updated != 0 {
				t.Errorf("re-import %+v, want 200 unchanged", again)
			}
		})
	}
}

func TestImportHFItemsAndArray(t *testing.T) {
	item := `{"paper":{"id":"2405.15738","authors":[{"name":"Chunjiang Ge"},{"name":"Sijie Cheng"}],"publishedAt":"2024-05-24T17:34:15.000Z","submittedOnDailyAt":"2024-05-27T03:50:58.348Z","submittedOnDailyBy":{"user":"akhaliq"},"title":"ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal\n  Models","summary":"High-resolution LMMs.","upvotes":32,"githubRepo":"https://github.com/alibaba/conv-llava","githubStars":120,"ai_keywords":["LMM","ConvNeXt"]},"publishedAt":"2024-05-27T03:50:58.348Z","title":"ConvLLaVA","numComments":3}`
	s := storetest.Open(t, store.SQLite, store.Options{})
	lines := writeFile(t, "daily.jsonl", item+"\n")
	array := writeFile(t, "daily.json", "[\n"+strings.Replace(item, `"upvotes":32`, `"upvotes":40`, 1)+"\n]")
	sum, problems := importFiles(t, s, lines, array)
	if len(problems) != 0 || sum.Inserted != 1 || sum.Updated != 1 {
		t.Fatalf("summary %+v problems %v", sum, problems)
	}
	p, err := s.Paper(context.Background(), "2405.15738")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Community
	if p.Source != store.SourceHF || p.Title != "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models" {
		t.Errorf("source %q title %q", p.Source, p.Title)
	}
	if c.Upvotes != 40 || c.NumComments != 3 || c.GitHubStars != 120 || c.DailySubmitter != "akhaliq" ||
		c.DailyOn.Format(time.DateOnly) != "2024-05-27" || len(c.AIKeywords) != 2 {
		t.Errorf("community %+v", c)
	}
	if got := p.ListedOn.Format(time.DateOnly); got != "2024-05-27" {
		t.Errorf("listed on %s (submitted Friday 13:34 New York time: Friday's batch, announced Sunday evening, dated Monday)", got)
	}
}

func TestImportBadInputIsReportedAndSkipped(t *testing.T) {
	good := func(id string) string {
		return `{"id":"` + id + `","authors":"A. Author","title":"T ` + id + `","categories":"cs.CL","abstract":"x","versions":[{"version":"v1","created":"Mon, 2 Jun 2025 10:00:00 GMT"}]}`
	}
	content := strings.Join([]string{
		good("2506.00001"),
		`{"id": "2506.00002", "title": `,               // 2: malformed JSON
		strings.Replace(good("x"), `"id":"x",`, ``, 1), // 3: missing id
		good("2506.1"),                                 // 4: invalid id
		"",                                             // 5: blank: skipped silently
		good("2506.00003") + "\xff",                    // 6: broken UTF-8
		strings.Replace(good("2506.00004"), "cs.CL", "", 1),           // 7: no categories
		strings.Replace(good("2506.00005"), "Mon, 2 Jun", "2 Jun", 1), // 8: bad date
		good("2506.00006"),
	}, "\n")
	path := writeFile(t, "bad.jsonl", content)
	s := storetest.Open(t, store.SQLite, store.Options{})
	sum, problems := importFiles(t, s, path)
	if sum.Inserted != 2 || sum.Rejected != 6 {
		t.Fatalf("summary %+v, want 2 inserted and 6 rejected", sum)
	}
	wantLines := []int{2, 3, 4, 6, 7, 8}
	wantReasons := []string{"malformed JSON", "missing id", "invalid arXiv id", "invalid UTF-8", "no categories", "bad version date"}
	for i, p := range problems {
		if p.Line != wantLines[i] || !strings.Contains(p.Reason, wantReasons[i]) {
			t.Errorf("problem %d = %s, want line %d: %s", i, p, wantLines[i], wantReasons[i])
		}
		if !strings.HasPrefix(p.String(), path+":") {
			t.Errorf("problem %q does not start with file:line", p)
		}
	}
}

func TestImportTruncatedGzipKeepsWhatWasRead(t *testing.T) {
	var lines []string
	for i := 1; i <= 500; i++ {
		lines = append(lines, `{"id":"`+fmt.Sprintf("2506.%05d", i)+`","authors":"A","title":"Paper `+fmt.Sprint(i)+`","categories":"cs.AI","abstract":"`+strings.Repeat("word ", 50)+`","versions":[{"version":"v1","created":"Mon, 2 Jun 2025 00:00:00 GMT"}]}`)
	}
	full := gzipped(t, strings.Join(lines, "\n")+"\n")
	path := filepath.Join(t.TempDir(), "cut.jsonl.gz")
	if err := os.WriteFile(path, full[:len(full)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	s := storetest.Open(t, store.SQLite, store.Options{})
	sum, problems := importFiles(t, s, path)
	if sum.Inserted == 0 || sum.Inserted >= 500 {
		t.Fatalf("inserted %d of a half file", sum.Inserted)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Reason, "truncated") || problems[0].Line != sum.Inserted+1 {
		t.Fatalf("problems %v after %d records", problems, sum.Inserted)
	}
	// The whole file, imported afterwards, completes the set.
	whole := filepath.Join(t.TempDir(), "whole.jsonl.gz")
	os.WriteFile(whole, full, 0o644)
	again, problems := importFiles(t, s, whole)
	if len(problems) != 0 || again.Inserted+again.Unchanged != 500 || again.Unchanged != sum.Inserted {
		t.Fatalf("second import %+v, problems %v", again, problems)
	}
}

func TestImportDetectsFormat(t *testing.T) {
	s := storetest.Open(t, store.SQLite, store.Options{})
	im := &ingest.Importer{Store: s}
	for name, content := range map[string]string{
		"empty":   "",
		"unknown": `{"foo": 1}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := im.ImportFile(context.Background(), writeFile(t, name, content))
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := im.ImportFile(context.Background(), "/nonexistent/file.jsonl"); err == nil {
		t.Error("missing file: no error")
	}
}

// TestInterruptedImportResumesToSameState cancels an import after its first
// batch, as a kill would, then imports again: the end state must equal that
// of an uninterrupted import.
func TestInterruptedImportResumesToSameState(t *testing.T) {
	var lines []string
	for i := 1; i <= 300; i++ {
		lines = append(lines, fmt.Sprintf(`{"id":"2506.%05d","authors":"A. B, C. D","title":"Paper %d","categories":"cs.AI cs.LG","abstract":"text %d","versions":[{"version":"v1","created":"Mon, 2 Jun 2025 00:00:00 GMT"}]}`, i, i, i))
	}
	path := writeFile(t, "papers.jsonl", strings.Join(lines, "\n"))

	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			interrupted := storetest.Open(t, d, store.Options{Now: fixedClock})
			ctx, cancel := context.WithCancel(context.Background())
			im := &ingest.Importer{Store: interrupted, BatchSize: 50, OnProgress: func(ingest.Progress) { cancel() }}
			if _, err := im.ImportFile(ctx, path); err == nil {
				t.Fatal("cancelled import reported no error")
			}
			partial, _ := interrupted.Stats(context.Background())
			if partial.Papers == 0 || partial.Papers == 300 {
				t.Fatalf("interrupted import stored %d papers, want some", partial.Papers)
			}
			importFiles(t, interrupted, path)

			clean := storetest.Open(t, d, store.Options{Now: fixedClock})
			importFiles(t, clean, path)
			for i := 1; i <= 300; i += 37 {
				id := fmt.Sprintf("2506.%05d", i)
				a, errA := interrupted.Paper(context.Background(), id)
				b, errB := clean.Paper(context.Background(), id)
				if errA != nil || errB != nil {
					t.Fatalf("%s: %v / %v", id, errA, errB)
				}
				if diff := cmp.Diff(b, a); diff != "" {
					t.Errorf("%s differs after resuming (-clean +resumed):\n%s", id, diff)
				}
			}
			got, _ := interrupted.Stats(context.Background())
			want, _ := clean.Stats(context.Background())
			if got.Papers != want.Papers || got.FromArxiv != want.FromArxiv {
				t.Errorf("resumed stats %+v, clean %+v", got, want)
			}
		})
	}
}

func fixedClock() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func TestReadFileStreamsWithoutAStore(t *testing.T) {
	path := writeFile(t, "daily.json", "  \n [ {\"paper\":{\"id\":\"2405.15738\",\"title\":\"A\",\"upvotes\":3}},\n {\"paper\":{\"id\":\"bad\",\"title\":\"B\"}} ]")
	var ids []string
	var problems []ingest.Problem
	format, err := ingest.ReadFile(context.Background(), path, ingest.FormatAuto,
		func(p store.Paper) error { ids = append(ids, p.ID); return nil },
		func(p ingest.Problem) { problems = append(problems, p) })
	if err != nil || format != ingest.FormatHF {
		t.Fatalf("format %q, err %v", format, err)
	}
	if len(ids) != 1 || ids[0] != "2405.15738" || len(problems) != 1 || problems[0].Item != 2 {
		t.Fatalf("ids %v problems %v", ids, problems)
	}
}

func TestImportSkipsAByteOrderMark(t *testing.T) {
	s := storetest.Open(t, store.SQLite, store.Options{})
	item := `{"paper":{"id":"2405.15738","title":"A","upvotes":3}}`
	for name, content := range map[string]string{
		"array.json":  "\ufeff[" + item + "]",
		"lines.jsonl": "\ufeff" + item + "\n",
	} {
		sum, problems := importFiles(t, s, writeFile(t, name, content))
		if len(problems) != 0 || sum.Records != 1 {
			t.Errorf("%s: %+v %v", name, sum, problems)
		}
	}
}
