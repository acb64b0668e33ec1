package lexical

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Query
	}{
		{"plain words", "Graph Neural Networks", Query{Terms: []string{"graph", "neural", "network"}}},
		{"stop words only leave nothing", "the of and", Query{}},
		{"a repeated word is one term, weighed twice", "model models", Query{Terms: []string{"model"}, Weights: map[string]int{"model": 2}}},
		{"phrase", `"large language models"`, Query{Required: []Clause{{Field: FieldText, Text: "large language models", Terms: []string{"larg", "languag", "model"}, Pos: []int{0, 1, 2}, Phrase: true}}}},
		{"phrase keeps stop word gaps", `"learning to rank"`, Query{Required: []Clause{{Field: FieldText, Text: "learning to rank", Terms: []string{"learn", "rank"}, Pos: []int{0, 2}, Phrase: true}}}},
		{"single word phrase is a required word", `"bert"`, Query{Required: []Clause{{Field: FieldText, Text: "bert", Terms: []string{"bert"}, Phrase: true, Pos: []int{0}}}}},
		{"exclusion", "transformers -vision", Query{Terms: []string{"transform"}, Excluded: []Clause{{Field: FieldText, Text: "vision", Terms: []string{"vision"}}}}},
		{"excluded phrase", `-"reinforcement learning" agents`, Query{Terms: []string{"agent"}, Excluded: []Clause{{Field: FieldText, Text: "reinforcement learning", Terms: []string{"reinforc", "learn"}, Pos: []int{0, 1}, Phrase: true}}}},
		{"hyphenated exclusion is a phrase", "-pre-training", Query{Excluded: []Clause{{Field: FieldText, Text: "pre-training", Terms: []string{"pre", "train"}, Pos: []int{0, 1}, Phrase: true}}}},
		{"hyphen inside word is not exclusion", "state-of-the-art", Query{Terms: []string{"state", "art", "stateoftheart"}}},
		{"title field", "ti:diffusion", Query{Required: []Clause{{Field: FieldTitle, Text: "diffusion", Terms: []string{"diffus"}}}}},
		{"abstract phrase", `abs:"zero shot"`, Query{Required: []Clause{{Field: FieldAbstract, Text: "zero shot", Terms: []string{"zero", "shot"}, Pos: []int{0, 1}, Phrase: true}}}},
		{"author", `au:"Yann LeCun"`, Query{Required: []Clause{{Field: FieldAuthor, Text: "Yann LeCun", Terms: []string{"au:yann", "au:lecun"}}}}},
		{"author initials dropped", `au:"Y. LeCun"`, Query{Required: []Clause{{Field: FieldAuthor, Text: "Y. LeCun", Terms: []string{"au:lecun"}}}}},
		{"author folded", "au:Núñez", Query{Required: []Clause{{Field: FieldAuthor, Text: "Núñez", Terms: []string{"au:nunez"}}}}},
		{"category", "cat:cs.CL", Query{Required: []Clause{{Field: FieldCategory, Text: "cs.CL", Terms: []string{"cat:cs.cl"}}}}},
		{"category archive", "cat:cs", Query{Required: []Clause{{Field: FieldCategory, Text: "cs", Terms: []string{"cat:cs"}}}}},
		{"id", "id:2401.12345v3", Query{Required: []Clause{{Field: FieldID, Text: "2401.12345v3", Terms: []string{"id:2401.12345"}}}}},
		{"after", "llm after:2025-06-01", Query{Terms: []string{"llm"}, After: day("2025-06-01")}},
		{"before month", "before:2025-06", Query{Before: day("2025-06-01")}},
		{"year", "year:2025", Query{After: day("2025-01-01"), Before: day("2026-01-01")}},
		{"sort", "agents sort:newest", Query{Terms: []string{"agent"}, Sort: SortNewest, HasSort: true}},
		{"bad date is words", "after:yesterday", Query{Terms: []string{"yesterday"}}},
		{"unknown field is words", "foo:bar", Query{Terms: []string{"foo", "bar"}}},
		{"unterminated quote is words", `"large language`, Query{Terms: []string{"larg", "languag"}}},
		{"field case insensitive", "TI:Agents", Query{Required: []Clause{{Field: FieldTitle, Text: "Agents", Terms: []string{"agent"}}}}},
		{"lone dash ignored", "graph - networks", Query{Terms: []string{"graph", "network"}}},
		{"an arrow is not an exclusion", "Spanish ->English", Query{Terms: []string{"spanish", "english"}}},
		{"a dash before a number excludes it", "llama -2", Query{Terms: []string{"llama"}, Excluded: []Clause{{Field: FieldText, Text: "2", Terms: []string{"2"}}}}},
		{"empty field value is words", "ti: agents", Query{Terms: []string{"ti", "agent"}}},
		{"bad sort is words", "sort:sideways", Query{Terms: []string{"sort", "sideway"}}},
	}
	ignore := cmpopts.IgnoreFields(Query{}, "Raw", "Words") // TestQueryWords
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(&tt.want, got, ignore, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestQueryWords(t *testing.T) {
	for in, want := range map[string]string{
		"graph neural networks":                           "graph neural networks",
		`alignment "reward model" -vision cat:cs.CL`:      "alignment reward model",
		`ti:diffusion abs:"zero shot" au:lecun year:2025`: "diffusion zero shot",
		"llm sort:newest after:2025-01":                   "llm",
		"cat:cs.CL au:smith":                              "",
		"foo:bar -":                                       "foo:bar -",
	} {
		q, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if q.Words != want {
			t.Errorf("Parse(%q).Words = %q, want %q", in, q.Words, want)
		}
	}
}

func TestParseWordsReadsNoSyntax(t *testing.T) {
	got, err := ParseWords(`"Not not bad" is not "bad": from Spanish ->English, ti:negation -vision`)
	if err != nil {
		t.Fatal(err)
	}
	want := &Query{
		Terms:   []string{"bad", "spanish", "english", "ti", "negat", "vision"},
		Weights: map[string]int{"bad": 2},
		Words:   `"Not not bad" is not "bad": from Spanish ->English, ti:negation -vision`,
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Query{}, "Raw"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ParseWords mismatch (-want +got):\n%s", diff)
	}
	if _, err := ParseWords(" \n "); !errors.Is(err, ErrEmptyQuery) {
		t.Errorf("ParseWords(blank) = %v, want ErrEmptyQuery", err)
	}
	long := strings.Repeat("word ", MaxQueryLen)
	if _, err := ParseWords(long); err != nil {
		t.Errorf("ParseWords(%d bytes): %v, want no length limit", len(long), err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmptyQuery},
		{"blank", " \t\n ", ErrEmptyQuery},
		{"too long", strings.Repeat("a", MaxQueryLen+1), ErrQueryTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse(%q) error = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
	if _, err := Parse(strings.Repeat("a", MaxQueryLen)); err != nil {
		t.Errorf("query of exactly MaxQueryLen: %v", err)
	}
	q, err := parseLong(strings.Repeat("graph ", 100))
	if err != nil || len(q.Terms) != 1 {
		t.Errorf("ParseLong of a long query = %+v, %v", q, err)
	}
	if _, err := parseLong(" "); !errors.Is(err, ErrEmptyQuery) {
		t.Errorf("ParseLong of blank: %v, want ErrEmptyQuery", err)
	}
}

func TestParseHostileInput(t *testing.T) {
	inputs := []string{
		`"`, `""`, `"""`, `-`, `--`, `-"`, `-""`, `:`, `::`, `au:`, `au:"`, `au:""`, `cat:`, `id:`, `ti:"`,
		`after:`, `year:99999999999`, `before:0000-00-00`, `sort:`, "\x00\xff\xfe", "\u202e\u200b",
		`\`, `\\\\`, `$$$`, `{{{}}}`, `\emph{`, `\'`, `-au:x -cat:y -id:z`, strings.Repeat(`"a" `, 50),
		strings.Repeat("-", 250), strings.Repeat("é", 125), `ti:"\x00"`, "a\u0301\u0301\u0301",
	}
	for _, in := range inputs {
		q, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrEmptyQuery) && !errors.Is(err, ErrQueryTooLong) {
				t.Errorf("Parse(%q): unexpected error %v", in, err)
			}
			continue
		}
		for _, term := range q.Terms {
			if term == "" || !utf8.ValidString(term) {
				t.Errorf("Parse(%q): bad term %q", in, term)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"graph neural networks", `"large language models" -vision`, `au:"Yann LeCun" cat:cs.LG after:2025-01-01`,
		"ti:diffusion abs:video sort:newest", "id:2401.12345", `$\ell_1$ GPT-4o Qwen2.5`, `-"a b" -c`, `"unterminated`,
		"year:2025 before:2025-06", "hep-th/9901001",
	} {
		f.Add(s)
	}
	ix := New()
	if err := ix.Add(Document{ID: "1", Title: "Large language models", Abstract: "We train GPT-4o on data.", Authors: []string{"Yann LeCun"}, Categories: []string{"cs.CL"}}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrEmptyQuery) && !errors.Is(err, ErrQueryTooLong) {
				t.Fatalf("Parse(%q): unexpected error %v", s, err)
			}
			return
		}
		for _, c := range append(q.Required, q.Excluded...) {
			if len(c.Terms) == 0 {
				t.Fatalf("Parse(%q): clause without terms: %+v", s, c)
			}
			if c.Phrase && len(c.Pos) != len(c.Terms) {
				t.Fatalf("Parse(%q): phrase positions %v for terms %v", s, c.Pos, c.Terms)
			}
		}
		if _, err := ix.SearchQuery(t.Context(), q, Request{Limit: 5}); err != nil {
			t.Fatalf("search %q: %v", s, err)
		}
		Highlight("Large language models trained with GPT-4o", q)
	})
}
