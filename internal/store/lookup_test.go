package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestDOIKey(t *testing.T) {
	for in, want := range map[string]string{
		"10.1103/PhysRevD.76.013009":                 "10.1103/physrevd.76.013009",
		"https://doi.org/10.1103/PhysRevD.76.013009": "10.1103/physrevd.76.013009",
		"http://dx.doi.org/10.1000/XYZ":              "10.1000/xyz",
		"doi:10.1000/xyz.":                           "10.1000/xyz",
		" DOI:10.1000/abc 10.1000/def":               "10.1000/abc",
		"not a doi":                                  "",
		"10.1000":                                    "",
		"":                                           "",
	} {
		if got := store.DOIKey(in); got != want {
			t.Errorf("DOIKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTitleKey(t *testing.T) {
	for in, want := range map[string]string{
		`{ProRL}: {P}rolonged Reinforcement Learning`: "prorl prolonged reinforcement learning",
		"ProRL: Prolonged  Reinforcement-Learning.":   "prorl prolonged reinforcement learning",
		`On G{\"o}del's Na\"{\i}ve Erd\H{o}s`:         "on godel s naive erdos",
		"On Gödel’s Naïve Erdős":                      "on godel s naive erdos",
		`CaO$_2$: Rectifying`:                         "cao2 rectifying",
		"":                                            "",
		"?!":                                          "",
	} {
		if got := store.TitleKey(in); got != want {
			t.Errorf("TitleKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPaperLookups(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := arxivPaper("2506.00001", 1)
		a.Title, a.DOI = `Na\"ive {B}ayes at Scale`, "10.1000/ABC"
		b := arxivPaper("2506.00002", 1)
		b.Title, b.DOI = "Naïve Bayes at scale!", ""
		c := arxivPaper("hep-th/9901001", 1)
		c.Title, c.DOI = "Strings", "10.1000/abc 10.1000/other"
		if _, err := s.UpsertPapers(ctx, []store.Paper{a, b, c}); err != nil {
			t.Fatal(err)
		}
		hf := hfPaper("2506.00003", 3, "2025-06-04")
		hf.Title = "A Hugging Face Title"
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hf}); err != nil {
			t.Fatal(err)
		}
		check := func() {
			t.Helper()
			known, err := s.KnownPaperIDs(ctx, []string{"2506.00001", "hep-th/9901001", "2506.09999"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]bool{"2506.00001": true, "hep-th/9901001": true}, known); diff != "" {
				t.Errorf("known ids (-want +got):\n%s", diff)
			}
			byDOI, err := s.PaperIDsByDOI(ctx, []string{"https://doi.org/10.1000/abc", "10.9999/none", "junk"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string][]string{"10.1000/abc": {"2506.00001", "hep-th/9901001"}}, byDOI); diff != "" {
				t.Errorf("by DOI (-want +got):\n%s", diff)
			}
			byTitle, err := s.PaperIDsByTitle(ctx, []string{"NAIVE BAYES AT SCALE", "a hugging-face title", "Unknown"})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{"naive bayes at scale": {"2506.00001", "2506.00002"}, "a hugging face title": {"2506.00003"}}
			if diff := cmp.Diff(want, byTitle); diff != "" {
				t.Errorf("by title (-want +got):\n%s", diff)
			}
		}
		check()

		// A re-import with a new title moves the key with it.
		a.Version, a.Title = 2, "Renamed"
		if _, err := s.UpsertPapers(ctx, []store.Paper{a}); err != nil {
			t.Fatal(err)
		}
		byTitle, err := s.PaperIDsByTitle(ctx, []string{"renamed", "Naive Bayes at Scale"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string][]string{"renamed": {"2506.00001"}, "naive bayes at scale": {"2506.00002"}}, byTitle); diff != "" {
			t.Errorf("after rename (-want +got):\n%s", diff)
		}
		a.Version, a.Title = 3, `Na\"ive {B}ayes at Scale`
		if _, err := s.UpsertPapers(ctx, []store.Paper{a}); err != nil {
			t.Fatal(err)
		}

		// A database whose keys were all filled once is not read again
		// on the next start (every write sets the keys).
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.ForgetLookupKeys(ctx, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.PaperIDsByTitle(ctx, []string{"Strings"}); len(got) != 0 {
			t.Fatalf("Migrate read the papers again after a pass had filled every key: %v", got)
		}

		// Rows stored before migration 0014 get their keys from Migrate.
		if err := s.ForgetLookupKeys(ctx, false); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.PaperIDsByTitle(ctx, []string{"Strings"}); len(got) != 0 {
			t.Fatalf("keys were not forgotten: %v", got)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check()
	})
}
