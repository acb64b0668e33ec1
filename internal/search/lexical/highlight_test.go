package lexical

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// referenceHighlight is the original implementation of Highlight (before the
// prefix pre-filter), kept to check that the optimised code marks exactly the
// same words.
func referenceHighlight(text string, q *Query) []Fragment {
	if q == nil || text == "" {
		return []Fragment{{Text: text}}
	}
	terms, authors := q.highlightTerms()
	a := analyzers.Get().(*analyzer)
	defer analyzers.Put(a)
	var out []Fragment
	last := 0
	scanRaw(text, func(t rawToken) {
		if !referenceMatches(a, t.text, terms, authors) {
			return
		}
		if t.start > last {
			out = referenceAppendFrag(out, text[last:t.start], false)
		}
		out = referenceAppendFrag(out, text[t.start:t.end], true)
		last = t.end
	})
	if last < len(text) {
		out = referenceAppendFrag(out, text[last:], false)
	}
	return out
}

func referenceMatches(a *analyzer, raw string, terms, authors map[string]bool) bool {
	hit := false
	if len(terms) > 0 {
		a.text(raw, 0, func(term string, _ int, _ bool) {
			if terms[term] {
				hit = true
			}
		})
	}
	if !hit && len(authors) > 0 {
		for _, t := range authorTokens(raw) {
			if authors[t] {
				return true
			}
		}
	}
	return hit
}

func referenceAppendFrag(out []Fragment, s string, match bool) []Fragment {
	if n := len(out); n > 0 && out[n-1].Match == match {
		out[n-1].Text += s
		return out
	}
	return append(out, Fragment{Text: s, Match: match})
}

// referenceSnippet is the original implementation of Snippet.
func referenceSnippet(text string, q *Query, maxRunes int) []Fragment {
	frags := referenceHighlight(text, q)
	if utf8.RuneCountInString(text) <= maxRunes {
		return frags
	}
	type span struct{ start, end int }
	var ms []span
	off := 0
	for _, f := range frags {
		if f.Match {
			ms = append(ms, span{off, off + len(f.Text)})
		}
		off += len(f.Text)
	}
	budget := maxRunes * 3 / 2
	best, bestN := 0, 0
	for i, m := range ms {
		n := 0
		for _, m2 := range ms[i:] {
			if m2.end-m.start > budget {
				break
			}
			n++
		}
		if n > bestN {
			best, bestN = m.start, n
		}
	}
	start := best
	back := maxRunes / 5
	for back > 0 && start > 0 {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
		back--
	}
	if start > 0 {
		if i := strings.IndexByte(text[start:], ' '); i >= 0 && i < 20 {
			start += i + 1
		}
	}
	end := start
	for n := 0; n < maxRunes && end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	if end < len(text) {
		if i := strings.LastIndexByte(text[start:end], ' '); i > 0 {
			end = start + i
		}
	}
	var out []Fragment
	if start > 0 {
		out = append(out, Fragment{Text: "…"})
	}
	off = 0
	for _, f := range frags {
		fs, fe := off, off+len(f.Text)
		off = fe
		lo, hi := max(fs, start), min(fe, end)
		if lo < hi {
			out = referenceAppendFrag(out, f.Text[lo-fs:hi-fs], f.Match)
		}
	}
	if end < len(text) {
		out = referenceAppendFrag(out, "…", false)
	}
	return out
}

