// Package smtpsink is an SMTP server on loopback for tests: go-smtp's
// server, with STARTTLS, smtps and AUTH PLAIN and LOGIN, that keeps every message it accepts in memory
// instead of relaying it. Tests read what a program sent, as a mail
// provider would have received it.
package smtpsink

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// Message is one message the server accepted.
type Message struct {
	From string   // MAIL FROM
	To   []string // RCPT TO, in order
	Data []byte
}

// Server is an SMTP server on loopback ports.
type Server struct {
	// Addr is host:port of plain SMTP with STARTTLS offered (not
	// required); TLSAddr of SMTP in TLS from the first byte (smtps).
	Addr, TLSAddr string
	// User and Password are the one account AUTH accepts.
	User, Password string

	cert     *fixture.LoopbackCert
	mechs    []string
	mu       sync.Mutex
	msgs     []Message
	refuseTo map[string]int
}

// Options change the server StartWith starts.
type Options struct {
	// Auth are the SASL mechanisms offered: "PLAIN", "LOGIN" (default
	// both).
	Auth []string
	// NoStartTLS leaves STARTTLS out of Addr's extensions.
	NoStartTLS bool
}

// Start starts a server with AUTH PLAIN and LOGIN, STARTTLS and smtps,
// stopped in t.Cleanup.
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// StartWith is Start with options.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	cert, err := fixture.NewLoopbackCert("tessera test smtp")
	if err != nil {
		t.Fatalf("smtpsink: %v", err)
	}
	tlsConf, err := cert.ServerConfig()
	if err != nil {
		t.Fatalf("smtpsink: %v", err)
	}
	s := &Server{User: "tessera", Password: "segreta", cert: cert, mechs: opts.Auth, refuseTo: map[string]int{}}
	if len(s.mechs) == 0 {
		s.mechs = []string{sasl.Plain, sasl.Login}
	}
	serve := func(ln net.Listener, starttls *tls.Config) string {
		srv := smtp.NewServer(backend{s})
		srv.Domain = "localhost"
		srv.TLSConfig = starttls     // STARTTLS is offered when set
		srv.AllowInsecureAuth = true // loopback, tests only
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		return ln.Addr().String()
	}
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("smtpsink: %v", err)
		}
		return ln
	}
	starttls := tlsConf
	if opts.NoStartTLS {
		starttls = nil
	}
	s.Addr = serve(listen(), starttls)
	s.TLSAddr = serve(tls.NewListener(listen(), tlsConf), nil)
	return s
}

// TLSConfig is a client configuration that trusts the server.
func (s *Server) TLSConfig() *tls.Config { return s.cert.ClientConfig() }

// Cert is the server's certificate, its own root.
func (s *Server) Cert() *x509.Certificate { return s.cert.Cert }

// Messages returns a copy of what was accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// RefuseTo makes the server answer RCPT TO addr with code: 550 for an
// address that does not exist, 451 for a passing failure; 0 accepts it
// again.
func (s *Server) RefuseTo(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseTo[addr] = code
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s}, nil
}

type session struct {
	s      *Server
	authed bool
	msg    Message
}

var errAuth = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}

func (ss *session) AuthMechanisms() []string { return ss.s.mechs }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != ss.s.User || pass != ss.s.Password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}
	switch {
	case !slices.Contains(ss.s.mechs, mech):
		return nil, smtp.ErrAuthUnknownMechanism
	case mech == sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	default:
		return &loginServer{check: check}, nil
	}
}

// loginServer is the server side of the LOGIN mechanism (a draft never
// made an RFC, which go-sasl has only a client for): the server asks for
// the user name, then the password, each in one exchange.
type loginServer struct {
	check func(user, pass string) error
	user  []byte
	step  int
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	l.step++
	switch {
	case l.step == 1 && len(response) > 0: // the user name came with AUTH LOGIN
		l.user, l.step = response, 2
		return []byte("Password:"), false, nil
	case l.step == 1:
		return []byte("Username:"), false, nil
	case l.step == 2:
		l.user = response
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(string(l.user), string(response))
	}
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return errAuth
	}
	ss.msg = Message{From: from}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	code := ss.s.refuseTo[to]
	ss.s.mu.Unlock()
	switch {
	case code >= 500:
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	case code >= 400:
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.msg.Data = data
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ss.msg)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset() { ss.msg = Message{} }

func (ss *session) Logout() error { return nil }
