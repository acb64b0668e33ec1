package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/digest"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/mail/mailtest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// The web package reaches digests only through its Subscriptions
// interface; the test wires the real digest service, as serve does.

type digestFixture struct {
	srv  *httptest.Server
	st   *store.Store
	smtp *mailtest.Server
	svc  *digest.Service
	web  *Server
}

func newDigestFixture(t *testing.T) *digestFixture {
	t.Helper()
	f := &digestFixture{smtp: mailtest.Start(t, mailtest.Options{})}
	sender, err := mail.NewSMTP(f.smtp.URL(), mail.SMTPOptions{From: "paperboy <digest@paperboy.test>", Rate: 1000, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	f.srv, f.st, _ = newFixtureServer(t, store.SQLite, func(o *Options) {
		f.svc = &digest.Service{Store: o.Papers.(*store.Store), Mail: sender, From: "paperboy <digest@paperboy.test>",
			BaseURL: "https://paperboy.test", Now: func() time.Time { return testNow }, Weekly: time.Monday}
		o.Subscriptions, o.Mail = f.svc, sender
	})
	f.web = f.srv.Config.Handler.(*Server)
	return f
}

// local turns a link from an email (on the public base URL) into one on
// the test server.
func (f *digestFixture) local(link string) string {
	return strings.Replace(link, "https://paperboy.test", f.srv.URL, 1)
}

// post sends a form as a mail provider's server or a script would: no
// browser fetch metadata.
func post(t *testing.T, rawURL string, form url.Values) response {
	t.Helper()
	resp, err := http.PostForm(rawURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func mailParts(t *testing.T, data []byte) (netmail.Header, string, string) {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	var text, html string
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			body = quotedprintable.NewReader(p)
		}
		b, _ := io.ReadAll(body)
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			html = string(b)
		} else {
			text = string(b)
		}
	}
	return m.Header, text, html
}

func mailLink(t *testing.T, text, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(`https://paperboy\.test` + pattern + `\S+`).FindString(text)
	if m == "" {
		t.Fatalf("no %s link in:\n%s", pattern, text)
	}
	return m
}

func TestSubscribeConfirmAndOneClickUnsubscribeOverHTTP(t *testing.T) {
	f := newDigestFixture(t)
	ctx := context.Background()

	home := fetch(t, f.srv.URL+"/")
	if !strings.Contains(home.body, `action="/subscribe"`) || !strings.Contains(home.body, `<label for="subscribe-email"`) {
		t.Fatal("the home page has no subscribe form")
	}

	r := post(t, f.srv.URL+"/subscribe", url.Values{"email": {"reader@example.org"}, "cadence": {"daily"}})
	if r.status != 200 || !strings.Contains(r.body, "Check your inbox") {
		t.Fatalf("subscribe: %d %s", r.status, r.body)
	}
	_, text, _ := mailParts(t, f.smtp.Wait(t, 1, 5*time.Second)[0].Data)
	confirm := mailLink(t, text, `/subscribe/confirm\?token=`)

	// Opening the link (as a mail scanner would) shows a button and
	// confirms nothing.
	page := fetch(t, f.local(confirm))
	if page.status != 200 || !strings.Contains(page.body, `action="/subscribe/confirm"`) || !strings.Contains(page.header.Get("Cache-Control"), "no-store") {
		t.Fatalf("confirm page: %d %s", page.status, page.body)
	}
	if sub, _ := f.st.SubscriptionByEmail(ctx, "reader@example.org"); sub.Status != store.SubPending {
		t.Fatalf("confirmed by a GET: %s", sub.Status)
	}
	token, _ := url.Parse(confirm)
	r = post(t, f.srv.URL+"/subscribe/confirm", url.Values{"token": {token.Query().Get("token")}})
	if r.status != 200 || !strings.Contains(r.body, "subscribed") || !strings.Contains(r.body, "/subscribe/manage?token=") {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	if sub, _ := f.st.SubscriptionByEmail(ctx, "reader@example.org"); sub.Status != store.SubActive {
		t.Fatalf("after confirming: %s", sub.Status)
	}

	// Subscribing an active address answers exactly the same and sends
	// nothing: the form does not tell who subscribed.
	again := post(t, f.srv.URL+"/subscribe", url.Values{"email": {"reader@example.org"}})
	fresh := post(t, f.srv.URL+"/subscribe", url.Values{"email": {"new@example.org"}})
	if again.status != fresh.status || again.body != fresh.body {
		t.Error("the answer differs for a subscribed address")
	}

	// The digest arrives with a one-click unsubscribe header.
	if st, err := f.svc.Run(ctx, date("2025-06-04")); err != nil || st.Sent != 1 {
		t.Fatalf("digest run: %+v %v", st, err)
	}
	var digestMail mailtest.Received
	for _, m := range f.smtp.Wait(t, 3, 5*time.Second) {
		if strings.Contains(string(m.Data), "List-Unsubscribe-Post") {
			digestMail = m
		}
	}
	h, text, _ := mailParts(t, digestMail.Data)
	lu := strings.Trim(h.Get("List-Unsubscribe"), "<>")
	if !strings.HasPrefix(lu, "https://paperboy.test/unsubscribe?token=") || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers: %v", h)
	}
	// The manage link works without signing in.
	manage := mailLink(t, text, `/subscribe/manage\?token=`)
	if page := fetch(t, f.local(manage)); page.status != 200 || !strings.Contains(page.body, "reader@example.org") {
		t.Fatalf("manage page: %d", page.status)
	}
	mt, _ := url.Parse(manage)
	r = post(t, f.srv.URL+"/subscribe/manage", url.Values{"token": {mt.Query().Get("token")}, "cadence": {"weekly"},
		"categories": {"cs.CL, cs.LG"}, "authors": {"Ada Lovelace\r\nGrace Hopper"}, "queries": {`"reward model"`}})
	if r.status != 200 || !strings.Contains(r.body, "saved") {
		t.Fatalf("save preferences: %d %s", r.status, r.body)
	}
	sub, _ := f.st.SubscriptionByEmail(ctx, "reader@example.org")
	if sub.Cadence != "weekly" || len(sub.Filters.Categories) != 2 || len(sub.Filters.Authors) != 2 || len(sub.Filters.Queries) != 1 {
		t.Errorf("preferences: %+v", sub)
	}

	// RFC 8058: the provider POSTs "List-Unsubscribe=One-Click" to the
	// header's URL, from its servers; it acts at once, and again is fine.
	for range 2 {
		resp, err := http.Post(f.local(lu), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("one-click unsubscribe: %d", resp.StatusCode)
		}
		if sub, _ := f.st.SubscriptionByEmail(ctx, "reader@example.org"); sub.Status != store.SubUnsubscribed {
			t.Fatalf("after one-click: %s", sub.Status)
		}
	}
	// A forged link is refused.
	if r := post(t, f.srv.URL+"/unsubscribe", url.Values{"token": {"1.u.zzzzzz.AAAA"}}); r.status != 404 {
		t.Errorf("forged token: %d", r.status)
	}
}

func TestFooterUnsubscribeLinkShowsAButton(t *testing.T) {
	f := newDigestFixture(t)
	ctx := context.Background()
	sub, _, _ := f.st.Subscribe(ctx, "b@example.org", "daily", 0)
	f.st.ConfirmSubscription(ctx, sub.ID)
	if _, err := f.svc.Run(ctx, date("2025-06-04")); err != nil {
		t.Fatal(err)
	}
	_, text, html := mailParts(t, f.smtp.Wait(t, 1, 5*time.Second)[0].Data)
	footer := mailLink(t, text, `/unsubscribe\?token=`)
	if !strings.Contains(html, footer) {
		t.Error("the HTML part lacks the footer's unsubscribe link")
	}
	page := fetch(t, f.local(footer))
	if page.status != 200 || !strings.Contains(page.body, `action="/unsubscribe"`) {
		t.Fatalf("unsubscribe page: %d %s", page.status, page.body)
	}
	if sub, _ := f.st.SubscriptionByID(ctx, sub.ID); sub.Status != store.SubActive {
		t.Fatal("a GET unsubscribed")
	}
	u, _ := url.Parse(footer)
	if r := post(t, f.srv.URL+"/unsubscribe", url.Values{"token": {u.Query().Get("token")}}); r.status != 200 || !strings.Contains(r.body, "unsubscribed") {
		t.Fatalf("unsubscribe: %d %s", r.status, r.body)
	}
	if sub, _ := f.st.SubscriptionByID(ctx, sub.ID); sub.Status != store.SubUnsubscribed {
		t.Fatalf("after the button: %s", sub.Status)
	}
}

func TestSubscribeRejectsBadAddressesAndIsRateLimited(t *testing.T) {
	f := newDigestFixture(t)
	if r := post(t, f.srv.URL+"/subscribe", url.Values{"email": {"not an address"}}); r.status != 400 {
		t.Errorf("bad address: %d", r.status)
	}
	status := 0
	for i := range 8 {
		status = post(t, f.srv.URL+"/subscribe", url.Values{"email": {"r" + string(rune('a'+i)) + "@example.org"}}).status
	}
	if status != http.StatusTooManyRequests {
		t.Errorf("8 subscriptions in a row from one address: last %d, want 429", status)
	}
}

func TestDigestAdminIsForAdmins(t *testing.T) {
	f := newDigestFixture(t)
	ctx := context.Background()
	sub, _, _ := f.st.Subscribe(ctx, "c@example.org", "daily", 0)
	f.st.ConfirmSubscription(ctx, sub.ID)
	if r := call(t, nil, "GET", f.srv.URL+"/admin/digests", "", nil); r.status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", r.status)
	}
	as := func(role, target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", target, nil)
		req = req.WithContext(withViewer(req.Context(), &Viewer{ID: 1, Name: "x", Role: role}))
		rec := httptest.NewRecorder()
		f.web.ServeHTTP(rec, req)
		return rec
	}
	if rec := as("user", "/admin/digests"); rec.Code != http.StatusForbidden {
		t.Errorf("user: %d", rec.Code)
	}
	rec := as("admin", "/admin/digests")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Active</td><td>1<") {
		t.Errorf("admin: %d %s", rec.Code, rec.Body.String())
	}
	rec = as("admin", "/admin/digests/preview?email=c@example.org&date=2025-06-04")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "/papers/") || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("preview: %d %s", rec.Code, rec.Header())
	}
	if rec := as("admin", "/admin/digests/preview?email=c@example.org&date=2020-01-01"); rec.Code != 404 {
		t.Errorf("preview of an empty digest: %d", rec.Code)
	}
}

