package inbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/tessera-cie/tessera/office"
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

// Inbox answers the photos sent to a mailbox. Its parts: the IMAP server
// (imap.go), the message pipeline (drain.go), each message's steps
// (process.go), what to do with a message (decide.go, trust.go, plan.go),
// the SMTP server (send.go) and the state (store.go).
type Inbox struct {
	cfg        Config
	imap, smtp server // cfg.IMAP and cfg.SMTP, read
	store      *Store
	v          *validate.Validator
	now        func() time.Time
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
	in := &Inbox{cfg: cfg, store: store, v: v, now: time.Now, cores: make(chan struct{}, runtime.GOMAXPROCS(0))}
	var err error
	if in.imap, err = endpoint(cfg.IMAP); err != nil {
		return nil, err
	}
	if in.smtp, err = endpoint(cfg.SMTP); err != nil {
		return nil, err
	}
	return in, nil
}

// Check reports a configuration the inbox cannot run with: a server URL
// it cannot use, an office address that is none, rules tessera does not
// know.
func (cfg *Config) Check() error {
	if !strings.Contains(cfg.From.Address, "@") {
		return fmt.Errorf("inbox: the office's address %q is not an email address", cfg.From.Address)
	}
	for _, u := range []string{cfg.IMAP, cfg.SMTP} {
		if _, err := endpoint(u); err != nil {
			return err
		}
	}
	if _, ok := validate.LookupProfile(cfg.Profile); !ok {
		return fmt.Errorf("inbox: %w %q (known: %v)", validate.ErrUnknownProfile, cfg.Profile, validate.ProfileNames())
	}
	return cfg.Auth.Check()
}

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
	c, uidValidity, err := in.connect(false)
	if err != nil {
		return err
	}
	defer c.close()
	if in.cfg.Retain > 0 {
		n, err := in.store.Forget(ctx, in.now().Add(-in.cfg.Retain))
		if err != nil {
			return err
		}
		if n > 0 {
			in.cfg.Log.Info("inbox: forgot filed messages", "count", n, "older than", in.cfg.Retain.String())
		}
	}
	if connected != nil {
		connected()
	}
	for {
		err := in.drain(ctx, c, uidValidity)
		var left *leftError
		if err != nil && !errors.As(err, &left) {
			return err
		}
		if !wait {
			return errors.Join(err, c.logout())
		}
		timeout := idleRenew
		if left != nil {
			timeout = retryAfter
		}
		if err := c.await(ctx, in.cfg.Poll, timeout); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
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
	c, _, err := in.connect(true)
	if err != nil {
		return nil, err
	}
	defer c.close()
	uids, err := c.waiting()
	if err != nil {
		return nil, err
	}
	var out []Planned
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		raw, size, err := c.fetch(uint32(uid), in.cfg.MaxBytes)
		if err != nil {
			return out, fmt.Errorf("inbox: message %d: %w", uid, err)
		}
		r := in.read(raw, size)
		p, err := in.plan(ctx, r)
		if err != nil {
			return out, fmt.Errorf("inbox: message %d: %w", uid, err)
		}
		pl := Planned{UID: uint32(uid), Folder: p.folder, Reason: p.reason, Note: p.note, Attachments: p.files}
		if p.reply != nil {
			pl.Sender = r.sender
		}
		out = append(out, pl)
	}
	return out, c.logout()
}
