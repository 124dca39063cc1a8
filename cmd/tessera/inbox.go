package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/tessera-cie/tessera/config"
	"github.com/tessera-cie/tessera/inbox"
	"github.com/tessera-cie/tessera/office"
)

// inboxSettings are tessera inbox's settings, read and checked.
type inboxSettings struct {
	cfg          inbox.Config
	state        string
	store        inbox.StoreOptions
	metricsAddr  string
	once, dryRun bool
	// waitOnRefusal: after a refused login, wait for imapPassword to give
	// another password (--login-refused wait) instead of exiting.
	waitOnRefusal bool
	imapPassword  func() (string, error)
}

// inboxFlags are the flags of tessera inbox, before they are read into
// inboxSettings.
type inboxFlags struct {
	imap, imapUser, imapPassFile, smtp, smtpUser, smtpPassFile string
	from, own, bcc, state, stateKey, mailbox                   string
	folders                                                    inbox.Folders
	authserv, pecDomains                                       string
	noAuthResults                                              bool
	perHour, perDomain, hourlyCap, maxMB                       int
	profile, retain, caFile, metricsAddr, loginRefused         string
	poll                                                       time.Duration
	once, dryRun                                               bool
}

// define defines the flags on fs.
func (fl *inboxFlags) define(fs *flag.FlagSet) {
	def := inbox.DefaultFolders()
	fs.StringVar(&fl.imap, "imap", "", "the mailbox's server: imaps://[user@]host[:993][/FOLDER], imap://... (STARTTLS), imap+plain://... on loopback")
	fs.StringVar(&fl.imapUser, "imap-user", "", "IMAP user, if not in the URL; the password is read from TESSERA_IMAP_PASSWORD, or from the file named by --imap-password-file")
	fs.StringVar(&fl.imapPassFile, "imap-password-file", "", "file holding the IMAP password")
	fs.StringVar(&fl.smtp, "smtp", "", "the server answers go through: smtps://[user@]host[:465], smtp://... (STARTTLS), smtp+plain://... on loopback")
	fs.StringVar(&fl.smtpUser, "smtp-user", "", "SMTP user, if not in the URL; none for no AUTH; the password from TESSERA_SMTP_PASSWORD or the file named by --smtp-password-file")
	fs.StringVar(&fl.smtpPassFile, "smtp-password-file", "", "file holding the SMTP password")
	fs.StringVar(&fl.from, "from", "", `the office's address, "Anagrafe <anagrafe@comune.example.it>"; default: office.name and office.email`)
	fs.StringVar(&fl.own, "own", "", "more addresses of the mailbox itself, comma separated: never answered")
	fs.StringVar(&fl.bcc, "bcc", "", "addresses that get a copy of every answer, comma separated")
	fs.StringVar(&fl.state, "state", "tessera-inbox.db", "the state database (SQLite)")
	fs.StringVar(&fl.stateKey, "state-key-file", "", "the file holding the key of the state's hashes, made with the state (default: the state's path and .key); or the key itself, in hex, in TESSERA_STATE_KEY")
	fs.StringVar(&fl.mailbox, "mailbox", "INBOX", "the folder read for new messages")
	fs.StringVar(&fl.folders.Valid, "folder-valid", def.Valid, "folder of messages whose photos all pass")
	fs.StringVar(&fl.folders.ToFix, "folder-to-fix", def.ToFix, "folder of messages with a photo to fix")
	fs.StringVar(&fl.folders.NoPhoto, "folder-no-photo", def.NoPhoto, "folder of messages without a photo")
	fs.StringVar(&fl.folders.Discarded, "folder-discarded", def.Discarded, "folder of messages not answered (automatic mail, receipts, over a sender's limit)")
	fs.StringVar(&fl.folders.Verify, "folder-verify", def.Verify, "folder of messages a clerk must answer: sender not authenticated, over a domain's or the hourly limit")
	fs.StringVar(&fl.authserv, "authserv-id", "", "the name(s) the office's mail server records its SPF/DKIM/DMARC results under in Authentication-Results, comma separated, e.g. mx.comune.example.it: only senders it authenticated are answered")
	fs.BoolVar(&fl.noAuthResults, "no-auth-results", false, "the office's mail server records no Authentication-Results: answer From as it is, never Reply-To")
	fs.StringVar(&fl.pecDomains, "pec-domains", "", "domains of the PEC providers whose envelopes are trusted, comma separated, e.g. pec.aruba.it,legalmail.it; PEC from others is filed for a clerk")
	fs.IntVar(&fl.perHour, "per-hour", inbox.DefaultPerHour, "answers to one sender in an hour at most (its address in any case, with any +tag); more are filed unanswered")
	fs.IntVar(&fl.perDomain, "per-domain", inbox.DefaultDomainHour, "answers to one domain in an hour at most; more wait for a clerk in --folder-verify")
	fs.IntVar(&fl.hourlyCap, "hourly-cap", inbox.DefaultTotalHour, "answers in all in an hour at most; more wait for a clerk in --folder-verify")
	fs.IntVar(&fl.maxMB, "max-mb", inbox.DefaultMaxBytes>>20, "largest message checked, in MB; a larger one gets a short answer")
	profileFlag(fs, &fl.profile, "rules the photos are checked against")
	fs.DurationVar(&fl.poll, "poll", inbox.DefaultPoll, "how often the mailbox is read when the server has no IDLE")
	fs.StringVar(&fl.retain, "retain", "90d", "how long the state of a filed message is kept (e.g. 90d, 720h; 0 for ever)")
	fs.StringVar(&fl.caFile, "ca-file", "", "PEM file of the certificate authority of the mail servers, when not a public one")
	fs.StringVar(&fl.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics, e.g. 127.0.0.1:9464")
	fs.StringVar(&fl.loginRefused, "login-refused", "exit", "when the IMAP server refuses the login: exit (status 1), or wait for another password (its file read again every 10 s) and try that; a refused password is never tried again")
	fs.BoolVar(&fl.once, "once", false, "answer what is in the mailbox now, then stop")
	fs.BoolVar(&fl.dryRun, "dry-run", false, "print what would be done with each message in the mailbox: no answer, no move, nothing recorded")
}

// parseInbox reads tessera inbox's settings: args, then the variables
// lookup finds, then tessera.toml; the passwords from their variables or
// files. log is the inbox's logger.
func parseInbox(args []string, lookup func(string) (string, bool), stderr io.Writer, log *slog.Logger) (*inboxSettings, *flag.FlagSet, error) {
	fs := newFlags("inbox", "usage: tessera inbox --imap imaps://USER@HOST/INBOX --smtp smtp://USER@HOST:587 {--from ADDRESS | --config tessera.toml} [flags]", stderr)
	var fl inboxFlags
	fl.define(fs)
	f, keys := bindSettings(fs, inboxKeys)
	site, loaded, err := loadSettings(fs, keys, f, args, lookup)
	if err != nil {
		return nil, fs, err
	}
	if fl.from == "" && site.Office.Email != "" {
		fl.from = (&mail.Address{Name: site.Office.Name, Address: site.Office.Email}).String()
	}
	if fl.imap == "" || fl.smtp == "" || fl.from == "" {
		return nil, fs, &usageError{usage: true}
	}
	if err := fl.fromURLs(loaded); err != nil {
		return nil, fs, err
	}
	if err := checkRules(fl.profile, nil); err != nil {
		return nil, fs, usageErrorf("%w", err)
	}
	if fl.loginRefused != "exit" && fl.loginRefused != "wait" {
		return nil, fs, usageErrorf("--login-refused %q: exit or wait", fl.loginRefused)
	}
	s := &inboxSettings{state: fl.state, metricsAddr: fl.metricsAddr, once: fl.once, dryRun: fl.dryRun,
		store:         inbox.StoreOptions{KeyFile: fl.stateKey},
		waitOnRefusal: fl.loginRefused == "wait",
		imapPassword: func() (string, error) {
			return secret(lookup, "TESSERA_IMAP_PASSWORD", fl.imapPassFile, loaded.From("imap-password-file"))
		}}
	if s.cfg, err = fl.config(site, loaded, lookup, log); err != nil {
		return nil, fs, err
	}
	if err := s.cfg.Check(); errors.Is(err, inbox.ErrSenderAuth) {
		return nil, fs, usageErrorf("only authenticated senders are answered: give --authserv-id, the name the office's mail server writes its results under in Authentication-Results (e.g. mx.comune.example.it), or --no-auth-results when it writes none")
	} else if err != nil {
		return nil, fs, usageErrorf("%w", err)
	}
	if k, ok := lookup("TESSERA_STATE_KEY"); ok && k != "" {
		if s.store.Key, err = hex.DecodeString(strings.TrimSpace(k)); err != nil {
			return nil, fs, usageErrorf("TESSERA_STATE_KEY: want the key in hex")
		}
	}
	return s, fs, nil
}

// fromURLs takes the users and the folder the server URLs name, as
// imaps://anagrafe@imap.example.it/INBOX and smtp://anagrafe@smtp.example.it:587.
// The folder and --mailbox are one setting: the one given with the higher
// precedence (loaded) wins, and the two given in one place must agree.
func (fl *inboxFlags) fromURLs(loaded *config.Loaded) error {
	for _, u := range []struct {
		raw     string
		user    *string
		mailbox bool
	}{{fl.imap, &fl.imapUser, true}, {fl.smtp, &fl.smtpUser, false}} {
		user, path, err := urlParts(u.raw)
		if err != nil {
			return usageErrorf("%w", err)
		}
		if user != "" && *u.user == "" {
			*u.user = user
		}
		if path == "" {
			continue
		}
		if !u.mailbox {
			return usageErrorf("%s: an SMTP server has no folder", u.raw)
		}
		switch url, box := loaded.From("imap"), loaded.From("mailbox"); {
		case box > url:
			// --mailbox given above the URL (a flag over the file) wins.
		case box == url && path != fl.mailbox:
			return usageErrorf("the folder %q in --imap and --mailbox %q differ", path, fl.mailbox)
		default:
			fl.mailbox = path
		}
	}
	if fl.imapUser == "" {
		return usageErrorf("no IMAP user: --imap-user, or in the URL (imaps://user@host)")
	}
	return nil
}

// config is the inbox's configuration from the flags, the office's site
// and the passwords lookup finds.
func (fl *inboxFlags) config(site *office.Site, loaded *config.Loaded, lookup func(string) (string, bool), log *slog.Logger) (inbox.Config, error) {
	sender, err := mail.ParseAddress(fl.from)
	if err != nil {
		return inbox.Config{}, usageErrorf("--from %q: %w", fl.from, err)
	}
	keep, err := parseRetain(fl.retain)
	if err != nil {
		return inbox.Config{}, usageErrorf("--retain %q: %w", fl.retain, err)
	}
	imapPass, err := secret(lookup, "TESSERA_IMAP_PASSWORD", fl.imapPassFile, loaded.From("imap-password-file"))
	if err != nil {
		return inbox.Config{}, usageErrorf("%w", err)
	}
	smtpPass, err := secret(lookup, "TESSERA_SMTP_PASSWORD", fl.smtpPassFile, loaded.From("smtp-password-file"))
	if err != nil {
		return inbox.Config{}, usageErrorf("%w", err)
	}
	tlsConf, err := tlsWithCA(fl.caFile)
	if err != nil {
		return inbox.Config{}, usageErrorf("%w", err)
	}
	return inbox.Config{
		IMAP: fl.imap, IMAPUser: fl.imapUser, IMAPPassword: imapPass,
		SMTP: fl.smtp, SMTPUser: fl.smtpUser, SMTPPassword: smtpPass,
		From: *sender, Own: list(fl.own), Bcc: list(fl.bcc), Office: site.Office,
		Mailbox: fl.mailbox, Folders: fl.folders,
		Auth: inbox.SenderAuth{AuthServIDs: list(fl.authserv), FromOnly: fl.noAuthResults, PECDomains: list(fl.pecDomains)},
		TLS:  tlsConf, PerHour: fl.perHour, PerDomainHour: fl.perDomain, TotalHour: fl.hourlyCap, MaxBytes: int64(fl.maxMB) << 20, Profile: fl.profile, Poll: fl.poll,
		Retain: keep, Log: log,
	}, nil
}

// runInbox answers the photos sent to the registry office's mailbox:
// until SIGINT or SIGTERM, or once with --once.
func runInbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "status" {
		return runInboxStatus(ctx, args[1:], stdout, stderr)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	s, fs, err := parseInbox(args, os.LookupEnv, stderr, log)
	if err != nil {
		return settingsExit("inbox", err, fs, stderr)
	}
	cfg := s.cfg
	if s.dryRun {
		return inboxDryRun(ctx, cfg, stdout, stderr)
	}
	store, err := inbox.OpenStore(ctx, s.state, s.store)
	if err != nil {
		fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
		return 1
	}
	defer store.Close()
	v, closeEngine, err := newValidator()
	if err != nil {
		fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
		return 1
	}
	defer closeEngine()
	if s.metricsAddr != "" {
		cfg.Metrics = inbox.NewMetrics()
		stop, err := serveMetrics(s.metricsAddr, cfg.Metrics.Handler(), log)
		if err != nil {
			fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
			return 1
		}
		defer stop()
	}
	in, err := inbox.New(cfg, store, v)
	if err != nil {
		fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
		return exitUsage
	}
	if s.once {
		err = in.Once(ctx)
	} else {
		log.Info("inbox: watching", "mailbox", cfg.Mailbox)
		err = in.Run(ctx)
		for s.waitOnRefusal && errors.Is(err, inbox.ErrLogin) {
			log.Error("inbox: the IMAP server refused the login; waiting for another password", "err", err)
			pass, werr := newPassword(ctx, s.imapPassword, cfg.IMAPPassword, loginPoll)
			if werr != nil {
				fmt.Fprintf(stderr, "tessera inbox: stopped waiting for another IMAP password: %v\n", err)
				return 1
			}
			cfg.IMAPPassword = pass
			if in, err = inbox.New(cfg, store, v); err != nil {
				fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
				return exitUsage
			}
			log.Info("inbox: another password; watching", "mailbox", cfg.Mailbox)
			err = in.Run(ctx)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
		return 1
	}
	return 0
}

// urlParts returns the user and the folder a server URL names, and
// refuses one holding a password.
func urlParts(raw string) (user, path string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("%q: %w", raw, err)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			return "", "", fmt.Errorf("%s://%s: no password in the URL; put it in the environment (TESSERA_IMAP_PASSWORD, TESSERA_SMTP_PASSWORD) or a file", u.Scheme, u.Host)
		}
		user = u.User.Username()
	}
	return user, strings.Trim(u.Path, "/"), nil
}

