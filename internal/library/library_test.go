package library_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/library"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func noLimit() error { return nil }

func TestSlug(t *testing.T) {
	for name, want := range map[string]string{
		"Reading list":              "reading-list",
		"  Émile's   Über-papers! ": "emile-s-uber-papers",
		"量子":                        "collection",
		"---":                       "collection",
		strings.Repeat("ab ", 50):   strings.TrimRight(strings.Repeat("ab-", 20), "-"),
	} {
		got := library.Slug(name)
		if got != want {
			t.Errorf("Slug(%q) = %q, want %q", name, got, want)
		}
		if !library.ValidSlug(got) {
			t.Errorf("Slug(%q) = %q is not a ValidSlug", name, got)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "A", "a b", "a/b", "a\x00", strings.Repeat("a", 71), "../x"} {
		if library.ValidSlug(bad) {
			t.Errorf("ValidSlug(%q) = true", bad)
		}
	}
}

func kindOf(err error) problem.Kind {
	var p *problem.Error
	if errors.As(err, &p) {
		return p.Kind
	}
	return -1
}

func TestServiceRulesAndRefusals(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite, store.Options{})
	p := store.Paper{ID: "2506.00001", Version: 1, Title: "T", Authors: []string{"A"}, Categories: []string{"cs.LG"}}
	if _, err := st.UpsertPapers(ctx, []store.Paper{p}); err != nil {
		t.Fatal(err)
	}
	mk := func(name string) library.Member {
		u, err := st.CreateUser(ctx, store.User{Username: name, Email: name + "@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		return library.Member{ID: u.ID, Name: name, Verified: true}
	}
	ada, bob := mk("ada"), mk("bob")
	limits := library.DefaultLimits
	limits.Collections = 3
	svc := &library.Service{Store: st, Limits: limits}

	a, err := svc.Create(ctx, ada, library.NewCollection{Name: "Reading", Private: true}, noLimit)
	if err != nil || a.Slug != "reading" {
		t.Fatalf("create: %+v, %v", a, err)
	}
	b, err := svc.Create(ctx, ada, library.NewCollection{Name: "reading!"}, noLimit)
	if err != nil || b.Slug != "reading-2" {
		t.Fatalf("second of the same slug: %+v, %v", b, err)
	}
	svc.Create(ctx, ada, library.NewCollection{Name: "Third"}, noLimit)
	if _, err := svc.Create(ctx, ada, library.NewCollection{Name: "Fourth"}, noLimit); kindOf(err) != problem.Unprocessable ||
		!strings.Contains(err.Error(), "3 collections") {
		t.Fatalf("past the collection limit: %v", err)
	}
	for name, in := range map[string]library.NewCollection{
		"empty name": {Name: "  \t "},
		"long name":  {Name: strings.Repeat("x", 101)},
		"long text":  {Name: "ok", Description: strings.Repeat("é", 2001)},
	} {
		if _, err := svc.Create(ctx, bob, in, noLimit); kindOf(err) != problem.Invalid {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
	if _, err := svc.SetNote(ctx, ada, "2506.00001", strings.Repeat("n", 5001), noLimit); kindOf(err) != problem.Invalid ||
		!strings.Contains(err.Error(), "5000 characters") {
		t.Errorf("long note: %v", err)
	}
	if _, err := svc.Save(ctx, ada, "2506.99999", noLimit); kindOf(err) != problem.NotFound {
		t.Errorf("saving an unknown paper: %v, want NotFound", err)
	}
	if _, err := svc.Save(ctx, ada, "not an id", noLimit); kindOf(err) != problem.NotFound {
		t.Errorf("saving a non-id: %v, want NotFound", err)
	}
	if _, err := svc.Add(ctx, ada, "reading", []string{"2506.00001", "2506.99999"}, noLimit); kindOf(err) != problem.NotFound ||
		!strings.Contains(err.Error(), "2506.99999") {
		t.Errorf("adding an unknown paper: %v, want NotFound naming it", err)
	}
	if res, err := svc.Add(ctx, ada, "reading", []string{"https://arxiv.org/abs/2506.00001v2", "2506.00001"}, noLimit); err != nil || res.Added != 1 {
		t.Errorf("add: %+v, %v", res, err)
	}

	// Private: not found by others, found by the owner.
	if _, err := svc.View(ctx, &bob, "ada", "reading"); kindOf(err) != problem.NotFound {
		t.Errorf("another's private collection: %v, want NotFound", err)
	}
	if _, err := svc.View(ctx, nil, "ada", "reading"); kindOf(err) != problem.NotFound {
		t.Errorf("a private collection signed out: %v, want NotFound", err)
	}
	if _, err := svc.View(ctx, &ada, "ada", "reading"); err != nil {
		t.Errorf("the owner's own private collection: %v", err)
	}
	if _, err := svc.Upvote(ctx, bob, "ada", "reading", true, noLimit); kindOf(err) != problem.NotFound {
		t.Errorf("upvoting a private collection: %v, want NotFound", err)
	}
	public := false
	if _, err := svc.Update(ctx, ada, "reading", library.Update{Private: &public}, noLimit); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Upvote(ctx, ada, "ada", "reading", true, noLimit); kindOf(err) != problem.Forbidden {
		t.Errorf("upvoting one's own collection: %v, want Forbidden", err)
	}
	if n, err := svc.Upvote(ctx, bob, "ada", "reading", true, noLimit); err != nil || n != 1 {
		t.Errorf("bob's upvote: %d, %v", n, err)
	}
	unverified := bob
	unverified.Verified = false
	if _, err := svc.Upvote(ctx, unverified, "ada", "reading", true, noLimit); kindOf(err) != problem.Forbidden {
		t.Errorf("unverified upvote: %v, want Forbidden", err)
	}
	if _, err := svc.Update(ctx, bob, "reading", library.Update{Private: &public}, noLimit); kindOf(err) != problem.NotFound {
		t.Errorf("bob updating ada's slug updates his own (none): %v", err)
	}
}
