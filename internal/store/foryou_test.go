package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestRecFeedbackIsPerReaderAndLatestWins(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libraryFixture(t, s)
		ada := mustUser(t, s, "ada", "user")
		bob := mustUser(t, s, "bob", "user")
		if err := s.SetRecFeedback(ctx, ada.ID, "2506.00001", store.SignalFewerLikeThis); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRecFeedback(ctx, ada.ID, "2506.00001", store.SignalNotInterested); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRecFeedback(ctx, ada.ID, "2506.00002", store.SignalMoreLikeThis); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRecFeedback(ctx, ada.ID, "2506.99999", store.SignalNotInterested); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("feedback on an unknown paper: %v, want ErrNotFound", err)
		}
		if err := s.SetRecFeedback(ctx, ada.ID, "2506.00003", "love_it"); err == nil {
			t.Fatal("an unknown signal was stored")
		}
		got, err := s.RecFeedbacks(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		signals := map[string]string{}
		for _, f := range got {
			signals[f.PaperID] = f.Signal
		}
		want := map[string]string{"2506.00001": store.SignalNotInterested, "2506.00002": store.SignalMoreLikeThis}
		if diff := cmp.Diff(want, signals); diff != "" {
			t.Errorf("ada's feedback (-want +got):\n%s", diff)
		}
		if b, _ := s.RecFeedbacks(ctx, bob.ID); len(b) != 0 {
			t.Errorf("bob sees feedback %v", b)
		}
		if err := s.DeleteRecFeedback(ctx, ada.ID, "2506.00002"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.RecFeedbacks(ctx, ada.ID); len(got) != 1 {
			t.Errorf("after forgetting one: %v", got)
		}
		ids, err := s.RecommendablePaperIDs(ctx)
		if err != nil || !cmp.Equal(ids, []string{"2506.00001"}) {
			t.Errorf("RecommendablePaperIDs = %v, %v", ids, err)
		}
	})
}

func TestFeedTokensAreReplacedAndRevoked(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ada := mustUser(t, s, "ada", "user")
		if at, err := s.FeedTokenCreated(ctx, ada.ID); err != nil || !at.IsZero() {
			t.Fatalf("before any token: %v, %v", at, err)
		}
		if err := s.SetFeedToken(ctx, ada.ID, "hash-1"); err != nil {
			t.Fatal(err)
		}
		u, err := s.FeedTokenUser(ctx, "hash-1")
		if err != nil || u.ID != ada.ID {
			t.Fatalf("FeedTokenUser = %v, %v", u.ID, err)
		}
		if err := s.SetFeedToken(ctx, ada.ID, "hash-2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FeedTokenUser(ctx, "hash-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the replaced token still works: %v", err)
		}
		if at, _ := s.FeedTokenCreated(ctx, ada.ID); at.IsZero() {
			t.Error("no creation time for the new token")
		}
		if err := s.DeleteFeedToken(ctx, ada.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FeedTokenUser(ctx, "hash-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the revoked token still works: %v", err)
		}
	})
}

func TestRecordVisitGivesThePreviousVisit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ada := mustUser(t, s, "ada", "user")
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		steps := []struct {
			at   time.Time
			want time.Time
		}{
			{t0, time.Time{}},                       // first visit
			{t0.Add(10 * time.Minute), time.Time{}}, // a reload is the same visit
			{t0.Add(24 * time.Hour), t0.Add(10 * time.Minute)},
			{t0.Add(24*time.Hour + time.Minute), t0.Add(10 * time.Minute)},
		}
		for i, st := range steps {
			got, err := s.RecordVisit(ctx, ada.ID, st.at, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(st.want) {
				t.Errorf("visit %d: previous = %v, want %v", i, got, st.want)
			}
		}
	})
}

func TestSavedAndCollectionPaperIDs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libraryFixture(t, s)
		ada := mustUser(t, s, "ada", "user")
		for _, id := range []string{"2506.00002", "2506.00001", "2506.00003"} {
			if _, err := s.SavePaper(ctx, ada.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		ids, err := s.SavedPaperIDs(ctx, ada.ID, 10)
		if err != nil || len(ids) != 3 {
			t.Fatalf("SavedPaperIDs = %v, %v", ids, err)
		}
		c, err := s.CreateCollection(ctx, store.Collection{UserID: ada.ID, Slug: "rl", Name: "RL", Private: true}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddToCollection(ctx, c.ID, []string{"2506.00003", "2506.00001"}, 10); err != nil {
			t.Fatal(err)
		}
		got, err := s.CollectionPaperIDs(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.CollectionPaper{{Slug: "rl", Name: "RL", PaperID: "2506.00003"}, {Slug: "rl", Name: "RL", PaperID: "2506.00001"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CollectionPaperIDs (-want +got):\n%s", diff)
		}
		var listed []string
		err = s.EachListedPaper(ctx, time.Date(2025, 6, 4, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 6, 0, 0, 0, 0, time.UTC),
			func(p store.Paper) error { listed = append(listed, p.ID); return nil })
		if err != nil || !cmp.Equal(listed, []string{"2506.00002", "2506.00003"}) {
			t.Errorf("EachListedPaper = %v, %v", listed, err)
		}
	})
}
