package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/auth"
	pbmail "github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Accounts is what the account pages read and write.
type Accounts interface {
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

// passwords hashes for every Server in the process. It is package-wide on
// purpose: its bound (two argon2id hashes of 64 MiB at once) protects the
// process's memory, which all servers in it share.
var passwords = auth.NewHasher(auth.DefaultParams, 2)

const (
	sessionCookie   = "paperboy_session"
	sessionLifetime = 30 * 24 * time.Hour
	verifyLifetime  = 48 * time.Hour
	resetLifetime   = time.Hour
	loginLifetime   = 15 * time.Minute
	maxTokenLabel   = 100
)

// Policy for unverified accounts: they may sign in and read, and see a
// reminder in the header; they cannot create API tokens here, and
// Viewer.Verified tells the community pages to refuse their votes,
// comments and submissions until they follow the emailed link.

var (
	errUnauthorized = problem.New(problem.Unauthorized, "invalid or revoked API token")
	errBadLink      = problem.New(problem.Invalid, "This link has expired or was already used. You can ask for a new one.")
	errNoAccounts   = errNotFound("Accounts are not enabled on this site.")
)

func (s *Server) accountRoutes() {
	s.handle("GET /signup", s.signupForm)
	s.handle("POST /signup", s.signup)
	s.handle("GET /verify", s.verifyForm)
	s.handle("POST /verify", s.verify)
	s.handle("POST /verify/resend", s.resendVerification)
	s.handle("GET /login", s.loginForm)
	s.handle("POST /login", s.login)
	s.handle("POST /logout", s.logout)
	s.handle("POST /logout/everywhere", s.logoutEverywhere)
	s.handle("GET /login/link", s.linkForm)
	s.handle("POST /login/link", s.sendLink)
	s.handle("GET /login/link/{token}", s.linkConfirm)
	s.handle("POST /login/link/{token}", s.linkLogin)
	s.handle("GET /reset", s.resetForm)
	s.handle("POST /reset", s.sendReset)
	s.handle("GET /reset/{token}", s.newPasswordForm)
	s.handle("POST /reset/{token}", s.resetPassword)
	s.handle("GET /settings", s.settings)
	s.handle("POST /settings/password", s.changePassword)
	s.handle("POST /settings/tokens", s.createToken)
	s.handle("POST /settings/tokens/{id}/revoke", s.revokeToken)
}

// authenticate attaches the signed-in user to the request's context: an
// "Authorization: Bearer TOKEN" header (scripts; a bad token is 401) or the
// session cookie (browsers; a bad or expired one leaves the request
// anonymous). Suspended users' sessions and tokens do not authenticate.
// Other Authorization schemes are ignored, so that a proxy's Basic
// authentication in front of paperboy keeps working.
func (s *Server) authenticate(r *http.Request) (*http.Request, error) {
	if s.accounts == nil {
		return r, nil
	}
	ctx := r.Context()
	if token, ok := requestBearer(r); ok {
		if !auth.WellFormedToken(token) {
			return r, errUnauthorized
		}
		u, _, err := s.accounts.APITokenUser(ctx, auth.HashToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return r, errUnauthorized
		}
		if err != nil {
			return r, err
		}
		return r.WithContext(withViewer(ctx, viewerOf(u, true))), nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || !auth.WellFormedToken(c.Value) {
		return r, nil
	}
	u, _, err := s.accounts.SessionUser(ctx, auth.HashToken(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	return r.WithContext(withViewer(ctx, viewerOf(u, false))), nil
}

func viewerOf(u store.User, viaToken bool) *Viewer {
	return &Viewer{ID: u.ID, Name: u.Username, Role: u.Role, ViaToken: viaToken, Verified: u.Verified()}
}

// accountPage is the data of every account page.
type accountPage struct {
	Page
	Error    string // what went wrong with the form
	Notice   string // what happened
	Username string // sticky form values
	Email    string
	Next     string
	Token    string // the one-time token of the page's link
	Target   string // the form's action, for the confirmation page
	Action   string // the confirmation button's label

	// Settings.
	Account  store.User
	Sessions int
	Tokens   []store.APIToken
	NewToken string // a just-created API token, shown once
}

// renderStatus renders a page with a status other than 200 (a form with
// an error). Account pages are personal and never cached.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, data *accountPage) error {
	data.Viewer = viewerFrom(r.Context())
	data.NoIndex = true
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

func (s *Server) enabled() error {
	if s.accounts == nil {
		return errNoAccounts
	}
	return nil
}

// secure reports whether cookies must be Secure: the request came over TLS
// or the site's public address is https (TLS ends at a proxy).
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.baseURL, "https://")
}

// startSession signs the user in on this browser: a new random session
// token in an HttpOnly, SameSite=Lax cookie, stored only as its hash. A
// session the browser had (perhaps another account's) ends: the token is
// always new, so a planted cookie cannot become a signed-in one.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u store.User) error {
	if c, err := r.Cookie(sessionCookie); err == nil && auth.WellFormedToken(c.Value) {
		if err := s.accounts.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			return err
		}
	}
	secret, hash := auth.NewToken()
	expires := s.now().Add(sessionLifetime)
	if err := s.accounts.CreateSession(r.Context(), u.ID, hash, r.UserAgent(), expires); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/",
		MaxAge: int(sessionLifetime / time.Second), Expires: expires,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

// clearStaleCookie removes a session cookie that no longer signs in (it
// expired, was revoked or belongs to a suspended user), so the browser
// stops sending it.
func (s *Server) clearStaleCookie(w http.ResponseWriter, r *http.Request) {
	if hasSessionCookie(r) && viewerFrom(r.Context()) == nil {
		s.clearSessionCookie(w, r)
	}
}

// safeNext returns next if it is a path on this site, else "/": a sign-in
// must never redirect to another site (open redirect).
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// sessionViewer returns the viewer of a browser session, or an error page
// for anonymous requests and API tokens: tokens are for the API and may
// not manage the account that owns them.
func sessionViewer(r *http.Request) (*Viewer, error) {
	v := viewerFrom(r.Context())
	if v == nil {
		return nil, problem.New(problem.Unauthorized, "Please sign in first.")
	}
	if v.ViaToken {
		return nil, problem.New(problem.Forbidden, "API tokens cannot manage accounts.")
	}
	return v, nil
}

// --- sign up and verification

// accountForm serves a form that needs nothing but the page's data.
func (s *Server) accountForm(w http.ResponseWriter, r *http.Request, name string, data *accountPage) error {
	if err := s.enabled(); err != nil {
		return err
	}
	return s.renderStatus(w, r, http.StatusOK, name, data)
}

func (s *Server) signupForm(w http.ResponseWriter, r *http.Request) error {
	return s.accountForm(w, r, "account_signup.html", &accountPage{Page: Page{Title: "Sign up"}})
}

// signup creates an unverified account and emails a verification link.
// The answer is the same whether or not the email address already has an
// account (its owner gets a notice instead), so that sign-up does not tell
// who has an account; usernames are public anyway (profiles).
func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	if err := s.limit(r, "signup", ""); err != nil {
		return err
	}
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("username"))
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	data := &accountPage{Page: Page{Title: "Sign up"}, Username: name, Email: email}
	fail := func(msg string) error {
		data.Error = msg
		return s.renderStatus(w, r, http.StatusBadRequest, "account_signup.html", data)
	}
	var rule *auth.RuleError
	if err := auth.CheckUsername(name); errors.As(err, &rule) {
		return fail(rule.Msg)
	}
	if !validEmail(email) {
		return fail("Please enter a valid email address.")
	}
	if err := auth.CheckPassword(name, password); errors.As(err, &rule) {
		return fail(rule.Msg)
	}
	if _, err := s.accounts.UserByName(ctx, name); err == nil {
		return fail("That username is taken.")
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash, err := passwords.Hash(ctx, password)
	if err != nil {
		return err
	}
	u, err := s.accounts.CreateUser(ctx, store.User{Username: name, Email: email, PasswordHash: hash})
	switch {
	case errors.Is(err, store.ErrConflict):
		// The username was free a moment ago, so the email is taken (or
		// a racing sign-up took the name: the notice is harmless then).
		if err := s.mailAccountExists(r, email); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := s.sendVerification(r, u); err != nil {
			return err
		}
	}
	return s.renderStatus(w, r, http.StatusOK, "account_message.html", &accountPage{
		Page:   Page{Title: "Check your email"},
		Notice: "We sent a link to " + email + ". Follow it to confirm your address and sign in.",
	})
}