// inboxDryRun prints what the inbox would do with each message.
func inboxDryRun(ctx context.Context, cfg inbox.Config, stdout, stderr io.Writer) int {
	v, closeEngine, err := newValidator()
	if err != nil {
		fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
		return 1
	}
	defer closeEngine()
	in, err := inbox.New(cfg, nil, v)
	if err != nil {
		fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
		return exitUsage
	}
	plans, err := in.DryRun(ctx)
	for _, p := range plans {
		what := "answer"
		if p.Reason != "" {
			what = "no answer (" + string(p.Reason) + ")"
		}
		line := fmt.Sprintf("UID %d: %s, %s: %s", p.UID, what, p.Folder, p.Note)
		if len(p.Attachments) > 0 {
			line += ", attached " + strings.Join(p.Attachments, ", ")
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "%d messages; dry run: nothing answered, moved or recorded\n", len(plans))
	if err != nil {
		fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
		return 1
	}
	return 0
}

// runInboxStatus prints the counts of the inbox's state database and the
// messages whose answer has not left yet.
func runInboxStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("inbox status", "usage: tessera inbox status [--state FILE | --config tessera.toml]", stderr)
	state := fs.String("state", "tessera-inbox.db", "the state database")
	// The inbox's own key: the same file as the inbox it reports on.
	keys := []config.Key{{Name: "inbox.state", Flag: "state", Path: true}}
	config.Bind(fs, keys)
	if _, err := parseSettings(fs, keys, args, os.LookupEnv); err != nil {
		return settingsExit("inbox status", err, fs, stderr)
	}
	st, err := inbox.ReadStatus(ctx, *state)
	if err != nil {
		fmt.Fprintf(stderr, "tessera inbox status: %v\n", err)
		return 1
	}
	counts := func(m map[string]int) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
		if len(parts) == 0 {
			return "none"
		}
		return strings.Join(parts, ", ")
	}
	states := map[string]int{}
	for k, n := range st.States {
		states[string(k)] = n
	}
	reasons := map[string]int{}
	for k, n := range st.Reasons {
		reasons[string(k)] = n
	}
	fmt.Fprintf(stdout, "messages by state: %s\n", counts(states))
	fmt.Fprintf(stdout, "not answered, by reason: %s\n", counts(reasons))
	fmt.Fprintf(stdout, "answers in the last 24 hours: %d\n", st.Answered24h)
	if len(st.Waiting) == 0 {
		fmt.Fprintln(stdout, "no answer waiting to be sent")
	}
	for _, w := range st.Waiting {
		fmt.Fprintf(stdout, "waiting: %s, %d attempts, last %s: %s\n", w.Key, w.Attempts, w.Updated.Format("2006-01-02 15:04"), w.Error)
	}
	return 0
}

