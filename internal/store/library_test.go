package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// libraryFixture stores three papers with distinct titles and dates.
func libraryFixture(t *testing.T, s *store.Store) {
	t.Helper()
	var papers []store.Paper
	for i, title := range []string{"Zebra models", "alpha attention", "Mid transformers"} {
		p := arxivPaper([]string{"2506.00001", "2506.00002", "2506.00003"}[i], 1)
		p.Title = title
		p.ListedOn = time.Date(2025, 6, []int{3, 5, 4}[i], 0, 0, 0, 0, time.UTC)
		papers = append(papers, p)
	}
	if _, err := s.UpsertPapers(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
}

func savedIDs(papers []store.SavedPaper) []string {
	out := []string{}
	for _, p := range papers {
		out = append(out, p.ID)
	}
	return out
}

func TestLibrarySavesNotesAndSorts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libraryFixture(t, s)
		ada := mustUser(t, s, "ada", "user")
		bob := mustUser(t, s, "bob", "user")

		for _, id := range []string{"2506.00001", "2506.00002", "2506.00003", "2506.00001"} {
			if _, err := s.SavePaper(ctx, ada.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SavePaper(ctx, ada.ID, "2506.99999"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("saving an unknown paper: %v, want ErrNotFound", err)
		}
		if n, _ := s.CountSaved(ctx, ada.ID); n != 3 {
			t.Fatalf("CountSaved = %d, want 3 (saving twice is once)", n)
		}
		if err := s.SetNote(ctx, ada.ID, "2506.00002", "read §3 — ünïcode"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetNote(ctx, ada.ID, "2506.00002", "bad\x00note"); !errors.Is(err, store.ErrInvalidText) {
			t.Fatalf("NUL in a note: %v, want ErrInvalidText", err)
		}
		for sort, want := range map[store.LibrarySort][]string{
			store.SortTitle:     {"2506.00002", "2506.00003", "2506.00001"},
			store.SortPaperDate: {"2506.00002", "2506.00003", "2506.00001"},
		} {
			got, err := s.Library(ctx, ada.ID, sort, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, savedIDs(got)); diff != "" {
				t.Errorf("sort %s (-want +got):\n%s", sort, diff)
			}
		}
		lib, err := s.Library(ctx, ada.ID, store.SortSaved, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(lib) != 3 || lib[0].SavedAt.IsZero() {
			t.Fatalf("library = %+v", lib)
		}
		for _, p := range lib {
			if want := map[string]string{"2506.00002": "read §3 — ünïcode"}[p.ID]; p.Note != want {
				t.Errorf("note on %s = %q, want %q", p.ID, p.Note, want)
			}
		}
		saved, err := s.SavedAmong(ctx, bob.ID, []string{"2506.00001"})
		if err != nil || len(saved) != 0 {
			t.Fatalf("bob's saved = %v, %v; want none: libraries are per user", saved, err)
		}
		if err := s.UnsavePaper(ctx, ada.ID, "2506.00001"); err != nil {
			t.Fatal(err)
		}
		saved, _ = s.SavedAmong(ctx, ada.ID, []string{"2506.00001", "2506.00002"})
		if diff := cmp.Diff(map[string]bool{"2506.00002": true}, saved); diff != "" {
			t.Errorf("after unsave (-want +got):\n%s", diff)
		}
	})
}

func TestCollectionsHoldLibraryPapersInOrderWithinLimits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libraryFixture(t, s)
		ada := mustUser(t, s, "ada", "user")
		bob := mustUser(t, s, "bob", "user")

		c, err := s.CreateCollection(ctx, store.Collection{UserID: ada.ID, Slug: "reading", Name: "Reading", Private: true}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if c.Owner != "ada" || !c.Private || c.Count != 0 || c.CreatedAt.IsZero() {
			t.Fatalf("created %+v", c)
		}
		if _, err := s.CreateCollection(ctx, store.Collection{UserID: ada.ID, Slug: "reading", Name: "Again"}, 2); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate slug: %v, want ErrConflict", err)
		}
		if _, err := s.CreateCollection(ctx, store.Collection{UserID: bob.ID, Slug: "reading", Name: "Bob's"}, 2); err != nil {
			t.Fatalf("another user's same slug: %v", err)
		}
		if _, err := s.CreateCollection(ctx, store.Collection{UserID: ada.ID, Slug: "two", Name: "Two"}, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateCollection(ctx, store.Collection{UserID: ada.ID, Slug: "three", Name: "Three"}, 2); !errors.Is(err, store.ErrLimit) {
			t.Fatalf("third collection with a limit of 2: %v, want ErrLimit", err)
		}

		// One transaction: an unknown id adds nothing at all.
		if _, err := s.AddToCollection(ctx, c.ID, []string{"2506.00003", "2506.99999"}, 10); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("adding an unknown paper: %v, want ErrNotFound", err)
		}
		if got, _ := s.CollectionPapers(ctx, c.ID, store.SortSaved, 10, 0); len(got) != 0 {
			t.Fatalf("a failed add left %v", savedIDs(got))
		}
		added, err := s.AddToCollection(ctx, c.ID, []string{"2506.00003", "2506.00001", "2506.00003"}, 10)
		if err != nil || added != 2 {
			t.Fatalf("added %d, %v; want 2", added, err)
		}
		if added, err = s.AddToCollection(ctx, c.ID, []string{"2506.00001", "2506.00002"}, 10); err != nil || added != 1 {
			t.Fatalf("second add: %d, %v; want 1", added, err)
		}
		if _, err := s.AddToCollection(ctx, c.ID, []string{"2506.00002"}, 2); err != nil {
			t.Fatalf("re-adding a held paper at the limit: %v", err)
		}
		two, _ := s.CollectionBySlug(ctx, ada.ID, "two")
		if _, err := s.AddToCollection(ctx, two.ID, []string{"2506.00001", "2506.00002", "2506.00003"}, 2); !errors.Is(err, store.ErrLimit) {
			t.Fatalf("past the paper limit: %v, want ErrLimit", err)
		}
		if err := s.SetNote(ctx, ada.ID, "2506.00001", "the note"); err != nil {
			t.Fatal(err)
		}
		got, err := s.CollectionPapers(ctx, c.ID, store.SortSaved, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"2506.00003", "2506.00001", "2506.00002"}, savedIDs(got)); diff != "" {
			t.Errorf("collection order is the order added (-want +got):\n%s", diff)
		}
		if got[1].Note != "the note" {
			t.Errorf("the owner's note = %q", got[1].Note)
		}
		if saved, _ := s.SavedAmong(ctx, ada.ID, []string{"2506.00003"}); !saved["2506.00003"] {
			t.Error("a paper added to a collection is not in the library")
		}
		if holding, _ := s.CollectionsHolding(ctx, ada.ID, "2506.00003"); !holding["reading"] {
			t.Errorf("CollectionsHolding = %v", holding)
		}
		if err := s.RemoveFromCollection(ctx, c.ID, "2506.00003"); err != nil {
			t.Fatal(err)
		}
		if saved, _ := s.SavedAmong(ctx, ada.ID, []string{"2506.00003"}); !saved["2506.00003"] {
			t.Error("removing from a collection took the paper out of the library")
		}
		if err := s.UnsavePaper(ctx, ada.ID, "2506.00001"); err != nil {
			t.Fatal(err)
		}
		c, _ = s.CollectionBySlug(ctx, ada.ID, "reading")
		if c.Count != 1 {
			t.Errorf("count after unsaving a collected paper = %d, want 1", c.Count)
		}

		name, public := "Reading list", false
		c, err = s.UpdateCollection(ctx, c.ID, store.CollectionUpdate{Name: &name, Private: &public})
		if err != nil || c.Name != name || c.Private || c.Slug != "reading" {
			t.Fatalf("update: %+v, %v", c, err)
		}
		if n, err := s.VoteCollection(ctx, c.ID, bob.ID, true); err != nil || n != 1 {
			t.Fatalf("vote: %d, %v", n, err)
		}
		if n, _ := s.VoteCollection(ctx, c.ID, bob.ID, true); n != 1 {
			t.Fatalf("voting twice counts %d", n)
		}
		if voted, _ := s.VotedCollection(ctx, c.ID, bob.ID); !voted {
			t.Error("VotedCollection = false")
		}
		list, err := s.Collections(ctx, ada.ID)
		if err != nil || len(list) != 2 || list[0].Slug != "reading" || list[0].Upvotes != 1 {
			t.Fatalf("collections = %+v, %v", list, err)
		}
		if err := s.DeleteCollection(ctx, two.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CollectionBySlug(ctx, ada.ID, "two"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted collection: %v", err)
		}
	})
}

