package inbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tessera-cie/tessera/mailphoto"
)

// This file: the IMAP server, as the message pipeline sees it (conn) and
// as go-imap's client reaches it (imapConn): connecting, logging in, the
// folders, reading, waiting for news and filing.

// conn is one connection to the mailbox, logged in, the mailbox selected:
// what the message pipeline (drain, process) asks of the server.
type conn interface {
	// waiting returns the UIDs of the messages in the mailbox, oldest
	// first. A message someone marked deleted is theirs to expunge, not
	// the inbox's to answer.
	waiting() ([]imap.UID, error)
	// fetch reads message uid: the whole of it, or only its header when
	// it is larger than max bytes; size is its whole size.
	fetch(uid uint32, max int64) (raw []byte, size int64, err error)
	// move files message uid in folder, named as configured; a folder
	// deleted since the connection began is made again.
	move(uid uint32, folder string) error
	// await waits until the mailbox may have news (in IDLE, or polling
	// every poll), ctx ends or timeout passes.
	await(ctx context.Context, poll, timeout time.Duration) error
	// closed is closed when the connection is lost.
	closed() <-chan struct{}
	logout() error
}

// transport is how a server is reached.
type transport int

const (
	implicitTLS transport = iota // imaps, smtps
	startTLS                     // imap, smtp: STARTTLS required
	plain                        // loopback only
)

// server is a server URL of the configuration, read: where to connect and
// how.
type server struct {
	addr string // host:port, as configured
	t    transport
	// loopback are the addresses of a plain server's host, each
	// ip:port, tried in turn.
	loopback []string
}

// endpoint reads a server URL. A server without TLS must be on a loopback
// address: its name is looked up here, once, and its addresses are
// dialled, so that a name that later resolves elsewhere is not followed
// without TLS.
func endpoint(raw string) (server, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return server{}, fmt.Errorf("inbox: server %q: want a URL such as imaps://mail.example.it", raw)
	}
	ports := map[string]struct {
		port string
		t    transport
	}{
		"imaps": {"993", implicitTLS}, "imap": {"143", startTLS}, "imap+plain": {"", plain},
		"smtps": {"465", implicitTLS}, "smtp": {"587", startTLS}, "smtp+plain": {"", plain},
	}
	p, ok := ports[u.Scheme]
	if !ok {
		return server{}, fmt.Errorf("inbox: server %q: unknown scheme %q", raw, u.Scheme)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = p.port
	}
	if port == "" {
		return server{}, fmt.Errorf("inbox: server %q: a port is needed", raw)
	}
	s := server{addr: net.JoinHostPort(host, port), t: p.t}
	if p.t == plain {
		ips, err := net.LookupIP(host)
		if err != nil || len(ips) == 0 || slices.ContainsFunc(ips, func(ip net.IP) bool { return !ip.IsLoopback() }) {
			return server{}, fmt.Errorf("inbox: server %q: without TLS only on a loopback address", raw)
		}
		for _, ip := range ips {
			s.loopback = append(s.loopback, net.JoinHostPort(ip.String(), port))
		}
	}
	return s, nil
}

