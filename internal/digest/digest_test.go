package digest_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/digest"
	"github.com/paperboy-dev/paperboy/internal/foryou"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/mail/mailtest"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The digest date: Tuesday 2 June 2026, composed that evening.
var (
	day   = time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)
	start = time.Date(2026, 6, 2, 23, 30, 0, 0, time.UTC)
)

// testKey makes links, and so the golden files, reproducible.
const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	st    *store.Store
	clock *clock
	smtp  *mailtest.Server
	svc   *digest.Service
}

func newEnv(t testing.TB, dialect store.Dialect, opts mailtest.Options) *env {
	t.Helper()
	c := &clock{t: start}
	st := storetest.Open(t, dialect, store.Options{Now: c.Now})
	if _, err := st.Setting(context.Background(), "digest_link_key", testKey); err != nil {
		t.Fatal(err)
	}
	srv := mailtest.Start(t, opts)
	e := &env{st: st, clock: c, smtp: srv}
	e.svc = e.service(t, "sender-1")
	seedPapers(t, st)
	return e
}

// service returns a digest service with its own SMTP connection, as a
// separate process would have.
func (e *env) service(t testing.TB, owner string) *digest.Service {
	t.Helper()
	sender, err := mail.NewSMTP(e.smtp.URL(), mail.SMTPOptions{From: "paperboy <digest@paperboy.test>", Rate: 10000, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	return &digest.Service{Store: e.st, Mail: sender, From: "paperboy <digest@paperboy.test>", BaseURL: "https://paperboy.test",
		Now: e.clock.Now, Weekly: time.Monday, Owner: owner, Lease: time.Minute, Backoff: time.Minute}
}

func seedPapers(t testing.TB, st *store.Store) {
	t.Helper()
	type p struct {
		id, title, abstract string
		authors             []string
		cats                []string
		upvotes             int
		day                 time.Time
	}
	papers := []p{
		{"2505.24864", "ProRL: Prolonged Reinforcement Learning Expands Reasoning Boundaries in Large Language Models",
			"Recent advances in reasoning-centric language models have highlighted reinforcement learning (RL) as a promising method for aligning models with verifiable rewards. However, it remains contested whether RL truly expands a model's reasoning capabilities.",
			[]string{"Mingjie Liu", "Shizhe Diao", "Ximing Lu", "Jian Hu", "Xin Dong", "Yejin Choi", "Jan Kautz", "Yi Dong"}, []string{"cs.CL", "cs.AI"}, 120, day},
		{"2506.00001", "AlphaOne: Reasoning Models Thinking Slow and Fast at Test Time",
			"We present a universal framework for modulating reasoning progress in large reasoning models at test time, with $\\alpha$ moments & scaling.",
			[]string{"Junyu Zhang", "Ada Lovelace"}, []string{"cs.LG"}, 80, day},
		{"2506.00002", "Time Blindness: Why Video-Language Models Can't See What Humans Can?",
			"Recent advances in vision-language models have made impressive strides in understanding spatio-temporal relationships in videos.",
			[]string{"Ujjwal Upadhyay"}, []string{"cs.CV"}, 40, day},
		{"2506.00003", "A Reward Model for <Everything> & More",
			"We train a reward model on a great many preferences, scaling to \\emph{billions}.",
			[]string{"Grace Hopper"}, []string{"cs.CL"}, 10, day},
		{"2505.99999", "Yesterday's Paper", "Old news.", []string{"Someone"}, []string{"cs.CL"}, 500, day.AddDate(0, 0, -1)},
	}
	var meta, community []store.Paper
	for _, x := range papers {
		sp := store.Paper{ID: x.id, Version: 1, Title: x.title, Abstract: x.abstract, Authors: x.authors, Categories: x.cats,
			FirstVersionAt: x.day.Add(-30 * time.Hour), ListedOn: x.day,
			Versions: []store.Version{{Version: 1, Created: x.day.Add(-30 * time.Hour)}}, LatestVersionAt: x.day.Add(-30 * time.Hour)}
		meta = append(meta, sp)
		sp.Community = store.Community{Upvotes: x.upvotes, DailyOn: x.day, DailySubmittedAt: x.day.Add(2 * time.Hour), GitHubStars: -1}
		community = append(community, sp)
	}
	ctx := context.Background()
	if _, err := st.UpsertPapers(ctx, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertCommunity(ctx, community); err != nil {
		t.Fatal(err)
	}
}

func (e *env) subscribe(t testing.TB, email, cadence string, f store.DigestFilters) store.Subscription {
	t.Helper()
	ctx := context.Background()
	sub, _, err := e.st.Subscribe(ctx, email, cadence, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ConfirmSubscription(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	sub, err = e.st.UpdateSubscription(ctx, sub.ID, cadence, f)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

type parsed struct {
	header     netmail.Header
	subject    string
	text, html string
}

func parse(t testing.TB, data []byte) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{header: m.Header}
	p.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q %v", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = part
		if part.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			body = quotedprintable.NewReader(part)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	if p.text == "" || p.html == "" {
		t.Fatalf("want both parts, got text %d bytes, html %d bytes", len(p.text), len(p.html))
	}
	return p
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update to accept):\n%s", path, diff)
	}
}

var linkRE = regexp.MustCompile(`https://[^\s"<>]+`)

func TestDigestIsValidMIMEWithBothPartsHeadersAndLinks(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{})
	e.subscribe(t, "reader@example.org", "daily", store.DigestFilters{})
	ctx := context.Background()
	st, err := e.svc.Run(ctx, day)
	if err != nil || st.Composed != 1 || st.Sent != 1 {
		t.Fatalf("run: %+v %v", st, err)
	}
	got := e.smtp.Wait(t, 1, 5*time.Second)[0]
	m := parse(t, got.Data)
	if want := "paperboy — 4 papers for Tue 2 Jun: ProRL, AlphaOne, Time Blindness, ..."; m.subject != want {
		t.Errorf("subject %q, want %q", m.subject, want)
	}
	ds, _ := e.st.Digests(ctx, day)
	if id := strings.Trim(m.header.Get("Message-ID"), "<>"); id != ds[0].MessageID || id == "" {
		t.Errorf("Message-ID %q, outbox %q", id, ds[0].MessageID)
	}
	lu := m.header.Get("List-Unsubscribe")
	if !strings.HasPrefix(lu, "<https://paperboy.test/unsubscribe?token=") || m.header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe %q, -Post %q", lu, m.header.Get("List-Unsubscribe-Post"))
	}
	for _, part := range []string{m.text, m.html} {
		for _, want := range []string{"https://paperboy.test/papers/2505.24864", "https://arxiv.org/abs/2505.24864",
			"https://paperboy.test/subscribe/manage?token=", "https://paperboy.test/unsubscribe?token="} {
			if !strings.Contains(part, want) {
				t.Errorf("a part lacks %s", want)
			}
		}
		if strings.Contains(part, "Yesterday") {
			t.Error("a paper of another day is in the digest")
		}
	}
	// Every link in the text part is one of ours, and the unsubscribe link
	// works.
	for _, l := range linkRE.FindAllString(m.text, -1) {
		if !strings.HasPrefix(l, "https://paperboy.test/") && !strings.HasPrefix(l, "https://arxiv.org/abs/") {
			t.Errorf("unexpected link %s", l)
		}
	}
	token := strings.TrimSuffix(strings.TrimPrefix(lu, "<https://paperboy.test/unsubscribe?token="), ">")
	if sub, err := e.svc.Unsubscribe(ctx, token); err != nil || sub.Status != store.SubUnsubscribed {
		t.Errorf("unsubscribe through the header's link: %+v %v", sub, err)
	}
	checkGolden(t, "daily.txt", m.text)
	checkGolden(t, "daily.html", m.html)
}

func TestFilteredWeeklyDigestGolden(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{})
	e.subscribe(t, "filters@example.org", "weekly", store.DigestFilters{Categories: []string{"cs.CL"}, Authors: []string{"ada lovelace"},
		Queries: []string{`"reward model"`}})
	e.subscribe(t, "nothing@example.org", "weekly", store.DigestFilters{Categories: []string{"math.AG"}})
	monday := time.Date(2026, 6, 8, 0, 0, 0, 0, time.UTC)
	e.clock.Add(6 * 24 * time.Hour)
	st, err := e.svc.Run(context.Background(), monday)
	if err != nil || st.Composed != 1 || st.Empty != 1 || st.Sent != 1 {
		t.Fatalf("run: %+v %v", st, err)
	}
	got := e.smtp.Wait(t, 1, 5*time.Second)
	m := parse(t, got[0].Data)
	if got[0].To[0] != "filters@example.org" {
		t.Fatalf("sent to %v", got[0].To)
	}
	// cs.CL: ProRL and the reward model paper; Ada: AlphaOne. Yesterday's
	// paper (1 June) is before the week (2 to 8 June).
	if want := "paperboy — 3 papers for the week to Mon 8 Jun: ProRL, AlphaOne, A Reward Model for <Everything>…"; m.subject != want {
		t.Errorf("subject %q, want %q", m.subject, want)
	}
	checkGolden(t, "weekly-filtered.txt", m.text)
	checkGolden(t, "weekly-filtered.html", m.html)
}

