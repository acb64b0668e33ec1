package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	pbmail "github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Subscriptions is what the subscription pages use: digest.Service, which
// owns the signed links and the confirmation email, so that the web layer
// only forwards tokens. A token that is forged, expired or for another
// purpose is an error wrapping store.ErrNotFound.
type Subscriptions interface {
	// Subscribe records a subscribe request and mails a confirmation link
	// built on base when one is due. Its answer must not depend on whether
	// the address was subscribed.
	Subscribe(ctx context.Context, email, cadence string, userID int64, base string) error
	// CheckLink returns the subscription of a valid link for purpose
	// ("confirm", "manage", "unsubscribe") without acting on it.
	CheckLink(ctx context.Context, token, purpose string) (store.Subscription, error)
	// Confirm activates the subscription and returns a manage token.
	Confirm(ctx context.Context, token string) (store.Subscription, string, error)
	UpdatePreferences(ctx context.Context, token, cadence string, f store.DigestFilters) (store.Subscription, error)
	Unsubscribe(ctx context.Context, token string) (store.Subscription, error)
	DigestStats(ctx context.Context) (store.DigestStats, error)
	Preview(ctx context.Context, email string, date time.Time) (pbmail.Message, error)
}

// Link purposes, as Subscriptions names them.
const (
	linkConfirm     = "confirm"
	linkManage      = "manage"
	linkUnsubscribe = "unsubscribe"
)

func (s *Server) subscribeRoutes() {
	if s.subscriptions == nil {
		return
	}
	s.handle("POST /subscribe", s.subscribe)
	// Confirming takes a POST from the page the emailed link opens: mail
	// scanners (corporate gateways, Outlook's Safe Links) fetch every link
	// in a message, and a GET that confirmed would let them confirm an
	// address whose owner never asked, which is what double opt-in exists
	// to prevent. They do not submit forms.
	s.handle("GET /subscribe/confirm", s.confirmPage)
	s.handle("POST /subscribe/confirm", s.confirm)
	s.handle("GET /subscribe/manage", s.managePage)
	s.handle("POST /subscribe/manage", s.manage)
	// The footer link opens a page with one button, for the same reason;
	// the List-Unsubscribe header's URL takes the RFC 8058 one-click POST
	// that mail providers send, some from a web mail page (Origin:
	// https://mail.google.com). The token in the URL is its whole
	// authority and no cookie counts, so a cross-origin request can forge
	// nothing here: it bypasses the CSRF check, and only this route does.
	s.handle("GET /unsubscribe", s.unsubscribePage)
	s.handle("POST /unsubscribe", s.unsubscribe)
	s.cross.AddInsecureBypassPattern("POST /unsubscribe")
	if !strings.HasPrefix(s.baseURL, "https://") {
		s.log.Warn("the base URL is not https: mail providers ignore one-click unsubscribe (RFC 8058) on other URLs", "base_url", s.baseURL)
	}
	s.handle("GET /admin/digests", s.digestAdmin)
	s.handle("GET /admin/digests/preview", s.digestPreview)
}

// subscribePage is the data of the subscription pages.
type subscribePage struct {
	Page
	State  string // what happened: sent, confirm, confirmed, manage, saved, unsubscribe, unsubscribed, inactive
	Token  string
	Manage string // the manage token after confirming
	Sub    store.Subscription
	// The manage form's fields, one entry a line.
	Categories, Authors, Queries string
}

// private marks a response as personal (it carries a token): never cached,
// shared or indexed.
func private(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

func (s *Server) renderSubscribe(w http.ResponseWriter, r *http.Request, title string, data *subscribePage) error {
	private(w)
	data.Page = Page{Title: title, NoIndex: true}
	return s.render(w, r, "subscribe_page.html", data)
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) error {
	if err := s.limit(r, "subscribe", ""); err != nil {
		return err
	}
	email, err := pbmail.CheckAddress(r.PostFormValue("email"))
	if err != nil {
		return errBadRequest("Please enter an email address, like you@example.org.")
	}
	cadence := r.PostFormValue("cadence")
	if cadence != "weekly" {
		cadence = "daily"
	}
	var userID int64
	if v := viewerFrom(r.Context()); v != nil {
		userID = v.ID
	}
	if err := s.subscriptions.Subscribe(r.Context(), email, cadence, userID, s.baseURL); err != nil {
		// The answer stays the same (it must not tell whether the address
		// was known); the failure, a mail server down say, is logged.
		s.log.Error("subscribe failed", "err", err)
	}
	return s.renderSubscribe(w, r, "Check your inbox", &subscribePage{State: "sent"})
}

// linkError turns a bad or expired link into a page that says so.
func linkError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return problem.New(problem.NotFound, "This link is invalid or has expired. Links in paperboy's emails stop working after a while; the newest email has a fresh one, or subscribe again.")
	}
	return err
}