// parseRetain reads a duration that may also be written in days ("90d").
func parseRetain(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("want a number of days, as 90d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want a duration, as 90d or 720h")
	}
	return d, nil
}

// secret is a password from the environment variable name or from a
// file (its first line) named by --*-password-file, name_FILE (as
// container secrets are mounted) or tessera.toml: never a flag, which any
// user of the machine can read in the process list. The file named by a
// flag or a variable wins over the variable; the variable wins over the
// file named in tessera.toml (from).
func secret(lookup func(string) (string, bool), name, file string, from config.Source) (string, error) {
	if v, ok := lookup(name); ok && v != "" && (file == "" || from == config.File) {
		return v, nil
	}
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

// tlsWithCA is a TLS configuration that trusts the system's roots and,
// when caFile is set, the certificates in it.
func tlsWithCA(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// list splits a comma-separated list, dropping empty items.
func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// loginPoll is how often, after a refused login, the password is read
// again (--login-refused wait): a Kubernetes Secret mounted as a file
// changes within about a minute of its edit.
const loginPoll = 10 * time.Second

// newPassword waits for read to give a password other than refused (and
// not empty), reading it every poll, until ctx ends. A password from the
// environment never changes: it waits until ctx ends.
func newPassword(ctx context.Context, read func() (string, error), refused string, poll time.Duration) (string, error) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-t.C:
		}
		if p, err := read(); err == nil && p != "" && p != refused {
			return p, nil
		}
	}
}
