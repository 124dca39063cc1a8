package inbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"
	"golang.org/x/sync/errgroup"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/mailreply"
	"github.com/tessera-cie/tessera/office"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/validate"
)

// Folders are the mailboxes a message is filed in, created when missing.
type Folders struct {
	Valid     string // every photo passes
	ToFix     string // a photo fails
	NoPhoto   string // no image in the message
	Discarded string // not answered (see Reason), or answered with a short note
	// Verify holds what a clerk must look at and answer by hand: mail
	// whose sender is not authenticated, and mail over the limits of a
	// domain or of the whole inbox.
	Verify string
}

// DefaultFolders are the folder names the clerks see, in Italian.
func DefaultFolders() Folders {
	return Folders{
		Valid:     "Tessera/Valide",
		ToFix:     "Tessera/Da correggere",
		NoPhoto:   "Tessera/Senza foto",
		Discarded: "Tessera/Scartati",
		Verify:    "Tessera/Da verificare",
	}
}

// Defaults of Config.
const (
	// DefaultPerHour is how many answers a sender gets in an hour: a
	// citizen correcting a photo writes a few times; more is a loop or abuse.
	DefaultPerHour = 5
	// DefaultTotalHour is how many answers the inbox sends in an hour: a
	// large city's registry office gets a few hundred photos on its
	// busiest day, and mail providers suspend an account that sends more
	// than a few thousand messages a day (Google Workspace: 2,000), as a
	// flood would make the office's. Over it, messages wait for a clerk.
	DefaultTotalHour = 200
	// DefaultDomainHour is how many answers go to one domain in an hour:
	// a quarter of the total, so that someone who controls a domain
	// cannot take all of it, while the providers most citizens use
	// (gmail.com, libero.it) still get the answers of a busy hour.
	DefaultDomainHour = DefaultTotalHour / 4
	// DefaultMaxBytes is the largest message checked: as the API's body
	// limit (15 MB), a few phone photos in base64.
	DefaultMaxBytes = 15 << 20
	// DefaultPoll is how often the mailbox is read when the server offers
	// no IDLE.
	DefaultPoll = time.Minute
	// idleRenew is how long one IDLE lasts before it is renewed: servers
	// may drop an idle client after 30 minutes (RFC 9051 section 6.3.13).
	idleRenew = 25 * time.Minute
)

// Config is how the inbox reaches its mailbox and answers.
type Config struct {
	// IMAP is the mailbox's server: imaps://host[:993], imap://host[:143]
	// (STARTTLS is required), or imap+plain://host:port, without TLS,
	// allowed only on a loopback address.
	IMAP                   string
	IMAPUser, IMAPPassword string
	// Mailbox is read for new messages ("INBOX").
	Mailbox string
	Folders Folders
	// SMTP is the server answers are sent through: smtps://host[:465],
	// smtp://host[:587] (STARTTLS is required), or smtp+plain://host:port
	// on loopback only. No user: no AUTH.
	SMTP                   string
	SMTPUser, SMTPPassword string
	// From is the office's address: the answers' From and envelope sender.
	From mail.Address
	// Own are more addresses of the mailbox itself, never answered.
	Own []string
	// Bcc gets a copy of every answer (the office's own record).
	Bcc []string
	// Auth is how a message's sender is authenticated: only an
	// authenticated sender is answered.
	Auth SenderAuth
	// Office signs every answer: its name, contacts and privacy notice
	// (mailreply.Signature).
	Office office.Office
	// TLS is the client TLS configuration (nil: the system's roots).
	TLS *tls.Config
	// PerHour bounds the answers to one sender in an hour;
	// PerDomainHour those to one domain, TotalHour all of them. A
	// message over a sender's limit is discarded; one over a domain's or
	// the total waits for a clerk in Folders.Verify.
	PerHour, PerDomainHour, TotalHour int
	// MaxBytes is the largest message checked; a larger one gets a short
	// answer saying so.
	MaxBytes int64
	// Profile is the rules the photos are checked against ("" is cie).
	Profile string
	// Poll is how often the mailbox is read when IDLE is not offered.
	Poll time.Duration
	// Retain is how long the state of a filed message is kept (0: for
	// ever); older rows are deleted at each connection.
	Retain time.Duration
	Log    *slog.Logger
	// Metrics, when set, count the messages, answers and errors.
	Metrics *Metrics
	// AfterStep, when set, is called after each step of a message is
	// recorded: tests stop the process there to prove a restart resumes.
	AfterStep func(k Key, s State)
}

