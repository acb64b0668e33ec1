// Package digest sends paperboy's email digests: subscriptions with double
// opt-in and signed links, composing, and a persistent outbox that a crash
// at any point neither loses nor repeats.
//
// # The outbox
//
// Every (subscription, digest date) is composed once into a row of
// digest_outbox with a unique key and a Message-ID fixed at that moment;
// composing again (a second run, another replica) inserts nothing. Senders
// claim one row at a time with a lease (FOR UPDATE SKIP LOCKED on
// PostgreSQL, the single writer on SQLite), send it, and mark it sent. A
// sender that dies after the server accepted a message but before marking
// it leaves exactly that one row claimed; another sender sends it again,
// with the same Message-ID: at once if the dead sender ran on its machine
// (leases name the process), else when the lease expires. That is the only
// duplicate possible, at most one per dead sender, because a sender holds
// one row at a time. Temporary failures (4xx, network) are retried with
// exponential backoff; a permanent one (5xx) suppresses the address, and so
// do MaxBounces digests that never got through.
package digest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	pbmail "github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Store is what digests keep in the database.
type Store interface {
	Subscribe(ctx context.Context, email, cadence string, userID int64) (store.Subscription, bool, error)
	SubscriptionByID(ctx context.Context, id int64) (store.Subscription, error)
	SubscriptionByEmail(ctx context.Context, email string) (store.Subscription, error)
	ConfirmSubscription(ctx context.Context, id int64) (store.Subscription, error)
	UpdateSubscription(ctx context.Context, id int64, cadence string, f store.DigestFilters) (store.Subscription, error)
	Unsubscribe(ctx context.Context, id int64) (store.Subscription, error)
	SuppressSubscription(ctx context.Context, id int64, reason string) (store.Subscription, error)
	RecordBounce(ctx context.Context, id int64, reason string) (bool, error)
	DueSubscriptions(ctx context.Context, date time.Time, cadences []string, afterID int64, limit int) ([]store.Subscription, error)
	Setting(ctx context.Context, name, initial string) (string, error)
	EnqueueDigests(ctx context.Context, ds []store.OutboxDigest) (int, error)
	ClaimDigest(ctx context.Context, owner string, now time.Time, lease time.Duration) (store.OutboxDigest, bool, error)
	HeldDigests(ctx context.Context, now time.Time) ([]store.DigestLease, error)
	TakeOverDigest(ctx context.Context, id int64, from, owner string, now time.Time, lease time.Duration) (store.OutboxDigest, bool, error)
	MarkDigestSent(ctx context.Context, id int64) error
	RetryDigest(ctx context.Context, id int64, owner string, next time.Time, failure string) error
	FailDigest(ctx context.Context, id int64, failure string) error
	CompactDigests(ctx context.Context, before time.Time) (int64, error)
	StartDigestRun(ctx context.Context, date time.Time) (int64, error)
	FinishDigestRun(ctx context.Context, r store.DigestRun) error
	DigestStats(ctx context.Context) (store.DigestStats, error)
	TrendingCandidates(ctx context.Context, since, until time.Time, limit int) ([]store.Paper, error)
	LatestDailyListDay(ctx context.Context) (time.Time, error)
	AdjacentDays(ctx context.Context, day time.Time) (prev, next time.Time, err error)
}

// Recommender suggests papers for an account from the ones it upvoted,
// among papers of the digest's period ([since, until) by their day). The
// command wires it to the semantic index's similar papers through
// SimilarRecommender; nil means no recommendations.
type Recommender interface {
	Recommend(ctx context.Context, userID int64, since, until time.Time, k int) ([]store.Paper, error)
}

// HeadedRecommender is a Recommender that names where its papers come
// from, as the heading of their section: the library model
// (internal/foryou) for readers with a library, upvotes for the others.
type HeadedRecommender interface {
	RecommendHeaded(ctx context.Context, userID int64, since, until time.Time, k int) (papers []store.Paper, heading string, err error)
}

// BatchRecommender is a HeadedRecommender that recommends for many
// subscribers at once, sharing their work (internal/foryou ranks a day's
// candidates for 100,000 readers so): StartRun begins one run of
// digests, whose function is called with batches of accounts and gives,
// for each, what RecommendHeaded would (papers, heading, error).
type BatchRecommender interface {
	StartRun() func(ctx context.Context, userIDs []int64, since, until time.Time, k int) ([][]store.Paper, []string, []error)
}

// upvotedHeading heads the recommendations of a plain Recommender.
const upvotedHeading = "Recommended from the papers you upvoted"

