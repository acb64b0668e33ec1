package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func paperIDs(papers []store.Paper) []string {
	ids := make([]string, len(papers))
	for i, p := range papers {
		ids[i] = p.ID
	}
	return ids
}

func authoredPaper(id string, authors ...string) store.Paper {
	p := arxivPaper(id, 1)
	p.Authors = authors
	return p
}

func TestAuthorIndexFollowsUpserts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.UpsertPapers(ctx, []store.Paper{
			authoredPaper("2506.00001", "Ada Lovelace", "Paul Erdős"),
			authoredPaper("2506.00002", "Lovelace, Ada"),
			authoredPaper("2506.00003", "A. Lovelace"),
			authoredPaper("2506.00004", "Alan Lovelace"),
		}); err != nil {
			t.Fatal(err)
		}
		got, err := s.AuthorPapers(ctx, []string{"ada lovelace"}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"2506.00002", "2506.00001"}, paperIDs(got)); diff != "" {
			t.Errorf("papers of ada lovelace (-want +got):\n%s", diff)
		}
		variants, err := s.AuthorNameVariants(ctx, "a lovelace", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.NameVariant{{Key: "ada lovelace", Papers: 2}, {Key: "a lovelace", Papers: 1}, {Key: "alan lovelace", Papers: 1}}
		if diff := cmp.Diff(want, variants); diff != "" {
			t.Errorf("variants (-want +got):\n%s", diff)
		}
		if got, _ := s.AuthorPapers(ctx, []string{"paul erdos"}, 10); len(got) != 1 {
			t.Errorf("papers of paul erdos = %v, want the accented one", paperIDs(got))
		}

		// A new version that drops an author takes it out of the index.
		v2 := authoredPaper("2506.00001", "Grace Hopper")
		v2.Version = 2
		if _, err := s.UpsertPapers(ctx, []store.Paper{v2}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.AuthorPapers(ctx, []string{"paul erdos"}, 10); len(got) != 0 {
			t.Errorf("papers of paul erdos after v2 = %v, want none", paperIDs(got))
		}
		// Hugging Face's papers are indexed too, and twice in one batch is fine.
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2506.00009", 3, "2025-06-04"), hfPaper("2506.00009", 5, "2025-06-04")}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.AuthorPapers(ctx, []string{"grace hopper"}, 10); len(got) != 2 {
			t.Errorf("papers of grace hopper = %v, want 2506.00001 and 2506.00009", paperIDs(got))
		}
		// Hidden papers are not listed.
		if err := s.SetHidden(ctx, "2506.00009", true, store.Actor{Name: "cli", Moderator: true}, "spam"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.AuthorPapers(ctx, []string{"grace hopper"}, 10); len(got) != 1 {
			t.Errorf("papers of grace hopper with one hidden = %v", paperIDs(got))
		}
	})
}

