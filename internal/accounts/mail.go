package accounts

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"text/template"
	"time"

	"github.com/paperboy-dev/paperboy/internal/auth"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/store"
)

//go:embed mail/*.txt
var mailFiles embed.FS

// mails are the account emails, one template each: the file's body is the
// message's text and its "subject" template the subject.
var mails = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"verify", "exists", "signin", "reset"} {
		m[name] = template.Must(template.ParseFS(mailFiles, "mail/"+name+".txt"))
	}
	return m
}()

// mailData is what the account emails show.
type mailData struct {
	Username string
	Link     string
	BaseURL  string
}

// compose renders the named email to the address.
func compose(name, to string, data mailData) (mail.Message, error) {
	t := mails[name]
	var subject, text strings.Builder
	if err := t.ExecuteTemplate(&subject, "subject", data); err != nil {
		return mail.Message{}, fmt.Errorf("accounts: compose %s mail: %w", name, err)
	}
	if err := t.Execute(&text, data); err != nil {
		return mail.Message{}, fmt.Errorf("accounts: compose %s mail: %w", name, err)
	}
	return mail.Message{To: to, Subject: subject.String(), Text: text.String()}, nil
}

// Links are the kinds of emailed one-time link: each has its token kind,
// lifetime, path and mail.
var (
	verifyLink = link{kind: store.EmailVerify, life: 48 * time.Hour, path: "/verify?token=", mail: "verify"}
	signInLink = link{kind: store.EmailLogin, life: 15 * time.Minute, path: "/login/link/", mail: "signin"}
	resetLink  = link{kind: store.EmailReset, life: time.Hour, path: "/reset/", mail: "reset"}
)

type link struct {
	kind store.EmailTokenKind
	life time.Duration
	path string // of the link, before the token
	mail string
}

// mailLink stores a new one-time token of the link's kind for the user and
// mails them the link that carries it, unless the recipient's rate limit
// says no (MayMail).
func (s *Service) mailLink(ctx context.Context, u store.User, l link) error {
	if !s.mayMail(ctx, string(l.kind), u.Email) {
		return nil
	}
	secret, hash := auth.NewToken()
	if err := s.Store.CreateEmailToken(ctx, u.ID, l.kind, hash, s.now().Add(l.life)); err != nil {
		return fmt.Errorf("accounts: store %s token of user %d: %w", l.kind, u.ID, err)
	}
	if strings.Contains(l.path, "?") {
		secret = url.QueryEscape(secret)
	}
	msg, err := compose(l.mail, u.Email, mailData{Username: u.Username, Link: s.baseURL() + l.path + secret})
	if err != nil {
		return err
	}
	return s.send(ctx, msg)
}

func (s *Service) send(ctx context.Context, msg mail.Message) error {
	if s.Mail == nil {
		return errors.New("accounts: no mail sender configured")
	}
	if err := s.Mail.Send(ctx, msg); err != nil {
		return fmt.Errorf("accounts: send %q to a user: %w", msg.Subject, err)
	}
	return nil
}