// Inbox answers the photos sent to a mailbox.
type Inbox struct {
	cfg   Config
	store *Store
	v     *validate.Validator
	now   func() time.Time
	// cores holds a token per photo being checked: at most one a core.
	cores chan struct{}
}

// New returns an inbox on cfg that keeps its state in store and checks
// photos with v. Zero fields of cfg take their defaults.
func New(cfg Config, store *Store, v *validate.Validator) (*Inbox, error) {
	if cfg.Mailbox == "" {
		cfg.Mailbox = "INBOX"
	}
	def := DefaultFolders()
	if cfg.Folders == (Folders{}) {
		cfg.Folders = def
	}
	if cfg.Folders.Verify == "" {
		cfg.Folders.Verify = def.Verify
	}
	if cfg.PerHour <= 0 {
		cfg.PerHour = DefaultPerHour
	}
	if cfg.PerDomainHour <= 0 {
		cfg.PerDomainHour = DefaultDomainHour
	}
	if cfg.TotalHour <= 0 {
		cfg.TotalHour = DefaultTotalHour
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	return &Inbox{cfg: cfg, store: store, v: v, now: time.Now, cores: make(chan struct{}, runtime.GOMAXPROCS(0))}, nil
}

// Check reports a configuration the inbox cannot run with: a server URL
// it cannot use, or an office address that is none.
func (cfg *Config) Check() error {
	if !strings.Contains(cfg.From.Address, "@") {
		return fmt.Errorf("inbox: the office's address %q is not an email address", cfg.From.Address)
	}
	for _, u := range []string{cfg.IMAP, cfg.SMTP} {
		if _, _, err := endpoint(u); err != nil {
			return err
		}
	}
	return cfg.Auth.Check()
}

// transport is how a server is reached.
type transport int

const (
	implicitTLS transport = iota // imaps, smtps
	startTLS                     // imap, smtp: STARTTLS required
	plain                        // loopback only
)

// endpoint reads a server URL: its host:port and transport.
func endpoint(raw string) (string, transport, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", 0, fmt.Errorf("inbox: server %q: want a URL such as imaps://mail.example.it", raw)
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
		return "", 0, fmt.Errorf("inbox: server %q: unknown scheme %q", raw, u.Scheme)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = p.port
	}
	if port == "" {
		return "", 0, fmt.Errorf("inbox: server %q: a port is needed", raw)
	}
	if p.t == plain {
		ips, err := net.LookupIP(host)
		if err != nil || len(ips) == 0 || !slices.ContainsFunc(ips, func(ip net.IP) bool { return ip.IsLoopback() }) ||
			slices.ContainsFunc(ips, func(ip net.IP) bool { return !ip.IsLoopback() }) {
			return "", 0, fmt.Errorf("inbox: server %q: without TLS only on a loopback address", raw)
		}
	}
	return net.JoinHostPort(host, port), p.t, nil
}

// ErrLogin is returned when the IMAP server refuses the user and
// password: Run stops rather than try them again.
var ErrLogin = errors.New("inbox: the IMAP server refused the login")

