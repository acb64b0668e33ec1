package mail_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/mail/mailtest"
)

func testMessage(to string) mail.Message {
	return mail.Message{
		To: to, Subject: "paperboy — 2 papers for Tue 2 Jun: Ünïcode",
		Text: "plain part\n", HTML: "<p>html part</p>",
		MessageID: "digest-1@paperboy.test",
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://paperboy.test/unsubscribe?token=abc>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}
}

func newSMTP(t *testing.T, srv *mailtest.Server, url string) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(url, mail.SMTPOptions{From: "paperboy <digest@paperboy.test>", Rate: 1000, TLSConfig: srv.Client, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSMTPDeliversMultipartWithHeaders checks every transport: plain,
// STARTTLS with authentication, and implicit TLS with authentication.
func TestSMTPDeliversMultipartWithHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts mailtest.Options
	}{
		{"plain", mailtest.Options{}},
		{"starttls-auth", mailtest.Options{TLS: true, User: "u", Password: "p@ss"}},
		{"tls-auth", mailtest.Options{TLS: true, Implicit: true, User: "u", Password: "p@ss"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := mailtest.Start(t, tc.opts)
			s := newSMTP(t, srv, srv.URL())
			if err := s.Send(context.Background(), testMessage("reader@example.org")); err != nil {
				t.Fatal(err)
			}
			got := srv.Wait(t, 1, 5*time.Second)[0]
			if got.To[0] != "reader@example.org" || got.From != "digest@paperboy.test" {
				t.Errorf("envelope %s -> %v", got.From, got.To)
			}
			checkMIME(t, got.Data)
		})
	}
}

func checkMIME(t *testing.T, data []byte) {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if id := m.Header.Get("Message-ID"); id != "<digest-1@paperboy.test>" {
		t.Errorf("Message-ID %q", id)
	}
	if v := m.Header.Get("List-Unsubscribe-Post"); v != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", v)
	}
	if v := m.Header.Get("List-Unsubscribe"); v != "<https://paperboy.test/unsubscribe?token=abc>" {
		t.Errorf("List-Unsubscribe %q", v)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || !strings.Contains(subj, "Ünïcode") {
		t.Errorf("Subject %q (%v)", subj, err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	var types []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts %v", types)
	}
}

func TestSMTPReusesOneConnection(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s := newSMTP(t, srv, srv.URL())
	for range 5 {
		if err := s.Send(context.Background(), testMessage("reader@example.org")); err != nil {
			t.Fatal(err)
		}
	}
	srv.Wait(t, 5, 5*time.Second)
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections for 5 messages, want 1", n)
	}
}

func TestSMTPClassifiesFailures(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Reject: func(to string) error {
		switch to {
		case "later@example.org":
			return mailtest.TempFail
		case "gone@example.org":
			return mailtest.PermFail
		}
		return nil
	}})
	s := newSMTP(t, srv, srv.URL())
	ctx := context.Background()
	err := s.Send(ctx, testMessage("later@example.org"))
	var se *mail.SendError
	if !errors.As(err, &se) || !se.Temporary || se.Code != 451 || !mail.IsTemporary(err) {
		t.Errorf("451: %#v", err)
	}
	err = s.Send(ctx, testMessage("gone@example.org"))
	if !errors.As(err, &se) || se.Temporary || se.Code != 550 || mail.IsTemporary(err) {
		t.Errorf("550: %#v", err)
	}
	// The connection survives refusals: the next message goes through.
	if err := s.Send(ctx, testMessage("reader@example.org")); err != nil {
		t.Fatal(err)
	}
	// A server that is not there is a temporary failure.
	down, err := mail.NewSMTP("smtp://127.0.0.1:1", mail.SMTPOptions{From: "a@b.c", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := down.Send(ctx, testMessage("reader@example.org")); !mail.IsTemporary(err) {
		t.Errorf("connection refused: %v, want temporary", err)
	}
}

func TestSMTPRateLimit(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s, err := mail.NewSMTP(srv.URL(), mail.SMTPOptions{From: "a@paperboy.test", Rate: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	for range 5 {
		if err := s.Send(context.Background(), testMessage("reader@example.org")); err != nil {
			t.Fatal(err)
		}
	}
	// 20 a second: the first at once, four more 50 ms apart.
	if d := time.Since(start); d < 190*time.Millisecond {
		t.Errorf("5 messages at 20/s took %v", d)
	}
}

func TestNewSMTPRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"http://host", "smtp://", "smtp://u:p@host?starttls=none", "smtp://host?starttls=maybe", "smtp://host:99999"} {
		if _, err := mail.NewSMTP(u, mail.SMTPOptions{}); err == nil {
			t.Errorf("%s: no error", u)
		} else if strings.Contains(err.Error(), ":p@") {
			t.Errorf("%s: error shows the password: %v", u, err)
		}
	}
}

// The client names the site, not the machine, in EHLO and in the
// Message-IDs it makes up; a message's own ID is kept.
func TestSMTPNamesTheSiteHost(t *testing.T) {
	for _, tc := range []struct {
		host, from, helo, domain string
	}{
		{"papers.example.org", "paperboy <digest@paperboy.test>", "papers.example.org", "@papers.example.org"},
		{"", "paperboy <digest@paperboy.test>", "paperboy.test", "@paperboy.test"}, // no host: the From domain
		{"127.0.0.1", "a@paperboy.test", "[127.0.0.1]", "@127.0.0.1"},
		{"::1", "a@paperboy.test", "[IPv6:::1]", "@[::1]"},
	} {
		srv := mailtest.Start(t, mailtest.Options{})
		s, err := mail.NewSMTP(srv.URL(), mail.SMTPOptions{From: tc.from, Host: tc.host, Rate: 1000, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ctx := context.Background()
		msg := testMessage("reader@example.org")
		if err := s.Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
		msg.MessageID = ""
		if err := s.Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
		got := srv.Wait(t, 2, 5*time.Second)
		for _, m := range got {
			if m.Helo != tc.helo {
				t.Errorf("host %q: EHLO %q, want %q", tc.host, m.Helo, tc.helo)
			}
		}
		if id := got[0].MessageID(); id != "digest-1@paperboy.test" {
			t.Errorf("host %q: the message's own ID became %q", tc.host, id)
		}
		if id := got[1].MessageID(); !strings.HasSuffix(id, tc.domain) || len(id) < len(tc.domain)+32 {
			t.Errorf("host %q: made-up Message-ID %q, want 32 hex digits and %s", tc.host, id, tc.domain)
		}
	}
}
