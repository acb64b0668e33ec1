package cli

import (
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/paperboy-dev/paperboy/internal/mail"
)

// mailFlags configure outgoing email; serve and digest share them.
type mailFlags struct {
	SMTPURL  string  `name:"smtp-url" env:"PAPERBOY_SMTP_URL" placeholder:"URL" help:"SMTP server for outgoing mail: smtp://user:pass@host:587 (STARTTLS, required when the URL has credentials, else used when offered; ?starttls=mandatory|opportunistic|none overrides) or smtps://user:pass@host:465 (TLS). Default: write messages to <data-dir>/mail and log them."`
	MailFrom string  `name:"mail-from" env:"PAPERBOY_MAIL_FROM" default:"paperboy <paperboy@localhost>" placeholder:"ADDRESS" help:"From address of outgoing mail."`
	MailRate float64 `name:"mail-rate" env:"PAPERBOY_MAIL_RATE" default:"10" placeholder:"N" help:"Most messages sent per second through --smtp-url."`
}

// openMail returns the configured mail sender: SMTP, or the development
// sink in the data directory. siteHost is the base URL's host, which the
// SMTP client gives in EHLO and in the Message-IDs it makes up.
func (e *env) openMail(f mailFlags, siteHost string) (mail.Sender, error) {
	if f.SMTPURL == "" {
		return &mail.DevSink{Dir: filepath.Join(e.DataDir, "mail"), Log: e.log}, nil
	}
	if f.MailRate <= 0 {
		return nil, fmt.Errorf("--mail-rate %g: want more than 0", f.MailRate)
	}
	s, err := mail.NewSMTP(f.SMTPURL, mail.SMTPOptions{From: f.MailFrom, Host: siteHost, Rate: f.MailRate, Log: e.log})
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	u, _ := url.Parse(f.SMTPURL)
	e.log.Info("sending mail through SMTP", "server", u.Host, "helo", siteHost, "security", s.Security(), "rate", f.MailRate)
	return s, nil
}

// hostOf is the host name of a base URL, or fallback when it has none.
func hostOf(base, fallback string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return fallback
}
