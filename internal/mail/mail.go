// Package mail sends paperboy's email: account messages (verification,
// password reset, sign-in links) and digests.
//
// Senders share one small interface so that a deployment without an SMTP
// server still works: the development sink writes each message to a
// directory and logs it.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// Message is one email.
type Message struct {
	From    string // "paperboy <digest@example.org>"; the sender's default when empty
	To      string
	Subject string
	Text    string // the plain-text part (required)
	HTML    string // the HTML part, "" for a text-only message
	// MessageID is the Message-ID header without angle brackets; the sender
	// makes one up when empty. A re-sent digest keeps its ID so that a
	// duplicate is recognisable.
	MessageID string
	// Headers are extra headers, such as List-Unsubscribe.
	Headers map[string]string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// DevSink is the sender used when no SMTP server is configured: it writes
// each message as a text file into Dir and logs where, so that a developer
// can follow verification and sign-in links.
type DevSink struct {
	Dir string
	Log *slog.Logger
	n   atomic.Int64
}

// Send writes m to a file in s.Dir.
func (s *DevSink) Send(ctx context.Context, m Message) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("mail: dev sink: %w", err)
	}
	name := fmt.Sprintf("%s-%04d.txt", time.Now().UTC().Format("20060102T150405.000"), s.n.Add(1))
	path := filepath.Join(s.Dir, name)
	var b strings.Builder
	fmt.Fprintf(&b, "To: %s\nSubject: %s\n", m.To, m.Subject)
	if m.MessageID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\n", m.MessageID)
	}
	for k, v := range m.Headers {
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	b.WriteString("\n" + m.Text)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("mail: dev sink: %w", err)
	}
	if s.Log != nil {
		s.Log.Info("mail written to the development sink (no --smtp-url)", "to", m.To, "subject", m.Subject, "file", path)
	}
	return nil
}