// Service composes and sends digests and manages subscriptions.
type Service struct {
	Store Store
	Mail  pbmail.Sender
	// From is the digests' From address; BaseURL the public address used
	// in links ("https://papers.example.org").
	From    string
	BaseURL string
	Now     func() time.Time
	Log     *slog.Logger
	// Recommender adds papers like the ones a subscriber upvoted.
	Recommender Recommender
	// Weekly is the day weekly digests go out (their date); the zero
	// value is Sunday, and the command line defaults to Monday.
	Weekly time.Weekday
	// Owner names this sender in leases; when empty, the machine, process
	// id and a random token, so that a later sender on the same machine can
	// tell that this one is gone.
	Owner string
	// Lease is how long a claimed digest is held before another sender
	// may take it over; longer than one SMTP transaction. 2 minutes when 0.
	Lease time.Duration
	// WaitForLeases makes SendDue, once nothing is left to claim, wait for
	// the due digests that other senders lease until they are sent or
	// their leases expire and it sends them itself: a one-off run must not
	// end with digests due. Scheduled sending polls instead.
	WaitForLeases bool
	// Sleep waits for d or until ctx ends; a timer when nil (tests move a
	// clock instead).
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxAttempts is how many temporary failures a digest survives before
	// it is given up and counted as a bounce; 6 when 0.
	MaxAttempts int
	// Backoff is the wait after the first temporary failure, multiplied by
	// 4 after each further one, up to 6 hours; 1 minute when 0.
	Backoff time.Duration

	keyMu sync.Mutex
	key   []byte
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) baseURL() string {
	return cmp.Or(strings.TrimSuffix(s.BaseURL, "/"), "http://localhost:8080")
}

// ValidEmail checks an address typed into the subscribe form and returns
// it bare ("Ada <a@b.org>" is refused: the form asks for an address).
func ValidEmail(email string) (string, error) {
	email, err := pbmail.CheckAddress(email)
	if err != nil {
		return "", fmt.Errorf("digest: %w", err)
	}
	return email, nil
}

// Subscribe handles the subscribe form: it records the request and, when
// the store says so, sends the confirmation email with a link built on
// base. The caller answers the same whatever happened, so that the form
// does not tell who is subscribed.
func (s *Service) Subscribe(ctx context.Context, email, cadence string, userID int64, base string) error {
	email, err := ValidEmail(email)
	if err != nil {
		return err
	}
	if cadence != "weekly" {
		cadence = "daily"
	}
	sub, send, err := s.Store.Subscribe(ctx, email, cadence, userID)
	if err != nil || !send {
		return err
	}
	key, err := s.linkKey(ctx)
	if err != nil {
		return err
	}
	base = cmp.Or(strings.TrimSuffix(base, "/"), s.baseURL())
	data := struct{ Email, Cadence, Confirm string }{sub.Email, sub.Cadence,
		base + "/subscribe/confirm?token=" + sign(key, sub, PurposeConfirm, s.now())}
	var hb, tb bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&hb, "confirm.html", data); err != nil {
		return err
	}
	if err := textTemplates.ExecuteTemplate(&tb, "confirm.txt", data); err != nil {
		return err
	}
	err = s.Mail.Send(ctx, pbmail.Message{From: s.From, To: sub.Email, Subject: "Confirm your paperboy subscription",
		Text: tb.String(), HTML: hb.String()})
	if err != nil {
		return fmt.Errorf("digest: send confirmation to subscription %d: %w", sub.ID, err)
	}
	return nil
}

// CheckLink returns the subscription of a valid link for purpose, without
// acting on it (for the pages that show a button first).
func (s *Service) CheckLink(ctx context.Context, token, purpose string) (store.Subscription, error) {
	purposes := []string{purpose}
	if purpose == PurposeUnsubscribe {
		purposes = append(purposes, PurposeManage)
	}
	return s.verify(ctx, token, purposes...)
}

// Confirm activates the subscription of a confirmation link and returns it
// with a manage link's token.
func (s *Service) Confirm(ctx context.Context, token string) (store.Subscription, string, error) {
	sub, err := s.verify(ctx, token, PurposeConfirm)
	if err != nil {
		return sub, "", err
	}
	if sub, err = s.Store.ConfirmSubscription(ctx, sub.ID); err != nil {
		return sub, "", err
	}
	key, err := s.linkKey(ctx)
	if err != nil {
		return sub, "", err
	}
	return sub, sign(key, sub, PurposeManage, s.now()), nil
}

