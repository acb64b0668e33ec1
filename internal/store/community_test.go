package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func mustUser(t *testing.T, s *store.Store, name, role string) store.Actor {
	t.Helper()
	u, err := s.CreateUser(context.Background(), store.User{Username: name, Email: name + "@example.org", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return store.Actor{ID: u.ID, Name: u.Username, Moderator: role == "moderator" || role == "admin"}
}

func mustPaper(t *testing.T, s *store.Store, id string) store.Paper {
	t.Helper()
	p, err := s.Paper(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantCounts checks the paper's trigger-kept counts of paperboy's votes
// and visible comments.
func wantCounts(t *testing.T, s *store.Store, id string, votes, comments int) {
	t.Helper()
	p := mustPaper(t, s, id)
	if p.Community.Votes != votes || p.Community.Comments != comments {
		t.Fatalf("paper %s: votes %d comments %d, want %d and %d", id, p.Community.Votes, p.Community.Comments, votes, comments)
	}
}

func TestVoteIsIdempotentAndAddsToImportedUpvotes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustUpsert(t, s, arxivPaper("2506.00001", 1))
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2506.00001", 10, "2025-06-03")}); err != nil {
			t.Fatal(err)
		}
		before, _ := s.LastChange(ctx)
		ada := mustUser(t, s, "ada", "user")
		for range 2 {
			n, err := s.Vote(ctx, ada.ID, "2506.00001")
			if err != nil {
				t.Fatal(err)
			}
			if n != 11 {
				t.Fatalf("total after vote = %d, want 11", n)
			}
		}
		wantCounts(t, s, "2506.00001", 1, 0)
		if p := mustPaper(t, s, "2506.00001"); p.Community.TotalUpvotes() != 11 || p.Community.Upvotes != 10 {
			t.Fatalf("community = %+v, want base 10 and total 11", p.Community)
		}
		if after, _ := s.LastChange(ctx); after != before+1 {
			t.Fatalf("change feed moved from %d to %d, want one entry for the one real vote", before, after)
		}
		if voted, err := s.HasVoted(ctx, ada.ID, "2506.00001"); err != nil || !voted {
			t.Fatalf("HasVoted = %v, %v", voted, err)
		}
		// A Hugging Face re-import with more upvotes keeps paperboy's vote.
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2506.00001", 20, "2025-06-03")}); err != nil {
			t.Fatal(err)
		}
		if p := mustPaper(t, s, "2506.00001"); p.Community.TotalUpvotes() != 21 {
			t.Fatalf("total after re-import = %d, want 21", p.Community.TotalUpvotes())
		}
		for range 2 {
			n, err := s.Unvote(ctx, ada.ID, "2506.00001")
			if err != nil {
				t.Fatal(err)
			}
			if n != 20 {
				t.Fatalf("total after unvote = %d, want 20", n)
			}
		}
		wantCounts(t, s, "2506.00001", 0, 0)
		if _, err := s.Vote(ctx, ada.ID, "9999.99999"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("vote on unknown paper: %v, want ErrNotFound", err)
		}
	})
}