// Run answers the mailbox until ctx ends: everything in it first, then
// each new message as the server announces it (IDLE) or as it is polled.
// A lost connection is opened again, waiting longer after each failure.
func (in *Inbox) Run(ctx context.Context) error {
	const firstWait = time.Second
	wait := firstWait
	for {
		err := in.session(ctx, true, func() { wait = firstWait })
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrLogin) {
			// Trying a wrong password again and again gets accounts
			// locked: the operator must fix it.
			return err
		}
		in.cfg.Metrics.failed("imap")
		in.cfg.Log.Warn("inbox: connection lost; trying again", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

// Once answers everything in the mailbox now and returns.
func (in *Inbox) Once(ctx context.Context) error {
	return in.session(ctx, false, nil)
}

// session is one IMAP connection: the mailbox is read to the end, then,
// if wait, again each time the server says new mail came, until ctx ends.
func (in *Inbox) session(ctx context.Context, wait bool, connected func()) error {
	news := make(chan struct{}, 1)
	ic, err := in.dial(news)
	if err != nil {
		return err
	}
	defer ic.Close()
	c, err := in.login(ic)
	if err != nil {
		return err
	}
	if err := in.makeFolders(c); err != nil {
		return err
	}
	if in.cfg.Retain > 0 {
		n, err := in.store.Forget(ctx, in.now().Add(-in.cfg.Retain))
		if err != nil {
			return err
		}
		if n > 0 {
			in.cfg.Log.Info("inbox: forgot filed messages", "count", n, "older than", in.cfg.Retain.String())
		}
	}
	sel, err := c.Select(c.names.of(in.cfg.Mailbox), nil).Wait()
	if err != nil {
		return fmt.Errorf("inbox: select %s: %w", in.cfg.Mailbox, err)
	}
	if connected != nil {
		connected()
	}
	for {
		err := in.drain(ctx, c, sel.UIDValidity)
		var left *leftError
		if err != nil && !errors.As(err, &left) {
			return err
		}
		if !wait {
			return errors.Join(err, c.Logout().Wait())
		}
		timeout := idleRenew
		if left != nil {
			timeout = retryAfter
		}
		if err := in.await(ctx, c.Client, news, timeout); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// dial connects to the IMAP server; news gets a signal when the server
// says the mailbox changed.
func (in *Inbox) dial(news chan struct{}) (*imapclient.Client, error) {
	addr, t, err := endpoint(in.cfg.IMAP)
	if err != nil {
		return nil, err
	}
	signal := func() {
		select {
		case news <- struct{}{}:
		default:
		}
	}
	opts := &imapclient.Options{
		TLSConfig: in.tlsConfig(addr),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					signal()
				}
			},
		},
	}
	var c *imapclient.Client
	switch t {
	case implicitTLS:
		c, err = imapclient.DialTLS(addr, opts)
	case startTLS:
		c, err = imapclient.DialStartTLS(addr, opts)
	default:
		c, err = imapclient.DialInsecure(addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("inbox: connect to %s: %w", addr, err)
	}
	return c, nil
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

// makeFolders creates the folders that do not exist yet.
func (in *Inbox) makeFolders(c *mailbox) error {
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		return fmt.Errorf("inbox: list folders: %w", err)
	}
	have := map[string]bool{}
	for _, l := range list {
		have[l.Mailbox] = true
	}
	f := in.cfg.Folders
	for _, folder := range []string{f.Valid, f.ToFix, f.NoPhoto, f.Discarded, f.Verify} {
		name := c.names.of(folder)
		if have[name] {
			continue
		}
		if err := create(c.Client, name); err != nil {
			return err
		}
		have[name] = true
	}
	return nil
}

// create makes folder name, the server's name for it; one that exists
// already (made by a clerk meanwhile) is no error.
func create(c *imapclient.Client, name string) error {
	err := c.Create(name, nil).Wait()
	var ie *imap.Error
	if err == nil || errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		return nil
	}
	return fmt.Errorf("inbox: create folder %q: %w", name, err)
}

// await waits, in IDLE or by polling, until the mailbox may have news or
// timeout has passed.
func (in *Inbox) await(ctx context.Context, c *imapclient.Client, news chan struct{}, timeout time.Duration) error {
	if !c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
		case <-news:
		case <-time.After(min(in.cfg.Poll, timeout)):
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
	case <-news:
	case <-time.After(timeout):
	case <-c.Closed():
	}
	if err := idle.Close(); err != nil {
		return fmt.Errorf("inbox: idle: %w", err)
	}
	return idle.Wait()
}

// drain answers every message in the selected mailbox, oldest first.
//
// Messages are answered, recorded and filed one after the other, on the
// one IMAP connection, but read and checked ahead: while one message is
// answered and filed, the photos of the next few are checked on the other
// cores (see ahead and prepare).
func (in *Inbox) drain(ctx context.Context, c *mailbox, uidValidity uint32) error {
	uids, err := waiting(c.Client)
	if err != nil {
		return err
	}
	if err := in.forgetMoved(ctx, uidValidity, uids); err != nil {
		return err
	}
	// Checks started ahead run to their end (they are not cancelled with
	// ctx: the message being answered needs its own); drain waits for
	// them before it returns, so none outlives the pass.
	var checking sync.WaitGroup
	defer checking.Wait()
	ahead := aheadPerCore * runtime.GOMAXPROCS(0)
	queue := make([]*prepared, 0, ahead+1)
	next := 0
	var left []error
	for range uids {
		if err := ctx.Err(); err != nil {
			return nil
		}
		for ; next < len(uids) && len(queue) <= ahead; next++ {
			k := Key{in.cfg.Mailbox, uidValidity, uint32(uids[next])}
			queue = append(queue, in.prepare(ctx, c, k, &checking))
		}
		m := queue[0]
		queue = queue[1:]
		err := in.process(ctx, c, m)
		if err == nil {
			continue
		}
		select {
		case <-c.Closed():
			return fmt.Errorf("inbox: message %s: %w", m.k, err)
		default:
		}
		// One message that cannot be finished now (the SMTP server
		// is away) does not hold up the others; it stays in the
		// mailbox and is tried again.
		in.cfg.Log.Warn("inbox: message left for later", "msg", m.k.String(), "err", err)
		left = append(left, fmt.Errorf("message %s: %w", m.k, err))
	}
	if len(left) > 0 {
		return &leftError{errors.Join(left...)}
	}
	return nil
}

