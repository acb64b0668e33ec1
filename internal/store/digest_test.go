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

var digestDay = time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)

func activeSub(t *testing.T, s *store.Store, email, cadence string) store.Subscription {
	t.Helper()
	ctx := context.Background()
	sub, send, err := s.Subscribe(ctx, email, cadence, 0)
	if err != nil || !send {
		t.Fatalf("subscribe %s: send=%v %v", email, send, err)
	}
	sub, err = s.ConfirmSubscription(ctx, sub.ID)
	if err != nil || sub.Status != store.SubActive {
		t.Fatalf("confirm %s: %+v %v", email, sub, err)
	}
	return sub
}

func queued(sub store.Subscription, date time.Time) store.OutboxDigest {
	return store.OutboxDigest{SubscriptionID: sub.ID, Date: date, Cadence: sub.Cadence, MessageID: fmt.Sprintf("d-%d@x", sub.ID),
		To: sub.Email, Subject: "s", Text: "t", HTML: "<p>h</p>", Headers: map[string]string{"List-Unsubscribe": "<u>"}, Papers: 1}
}

func TestSubscriptionLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sub, send, err := s.Subscribe(ctx, "Reader@Example.org", "weekly", 0)
		if err != nil || !send || sub.Status != store.SubPending {
			t.Fatalf("subscribe: %+v send=%v %v", sub, send, err)
		}
		// Asking again at once sends no second confirmation (flooding).
		if _, send, _ := s.Subscribe(ctx, "reader@example.org", "daily", 0); send {
			t.Error("a second confirmation within minutes")
		}
		sub, err = s.ConfirmSubscription(ctx, sub.ID)
		if err != nil || sub.Status != store.SubActive || sub.ConfirmedAt.IsZero() || sub.Cadence != "daily" {
			t.Fatalf("confirm: %+v %v", sub, err)
		}
		// An active subscription is not touched by a new request.
		if got, send, _ := s.Subscribe(ctx, "READER@example.org", "weekly", 0); send || got.Status != store.SubActive || got.Cadence != "daily" {
			t.Errorf("resubscribe while active: %+v send=%v", got, send)
		}
		f := store.DigestFilters{Categories: []string{"cs.CL"}, Authors: []string{"Ada Lovelace"}, Queries: []string{"reward model"}}
		sub, err = s.UpdateSubscription(ctx, sub.ID, "weekly", f)
		if err != nil || sub.Cadence != "weekly" || len(sub.Filters.Queries) != 1 {
			t.Fatalf("update: %+v %v", sub, err)
		}
		if _, err := s.EnqueueDigests(ctx, []store.OutboxDigest{queued(sub, digestDay)}); err != nil {
			t.Fatal(err)
		}
		for range 2 { // idempotent
			sub, err = s.Unsubscribe(ctx, sub.ID)
			if err != nil || sub.Status != store.SubUnsubscribed {
				t.Fatalf("unsubscribe: %+v %v", sub, err)
			}
		}
		ds, _ := s.Digests(ctx, digestDay)
		if len(ds) != 1 || ds[0].Status != store.DigestSuppressed {
			t.Errorf("queued digest after unsubscribe: %+v", ds)
		}
		// An old confirmation link does not undo the unsubscribe.
		if sub, _ := s.ConfirmSubscription(ctx, sub.ID); sub.Status != store.SubUnsubscribed {
			t.Errorf("confirm after unsubscribe: %s", sub.Status)
		}
		// Subscribing again starts over with a confirmation.
		if sub, send, _ := s.Subscribe(ctx, "reader@example.org", "daily", 0); !send || sub.Status != store.SubPending {
			t.Errorf("resubscribe: %+v send=%v", sub, send)
		}
		if _, err := s.SubscriptionByID(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing subscription: %v", err)
		}
	})
}