func validEmail(s string) bool {
	_, err := pbmail.CheckAddress(s)
	return err == nil
}

// emailLink stores a one-time token of the kind for the user and returns
// the absolute link that carries it.
func (s *Server) emailLink(r *http.Request, u store.User, kind store.EmailTokenKind, life time.Duration, path string) (string, error) {
	secret, hash := auth.NewToken()
	if err := s.accounts.CreateEmailToken(r.Context(), u.ID, kind, hash, s.now().Add(life)); err != nil {
		return "", err
	}
	if strings.Contains(path, "?") {
		return s.baseURL + path + url.QueryEscape(secret), nil
	}
	return s.baseURL + path + secret, nil
}

func (s *Server) send(r *http.Request, to, subject, text string) error {
	if s.mail == nil {
		return errors.New("web: no mail sender configured")
	}
	if err := s.mail.Send(r.Context(), pbmail.Message{To: to, Subject: subject, Text: text}); err != nil {
		return fmt.Errorf("web: send %q to a user: %w", subject, err)
	}
	return nil
}

func (s *Server) sendVerification(r *http.Request, u store.User) error {
	if !s.mayMail(r.Context(), string(store.EmailVerify), u.Email) {
		return nil
	}
	link, err := s.emailLink(r, u, store.EmailVerify, verifyLifetime, "/verify?token=")
	if err != nil {
		return err
	}
	return s.send(r, u.Email, "Confirm your paperboy account",
		"Hello "+u.Username+",\n\nconfirm your email address for paperboy by opening this link (valid for 48 hours):\n\n"+
			link+"\n\nIf you did not sign up, ignore this message.\n")
}

