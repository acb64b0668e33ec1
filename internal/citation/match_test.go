package citation_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// forEachBackend runs the test on a fresh store of every dialect: matching
// reads the store's lookups, which must agree on both.
func forEachBackend(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.Open(t, d, store.Options{}))
		})
	}
}

func paper(id, title string, authors ...string) store.Paper {
	return store.Paper{ID: id, Version: 1, Title: title, Authors: authors, Categories: []string{"cs.LG"},
		FirstVersionAt: time.Date(2020, 1, 23, 0, 0, 0, 0, time.UTC)}
}

// library is what the fixtures' papers are in paperboy's store.
func library() []store.Paper {
	resnet := paper("1512.03385", "Deep Residual Learning for Image Recognition", "Kaiming He", "Xiangyu Zhang")
	resnet.DOI = "10.1109/CVPR.2016.90"
	return []store.Paper{
		paper("1706.03762", "Attention Is All You Need", "Ashish Vaswani", "Noam Shazeer"),
		paper("2001.08361", "Scaling Laws for Neural Language Models", "Jared Kaplan"),
		paper("hep-th/9802150", "Anti De Sitter Space And Holography", "Edward Witten"),
		paper("hep-th/9711200", "The Large N Limit of Superconformal Field Theories and Supergravity", "Juan M. Maldacena"),
		resnet,
	}
}

// arxivStub stands for arXiv's API: it stores the papers it knows when
// asked, as the harvester's Lookup does.
type arxivStub struct {
	s      *store.Store
	papers map[string]store.Paper
	asked  [][]string
	err    error
}

func (a *arxivStub) LookupPapers(ctx context.Context, ids []string) error {
	a.asked = append(a.asked, ids)
	if a.err != nil {
		return a.err
	}
	var found []store.Paper
	for _, id := range ids {
		if p, ok := a.papers[id]; ok {
			found = append(found, p)
		}
	}
	_, err := a.s.UpsertPapers(ctx, found)
	return err
}

func open(t *testing.T, name string) []citation.Entry {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := citation.FormatOfName(name)
	entries, err := citation.Parse(f, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

type reasons map[string]string // entry label -> reason

func unmatched(r citation.Report) reasons {
	m := reasons{}
	for _, u := range r.Unmatched {
		m[u.Label] = u.Reason
	}
	return m
}

func TestMatchRealExports(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.UpsertPapers(ctx, library()); err != nil {
			t.Fatal(err)
		}
		rag := paper("2005.11401", "Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks", "Patrick Lewis")
		stub := &arxivStub{s: s, papers: map[string]store.Paper{"2005.11401": rag}}
		m := &citation.Matcher{Papers: s, Fetch: stub}
		for _, tc := range []struct {
			file                     string
			papers, matched, fetched []string
			unmatched                reasons
			dups                     int
		}{
			{file: "scholar.bib", // Scholar: ids in journal, titles only, LaTeX accents
				papers:    []string{"1706.03762", "2001.08361", "hep-th/9711200", "hep-th/9802150"},
				matched:   []string{"1706.03762", "2001.08361", "hep-th/9711200", "hep-th/9802150"},
				unmatched: reasons{"erdos1959random (line 16)": "no arXiv id or DOI, and no paper with this title"}},
			{file: "zotero.bib", // Zotero: arXiv DOIs and URLs, a journal DOI
				papers:    []string{"1706.03762", "1512.03385", "2001.08361"},
				matched:   []string{"1706.03762", "1512.03385", "2001.08361"},
				unmatched: reasons{"godel_uber_1931 (line 16)": "no paper with this DOI or title"}},
			{file: "jabref.bib", // a duplicate key naming one paper twice, fetched once
				papers: []string{"2005.11401"}, fetched: []string{"2005.11401"}, dups: 1,
				unmatched: reasons{"Old1999 (line 22)": "no paper with this DOI or title"}},
			{file: "mendeley.ris",
				papers: []string{"1706.03762", "1512.03385", "2001.08361"}, matched: []string{"1706.03762", "1512.03385", "2001.08361"}},
			{file: "list.txt",
				papers:  []string{"1706.03762", "2001.08361", "hep-th/9802150", "2005.11401", "1512.03385"},
				matched: []string{"1706.03762", "2001.08361", "hep-th/9802150", "2005.11401", "1512.03385"},
				unmatched: reasons{"doi:10.1007/bf01700692 (line 7)": "no paper with this DOI",
					"arXiv:math/0601001 (line 9)": "arXiv has no paper math/0601001"}},
		} {
			t.Run(tc.file, func(t *testing.T) {
				r, err := m.Match(ctx, open(t, tc.file))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.papers, r.Papers); diff != "" {
					t.Errorf("papers (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.matched, r.Matched); diff != "" {
					t.Errorf("matched (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.fetched, r.Fetched); diff != "" {
					t.Errorf("fetched (-want +got):\n%s", diff)
				}
				if tc.unmatched == nil {
					tc.unmatched = reasons{}
				}
				if diff := cmp.Diff(tc.unmatched, unmatched(r)); diff != "" {
					t.Errorf("unmatched (-want +got):\n%s", diff)
				}
				if r.Duplicates != tc.dups {
					t.Errorf("duplicates %d, want %d", r.Duplicates, tc.dups)
				}
			})
		}
	})
}

func TestMatchRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		twin1, twin2 := paper("2101.00001", "A Survey of Surveys"), paper("2101.00002", "A survey of surveys!")
		if _, err := s.UpsertPapers(ctx, append(library(), twin1, twin2)); err != nil {
			t.Fatal(err)
		}
		entries, err := citation.ParseBibTeX(strings.NewReader(`
@misc{twin, title = {A {Survey} of Surveys}}
@misc{short, title = {Attention}}
@misc{none}
@misc{v, eprint = {1706.03762v5}}
@article{again, title = {Attention is all you need}}
@misc{u1, eprint = {2402.00001}}
@misc{u2, eprint = {2402.00002}}
@misc{u3, eprint = {2402.00003}}
`))
		if err != nil {
			t.Fatal(err)
		}
		t.Run("without fetching", func(t *testing.T) {
			r, err := (&citation.Matcher{Papers: s}).Match(ctx, entries)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"1706.03762"}, r.Papers); diff != "" {
				t.Errorf("papers (-want +got):\n%s", diff)
			}
			if r.Duplicates != 1 {
				t.Errorf("duplicates = %d: the title match of a paper named by id before is one", r.Duplicates)
			}
			want := reasons{
				"twin (line 2)":  "the title matches 2 papers: 2101.00001, 2101.00002",
				"short (line 3)": "no arXiv id or DOI, and the title is too short to match on its own",
				"none (line 4)":  "no arXiv id, DOI or title",
				"u1 (line 7)":    "arXiv:2402.00001 is not in paperboy",
				"u2 (line 8)":    "arXiv:2402.00002 is not in paperboy",
				"u3 (line 9)":    "arXiv:2402.00003 is not in paperboy",
			}
			if diff := cmp.Diff(want, unmatched(r)); diff != "" {
				t.Errorf("unmatched (-want +got):\n%s", diff)
			}
		})
		t.Run("fetch limit", func(t *testing.T) {
			stub := &arxivStub{s: s, papers: map[string]store.Paper{
				"2402.00001": paper("2402.00001", "One"), "2402.00002": paper("2402.00002", "Two"), "2402.00003": paper("2402.00003", "Three")}}
			r, err := (&citation.Matcher{Papers: s, Fetch: stub, MaxFetch: 2}).Match(ctx, entries)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([][]string{{"2402.00001", "2402.00002"}}, stub.asked); diff != "" {
				t.Errorf("asked arXiv for (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"2402.00001", "2402.00002"}, r.Fetched); diff != "" {
				t.Errorf("fetched (-want +got):\n%s", diff)
			}
			if got := unmatched(r)["u3 (line 9)"]; !strings.Contains(got, "over 2 papers to fetch") {
				t.Errorf("u3: %q", got)
			}
		})
		t.Run("arXiv down", func(t *testing.T) {
			stub := &arxivStub{s: s, err: errors.New("connection refused")}
			_, err := (&citation.Matcher{Papers: s, Fetch: stub}).Match(ctx, entries[6:])
			if problem.KindOf(err) != problem.Upstream {
				t.Fatalf("err = %v, want an Upstream problem", err)
			}
		})
	})
}