// A web mail's one-click unsubscribe may carry its page's Origin (and
// browser fetch metadata): the token authorises it, so it is accepted,
// while every other state change still refuses a cross-origin request.
func TestOneClickUnsubscribeAcceptsCrossOriginPOST(t *testing.T) {
	f := newDigestFixture(t)
	ctx := context.Background()
	sub, _, _ := f.st.Subscribe(ctx, "c@example.org", "daily", 0)
	f.st.ConfirmSubscription(ctx, sub.ID)
	if _, err := f.svc.Run(ctx, date("2025-06-04")); err != nil {
		t.Fatal(err)
	}
	h, text, _ := mailParts(t, f.smtp.Wait(t, 1, 5*time.Second)[0].Data)
	lu := strings.Trim(h.Get("List-Unsubscribe"), "<>")
	manage, _ := url.Parse(mailLink(t, text, `/subscribe/manage\?token=`))

	crossPost := func(target, body string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://mail.google.com")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Refused before the unsubscribe, while the manage token still works.
	for _, tc := range []struct{ path, body string }{
		{"/subscribe/manage", url.Values{"token": {manage.Query().Get("token")}, "cadence": {"weekly"}}.Encode()},
		{"/subscribe", "email=d%40example.org"},
		{"/subscribe/confirm", "token=x"},
		{"/login", "username=a&password=b"},
	} {
		if code := crossPost(f.srv.URL+tc.path, tc.body); code != http.StatusForbidden {
			t.Errorf("cross-origin POST %s: %d, want 403", tc.path, code)
		}
	}
	if got, _ := f.st.SubscriptionByID(ctx, sub.ID); got.Cadence != "daily" {
		t.Errorf("a cross-origin POST changed the preferences: %+v", got)
	}
	if code := crossPost(f.local(lu), "List-Unsubscribe=One-Click"); code != http.StatusOK {
		t.Fatalf("one-click unsubscribe with an Origin: %d, want 200", code)
	}
	if got, _ := f.st.SubscriptionByID(ctx, sub.ID); got.Status != store.SubUnsubscribed {
		t.Fatalf("after one-click: %s", got.Status)
	}
}

// RFC 8058 wants an https List-Unsubscribe URL: a server on any other
// base URL says so when it starts.
func TestNonHTTPSBaseURLWarnsAboutOneClick(t *testing.T) {
	for _, tc := range []struct {
		base string
		warn bool
	}{{"http://papers.example.org", true}, {"https://papers.example.org", false}} {
		var logged bytes.Buffer
		NewServer(Options{BaseURL: tc.base, Subscriptions: (*digest.Service)(nil),
			Log: slog.New(slog.NewTextHandler(&logged, nil))})
		if got := strings.Contains(logged.String(), "RFC 8058"); got != tc.warn {
			t.Errorf("%s: warned %v, want %v: %s", tc.base, got, tc.warn, logged.String())
		}
	}
}