// dialServer connects to s with dial, at each of a plain server's loopback
// addresses in turn until one answers; the error names s as configured.
func dialServer[C any](s server, dial func(addr string) (C, error)) (C, error) {
	addrs := []string{s.addr}
	if s.t == plain {
		addrs = s.loopback
	}
	var c C
	var errs []error
	for _, a := range addrs {
		var err error
		if c, err = dial(a); err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// tlsConfig is cfg.TLS with the server name of addr.
func (in *Inbox) tlsConfig(addr string) *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if in.cfg.TLS != nil {
		c = in.cfg.TLS.Clone()
	}
	if c.ServerName == "" {
		c.ServerName, _, _ = net.SplitHostPort(addr)
	}
	return c
}

// imapConn is a conn on go-imap's client.
type imapConn struct {
	c     *imapclient.Client
	names names
	news  chan struct{} // a signal when the server says the mailbox changed
	log   *slog.Logger
}

var _ conn = (*imapConn)(nil)

// connect connects and logs in to the IMAP server, and selects the
// mailbox: read-only (EXAMINE) for a dry run, else after making the
// folders that are missing. It returns the mailbox's UIDVALIDITY.
func (in *Inbox) connect(readOnly bool) (*imapConn, uint32, error) {
	ic := &imapConn{news: make(chan struct{}, 1), log: in.cfg.Log}
	if err := ic.dial(in.imap, in.tlsConfig(in.imap.addr)); err != nil {
		return nil, 0, err
	}
	ok := false
	defer func() {
		if !ok {
			ic.c.Close()
		}
	}()
	if err := ic.login(in.cfg.IMAPUser, in.cfg.IMAPPassword); err != nil {
		return nil, 0, err
	}
	verb := "examine"
	if !readOnly {
		verb = "select"
		f := in.cfg.Folders
		if err := ic.makeFolders(f.Valid, f.ToFix, f.NoPhoto, f.Discarded, f.Verify); err != nil {
			return nil, 0, err
		}
	}
	sel, err := ic.c.Select(ic.names.of(in.cfg.Mailbox), &imap.SelectOptions{ReadOnly: readOnly}).Wait()
	if err != nil {
		return nil, 0, fmt.Errorf("inbox: %s %s: %w", verb, in.cfg.Mailbox, err)
	}
	ok = true
	return ic, sel.UIDValidity, nil
}

// dial connects to the IMAP server s.
func (ic *imapConn) dial(s server, tc *tls.Config) error {
	opts := &imapclient.Options{
		TLSConfig: tc,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case ic.news <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var err error
	ic.c, err = dialServer(s, func(addr string) (*imapclient.Client, error) {
		switch s.t {
		case implicitTLS:
			return imapclient.DialTLS(addr, opts)
		case startTLS:
			return imapclient.DialStartTLS(addr, opts)
		}
		return imapclient.DialInsecure(addr, opts)
	})
	if err != nil {
		return fmt.Errorf("inbox: connect to %s: %w", s.addr, err)
	}
	return nil
}

// ErrLogin is returned when the IMAP server refuses the user and
// password: Run stops rather than try them again.
var ErrLogin = errors.New("inbox: the IMAP server refused the login")

// login logs in and learns how the server names folders; a refusal of the
// user or password wraps ErrLogin.
func (ic *imapConn) login(user, password string) error {
	err := ic.c.Login(user, password).Wait()
	var ie *imap.Error
	switch {
	case err == nil:
	case errors.As(err, &ie) && (ie.Code == imap.ResponseCodeAuthenticationFailed || ie.Type == imap.StatusResponseTypeNo):
		return fmt.Errorf("%w: %w", ErrLogin, err)
	default:
		return fmt.Errorf("inbox: login: %w", err)
	}
	ic.names, err = serverNames(ic.c)
	return err
}

// makeFolders creates the folders that do not exist yet.
func (ic *imapConn) makeFolders(folders ...string) error {
	list, err := ic.c.List("", "*", nil).Collect()
	if err != nil {
		return fmt.Errorf("inbox: list folders: %w", err)
	}
	have := map[string]bool{}
	for _, l := range list {
		have[l.Mailbox] = true
	}
	for _, folder := range folders {
		name := ic.names.of(folder)
		if have[name] {
			continue
		}
		if err := ic.create(name); err != nil {
			return err
		}
		have[name] = true
	}
	return nil
}

// create makes folder name, the server's name for it; one that exists
// already (made by a clerk meanwhile) is no error.
func (ic *imapConn) create(name string) error {
	err := ic.c.Create(name, nil).Wait()
	var ie *imap.Error
	if err == nil || errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		return nil
	}
	return fmt.Errorf("inbox: create folder %q: %w", name, err)
}

func (ic *imapConn) waiting() ([]imap.UID, error) {
	found, err := ic.c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("inbox: search: %w", err)
	}
	uids := found.AllUIDs()
	slices.Sort(uids)
	return uids, nil
}