// aheadPerCore is how many messages per core drain reads and checks
// beyond the one it is answering. Two keep every core checking photos
// while one message waits on the SMTP server, the store's disk writes or
// a MOVE; more would only hold more messages in memory (each up to
// MaxBytes).
const aheadPerCore = 2

// prepared is a message read from the mailbox, with the store's record of
// it and, when it is still to be answered, its plan being made.
type prepared struct {
	k     Key
	start time.Time // when it was read, for the reply latency
	r     reading
	e     Entry
	err   error // reading it or asking the store failed

	done chan struct{} // closed when p is made; nil when not started
	p    *plan
}

// prepare reads message k and, when the store says it still needs a
// plan, starts making it in the background (checking its photos).
func (in *Inbox) prepare(ctx context.Context, c *mailbox, k Key, checking *sync.WaitGroup) *prepared {
	m := &prepared{k: k, start: time.Now()}
	raw, size, err := in.fetch(c.Client, k)
	if err != nil {
		in.cfg.Metrics.failed("imap")
		m.err = err
		return m
	}
	// What the store keys on is read from the headers; the photos are
	// checked only when an answer is still to be made, read from the
	// mailbox again after a restart (tessera never stores a photo).
	m.r = in.read(raw, size)
	work := context.WithoutCancel(ctx)
	m.e, _, m.err = in.store.Begin(work, k, m.r.msgID, m.r.keys)
	if m.err != nil || !(m.e.State == Received || m.e.State == Checked && m.e.Reason == "") {
		return m
	}
	m.done = make(chan struct{})
	checking.Add(1)
	go func() {
		defer checking.Done()
		defer close(m.done)
		m.p = in.plan(work, m.r)
	}()
	return m
}

// plan returns the message's plan, waiting for it when it is being made
// and making it now when it was not started.
func (m *prepared) plan(ctx context.Context, in *Inbox) *plan {
	if m.done == nil {
		m.done = make(chan struct{})
		m.p = in.plan(ctx, m.r)
		close(m.done)
	}
	<-m.done
	return m.p
}

// leftError reports messages left in the mailbox for a later pass, the
// connection being fine.
type leftError struct{ err error }

func (e *leftError) Error() string { return "inbox: messages left for later: " + e.err.Error() }
func (e *leftError) Unwrap() error { return e.err }

// retryAfter is how soon messages left for later are tried again.
const retryAfter = time.Minute

// waiting returns the UIDs of the messages in the selected mailbox, oldest
// first. A message someone marked deleted is theirs to expunge, not ours
// to answer.
func waiting(c *imapclient.Client) ([]imap.UID, error) {
	found, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("inbox: search: %w", err)
	}
	uids := found.AllUIDs()
	slices.Sort(uids)
	return uids, nil
}

// login logs in and learns how the server names folders; a refusal of the
// user or password wraps ErrLogin.
func (in *Inbox) login(c *imapclient.Client) (*mailbox, error) {
	err := c.Login(in.cfg.IMAPUser, in.cfg.IMAPPassword).Wait()
	var ie *imap.Error
	switch {
	case err == nil:
	case errors.As(err, &ie) && (ie.Code == imap.ResponseCodeAuthenticationFailed || ie.Type == imap.StatusResponseTypeNo):
		return nil, fmt.Errorf("%w: %w", ErrLogin, err)
	default:
		return nil, fmt.Errorf("inbox: login: %w", err)
	}
	n, err := serverNames(c)
	if err != nil {
		return nil, err
	}
	return &mailbox{Client: c, names: n}, nil
}

