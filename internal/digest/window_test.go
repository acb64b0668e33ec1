package digest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/mail/mailtest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestTodaysDigestPreviewShowsTheNewestActivityWhenTodayHasNone(t *testing.T) {
	e := newEnv(t, store.SQLite, mailtest.Options{})
	ctx := context.Background()
	later := day.AddDate(0, 0, 20) // three weeks after the newest papers
	msg, err := e.svc.Preview(ctx, "reader@example.org", later)
	if err != nil {
		t.Fatalf("preview of a day without papers on a site that has some: %v", err)
	}
	window := day.Format("Mon 2 Jan 2006")
	for _, want := range []string{"ProRL", "in " + window + ", the newest days with community activity", "nothing of " + later.Format("Mon 2 Jan") + " has any yet"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("preview lacks %q:\n%s", want, msg.Text)
		}
	}
	if strings.Contains(msg.Text, "Yesterday's Paper") {
		t.Error("the widened daily digest holds a paper from before its one-day window")
	}
	// The day's own digest names no other window.
	own, err := e.svc.Preview(ctx, "reader@example.org", day)
	if err != nil || strings.Contains(own.Text, "newest days with community activity") {
		t.Errorf("a day with activity: %v\n%s", err, own.Text)
	}
	// Scheduled runs do not mail older papers again on a day without any.
	e.subscribe(t, "a@example.org", "daily", store.DigestFilters{})
	if st, err := e.svc.Run(ctx, later); err != nil || st.Sent != 0 {
		t.Errorf("a run on a day without papers: %+v %v", st, err)
	}
}