func TestBouncesSuppress(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sub := activeSub(t, s, "b@example.org", "daily")
		for i := 1; i <= store.MaxBounces; i++ {
			suppressed, err := s.RecordBounce(ctx, sub.ID, "452 mailbox full")
			if err != nil || suppressed != (i == store.MaxBounces) {
				t.Fatalf("bounce %d: %v %v", i, suppressed, err)
			}
		}
		sub, _ = s.SubscriptionByID(ctx, sub.ID)
		if sub.Status != store.SubSuppressed || sub.SuppressReason == "" {
			t.Errorf("after bounces: %+v", sub)
		}
		// A suppressed address is never revived by the form.
		if _, send, _ := s.Subscribe(ctx, "b@example.org", "daily", 0); send {
			t.Error("confirmation sent to a suppressed address")
		}
		st, err := s.DigestStats(ctx)
		if err != nil || st.Subscribers[store.SubSuppressed] != 1 || st.Subscribers[store.SubActive] != 0 {
			t.Errorf("stats %+v %v", st, err)
		}
	})
}

func TestOutboxComposeOnceClaimRetrySend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := activeSub(t, s, "a@example.org", "daily")
		b := activeSub(t, s, "b@example.org", "weekly")
		due, err := s.DueSubscriptions(ctx, digestDay, []string{"daily"}, 0, 10)
		if err != nil || len(due) != 1 || due[0].ID != a.ID {
			t.Fatalf("due daily: %+v %v", due, err)
		}
		n, err := s.EnqueueDigests(ctx, []store.OutboxDigest{queued(a, digestDay), queued(b, digestDay)})
		if err != nil || n != 2 {
			t.Fatalf("enqueue: %d %v", n, err)
		}
		again := queued(a, digestDay)
		again.MessageID = "other@x"
		if n, err := s.EnqueueDigests(ctx, []store.OutboxDigest{again}); err != nil || n != 0 {
			t.Fatalf("enqueue again: %d %v", n, err)
		}
		if due, _ := s.DueSubscriptions(ctx, digestDay, []string{"daily", "weekly"}, 0, 10); len(due) != 0 {
			t.Errorf("due after enqueue: %+v", due)
		}
		now := fixedNow
		d1, ok, err := s.ClaimDigest(ctx, "s1", now, time.Minute)
		if err != nil || !ok || d1.Attempts != 1 || d1.MessageID != "d-1@x" && d1.MessageID != fmt.Sprintf("d-%d@x", a.ID) {
			t.Fatalf("claim: %+v %v %v", d1, ok, err)
		}
		d2, ok, _ := s.ClaimDigest(ctx, "s2", now, time.Minute)
		if !ok || d2.ID == d1.ID {
			t.Fatalf("second claim: %+v %v", d2, ok)
		}
		if _, ok, _ := s.ClaimDigest(ctx, "s3", now, time.Minute); ok {
			t.Fatal("claimed a leased digest")
		}
		if err := s.RetryDigest(ctx, d1.ID, "s2", now, "x"); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("retry by a non-holder: %v", err)
		}
		if err := s.RetryDigest(ctx, d1.ID, "s1", now.Add(time.Minute), "451 later"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.ClaimDigest(ctx, "s3", now, time.Minute); ok {
			t.Fatal("claimed a digest before its retry time")
		}
		if err := s.MarkDigestSent(ctx, d2.ID); err != nil {
			t.Fatal(err)
		}
		// The lease of a crashed sender expires; another takes over.
		d1b, ok, _ := s.ClaimDigest(ctx, "s3", now.Add(2*time.Minute), time.Minute)
		if !ok || d1b.ID != d1.ID || d1b.Attempts != 2 || d1b.MessageID != d1.MessageID || d1b.LastError != "451 later" {
			t.Fatalf("claim after retry time: %+v %v", d1b, ok)
		}
		if err := s.FailDigest(ctx, d1b.ID, "550 no such user"); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CompactDigests(ctx, digestDay.AddDate(0, 0, 1)); err != nil || n != 2 {
			t.Errorf("compact: %d %v", n, err)
		}
		if ds, _ := s.Digests(ctx, digestDay); ds[0].HTML != "" || ds[0].MessageID == "" {
			t.Errorf("after compacting: %+v", ds[0])
		}
		if _, err := s.StartDigestRun(ctx, digestDay); err != nil {
			t.Fatal(err)
		}
		st, err := s.DigestStats(ctx)
		if err != nil || st.Outbox[store.DigestSent] != 1 || st.Outbox[store.DigestFailed] != 1 || st.Subscribers[store.SubActive] != 2 ||
			st.LastSentAt.IsZero() || st.LastRun.Date != digestDay {
			t.Errorf("stats %+v %v", st, err)
		}
	})
}