// highlightTexts are hand-written titles and abstracts with LaTeX,
// compounds, accents, possessives, arXiv identifiers and odd spacing.
var highlightTexts = []string{
	"",
	"Large Language Models: pretraining with LoRA adapters, by J. Nunez.",
	"Pre-training graph transformers",
	"Large language models trained with GPT-4o",
	`We study \emph{alignment} of LLMs via $\ell_1$-regularised RLHF; the model's aligned outputs (GPT-4o, Qwen2.5-7B, Llama-3.1) beat \textbf{pre-trained} baselines by 3.5\%.`,
	`Schrödinger bridges and Schro\"dinger's equation: Erd\H{o}s--R\'enyi graphs, \c{c}a va, na\"ive Bayes, Gödel, Núñez, Łukasiewicz, Müller-Lyer.`,
	"See arXiv:2401.12345v2, hep-th/9901001 and math.AG/0301001; also q-alg/9701001 and 0704.0001.",
	"Aligning, aligned, alignments and misalignment: align-then-refine; self-alignment; re-alignment of LLM-as-a-judge.",
	"Ｆｕｌｌｗｉｄｔｈ ＧＰＴ－４ text, the ﬁne-tuning ligature, x² and H₂O, ½ and Ⅳ.",
	"learning to rank — learning-to-rank, Learning To Rank and learning‐to‐rank (with U+2010).",
	"Yann LeCun, Yoshua Bengio and Geoffrey Hinton; LeCun's work; Le Cun; O'Neil; Jean-Pierre Dupont; J.-P. Dupont; van der Maaten.",
	"The aing, aed and oed; dying lying tying; skies and skis; early only; ties cries; ellipse elliptic ell_2 $\\ell_2$ l2 ell2.",
	"Multi-modal multimodal multi modal; state-of-the-art SOTA; zero-shot zeroshot; in-context learning; chain-of-thought CoT.",
	"x_1^2 + y_{i,j} = \\alpha\\beta; A/B testing; I/O-bound; e.g. i.e. et al.; U.S.; 3D-CNN; 2D/3D; ResNet-50; ViT-B/16; BERT_base.",
	"   leading spaces and trailing   ",
	"a",
	"A.",
	"--- ... ///",
	"alignment",
	"Alignment\nalignment\talignment  alignment.alignment",
}

// highlightQueries cover plain words, stems, compounds, phrases, field
// restrictions, author queries, exclusions and identifiers.
var highlightQueries = []string{
	"alignment",
	"align",
	"aligning LLMs",
	`pre-training "language models" au:núñez LoRA`,
	"pretraining",
	"pre training",
	"GPT-4o",
	"gpt4o",
	"gpt",
	"qwen2.5",
	"Qwen2.5-7B",
	"llama-3.1",
	`"learning to rank"`,
	"learning to rank",
	"ti:alignment abs:graph",
	"au:lecun",
	`au:"Yann LeCun"`,
	"au:dupont au:jean-pierre",
	"au:o'neil",
	"au:j",
	"Schrödinger",
	"schrodinger erdos renyi",
	"naïve gödel muller-lyer",
	"2401.12345",
	"id:2401.12345",
	"hep-th/9901001",
	"math.AG/0301001 q-alg/9701001",
	"l1 ell_2 l2",
	"aing aed oed",
	"dying lies skies early only",
	"multimodal zero-shot chain-of-thought",
	"state of the art",
	"alignment -misalignment",
	"cat:cs.CL alignment",
	"after:2025-01-01 alignment",
	"fine-tuning ﬁne tuning",
	"x^2 h2o 3d-cnn resnet-50 vit-b/16 bert_base",
	"I/O A/B",
	"a",
	"the of and",
	"sort:newest diffusion models",
	"Gaussian splatting NeRF LiDAR autonomous driving",
	"reinforcement learning from human feedback RLHF reward model",
}

func checkSameFragments(t *testing.T, what, text, query string, got, want []Fragment) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s(%q, %q): got %d fragments %+v, want %d %+v", what, text, query, len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s(%q, %q): fragment %d = %+v, want %+v", what, text, query, i, got[i], want[i])
		}
	}
}

func TestHighlightMatchesReference(t *testing.T) {
	texts := append([]string(nil), highlightTexts...)
	// Glue the hand-written texts into longer ones so Snippet has to choose.
	long := strings.Join(highlightTexts, " ")
	texts = append(texts, long, strings.Repeat("filler words here. ", 30)+long)
	handWritten := len(texts)
	n := 200
	if testing.Short() {
		n = 20
	}
	sample := highlightSample(t, n)
	queries := append([]string(nil), highlightQueries...)
	for i, d := range sample {
		texts = append(texts, d.Title, d.Abstract)
		if i < 10 && len(d.Authors) > 0 {
			f := strings.Fields(d.Authors[0])
			queries = append(queries, "au:"+f[len(f)-1])
		}
		if i < 10 {
			// A title used as a query: many terms.
			queries = append(queries, d.Title)
		}
	}
	qs := []*Query{nil}
	for _, s := range queries {
		q, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		qs = append(qs, q)
	}
	marked := 0
	for _, q := range qs {
		raw := "<nil>"
		if q != nil {
			raw = q.Raw
		}
		for ti, text := range texts {
			want := referenceHighlight(text, q)
			checkSameFragments(t, "Highlight", text, raw, Highlight(text, q), want)
			for _, f := range want {
				if f.Match {
					marked++
				}
			}
			sizes := []int{-1, 0, 1, 20, 80, 300}
			if ti >= handWritten {
				sizes = []int{80, 300}
			}
			for _, n := range sizes {
				checkSameFragments(t, fmt.Sprintf("Snippet/%d", n), text, raw, Snippet(text, q, n), referenceSnippet(text, q, n))
			}
		}
	}
	if marked == 0 {
		t.Fatal("no fragment was marked: the test checks nothing")
	}
}

