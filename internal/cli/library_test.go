package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/harvest/harvesttest"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func TestLibraryImportAndExportCommands(t *testing.T) {
	arxiv := harvesttest.NewOAIServer(t, harvesttest.Generate(3, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), 7))
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.URL(t, d)
			pw := writeFixture(t, "pw", "a long enough password\n")
			if code, out, errOut := run(t, "--database-url", db, "user", "create", "ada", "--email", "ada@example.org", "--password-file", pw); code != 0 {
				t.Fatalf("user create: exit %d\n%s%s", code, out, errOut)
			}
			if code, out, errOut := run(t, "import", "-q", "--database-url", db, writeFixture(t, "arxiv.jsonl", kaggleFixture)); code != 0 {
				t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
			}
			refs := writeFixture(t, "refs.bib", `@article{lovelace2025direct,
  title={Direct preference optimisation revisited},
  author={Lovelace, Ada and Turing, Alan},
  journal={arXiv preprint arXiv:2506.00001},
  year={2025}
}

@misc{witten1999,
	title = {Old style},
	eprint = {hep-th/9901001},
	archivePrefix = {arXiv},
}

@misc{fetched2024, eprint = {2403.00001}, archivePrefix = {arXiv}}

@book{knuth1984, title = {The {\TeX}book for typesetters}}
`)
			code, out, errOut := run(t, "--database-url", db, "library", "import", "ada", refs, "--collection", "Thesis", "--api-url", arxiv.URL)
			if code != 0 {
				t.Fatalf("library import: exit %d\n%s%s", code, out, errOut)
			}
			for _, want := range []string{"into ada's collection thesis (/c/ada/thesis): 3 added; 2 matched, 1 fetched from arXiv, 1 unmatched, 0 duplicates",
				"unmatched knuth1984 (line 16): no arXiv id or DOI, and no paper with this title"} {
				if !strings.Contains(out, want) {
					t.Errorf("library import said\n%s\nwant %q", out, want)
				}
			}

			// Again, into the same collection by its slug: nothing new.
			code, out, errOut = run(t, "--database-url", db, "library", "import", "ada", refs, "--collection", "thesis", "--no-fetch", "--json")
			var rep struct {
				Collection string
				Added      int
				Papers     []string
			}
			if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.Collection != "thesis" || rep.Added != 0 || len(rep.Papers) != 3 {
				t.Fatalf("second import: exit %d, %+v (%v)\n%s%s", code, rep, err, out, errOut)
			}

			code, out, errOut = run(t, "--database-url", db, "library", "export", "ada", "--collection", "Thesis", "--format", "ris")
			if code != 0 || strings.Count(out, "TY  - JOUR") != 3 {
				t.Fatalf("library export: exit %d\n%s%s", code, out, errOut)
			}
			if a, b, c := strings.Index(out, "ID  - 2506.00001"), strings.Index(out, "ID  - hep-th/9901001"), strings.Index(out, "ID  - 2403.00001"); !(a >= 0 && a < b && b < c) {
				t.Errorf("the export is not in the file's order:\n%s", out)
			}
			// The export reads back: into the library, from stdin-less csl-json.
			csl := writeFixture(t, "thesis.json", func() string {
				_, out, _ := run(t, "--database-url", db, "library", "export", "ada", "--format", "csl-json")
				return out
			}())
			if code, out, errOut := run(t, "--database-url", db, "library", "import", "ada", csl, "--no-fetch"); code != 0 ||
				!strings.Contains(out, "into ada's library: 0 added; 3 matched, 0 fetched from arXiv, 0 unmatched") {
				t.Errorf("re-import of the CSL-JSON export: exit %d\n%s%s", code, out, errOut)
			}

			bad := writeFixture(t, "bad.bib", "@misc{ok, eprint={2506.00001}}\n\n@article{smith2020,\n  title = {Unclosed,\n  year = 2020\n}\n")
			if code, _, errOut := run(t, "--database-url", db, "library", "import", "ada", bad, "--collection", "Other"); code != 1 ||
				!strings.Contains(errOut, "line 4: unterminated brace in entry smith2020") {
				t.Errorf("bad file: exit %d, %s", code, errOut)
			}
			if code, _, errOut := run(t, "--database-url", db, "library", "export", "ada", "--collection", "Other"); code != 1 || !strings.Contains(errOut, "no collection") {
				t.Errorf("a failed import left the collection it made: exit %d, %s", code, errOut)
			}
			if code, _, errOut := run(t, "--database-url", db, "library", "import", "bob", refs); code != 1 || !strings.Contains(errOut, `no user "bob"`) {
				t.Errorf("unknown user: exit %d, %s", code, errOut)
			}
			if code, _, errOut := run(t, "--database-url", db, "library", "export", "ada", "--collection", "nope"); code != 1 || !strings.Contains(errOut, `ada has no collection "nope"`) {
				t.Errorf("unknown collection: exit %d, %s", code, errOut)
			}
			if code, _, _ := run(t, "--database-url", db, "library", "export", "ada", "--format", "docx"); code != 2 {
				t.Errorf("--format docx: exit %d, want 2", code)
			}
		})
	}
}