func TestEmptyDigestIsNotSentAndSecondRunSendsNothing(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{})
	e.subscribe(t, "a@example.org", "daily", store.DigestFilters{})
	e.subscribe(t, "b@example.org", "daily", store.DigestFilters{})
	ctx := context.Background()
	if st, err := e.svc.Run(ctx, day); err != nil || st.Sent != 2 {
		t.Fatalf("first run: %+v %v", st, err)
	}
	if st, err := e.svc.Run(ctx, day); err != nil || st.Composed != 0 || st.Sent != 0 {
		t.Fatalf("second run: %+v %v", st, err)
	}
	sunday := time.Date(2026, 6, 7, 0, 0, 0, 0, time.UTC) // no papers
	if st, err := e.svc.Run(ctx, sunday); err != nil || st.Composed != 0 || st.Empty != 2 || st.Sent != 0 {
		t.Fatalf("empty day: %+v %v", st, err)
	}
	if n := len(e.smtp.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
	stats, _ := e.svc.DigestStats(ctx)
	if stats.Outbox[store.DigestSent] != 2 || stats.Outbox[store.DigestEmpty] != 2 || stats.LastRun.Date != sunday {
		t.Errorf("stats %+v", stats)
	}
}

func TestTemporaryFailureIsRetriedWithBackoff(t *testing.T) {
	var mu sync.Mutex
	refusals := 2
	e := newEnv(t, store.SQLite, mailtest.Options{Reject: func(to string) error {
		mu.Lock()
		defer mu.Unlock()
		if refusals > 0 {
			refusals--
			return mailtest.TempFail
		}
		return nil
	}})
	e.subscribe(t, "later@example.org", "daily", store.DigestFilters{})
	ctx := context.Background()
	st, err := e.svc.Run(ctx, day)
	if err != nil || st.Retried != 1 || st.Sent != 0 {
		t.Fatalf("first attempt: %+v %v", st, err)
	}
	ds, _ := e.st.Digests(ctx, day)
	if ds[0].Status != store.DigestQueued || !strings.Contains(ds[0].LastError, "451") {
		t.Fatalf("after a 451: %+v", ds[0])
	}
	// Not before the backoff (1 minute, then 4).
	if st, _ := e.svc.SendDue(ctx); st.Sent+st.Retried != 0 {
		t.Fatalf("retried before the backoff: %+v", st)
	}
	e.clock.Add(61 * time.Second)
	if st, _ := e.svc.SendDue(ctx); st.Retried != 1 {
		t.Fatalf("second attempt: %+v", st)
	}
	e.clock.Add(3 * time.Minute)
	if st, _ := e.svc.SendDue(ctx); st.Sent != 0 {
		t.Fatalf("sent before the second backoff: %+v", st)
	}
	e.clock.Add(time.Minute + time.Second)
	if st, _ := e.svc.SendDue(ctx); st.Sent != 1 {
		t.Fatalf("third attempt: %+v", st)
	}
	got := e.smtp.Wait(t, 1, 5*time.Second)
	ds, _ = e.st.Digests(ctx, day)
	if ds[0].Status != store.DigestSent || ds[0].Attempts != 3 || got[0].MessageID() != ds[0].MessageID {
		t.Errorf("after retries: %+v", ds[0])
	}
}