// TestHighlightKnownFragments pins a few outputs so that the reference
// itself cannot drift.
func TestHighlightKnownFragments(t *testing.T) {
	cases := []struct {
		text, query string
		want        []string // marked fragments in order
	}{
		{`We study \emph{alignment} via $\ell_1$ (GPT-4o, Qwen2.5-7B) and pre-trained models.`, "aligned l1 gpt-4o qwen2.5 pretraining",
			[]string{"alignment", "ell_1", "GPT-4o", "Qwen2.5-7B", "pre-trained"}},
		{"Schrödinger and Erd\\H{o}s by Núñez", "schrodinger au:nunez", []string{"Schrödinger", "Núñez"}},
		{"See 2401.12345v2 and hep-th/9901001.", "2401.12345 hep-th/9901001", []string{"2401.12345v2", "hep-th/9901001"}},
		{"learning to rank; Learning-to-Rank", `"learning to rank"`, []string{"learning", "rank", "Learning-to-Rank"}},
		{"Yann LeCun and Le Cun", "au:lecun", []string{"LeCun"}},
	}
	for _, c := range cases {
		q, err := Parse(c.query)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range Highlight(c.text, q) {
			if f.Match {
				got = append(got, f.Text)
			}
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Highlight(%q, %q) marked %q, want %q", c.text, c.query, got, c.want)
		}
	}
}

// TestStemKeepsHighlightKey checks the property the pre-filter relies on:
// one of the keys of a stem is a prefix of the word it came from.
func TestStemKeepsHighlightKey(t *testing.T) {
	check := func(w string) {
		s := english.Stem(w, true)
		k2, k1 := highlightKeys(s)
		if (k2 != "" && strings.HasPrefix(w, k2)) || (k1 != "" && strings.HasPrefix(w, k1)) {
			return
		}
		t.Errorf("stem(%q) = %q: keys %q/%q are not prefixes of the word", w, s, k2, k1)
	}
	// Every lower-case word of up to 4 letters.
	var b [4]byte
	var rec func(n int)
	rec = func(n int) {
		if n > 0 {
			check(string(b[:n]))
		}
		if n == len(b) {
			return
		}
		for c := byte('a'); c <= 'z'; c++ {
			b[n] = c
			rec(n + 1)
		}
	}
	rec(0)
	// Short roots with every suffix the stemmer handles.
	suffixes := []string{"s", "es", "ies", "ied", "ed", "edly", "ing", "ingly", "eed", "eedly", "y", "ly", "ation", "ational",
		"ness", "ful", "ment", "ize", "izer", "ization", "al", "er", "ic", "ous", "ive", "ate", "iti", "biliti", "li", "bli", "ogi", "fulli", "lessli"}
	for c := byte('a'); c <= 'z'; c++ {
		for d := byte('a'); d <= 'z'; d++ {
			for _, s := range suffixes {
				check(string([]byte{c}) + s)
				check(string([]byte{c, d}) + s)
				check(string([]byte{c, d, d}) + s)
			}
		}
	}
	// Real vocabulary.
	for _, d := range highlightSample(t, 2000) {
		scanRaw(strings.ToLower(d.Title+" "+d.Abstract), func(r rawToken) {
			for _, p := range strings.FieldsFunc(r.text, func(r rune) bool { return r > 'z' || r < 'a' }) {
				check(p)
			}
		})
	}
}

