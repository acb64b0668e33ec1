package cli

import (
	"path/filepath"

	"github.com/paperboy-dev/paperboy/internal/mail"
)

// mailFlags configure outgoing email; serve and digest share them.
type mailFlags struct {
	SMTPURL  string `name:"smtp-url" env:"PAPERBOY_SMTP_URL" placeholder:"URL" help:"SMTP server for outgoing mail: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS). Default: write messages to <data-dir>/mail and log them."`
	MailFrom string `name:"mail-from" env:"PAPERBOY_MAIL_FROM" default:"paperboy <paperboy@localhost>" placeholder:"ADDRESS" help:"From address of outgoing mail."`
}

// openMail returns the configured mail sender: SMTP, or the development
// sink in the data directory.
func (e *env) openMail(f mailFlags) (mail.Sender, error) {
	if f.SMTPURL == "" {
		return &mail.DevSink{Dir: filepath.Join(e.DataDir, "mail"), Log: e.log}, nil
	}
	return nil, errSMTPNotYet
}

var errSMTPNotYet = errorString("--smtp-url: SMTP sending is not built yet")

type errorString string

func (e errorString) Error() string { return string(e) }