func TestPermanentFailureSuppresses(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{Reject: func(to string) error {
		if to == "gone@example.org" {
			return mailtest.PermFail
		}
		return nil
	}})
	gone := e.subscribe(t, "gone@example.org", "daily", store.DigestFilters{})
	e.subscribe(t, "here@example.org", "daily", store.DigestFilters{})
	ctx := context.Background()
	st, err := e.svc.Run(ctx, day)
	if err != nil || st.Sent != 1 || st.Failed != 1 || st.Suppressed != 1 {
		t.Fatalf("run: %+v %v", st, err)
	}
	sub, _ := e.st.SubscriptionByID(ctx, gone.ID)
	if sub.Status != store.SubSuppressed || !strings.Contains(sub.SuppressReason, "550") {
		t.Errorf("after a 550: %+v", sub)
	}
	// Nothing more is composed for a suppressed address.
	e.clock.Add(24 * time.Hour)
	st, _ = e.svc.Run(ctx, day.AddDate(0, 0, 1))
	if st.Composed+st.Empty != 1 {
		t.Errorf("next day: %+v", st)
	}
}

func TestRepeatedTemporaryFailuresCountAsBounces(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{Reject: func(string) error { return mailtest.TempFail }})
	e.svc.MaxAttempts = 2
	sub := e.subscribe(t, "full@example.org", "daily", store.DigestFilters{})
	ctx := context.Background()
	e.svc.Run(ctx, day)
	e.clock.Add(2 * time.Minute)
	st, err := e.svc.SendDue(ctx)
	if err != nil || st.Failed != 1 {
		t.Fatalf("second attempt: %+v %v", st, err)
	}
	got, _ := e.st.SubscriptionByID(ctx, sub.ID)
	if got.Bounces != 1 || got.Status != store.SubActive {
		t.Errorf("after giving up: %+v", got)
	}
}