func (s *Server) mailAccountExists(r *http.Request, email string) error {
	if !s.mayMail(r.Context(), "exists", email) {
		return nil
	}
	return s.send(r, email, "Your paperboy account",
		"Hello,\n\nsomeone tried to sign up for paperboy with this address, which already has an account.\n"+
			"If it was you, sign in at "+s.baseURL+"/login or reset your password at "+s.baseURL+"/reset .\n"+
			"If not, ignore this message.\n")
}

// verifyForm shows a button that confirms the address. Opening the link
// does not use the token: mail scanners and link previews fetch links, and
// must not sign anybody in or burn the token.
func (s *Server) verifyForm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	return s.linkPage(w, r, store.EmailVerify, token, "account_confirm.html", func(u store.User) *accountPage {
		return &accountPage{
			Page: Page{Title: "Confirm your email"}, Username: u.Username, Token: token,
			Target: "/verify", Action: "Confirm my email address",
		}
	})
}

// linkPage serves the page an emailed link opens, for the user its token
// belongs to, without using the token up.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request, kind store.EmailTokenKind, token, name string, data func(u store.User) *accountPage) error {
	if err := s.enabled(); err != nil {
		return err
	}
	u, err := s.emailTokenUser(r, kind, token)
	if err != nil {
		return err
	}
	return s.renderStatus(w, r, http.StatusOK, name, data(u))
}

// verify uses up the verification token, marks the address verified and
// signs the user in on this browser.
func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	return s.signInByLink(w, r, store.EmailVerify, r.PostFormValue("token"), "/settings?verified=1")
}

// signInByLink uses up the token of an emailed link, which proves the
// address, signs its user in and redirects to next.
func (s *Server) signInByLink(w http.ResponseWriter, r *http.Request, kind store.EmailTokenKind, token, next string) error {
	if err := s.enabled(); err != nil {
		return err
	}
	u, err := s.useEmailToken(r, kind, token)
	if err != nil {
		return err
	}
	if err := s.signInVerified(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, next)
}

// signInVerified marks the user's address verified (they followed a link
// mailed to it) and signs them in on this browser.
func (s *Server) signInVerified(w http.ResponseWriter, r *http.Request, u store.User) error {
	if err := s.accounts.MarkEmailVerified(r.Context(), u.ID); err != nil {
		return err
	}
	return s.startSession(w, r, u)
}

// emailTokenUser finds the user of an emailed link's token without using
// the token up; a malformed, expired or used token is errBadLink.
func (s *Server) emailTokenUser(r *http.Request, kind store.EmailTokenKind, token string) (store.User, error) {
	if !auth.WellFormedToken(token) {
		return store.User{}, errBadLink
	}
	u, err := s.accounts.EmailTokenUser(r.Context(), kind, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, errBadLink
	}
	return u, err
}

func (s *Server) useEmailToken(r *http.Request, kind store.EmailTokenKind, token string) (store.User, error) {
	if !auth.WellFormedToken(token) {
		return store.User{}, errBadLink
	}
	u, err := s.accounts.UseEmailToken(r.Context(), kind, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, errBadLink
	}
	return u, err
}

