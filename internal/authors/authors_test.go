package authors

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func TestIncludedTakesInitialsOnlyWhenUnambiguous(t *testing.T) {
	v := func(keys ...string) []store.NameVariant {
		var out []store.NameVariant
		for _, k := range keys {
			out = append(out, store.NameVariant{Key: k, Papers: 1})
		}
		return out
	}
	tests := []struct {
		name     string
		key      string
		variants []store.NameVariant
		want     []string
	}{
		{"initials join the one full name", "ada lovelace", v("ada lovelace", "a lovelace"), []string{"ada lovelace", "a lovelace"}},
		{"two full names: initials stay apart", "ada lovelace", v("ada lovelace", "a lovelace", "alan lovelace"), []string{"ada lovelace"}},
		{"a middle name is another name", "ada lovelace", v("ada lovelace", "ada b lovelace", "a lovelace"), []string{"ada lovelace", "a lovelace"}},
		{"page of initials, one full name", "a lovelace", v("ada lovelace", "a lovelace"), []string{"a lovelace", "ada lovelace"}},
		{"page of initials, two full names", "a lovelace", v("ada lovelace", "a lovelace", "alan lovelace"), []string{"a lovelace"}},
		{"CJK names match exactly", "张伟", v("张伟"), []string{"张伟"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := included(tt.key, tt.variants)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("included(%q) (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}

type savedTo map[int64][]string

func (s savedTo) Save(_ context.Context, userID int64, paperID string) error {
	s[userID] = append(s[userID], paperID)
	return nil
}

func newService(t *testing.T) (*Service, *store.Store, savedTo) {
	t.Helper()
	st := storetest.Open(t, store.SQLite, store.Options{Now: func() time.Time { return time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC) }})
	saved := savedTo{}
	return &Service{Store: st, Library: saved}, st, saved
}

func paper(id string, authors ...string) store.Paper {
	return store.Paper{ID: id, Version: 1, Title: "Paper " + id, Authors: authors, Categories: []string{"cs.LG"},
		FirstVersionAt: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), ListedOn: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)}
}

func noLimit() error { return nil }

func TestAuthorPage(t *testing.T) {
	s, st, _ := newService(t)
	ctx := context.Background()
	if _, err := st.UpsertPapers(ctx, []store.Paper{
		paper("2506.00001", "Ada Lovelace", "Charles Babbage"),
		paper("2506.00002", "Lovelace, Ada", "Charles Babbage", "Mary Somerville"),
		paper("2506.00003", "A. Lovelace"),
	}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Ada Lovelace", "lovelace, ada", "ADA LOVELACE", "A. Lovelace"} {
		p, err := s.AuthorPage(ctx, name)
		if err != nil {
			t.Fatalf("AuthorPage(%q): %v", name, err)
		}
		if len(p.Papers) != 3 {
			t.Errorf("AuthorPage(%q) lists %d papers, want 3", name, len(p.Papers))
		}
		if len(p.Coauthors) == 0 || p.Coauthors[0].Display != "Charles Babbage" || p.Coauthors[0].N != 2 {
			t.Errorf("co-authors of %q = %+v", name, p.Coauthors)
		}
	}
	if _, err := st.UpsertPapers(ctx, []store.Paper{paper("2506.00004", "Alan Lovelace")}); err != nil {
		t.Fatal(err)
	}
	p, err := s.AuthorPage(ctx, "Ada Lovelace")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Papers) != 2 || len(p.Others) != 2 {
		t.Errorf("with Alan Lovelace about, the page lists %d papers and others %+v; want 2 and A. Lovelace, Alan Lovelace", len(p.Papers), p.Others)
	}
	for _, name := range []string{"Nobody Here", "", strings.Repeat("a", 300), ".,;", "\xff"} {
		if _, err := s.AuthorPage(ctx, name); problem.As(err) == nil || problem.As(err).Kind != problem.NotFound {
			t.Errorf("AuthorPage(%q) = %v, want not found", name, err)
		}
	}
}

func TestFollowRefusesHostileInput(t *testing.T) {
	s, st, _ := newService(t)
	ctx := context.Background()
	u, err := st.CreateUser(ctx, store.User{Username: "ada", Email: "ada@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	m := Member{ID: u.ID, Name: "ada", Verified: true}
	for _, tt := range []struct{ kind, value, want string }{
		{"author", "", "Say what to follow"},
		{"author", strings.Repeat("x", 201), "longer than"},
		{"author", "Ada\x00Lovelace", "not allowed"},
		{"author", "\xff\xfe", "not allowed"},
		{"category", "cs.LG; DROP TABLE follows", "not an arXiv category"},
		{"category", "<script>", "not an arXiv category"},
		{"topic", "42", "topics are not available yet"},
		{"person", "Ada", "kind: want"},
	} {
		_, err := s.Follow(ctx, m, tt.kind, tt.value, noLimit)
		if p := problem.As(err); p == nil || p.Kind != problem.Invalid || !strings.Contains(p.Message, tt.want) {
			t.Errorf("Follow(%s, %q) = %v, want invalid: %s", tt.kind, tt.value, err, tt.want)
		}
	}
	f, err := s.Follow(ctx, m, "author", "Lovelace, Ada", noLimit)
	if err != nil || f.Value != "ada lovelace" {
		t.Fatalf("Follow = %+v, %v", f, err)
	}
	if ok, _ := s.IsFollowing(ctx, m, "author", "Ada LOVELACE"); !ok {
		t.Error("another form of the followed name is not followed")
	}
	if removed, err := s.Unfollow(ctx, m, "author", "ada lovelace", noLimit); err != nil || !removed {
		t.Errorf("Unfollow = %v, %v", removed, err)
	}
}

func TestApprovedClaimIsSavedToTheLibrary(t *testing.T) {
	s, st, saved := newService(t)
	ctx := context.Background()
	if _, err := st.UpsertPapers(ctx, []store.Paper{paper("2506.00001", "Ada Lovelace")}); err != nil {
		t.Fatal(err)
	}
	u, _ := st.CreateUser(ctx, store.User{Username: "ada", Email: "ada@example.org"})
	mod, _ := st.CreateUser(ctx, store.User{Username: "mod", Email: "mod@example.org", Role: "moderator"})
	ada := Member{ID: u.ID, Name: "ada", Verified: true}
	if _, err := s.Claim(ctx, Member{ID: u.ID}, "2506.00001", 0, noLimit); problem.As(err) == nil {
		t.Error("an unverified account filed a claim")
	}
	if _, err := s.Claim(ctx, ada, "2506.00001", 3, noLimit); problem.As(err) == nil {
		t.Error("claimed an author position the paper does not have")
	}
	if _, err := s.Claim(ctx, ada, "2506.00001", 0, noLimit); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, ada, u.ID, "2506.00001", true); problem.As(err) == nil {
		t.Error("a member approved their own claim")
	}
	if _, err := s.Decide(ctx, Member{ID: mod.ID, Name: "mod", Moderator: true}, u.ID, "2506.00001", true); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(savedTo{u.ID: {"2506.00001"}}, saved); diff != "" {
		t.Errorf("libraries (-want +got):\n%s", diff)
	}
	// Without a library the decision stands all the same.
	s.Library = nil
	if _, err := s.Decide(ctx, Member{ID: mod.ID, Name: "mod", Moderator: true}, u.ID, "2506.00001", true); problem.As(err) == nil {
		t.Error("decided a claim twice")
	}
}