// errCrash stands for the process dying at a crash point.
var errCrash = errors.New("crash")

// TestCrashAtAnyPointLosesNothing kills the sender (through its store or
// its mail sender) at every point of every message of a run, restarts it,
// and checks that no digest is lost and that only the digest in flight when the sender died
// after the server accepted it is sent twice, with the same Message-ID.
func TestCrashAtAnyPointLosesNothing(t *testing.T) {
	const subscribers = 4
	for _, point := range []string{"composed", "claimed", "smtp", "accepted"} {
		for n := 1; n <= subscribers; n++ {
			if point == "composed" && n > 1 {
				continue
			}
			t.Run(fmt.Sprintf("%s-%d", point, n), func(t *testing.T) {
				e := newEnv(t, store.SQLite, mailtest.Options{})
				for i := range subscribers {
					e.subscribe(t, fmt.Sprintf("r%d@example.org", i), "daily", store.DigestFilters{})
				}
				ctx := context.Background()
				if _, err := e.svc.Compose(ctx, day, false, nil); err != nil {
					t.Fatal(err)
				}
				seen := 0
				crashAt := func(p string) error {
					if p == point {
						if seen++; seen == n {
							return errCrash
						}
					}
					return nil
				}
				switch point {
				case "composed":
					// died before sending anything
				case "smtp":
					// The process dies in the middle of the SMTP transaction
					// (a panic unwinds past everything, as death would): the
					// server never accepted the message.
					e.svc.Mail = crashingSender{e.svc.Mail, crashAt}
					func() {
						defer func() {
							if r := recover(); r != errCrash {
								t.Fatalf("send: %v, want the crash", r)
							}
						}()
						e.svc.SendDue(ctx)
					}()
				default:
					e.svc.Store = crashingStore{e.svc.Store, crashAt}
					if _, err := e.svc.SendDue(ctx); !errors.Is(err, errCrash) {
						t.Fatalf("send: %v, want the crash", err)
					}
				}
				// Restart: a new process, composing again (nothing new) and
				// sending once the dead sender's lease has expired.
				after := e.service(t, "sender-2")
				if st, err := after.Compose(ctx, day, false, nil); err != nil || st.Composed != 0 {
					t.Fatalf("compose after restart: %+v %v", st, err)
				}
				if st, _ := after.SendDue(ctx); point != "composed" && st.Sent != subscribers-n {
					t.Errorf("before the lease expired, sent %d, want %d", st.Sent, subscribers-n)
				}
				e.clock.Add(2 * time.Minute)
				if _, err := after.SendDue(ctx); err != nil {
					t.Fatal(err)
				}
				checkDelivery(t, e, subscribers, map[bool]int{true: 1, false: 0}[point == "accepted"])
			})
		}
	}
}

// crashingStore is a sender's store that asks crash at the points of
// sending where a dying process leaves the outbox in a state of its own:
// "claimed", once a digest is leased and before any SMTP, and "accepted",
// after the server accepted the message and before its row is marked
// sent. An error stops SendDue there, as the process's death would.
type crashingStore struct {
	digest.Store
	crash func(point string) error
}

func (c crashingStore) ClaimDigest(ctx context.Context, owner string, now time.Time, lease time.Duration) (store.OutboxDigest, bool, error) {
	d, ok, err := c.Store.ClaimDigest(ctx, owner, now, lease)
	if err == nil && ok {
		err = c.crash("claimed")
	}
	return d, ok, err
}

func (c crashingStore) TakeOverDigest(ctx context.Context, id int64, from, owner string, now time.Time, lease time.Duration) (store.OutboxDigest, bool, error) {
	d, ok, err := c.Store.TakeOverDigest(ctx, id, from, owner, now, lease)
	if err == nil && ok {
		err = c.crash("claimed")
	}
	return d, ok, err
}

func (c crashingStore) MarkDigestSent(ctx context.Context, id int64) error {
	if err := c.crash("accepted"); err != nil {
		return err
	}
	return c.Store.MarkDigestSent(ctx, id)
}

type crashingSender struct {
	mail.Sender
	crash func(string) error
}

func (c crashingSender) Send(ctx context.Context, m mail.Message) error {
	if err := c.crash("smtp"); err != nil {
		panic(err)
	}
	return c.Sender.Send(ctx, m)
}