func TestConcurrentVotesCountExactly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustUpsert(t, s, arxivPaper("2506.00001", 1), arxivPaper("2506.00002", 1))
		users := make([]store.Actor, 50)
		for i := range users {
			users[i] = mustUser(t, s, fmt.Sprintf("user%02d", i), "user")
		}
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := range 50 {
			wg.Go(func() { // 50 users, one paper
				if _, err := s.Vote(ctx, users[i].ID, "2506.00001"); err != nil {
					errs <- err
				}
			})
			wg.Go(func() { // one user, 50 times
				if _, err := s.Vote(ctx, users[0].ID, "2506.00002"); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		wantCounts(t, s, "2506.00001", 50, 0)
		wantCounts(t, s, "2506.00002", 1, 0)

		// And back down, concurrently, with half the users voting again.
		for i := range 50 {
			wg.Go(func() {
				var err error
				if i%2 == 0 {
					_, err = s.Unvote(ctx, users[i].ID, "2506.00001")
				} else {
					_, err = s.Vote(ctx, users[i].ID, "2506.00001")
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		wantCounts(t, s, "2506.00001", 25, 0)
	})
}

func TestCommentsThreadsEditsAndDeletes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustUpsert(t, s, arxivPaper("2506.00001", 1), arxivPaper("2506.00002", 1))
		ada, bob := mustUser(t, s, "ada", "user"), mustUser(t, s, "bob", "user")
		mod := mustUser(t, s, "mia", "moderator")

		top, err := s.AddComment(ctx, "2506.00001", ada.ID, 0, "First!")
		if err != nil {
			t.Fatal(err)
		}
		if top.Username != "ada" || top.ParentID != 0 || top.Body != "First!" {
			t.Fatalf("comment = %+v", top)
		}
		reply, err := s.AddComment(ctx, "2506.00001", bob.ID, top.ID, "A reply")
		if err != nil {
			t.Fatal(err)
		}
		deep, err := s.AddComment(ctx, "2506.00001", ada.ID, reply.ID, "A reply to the reply")
		if err != nil {
			t.Fatal(err)
		}
		if reply.ParentID != top.ID || deep.ParentID != top.ID {
			t.Fatalf("parents %d and %d, want both %d (one level of replies)", reply.ParentID, deep.ParentID, top.ID)
		}
		if _, err := s.AddComment(ctx, "2506.00002", ada.ID, top.ID, "parent on another paper"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("reply across papers: %v, want ErrNotFound", err)
		}
		if _, err := s.AddComment(ctx, "2506.00001", ada.ID, 0, "  \n"); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("empty comment: %v, want ErrInvalid", err)
		}
		wantCounts(t, s, "2506.00001", 0, 3)

		// Only the author edits; not another user, not a moderator.
		if _, err := s.EditComment(ctx, top.ID, bob, "bob was here"); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("foreign edit: %v, want ErrForbidden", err)
		}
		if _, err := s.EditComment(ctx, top.ID, mod, "mod was here"); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("moderator edit: %v, want ErrForbidden", err)
		}
		edited, err := s.EditComment(ctx, top.ID, ada, "First, edited")
		if err != nil {
			t.Fatal(err)
		}
		if edited.Body != "First, edited" {
			t.Fatalf("edited body %q", edited.Body)
		}

		// Only the author or a moderator deletes; a moderator's deletion is
		// audited.
		if err := s.DeleteComment(ctx, top.ID, bob, ""); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("foreign delete: %v, want ErrForbidden", err)
		}
		if err := s.DeleteComment(ctx, deep.ID, ada, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteComment(ctx, top.ID, mod, "spam"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteComment(ctx, top.ID, mod, "again"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v, want ErrNotFound", err)
		}
		wantCounts(t, s, "2506.00001", 0, 1)

		threads, err := s.Comments(ctx, "2506.00001")
		if err != nil {
			t.Fatal(err)
		}
		// The deleted top comment stays as a placeholder for bob's reply;
		// ada's deleted reply is gone.
		if len(threads) != 1 || !threads[0].Deleted() || threads[0].Body != "" ||
			len(threads[0].Replies) != 1 || threads[0].Replies[0].ID != reply.ID {
			t.Fatalf("threads = %+v", threads)
		}
		log, err := s.AuditLog(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 1 || log[0].Action != "delete_comment" || log[0].Actor != "mia" || log[0].Reason != "spam" {
			t.Fatalf("audit log = %+v", log)
		}
	})
}

func TestSubmitRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// fixedNow is 2026-06-02; fresh papers are from late May 2026.
		fresh := func(id string) store.Paper {
			p := arxivPaper(id, 1)
			p.FirstVersionAt = time.Date(2026, 5, 30, 10, 0, 0, 0, time.UTC)
			p.Versions = []store.Version{{Version: 1, Created: p.FirstVersionAt}}
			p.LatestVersionAt, p.ListedOn = p.FirstVersionAt, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
			return p
		}
		mustUpsert(t, s, fresh("2605.00001"), fresh("2605.00002"), fresh("2605.00003"), arxivPaper("2506.00009", 1))
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2605.00004", 3, "2026-05-31")}); err != nil {
			t.Fatal(err)
		}
		ada, bob := mustUser(t, s, "ada", "user"), mustUser(t, s, "bob", "user")
		rules := store.SubmitRules{MaxAgeDays: 7, DailyCap: 2}

		p, err := s.Submit(ctx, "2605.00001", ada, rules)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Community.DailyOn.Equal(time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)) || p.Community.DailySubmitter != "ada" ||
			!p.Community.DailySubmittedAt.Equal(fixedNow) {
			t.Fatalf("submitted community = %+v", p.Community)
		}
		stored := mustPaper(t, s, "2605.00001")
		if stored.Community.DailySubmitter != "ada" || !stored.Community.DailyOn.Equal(p.Community.DailyOn) {
			t.Fatalf("stored community = %+v", stored.Community)
		}
		list, err := s.DailyPapers(ctx, p.Community.DailyOn, p.Community.DailyOn.AddDate(0, 0, 1), 10, 0)
		if err != nil || len(list) != 1 || list[0].ID != "2605.00001" {
			t.Fatalf("today's list = %v, %v", list, err)
		}

		var dup *store.DuplicateError
		if _, err := s.Submit(ctx, "2605.00001", bob, rules); !errors.As(err, &dup) || dup.PaperID != "2605.00001" || !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate submission: %v, want a DuplicateError naming the paper", err)
		}
		if _, err := s.Submit(ctx, "2605.00004", bob, rules); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("paper already on Hugging Face's list: %v, want ErrConflict", err)
		}
		if _, err := s.Submit(ctx, "2506.00009", bob, rules); !errors.Is(err, store.ErrTooOld) {
			t.Fatalf("year-old paper: %v, want ErrTooOld", err)
		}
		if _, err := s.Submit(ctx, "2506.00009", bob, store.SubmitRules{}); err != nil {
			t.Fatalf("without an age limit: %v", err)
		}
		if _, err := s.Submit(ctx, "2605.00002", ada, rules); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Submit(ctx, "2605.00003", ada, rules); !errors.Is(err, store.ErrDailyCap) {
			t.Fatalf("third submission of the day: %v, want ErrDailyCap", err)
		}
		if _, err := s.Submit(ctx, "9999.99999", ada, store.SubmitRules{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown paper: %v, want ErrNotFound", err)
		}

		submitted, err := s.SubmittedPapers(ctx, ada.ID, 10)
		if err != nil || len(submitted) != 2 {
			t.Fatalf("ada's submissions = %d, %v", len(submitted), err)
		}
		if _, err := s.Vote(ctx, bob.ID, "2605.00001"); err != nil {
			t.Fatal(err)
		}
		upvoted, err := s.UpvotedPapers(ctx, bob.ID, 10)
		if err != nil || len(upvoted) != 1 || upvoted[0].ID != "2605.00001" || upvoted[0].Community.Votes != 1 {
			t.Fatalf("bob's upvotes = %v, %v", upvoted, err)
		}
	})
}

func TestModerationHidesPapersSuspendsUsersAndIsAudited(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustUpsert(t, s, arxivPaper("2506.00001", 1))
		ada, mod := mustUser(t, s, "ada", "user"), mustUser(t, s, "mia", "moderator")
		admin := mustUser(t, s, "root", "admin")
		day := time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC)

		if err := s.SetHidden(ctx, "2506.00001", true, ada, "no"); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("user hides: %v, want ErrForbidden", err)
		}
		before, _ := s.LastChange(ctx)
		if err := s.SetHidden(ctx, "2506.00001", true, mod, "off-topic"); err != nil {
			t.Fatal(err)
		}
		if after, _ := s.LastChange(ctx); after <= before {
			t.Fatal("hiding did not move the change feed")
		}
		if n, _ := s.CountDailyPapers(ctx, day, day.AddDate(0, 0, 1)); n != 0 {
			t.Fatalf("hidden paper still counted on its day (%d)", n)
		}
		if p := mustPaper(t, s, "2506.00001"); !p.Community.Hidden {
			t.Fatal("Paper does not say the paper is hidden")
		}
		if _, err := s.Vote(ctx, ada.ID, "2506.00001"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("vote on hidden paper: %v, want ErrNotFound", err)
		}
		if err := s.SetHidden(ctx, "2506.00001", false, mod, ""); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountDailyPapers(ctx, day, day.AddDate(0, 0, 1)); n != 1 {
			t.Fatalf("unhidden paper counted %d times, want 1", n)
		}
		if err := s.SetHidden(ctx, "9999.99999", true, mod, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("hide unknown paper: %v", err)
		}

		if err := s.SetSuspended(ctx, "ada", true, ada, ""); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("user suspends: %v, want ErrForbidden", err)
		}
		if err := s.SetSuspended(ctx, "root", true, mod, ""); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("moderator suspends an admin: %v, want ErrForbidden", err)
		}
		if err := s.SetSuspended(ctx, "ADA", true, mod, "spam"); err != nil {
			t.Fatal(err)
		}
		u, err := s.UserByName(ctx, "ada")
		if err != nil || !u.Suspended() {
			t.Fatalf("ada suspended = %v, %v", u.Suspended(), err)
		}
		if err := s.SetSuspended(ctx, "ada", false, admin, "appeal"); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.UserByName(ctx, "ada"); u.Suspended() {
			t.Fatal("ada still suspended")
		}

		log, err := s.AuditLog(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			got = append(got, e.Actor+" "+e.Action+" "+e.Target+" "+e.Reason)
		}
		want := []string{"root unsuspend ada appeal", "mia suspend ADA spam", "mia unhide 2506.00001 ", "mia hide 2506.00001 off-topic"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("audit log\n got %q\nwant %q", got, want)
		}
	})
}
