package mail

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"golang.org/x/time/rate"
)

// SMTP sends mail through an SMTP server with github.com/wneessen/go-mail.
//
// It keeps one connection open between messages (a digest run sends
// thousands in a row) and closes it after IdleTimeout without a message, and
// it spaces messages by a rate limit so that a provider's sending quota is
// not exceeded. One connection means messages go out one at a time: the
// rate limit, not parallel connections, is what bounds throughput, and a
// provider's quota is usually the tighter bound anyway.
type SMTP struct {
	client   *gomail.Client
	from     string
	host     string // the site's host: the domain of made-up Message-IDs
	limiter  *rate.Limiter
	idle     time.Duration
	log      *slog.Logger
	security string // for logs: "starttls-mandatory", "starttls-opportunistic", "tls", "none"

	mu        sync.Mutex // one message on the connection at a time
	connected bool
	lastUse   time.Time
	timer     *time.Timer
}

// SMTPOptions tune NewSMTP.
type SMTPOptions struct {
	From string // default From address
	// Host is the site's host name, the base URL's: the name the client
	// gives in EHLO and the domain of the Message-IDs it makes up, so that
	// neither names the machine (os.Hostname, "vm") that spam filters and
	// threading would then see. The From address's domain when empty.
	Host string
	// Rate is the most messages a second; 0 means 10. Burst is 1: messages
	// are spaced evenly.
	Rate float64
	// IdleTimeout closes the connection after that long without a message;
	// 0 means 30 s (servers commonly drop idle clients after a minute).
	IdleTimeout time.Duration
	// Timeout bounds dialling and each SMTP command; 0 means 30 s.
	Timeout time.Duration
	// TLSConfig overrides the TLS configuration (tests trust their own CA).
	TLSConfig *tls.Config
	Log       *slog.Logger
}

// NewSMTP returns a sender for the server named by rawURL:
//
//   - smtp://user:pass@host:587 uses STARTTLS. It is mandatory when the URL
//     carries credentials (a password must never cross the network in
//     clear) and opportunistic otherwise (a local relay or a development
//     server often has no certificate). ?starttls=mandatory, opportunistic
//     or none overrides the choice; none is refused with credentials.
//   - smtps://user:pass@host:465 uses TLS from the first byte.
//
// Credentials are used with the best mechanism the server offers
// (SCRAM, CRAM-MD5, PLAIN, LOGIN). The port defaults to 587 and 465.
func NewSMTP(rawURL string, opts SMTPOptions) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp url: %w", err)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("mail: smtp url %s: no host", u.Redacted())
	}
	user := u.User.Username()
	pass, _ := u.User.Password()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tlsConf := opts.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	site := cmp.Or(opts.Host, addressDomain(opts.From), "localhost")
	copts := []gomail.Option{gomail.WithTimeout(timeout), gomail.WithTLSConfig(tlsConf), gomail.WithHELO(heloName(site))}
	var security string
	port := 587
	switch u.Scheme {
	case "smtp":
		policy := gomail.TLSOpportunistic
		security = "starttls-opportunistic"
		if user != "" {
			policy, security = gomail.TLSMandatory, "starttls-mandatory"
		}
		switch u.Query().Get("starttls") {
		case "":
		case "mandatory":
			policy, security = gomail.TLSMandatory, "starttls-mandatory"
		case "opportunistic":
			policy, security = gomail.TLSOpportunistic, "starttls-opportunistic"
		case "none":
			if user != "" {
				return nil, fmt.Errorf("mail: smtp url %s: starttls=none would send the password in clear", u.Redacted())
			}
			policy, security = gomail.NoTLS, "none"
		default:
			return nil, fmt.Errorf("mail: smtp url %s: starttls must be mandatory, opportunistic or none", u.Redacted())
		}
		copts = append(copts, gomail.WithTLSPortPolicy(policy))
	case "smtps":
		port, security = 465, "tls"
		copts = append(copts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("mail: smtp url %s: scheme must be smtp or smtps", u.Redacted())
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("mail: smtp url %s: bad port", u.Redacted())
		}
	}
	copts = append(copts, gomail.WithPort(port))
	if user != "" {
		copts = append(copts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(user), gomail.WithPassword(pass))
	}
	client, err := gomail.NewClient(host, copts...)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp client for %s: %w", u.Redacted(), err)
	}
	r := opts.Rate
	if r <= 0 {
		r = 10
	}
	idle := opts.IdleTimeout
	if idle <= 0 {
		idle = 30 * time.Second
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SMTP{client: client, from: opts.From, host: site, limiter: rate.NewLimiter(rate.Limit(r), 1),
		idle: idle, log: log, security: security}, nil
}

// Security names the transport security in use, for logs.
func (s *SMTP) Security() string { return s.security }