// forgetMoved records as filed the messages the store has not finished
// that are no longer in the mailbox: the process stopped after moving
// them and before recording it.
func (in *Inbox) forgetMoved(ctx context.Context, uidValidity uint32, present []imap.UID) error {
	open, err := in.store.Unfinished(ctx, in.cfg.Mailbox)
	if err != nil {
		return err
	}
	for _, e := range open {
		if e.UIDValidity != uidValidity || slices.Contains(present, imap.UID(e.UID)) {
			continue
		}
		if e.State == Checked || e.State == Replied {
			if err := in.store.Filed(ctx, e.Key); err != nil {
				return err
			}
			in.cfg.Log.Info("inbox: found filed", "msg", e.Key.String(), "folder", e.Folder)
		}
	}
	return nil
}

// plan is what the inbox does with one message.
type plan struct {
	folder string
	reason Reason
	reply  []byte   // the answer, when one is sent
	to     []string // its envelope recipients
	files  []string // the names of the photos attached to it
	note   string   // for the log: what the message held
}

// maxSendAttempts is how many passes try to hand an answer to an SMTP
// server that is away or says "try later" (a pass a minute apart at
// most: an hour and more) before the message is filed for a clerk.
const maxSendAttempts = 60

// process takes message m as far as it can go from the step it is at.
// It runs to the end of the step it is in even when ctx ends (a stop
// between messages, not within one); ctx is checked between steps.
func (in *Inbox) process(ctx context.Context, c *mailbox, m *prepared) error {
	if m.err != nil {
		return m.err
	}
	work := context.WithoutCancel(ctx)
	k, e, start := m.k, m.e, m.start
	log := in.cfg.Log.With("msg", k.String(), "sender", m.r.sender)
	planned := func() *plan { return m.plan(work, in) }
	for {
		switch e.State {
		case Received:
			p := planned()
			if err := in.store.Checked(work, k, p.folder, p.reason); err != nil {
				return err
			}
			log.Info("inbox: checked", "folder", p.folder, "reason", string(p.reason), "what", p.note)
			e.State, e.Folder, e.Reason = Checked, p.folder, p.reason
		case Checked:
			if e.Reason != "" {
				if err := in.file(work, c, k, e.Folder); err != nil {
					return err
				}
				e.State = Filed
				break
			}
			p := planned()
			if p.reply == nil {
				// Checked to be answered before a restart, but now not
				// to be (the rules or --own changed): filed as now told.
				if err := in.store.Discard(work, k, in.cfg.Folders.Discarded, p.reason); err != nil {
					return err
				}
				e.Folder, e.Reason = in.cfg.Folders.Discarded, p.reason
				continue
			}
			lim := Limits{PerSender: in.cfg.PerHour, PerDomain: in.cfg.PerDomainHour, Total: in.cfg.TotalHour}
			err := in.store.Sending(work, k, lim, in.now().Add(-time.Hour))
			var reason Reason
			switch {
			case errors.Is(err, ErrDuplicate):
				reason = Duplicate
			case errors.Is(err, ErrRateLimited):
				reason = RateLimited
			case errors.Is(err, ErrDomainLimit):
				reason = DomainLimited
			case errors.Is(err, ErrHourlyCap):
				reason = HourlyCap
			case err != nil:
				return err
			}
			if reason != "" {
				folder := in.cfg.Folders.unanswered(reason)
				if err := in.store.Discard(work, k, folder, reason); err != nil {
					return err
				}
				log.Info("inbox: not answered", "reason", string(reason), "folder", folder)
				e.Folder, e.Reason = folder, reason
				continue
			}
			e.State = Sending
			in.after(k, Sending)
			err = in.send(p)
			switch {
			case err == nil:
				in.cfg.Metrics.replied(start)
				if err := in.store.Replied(work, k); err != nil {
					return err
				}
				log.Info("inbox: answered", "folder", e.Folder)
				e.State = Replied
			case errors.Is(err, errRefused):
				if err := in.store.Refused(work, k, in.cfg.Folders.Discarded); err != nil {
					return err
				}
				log.Warn("inbox: the answer was refused; filed unanswered", "err", err)
				e.State, e.Folder, e.Reason = Checked, in.cfg.Folders.Discarded, Undeliverable
				continue
			case errors.Is(err, errNotSent):
				in.cfg.Metrics.failed("smtp")
				// Surely not sent: back to checked, tried again on a
				// later pass, up to maxSendAttempts.
				n, uerr := in.store.Unsend(work, k, err.Error())
				if uerr != nil {
					return errors.Join(err, uerr)
				}
				if n < maxSendAttempts {
					return err
				}
				if err := in.store.Discard(work, k, in.cfg.Folders.Discarded, NotSent); err != nil {
					return err
				}
				log.Warn("inbox: the answer could not be sent; filed for a clerk", "attempts", n, "err", err)
				e.State, e.Folder, e.Reason = Checked, in.cfg.Folders.Discarded, NotSent
				continue
			default:
				// It may have left: as after a stop while sending.
				log.Warn("inbox: sending failed half-way", "err", err)
			}
		case Sending:
			// The process stopped while handing the answer over: it may
			// have left. Filed for a clerk, never sent twice.
			if err := in.store.Unconfirmed(work, k, in.cfg.Folders.Discarded); err != nil {
				return err
			}
			log.Warn("inbox: the answer may not have been sent; filed for a clerk", "folder", in.cfg.Folders.Discarded)
			e.State, e.Folder, e.Reason = Checked, in.cfg.Folders.Discarded, Unconfirmed
			continue
		case Replied:
			if err := in.file(work, c, k, e.Folder); err != nil {
				return err
			}
			e.State = Filed
		case Filed:
			return nil
		}
		if e.State == Filed {
			in.cfg.Metrics.filed(in.outcome(e))
		}
		in.after(k, e.State)
	}
}