// UpdatePreferences changes the cadence and filters of the subscription of
// a manage link. Filters are trimmed, de-duplicated and capped.
func (s *Service) UpdatePreferences(ctx context.Context, token, cadence string, f store.DigestFilters) (store.Subscription, error) {
	sub, err := s.verify(ctx, token, PurposeManage)
	if err != nil {
		return sub, err
	}
	if cadence != "weekly" {
		cadence = "daily"
	}
	f.Categories, f.Authors, f.Queries = cleanList(f.Categories, 40), cleanList(f.Authors, 40), cleanList(f.Queries, 20)
	if sub.UserID == 0 {
		f.Recommended = false
	}
	return s.Store.UpdateSubscription(ctx, sub.ID, cadence, f)
}

func cleanList(in []string, n int) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range in {
		v = strings.Join(strings.Fields(v), " ")
		if v == "" || len(v) > 200 || seen[strings.ToLower(v)] || len(out) == n {
			continue
		}
		seen[strings.ToLower(v)] = true
		out = append(out, v)
	}
	return out
}

// Unsubscribe ends the subscription of an unsubscribe or manage link, at
// once; again changes nothing.
func (s *Service) Unsubscribe(ctx context.Context, token string) (store.Subscription, error) {
	sub, err := s.verify(ctx, token, PurposeUnsubscribe, PurposeManage)
	if err != nil {
		return sub, err
	}
	return s.Store.Unsubscribe(ctx, sub.ID)
}

// DigestStats returns the subscription and outbox counts.
func (s *Service) DigestStats(ctx context.Context) (store.DigestStats, error) {
	return s.Store.DigestStats(ctx)
}

// Cadences returns the cadences due on a date: daily always (an empty day
// sends nothing), weekly on the weekly day.
func (s *Service) Cadences(date time.Time) []string {
	if date.Weekday() == s.Weekly {
		return []string{"daily", "weekly"}
	}
	return []string{"daily"}
}

// ComposeStats counts what Compose did.
type ComposeStats struct {
	Composed int // digests queued
	Empty    int // subscriptions with nothing to send that day
}

