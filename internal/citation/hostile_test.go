package citation

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/problem"
)

func TestBadFilesAreRejectedWithTheirLine(t *testing.T) {
	deep := "@misc{deep, title = " + strings.Repeat("{", 100) + "x" + strings.Repeat("}", 100) + "}"
	for _, tc := range []struct {
		name string
		f    Format
		src  string
		want string
	}{
		{"unterminated brace", BibTeXFormat, "@misc{ok, title={A}}\n\n% note\n@article{smith2020,\n  title = {Unclosed,\n  year = 2020\n}\n",
			"line 5: unterminated brace in entry smith2020"},
		{"unterminated brace before the next entry", BibTeXFormat, "@article{smith2020,\n  title = {Unclosed,\n  year = 2020\n}\n@misc{next, title={B}}\n",
			"line 2: unterminated brace in entry smith2020"},
		{"unterminated quote", BibTeXFormat, "@article{q,\n title = \"open\n}\n", "line 2: unterminated quote in entry q"},
		{"entry not closed", BibTeXFormat, "@article{open,\n title = {A}\n", "line 1: entry open is not closed"},
		{"missing equals", BibTeXFormat, "@article{k,\n title {A}\n}", "line 2: expected = after field title in entry k"},
		{"missing comma", BibTeXFormat, "@article{k,\n title = {A}\n year = 2020}", "line 3: expected , or } after field title in entry k"},
		{"no brace after type", BibTeXFormat, "\n@article k, title={x}", "line 2: @article without { after it"},
		{"no key", BibTeXFormat, "@article{title = {x}}", "line 1: @article entry has no key"},
		{"deep braces", BibTeXFormat, deep, "line 1: braces nested deeper than 64 in entry deep"},
		{"binary", BibTeXFormat, "@misc{a, title={x}}\n\x00\x01\x02", "line 2: a NUL byte: this is not a text file"},
		{"latin-1", BibTeXFormat, "@misc{a,\n title={Sch\xe4fer}}", "line 2: not UTF-8 text: save the file as UTF-8"},
		{"RIS without ER", RISFormat, "TY  - JOUR\nTI  - A\n\nTY  - JOUR\nER  - \n", "line 4: TY starts a record before the record from line 1 has its ER"},
		{"RIS unterminated", RISFormat, "TY  - JOUR\nTI  - A\n", "line 1: the record has no ER line"},
		{"RIS junk", RISFormat, "hello\nTY  - JOUR\nER  - \n", `line 1: expected a tag such as "TY  - ", found "hello"`},
		{"RIS tag outside", RISFormat, "TY  - JOUR\nER  - \nTI  - stray\n", "line 3: tag TI outside a record (records start with TY)"},
		{"list junk", ListFormat, "2401.12345\n\nnot-an-id\n", `line 3: not an arXiv id, arXiv URL or DOI: "not-an-id"`},
		{"list bad id", ListFormat, "2413.12345\n", `line 1: not an arXiv id, arXiv URL or DOI: "2413.12345"`},
		{"CSL-JSON not an array", CSLJSONFormat, "{\n\"a\": 1}", "line 1: not a CSL-JSON array of items"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entries, err := Parse(tc.f, strings.NewReader(tc.src))
			if err == nil {
				t.Fatalf("no error; entries %+v", entries)
			}
			if entries != nil {
				t.Errorf("entries returned with the error: %+v", entries)
			}
			p := problem.As(err)
			if p == nil || p.Kind != problem.Invalid {
				t.Fatalf("error %v is not a problem.Invalid", err)
			}
			if p.Message != tc.want {
				t.Errorf("message %q, want %q", p.Message, tc.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line == 0 {
				t.Errorf("no SyntaxError with a line in %v", err)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	check := func(t *testing.T, err error, kind problem.Kind, want string) {
		t.Helper()
		p := problem.As(err)
		if p == nil || p.Kind != kind || !strings.Contains(p.Message, want) {
			t.Fatalf("error %v, want %v containing %q", err, kind, want)
		}
	}
	t.Run("file size", func(t *testing.T) {
		_, err := ParseBibTeX(strings.NewReader("% " + strings.Repeat("x", MaxFileBytes)))
		check(t, err, problem.TooLarge, "larger than 10 MB")
	})
	t.Run("entries", func(t *testing.T) {
		_, err := ParseList(strings.NewReader(strings.Repeat("2401.12345\n", MaxEntries+1)))
		check(t, err, problem.TooLarge, "more than 10000 entries")
		_, err = ParseBibTeX(strings.NewReader(strings.Repeat("@misc{a,title={x}}\n", MaxEntries+1)))
		check(t, err, problem.TooLarge, "more than 10000 entries")
		_, err = ParseRIS(strings.NewReader(strings.Repeat("TY  - JOUR\nER  - \n", MaxEntries+1)))
		check(t, err, problem.TooLarge, "more than 10000 entries")
	})
	t.Run("field", func(t *testing.T) {
		_, err := ParseBibTeX(strings.NewReader("@misc{a,\n abstract = {" + strings.Repeat("x", MaxFieldBytes+1) + "}}"))
		check(t, err, problem.Invalid, "line 2: field in entry a is longer than 65536 bytes")
		// Macros doubling themselves: bounded by the field limit, not memory.
		var b strings.Builder
		b.WriteString("@string{m0 = {xxxxxxxxxxxxxxxx}}\n")
		for i := 1; i < 40; i++ {
			fmt.Fprintf(&b, "@string{m%d = m%d # m%d}\n", i, i-1, i-1)
		}
		_, err = ParseBibTeX(strings.NewReader(b.String()))
		check(t, err, problem.Invalid, "longer than 65536 bytes")
	})
}

// TestParseTenThousandEntries reads the largest file taken, as Zotero
// would export it, and bounds the time it takes.
func TestParseTenThousandEntries(t *testing.T) {
	src := bigBibTeX(MaxEntries)
	start := time.Now()
	entries, err := ParseBibTeX(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("%d entries, %d KB, parsed in %v", len(entries), len(src)>>10, took)
	if len(entries) != MaxEntries {
		t.Fatalf("%d entries", len(entries))
	}
	if e := entries[MaxEntries-1]; e.ArxivID != fmt.Sprintf("2501.%05d", MaxEntries-1) || e.Title == "" || len(e.Authors) != 3 {
		t.Errorf("last entry %+v", e)
	}
	if took > 5*time.Second {
		t.Errorf("parsing took %v", took)
	}
}

func bigBibTeX(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `@misc{author%d_title_2025,
	title = {Paper {Number} %d on {G}{\"o}del's na\"ive $\mathcal{O}(n)$ {Attention}},
	url = {http://arxiv.org/abs/2501.%05dv2},
	doi = {10.48550/arXiv.2501.%05d},
	publisher = {arXiv},
	author = {Lovelace, Ada and Turing, Alan M. and Erd{\H{o}}s, Paul},
	month = jan,
	year = {2025},
	note = {arXiv:2501.%05d [cs]},
	abstract = {We study things at length, with care and with {braces} inside, over several lines of text
	that a reference manager wraps as it likes.},
}

`, i, i, i, i, i)
	}
	return b.String()
}

func BenchmarkParseBibTeX10k(b *testing.B) {
	src := bigBibTeX(MaxEntries)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := ParseBibTeX(strings.NewReader(src)); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseBibTeX(f *testing.F) {
	for _, s := range []string{"@misc{a, title = {x} # \"y\" # m, year = 2020}", "@string{m={z}}@article(b,t={{{}}})",
		"@comment{x}@preamble{\"a\"}", "@misc{a,\n title={\n@misc{b,}", "@misc{a, author={A, B and C D and others}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		entries, err := ParseBibTeX(strings.NewReader(src))
		checkParse(t, entries, err)
	})
}

func FuzzParseRIS(f *testing.F) {
	f.Add("TY  - JOUR\nAU  - A, B\nUR  - https://arxiv.org/abs/2401.12345\nER  - \n")
	f.Add("TY  - GEN\nAB  - a\ncontinued\nER  -")
	f.Fuzz(func(t *testing.T, src string) {
		entries, err := ParseRIS(strings.NewReader(src))
		checkParse(t, entries, err)
	})
}

func FuzzParseList(f *testing.F) {
	f.Add("2401.12345v2 # c\nhttps://doi.org/10.1/x\n")
	f.Fuzz(func(t *testing.T, src string) {
		entries, err := ParseList(strings.NewReader(src))
		checkParse(t, entries, err)
	})
}

// checkParse: a file is wholly read or rejected with a problem; what is
// read is valid text with ids in their normal form.
func checkParse(t *testing.T, entries []Entry, err error) {
	t.Helper()
	if err != nil {
		if entries != nil {
			t.Fatalf("entries with an error")
		}
		if problem.As(err) == nil {
			t.Fatalf("error %v is not a problem", err)
		}
		return
	}
	for _, e := range entries {
		if e.ArxivID != "" && arxivIDOf(e.ArxivID) != e.ArxivID {
			t.Fatalf("arXiv id %q not normal", e.ArxivID)
		}
		if e.Line < 1 {
			t.Fatalf("entry without a line: %+v", e)
		}
	}
}