// resendVerification mails a new verification link to the signed-in user.
func (s *Server) resendVerification(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	v, err := sessionViewer(r)
	if err != nil {
		return err
	}
	if err := s.limit(r, "mail", ""); err != nil {
		return err
	}
	u, err := s.accounts.UserByID(r.Context(), v.ID)
	if err != nil {
		return err
	}
	if !u.Verified() {
		if err := s.sendVerification(r, u); err != nil {
			return err
		}
	}
	return redirect(w, r, "/settings?sent=1")
}

// --- sign in and out

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	s.clearStaleCookie(w, r)
	return s.renderStatus(w, r, http.StatusOK, "account_login.html", &accountPage{
		Page: Page{Title: "Sign in"}, Next: safeNext(r.URL.Query().Get("next")),
	})
}

// errSignIn is the one answer to every failed sign-in, so that it does
// not tell whether the account exists.
const errSignIn = "Wrong username or password."

// login checks a username (or email) and password and starts a session.
// An unknown user costs a password hash like a known one, and gets the
// same message.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	data := &accountPage{Page: Page{Title: "Sign in"}, Username: name, Next: safeNext(r.PostFormValue("next"))}
	u, err := s.findUser(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// One bucket per account, whether it is named by username or email;
	// unknown names get a bucket of their own, so they answer alike.
	key := "name:" + strings.ToLower(name)
	if u.ID != 0 {
		key = "user:" + strconv.FormatInt(u.ID, 10)
	}
	if err := s.limitSignIn(r, key); err != nil {
		return err
	}
	if len(password) > 4*auth.MaxPasswordLen {
		password = password[:4*auth.MaxPasswordLen] // hashing time must not follow the input
	}
	ok, err := passwords.Verify(ctx, u.PasswordHash, password) // "" for unknown users: a dummy hash
	if err != nil && !errors.Is(err, auth.ErrMalformedHash) {
		return err
	}
	if !ok {
		data.Error = errSignIn
		return s.renderStatus(w, r, http.StatusUnauthorized, "account_login.html", data)
	}
	if u.Suspended() {
		// Only someone who knows the password learns this.
		data.Error = "This account is suspended."
		return s.renderStatus(w, r, http.StatusForbidden, "account_login.html", data)
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, data.Next)
}

// findUser finds an account by username, or by email when the name has an
// "@" (usernames cannot).
func (s *Server) findUser(ctx context.Context, nameOrEmail string) (store.User, error) {
	if nameOrEmail == "" {
		return store.User{}, store.ErrNotFound
	}
	if strings.Contains(nameOrEmail, "@") {
		return s.accounts.UserByEmail(ctx, nameOrEmail)
	}
	return s.accounts.UserByName(ctx, nameOrEmail)
}

// logout ends this browser's session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	if c, err := r.Cookie(sessionCookie); err == nil && auth.WellFormedToken(c.Value) {
		if err := s.accounts.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w, r)
	return redirect(w, r, "/")
}

// logoutEverywhere ends every session of the signed-in user, this one too.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	v, err := sessionViewer(r)
	if err != nil {
		return err
	}
	if _, err := s.accounts.DeleteUserSessions(r.Context(), v.ID); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	return redirect(w, r, "/login")
}

// --- emailed sign-in links and password resets

// mailSent is the answer to every request for a reset or sign-in link,
// whether or not the account exists.
func (s *Server) mailSent(w http.ResponseWriter, r *http.Request) error {
	return s.renderStatus(w, r, http.StatusOK, "account_message.html", &accountPage{
		Page:   Page{Title: "Check your email"},
		Notice: "If an account exists for that name or address, we sent an email to it. The link in it works once.",
	})
}

func (s *Server) linkForm(w http.ResponseWriter, r *http.Request) error {
	return s.accountForm(w, r, "account_request.html", &accountPage{
		Page: Page{Title: "Sign in by email"}, Target: "/login/link", Action: "Email me a sign-in link",
		Notice: "We will email you a link that signs you in once, within 15 minutes.",
	})
}

// inBackground runs fn after the response, with the request's values but
// not its cancellation. Reset and sign-in link requests send their mail
// this way so that an existing account (a token written, an SMTP round
// trip) does not answer more slowly than a missing one. A failure is
// logged: the person asking sees the same page either way and can ask
// again.
func (s *Server) inBackground(r *http.Request, what string, fn func(r *http.Request) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
	r = r.WithContext(ctx)
	s.background.Go(func() {
		defer cancel()
		if err := fn(r); err != nil {
			s.log.Error("account mail failed", "what", what, "err", err)
		}
	})
}

