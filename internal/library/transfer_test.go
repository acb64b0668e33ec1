package library_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/library"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func TestImportIsAllOrNothingAndExportsReadBack(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, d, store.Options{})
			var papers []store.Paper
			for _, id := range []string{"2506.00001", "2506.00002", "2506.00003"} {
				papers = append(papers, store.Paper{ID: id, Version: 1, Title: "The paper numbered " + id, Authors: []string{"Ada Lovelace"}})
			}
			if _, err := st.UpsertPapers(ctx, papers); err != nil {
				t.Fatal(err)
			}
			u, err := st.CreateUser(ctx, store.User{Username: "ada", Email: "ada@example.org"})
			if err != nil {
				t.Fatal(err)
			}
			ada := library.Member{ID: u.ID, Name: "ada"}
			limits := library.DefaultLimits
			limits.PapersInCollection, limits.SavedPapers = 2, 3
			svc := &library.Service{Store: st, Limits: limits, Matcher: &citation.Matcher{Papers: st}}
			list := func(ids ...string) *strings.Reader { return strings.NewReader(strings.Join(ids, "\n")) }

			if _, err := (&library.Service{Store: st}).Import(ctx, ada, "", citation.ListFormat, list("2506.00001"), noLimit); kindOf(err) != problem.Unavailable {
				t.Errorf("without a matcher: %v, want Unavailable", err)
			}
			if _, err := svc.Import(ctx, ada, "nope", citation.ListFormat, list("2506.00001"), noLimit); kindOf(err) != problem.NotFound {
				t.Errorf("into no collection: %v, want NotFound", err)
			}
			c, err := svc.Create(ctx, ada, library.NewCollection{Name: "Two"}, noLimit)
			if err != nil {
				t.Fatal(err)
			}
			limited := func() error { return problem.New(problem.TooManyRequests, "slow down") }
			if _, err := svc.Import(ctx, ada, c.Slug, citation.ListFormat, list("2506.00001"), limited); kindOf(err) != problem.TooManyRequests {
				t.Errorf("rate-limited: %v", err)
			}
			_, err = svc.Import(ctx, ada, c.Slug, citation.ListFormat, list("2506.00003", "2506.00001", "2506.00002"), noLimit)
			if kindOf(err) != problem.Unprocessable || !strings.Contains(err.Error(), "at most 2 papers") {
				t.Fatalf("past the collection's limit: %v", err)
			}
			if n, _ := st.CountSaved(ctx, ada.ID); n != 0 {
				t.Fatalf("a refused import saved %d papers", n)
			}
			// The format is recognised when not given.
			rep, err := svc.Import(ctx, ada, c.Slug, "", strings.NewReader("@misc{a, eprint={2506.00003}}\n@misc{b, eprint={2506.00001}}\n"), noLimit)
			if err != nil || rep.Added != 2 || rep.Collection != "two" || !cmp.Equal(rep.Papers, []string{"2506.00003", "2506.00001"}) {
				t.Fatalf("import: %+v, %v", rep, err)
			}
			if _, err := svc.Import(ctx, ada, "", citation.ListFormat, list("2506.00002", "2506.99999"), noLimit); err != nil {
				t.Fatal(err)
			}
			if _, err := st.UpsertPapers(ctx, []store.Paper{{ID: "2506.00004", Version: 1, Title: "One too many papers"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Import(ctx, ada, "", citation.ListFormat, list("2506.00004"), noLimit); kindOf(err) != problem.Unprocessable {
				t.Fatalf("past the library's limit: %v", err)
			}

			for _, f := range []citation.Format{citation.BibTeXFormat, citation.RISFormat, citation.CSLJSONFormat} {
				got, err := svc.CollectionPapers(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := citation.Write(&buf, f, got); err != nil {
					t.Fatal(err)
				}
				entries, err := citation.Parse(f, &buf)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := svc.Matcher.Match(ctx, entries)
				if err != nil || !cmp.Equal(rep.Papers, []string{"2506.00003", "2506.00001"}) {
					t.Errorf("%s export reads back as %v, %v", f, rep.Papers, err)
				}
			}
			all, err := svc.LibraryPapers(ctx, ada)
			if err != nil || len(all) != 3 {
				t.Fatalf("library papers: %d, %v", len(all), err)
			}
		})
	}
}