// rebind writes "?" placeholders as the dialect wants them.
func rebind(d store.Dialect, q string) string {
	if d != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestMigrateBackfillsTheAuthorIndexAndFollows(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.MigratedURL(t, d)
			s, err := store.Open(ctx, url, store.Options{Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.UpsertPapers(ctx, []store.Paper{authoredPaper("2506.00001", "Lovelace, Ada")}); err != nil {
				t.Fatal(err)
			}
			u := mustUser(t, s, "ada", "user")
			sub, _, err := s.Subscribe(ctx, "ada@example.org", "daily", u.ID)
			if err != nil {
				t.Fatal(err)
			}
			// As a database from before migration 0013 would be: no index,
			// filters in the subscription, the backfill not done.
			db := rawDB(t, url)
			for _, q := range []string{
				"DELETE FROM paper_authors", "DELETE FROM follows",
				"DELETE FROM settings WHERE name = 'backfill_0013_authors_follows'",
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.ExecContext(ctx, rebind(d, `UPDATE subscriptions SET filters = ? WHERE id = ?`),
				`{"authors":["Lovelace, Ada"],"categories":["cs.LG"],"queries":["graph neural"],"recommended":true}`, sub.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.AuthorPapers(ctx, []string{"ada lovelace"}, 10); len(got) != 1 {
				t.Errorf("papers of ada lovelace after the backfill = %v", paperIDs(got))
			}
			follows, err := s.Follows(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range follows {
				got = append(got, f.Kind+":"+f.Value)
			}
			if diff := cmp.Diff([]string{"author:ada lovelace", "category:cs.LG", "search:graph neural"}, got); diff != "" {
				t.Errorf("follows after the backfill (-want +got):\n%s", diff)
			}
			sub, err = s.SubscriptionByID(ctx, sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := store.DigestFilters{Authors: []string{"Lovelace, Ada"}, Categories: []string{"cs.LG"}, Queries: []string{"graph neural"}, Recommended: true}
			if diff := cmp.Diff(want, sub.Filters); diff != "" {
				t.Errorf("filters from follows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFollows(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ada, bob := mustUser(t, s, "ada", "user"), mustUser(t, s, "bob", "user")
		for _, f := range []store.Follow{
			{Kind: store.FollowAuthor, Value: "paul erdos", Label: "Paul Erdős"},
			{Kind: store.FollowCategory, Value: "cs.LG", Label: "cs.LG"},
			{Kind: store.FollowSearch, Value: "sparse attention", Label: "sparse attention"},
		} {
			created, err := s.Follow(ctx, ada.ID, f.Kind, f.Value, f.Label)
			if err != nil || !created {
				t.Fatalf("Follow(%v) = %v, %v", f, created, err)
			}
		}
		if created, err := s.Follow(ctx, ada.ID, store.FollowAuthor, "paul erdos", "Erdős, Paul"); err != nil || created {
			t.Fatalf("following again = %v, %v; want no change", created, err)
		}
		if _, err := s.Follow(ctx, ada.ID, store.FollowSearch, "bad\x00text", "x"); err == nil {
			t.Error("a NUL in a follow was stored")
		}
		if ok, _ := s.IsFollowing(ctx, ada.ID, store.FollowCategory, "cs.LG"); !ok {
			t.Error("ada does not follow cs.LG")
		}
		if ok, _ := s.IsFollowing(ctx, bob.ID, store.FollowCategory, "cs.LG"); ok {
			t.Error("bob follows what ada followed")
		}
		if got, _ := s.Follows(ctx, bob.ID); len(got) != 0 {
			t.Errorf("bob's follows = %v", got)
		}
		removed, err := s.Unfollow(ctx, ada.ID, store.FollowCategory, "cs.LG")
		if err != nil || !removed {
			t.Fatalf("Unfollow = %v, %v", removed, err)
		}
		if removed, _ := s.Unfollow(ctx, ada.ID, store.FollowCategory, "cs.LG"); removed {
			t.Error("unfollowing twice removed something")
		}
		got, err := s.Follows(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Label != "Paul Erdős" || got[0].CreatedAt.IsZero() {
			t.Errorf("follows = %+v", got)
		}
	})
}

func TestAccountTiedDigestFiltersAreFollows(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ada := mustUser(t, s, "ada", "user")
		mine, _, err := s.Subscribe(ctx, "ada@example.org", "daily", ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		anon, _, err := s.Subscribe(ctx, "anon@example.org", "daily", 0)
		if err != nil {
			t.Fatal(err)
		}
		f := store.DigestFilters{Categories: []string{"cs.CL"}, Authors: []string{"Ada Lovelace"}, Queries: []string{"llm"}, Recommended: true}
		if _, err := s.UpdateSubscription(ctx, mine.ID, "weekly", f); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateSubscription(ctx, anon.ID, "daily", store.DigestFilters{Authors: []string{"Alan Turing"}}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.IsFollowing(ctx, ada.ID, store.FollowAuthor, "ada lovelace"); !ok {
			t.Error("the manage form's author is not a follow")
		}
		// A follow from elsewhere (an author page) is a digest filter too.
		if _, err := s.Follow(ctx, ada.ID, store.FollowCategory, "math.AG", "math.AG"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"weekly", "daily"} {
			if _, err := s.ConfirmSubscription(ctx, mine.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ConfirmSubscription(ctx, anon.ID); err != nil {
				t.Fatal(err)
			}
			due, err := s.DueSubscriptions(ctx, fixedNow, []string{c}, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, sub := range due {
				switch sub.ID {
				case mine.ID:
					want := store.DigestFilters{Categories: []string{"cs.CL", "math.AG"}, Authors: []string{"Ada Lovelace"}, Queries: []string{"llm"}, Recommended: true}
					if diff := cmp.Diff(want, sub.Filters); diff != "" {
						t.Errorf("member's filters (-want +got):\n%s", diff)
					}
				case anon.ID:
					if diff := cmp.Diff(store.DigestFilters{Authors: []string{"Alan Turing"}}, sub.Filters); diff != "" {
						t.Errorf("anonymous filters (-want +got):\n%s", diff)
					}
				}
			}
		}
		// Clearing the form clears the follows of its kinds.
		if _, err := s.UpdateSubscription(ctx, mine.ID, "weekly", store.DigestFilters{}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Follows(ctx, ada.ID); len(got) != 0 {
			t.Errorf("follows after clearing the form = %+v", got)
		}
	})
}

func TestClaims(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.UpsertPapers(ctx, []store.Paper{authoredPaper("2506.00001", "Ada Lovelace", "Alan Turing")}); err != nil {
			t.Fatal(err)
		}
		ada, eve := mustUser(t, s, "ada", "user"), mustUser(t, s, "eve", "user")
		mod := mustUser(t, s, "mod", "moderator")
		c, err := s.ClaimPaper(ctx, ada.ID, "2506.00001", 0)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != store.ClaimPending || c.Author != "Ada Lovelace" || c.Username != "ada" {
			t.Errorf("claim = %+v", c)
		}
		if _, err := s.ClaimPaper(ctx, eve.ID, "2506.00001", 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimPaper(ctx, ada.ID, "2506.09999", 0); err == nil {
			t.Error("claimed a paper that does not exist")
		}
		pending, err := s.PendingClaims(ctx, 10)
		if err != nil || len(pending) != 2 {
			t.Fatalf("pending = %+v, %v", pending, err)
		}
		if n, err := s.CountPendingClaims(ctx, ada.ID); n != 1 || err != nil {
			t.Errorf("ada's pending claims = %d, %v", n, err)
		}
		if got, _ := s.PaperClaims(ctx, "2506.00001", 0); len(got) != 0 {
			t.Errorf("pending claims shown to everyone: %+v", got)
		}
		if got, _ := s.PaperClaims(ctx, "2506.00001", ada.ID); len(got) != 1 || got[0].UserID != ada.ID {
			t.Errorf("ada's view of the claims = %+v", got)
		}
		if c, err = s.DecideClaim(ctx, ada.ID, "2506.00001", true, mod); err != nil || c.Status != store.ClaimApproved {
			t.Fatalf("approve = %+v, %v", c, err)
		}
		if _, err := s.DecideClaim(ctx, eve.ID, "2506.00001", true, mod); !errors.Is(err, store.ErrClaimTaken) {
			t.Errorf("approving a second claim of one author = %v, want ErrClaimTaken", err)
		}
		if _, err := s.DecideClaim(ctx, eve.ID, "2506.00001", false, mod); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideClaim(ctx, eve.ID, "2506.00001", true, mod); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deciding a decided claim = %v, want ErrNotFound", err)
		}
		// A decided claim is not reopened by claiming again.
		if c, _ := s.ClaimPaper(ctx, eve.ID, "2506.00001", 1); c.Status != store.ClaimRejected || c.Position != 0 {
			t.Errorf("claiming after a rejection = %+v", c)
		}
		if got, _ := s.PaperClaims(ctx, "2506.00001", 0); len(got) != 1 || got[0].Username != "ada" {
			t.Errorf("approved claims = %+v", got)
		}
		if got, _ := s.UserClaims(ctx, ada.ID, 10); len(got) != 1 || got[0].Title == "" {
			t.Errorf("ada's claims = %+v", got)
		}
		audit, err := s.AuditLog(ctx, 10)
		if err != nil || len(audit) != 2 || audit[1].Action != "approve_claim" || audit[1].Target != "2506.00001 by ada" {
			t.Errorf("audit = %+v, %v", audit, err)
		}
		if ok, err := s.WithdrawClaim(ctx, ada.ID, "2506.00001"); ok || err != nil {
			t.Errorf("withdrew an approved claim: %v, %v", ok, err)
		}
	})
}

func TestDeletingAnAccountDeletesItsFollowsAndClaims(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.MigratedURL(t, d)
			s, err := store.Open(ctx, url, store.Options{Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.UpsertPapers(ctx, []store.Paper{authoredPaper("2506.00001", "Ada Lovelace")}); err != nil {
				t.Fatal(err)
			}
			ada := mustUser(t, s, "ada", "user")
			if _, err := s.Follow(ctx, ada.ID, store.FollowCategory, "cs.LG", "cs.LG"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ClaimPaper(ctx, ada.ID, "2506.00001", 0); err != nil {
				t.Fatal(err)
			}
			db := rawDB(t, url)
			if _, err := db.ExecContext(ctx, rebind(d, "DELETE FROM users WHERE id = ?"), ada.ID); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM follows) + (SELECT COUNT(*) FROM claims)").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d follows and claims outlived their account", n)
			}
		})
	}
}