// unanswered is the folder of a message not answered for reason: mail a
// clerk must answer by hand goes to Verify, the rest to Discarded.
func (f Folders) unanswered(reason Reason) string {
	switch reason {
	case Unauthenticated, DomainLimited, HourlyCap:
		return f.Verify
	}
	return f.Discarded
}

// outcome names how message e ended, for the metrics: the reason it was
// not answered, or the folder it was answered into.
func (in *Inbox) outcome(e Entry) string {
	if e.Reason != "" {
		return string(e.Reason)
	}
	switch f := in.cfg.Folders; e.Folder {
	case f.Valid:
		return "valid"
	case f.ToFix:
		return "to_fix"
	case f.NoPhoto:
		return "no_photo"
	}
	return "other"
}

// after calls the AfterStep hook.
func (in *Inbox) after(k Key, s State) {
	if in.cfg.AfterStep != nil {
		in.cfg.AfterStep(k, s)
	}
}

// fetch reads message k: the whole of it, or only its header when it is
// larger than MaxBytes.
func (in *Inbox) fetch(c *imapclient.Client, k Key) (raw []byte, size int64, err error) {
	uid := imap.UIDSetNum(imap.UID(k.UID))
	msgs, err := c.Fetch(uid, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, 0, fmt.Errorf("fetch size: %w", err)
	}
	if len(msgs) != 1 {
		return nil, 0, fmt.Errorf("fetch size: %d messages", len(msgs))
	}
	size = msgs[0].RFC822Size
	section := &imap.FetchItemBodySection{Peek: true}
	if size > in.cfg.MaxBytes {
		section.Specifier = imap.PartSpecifierHeader
	}
	msgs, err = c.Fetch(uid, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, 0, fmt.Errorf("fetch: %w", err)
	}
	if len(msgs) != 1 {
		return nil, 0, fmt.Errorf("fetch: %d messages", len(msgs))
	}
	return msgs[0].FindBodySection(section), size, nil
}

// More reasons a message is not answered, found by the inbox.
const (
	// Duplicate: the same message (by Message-ID) was answered already.
	Duplicate Reason = "duplicate"
	// Malformed: the message cannot be read as an email.
	Malformed Reason = "malformed"
	// Undeliverable: the SMTP server refused the answer for good (the
	// citizen's address does not exist, or the answer was rejected).
	Undeliverable Reason = "undeliverable"
	// NotSent: the SMTP server was away or said "try later" on every
	// attempt (maxSendAttempts).
	NotSent Reason = "not-sent"
	// DomainLimited: the sender's domain had Config.PerDomainHour
	// answers in the last hour.
	DomainLimited Reason = "domain-limited"
	// HourlyCap: the inbox sent Config.TotalHour answers in the last
	// hour.
	HourlyCap Reason = "hourly-cap"
)