// Drain waits until the mail sent after responses (inBackground) has gone
// out, or ctx ends: call it after the HTTP server has shut down and before
// the store closes.
func (s *Server) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.background.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("web: waiting for mail sent after responses: %w", ctx.Err())
	}
}

// mailableUser finds the account a link request names, if it may get
// mail: not suspended. Unknown accounts are not an error: the caller
// answers the same either way.
func (s *Server) mailableUser(r *http.Request) (store.User, bool, error) {
	if err := s.limit(r, "mail", ""); err != nil {
		return store.User{}, false, err
	}
	u, err := s.findUser(r.Context(), strings.TrimSpace(r.PostFormValue("email")))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, nil
	}
	if err != nil {
		return store.User{}, false, err
	}
	return u, !u.Suspended(), nil
}

// linkMail is an emailed one-time link that a form asks for.
type linkMail struct {
	what    string // for the log, should sending fail
	kind    store.EmailTokenKind
	life    time.Duration
	path    string // of the link, before the token
	subject string
	to      string // what the link lets the user do
	within  string // how long it works
	ignore  string // the advice to those who did not ask for it
}

// mailLink answers a request for an emailed link: the mail goes out in
// the background, and the page is the same whether or not it does.
func (s *Server) mailLink(w http.ResponseWriter, r *http.Request, m linkMail) error {
	if err := s.enabled(); err != nil {
		return err
	}
	u, ok, err := s.mailableUser(r)
	if err != nil {
		return err
	}
	if ok {
		s.inBackground(r, m.what, func(r *http.Request) error {
			if !s.mayMail(r.Context(), string(m.kind), u.Email) {
				return nil
			}
			link, err := s.emailLink(r, u, m.kind, m.life, m.path)
			if err != nil {
				return err
			}
			return s.send(r, u.Email, m.subject,
				"Hello "+u.Username+",\n\nopen this link to "+m.to+" (it works once, within "+m.within+"):\n\n"+
					link+"\n\n"+m.ignore+"\n")
		})
	}
	return s.mailSent(w, r)
}

func (s *Server) sendLink(w http.ResponseWriter, r *http.Request) error {
	return s.mailLink(w, r, linkMail{
		what: "send a sign-in link", kind: store.EmailLogin, life: loginLifetime, path: "/login/link/",
		subject: "Sign in to paperboy", to: "sign in to paperboy", within: "15 minutes",
		ignore: "If you did not ask for it, ignore this message.",
	})
}

// linkConfirm shows the button that uses a sign-in link (see verifyForm).
func (s *Server) linkConfirm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	return s.linkPage(w, r, store.EmailLogin, token, "account_confirm.html", func(u store.User) *accountPage {
		return &accountPage{
			Page: Page{Title: "Sign in"}, Username: u.Username, Token: token,
			Target: "/login/link/" + token, Action: "Sign in as " + u.Username,
		}
	})
}

// linkLogin uses up a sign-in link and signs in; following it also proves
// the address, so the account becomes verified.
func (s *Server) linkLogin(w http.ResponseWriter, r *http.Request) error {
	return s.signInByLink(w, r, store.EmailLogin, r.PathValue("token"), "/")
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	return s.accountForm(w, r, "account_request.html", &accountPage{
		Page: Page{Title: "Reset your password"}, Target: "/reset", Action: "Email me a reset link",
		Notice: "We will email you a link to choose a new password, valid for an hour.",
	})
}

func (s *Server) sendReset(w http.ResponseWriter, r *http.Request) error {
	return s.mailLink(w, r, linkMail{
		what: "send a password reset link", kind: store.EmailReset, life: resetLifetime, path: "/reset/",
		subject: "Reset your paperboy password", to: "choose a new password for paperboy", within: "an hour",
		ignore: "If you did not ask for it, ignore this message: your password stays as it is.",
	})
}

func (s *Server) newPasswordForm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	return s.linkPage(w, r, store.EmailReset, token, "account_password.html", func(u store.User) *accountPage {
		return &accountPage{Page: Page{Title: "Choose a new password"}, Username: u.Username, Token: token}
	})
}

