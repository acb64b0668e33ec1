package cli

import (
	"bytes"
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/mail/mailtest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestDigestSendTwiceSendsOnce(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "paperboy.db")
	common := []string{"--data-dir", dir, "--database-url", db}
	for _, f := range []string{writeFixture(t, "a.jsonl", kaggleFixture), writeFixture(t, "h.jsonl", hfFixture)} {
		if code, out, errOut := run(t, append([]string{"import", f}, common...)...); code != 0 {
			t.Fatalf("import: %d %s %s", code, out, errOut)
		}
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sub, _, err := st.Subscribe(ctx, "reader@example.org", "daily", 0)
	if err == nil {
		_, err = st.ConfirmSubscription(ctx, sub.ID)
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	smtp := mailtest.Start(t, mailtest.Options{})
	send := append([]string{"digest", "send", "--date", "2025-06-02", "--smtp-url", smtp.URL(), "--base-url", "https://paperboy.test"}, common...)

	code, out, errOut := run(t, append(send, "--dry-run")...)
	if code != 0 || !strings.Contains(out, "reader@example.org\tdaily\tpaperboy — 1 paper for Mon 2 Jun: Direct preference optimisation revisited") ||
		!strings.Contains(out, "1 digests would be sent") {
		t.Fatalf("dry run: %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = run(t, send...); code != 0 || !strings.Contains(out, "1 composed, 0 empty, 1 sent") {
		t.Fatalf("send: %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = run(t, send...); code != 0 || !strings.Contains(out, "0 composed, 0 empty, 0 sent") {
		t.Fatalf("second send: %d\n%s%s", code, out, errOut)
	}
	if n := len(smtp.Messages()); n != 1 {
		t.Errorf("%d messages, want 1 (the dry run and the second run send nothing)", n)
	}
	for _, m := range smtp.Messages() {
		if m.Helo != "paperboy.test" || !strings.HasSuffix(m.MessageID(), "@paperboy.test") {
			t.Errorf("digest sent with EHLO %q and Message-ID %q, want the --base-url host", m.Helo, m.MessageID())
		}
	}

	eml := filepath.Join(dir, "preview.eml")
	code, out, errOut = run(t, append([]string{"digest", "preview", "--email", "reader@example.org", "--date", "2025-06-02",
		"--out", eml, "--base-url", "https://paperboy.test"}, common...)...)
	if code != 0 {
		t.Fatalf("preview: %d\n%s%s", code, out, errOut)
	}
	b, _ := os.ReadFile(eml)
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil || !strings.HasPrefix(m.Header.Get("Content-Type"), "multipart/alternative") || m.Header.Get("List-Unsubscribe-Post") == "" {
		t.Errorf("preview file: %v %v", m, err)
	}
	if code, out, _ = run(t, append([]string{"digest", "preview", "--email", "x@example.org", "--date", "2025-06-02"}, common...)...); code != 0 ||
		!strings.Contains(out, "https://arxiv.org/abs/2506.00001") {
		t.Errorf("preview to stdout: %d %s", code, out)
	}
	if code, _, _ = run(t, append([]string{"digest", "send", "--date", "June"}, common...)...); code == 0 {
		t.Error("a bad --date was accepted")
	}
}

// TestDigestSendWaitsForADigestLeasedElsewhere: a digest leased by a sender
// on another machine (it may have died) is not left due when the run ends:
// the run waits for the lease to expire and sends it.
func TestDigestSendWaitsForADigestLeasedElsewhere(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "paperboy.db")
	common := []string{"--data-dir", dir, "--database-url", db}
	if code, out, errOut := run(t, append([]string{"migrate"}, common...)...); code != 0 {
		t.Fatalf("migrate: %d %s %s", code, out, errOut)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sub, _, err := st.Subscribe(ctx, "reader@example.org", "daily", 0)
	if err == nil {
		_, err = st.ConfirmSubscription(ctx, sub.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	date := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	if _, err := st.EnqueueDigests(ctx, []store.OutboxDigest{{SubscriptionID: sub.ID, Date: date, Cadence: "daily",
		MessageID: "digest.1@paperboy.test", To: sub.Email, Subject: "paperboy — 1 paper", Text: "t", HTML: "<p>h</p>", Papers: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.ClaimDigest(ctx, "replica-2/4242/0badcafe", time.Now(), time.Second); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	smtp := mailtest.Start(t, mailtest.Options{})
	code, out, errOut := run(t, append([]string{"digest", "send", "--date", "2025-06-02", "--smtp-url", smtp.URL(),
		"--base-url", "https://paperboy.test"}, common...)...)
	if code != 0 || !strings.Contains(out, "0 composed, 0 empty, 1 sent") {
		t.Fatalf("send: %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "waiting for a digest leased by another sender") || !strings.Contains(errOut, "replica-2/4242/0badcafe") {
		t.Errorf("no log line of the wait:\n%s", errOut)
	}
	if msgs := smtp.Messages(); len(msgs) != 1 || msgs[0].MessageID() != "digest.1@paperboy.test" {
		t.Errorf("%d messages, want the leased digest", len(msgs))
	}
}
