package citation

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func parseFile(t *testing.T, f Format, name string) []Entry {
	t.Helper()
	file, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	entries, err := Parse(f, file)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return entries
}

// brief compares what matching uses and what a report shows.
var brief = cmpopts.IgnoreFields(Entry{}, "URLs", "Journal", "Type")

func TestParseZoteroBibTeX(t *testing.T) {
	got := parseFile(t, BibTeXFormat, "zotero.bib")
	want := []Entry{
		{Line: 2, Key: "vaswani_attention_2017", ArxivID: "1706.03762", DOI: "10.48550/arxiv.1706.03762", Title: "Attention Is All You Need",
			Authors: []string{"Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones", "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin"}, Year: 2023},
		{Line: 16, Key: "godel_uber_1931", DOI: "10.1007/bf01700692", Title: "Über formal unentscheidbare Sätze der Principia Mathematica und verwandter Systeme I",
			Authors: []string{"Kurt Gödel"}, Year: 1931},
		{Line: 29, Key: "he_deep_2016", DOI: "10.1109/cvpr.2016.90", Title: "Deep Residual Learning for Image Recognition",
			Authors: []string{"Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"}, Year: 2016},
		{Line: 43, Key: "noauthor_betterbibtex_2024", ArxivID: "2001.08361", Title: "Scaling Laws for Neural Language Models",
			Authors: []string{"Jared Kaplan", "Sam McCandlish"}, Year: 2020},
	}
	if diff := cmp.Diff(want, got, brief); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseGoogleScholarBibTeX(t *testing.T) {
	got := parseFile(t, BibTeXFormat, "scholar.bib")
	want := []Entry{
		{Line: 1, Key: "vaswani2017attention", Title: "Attention is all you need", Year: 2017},
		{Line: 9, Key: "kaplan2020scaling", ArxivID: "2001.08361", Title: "Scaling laws for neural language models", Year: 2020},
		{Line: 16, Key: "erdos1959random", Title: "On random graphs I", Authors: []string{"Paul Erdős", "Alfréd Rényi"}, Year: 1959},
		{Line: 23, Key: "maldacena1999large", Title: "The large-N limit of superconformal field theories and supergravity", Authors: []string{"Juan Maldacena"}, Year: 1999},
		{Line: 34, Key: "witten1998antide", ArxivID: "hep-th/9802150", Title: "Anti de Sitter space and holography", Authors: []string{"Edward Witten"}, Year: 1998},
	}
	if diff := cmp.Diff(want, got, brief, cmpopts.IgnoreFields(Entry{}, "Authors")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if a := got[0].Authors; len(a) != 8 || a[6] != "Łukasz Kaiser" {
		t.Errorf("authors of the first entry: %q", a)
	}
	for _, e := range got[2:] {
		if diff := cmp.Diff(want[indexOfKey(want, e.Key)].Authors, e.Authors); diff != "" {
			t.Errorf("%s authors (-want +got):\n%s", e.Key, diff)
		}
	}
}

func indexOfKey(es []Entry, key string) int {
	for i, e := range es {
		if e.Key == key {
			return i
		}
	}
	return -1
}

func TestParseJabRefBibTeX(t *testing.T) {
	got := parseFile(t, BibTeXFormat, "jabref.bib")
	want := []Entry{
		{Line: 11, Key: "Lewis2020", ArxivID: "2005.11401", Title: "Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks",
			Authors: []string{"Patrick Lewis", "Ethan Perez", "Aleksandra Piktus"}, Year: 2020},
		{Line: 22, Key: "Old1999", DOI: "10.1103/physrevd.60.xyz", Title: "Deeply nested braces in a title",
			Authors: []string{"Töm Schäfer", "José Muñoz"}},
		{Line: 29, Key: "Lewis2020", ArxivID: "2005.11401", Title: "A duplicate key, as JabRef allows it"},
	}
	if diff := cmp.Diff(want, got, brief); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestBibTeXMacrosAndConcatenation(t *testing.T) {
	src := `@string{a = "Alpha"} @STRING(b = a # { and {Beta}})
@misc{k, title = b # " " # "gamma" # 2024, note = unknownmacro # "x", month = jan}`
	got, err := ParseBibTeX(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Title != "Alpha and Beta gamma2024" {
		t.Errorf("got %+v", got)
	}
}

func TestParseMendeleyRIS(t *testing.T) {
	got := parseFile(t, RISFormat, "mendeley.ris")
	want := []Entry{
		{Line: 1, Key: "Vaswani2017", ArxivID: "1706.03762", Title: "Attention Is All You Need", Authors: []string{"Ashish Vaswani", "Noam Shazeer"}, Year: 2017},
		{Line: 16, DOI: "10.1109/cvpr.2016.90", Title: "Deep Residual Learning for Image Recognition", Authors: []string{"Kaiming He", "Xiangyu Zhang"}, Year: 2016},
		{Line: 26, ArxivID: "2001.08361", Title: "Scaling Laws for Neural Language Models", Authors: []string{"Jared Kaplan"}, Year: 2020},
	}
	if diff := cmp.Diff(want, got, brief); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(got[0].URLs) != 2 {
		t.Errorf("URLs of the first record: %q", got[0].URLs)
	}
}

func TestParseList(t *testing.T) {
	got := parseFile(t, ListFormat, "list.txt")
	want := []Entry{
		{Line: 2, ArxivID: "1706.03762"}, {Line: 3, ArxivID: "2001.08361"}, {Line: 4, ArxivID: "hep-th/9802150"},
		{Line: 5, ArxivID: "2005.11401"}, {Line: 6, DOI: "10.1109/cvpr.2016.90"}, {Line: 7, DOI: "10.1007/bf01700692"},
		{Line: 9, ArxivID: "math/0601001"},
	}
	if diff := cmp.Diff(want, got, brief); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSniff(t *testing.T) {
	for name, want := range map[string]Format{"zotero.bib": BibTeXFormat, "jabref.bib": BibTeXFormat, "scholar.bib": BibTeXFormat,
		"mendeley.ris": RISFormat, "list.txt": ListFormat} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if got := Sniff(data); got != want {
			t.Errorf("Sniff(%s) = %s, want %s", name, got, want)
		}
	}
}
