// Package accounts owns paperboy's account workflows: sign-up and email
// verification, sign-in by password or by emailed link, password resets
// and changes, sessions and API tokens, with the rules they follow and the
// mail they send. The web layer parses requests, calls a Service and
// renders what it returns; refusals are problem errors with messages a
// client may read.
package accounts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/auth"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Store is what the account workflows read and write (*store.Store).
type Store interface {
	CreateUser(ctx context.Context, u store.User) (store.User, error)
	UserByID(ctx context.Context, id int64) (store.User, error)
	UserByName(ctx context.Context, name string) (store.User, error)
	UserByEmail(ctx context.Context, email string) (store.User, error)
	MarkEmailVerified(ctx context.Context, userID int64) error
	SetPassword(ctx context.Context, userID int64, passwordHash string) error

	CreateSession(ctx context.Context, userID int64, tokenHash, userAgent string, expires time.Time) error
	SessionUser(ctx context.Context, tokenHash string) (store.User, store.Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) (int64, error)
	CountSessions(ctx context.Context, userID int64) (int, error)

	CreateAPIToken(ctx context.Context, userID int64, name, tokenHash string) (store.APIToken, error)
	APITokenUser(ctx context.Context, tokenHash string) (store.User, store.APIToken, error)
	APITokens(ctx context.Context, userID int64) ([]store.APIToken, error)
	RevokeAPIToken(ctx context.Context, userID, tokenID int64) error

	CreateEmailToken(ctx context.Context, userID int64, kind store.EmailTokenKind, tokenHash string, expires time.Time) error
	EmailTokenUser(ctx context.Context, kind store.EmailTokenKind, tokenHash string) (store.User, error)
	UseEmailToken(ctx context.Context, kind store.EmailTokenKind, tokenHash string) (store.User, error)
}

// passwords hashes for every Service in the process. It is package-wide on
// purpose: its bound (two argon2id hashes of 64 MiB at once) protects the
// process's memory, which all services in it share.
var passwords = auth.NewHasher(auth.DefaultParams, 2)

// SessionLifetime is how long a session lasts without signing in again.
const SessionLifetime = 30 * 24 * time.Hour

// MaxTokenLabel is the longest name of an API token, in bytes.
const MaxTokenLabel = 100

// Service runs the account workflows.
type Service struct {
	Store Store
	Mail  mail.Sender
	// BaseURL is the site's public address, the start of emailed links.
	BaseURL string
	// Passwords hashes and checks passwords; the package's shared hasher
	// when nil.
	Passwords *auth.Hasher
	// MayMail reports whether a mail of the kind may go to the address now
	// and takes it from the recipient's limits; every mail may go when nil.
	MayMail func(ctx context.Context, kind, to string) bool
	Now     func() time.Time
}

// Refusals a client may see.
var (
	// ErrBadToken is an API token that is malformed, unknown or revoked.
	ErrBadToken = problem.New(problem.Unauthorized, "invalid or revoked API token")
	// ErrBadLink is an emailed link that is malformed, expired or used.
	ErrBadLink = problem.New(problem.Invalid, "This link has expired or was already used. You can ask for a new one.")
	// ErrSignIn is the one answer to every failed sign-in, so that it does
	// not tell whether the account exists.
	ErrSignIn = problem.New(problem.Unauthorized, "Wrong username or password.")
	// ErrSuspended is the sign-in of a suspended account with the right
	// password: only someone who knows it learns this.
	ErrSuspended    = problem.New(problem.Forbidden, "This account is suspended.")
	errWrongCurrent = problem.New(problem.Invalid, "Your current password is not right.")
	errUnverified   = problem.New(problem.Forbidden, "Confirm your email address before creating API tokens.")
	errTokenLabel   = problem.New(problem.Invalid, fmt.Sprintf("Give the token a name of 1 to %d characters.", MaxTokenLabel))
	errNoToken      = problem.New(problem.NotFound, "There is no such token.")
	errEmail        = problem.New(problem.Invalid, "Please enter a valid email address.")
	errNameTaken    = problem.New(problem.Invalid, "That username is taken.")
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) hasher() *auth.Hasher { return cmp.Or(s.Passwords, passwords) }

func (s *Service) baseURL() string { return strings.TrimSuffix(s.BaseURL, "/") }