// TestHeldDigestsCanBeTakenOverFromTheirHolderOnly checks the two calls a
// sender uses when it finds nothing to claim: the leases still held, and
// taking one over, which succeeds only while the named sender holds it.
func TestHeldDigestsCanBeTakenOverFromTheirHolderOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := activeSub(t, s, "a@example.org", "daily")
		b := activeSub(t, s, "b@example.org", "daily")
		if _, err := s.EnqueueDigests(ctx, []store.OutboxDigest{queued(a, digestDay), queued(b, digestDay)}); err != nil {
			t.Fatal(err)
		}
		now := fixedNow
		if held, err := s.HeldDigests(ctx, now); err != nil || len(held) != 0 {
			t.Fatalf("held before any claim: %+v %v", held, err)
		}
		d1, _, _ := s.ClaimDigest(ctx, "gone", now, 2*time.Minute)
		d2, _, _ := s.ClaimDigest(ctx, "alive", now, time.Minute)
		held, err := s.HeldDigests(ctx, now)
		want := []store.DigestLease{{ID: d2.ID, Owner: "alive", Until: now.Add(time.Minute)},
			{ID: d1.ID, Owner: "gone", Until: now.Add(2 * time.Minute)}}
		if err != nil || len(held) != 2 || held[0] != want[0] || held[1] != want[1] {
			t.Fatalf("held: %+v %v, want %+v", held, err, want)
		}
		if _, ok, err := s.TakeOverDigest(ctx, d1.ID, "alive", "new", now, time.Minute); err != nil || ok {
			t.Fatalf("took over from a sender that does not hold it: %v %v", ok, err)
		}
		d, ok, err := s.TakeOverDigest(ctx, d1.ID, "gone", "new", now, time.Minute)
		if err != nil || !ok || d.ID != d1.ID || d.ClaimedBy != "new" || d.Attempts != 2 || d.MessageID != d1.MessageID {
			t.Fatalf("take over: %+v %v %v", d, ok, err)
		}
		if _, ok, _ := s.TakeOverDigest(ctx, d1.ID, "gone", "third", now, time.Minute); ok {
			t.Error("a digest was taken over twice from one holder")
		}
		if err := s.MarkDigestSent(ctx, d2.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.TakeOverDigest(ctx, d2.ID, "alive", "new", now, time.Minute); ok {
			t.Error("a sent digest was taken over")
		}
		// An expired lease is the claimer's, not a held one.
		if held, _ := s.HeldDigests(ctx, now.Add(2*time.Minute)); len(held) != 0 {
			t.Errorf("held after the leases expired: %+v", held)
		}
	})
}

// TestConcurrentClaimsTakeEachDigestOnce runs senders in parallel: on
// PostgreSQL through FOR UPDATE SKIP LOCKED, on SQLite the single writer.
func TestConcurrentClaimsTakeEachDigestOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var ds []store.OutboxDigest
		for i := range 60 {
			ds = append(ds, queued(activeSub(t, s, fmt.Sprintf("r%d@example.org", i), "daily"), digestDay))
		}
		if _, err := s.EnqueueDigests(ctx, ds); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("w%d", w)
				for {
					d, ok, err := s.ClaimDigest(ctx, owner, fixedNow, time.Hour)
					if err != nil {
						t.Error(err)
						return
					}
					if !ok {
						return
					}
					mu.Lock()
					if prev, dup := seen[d.ID]; dup {
						t.Errorf("digest %d claimed by %s and %s", d.ID, prev, owner)
					}
					seen[d.ID] = owner
					mu.Unlock()
					if err := s.MarkDigestSent(ctx, d.ID); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if len(seen) != 60 {
			t.Errorf("%d digests claimed, want 60", len(seen))
		}
	})
}

func TestSettingIsCreatedOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v1, err := s.Setting(ctx, "k", "first")
		if err != nil || v1 != "first" {
			t.Fatal(v1, err)
		}
		if v2, _ := s.Setting(ctx, "k", "second"); v2 != "first" {
			t.Errorf("setting replaced: %q", v2)
		}
	})
}
