package digest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/digest"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/mail/mailtest"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// TestDyingSenderChild is the sender process that
// TestRerunTakesOverTheLeaseOfASenderThatDied runs: it dies (exit 3) right
// after the server accepted its first message, before marking it sent,
// leaving that digest leased for an hour.
func TestDyingSenderChild(t *testing.T) {
	dbURL := os.Getenv("PAPERBOY_TEST_DYING_DB")
	if dbURL == "" {
		t.Skip("started by TestRerunTakesOverTheLeaseOfASenderThatDied")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sender, err := mail.NewSMTP(os.Getenv("PAPERBOY_TEST_DYING_SMTP"), mail.SMTPOptions{From: "digest@paperboy.test", Rate: 10000})
	if err != nil {
		t.Fatal(err)
	}
	dying := crashingStore{st, func(point string) error {
		if point == "accepted" {
			os.Exit(3)
		}
		return nil
	}}
	svc := &digest.Service{Store: dying, Mail: sender, From: "digest@paperboy.test", Lease: time.Hour}
	svc.SendDue(ctx)
	t.Fatal("the sender did not die")
}

// TestRerunTakesOverTheLeaseOfASenderThatDied interrupts a sender process
// in the middle of a digest; a rerun on the same machine, long before that
// lease would expire, sees that its holder is gone and sends every digest,
// the interrupted one again with its Message-ID.
func TestRerunTakesOverTheLeaseOfASenderThatDied(t *testing.T) {
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			dbURL := storetest.MigratedURL(t, dialect)
			c := &clock{t: start}
			ctx := context.Background()
			st, err := store.Open(ctx, dbURL, store.Options{Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Setting(ctx, "digest_link_key", testKey); err != nil {
				t.Fatal(err)
			}
			seedPapers(t, st)
			e := &env{st: st, clock: c, smtp: mailtest.Start(t, mailtest.Options{})}
			e.svc = e.service(t, "composer")
			const subscribers = 3
			for i := range subscribers {
				e.subscribe(t, fmt.Sprintf("r%d@example.org", i), "daily", store.DigestFilters{})
			}
			if _, err := e.svc.Compose(ctx, day, false, nil); err != nil {
				t.Fatal(err)
			}
			// The child runs on the real clock, later than the digests'
			// composing time, as does the rerun.
			cmd := exec.Command(os.Args[0], "-test.run=^TestDyingSenderChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "PAPERBOY_TEST_DYING_DB="+dbURL, "PAPERBOY_TEST_DYING_SMTP="+e.smtp.URL())
			out, err := cmd.CombinedOutput()
			if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("child: %v, want exit status 3\n%s", err, out)
			}
			var logs bytes.Buffer
			rerun := e.service(t, "")
			rerun.Now, rerun.Lease, rerun.Log = nil, time.Hour, slog.New(slog.NewTextHandler(&logs, nil))
			sent, err := rerun.SendDue(ctx)
			if err != nil || sent.Sent != subscribers {
				t.Errorf("rerun sent %+v, %v; want all %d (one leased by the dead sender until an hour from now)", sent, err, subscribers)
			}
			if !strings.Contains(logs.String(), "took over a digest leased by a sender that is gone") {
				t.Errorf("no log line of the take-over:\n%s", logs.String())
			}
			time.Sleep(20 * time.Millisecond)
			checkDelivery(t, e, subscribers, 1)
		})
	}
}

// TestLiveSendersLeasesAreWaitedForNotTakenOver: a lease held by a sender
// that is alive (another one in this process) or that runs on another
// machine (a replica) is never taken over early; a one-off run waits for
// it to expire, saying so, and then sends the digest.
func TestLiveSendersLeasesAreWaitedForNotTakenOver(t *testing.T) {
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			e := newEnv(t, dialect, mailtest.Options{})
			const subscribers = 4
			for i := range subscribers {
				e.subscribe(t, fmt.Sprintf("r%d@example.org", i), "daily", store.DigestFilters{})
			}
			ctx := context.Background()
			if _, err := e.svc.Compose(ctx, day, false, nil); err != nil {
				t.Fatal(err)
			}
			// A live sender of this machine stops holding one digest...
			live := e.service(t, "")
			live.Store = crashingStore{live.Store, func(string) error { return errCrash }}
			if _, err := live.SendDue(ctx); !errors.Is(err, errCrash) {
				t.Fatalf("live sender: %v", err)
			}
			// ...and a sender on another machine holds another.
			const remote = "replica-2+4026531836/1/0badcafe"
			if _, ok, err := e.st.ClaimDigest(ctx, remote, e.clock.Now(), time.Minute); err != nil || !ok {
				t.Fatalf("remote claim: %v %v", ok, err)
			}

			second := e.service(t, "")
			if st, err := second.SendDue(ctx); err != nil || st.Sent != subscribers-2 {
				t.Fatalf("second sender: %+v %v, want %d sent and the two leased digests left alone", st, err, subscribers-2)
			}
			ds, _ := e.st.Digests(ctx, day)
			holders := map[string]bool{}
			for _, d := range ds {
				if d.Status == store.DigestQueued {
					holders[d.ClaimedBy] = true
				}
			}
			if len(holders) != 2 || !holders[live.Owner] || !holders[remote] {
				t.Fatalf("queued digests held by %v, want %s and %s", holders, live.Owner, remote)
			}

			var logs bytes.Buffer
			second.Log = slog.New(slog.NewTextHandler(&logs, nil))
			second.WaitForLeases = true
			slept := time.Duration(0)
			second.Sleep = func(ctx context.Context, d time.Duration) error {
				slept += d
				e.clock.Add(d)
				return nil
			}
			st, err := second.SendDue(ctx)
			if err != nil || st.Sent != 2 {
				t.Fatalf("waiting sender: %+v %v, want the 2 leased digests sent", st, err)
			}
			if slept < time.Minute || slept > time.Minute+10*time.Second {
				t.Errorf("waited %s, want about the minute of the leases", slept)
			}
			if n := strings.Count(logs.String(), "waiting for a digest leased by another sender"); n != 1 {
				t.Errorf("%d waiting lines, want 1 (both leases end at once):\n%s", n, logs.String())
			}
			time.Sleep(20 * time.Millisecond)
			checkDelivery(t, e, subscribers, 0)
		})
	}
}