// reading is what the headers of a message say, read cheaply before the
// store is asked how far the message got.
type reading struct {
	msg      *mailphoto.Message // nil when unreadable
	decision Decision
	size     int64
	msgID    string
	keys     SenderKeys // the authenticated sender's, for the limits
	sender   string     // keys.Address, for the logs
}

// read parses the message raw (only its header when size is over
// MaxBytes) and decides from its headers.
func (in *Inbox) read(raw []byte, size int64) reading {
	r := reading{size: size}
	parse := mailphoto.Read
	if size > in.cfg.MaxBytes {
		parse = mailphoto.ReadHeader // only the header was fetched
	}
	m, err := parse(bytes.NewReader(raw))
	if err == nil {
		r.msg = m
		r.decision = Decide(m, append([]string{in.cfg.From.Address}, in.cfg.Own...), in.cfg.Auth)
		r.msgID, _ = r.decision.Header.MessageID()
		if r.decision.Sender != nil && in.store != nil { // no store in a dry run
			r.keys = in.store.SenderKeys(r.decision.Sender.Address)
			r.sender = r.keys.Address
		}
	}
	if r.msgID == "" {
		sum := sha256.Sum256(raw)
		r.msgID = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return r
}

// plan decides what to do with a message read: the folder, and whether
// and what to answer, checking its photos.
func (in *Inbox) plan(ctx context.Context, r reading) *plan {
	f := in.cfg.Folders
	if r.msg == nil {
		return &plan{folder: f.Discarded, reason: Malformed, note: "unreadable"}
	}
	d := r.decision
	if d.Reason != "" {
		return &plan{folder: f.unanswered(d.Reason), reason: d.Reason, note: string(d.Reason)}
	}
	lang := language(d.Header)
	answer := func(folder, text, note string, attach []mailreply.Attachment) *plan {
		text += mailreply.Signature(lang, in.cfg.Office)
		reply := mailreply.Reply{From: &in.cfg.From, To: d.To, Original: d.Header, Lang: lang, Text: text, Attachments: attach, Date: in.now()}
		data, err := reply.Bytes()
		if err != nil {
			return &plan{folder: f.Discarded, reason: NoSender, note: err.Error()}
		}
		return &plan{folder: folder, reply: data, to: append([]string{d.To.Address}, in.cfg.Bcc...), note: note}
	}
	if r.size > in.cfg.MaxBytes {
		return answer(f.Discarded, mailreply.TooLargeText(lang, r.size, in.cfg.MaxBytes), "too large", nil)
	}
	if len(r.msg.Images) == 0 {
		return answer(f.NoPhoto, mailreply.NoPhotoText(lang), "no photo", nil)
	}
	imgs, skipped := slices.Clone(r.msg.Images), 0
	if len(imgs) > mailphoto.MaxImages {
		skipped = len(imgs) - mailphoto.MaxImages
		imgs = imgs[:mailphoto.MaxImages]
	}
	// The answer names each photo, and names are the sender's text.
	for i := range imgs {
		imgs[i].Name = mailreply.SafeName(imgs[i].Name, i+1)
	}
	opts := validate.Options{Profile: in.cfg.Profile, Lang: lang, Now: in.now()}
	// The photos of a message are checked side by side, a core each,
	// and beside those of the messages read ahead: in.cores keeps the
	// checks to one a core, first come first served, so the message
	// being answered goes first. The answer keeps their order.
	reports := make([]*validate.Report, len(imgs))
	fixes := make([]*mailreply.Attachment, len(imgs))
	var g errgroup.Group
	for i, im := range imgs {
		g.Go(func() error {
			in.cores <- struct{}{}
			defer func() { <-in.cores }()
			reports[i], fixes[i] = in.check(ctx, im, opts)
			return nil
		})
	}
	g.Wait()
	var attach []mailreply.Attachment
	pass := true
	for i, rep := range reports {
		pass = pass && rep.Pass
		if fixes[i] != nil {
			attach = append(attach, *fixes[i])
		}
	}
	folder := f.ToFix
	if pass {
		folder = f.Valid
	}
	text := mailreply.Text(lang, reports, skipped)
	names := make([]string, len(attach))
	for i, a := range attach {
		names[i] = a.Name
	}
	if len(names) > 0 {
		rules, _ := validate.LookupProfile(in.cfg.Profile)
		text += mailreply.FixedText(lang, names, rules)
	}
	p := answer(folder, text, fmt.Sprintf("%d photos, %d fixed", len(reports), len(attach)), attach)
	if p.reply != nil {
		p.files = names
	}
	return p
}

// check checks one image; fixed is the corrected photo when a crop, a
// scale or a new JPEG make it pass.
func (in *Inbox) check(ctx context.Context, im mailphoto.Image, opts validate.Options) (*validate.Report, *mailreply.Attachment) {
	if im.Broken != nil {
		rep, err := validate.Unextracted(im.Name, im.Broken, opts)
		if err != nil {
			return &validate.Report{File: im.Name, Error: err.Error()}, nil
		}
		return rep, nil
	}
	res, err := in.v.Analyze(ctx, im.Name, im.Data, opts)
	if err != nil {
		return &validate.Report{File: im.Name, Error: err.Error(), Err: err}, nil
	}
	// The corrected copy goes with the answer when it passes.
	valid, err := photofix.MakeValid(ctx, in.v, res, opts)
	if err != nil || valid.Fixed == nil {
		return res.Report, nil
	}
	return res.Report, &mailreply.Attachment{Name: photofix.FileName(im.Name), Type: "image/jpeg", Data: valid.Fixed.JPEG}
}

// language is the answer's language: the one the citizen's message names
// (Content-Language), when tessera speaks it; else the one its subject
// reads as (English, German); else Italian.
func language(h mail.Header) string {
	if cl := strings.TrimSpace(h.Get("Content-Language")); cl != "" {
		if l, ok := catalog.Negotiate(cl); ok {
			return l
		}
		return catalog.Default
	}
	subject, _ := h.Subject()
	votes := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(subject), func(r rune) bool {
		return !unicode.IsLetter(r)
	}) {
		switch w {
		case "photo", "photos", "picture", "my", "the", "for", "identity", "card", "id", "please", "hello", "passport":
			votes["en"]++
		case "foto", "fototessera", "la", "il", "per", "carta", "identità", "mia", "ciao", "buongiorno", "salve", "documento":
			votes["it"]++
		case "bild", "lichtbild", "passbild", "passfoto", "ausweis", "personalausweis", "identitätskarte", "für", "mein", "meine", "das", "die", "der", "guten", "tag", "hallo", "bitte":
			votes["de"]++
		}
	}
	best := catalog.Default
	for _, l := range catalog.Languages() {
		if votes[l] > votes[best] {
			best = l
		}
	}
	return best
}

