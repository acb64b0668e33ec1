package lexical

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// corpus is a small hand-made set of papers; dates and upvotes are chosen so
// that tie-breaks are predictable.
func corpus() []Document {
	return []Document{
		{ID: "2501.00001", Title: "Graph neural networks for molecules", Abstract: "We study message passing on molecular graphs.", Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.LG"}, Date: day("2025-01-10"), Upvotes: 3},
		{ID: "2501.00002", Title: "A survey of protein folding", Abstract: "Graph neural networks appear briefly in the related work on proteins.", Authors: []string{"Alan Turing"}, Categories: []string{"q-bio.BM", "cs.LG"}, Date: day("2025-01-11"), Upvotes: 1},
		{ID: "2502.00003", Title: "Large language models as agents", Abstract: "Agents built on large language models use tools.", Authors: []string{"Grace Hopper", "José Núñez"}, Categories: []string{"cs.CL", "cs.AI"}, Date: day("2025-02-01"), Upvotes: 50},
		{ID: "2503.00004", Title: "Language models and vision", Abstract: "Vision encoders paired with language models; large scale pre-training.", Authors: []string{"Grace Hopper"}, Categories: []string{"cs.CV"}, Date: day("2025-03-01"), Upvotes: 10},
		{ID: "2506.00005", Title: "Reinforcement learning from human feedback", Abstract: "We align language models with reinforcement learning.", Authors: []string{"Richard Sutton"}, Categories: []string{"cs.LG", "cs.CL"}, Date: day("2025-06-15"), Upvotes: 7},
		{ID: "2507.00006", Title: "Learning to rank with LoRA", Abstract: "Low-rank adaptation (LoRA) of GPT-4o and Qwen2.5 for ranking.", Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.IR"}, Date: day("2025-07-01"), Upvotes: 2},
		{ID: "2601.00007", Title: "Pretraining objectives revisited", Abstract: "Masked pretraining versus causal objectives for transformers.", Authors: []string{"Alan Turing"}, Categories: []string{"cs.CL"}, Date: day("2026-01-05"), Upvotes: 0},
		{ID: "2601.00008", Title: "Sparse $\\ell_1$ regression", Abstract: "We revisit \\emph{lasso} with Poincar\\'e inequalities.", Authors: []string{"Paul Erd\\H{o}s"}, Categories: []string{"math.ST", "stat.ML"}, Date: day("2026-01-20"), Upvotes: 4},
		{ID: "hep-th/9901001", Title: "Strings on branes", Abstract: "An old paper on string theory.", Authors: []string{"Ed Witten"}, Categories: []string{"hep-th"}, Date: day("1999-01-04")},
	}
}

func newTestIndex(t testing.TB, docs []Document) *Index {
	t.Helper()
	ix := New()
	if err := ix.Add(docs...); err != nil {
		t.Fatal(err)
	}
	return ix
}

func ids(t testing.TB, ix *Index, req Request) []string {
	t.Helper()
	res, err := ix.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%q): %v", req.Query, err)
	}
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchRanking(t *testing.T) {
	ix := newTestIndex(t, corpus())
	tests := []struct {
		name string
		req  Request
		want []string // exact order, or the first hits when prefix is set
		// prefix: only the leading hits are checked
		prefix bool
		// set: order does not matter
		set bool
	}{
		{name: "title match beats abstract match", req: Request{Query: "graph neural networks"}, want: []string{"2501.00001", "2501.00002"}},
		{name: "all terms beat some terms", req: Request{Query: "large language models agents"}, want: []string{"2502.00003"}, prefix: true},
		{name: "exclusion", req: Request{Query: "language models -vision"}, want: []string{"2502.00003", "2506.00005"}},
		{name: "excluded phrase", req: Request{Query: `language models -"reinforcement learning"`}, want: []string{"2502.00003", "2503.00004"}, set: true},
		{name: "phrase", req: Request{Query: `"human feedback"`}, want: []string{"2506.00005"}},
		{name: "phrase order matters", req: Request{Query: `"feedback human"`}, want: []string{}},
		{name: "phrase across stop word", req: Request{Query: `"learning to rank"`}, want: []string{"2507.00006"}},
		{name: "hyphenated finds joined", req: Request{Query: "pre-training"}, want: []string{"2503.00004", "2601.00007"}, set: true},
		{name: "joined finds hyphenated", req: Request{Query: "pretraining"}, want: []string{"2503.00004", "2601.00007"}, set: true},
		{name: "acronym", req: Request{Query: "lora"}, want: []string{"2507.00006"}},
		{name: "model name", req: Request{Query: "gpt4o"}, want: []string{"2507.00006"}},
		{name: "dotted model name", req: Request{Query: "qwen2.5"}, want: []string{"2507.00006"}},
		{name: "latex norm", req: Request{Query: "l1 regression"}, want: []string{"2601.00008"}},
		{name: "latex emph", req: Request{Query: "lasso"}, want: []string{"2601.00008"}},
		{name: "latex accent", req: Request{Query: "poincaré"}, want: []string{"2601.00008"}},
		{name: "arxiv id as word", req: Request{Query: "2502.00003"}, want: []string{"2502.00003"}},
		{name: "id field", req: Request{Query: "id:2502.00003v2"}, want: []string{"2502.00003"}},
		{name: "old style id", req: Request{Query: "hep-th/9901001"}, want: []string{"hep-th/9901001"}},
		{name: "author field", req: Request{Query: "au:hopper", Sort: SortNewest}, want: []string{"2503.00004", "2502.00003"}},
		{name: "author diacritics folded", req: Request{Query: "au:nunez"}, want: []string{"2502.00003"}},
		{name: "author latex accent", req: Request{Query: "au:erdos"}, want: []string{"2601.00008"}},
		{name: "author name as plain word", req: Request{Query: "sutton"}, want: []string{"2506.00005"}},
		{name: "title field", req: Request{Query: "ti:agents"}, want: []string{"2502.00003"}},
		{name: "abstract field", req: Request{Query: "abs:proteins"}, want: []string{"2501.00002"}},
		{name: "title field excludes abstract-only", req: Request{Query: "ti:vision"}, want: []string{"2503.00004"}},
		{name: "category", req: Request{Query: "cat:cs.CL", Sort: SortNewest}, want: []string{"2601.00007", "2506.00005", "2502.00003"}},
		{name: "category archive prefix", req: Request{Query: "cat:cs sort:upvotes", Limit: 3}, want: []string{"2502.00003", "2503.00004", "2506.00005"}},
		{name: "required clause and words need one word", req: Request{Query: "cat:cs.CL agents"}, want: []string{"2502.00003"}},
		{name: "phrase and words need one word", req: Request{Query: `"language models" vision feedback`}, want: []string{"2503.00004", "2506.00005"}, set: true},
		{name: "category filter in request", req: Request{Query: "language models", Categories: []string{"cs.CV"}}, want: []string{"2503.00004"}},
		{name: "archive filter in request", req: Request{Query: "learning", Categories: []string{"math", "stat"}}, want: []string{}},
		{name: "after filter", req: Request{Query: "language models after:2025-06-01"}, want: []string{"2506.00005"}},
		{name: "before filter", req: Request{Query: "language models before:2025-03-01"}, want: []string{"2502.00003"}},
		{name: "year filter", req: Request{Query: "year:2026", Sort: SortNewest}, want: []string{"2601.00008", "2601.00007"}},
		{name: "request date filter", req: Request{Query: "language", After: day("2025-03-01"), Before: day("2025-03-02")}, want: []string{"2503.00004"}},
		{name: "sort newest requires all words", req: Request{Query: "language models", Sort: SortNewest}, want: []string{"2506.00005", "2503.00004", "2502.00003"}},
		{name: "sort by upvotes", req: Request{Query: "language models sort:upvotes"}, want: []string{"2502.00003", "2503.00004", "2506.00005"}},
		{name: "limit and offset", req: Request{Query: "language models sort:upvotes", Limit: 1, Offset: 1}, want: []string{"2503.00004"}},
		{name: "no match", req: Request{Query: "quantum chromodynamics"}, want: []string{}},
		{name: "stop words only", req: Request{Query: "the of"}, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(t, ix, tt.req)
			if tt.prefix && len(got) > len(tt.want) {
				got = got[:len(tt.want)]
			}
			if tt.set {
				slices.Sort(got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Search(%+v) mismatch (-want +got):\n%s", tt.req, diff)
			}
		})
	}
}

func TestSearchTieBreaksByRecencyThenUpvotes(t *testing.T) {
	docs := []Document{
		{ID: "a", Title: "identical title", Date: day("2025-01-01"), Upvotes: 5},
		{ID: "b", Title: "identical title", Date: day("2025-02-01"), Upvotes: 1},
		{ID: "c", Title: "identical title", Date: day("2025-02-01"), Upvotes: 9},
	}
	got := ids(t, newTestIndex(t, docs), Request{Query: "identical"})
	if want := []string{"c", "b", "a"}; !slices.Equal(got, want) {
		t.Errorf("tie order = %v, want %v", got, want)
	}
}

func TestSearchErrors(t *testing.T) {
	ix := newTestIndex(t, corpus())
	for _, q := range []string{"", "   "} {
		if _, err := ix.Search(context.Background(), Request{Query: q}); err != ErrEmptyQuery {
			t.Errorf("Search(%q) error = %v, want ErrEmptyQuery", q, err)
		}
	}
	if _, err := ix.Search(context.Background(), Request{Query: strings.Repeat("x ", 200)}); err != ErrQueryTooLong {
		t.Errorf("long query error = %v, want ErrQueryTooLong", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := New()
	var docs []Document
	for i := range 20000 {
		docs = append(docs, Document{ID: fmt.Sprint(i), Title: "common words everywhere"})
	}
	if err := big.Add(docs...); err != nil {
		t.Fatal(err)
	}
	if _, err := big.Search(ctx, Request{Query: "common words"}); err == nil {
		t.Error("search with a cancelled context succeeded")
	}
}

func TestTotal(t *testing.T) {
	ix := newTestIndex(t, corpus())
	res, err := ix.Search(context.Background(), Request{Query: "cat:cs.CL"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 3 || !res.TotalExact {
		t.Errorf("Total = %d (exact %v), want 3 exact", res.Total, res.TotalExact)
	}
	res, err = ix.Search(context.Background(), Request{Query: "language", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total < 3 {
		t.Errorf("estimated Total = %d, want at least 3", res.Total)
	}
}

func TestUpdateAndDelete(t *testing.T) {
	ix := newTestIndex(t, corpus())
	if got := ids(t, ix, Request{Query: "lora"}); !slices.Equal(got, []string{"2507.00006"}) {
		t.Fatalf("before update: %v", got)
	}
	// Replace by ID: the old text must no longer match.
	err := ix.Add(Document{ID: "2507.00006", Title: "Learning to rank with adapters", Abstract: "Adapters for ranking.", Date: day("2025-07-01")})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ix, Request{Query: "lora"}); len(got) != 0 {
		t.Errorf("after update, lora matches %v", got)
	}
	if got := ids(t, ix, Request{Query: "adapters"}); !slices.Equal(got, []string{"2507.00006"}) {
		t.Errorf("after update, adapters = %v", got)
	}
	if n := ix.Len(); n != len(corpus()) {
		t.Errorf("Len after update = %d, want %d", n, len(corpus()))
	}
	// Delete.
	if err := ix.Add(Document{Title: "no id"}); err == nil {
		t.Error("Add accepted a document without ID")
	}
	if n := ix.Delete("2502.00003", "missing"); n != 1 {
		t.Errorf("Delete found %d, want 1", n)
	}
	if got := ids(t, ix, Request{Query: "agents"}); len(got) != 0 {
		t.Errorf("deleted paper still found: %v", got)
	}
	if got := ids(t, ix, Request{Query: "au:hopper"}); !slices.Equal(got, []string{"2503.00004"}) {
		t.Errorf("au:hopper after delete = %v", got)
	}
	// Many small batches trigger merges; results stay right.
	for i := range 40 {
		if err := ix.Add(Document{ID: fmt.Sprintf("x%d", i), Title: fmt.Sprintf("batch paper %d", i), Date: day("2025-05-01").AddDate(0, 0, i)}); err != nil {
			t.Fatal(err)
		}
	}
	if s := ix.Segments(); s > maxSegments {
		t.Errorf("segments = %d, want at most %d", s, maxSegments)
	}
	got := ids(t, ix, Request{Query: "batch", Sort: SortNewest, Limit: 3})
	if want := []string{"x39", "x38", "x37"}; !slices.Equal(got, want) {
		t.Errorf("after merges: %v, want %v", got, want)
	}
	ix.Delete("x39")
	ix.Compact()
	if s := ix.Segments(); s != 1 {
		t.Errorf("segments after Compact = %d", s)
	}
	got = ids(t, ix, Request{Query: "batch", Sort: SortNewest, Limit: 2})
	if want := []string{"x38", "x37"}; !slices.Equal(got, want) {
		t.Errorf("after compact: %v, want %v", got, want)
	}
	if got := ids(t, ix, Request{Query: "lora"}); len(got) != 0 {
		t.Errorf("after compact, replaced text matches: %v", got)
	}
	if got := ids(t, ix, Request{Query: `"human feedback"`}); !slices.Equal(got, []string{"2506.00005"}) {
		t.Errorf("phrase after compact = %v", got)
	}
}

func TestBuilderMatchesAdd(t *testing.T) {
	b := NewBuilder()
	for _, d := range corpus() {
		if err := b.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Add(Document{ID: "2501.00001", Title: "Replaced title", Date: day("2025-01-10")}); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(Document{Title: "no id"}); err == nil {
		t.Error("Builder.Add accepted a document without ID")
	}
	ix := b.Finish()
	if ix.Len() != len(corpus()) {
		t.Errorf("Len = %d, want %d", ix.Len(), len(corpus()))
	}
	if got := ids(t, ix, Request{Query: "molecules"}); len(got) != 0 {
		t.Errorf("replaced document still matches: %v", got)
	}
	if got := ids(t, ix, Request{Query: "replaced"}); !slices.Equal(got, []string{"2501.00001"}) {
		t.Errorf("replacement = %v", got)
	}
}

func TestSaveOpenRoundTrip(t *testing.T) {
	ix := newTestIndex(t, corpus())
	ix.Add(Document{ID: "extra", Title: "Another graph paper", Date: day("2025-04-01")})
	ix.Delete("2501.00002")
	ix.SetLastSeq(42)
	dir := filepath.Join(t.TempDir(), "index")
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	// Saving again over an existing index replaces it.
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.LastSeq() != 42 {
		t.Errorf("LastSeq = %d, want 42", got.LastSeq())
	}
	if got.Len() != ix.Len() {
		t.Errorf("Len = %d, want %d", got.Len(), ix.Len())
	}
	for _, q := range []string{"graph neural networks", `"human feedback"`, "au:hopper", "cat:cs", "lora -vision", "year:2025 sort:newest", "proteins"} {
		want, _ := ix.Search(context.Background(), Request{Query: q})
		have, err := got.Search(context.Background(), Request{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.Hits, have.Hits); diff != "" {
			t.Errorf("%q after reopen (-saved +opened):\n%s", q, diff)
		}
	}
	// The reopened index accepts writes.
	if err := got.Add(Document{ID: "new", Title: "Brand new graph"}); err != nil {
		t.Fatal(err)
	}
	if r := ids(t, got, Request{Query: "brand"}); !slices.Equal(r, []string{"new"}) {
		t.Errorf("write after open: %v", r)
	}
}

func TestOpenRejectsCorruptIndex(t *testing.T) {
	ix := newTestIndex(t, corpus())
	dir := filepath.Join(t.TempDir(), "index")
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, segName(0))
	b := mustRead(t, path)
	b[len(b)/2] ^= 0xff
	mustWrite(t, path, b)
	if _, err := Open(dir); err == nil {
		t.Error("Open of a corrupt index succeeded")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Open of a missing directory succeeded")
	}
}

// randomCorpus draws words from a Zipf distribution so that some terms are
// very common, which is where pruning matters.
func randomCorpus(seed uint64, n int) []Document {
	rng := rand.New(rand.NewPCG(seed, seed))
	z := rand.NewZipf(rng, 1.1, 2, 1999)
	topic := 0
	// Topics drift along doc order, so term statistics differ between
	// windows and blocks, as in real collections.
	word := func() string {
		if rng.IntN(3) == 0 {
			return fmt.Sprintf("t%dx%d", topic, z.Uint64()%200)
		}
		return fmt.Sprintf("w%d", z.Uint64())
	}
	docs := make([]Document, n)
	for i := range docs {
		topic = (i / 3000) % 10
		var title, abs []string
		for range 3 + rng.IntN(8) {
			title = append(title, word())
		}
		for range 20 + rng.IntN(120) {
			abs = append(abs, word())
		}
		docs[i] = Document{
			ID:         fmt.Sprintf("r%05d", i),
			Title:      strings.Join(title, " "),
			Abstract:   strings.Join(abs, " "),
			Categories: []string{[]string{"cs.CL", "cs.LG", "cs.CV"}[rng.IntN(3)]},
			Date:       day("2025-01-01").AddDate(0, 0, rng.IntN(30)), // few dates: many ties
			Upvotes:    rng.IntN(3),
		}
	}
	return docs
}

// TestPrunedMatchesExhaustive is the key correctness test of the MaxScore
// evaluation: on a Zipfian random corpus, spread over several segments with
// deletions, the pruned top k must equal the top k of scoring every doc.
func TestPrunedMatchesExhaustive(t *testing.T) {
	docs := randomCorpus(1, 24000)
	ix := New()
	for i := 0; i < len(docs); i += 6000 {
		if err := ix.Add(docs[i : i+6000]...); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < len(docs); i += 17 {
		ix.Delete(docs[i].ID)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	z := rand.NewZipf(rng, 1.1, 2, 1999)
	for i := range 400 {
		var words []string
		for range 1 + rng.IntN(12) {
			if rng.IntN(2) == 0 {
				words = append(words, fmt.Sprintf("t%dx%d", rng.IntN(10), z.Uint64()%200))
			} else {
				words = append(words, fmt.Sprintf("w%d", z.Uint64()))
			}
		}
		if i%5 == 0 {
			words = append(words, fmt.Sprintf("-w%d", z.Uint64()))
		}
		if i%4 == 0 {
			// A required clause: the optional words are then evaluated
			// against the conjunction.
			words = append(words, fmt.Sprintf(`"w%d"`, 2+rng.IntN(30)))
		}
		req := Request{Query: strings.Join(words, " "), Limit: []int{1, 10, 50}[i%3]}
		if i%7 == 0 {
			req.Categories = []string{"cs.CL"}
		}
		if i%11 == 0 {
			req.After = day("2025-01-10")
		}
		q, err := Parse(req.Query)
		if err != nil {
			t.Fatal(err)
		}
		pruned, err := ix.run(context.Background(), q, req, false)
		if err != nil {
			t.Fatal(err)
		}
		exact, err := ix.run(context.Background(), q, req, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(exact.Hits, pruned.Hits); diff != "" {
			t.Fatalf("query %q limit %d: pruned differs from exhaustive (-exhaustive +pruned):\n%s", req.Query, req.Limit, diff)
		}
		// The total is every match, however much pruning skipped.
		if pruned.Total != exact.Total || !pruned.TotalExact {
			t.Fatalf("query %q limit %d: Total %d (exact %v), exhaustive counts %d", req.Query, req.Limit, pruned.Total, pruned.TotalExact, exact.Total)
		}
	}
}

// TestTotalDoesNotDependOnPage: the pages of one query report one total
// (it used to be what pruning happened to see, which moves with the depth
// asked for: 15,697, 15,699 and 15,701 for "alignment").
func TestTotalDoesNotDependOnPage(t *testing.T) {
	docs := randomCorpus(3, 12000)
	ix := New()
	for i := 0; i < len(docs); i += 4000 {
		if err := ix.Add(docs[i : i+4000]...); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"w3", "w2 w40", "w5 t1x3 w700", `"w2" w9 w30`} {
		var totals []int
		for _, page := range []Request{{Limit: 1}, {Limit: 20}, {Offset: 20, Limit: 20}, {Limit: 100}, {Offset: 900, Limit: 100}} {
			page.Query = q
			res, err := ix.Search(context.Background(), page)
			if err != nil {
				t.Fatal(err)
			}
			if !res.TotalExact {
				t.Errorf("%q offset %d limit %d: total not exact", q, page.Offset, page.Limit)
			}
			totals = append(totals, res.Total)
		}
		for _, n := range totals[1:] {
			if n != totals[0] {
				t.Errorf("%q: totals by page %v, want one", q, totals)
				break
			}
		}
	}
}

func TestConcurrentReadersAndWriter(t *testing.T) {
	ix := newTestIndex(t, randomCorpus(3, 2000))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				q := fmt.Sprintf("w%d w%d", 2+i%7, 2+(i+r)%50)
				if _, err := ix.Search(context.Background(), Request{Query: q}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	docs := randomCorpus(4, 300)
	for i, d := range docs {
		if i%3 == 0 {
			ix.Delete(fmt.Sprintf("r%05d", i))
		}
		d.ID = fmt.Sprintf("r%05d", i*2)
		if err := ix.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Save(filepath.Join(t.TempDir(), "idx")); err != nil {
		t.Error(err)
	}
	cancel()
	wg.Wait()
}

func TestHighlight(t *testing.T) {
	q, err := Parse(`pre-training "language models" au:núñez LoRA`)
	if err != nil {
		t.Fatal(err)
	}
	got := Highlight("Large Language Models: pretraining with LoRA adapters, by J. Nunez.", q)
	want := []Fragment{
		{Text: "Large "}, {Text: "Language", Match: true}, {Text: " "}, {Text: "Models", Match: true}, {Text: ": "}, {Text: "pretraining", Match: true},
		{Text: " with "}, {Text: "LoRA", Match: true}, {Text: " adapters, by J. "}, {Text: "Nunez", Match: true}, {Text: "."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Highlight mismatch (-want +got):\n%s", diff)
	}
	text := strings.Repeat("filler words here. ", 30) + "the LoRA method works. " + strings.Repeat("more filler. ", 30)
	snip := Snippet(text, q, 80)
	var b strings.Builder
	matched := false
	for _, f := range snip {
		b.WriteString(f.Text)
		matched = matched || f.Match && f.Text == "LoRA"
	}
	if !matched || len([]rune(b.String())) > 90 {
		t.Errorf("Snippet = %q (matched %v)", b.String(), matched)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPrunedBlockAcrossWindow is a regression test: a block of a common term
// that is skipped in one window must not lose that term's score for a doc
// just past the window end, where a rare term makes the doc competitive.
func TestPrunedBlockAcrossWindow(t *testing.T) {
	var docs []Document
	filler := strings.Repeat("lorem ipsum dolor ", 30)
	for i := range 3*window - 100 {
		d := Document{ID: fmt.Sprintf("d%05d", i), Title: "notes on things", Abstract: filler + "bench"}
		if i%3 != 0 {
			d.Abstract = filler // bench in a third of the docs: it keeps some weight
		}
		switch i {
		case 6, window + 6: // high bench impact in the first two windows
			d.Title = "bench bench" // sets a high threshold early
		case 2*window + 6: // the first window sets the threshold, the second skips
			d.Title = "finesse notes"
			d.Abstract = filler + "bench"
		}
		docs = append(docs, d)
	}
	ix := newTestIndex(t, docs)
	q, _ := Parse("finesse bench")
	for _, limit := range []int{1, 2} {
		req := Request{Limit: limit}
		pruned, _ := ix.run(context.Background(), q, req, false)
		exact, _ := ix.run(context.Background(), q, req, true)
		if diff := cmp.Diff(exact.Hits, pruned.Hits); diff != "" {
			t.Errorf("limit %d: pruned differs from exhaustive (-exhaustive +pruned):\n%s", limit, diff)
		}
	}
}

func TestHighFrequencyTermsKeepFieldsAndWeight(t *testing.T) {
	docs := []Document{
		{ID: "many", Title: "echo echo echo echo echo", Abstract: strings.Repeat("echo ", 20), Authors: []string{"Echo Echo Echo Echo"}},
		{ID: "once", Title: "other words here", Abstract: "a single echo"},
		{ID: "none", Title: "unrelated", Abstract: "nothing"},
	}
	ix := newTestIndex(t, docs)
	if got := ids(t, ix, Request{Query: "echo"}); !slices.Equal(got, []string{"many", "once"}) {
		t.Errorf("echo = %v", got)
	}
	if got := ids(t, ix, Request{Query: "ti:echo"}); !slices.Equal(got, []string{"many"}) {
		t.Errorf("ti:echo = %v", got)
	}
	if got := ids(t, ix, Request{Query: "abs:echo"}); !slices.Equal(got, []string{"many", "once"}) {
		t.Errorf("abs:echo = %v", got)
	}
}

// TestRepeatedQueryWordsWeighMore: a query that says a word more often (an
// abstract used as the query) prefers the paper about that word.
func TestRepeatedQueryWordsWeighMore(t *testing.T) {
	ix := New()
	docs := []Document{
		{ID: "a", Title: "Graph networks", Abstract: "We study graph methods for molecules."},
		{ID: "b", Title: "Molecule generation", Abstract: "We study molecule methods for graphs."},
	}
	for i := range 30 { // unrelated papers give the two words a real idf
		docs = append(docs, Document{ID: fmt.Sprint("filler", i), Title: "Speech recognition", Abstract: "We study audio."})
	}
	ix.Add(docs...)
	top := func(q string) string {
		t.Helper()
		q8, err := parseLong(q)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ix.SearchQuery(context.Background(), q8, Request{Limit: 1})
		if err != nil || len(res.Hits) == 0 {
			t.Fatalf("%q: %v %v", q, res.Hits, err)
		}
		return res.Hits[0].ID
	}
	if got := top("graph graph graph molecule"); got != "a" {
		t.Errorf("graph-heavy query ranked %s first", got)
	}
	if got := top("molecule molecule molecule graph"); got != "b" {
		t.Errorf("molecule-heavy query ranked %s first", got)
	}
}
