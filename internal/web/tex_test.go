package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// Where a page or feed needs plain text, a title's LaTeX is read by
// tex.Text: "Di$\mathtt{[M]}$O" is Di[M]O, not Di\mathtt[M]O (arXiv
// 2503.15457).
func TestTitleLaTeXIsPlainInFeedsTitleAndCitation(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite, store.Options{Now: func() time.Time { return testNow }})
	paper := store.Paper{
		ID: "2503.15457", Version: 1,
		Title:      `Di$\mathtt{[M]}$O: Distilling Masked Diffusion Models into One-step Generator`,
		Abstract:   `We propose Di$\mathtt{[M]}$O, a novel approach with an $\ell_1$ term.`,
		Authors:    []string{"Yuanzhi Zhu"},
		Categories: []string{"cs.CV"}, FirstVersionAt: date("2025-06-03"), ListedOn: date("2025-06-04"),
		Versions: []store.Version{{Version: 1, Created: date("2025-06-03")}},
	}
	if _, err := st.UpsertPapers(ctx, []store.Paper{paper}); err != nil {
		t.Fatal(err)
	}
	b := lexical.NewBuilder()
	if err := b.Add(paperdoc.Of(&paper)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewServer(Options{
		Papers: st, Search: lexicalSearch(b.Finish()), Now: func() time.Time { return testNow }, BaseURL: "https://paperboy.test",
		Log: testLogger(t),
	}))
	t.Cleanup(srv.Close)

	const want = "Di[M]O: Distilling Masked Diffusion Models into One-step Generator"
	for _, tc := range []struct{ path, want string }{
		{"/feeds/daily.rss", "<title>" + want + "</title>"},
		{"/feeds/daily.atom", want + "</title>"},
		{"/papers/2503.15457", "<title>" + want},
		{"/papers/2503.15457", `<meta name="citation_title" content="` + want + `"`},
	} {
		r := fetch(t, srv.URL+tc.path)
		if r.status != 200 {
			t.Fatalf("%s: status %d", tc.path, r.status)
		}
		if !strings.Contains(r.body, tc.want) {
			t.Errorf("%s lacks %q", tc.path, tc.want)
		}
		// The BibTeX on the paper page keeps the LaTeX, which is what
		// BibTeX reads.
		if strings.HasPrefix(tc.path, "/feeds/") && strings.Contains(r.body, `\mathtt`) {
			t.Errorf("%s shows \\mathtt", tc.path)
		}
	}
}