func TestDeletingAnAccountDeletesItsLibraryAndCollections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libraryFixture(t, s)
		ada := mustUser(t, s, "ada", "user")
		bob := mustUser(t, s, "bob", "user")
		c, err := s.CreateCollection(ctx, store.Collection{UserID: ada.ID, Slug: "mine", Name: "Mine"}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddToCollection(ctx, c.ID, []string{"2506.00001"}, 10); err != nil {
			t.Fatal(err)
		}
		bobs, _ := s.CreateCollection(ctx, store.Collection{UserID: bob.ID, Slug: "b", Name: "B"}, 10)
		if _, err := s.VoteCollection(ctx, bobs.ID, ada.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(ctx, ada.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountSaved(ctx, ada.ID); n != 0 {
			t.Errorf("%d saved papers outlive the account", n)
		}
		if list, _ := s.Collections(ctx, ada.ID); len(list) != 0 {
			t.Errorf("collections outlive the account: %+v", list)
		}
		if got, _ := s.CollectionPapers(ctx, c.ID, store.SortSaved, 10, 0); len(got) != 0 {
			t.Errorf("collection papers outlive the account: %v", savedIDs(got))
		}
		if b, _ := s.CollectionBySlug(ctx, bob.ID, "b"); b.Upvotes != 0 {
			t.Errorf("the deleted account's upvote still counts: %d", b.Upvotes)
		}
		if err := s.DeleteUser(ctx, ada.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting twice: %v, want ErrNotFound", err)
		}
	})
}