// Compose composes the digests due on date for every active subscription
// that has none yet and queues them. With dryRun nothing is stored and fn,
// if not nil, sees every message.
func (s *Service) Compose(ctx context.Context, date time.Time, dryRun bool, fn func(store.Subscription, pbmail.Message)) (ComposeStats, error) {
	var st ComposeStats
	key, err := s.linkKey(ctx)
	if err != nil {
		return st, err
	}
	now := s.now()
	for _, cadence := range s.Cadences(date) {
		var p *pool
		var after int64
		for {
			subs, err := s.Store.DueSubscriptions(ctx, date, []string{cadence}, after, 500)
			if err != nil {
				return st, err
			}
			if len(subs) == 0 {
				break
			}
			after = subs[len(subs)-1].ID
			if p == nil {
				if p, err = s.loadPool(ctx, cadence, date, s.baseURL(), false); err != nil {
					return st, err
				}
			}
			batch, msgs, err := s.composeBatch(ctx, key, p, subs, now)
			if err != nil {
				return st, err
			}
			for i, d := range batch {
				if d.Status == store.DigestEmpty {
					st.Empty++
					continue
				}
				st.Composed++
				if fn != nil {
					fn(subs[i], msgs[i])
				}
			}
			if dryRun {
				continue
			}
			if _, err := s.Store.EnqueueDigests(ctx, batch); err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

// composeBatch composes the digests of subs on all cores (the pool is
// shared and safe for concurrent use) and returns them in order, with
// their messages.
func (s *Service) composeBatch(ctx context.Context, key []byte, p *pool, subs []store.Subscription, now time.Time) ([]store.OutboxDigest, []pbmail.Message, error) {
	batch := make([]store.OutboxDigest, len(subs))
	msgs := make([]pbmail.Message, len(subs))
	errs := make([]error, len(subs))
	workers := min(runtime.GOMAXPROCS(0), len(subs))
	run := p.startRun(s.Recommender)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker composes a contiguous part, whose
			// recommendations a run gives in one batch.
			lo, hi := w*len(subs)/workers, (w+1)*len(subs)/workers
			var batched []recommended
			if run != nil {
				batched = s.recommendBatch(ctx, run, subs[lo:hi], p.cadence, p.date)
			}
			for i := lo; i < hi; i++ {
				sub := subs[i]
				var recs []store.Paper
				var heading string
				if batched != nil {
					recs, heading = batched[i-lo].papers, batched[i-lo].heading
				} else {
					var err error
					if recs, heading, err = s.recommend(ctx, sub, p.cadence, p.date); err != nil {
						errs[i] = err
						return
					}
				}
				c, err := s.compose(key, p, sub, recs, heading, now)
				if err != nil {
					errs[i] = err
					return
				}
				if c.papers == 0 {
					// Recorded rather than skipped, so that the next run
					// does not compose it again; never sent.
					batch[i] = store.OutboxDigest{SubscriptionID: sub.ID, Date: p.date, Cadence: p.cadence, Status: store.DigestEmpty, To: sub.Email}
					continue
				}
				msgs[i] = c.msg
				batch[i] = store.OutboxDigest{SubscriptionID: sub.ID, Date: p.date, Cadence: p.cadence, Status: store.DigestQueued,
					MessageID: c.msg.MessageID, To: c.msg.To, Subject: c.msg.Subject, Text: c.msg.Text, HTML: c.msg.HTML,
					Headers: c.msg.Headers, Papers: c.papers}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return batch, msgs, nil
}

type recommended struct {
	papers  []store.Paper
	heading string
}

// recommendBatch is recommend for each of subs, through a run of a
// BatchRecommender.
func (s *Service) recommendBatch(ctx context.Context, run recommendRun, subs []store.Subscription, cadence string, date time.Time) []recommended {
	out := make([]recommended, len(subs))
	var users []int64
	var at []int
	for i, sub := range subs {
		if sub.UserID != 0 && sub.Filters.Recommended {
			users = append(users, sub.UserID)
			at = append(at, i)
		}
	}
	if len(users) == 0 {
		return out
	}
	from, to := period(cadence, date)
	papers, headings, errs := run(ctx, users, from, to, recommendedCount*2)
	for k, i := range at {
		if errs[k] != nil {
			// Recommendations are a bonus: the digest goes out without them.
			s.log().Warn("digest recommendations failed", "subscription", subs[i].ID, "err", errs[k])
			continue
		}
		out[i] = recommended{papers[k], headings[k]}
	}
	return out
}

func (s *Service) recommend(ctx context.Context, sub store.Subscription, cadence string, date time.Time) ([]store.Paper, string, error) {
	if s.Recommender == nil || sub.UserID == 0 || !sub.Filters.Recommended {
		return nil, "", nil
	}
	from, to := period(cadence, date)
	var recs []store.Paper
	heading := upvotedHeading
	var err error
	if h, ok := s.Recommender.(HeadedRecommender); ok {
		recs, heading, err = h.RecommendHeaded(ctx, sub.UserID, from, to, recommendedCount*2)
	} else {
		recs, err = s.Recommender.Recommend(ctx, sub.UserID, from, to, recommendedCount*2)
	}
	if err != nil {
		// Recommendations are a bonus: the digest goes out without them.
		s.log().Warn("digest recommendations failed", "subscription", sub.ID, "err", err)
		return nil, "", nil
	}
	return recs, heading, nil
}

// Preview composes the digest an address would get for date, without
// storing or sending it; with no subscription for the address, the trending
// digest of a daily subscriber. A date without community activity shows the
// newest days that have some, saying so (loadPool).
func (s *Service) Preview(ctx context.Context, email string, date time.Time) (pbmail.Message, error) {
	sub, err := s.Store.SubscriptionByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		sub, err = store.Subscription{Email: email, Cadence: "daily", Status: store.SubActive}, nil
	}
	if err != nil {
		return pbmail.Message{}, err
	}
	key, err := s.linkKey(ctx)
	if err != nil {
		return pbmail.Message{}, err
	}
	p, err := s.loadPool(ctx, sub.Cadence, date, s.baseURL(), true)
	if err != nil {
		return pbmail.Message{}, err
	}
	recs, heading, err := s.recommend(ctx, sub, sub.Cadence, date)
	if err != nil {
		return pbmail.Message{}, err
	}
	c, err := s.compose(key, p, sub, recs, heading, s.now())
	if err != nil {
		return pbmail.Message{}, err
	}
	if c.papers == 0 {
		return pbmail.Message{}, fmt.Errorf("digest: no papers for %s on %s: %w", email, date.Format(time.DateOnly), ErrEmpty)
	}
	return c.msg, nil
}

// ErrEmpty is a digest with no papers: it is never sent. It wraps
// store.ErrNotFound: there is no such digest.
var ErrEmpty = fmt.Errorf("empty digest: %w", store.ErrNotFound)
