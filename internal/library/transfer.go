package library

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Matcher finds the papers that a file's entries name, fetching unknown
// arXiv ids (*citation.Matcher).
type Matcher interface {
	Match(ctx context.Context, entries []citation.Entry) (citation.Report, error)
}

// ImportReport says what an import did: the matcher's report (every paper
// of the file in its order, which were found and which fetched, which
// entries named no paper and why) and how many papers were new.
type ImportReport struct {
	// Collection is the slug imported into; "" for the library alone.
	Collection string `json:"collection,omitempty"`
	Added      int    `json:"added"`
	citation.Report
}

var errNoImports = problem.New(problem.Unavailable, "Importing files is not available on this server.")

// Import reads a reference-manager file of the format (guessed from its
// first lines when f is "") and saves the
// papers it names into the member's collection with the slug, or into
// their library alone when slug is "". The file is read whole first: a
// bad one is refused with the line of its first fault and nothing
// happens. The papers found are saved in one transaction, so a refusal
// (a limit, a paper hidden meanwhile) saves none of them. Papers fetched
// from arXiv stay in the catalogue either way.
func (s *Service) Import(ctx context.Context, m Member, slug string, f citation.Format, r io.Reader, limit func() error) (ImportReport, error) {
	if s.Matcher == nil {
		return ImportReport{}, errNoImports
	}
	rep := ImportReport{Collection: slug}
	var c store.Collection
	if slug != "" {
		var err error
		if c, err = s.Own(ctx, m, slug); err != nil {
			return ImportReport{}, err
		}
	}
	if f == "" {
		data, err := io.ReadAll(io.LimitReader(r, citation.MaxFileBytes+1))
		if err != nil {
			return ImportReport{}, fmt.Errorf("library: import: read file: %w", err)
		}
		f, r = citation.Sniff(data), bytes.NewReader(data)
	}
	entries, err := citation.Parse(f, r)
	if err != nil {
		return ImportReport{}, err
	}
	if err := limit(); err != nil {
		return ImportReport{}, err
	}
	if rep.Report, err = s.Matcher.Match(ctx, entries); err != nil {
		return ImportReport{}, err
	}
	if len(rep.Papers) == 0 {
		return rep, nil
	}
	if slug != "" {
		max := s.limits().PapersInCollection
		rep.Added, err = s.Store.AddToCollection(ctx, c.ID, rep.Papers, max)
		if errors.Is(err, store.ErrLimit) {
			return ImportReport{}, problem.Wrap(err, problem.Unprocessable, fmt.Sprintf(
				"A collection may hold at most %d papers; %q has %d and the file names %d: nothing was imported.", max, c.Name, c.Count, len(rep.Papers)))
		}
	} else {
		max := s.limits().SavedPapers
		rep.Added, err = s.Store.SavePapers(ctx, m.ID, rep.Papers, max)
		if errors.Is(err, store.ErrLimit) {
			return ImportReport{}, problem.Wrap(err, problem.Unprocessable, fmt.Sprintf(
				"A library may hold at most %d papers, and this file would take yours past that: nothing was imported.", max))
		}
	}
	var unknown *store.UnknownPaperError
	if errors.As(err, &unknown) {
		// Matched a moment ago: hidden or removed since.
		return ImportReport{}, problem.Wrap(err, problem.Conflict, "The paper "+unknown.ID+" was withdrawn while importing: nothing was imported; try again.")
	}
	if err != nil {
		return ImportReport{}, fmt.Errorf("library: import into %q of user %d: %w", slug, m.ID, err)
	}
	return rep, nil
}

// exportPage is how many papers an export reads at a time.
const exportPage = 1000

// CollectionPapers returns all the papers of a collection, in the order
// they were added, for an export (citation.Write). The caller has the
// collection from Own or View, which checked who may see it.
func (s *Service) CollectionPapers(ctx context.Context, c store.Collection) ([]store.Paper, error) {
	return allPapers(func(limit, offset int) ([]store.SavedPaper, error) {
		return s.Store.CollectionPapers(ctx, c.ID, store.SortSaved, limit, offset)
	})
}

// LibraryPapers returns all the member's saved papers, the most recently
// saved first, for an export.
func (s *Service) LibraryPapers(ctx context.Context, m Member) ([]store.Paper, error) {
	return allPapers(func(limit, offset int) ([]store.SavedPaper, error) {
		return s.Store.Library(ctx, m.ID, store.SortSaved, limit, offset)
	})
}

// allPapers reads every page.
func allPapers(page func(limit, offset int) ([]store.SavedPaper, error)) ([]store.Paper, error) {
	var out []store.Paper
	for offset := 0; ; offset += exportPage {
		saved, err := page(exportPage, offset)
		if err != nil {
			return nil, err
		}
		for i := range saved {
			out = append(out, saved[i].Paper)
		}
		if len(saved) < exportPage {
			return out, nil
		}
	}
}