// TestExportRoundTrip: what paperboy exports, in every format, reads back
// as the same papers in the same order, by id alone and (with the ids
// gone, as a reference manager may drop them) by DOI or title.
func TestExportRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		papers := append(library(),
			paper("2506.00001", `Na\"ive {B}ayes \& $\mathcal{O}(n)$ {GPT}-4 on 80\% of Erd\H{o}s' graphs`, `Kurt G\"odel`, "Tolúlọpé Ògúnrèmí"),
			paper("2506.00002", "A title}\n@misc{evil,", "Jane Doe & Co_1"),
			paper("2506.00003", "Attention Is All You Need", "Someone Else"), // a second paper of the same title
		)
		papers[len(papers)-2].DOI = "10.1000/A_B%C"
		if _, err := s.UpsertPapers(ctx, papers); err != nil {
			t.Fatal(err)
		}
		stored, err := s.PapersByID(ctx, []string{"2506.00001", "hep-th/9802150", "1512.03385", "2506.00002", "1706.03762", "2506.00003", "2001.08361"})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]string, len(stored))
		for i, p := range stored {
			want[i] = p.ID
		}
		m := &citation.Matcher{Papers: s}
		for _, f := range []citation.Format{citation.BibTeXFormat, citation.RISFormat, citation.CSLJSONFormat} {
			t.Run(string(f), func(t *testing.T) {
				var buf bytes.Buffer
				if err := citation.Write(&buf, f, stored); err != nil {
					t.Fatal(err)
				}
				if got := citation.Sniff(buf.Bytes()); got != f {
					t.Errorf("Sniff = %s", got)
				}
				entries, err := citation.Parse(f, bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatalf("%v\n%s", err, buf.String())
				}
				r, err := m.Match(ctx, entries)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, r.Papers); diff != "" || len(r.Unmatched) > 0 {
					t.Errorf("papers (-want +got):\n%s\nunmatched %+v\n%s", diff, r.Unmatched, buf.String())
				}
				// Without the ids: DOI, then title; the titles shared by
				// two papers are the ones left unmatched.
				for i := range entries {
					entries[i].ArxivID = ""
					if strings.HasPrefix(entries[i].DOI, "10.48550/") {
						entries[i].DOI = ""
					}
				}
				r, err = m.Match(ctx, entries)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"2506.00001", "hep-th/9802150", "1512.03385", "2506.00002", "2001.08361"}, r.Papers); diff != "" {
					t.Errorf("matched by DOI and title (-want +got):\n%s\nunmatched %+v", diff, r.Unmatched)
				}
			})
		}
	})
}