// checkDelivery checks that every digest of the day is marked sent and
// was received, at most maxDup of them twice, and a repeat always with the
// digest's Message-ID.
func checkDelivery(t *testing.T, e *env, subscribers, maxDup int) {
	t.Helper()
	ds, err := e.st.Digests(context.Background(), day)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, d := range ds {
		if d.Status != store.DigestSent {
			t.Errorf("digest to %s is %s", d.To, d.Status)
		}
		ids[d.To] = d.MessageID
	}
	got := map[string]int{}
	for _, m := range e.smtp.Messages() {
		to := m.To[0]
		got[to]++
		if m.MessageID() != ids[to] {
			t.Errorf("message to %s has ID %s, outbox %s", to, m.MessageID(), ids[to])
		}
	}
	dups := 0
	for i := range subscribers {
		to := fmt.Sprintf("r%d@example.org", i)
		switch n := got[to]; {
		case n == 0:
			t.Errorf("digest to %s lost", to)
		case n > 1:
			dups += n - 1
		}
	}
	if dups > maxDup {
		t.Errorf("%d duplicates, want at most %d (%v)", dups, maxDup, got)
	}
}

// TestTwoSendersOnPostgresDeliverEachDigestOnce runs two senders (each
// with its own SMTP connection, as two replicas) on one database.
func TestTwoSendersOnPostgresDeliverEachDigestOnce(t *testing.T) {
	e := newEnv(t, store.Postgres, mailtest.Options{})
	const subscribers = 60
	for i := range subscribers {
		e.subscribe(t, fmt.Sprintf("r%d@example.org", i), "daily", store.DigestFilters{})
	}
	ctx := context.Background()
	// Both replicas compose too: one row per digest survives.
	var wg sync.WaitGroup
	services := []*digest.Service{e.svc, e.service(t, "sender-2")}
	for _, svc := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := svc.Run(ctx, day); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	checkDelivery(t, e, subscribers, 0)
	if n := len(e.smtp.Messages()); n != subscribers {
		t.Errorf("%d messages, want %d", n, subscribers)
	}
}

func TestLinks(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{})
	ctx := context.Background()
	if err := e.svc.Subscribe(ctx, "Ada <ada@example.org>", "daily", 0, ""); err == nil {
		t.Error("an address with a display name was accepted")
	}
	if err := e.svc.Subscribe(ctx, "ada@example.org", "weekly", 0, "https://paperboy.test"); err != nil {
		t.Fatal(err)
	}
	m := parse(t, e.smtp.Wait(t, 1, 5*time.Second)[0].Data)
	confirm := regexp.MustCompile(`https://paperboy.test/subscribe/confirm\?token=(\S+)`).FindStringSubmatch(m.text)
	if confirm == nil {
		t.Fatalf("no confirmation link in %q", m.text)
	}
	token := confirm[1]
	// A confirmation link cannot unsubscribe or manage, and a tampered
	// one is refused.
	if _, err := e.svc.Unsubscribe(ctx, token); !errors.Is(err, digest.ErrBadLink) {
		t.Errorf("unsubscribe with a confirmation link: %v", err)
	}
	if _, _, err := e.svc.Confirm(ctx, token[:len(token)-2]+"xx"); !errors.Is(err, digest.ErrBadLink) {
		t.Errorf("tampered link: %v", err)
	}
	sub, manage, err := e.svc.Confirm(ctx, token)
	if err != nil || sub.Status != store.SubActive || sub.Cadence != "weekly" {
		t.Fatalf("confirm: %+v %v", sub, err)
	}
	sub, err = e.svc.UpdatePreferences(ctx, manage, "daily", store.DigestFilters{Categories: []string{" cs.CL ", "cs.CL", ""}})
	if err != nil || sub.Cadence != "daily" || len(sub.Filters.Categories) != 1 {
		t.Errorf("update: %+v %v", sub, err)
	}
	// Links expire: a confirmation after 7 days.
	e.clock.Add(8 * 24 * time.Hour)
	if _, _, err := e.svc.Confirm(ctx, token); !errors.Is(err, digest.ErrBadLink) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired link: %v", err)
	}
	if sub, err := e.svc.Unsubscribe(ctx, manage); err != nil || sub.Status != store.SubUnsubscribed {
		t.Errorf("unsubscribe with the manage link: %+v %v", sub, err)
	}
}

