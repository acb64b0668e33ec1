package citation

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestWriteCSLJSONIsWhatZoteroReads(t *testing.T) {
	p := store.Paper{ID: "2506.00001", Title: `Na\"ive {B}ayes`, Authors: []string{`Kurt G\"odel`, "Plato"},
		Abstract: "We study $x^2$.", DOI: "10.1000/xyz", Categories: []string{"cs.LG", "stat.ML"},
		FirstVersionAt: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	if err := WriteCSLJSON(&buf, []store.Paper{p}); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{
		"id": "arXiv:2506.00001", "type": "article", "title": "Naïve Bayes",
		"author":          []any{map[string]any{"family": "Gödel", "given": "Kurt"}, map[string]any{"literal": "Plato"}},
		"issued":          map[string]any{"date-parts": []any{[]any{2025.0, 6.0, 2.0}}},
		"container-title": "arXiv", "number": "2506.00001", "DOI": "10.1000/xyz", "URL": "https://arxiv.org/abs/2506.00001",
		"abstract": "We study x².", "note": "arXiv:2506.00001 [cs.LG]", "keyword": "cs.LG, stat.ML",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWriteBibTeXKeysAreUnique(t *testing.T) {
	p := store.Paper{ID: "2506.00001", Title: "Study of things", Authors: []string{"Ada Lovelace"},
		FirstVersionAt: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)}
	q := p
	q.ID = "2506.00002"
	var buf bytes.Buffer
	if err := WriteBibTeX(&buf, []store.Paper{p, q, p}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"@misc{lovelace2025study,", "@misc{lovelace2025studyb,", "@misc{lovelace2025studyc,"} {
		if strings.Count(buf.String(), key) != 1 {
			t.Errorf("%s not once in\n%s", key, buf.String())
		}
	}
	if first := strings.SplitN(buf.String(), "\n\n", 2)[0]; first != BibTeX(&p) {
		t.Errorf("the export's entry differs from the paper page's:\n%s\n%s", first, BibTeX(&p))
	}
}

func TestWriteRISValuesStayOnOneLine(t *testing.T) {
	p := store.Paper{ID: "2506.00001", Title: "Line one\nER  - \nTY  - JOUR", Abstract: "a\r\nb"}
	var buf bytes.Buffer
	if err := WriteRIS(&buf, []store.Paper{p}); err != nil {
		t.Fatal(err)
	}
	entries, err := ParseRIS(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Title != "Line one ER - TY - JOUR" {
		t.Errorf("entries %+v", entries)
	}
}
