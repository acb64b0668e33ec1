package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/accounts"
	"github.com/paperboy-dev/paperboy/internal/auth"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Accounts is what the account pages read and write (*store.Store): the
// accounts service's store.
type Accounts = accounts.Store

// passwords, when set (tests), replaces the accounts service's hasher.
var passwords *auth.Hasher

const sessionCookie = "paperboy_session"

// Policy for unverified accounts: they may sign in and read, and see a
// reminder in the header; they cannot create API tokens here, and
// Viewer.Verified tells the community pages to refuse their votes,
// comments and submissions until they follow the emailed link.

var (
	errUnauthorized = accounts.ErrBadToken
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
		u, err := s.accounts.TokenUser(ctx, token)
		if err != nil {
			return r, err
		}
		return r.WithContext(withViewer(ctx, s.viewer(u, true))), nil
	}
	u, ok, err := s.accounts.SessionUser(ctx, sessionToken(r))
	if !ok || err != nil {
		return r, err
	}
	return r.WithContext(withViewer(ctx, s.viewer(u, false))), nil
}

// sessionToken is the request's session cookie, or "".
func sessionToken(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
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
	NewToken string        // a just-created API token, shown once
	Feed     *feedSettings // the private recommendations feed (foryou.go); nil without one
	FeedURL  string        // a just-made feed address, shown once
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
	secret, expires, err := s.accounts.StartSession(r.Context(), u.ID, sessionToken(r), r.UserAgent())
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/",
		MaxAge: int(accounts.SessionLifetime / time.Second), Expires: expires,
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

// signup creates an account (accounts.Service.SignUp): the answer is the
// same whether or not the address already had one.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	if err := s.limit(r, "signup", ""); err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("username"))
	email := strings.TrimSpace(r.PostFormValue("email"))
	email, err := s.accounts.SignUp(r.Context(), name, email, r.PostFormValue("password"))
	if p, ok := pageError(err, problem.Invalid); ok {
		return s.renderStatus(w, r, http.StatusBadRequest, "account_signup.html", &accountPage{
			Page: Page{Title: "Sign up"}, Username: name, Email: strings.TrimSpace(r.PostFormValue("email")), Error: p.Message,
		})
	}
	if err != nil {
		return err
	}
	return s.renderStatus(w, r, http.StatusOK, "account_message.html", &accountPage{
		Page:   Page{Title: "Check your email"},
		Notice: "We sent a link to " + email + ". Follow it to confirm your address and sign in.",
	})
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
	u, err := s.accounts.LinkUser(r.Context(), kind, token)
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
	u, err := s.accounts.FollowLink(r.Context(), kind, token)
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, next)
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
	if err := s.accounts.ResendVerification(r.Context(), v.ID); err != nil {
		return err
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

// errSignIn is the one answer to every failed sign-in.
var errSignIn = accounts.ErrSignIn.Message

// login checks a username (or email) and password and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("username"))
	u, err := s.accounts.SignIn(r.Context(), name, r.PostFormValue("password"), func(account string) error {
		return s.limitSignIn(r, account)
	})
	if p, ok := pageError(err, problem.Unauthorized, problem.Forbidden); ok {
		return s.renderStatus(w, r, httpStatus(p), "account_login.html", &accountPage{
			Page: Page{Title: "Sign in"}, Username: name, Next: safeNext(r.PostFormValue("next")), Error: p.Message,
		})
	}
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, safeNext(r.PostFormValue("next")))
}

// logout ends this browser's session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	if err := s.accounts.EndSession(r.Context(), sessionToken(r)); err != nil {
		return err
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
	if err := s.accounts.EndAllSessions(r.Context(), v.ID); err != nil {
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

// mailLink answers a request for an emailed link: the mail goes out in
// the background (send), and the page is the same whether or not it does.
func (s *Server) mailLink(w http.ResponseWriter, r *http.Request, what string, send func(context.Context, store.User) error) error {
	if err := s.enabled(); err != nil {
		return err
	}
	if err := s.limit(r, "mail", ""); err != nil {
		return err
	}
	u, ok, err := s.accounts.MailableUser(r.Context(), r.PostFormValue("email"))
	if err != nil {
		return err
	}
	if ok {
		s.inBackground(r, what, func(r *http.Request) error { return send(r.Context(), u) })
	}
	return s.mailSent(w, r)
}

func (s *Server) sendLink(w http.ResponseWriter, r *http.Request) error {
	return s.mailLink(w, r, "send a sign-in link", s.accounts.MailSignInLink)
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
	return s.mailLink(w, r, "send a password reset link", s.accounts.MailResetLink)
}

func (s *Server) newPasswordForm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	return s.linkPage(w, r, store.EmailReset, token, "account_password.html", func(u store.User) *accountPage {
		return &accountPage{Page: Page{Title: "Choose a new password"}, Username: u.Username, Token: token}
	})
}

// resetPassword sets a new password through a reset link, ends every
// session of the account and signs in this browser.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	token := r.PathValue("token")
	u, err := s.accounts.ResetPassword(r.Context(), token, r.PostFormValue("password"))
	if p, ok := pageError(err, problem.Invalid); ok && p != accounts.ErrBadLink {
		return s.renderStatus(w, r, http.StatusBadRequest, "account_password.html", &accountPage{
			Page: Page{Title: "Choose a new password"}, Username: u.Username, Token: token, Error: p.Message,
		})
	}
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, u); err != nil {
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
	st, err := s.accounts.Settings(r.Context(), v.ID)
	if err != nil {
		return err
	}
	data.Account, data.Sessions, data.Tokens = st.Account, st.Sessions, st.Tokens
	if data.Feed, err = s.feedSettingsOf(r, v); err != nil {
		return err
	}
	return s.renderStatus(w, r, status, "account_settings.html", data)
}

// changePassword sets a new password for a signed-in user who proves the
// current one, then signs this browser in again (the store ended every
// session). Wrong current passwords count against the sign-in rate limit.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := s.enabled(); err != nil {
		return err
	}
	v, err := sessionViewer(r)
	if err != nil {
		return err
	}
	u, err := s.accounts.ChangePassword(r.Context(), v.ID, r.PostFormValue("current"), r.PostFormValue("password"),
		func(account string) error { return s.limitSignIn(r, account) })
	if p, ok := pageError(err, problem.Invalid); ok {
		return s.renderSettings(w, r, http.StatusBadRequest, &accountPage{Page: Page{Title: "Settings"}, Error: p.Message})
	}
	if err != nil {
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
	secret, err := s.accounts.CreateAPIToken(r.Context(), v.ID, v.Verified, r.PostFormValue("label"))
	if p, ok := pageError(err, problem.Invalid, problem.Forbidden); ok {
		data.Error = p.Message
		return s.renderSettings(w, r, httpStatus(p), data)
	}
	if err != nil {
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
	if err := s.accounts.RevokeAPIToken(r.Context(), v.ID, id); err != nil {
		return err
	}
	return redirect(w, r, "/settings")
}
