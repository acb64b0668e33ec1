package cli

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/mail/mailtest"
)

// Every mail serve sends (account confirmation, subscription confirmation)
// names the site of --base-url, not the machine, in EHLO and Message-ID.
func TestServeMailNamesTheSiteHost(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	base := serve(t, "serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0",
		"--base-url", "https://papers.example.org", "--smtp-url", smtp.URL())
	for path, form := range map[string]url.Values{
		"/signup":    {"username": {"ada"}, "email": {"ada@example.org"}, "password": {"correct horse battery staple"}},
		"/subscribe": {"email": {"reader@example.org"}},
	} {
		resp, err := http.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
	}
	for _, m := range smtp.Wait(t, 2, 10*time.Second) {
		if m.Helo != "papers.example.org" {
			t.Errorf("mail to %v: EHLO %q, want papers.example.org", m.To, m.Helo)
		}
		if id := m.MessageID(); !strings.HasSuffix(id, "@papers.example.org") {
			t.Errorf("mail to %v: Message-ID %q, want one @papers.example.org", m.To, id)
		}
	}
}