// resetPassword sets a new password, ends every session of the account
// (whoever had it is out) and signs in this browser.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	ctx := r.Context()
	token := r.PathValue("token")
	// Check the rules before using the token up, so a typo does not burn it.
	u, err := s.emailTokenUser(r, store.EmailReset, token)
	if err != nil {
		return err
	}
	password := r.PostFormValue("password")
	var rule *auth.RuleError
	if err := auth.CheckPassword(u.Username, password); errors.As(err, &rule) {
		return s.renderStatus(w, r, http.StatusBadRequest, "account_password.html", &accountPage{
			Page: Page{Title: "Choose a new password"}, Username: u.Username, Token: token, Error: rule.Msg,
		})
	}
	if u, err = s.useEmailToken(r, store.EmailReset, token); err != nil {
		return err
	}
	if err := s.setPassword(ctx, u.ID, password); err != nil {
		return err
	}
	// The reset link reached the mailbox: the address is proven.
	if err := s.signInVerified(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, "/settings?reset=1")
}

// --- settings and API tokens

func (s *Server) settings(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	if viewerFrom(r.Context()) == nil {
		s.clearStaleCookie(w, r)
		return redirect(w, r, "/login?next=/settings")
	}
	data := &accountPage{Page: Page{Title: "Settings"}}
	q := r.URL.Query()
	switch {
	case q.Has("verified"):
		data.Notice = "Your email address is confirmed."
	case q.Has("reset"), q.Has("password"):
		data.Notice = "Your password is changed, and every other session is signed out."
	case q.Has("sent"):
		data.Notice = "We sent you a new confirmation link."
	}
	return s.renderSettings(w, r, http.StatusOK, data)
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, data *accountPage) error {
	v, err := sessionViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if data.Account, err = s.accounts.UserByID(ctx, v.ID); err != nil {
		return err
	}
	if data.Sessions, err = s.accounts.CountSessions(ctx, v.ID); err != nil {
		return err
	}
	if data.Tokens, err = s.accounts.APITokens(ctx, v.ID); err != nil {
		return err
	}
	return s.renderStatus(w, r, status, "account_settings.html", data)
}

// changePassword sets a new password for a signed-in user who proves the
// current one (a stolen session alone cannot lock the owner out), then ends
// every session and signs this browser in again. Wrong current passwords
// count against the sign-in rate limit.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	v, err := sessionViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, err := s.accounts.UserByID(ctx, v.ID)
	if err != nil {
		return err
	}
	settingsError := func(msg string) error {
		return s.renderSettings(w, r, http.StatusBadRequest, &accountPage{Page: Page{Title: "Settings"}, Error: msg})
	}
	if err := s.limitSignIn(r, "user:"+strconv.FormatInt(u.ID, 10)); err != nil {
		return err
	}
	ok, err := passwords.Verify(ctx, u.PasswordHash, r.PostFormValue("current"))
	if err != nil {
		return err
	}
	if !ok {
		return settingsError("Your current password is not right.")
	}
	password := r.PostFormValue("password")
	var rule *auth.RuleError
	if err := auth.CheckPassword(u.Username, password); errors.As(err, &rule) {
		return settingsError(rule.Msg)
	}
	if err := s.setPassword(ctx, u.ID, password); err != nil {
		return err
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, "/settings?password=1")
}

// createToken makes a personal API token and shows it once, in this
// response (never stored, never in a URL).
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	v, err := sessionViewer(r)
	if err != nil {
		return err
	}
	data := &accountPage{Page: Page{Title: "Settings"}}
	if !v.Verified {
		data.Error = "Confirm your email address before creating API tokens."
		return s.renderSettings(w, r, http.StatusForbidden, data)
	}
	label := strings.TrimSpace(r.PostFormValue("label"))
	if label == "" || len(label) > maxTokenLabel {
		data.Error = fmt.Sprintf("Give the token a name of 1 to %d characters.", maxTokenLabel)
		return s.renderSettings(w, r, http.StatusBadRequest, data)
	}
	secret, hash := auth.NewToken()
	if _, err := s.accounts.CreateAPIToken(r.Context(), v.ID, label, hash); err != nil {
		return err
	}
	data.NewToken = secret
	data.Notice = "Copy the token now: it is not shown again."
	return s.renderSettings(w, r, http.StatusOK, data)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	v, err := sessionViewer(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound("There is no such token.")
	}
	// The store checks the owner: another user's token id is "not found".
	if err := s.accounts.RevokeAPIToken(r.Context(), v.ID, id); errors.Is(err, store.ErrNotFound) {
		return errNotFound("There is no such token.")
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/settings")
}

// setPassword stores the hash of a user's new password (a reset, or a
// change in settings).
func (s *Server) setPassword(ctx context.Context, userID int64, password string) error {
	hash, err := passwords.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.accounts.SetPassword(ctx, userID, hash)
}