// Send delivers m, waiting for the rate limit first. Its error is a
// *SendError that says whether trying again later may succeed.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return &SendError{Err: err} // a malformed address never becomes valid
	}
	if err := s.limiter.Wait(ctx); err != nil {
		return &SendError{Temporary: true, Err: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if !s.connected {
			if err := s.client.DialWithContext(ctx); err != nil {
				return &SendError{Temporary: true, Err: fmt.Errorf("mail: connect: %w", err)}
			}
			s.connected = true
		}
		err := s.client.Send(msg)
		s.lastUse = time.Now()
		s.armIdleClose()
		if err == nil || msg.IsDelivered() {
			// The server accepted the message; an error after that (the
			// RSET that readies the connection) is the next message's
			// problem, so start it on a fresh connection.
			if err != nil {
				s.closeLocked()
			}
			return nil
		}
		var se *gomail.SendError
		stale := errors.As(err, &se) && se.Reason == gomail.ErrConnCheck
		s.closeLocked()
		if stale && attempt == 0 {
			s.log.Debug("the SMTP server closed the idle connection; reconnecting")
			// The server dropped the idle connection before anything of
			// this message was sent: dial again once.
			continue
		}
		return classify(m.To, err)
	}
}

// armIdleClose closes the connection when it has been idle for s.idle.
func (s *SMTP) armIdleClose() {
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timer = time.AfterFunc(s.idle, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.connected && time.Since(s.lastUse) >= s.idle {
			s.closeLocked()
		}
	})
}

func (s *SMTP) closeLocked() {
	if s.connected {
		s.client.Close() // QUIT; a dead connection's error says nothing new
		s.connected = false
	}
}

// Close ends the connection, if any.
func (s *SMTP) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.closeLocked()
	return nil
}

func (s *SMTP) build(m Message) (*gomail.Msg, error) { return build(m, s.from, s.host) }

// WriteTo writes m as the MIME message an SMTP sender would send
// (multipart/alternative when it has an HTML part), for previews.
func (m Message) WriteTo(w io.Writer) (int64, error) {
	from := cmp.Or(m.From, "paperboy <paperboy@localhost>")
	msg, err := build(m, from, cmp.Or(addressDomain(from), "localhost"))
	if err != nil {
		return 0, err
	}
	return msg.WriteTo(w)
}

// build makes the MIME message; a message without an ID gets one in host.
func build(m Message, defaultFrom, host string) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from := m.From
	if from == "" {
		from = defaultFrom
	}
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: from %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	id := m.MessageID
	if id == "" {
		id = NewMessageID(host)
	}
	msg.SetMessageIDWithValue(id)
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// NewMessageID returns a unique Message-ID (without angle brackets) in the
// site's host: 128 random bits, then the host, as RFC 5322 suggests.
func NewMessageID(host string) string {
	var r [16]byte
	rand.Read(r[:])
	return hex.EncodeToString(r[:]) + "@" + idDomain(host)
}

// idDomain is host as a Message-ID's right part: a name as it is, an
// IPv6 address as a bracketed literal (its colons are not dot-atom text).
func idDomain(host string) string {
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is6() {
		return "[" + host + "]"
	}
	return host
}

// heloName is host as an EHLO argument (RFC 5321 4.1.3): a domain name as
// it is, an address as an address literal.
func heloName(host string) string {
	ip, err := netip.ParseAddr(host)
	switch {
	case err != nil:
		return host
	case ip.Is6():
		return "[IPv6:" + host + "]"
	}
	return "[" + host + "]"
}

// addressDomain is the domain of an address such as "paperboy
// <digest@example.org>", or "" when it has none.
func addressDomain(addr string) string {
	a, err := netmail.ParseAddress(addr)
	if err != nil {
		return ""
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	return domain
}

// SendError is a failed delivery. Temporary failures (4xx replies, network
// trouble) may succeed later; permanent ones (5xx replies, a malformed
// address) will not, and a digest sender suppresses the address.
type SendError struct {
	Temporary bool
	Code      int // the SMTP reply code, 0 when there was none
	Err       error
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return fmt.Sprintf("mail: %s failure: %v", kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is a failure worth retrying: a
// *SendError that says so, or any other error (a sender that does not
// classify its failures is given the benefit of the doubt).
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	return err != nil
}

// classify turns go-mail's error into a SendError by the reply code: 4xx
// temporary, 5xx permanent, none (a network failure) temporary.
func classify(to string, err error) error {
	var se *gomail.SendError
	code := 0
	if errors.As(err, &se) {
		code = se.ErrorCode()
		switch se.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return &SendError{Code: code, Err: fmt.Errorf("to %s: %w", to, err)}
		}
	}
	var ne net.Error
	temporary := code == 0 || (code >= 400 && code < 500) || errors.As(err, &ne)
	if code >= 500 {
		temporary = false
	}
	return &SendError{Temporary: temporary, Code: code, Err: fmt.Errorf("to %s: %w", to, err)}
}