type highlightDoc struct {
	Title, Abstract string
	Authors         []string
}

// highlightSample reads the first n papers of the arXiv corpus, or returns
// nil when it is not available.
func highlightSample(tb testing.TB, n int) []highlightDoc {
	tb.Helper()
	f, err := os.Open(corpusPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var docs []highlightDoc
	for len(docs) < n && sc.Scan() {
		var r struct{ Title, Abstract, Authors string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		d := highlightDoc{Title: r.Title, Abstract: r.Abstract}
		for _, a := range strings.Split(r.Authors, ",") {
			if a = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(a), "and ")); a != "" {
				d.Authors = append(d.Authors, a)
			}
		}
		docs = append(docs, d)
	}
	return docs
}

// benchHighlightDocs returns realistic titles and abstracts: the first
// papers of the corpus matching "alignment" if it is there, or the
// hand-written LaTeX-heavy texts.
func benchHighlightDocs(b *testing.B) []highlightDoc {
	var docs []highlightDoc
	for _, d := range highlightSample(b, 5000) {
		if strings.Contains(strings.ToLower(d.Title+d.Abstract), "align") {
			docs = append(docs, d)
		}
		if len(docs) == 200 {
			break
		}
	}
	if len(docs) == 0 {
		for i, t := range highlightTexts {
			docs = append(docs, highlightDoc{Title: t, Abstract: strings.Repeat(highlightTexts[(i+4)%len(highlightTexts)]+" ", 6)})
		}
	}
	return docs
}

var benchHighlightQueries = []string{"alignment", `pre-training "language models" au:lecun GPT-4o`}

func BenchmarkHighlight(b *testing.B) {
	docs := benchHighlightDocs(b)
	for _, s := range benchHighlightQueries {
		q, err := Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d := &docs[i%len(docs)]
				Highlight(d.Title, q)
				i++
			}
		})
	}
}

func BenchmarkSnippet(b *testing.B) {
	docs := benchHighlightDocs(b)
	for _, s := range benchHighlightQueries {
		q, err := Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d := &docs[i%len(docs)]
				Snippet(d.Abstract, q, 300)
				i++
			}
		})
	}
}

// TestNextRawTokenMatchesScanRaw checks that the highlighter's tokenizer
// splits exactly as the analyser's.
func TestNextRawTokenMatchesScanRaw(t *testing.T) {
	texts := append([]string(nil), highlightTexts...)
	for _, d := range highlightSample(t, 200) {
		texts = append(texts, d.Title, d.Abstract)
	}
	// Random strings over an alphabet of word runes, connectors,
	// apostrophes, separators and broken UTF-8.
	alphabet := []string{"a", "S", "s", "7", "é", "ß", "Ω", "-", "_", ".", "/", "^", "\u2010", "\u2013", "'", "\u2019", " ", ",", "\\", "$", "{", "\xff", "\xe2\x80", "²", "ﬁ"}
	seed := uint64(1)
	for range 20000 {
		var b strings.Builder
		seed = seed*6364136223846793005 + 1442695040888963407
		n := int(seed>>59) + 1
		for range n {
			seed = seed*6364136223846793005 + 1442695040888963407
			b.WriteString(alphabet[int(seed>>33)%len(alphabet)])
		}
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		var want []rawToken
		scanRaw(text, func(t rawToken) { want = append(want, t) })
		var got []rawToken
		for i := 0; i < len(text); {
			start, end, flags, next := nextRawToken(text, i)
			if next <= i {
				t.Fatalf("nextRawToken(%q, %d) does not advance", text, i)
			}
			i = next
			if start < 0 {
				break
			}
			tok := text[start:end]
			if flags&tokConn == 0 && strings.ContainsFunc(tok, isConnector) {
				t.Fatalf("token %q of %q has a connector but no tokConn flag", tok, text)
			}
			if flags&tokNonASCII == 0 && strings.ContainsFunc(tok, func(r rune) bool { return r >= utf8.RuneSelf }) {
				t.Fatalf("token %q of %q is not ASCII but has no tokNonASCII flag", tok, text)
			}
			got = append(got, rawToken{text: tok, start: start, end: end})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("tokens of %q:\n got %v\nwant %v", text, got, want)
		}
	}
}