func TestSavePapersIsAllOrNoneWithinTheLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libraryFixture(t, s)
		ada := mustUser(t, s, "ada", "user")

		var unknown *store.UnknownPaperError
		if _, err := s.SavePapers(ctx, ada.ID, []string{"2506.00001", "2506.99999"}, 10); !errors.As(err, &unknown) || unknown.ID != "2506.99999" {
			t.Fatalf("an unknown paper: %v, want an UnknownPaperError naming it", err)
		}
		if n, _ := s.CountSaved(ctx, ada.ID); n != 0 {
			t.Fatalf("a failed save left %d papers", n)
		}
		if added, err := s.SavePapers(ctx, ada.ID, []string{"2506.00002", "2506.00001", "2506.00002"}, 10); err != nil || added != 2 {
			t.Fatalf("SavePapers = %d, %v; want 2", added, err)
		}
		if added, err := s.SavePapers(ctx, ada.ID, []string{"2506.00001"}, 2); err != nil || added != 0 {
			t.Fatalf("saving a saved paper at the limit = %d, %v", added, err)
		}
		if _, err := s.SavePapers(ctx, ada.ID, []string{"2506.00003"}, 2); !errors.Is(err, store.ErrLimit) {
			t.Fatalf("past the limit: %v, want ErrLimit", err)
		}
		if n, _ := s.CountSaved(ctx, ada.ID); n != 2 {
			t.Fatalf("CountSaved = %d after a refused save, want 2", n)
		}
	})
}