func (ic *imapConn) fetch(uid uint32, max int64) (raw []byte, size int64, err error) {
	set := imap.UIDSetNum(imap.UID(uid))
	msgs, err := ic.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, 0, fmt.Errorf("fetch size: %w", err)
	}
	if len(msgs) != 1 {
		return nil, 0, fmt.Errorf("fetch size: %d messages", len(msgs))
	}
	size = msgs[0].RFC822Size
	section := &imap.FetchItemBodySection{Peek: true}
	if size > max {
		// The header alone, and no more of it than mailphoto.ReadHeader
		// reads: a header is the sender's, as large as the message.
		section.Specifier = imap.PartSpecifierHeader
		section.Partial = &imap.SectionPartial{Size: mailphoto.MaxHeaderBytes + 1}
	}
	msgs, err = ic.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, 0, fmt.Errorf("fetch: %w", err)
	}
	if len(msgs) != 1 {
		return nil, 0, fmt.Errorf("fetch: %d messages", len(msgs))
	}
	return msgs[0].FindBodySection(section), size, nil
}

// move is MOVE, else COPY, \Deleted and UID EXPUNGE (plain EXPUNGE, which
// would also remove what another client marked deleted, only on a server
// without UIDPLUS). A folder deleted since the session began (the server
// answers TRYCREATE) is made again.
func (ic *imapConn) move(uid uint32, folder string) error {
	set := imap.UIDSetNum(imap.UID(uid))
	folder = ic.names.of(folder)
	c := ic.c
	move := func() error {
		if c.Caps().Has(imap.CapMove) {
			if _, err := c.Move(set, folder).Wait(); err != nil {
				return fmt.Errorf("move to %q: %w", folder, err)
			}
			return nil
		}
		if _, err := c.Copy(set, folder).Wait(); err != nil {
			return fmt.Errorf("copy to %q: %w", folder, err)
		}
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			return fmt.Errorf("flag deleted: %w", err)
		}
		if c.Caps().Has(imap.CapUIDPlus) {
			if err := c.UIDExpunge(set).Close(); err != nil {
				return fmt.Errorf("uid expunge: %w", err)
			}
		} else if err := c.Expunge().Close(); err != nil {
			return fmt.Errorf("expunge: %w", err)
		}
		return nil
	}
	err := move()
	if ie := (*imap.Error)(nil); errors.As(err, &ie) && ie.Code == imap.ResponseCodeTryCreate {
		ic.log.Warn("inbox: a folder was deleted; making it again", "folder", folder)
		if err = ic.create(folder); err == nil {
			err = move()
		}
	}
	return err
}

func (ic *imapConn) await(ctx context.Context, poll, timeout time.Duration) error {
	c := ic.c
	if !c.Caps().Has(imap.CapIdle) {
		// Polled: a connection the server closes meanwhile ends the
		// wait at once (the NOOP reports it), not a poll later.
		select {
		case <-ctx.Done():
		case <-ic.news:
		case <-c.Closed():
		case <-time.After(min(poll, timeout)):
		}
		// A NOOP lets the server tell of new messages.
		return c.Noop().Wait()
	}
	idle, err := c.Idle()
	if err != nil {
		return fmt.Errorf("inbox: idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-ic.news:
	case <-time.After(timeout):
	case <-c.Closed():
	}
	if err := idle.Close(); err != nil {
		return fmt.Errorf("inbox: idle: %w", err)
	}
	return idle.Wait()
}

func (ic *imapConn) closed() <-chan struct{} { return ic.c.Closed() }

func (ic *imapConn) logout() error { return ic.c.Logout().Wait() }

// close closes the connection without logging out.
func (ic *imapConn) close() error { return ic.c.Close() }