func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) error {
	token := r.FormValue("token")
	if _, err := s.subscriptions.CheckLink(r.Context(), token, linkConfirm); err != nil {
		return linkError(err)
	}
	return s.renderSubscribe(w, r, "Confirm your subscription", &subscribePage{State: "confirm", Token: token})
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) error {
	sub, manage, err := s.subscriptions.Confirm(r.Context(), r.FormValue("token"))
	if err != nil {
		return linkError(err)
	}
	state := "confirmed"
	if sub.Status != store.SubActive {
		state = "inactive"
	}
	return s.renderSubscribe(w, r, "Subscribed", &subscribePage{State: state, Sub: sub, Manage: manage})
}

func (s *Server) managePage(w http.ResponseWriter, r *http.Request) error {
	token := r.FormValue("token")
	sub, err := s.subscriptions.CheckLink(r.Context(), token, linkManage)
	if err != nil {
		return linkError(err)
	}
	return s.renderSubscribe(w, r, "Digest preferences", manageData("manage", token, sub))
}

func manageData(state, token string, sub store.Subscription) *subscribePage {
	return &subscribePage{State: state, Token: token, Sub: sub,
		Categories: strings.Join(sub.Filters.Categories, "\n"),
		Authors:    strings.Join(sub.Filters.Authors, "\n"),
		Queries:    strings.Join(sub.Filters.Queries, "\n")}
}

func (s *Server) manage(w http.ResponseWriter, r *http.Request) error {
	token := r.PostFormValue("token")
	lines := func(field string) []string {
		return strings.FieldsFunc(r.PostFormValue(field), func(c rune) bool { return c == '\n' || c == '\r' || c == ',' && field == "categories" })
	}
	f := store.DigestFilters{Categories: lines("categories"), Authors: lines("authors"), Queries: lines("queries"),
		Recommended: r.PostFormValue("recommended") != ""}
	sub, err := s.subscriptions.UpdatePreferences(r.Context(), token, r.PostFormValue("cadence"), f)
	if err != nil {
		return linkError(err)
	}
	return s.renderSubscribe(w, r, "Digest preferences", manageData("saved", token, sub))
}

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) error {
	token := r.FormValue("token")
	sub, err := s.subscriptions.CheckLink(r.Context(), token, linkUnsubscribe)
	if err != nil {
		return linkError(err)
	}
	state := "unsubscribe"
	if sub.Status == store.SubUnsubscribed || sub.Status == store.SubSuppressed {
		state = "unsubscribed"
	}
	return s.renderSubscribe(w, r, "Unsubscribe", &subscribePage{State: state, Token: token, Sub: sub})
}

// unsubscribe takes both the page's button and RFC 8058's one-click POST
// (body "List-Unsubscribe=One-Click", token in the URL); it acts at once
// and again changes nothing.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.subscriptions.Unsubscribe(r.Context(), r.FormValue("token"))
	if err != nil {
		return linkError(err)
	}
	return s.renderSubscribe(w, r, "Unsubscribed", &subscribePage{State: "unsubscribed", Sub: sub})
}

// digestAdminPage is the admin view of digests.
type digestAdminPage struct {
	Page
	Stats store.DigestStats
	Today string
}

func (s *Server) digestAdmin(w http.ResponseWriter, r *http.Request) error {
	if _, ok, err := s.staff(w, r, roleAdmin); !ok {
		return err
	}
	st, err := s.subscriptions.DigestStats(r.Context())
	if err != nil {
		return err
	}
	private(w)
	return s.render(w, r, "digest_admin.html", &digestAdminPage{Page: Page{Title: "Digests", Nav: "admin-digests", NoIndex: true},
		Stats: st, Today: s.today().Format(time.DateOnly)})
}

// digestPreview shows the digest an address would get: the HTML part as
// the mail client would show it (its inline styles allowed, nothing else),
// or the text part.
func (s *Server) digestPreview(w http.ResponseWriter, r *http.Request) error {
	if _, ok, err := s.staff(w, r, roleAdmin); !ok {
		return err
	}
	date := s.today()
	if v := r.FormValue("date"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return errBadRequest("The date must look like 2026-06-02.")
		}
		date = d
	}
	msg, err := s.subscriptions.Preview(r.Context(), strings.TrimSpace(r.FormValue("email")), date)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("There are no papers for that digest.")
		}
		return err
	}
	private(w)
	if r.FormValue("part") == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err = w.Write([]byte("Subject: " + msg.Subject + "\n\n" + msg.Text))
		return err
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write([]byte(msg.HTML))
	return err
}