func (s *Service) mayMail(ctx context.Context, kind, to string) bool {
	return s.MayMail == nil || s.MayMail(ctx, kind, to)
}

// ruleProblem turns a broken username or password rule into a refusal
// with the rule's message.
func ruleProblem(err error) error {
	var rule *auth.RuleError
	if errors.As(err, &rule) {
		return problem.Wrap(err, problem.Invalid, rule.Msg)
	}
	return err
}

// SignUp creates an unverified account and mails a verification link. The
// answer is the same whether or not the email address already has an
// account (its owner gets a notice instead), so that sign-up does not tell
// who has an account; usernames are public anyway (profiles). It returns
// the address as checked.
func (s *Service) SignUp(ctx context.Context, name, email, password string) (string, error) {
	if err := auth.CheckUsername(name); err != nil {
		return "", ruleProblem(err)
	}
	email, err := mail.CheckAddress(email)
	if err != nil {
		return "", problem.Wrap(err, problem.Invalid, errEmail.Message)
	}
	if err := auth.CheckPassword(name, password); err != nil {
		return "", ruleProblem(err)
	}
	if _, err := s.Store.UserByName(ctx, name); err == nil {
		return "", errNameTaken
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("accounts: sign up %s: %w", name, err)
	}
	hash, err := s.hasher().Hash(ctx, password)
	if err != nil {
		return "", fmt.Errorf("accounts: sign up %s: %w", name, err)
	}
	u, err := s.Store.CreateUser(ctx, store.User{Username: name, Email: email, PasswordHash: hash})
	switch {
	case errors.Is(err, store.ErrConflict):
		// The username was free a moment ago, so the email is taken (or
		// a racing sign-up took the name: the notice is harmless then).
		return email, s.mailAccountExists(ctx, email)
	case err != nil:
		return "", fmt.Errorf("accounts: sign up %s: %w", name, err)
	}
	return email, s.mailLink(ctx, u, verifyLink)
}

func (s *Service) mailAccountExists(ctx context.Context, email string) error {
	if !s.mayMail(ctx, "exists", email) {
		return nil
	}
	msg, err := compose("exists", email, mailData{BaseURL: s.baseURL()})
	if err != nil {
		return err
	}
	return s.send(ctx, msg)
}

// ResendVerification mails a new verification link to the user, unless
// the address is verified already.
func (s *Service) ResendVerification(ctx context.Context, userID int64) error {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return fmt.Errorf("accounts: resend verification to user %d: %w", userID, err)
	}
	if u.Verified() {
		return nil
	}
	return s.mailLink(ctx, u, verifyLink)
}

// FindUser finds an account by username, or by email when the name has an
// "@" (usernames cannot). An empty name is store.ErrNotFound.
func (s *Service) FindUser(ctx context.Context, nameOrEmail string) (store.User, error) {
	if nameOrEmail == "" {
		return store.User{}, store.ErrNotFound
	}
	if strings.Contains(nameOrEmail, "@") {
		return s.Store.UserByEmail(ctx, nameOrEmail)
	}
	return s.Store.UserByName(ctx, nameOrEmail)
}

// SignIn checks a username (or email) and password and returns the
// account. limit takes one attempt from the account's sign-in limits
// (its key is "user:ID", or "name:NAME" for unknown names, so that they
// answer alike) before the password is checked. An unknown user costs a
// password hash like a known one, and gets the same ErrSignIn.
func (s *Service) SignIn(ctx context.Context, nameOrEmail, password string, limit func(account string) error) (store.User, error) {
	u, err := s.FindUser(ctx, nameOrEmail)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("accounts: sign in: %w", err)
	}
	key := "name:" + strings.ToLower(nameOrEmail)
	if u.ID != 0 {
		key = AccountKey(u.ID)
	}
	if err := limit(key); err != nil {
		return store.User{}, err
	}
	if len(password) > 4*auth.MaxPasswordLen {
		password = password[:4*auth.MaxPasswordLen] // hashing time must not follow the input
	}
	ok, err := s.hasher().Verify(ctx, u.PasswordHash, password) // "" for unknown users: a dummy hash
	if err != nil && !errors.Is(err, auth.ErrMalformedHash) {
		return store.User{}, fmt.Errorf("accounts: sign in: %w", err)
	}
	if !ok {
		return store.User{}, ErrSignIn
	}
	if u.Suspended() {
		return store.User{}, ErrSuspended
	}
	return u, nil
}

