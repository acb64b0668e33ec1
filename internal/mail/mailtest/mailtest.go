// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1 inside tests, records what it accepts and can be told to refuse
// messages, so that the mail and digest code is tested against a server
// that speaks the protocol rather than a fake Sender.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one accepted message.
type Received struct {
	Helo string // the name the client gave in EHLO (or HELO)
	From string
	To   []string
	Data []byte
}

// MessageID is the message's Message-ID header without angle brackets.
func (r Received) MessageID() string {
	m, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return ""
	}
	return strings.Trim(m.Header.Get("Message-ID"), "<>")
}

// Options configure a Server.
type Options struct {
	// TLS offers STARTTLS (or, with Implicit, speaks TLS from the start)
	// with a certificate made for 127.0.0.1; Client trusts it.
	TLS      bool
	Implicit bool
	// User and Password, when set, are required (AUTH PLAIN).
	User, Password string
	// Reject, when set, is asked about every recipient and message; a
	// non-nil error (an *smtp.SMTPError) refuses it.
	Reject func(to string) error
	// DataDelay holds every DATA command that long before answering.
	DataDelay time.Duration
}

// Server is an SMTP server for one test.
type Server struct {
	Addr string
	// Client is the TLS configuration that trusts the server's certificate.
	Client *tls.Config

	opts   Options
	srv    *smtp.Server
	mu     sync.Mutex
	got    []Received
	notify chan struct{}
	auths  int
	conns  int
}

// Start starts a server, stopped when the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := &Server{opts: opts, notify: make(chan struct{}, 1)}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		return &session{s: s, conn: c}, nil
	})
	s.srv = smtp.NewServer(be)
	s.srv.Domain = "localhost"
	// Clients that die mid-session are what some tests are about.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.AllowInsecureAuth = !opts.TLS
	if opts.TLS {
		serverConf, clientConf := selfSigned(tb)
		s.srv.TLSConfig = serverConf
		s.Client = clientConf
	}
	var ln net.Listener
	var err error
	if opts.TLS && opts.Implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", s.srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		tb.Fatalf("mailtest: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(ln)
	tb.Cleanup(func() { s.srv.Close() })
	return s
}

// URL is the --smtp-url of the server.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr}
	if s.opts.TLS && s.opts.Implicit {
		u.Scheme = "smtps"
	}
	if s.opts.User != "" {
		u.User = url.UserPassword(s.opts.User, s.opts.Password)
	}
	return u.String()
}

// Messages returns the accepted messages in order. A message is recorded
// before the server answers its DATA command, so one whose sending has
// returned is already here: tests need not wait for it.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...)
}

// Connections is the number of connections the server has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Wait waits until n messages were accepted or the timeout passes, and
// returns them.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Received {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		if got := s.Messages(); len(got) >= n {
			return got
		}
		select {
		case <-s.notify:
		case <-deadline:
			tb.Fatalf("mailtest: got %d messages, want %d", len(s.Messages()), n)
		}
	}
}

// SetReject replaces the rejection rule.
func (s *Server) SetReject(fn func(to string) error) {
	s.mu.Lock()
	s.opts.Reject = fn
	s.mu.Unlock()
}

func (s *Server) reject(to string) error {
	s.mu.Lock()
	fn := s.opts.Reject
	s.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn(to)
}

// TempFail is a 451 reply, PermFail a 550.
var (
	TempFail = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	PermFail = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
)

type session struct {
	s      *Server
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (x *session) AuthMechanisms() []string {
	if x.s.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != x.s.opts.User || pass != x.s.opts.Password {
			return errors.New("invalid credentials")
		}
		x.authed = true
		x.s.mu.Lock()
		x.s.auths++
		x.s.mu.Unlock()
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opts.User != "" && !x.authed {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := x.s.reject(to); err != nil {
		return err
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if d := x.s.opts.DataDelay; d > 0 {
		time.Sleep(d)
	}
	x.s.mu.Lock()
	x.s.got = append(x.s.got, Received{Helo: x.conn.Hostname(), From: x.from, To: x.to, Data: b})
	x.s.mu.Unlock()
	select {
	case x.s.notify <- struct{}{}:
	default:
	}
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a client configuration
// that trusts it.
func selfSigned(tb testing.TB) (*tls.Config, *tls.Config) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	return server, client
}