// BenchmarkSendThroughput sends 2,000 composed digests from a SQLite
// outbox through the in-test SMTP server over one reused connection
// (claim, SMTP transaction, mark sent for each), with no rate limit:
//
//	go test ./internal/digest -run '^$' -bench SendThroughput -benchtime 1x
func BenchmarkSendThroughput(b *testing.B) {
	const n = 2000
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, store.SQLite, mailtest.Options{})
		ctx := context.Background()
		for i := range n {
			sub, _, _ := e.st.Subscribe(ctx, fmt.Sprintf("r%d@example.org", i), "daily", 0)
			e.st.ConfirmSubscription(ctx, sub.ID)
		}
		if st, err := e.svc.Compose(ctx, day, false, nil); err != nil || st.Composed != n {
			b.Fatal(st, err)
		}
		b.StartTimer()
		t0 := time.Now()
		st, err := e.svc.SendDue(ctx)
		if err != nil || st.Sent != n {
			b.Fatal(st, err)
		}
		b.ReportMetric(n/time.Since(t0).Seconds(), "msgs/s")
	}
}

// TestSendingChild is the sender process that TestSenderKilledAtRandom
// kills: it sends what is due and exits.
func TestSendingChild(t *testing.T) {
	dbURL := os.Getenv("PAPERBOY_TEST_CHILD_DB")
	if dbURL == "" {
		t.Skip("started by TestSenderKilledAtRandom")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sender, err := mail.NewSMTP(os.Getenv("PAPERBOY_TEST_CHILD_SMTP"), mail.SMTPOptions{From: "digest@paperboy.test", Rate: 10000})
	if err != nil {
		t.Fatal(err)
	}
	svc := &digest.Service{Store: st, Mail: sender, From: "digest@paperboy.test", Lease: time.Second}
	if _, err := svc.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSenderKilledAtRandom runs the sender as a separate process and kills
// it (SIGKILL) at random moments: before, during and after SMTP
// transactions and database writes. After restarts no digest is lost, and
// each kill duplicates at most the one message in flight, with its
// Message-ID.
func TestSenderKilledAtRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	dbURL := storetest.MigratedURL(t, store.SQLite)
	c := &clock{t: start}
	st, err := store.Open(context.Background(), dbURL, store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	seedPapers(t, st)
	e := &env{st: st, clock: c, smtp: mailtest.Start(t, mailtest.Options{DataDelay: 3 * time.Millisecond})}
	e.svc = e.service(t, "composer")
	const subscribers = 60
	for i := range subscribers {
		e.subscribe(t, fmt.Sprintf("r%d@example.org", i), "daily", store.DigestFilters{})
	}
	ctx := context.Background()
	if _, err := e.svc.Compose(ctx, day, false, nil); err != nil {
		t.Fatal(err)
	}
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSendingChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PAPERBOY_TEST_CHILD_DB="+dbURL, "PAPERBOY_TEST_CHILD_SMTP="+e.smtp.URL())
		return cmd
	}
	queued := func() int {
		st, err := e.st.DigestStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Outbox[store.DigestQueued]
	}
	kills := 0
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for i := 0; i < 12 && queued() > 0; i++ {
		cmd := child()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done: // finished before the kill
		case <-time.After(time.Duration(30+r.IntN(120)) * time.Millisecond):
			cmd.Process.Kill()
			<-done
			kills++
		}
	}
	// Restart until everything is sent (a killed sender's lease expires
	// within a second).
	for deadline := time.Now().Add(20 * time.Second); queued() > 0 && time.Now().Before(deadline); {
		if out, err := child().CombinedOutput(); err != nil {
			t.Fatalf("sender: %v\n%s", err, out)
		}
		if queued() > 0 {
			time.Sleep(300 * time.Millisecond)
		}
	}
	t.Logf("%d kills, %d messages for %d digests", kills, len(e.smtp.Messages()), subscribers)
	checkDelivery(t, e, subscribers, kills)
}

type fakeRecommender struct{ papers []store.Paper }

func (f fakeRecommender) Recommend(ctx context.Context, userID int64, since, until time.Time, k int) ([]store.Paper, error) {
	return f.papers, nil
}