// AccountKey names an account in the sign-in rate limits.
func AccountKey(userID int64) string { return fmt.Sprintf("user:%d", userID) }

// MailableUser finds the account a link request names, if it may get
// mail: not suspended. Unknown accounts are not an error: the caller
// answers the same either way.
func (s *Service) MailableUser(ctx context.Context, nameOrEmail string) (store.User, bool, error) {
	u, err := s.FindUser(ctx, strings.TrimSpace(nameOrEmail))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, nil
	}
	if err != nil {
		return store.User{}, false, fmt.Errorf("accounts: find the user of a link request: %w", err)
	}
	return u, !u.Suspended(), nil
}

// MailSignInLink mails the user a link that signs them in once.
func (s *Service) MailSignInLink(ctx context.Context, u store.User) error {
	return s.mailLink(ctx, u, signInLink)
}

// MailResetLink mails the user a link to choose a new password.
func (s *Service) MailResetLink(ctx context.Context, u store.User) error {
	return s.mailLink(ctx, u, resetLink)
}

// LinkUser finds the user of an emailed link's token without using the
// token up: the page the link opens asks for a click first, because mail
// scanners and link previews fetch links.
func (s *Service) LinkUser(ctx context.Context, kind store.EmailTokenKind, token string) (store.User, error) {
	if !auth.WellFormedToken(token) {
		return store.User{}, ErrBadLink
	}
	u, err := s.Store.EmailTokenUser(ctx, kind, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, ErrBadLink
	}
	return u, err
}

func (s *Service) useLink(ctx context.Context, kind store.EmailTokenKind, token string) (store.User, error) {
	if !auth.WellFormedToken(token) {
		return store.User{}, ErrBadLink
	}
	u, err := s.Store.UseEmailToken(ctx, kind, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, ErrBadLink
	}
	return u, err
}

// FollowLink uses up the token of an emailed verification or sign-in link
// and marks the user's address verified: the link reached the mailbox.
// The caller signs the user in.
func (s *Service) FollowLink(ctx context.Context, kind store.EmailTokenKind, token string) (store.User, error) {
	u, err := s.useLink(ctx, kind, token)
	if err != nil {
		return store.User{}, err
	}
	if err := s.Store.MarkEmailVerified(ctx, u.ID); err != nil {
		return store.User{}, fmt.Errorf("accounts: verify user %d: %w", u.ID, err)
	}
	return u, nil
}

// ResetPassword sets a new password through a reset link, ends every
// session of the account (whoever had it is out) and marks the address
// verified; the caller signs the user in. The rules are checked before
// the token is used up, so a typo does not burn it; the user is returned
// with a broken rule too, for the form.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (store.User, error) {
	u, err := s.LinkUser(ctx, store.EmailReset, token)
	if err != nil {
		return store.User{}, err
	}
	if err := auth.CheckPassword(u.Username, password); err != nil {
		return u, ruleProblem(err)
	}
	if u, err = s.FollowLink(ctx, store.EmailReset, token); err != nil {
		return store.User{}, err
	}
	if err := s.setPassword(ctx, u.ID, password); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// ChangePassword sets a new password for a user who proves the current
// one (a stolen session alone cannot lock the owner out); the store ends
// every session, and the caller signs this browser in again. limit takes
// one attempt from the account's sign-in limits first.
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, password string, limit func(account string) error) (store.User, error) {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: change password of user %d: %w", userID, err)
	}
	if err := limit(AccountKey(u.ID)); err != nil {
		return store.User{}, err
	}
	ok, err := s.hasher().Verify(ctx, u.PasswordHash, current)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: change password of user %d: %w", userID, err)
	}
	if !ok {
		return store.User{}, errWrongCurrent
	}
	if err := auth.CheckPassword(u.Username, password); err != nil {
		return store.User{}, ruleProblem(err)
	}
	if err := s.setPassword(ctx, u.ID, password); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// setPassword stores the hash of a user's new password.
func (s *Service) setPassword(ctx context.Context, userID int64, password string) error {
	hash, err := s.hasher().Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("accounts: hash the password of user %d: %w", userID, err)
	}
	return s.Store.SetPassword(ctx, userID, hash)
}
