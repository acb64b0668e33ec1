package digest_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/mail/mailtest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// TestLongTitlesGiveASubjectOfSaneLength sends the digest of a day whose
// top paper has a very long title (long words, no colon, no ASCII): the
// subject is cut to at most 120 characters, on a character boundary, with
// an ellipsis.
func TestLongTitlesGiveASubjectOfSaneLength(t *testing.T) {
	for _, title := range []string{
		strings.Repeat("Überparametrisierungsstabilitätsanalyse", 40),
		strings.Repeat("Hyperparameterisationisms ", 5) + "of Everything",
		strings.Repeat("長い題名の論文", 100),
	} {
		e := newEnv(t, store.SQLite, mailtest.Options{})
		e.subscribe(t, "a@example.org", "daily", store.DigestFilters{})
		p := store.Paper{ID: "2506.09999", Version: 1, Title: title, Abstract: "A long title.", Authors: []string{"A. Author"},
			Categories: []string{"cs.CL"}, FirstVersionAt: day.Add(-30 * time.Hour), ListedOn: day,
			Versions: []store.Version{{Version: 1, Created: day.Add(-30 * time.Hour)}}, LatestVersionAt: day.Add(-30 * time.Hour)}
		ctx := context.Background()
		if _, err := e.st.UpsertPapers(ctx, []store.Paper{p}); err != nil {
			t.Fatal(err)
		}
		p.Community = store.Community{Upvotes: 1000, DailyOn: day, DailySubmittedAt: day.Add(2 * time.Hour), GitHubStars: -1}
		if _, err := e.st.UpsertCommunity(ctx, []store.Paper{p}); err != nil {
			t.Fatal(err)
		}
		if st, err := e.svc.Run(ctx, day); err != nil || st.Sent != 1 {
			t.Fatalf("run: %+v %v", st, err)
		}
		m := parse(t, e.smtp.Wait(t, 1, 5*time.Second)[0].Data)
		if n := utf8.RuneCountInString(m.subject); n > 120 || !utf8.ValidString(m.subject) ||
			!strings.HasPrefix(m.subject, "paperboy — 5 papers for Tue 2 Jun: ") || !strings.HasSuffix(m.subject, "…") {
			t.Errorf("subject of %d characters: %q", n, m.subject)
		}
	}
}
