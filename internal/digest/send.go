package digest

import (
	"cmp"
	"context"
	"errors"
	"time"

	pbmail "github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// SendStats counts what SendDue did.
type SendStats struct {
	Sent       int
	Retried    int // temporary failures, due again later
	Failed     int // given up
	Suppressed int // addresses suppressed by a permanent failure or bounces
}

func (s *Service) owner() string {
	if s.Owner == "" {
		s.Owner = newOwner()
	}
	return s.Owner
}

// SendDue sends queued digests that are due until none is left (those
// waiting for a retry stay queued). Messages go out one at a time, at the
// mail sender's rate limit, over its reused connection. A digest leased by
// a sender of this machine that is gone is taken over at once; with
// WaitForLeases, those leased by other senders are waited for.
func (s *Service) SendDue(ctx context.Context) (SendStats, error) {
	var st SendStats
	owner := s.owner()
	lease := cmp.Or(s.Lease, 2*time.Minute)
	var waitedFor store.DigestLease
	for ctx.Err() == nil {
		d, ok, err := s.Store.ClaimDigest(ctx, owner, s.now(), lease)
		if err != nil {
			return st, err
		}
		if !ok {
			var held store.DigestLease
			d, ok, held, err = s.claimHeld(ctx, owner, lease)
			if err != nil {
				return st, err
			}
			if !ok && (held.ID == 0 || !s.WaitForLeases) {
				return st, nil
			}
			if !ok {
				if held != waitedFor {
					waitedFor = held
					s.log().Info("waiting for a digest leased by another sender", "digest", held.ID, "sender", held.Owner,
						"lease_until", held.Until)
				}
				// Claimable once the lease has expired (held to the
				// second); looked at again sooner in case its sender
				// finishes it.
				wait := min(held.Until.Add(time.Second).Sub(s.now()), 5*time.Second)
				if err := s.sleep(ctx, max(wait, 100*time.Millisecond)); err != nil {
					return st, err
				}
				continue
			}
		}
		sendErr := s.Mail.Send(ctx, pbmail.Message{From: s.From, To: d.To, Subject: d.Subject, Text: d.Text, HTML: d.HTML,
			MessageID: d.MessageID, Headers: d.Headers})
		if sendErr == nil {
			if err := s.Store.MarkDigestSent(context.WithoutCancel(ctx), d.ID); err != nil {
				return st, err
			}
			st.Sent++
			continue
		}
		if ctx.Err() != nil {
			// Stopping: the lease runs out and the digest is sent later.
			return st, ctx.Err()
		}
		if err := s.failed(ctx, d, owner, sendErr, &st); err != nil {
			return st, err
		}
	}
	return st, ctx.Err()
}

// claimHeld looks at the due digests that other senders lease: it takes
// over one whose sender is gone, or else returns the lease that expires
// first (a zero ID when none is held).
func (s *Service) claimHeld(ctx context.Context, owner string, lease time.Duration) (store.OutboxDigest, bool, store.DigestLease, error) {
	now := s.now()
	held, err := s.Store.HeldDigests(ctx, now)
	if err != nil {
		return store.OutboxDigest{}, false, store.DigestLease{}, err
	}
	var first store.DigestLease
	for _, l := range held {
		if l.Owner != owner && holderGone(l.Owner) {
			d, ok, err := s.Store.TakeOverDigest(ctx, l.ID, l.Owner, owner, now, lease)
			if err != nil {
				return d, false, first, err
			}
			if ok {
				s.log().Warn("took over a digest leased by a sender that is gone; it may have been sent already, with the same Message-ID",
					"digest", l.ID, "sender", l.Owner, "lease_until", l.Until)
				return d, true, store.DigestLease{}, nil
			}
			continue // finished, or taken over by another sender
		}
		if first.ID == 0 {
			first = l // the earliest expiring
		}
	}
	return store.OutboxDigest{}, false, first, nil
}

func (s *Service) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// failed records a failed delivery: a retry after a backoff for a
// temporary failure, or giving up (and suppressing the address) for a
// permanent one or after MaxAttempts.
func (s *Service) failed(ctx context.Context, d store.OutboxDigest, owner string, sendErr error, st *SendStats) error {
	msg := sendErr.Error()
	log := s.log().With("digest", d.ID, "subscription", d.SubscriptionID, "attempt", d.Attempts, "err", msg)
	if pbmail.IsTemporary(sendErr) && d.Attempts < cmp.Or(s.MaxAttempts, 6) {
		backoff := cmp.Or(s.Backoff, time.Minute)
		for range d.Attempts - 1 {
			backoff *= 4
		}
		backoff = min(backoff, 6*time.Hour)
		log.Warn("digest not delivered; will retry", "in", backoff)
		st.Retried++
		err := s.Store.RetryDigest(ctx, d.ID, owner, s.now().Add(backoff), msg)
		if errors.Is(err, store.ErrLeaseLost) {
			return nil // another sender took it over; it decides
		}
		return err
	}
	st.Failed++
	if err := s.Store.FailDigest(ctx, d.ID, msg); err != nil {
		return err
	}
	if pbmail.IsTemporary(sendErr) {
		// Undeliverable for hours: a soft bounce, counted towards
		// suppression.
		suppressed, err := s.Store.RecordBounce(ctx, d.SubscriptionID, msg)
		if suppressed {
			st.Suppressed++
		}
		log.Warn("digest given up after repeated temporary failures", "suppressed", suppressed)
		return err
	}
	log.Warn("digest refused permanently; address suppressed")
	st.Suppressed++
	_, err := s.Store.SuppressSubscription(ctx, d.SubscriptionID, msg)
	return err
}

// RunStats is what Run did.
type RunStats struct {
	ComposeStats
	SendStats
}

// Run composes the digests due on date and sends everything due, recording
// the run for the admin page. Running it again for the same date composes
// and sends nothing new.
func (s *Service) Run(ctx context.Context, date time.Time) (RunStats, error) {
	var st RunStats
	id, err := s.Store.StartDigestRun(ctx, date)
	if err != nil {
		return st, err
	}
	st.ComposeStats, err = s.Compose(ctx, date, false, nil)
	if err == nil {
		st.SendStats, err = s.SendDue(ctx)
	}
	run := store.DigestRun{ID: id, Composed: st.Composed, Empty: st.Empty, Sent: st.Sent, Failed: st.Failed}
	if err != nil {
		run.Error = err.Error()
	}
	if ferr := s.Store.FinishDigestRun(context.WithoutCancel(ctx), run); ferr != nil && err == nil {
		err = ferr
	}
	return st, err
}

// Schedule says when digests are composed: every day at Hour:Minute UTC,
// for that UTC day. The default, 23:30, follows the day's Hugging Face
// daily list (harvested at 23:00) and the arXiv listing announced the
// evening before.
type Schedule struct {
	Hour, Minute int
}

// next returns the first composing time after t, and the digest date it
// is for.
func (sc Schedule) next(t time.Time) time.Time {
	t = t.UTC()
	at := time.Date(t.Year(), t.Month(), t.Day(), sc.Hour, sc.Minute, 0, 0, time.UTC)
	if !at.After(t) {
		at = at.AddDate(0, 0, 1)
	}
	return at
}

// RunScheduled runs until ctx ends: it composes and sends each day's
// digests at the scheduled time (and at start, today's if that time has
// passed: composing is idempotent, so a restart or another replica doing
// the same costs only time), and every poll sends the digests whose retry
// is due. Replicas share the work through the outbox.
func (s *Service) RunScheduled(ctx context.Context, sc Schedule, poll time.Duration) {
	poll = cmp.Or(poll, time.Minute)
	now := s.now().UTC()
	today := now.Truncate(24 * time.Hour)
	next := sc.next(today.Add(-time.Second))
	if next.After(now) {
		next = sc.next(now)
	}
	for {
		if now := s.now(); !now.Before(next) {
			date := next.Truncate(24 * time.Hour)
			st, err := s.Run(ctx, date)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				s.log().Error("digest run failed", "date", date.Format(time.DateOnly), "err", err)
			} else {
				s.log().Info("digests", "date", date.Format(time.DateOnly), "composed", st.Composed, "empty", st.Empty,
					"sent", st.Sent, "retrying", st.Retried, "failed", st.Failed)
			}
			// Sent digests keep their rows (the key that stops a resend)
			// but not their bodies beyond a fortnight.
			if n, err := s.Store.CompactDigests(ctx, date.AddDate(0, 0, -14)); err != nil && ctx.Err() == nil {
				s.log().Error("compacting the digest outbox failed", "err", err)
			} else if n > 0 {
				s.log().Info("compacted the digest outbox", "digests", n)
			}
			next = sc.next(now)
		} else if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.log().Error("sending digests failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(poll, max(time.Second, time.Until(next)))):
		}
	}
}