// Planned is what a dry run found for one message.
type Planned struct {
	UID    uint32
	Folder string
	// Reason is why it would not be answered ("" when it would be).
	Reason Reason
	// Sender is the keyed hash of the sender ("" in a dry run, which
	// opens no state and so has no key).
	Sender string
	// Note says what the message held ("2 photos, 1 fixed", "no photo").
	Note string
	// Attachments are the corrected photos the answer would carry.
	Attachments []string
}

// DryRun reads the mailbox (EXAMINE: nothing in it changes), checks the
// photos of every message and returns what Once would do with each,
// without answering, moving or recording anything. Duplicates and the
// hourly limit, which depend on answers sent, are not judged.
func (in *Inbox) DryRun(ctx context.Context) ([]Planned, error) {
	ic, err := in.dial(make(chan struct{}, 1))
	if err != nil {
		return nil, err
	}
	defer ic.Close()
	c, err := in.login(ic)
	if err != nil {
		return nil, err
	}
	if _, err := c.Select(c.names.of(in.cfg.Mailbox), &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil, fmt.Errorf("inbox: examine %s: %w", in.cfg.Mailbox, err)
	}
	uids, err := waiting(c.Client)
	if err != nil {
		return nil, err
	}
	var out []Planned
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		k := Key{in.cfg.Mailbox, 0, uint32(uid)}
		raw, size, err := in.fetch(c.Client, k)
		if err != nil {
			return out, fmt.Errorf("inbox: message %d: %w", uid, err)
		}
		r := in.read(raw, size)
		p := in.plan(ctx, r)
		pl := Planned{UID: uint32(uid), Folder: p.folder, Reason: p.reason, Note: p.note, Attachments: p.files}
		if p.reply != nil {
			pl.Sender = r.sender
		}
		out = append(out, pl)
	}
	return out, c.Logout().Wait()
}