func TestSignedInSubscribersGetRecommendations(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{})
	ctx := context.Background()
	u, err := e.st.CreateUser(ctx, store.User{Username: "ada", Email: "ada@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	// Through the form while signed in: recommendations are on.
	sub, _, err := e.st.Subscribe(ctx, "ada@example.org", "daily", u.ID)
	if err != nil || !sub.Filters.Recommended || sub.UserID != u.ID {
		t.Fatalf("subscribe signed in: %+v %v", sub, err)
	}
	e.st.ConfirmSubscription(ctx, sub.ID)
	// The digest holds trending papers; one recommendation is already
	// among them and is not repeated.
	pp, err := e.st.PapersByID(ctx, []string{"2505.24864", "2505.99999"})
	if err != nil || len(pp) != 2 {
		t.Fatal(pp, err)
	}
	e.svc.Recommender = fakeRecommender{pp}
	if st, err := e.svc.Run(ctx, day); err != nil || st.Sent != 1 {
		t.Fatalf("run: %+v %v", st, err)
	}
	m := parse(t, e.smtp.Wait(t, 1, 5*time.Second)[0].Data)
	rec := strings.Index(m.text, "Recommended from the papers you upvoted")
	if rec < 0 || !strings.Contains(m.text[rec:], "Yesterday's Paper") || strings.Contains(m.text[rec:], "ProRL") {
		t.Errorf("recommendations:\n%s", m.text)
	}
	if !strings.HasPrefix(m.subject, "paperboy — 5 papers for Tue 2 Jun:") {
		t.Errorf("subject %q", m.subject)
	}
}

// BenchmarkComposeIntoOutbox composes and stores 10,000 digests in a
// SQLite outbox (the real Compose: pages of due subscriptions, composing,
// multi-row inserts), to show the database's share of a run:
//
//	go test ./internal/digest -run '^$' -bench ComposeIntoOutbox -benchtime 1x
func BenchmarkComposeIntoOutbox(b *testing.B) {
	const n = 10_000
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, store.SQLite, mailtest.Options{})
		ctx := context.Background()
		for i := range n {
			sub, _, _ := e.st.Subscribe(ctx, fmt.Sprintf("r%d@example.org", i), "daily", 0)
			e.st.ConfirmSubscription(ctx, sub.ID)
		}
		b.StartTimer()
		if st, err := e.svc.Compose(ctx, day, false, nil); err != nil || st.Composed != n {
			b.Fatal(st, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000*10, "s/100k")
}

// A subscriber with an account and a library gets the library model's
// recommendations (internal/foryou), under their own heading, in place of
// the upvote neighbours.
func TestLibraryReadersGetTheirLibraryModelsRecommendations(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{})
	ctx := context.Background()
	// Papers of the day that are not on the daily list: only a
	// recommendation can bring them into the digest.
	extra := []store.Paper{
		{ID: "2606.10001", Version: 1, Title: "Prolonged reinforcement learning for reasoning in large language models, again",
			Abstract: "Reinforcement learning with verifiable rewards expands the reasoning boundaries of large language models.",
			Authors:  []string{"Someone Else"}, Categories: []string{"cs.CL"}, ListedOn: day},
		{ID: "2606.10002", Version: 1, Title: "Protein folding with contact maps",
			Abstract: "We predict protein structure from amino acid residue contacts.", Authors: []string{"Bio Person"},
			Categories: []string{"q-bio.BM"}, ListedOn: day},
	}
	if _, err := e.st.UpsertPapers(ctx, extra); err != nil {
		t.Fatal(err)
	}
	u, err := e.st.CreateUser(ctx, store.User{Username: "ada", Email: "ada@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SavePaper(ctx, u.ID, "2505.24864"); err != nil { // ProRL
		t.Fatal(err)
	}
	// Following cs.CV filters the digest's own papers to that category,
	// so the rest of the day is left to the recommendations.
	if _, err := e.st.Follow(ctx, u.ID, store.FollowCategory, "cs.CV", "cs.CV"); err != nil {
		t.Fatal(err)
	}
	sub, _, err := e.st.Subscribe(ctx, "ada@example.org", "daily", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.st.ConfirmSubscription(ctx, sub.ID)
	rec := &foryou.Service{Store: e.st, Now: e.clock.Now}
	e.svc.Recommender = rec.Digest(fakeRecommender{nil})
	if st, err := e.svc.Run(ctx, day); err != nil || st.Sent != 1 {
		t.Fatalf("run: %+v %v", st, err)
	}
	m := parse(t, e.smtp.Wait(t, 1, 5*time.Second)[0].Data)
	at := strings.Index(m.text, foryou.LibraryHeading)
	if at < 0 || strings.Contains(m.text, "Recommended from the papers you upvoted") {
		t.Fatalf("no library section:\n%s", m.text)
	}
	section := m.text[at:]
	like, other := strings.Index(section, "again"), strings.Index(section, "Protein folding")
	if like < 0 || (other >= 0 && other < like) {
		t.Errorf("the paper like ada's library is not the first recommendation:\n%s", section)
	}
}

// headedOnly hides a recommender's batches: digests recommended one by
// one.
type headedOnly struct {
	digest.Recommender
	digest.HeadedRecommender
}

// TestBatchRecommendationsComposeTheSameDigests composes a day's digests
// for readers with libraries (sharing papers, as readers do), follows,
// "fewer like this", no library (the fallback) and no account, once
// through the library model's batches (foryou's digest run) and once one
// subscriber at a time: every digest must be the same.
func TestBatchRecommendationsComposeTheSameDigests(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{})
	ctx := context.Background()
	topics := [][]string{
		{"reinforcement", "reward", "policy", "agent", "exploration", "return"},
		{"protein", "folding", "residue", "contact", "structure", "amino"},
		{"galaxy", "redshift", "halo", "survey", "cosmology", "lensing"},
		{"graph", "node", "message", "passing", "neighbourhood", "edge"},
	}
	r := rand.New(rand.NewPCG(8, 9))
	text := func(topic, n int) string {
		var w []string
		for range n {
			if r.IntN(3) == 0 {
				w = append(w, topics[r.IntN(len(topics))][r.IntN(6)])
			} else {
				w = append(w, topics[topic][r.IntN(6)])
			}
		}
		return strings.Join(w, " ")
	}
	var papers, earlier []store.Paper
	for i := range 60 {
		papers = append(papers, store.Paper{ID: fmt.Sprintf("2606.2%04d", i), Version: 1, Title: text(i%4, 6), Abstract: text(i%4, 40),
			Authors: []string{fmt.Sprintf("Author %d", i%7)}, Categories: []string{[]string{"cs.LG", "q-bio.BM", "astro-ph.CO", "cs.SI"}[i%4]}, ListedOn: day})
		earlier = append(earlier, store.Paper{ID: fmt.Sprintf("2605.2%04d", i), Version: 1, Title: text(i%4, 6), Abstract: text(i%4, 40),
			Authors: []string{"Earlier Author"}, Categories: []string{"cs.LG"}, ListedOn: day.AddDate(0, 0, -9)})
	}
	if _, err := e.st.UpsertPapers(ctx, append(papers, earlier...)); err != nil {
		t.Fatal(err)
	}
	for i := range papers[:20] {
		papers[i].Community = store.Community{Upvotes: i % 3, DailyOn: day}
	}
	if _, err := e.st.UpsertCommunity(ctx, papers[:20]); err != nil {
		t.Fatal(err)
	}
	for i := range 24 {
		u, err := e.st.CreateUser(ctx, store.User{Username: fmt.Sprintf("reader%d", i), Email: fmt.Sprintf("reader%d@example.org", i)})
		if err != nil {
			t.Fatal(err)
		}
		if i < 20 {
			var lib []string
			for range 1 + i%5 {
				lib = append(lib, earlier[r.IntN(15)].ID) // few papers, so readers share them
			}
			if _, err := e.st.SavePapers(ctx, u.ID, lib, 100); err != nil {
				t.Fatal(err)
			}
		}
		switch i % 6 {
		case 1:
			if _, err := e.st.Follow(ctx, u.ID, store.FollowAuthor, "author 3", "Author 3"); err != nil {
				t.Fatal(err)
			}
		case 2:
			if _, err := e.st.Follow(ctx, u.ID, store.FollowCategory, "astro-ph", "astro-ph"); err != nil {
				t.Fatal(err)
			}
		case 3:
			if err := e.st.SetRecFeedback(ctx, u.ID, papers[i].ID, store.SignalFewerLikeThis); err != nil {
				t.Fatal(err)
			}
		}
		sub, _, err := e.st.Subscribe(ctx, u.Email, "daily", u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.ConfirmSubscription(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.subscribe(t, "anonymous@example.org", "daily", store.DigestFilters{})
	compose := func(rec digest.Recommender) map[string]mail.Message {
		e.svc.Recommender = rec
		out := map[string]mail.Message{}
		if _, err := e.svc.Compose(ctx, day, true, func(sub store.Subscription, m mail.Message) { out[sub.Email] = m }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	fallback := fakeRecommender{papers[50:52]}
	batched := compose((&foryou.Service{Store: e.st, Now: e.clock.Now}).Digest(fallback))
	one := (&foryou.Service{Store: e.st, Now: e.clock.Now}).Digest(fallback)
	single := compose(headedOnly{one, one.(digest.HeadedRecommender)})
	if len(batched) != 25 || len(single) != 25 {
		t.Fatalf("%d and %d digests, want 25", len(batched), len(single))
	}
	library, upvoted := 0, 0
	for to, want := range single {
		got := batched[to]
		got.MessageID, want.MessageID = "", "" // random
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s's digest differs in a batch (-single +batch):\n%s", to, diff)
		}
		if strings.Contains(got.Text, foryou.LibraryHeading) {
			library++
		}
		if strings.Contains(got.Text, "Recommended from the papers you upvoted") {
			upvoted++
		}
	}
	// Reader 21 has feedback and nothing to rank by, 22 and 23 nothing:
	// the fallback's. A category follow filters a digest's own papers,
	// which may then hold all of the reader's recommendations.
	if library < 15 || upvoted != 3 {
		t.Errorf("%d digests with library recommendations, %d with the fallback's; want 15 or more and 3", library, upvoted)
	}
}
