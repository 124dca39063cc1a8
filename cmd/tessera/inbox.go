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

	"github.com/tessera-cie/tessera/inbox"
	"github.com/tessera-cie/tessera/office"
)

// runInbox answers the photos sent to the registry office's mailbox:
// until SIGINT or SIGTERM, or once with --once.
func runInbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "status" {
		return runInboxStatus(ctx, args[1:], stdout, stderr)
	}
	fs := newFlags("inbox", "usage: tessera inbox --imap imaps://USER@HOST/INBOX --smtp smtp://USER@HOST:587 {--from ADDRESS | --config tessera.toml} [flags]", stderr)
	def := inbox.DefaultFolders()
	var (
		imapURL   = fs.String("imap", envOr("TESSERA_IMAP", ""), "the mailbox's server: imaps://[user@]host[:993][/FOLDER], imap://... (STARTTLS), imap+plain://... on loopback (env TESSERA_IMAP)")
		imapUser  = fs.String("imap-user", envOr("TESSERA_IMAP_USER", ""), "IMAP user, if not in the URL (env TESSERA_IMAP_USER); the password is read from TESSERA_IMAP_PASSWORD, or the file named by TESSERA_IMAP_PASSWORD_FILE or --imap-password-file")
		imapPassF = fs.String("imap-password-file", "", "file holding the IMAP password")
		smtpURL   = fs.String("smtp", envOr("TESSERA_SMTP", ""), "the server answers go through: smtps://[user@]host[:465], smtp://... (STARTTLS), smtp+plain://... on loopback (env TESSERA_SMTP)")
		smtpUser  = fs.String("smtp-user", envOr("TESSERA_SMTP_USER", ""), "SMTP user, if not in the URL; none for no AUTH (env TESSERA_SMTP_USER); the password from TESSERA_SMTP_PASSWORD, TESSERA_SMTP_PASSWORD_FILE or --smtp-password-file")
		smtpPassF = fs.String("smtp-password-file", "", "file holding the SMTP password")
		from      = fs.String("from", envOr("TESSERA_FROM", ""), `the office's address, "Anagrafe <anagrafe@comune.example.it>" (env TESSERA_FROM); default: office.name and office.email of --config`)
		own       = fs.String("own", envOr("TESSERA_OWN", ""), "more addresses of the mailbox itself, comma separated: never answered")
		bcc       = fs.String("bcc", envOr("TESSERA_BCC", ""), "addresses that get a copy of every answer, comma separated")
		state     = fs.String("state", envOr("TESSERA_STATE", "tessera-inbox.db"), "the state database (SQLite) (env TESSERA_STATE)")
		stateKey  = fs.String("state-key-file", envOr("TESSERA_STATE_KEY_FILE", ""), "the file holding the key of the state's hashes, made with the state (default: the state's path and .key; env TESSERA_STATE_KEY_FILE); or the key itself, in hex, in TESSERA_STATE_KEY")
		mailbox   = fs.String("mailbox", "INBOX", "the folder read for new messages")
		valid     = fs.String("folder-valid", def.Valid, "folder of messages whose photos all pass")
		toFix     = fs.String("folder-to-fix", def.ToFix, "folder of messages with a photo to fix")
		noPhoto   = fs.String("folder-no-photo", def.NoPhoto, "folder of messages without a photo")
		discarded = fs.String("folder-discarded", def.Discarded, "folder of messages not answered (automatic mail, receipts, over a sender's limit)")
		verify    = fs.String("folder-verify", def.Verify, "folder of messages a clerk must answer: sender not authenticated, over a domain's or the hourly limit")
		authserv  = fs.String("authserv-id", envOr("TESSERA_AUTHSERV_ID", ""), "the name(s) the office's mail server records its SPF/DKIM/DMARC results under in Authentication-Results, comma separated, e.g. mx.comune.example.it: only senders it authenticated are answered (env TESSERA_AUTHSERV_ID)")
		fromOnly  = fs.Bool("no-auth-results", envBool("TESSERA_NO_AUTH_RESULTS"), "the office's mail server records no Authentication-Results: answer From as it is, never Reply-To (env TESSERA_NO_AUTH_RESULTS=1)")
		pecDoms   = fs.String("pec-domains", envOr("TESSERA_PEC_DOMAINS", ""), "domains of the PEC providers whose envelopes are trusted, comma separated, e.g. pec.aruba.it,legalmail.it; PEC from others is filed for a clerk (env TESSERA_PEC_DOMAINS)")
		perHour   = fs.Int("per-hour", inbox.DefaultPerHour, "answers to one sender in an hour at most (its address in any case, with any +tag); more are filed unanswered")
		perDomain = fs.Int("per-domain", inbox.DefaultDomainHour, "answers to one domain in an hour at most; more wait for a clerk in --folder-verify")
		hourlyCap = fs.Int("hourly-cap", inbox.DefaultTotalHour, "answers in all in an hour at most; more wait for a clerk in --folder-verify")
		maxMB     = fs.Int("max-mb", inbox.DefaultMaxBytes>>20, "largest message checked, in MB; a larger one gets a short answer")
		profile   = profileFlag(fs, "rules the photos are checked against")
		poll      = fs.Duration("poll", inbox.DefaultPoll, "how often the mailbox is read when the server has no IDLE")
		retain    = fs.String("retain", "90d", "how long the state of a filed message is kept (e.g. 90d, 720h; 0 for ever)")
		caFile    = fs.String("ca-file", "", "PEM file of the certificate authority of the mail servers, when not a public one")
		once      = fs.Bool("once", false, "answer what is in the mailbox now, then stop")
		dryRun    = fs.Bool("dry-run", false, "print what would be done with each message in the mailbox: no answer, no move, nothing recorded")
		metrics   = fs.String("metrics-addr", envOr(metricsEnv, ""), "serve Prometheus metrics at http://ADDR/metrics, e.g. 127.0.0.1:9464 (env "+metricsEnv+")")
	)
	officeFlags := office.Bind(fs)
	if code, stop := stopped(fs.Parse(args)); stop {
		return code
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tessera inbox: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usage("unexpected arguments %q", fs.Args())
	}
	site, err := officeFlags.Load(os.LookupEnv)
	if err != nil {
		return usage("%v", err)
	}
	if *from == "" && site.Office.Email != "" {
		*from = (&mail.Address{Name: site.Office.Name, Address: site.Office.Email}).String()
	}
	if *imapURL == "" || *smtpURL == "" || *from == "" {
		fs.Usage()
		return exitUsage
	}
	// The user and the folder may be in the URLs, as
	// imaps://anagrafe@imap.example.it/INBOX and smtp://anagrafe@smtp.example.it:587.
	mailboxSet := false
	fs.Visit(func(f *flag.Flag) { mailboxSet = mailboxSet || f.Name == "mailbox" })
	for _, u := range []struct {
		raw     string
		user    *string
		mailbox bool
	}{{*imapURL, imapUser, true}, {*smtpURL, smtpUser, false}} {
		user, path, err := urlParts(u.raw)
		if err != nil {
			return usage("%v", err)
		}
		if user != "" && *u.user == "" {
			*u.user = user
		}
		if path != "" {
			if !u.mailbox {
				return usage("%s: an SMTP server has no folder", u.raw)
			}
			if mailboxSet && path != *mailbox {
				return usage("the folder %q in --imap and --mailbox %q differ", path, *mailbox)
			}
			*mailbox = path
		}
	}
	if *imapUser == "" {
		return usage("no IMAP user: --imap-user, or in the URL (imaps://user@host)")
	}
	sender, err := mail.ParseAddress(*from)
	if err != nil {
		return usage("--from %q: %v", *from, err)
	}
	keep, err := parseRetain(*retain)
	if err != nil {
		return usage("--retain %q: %v", *retain, err)
	}
	imapPass, err := secret("TESSERA_IMAP_PASSWORD", *imapPassF)
	if err != nil {
		return usage("%v", err)
	}
	smtpPass, err := secret("TESSERA_SMTP_PASSWORD", *smtpPassF)
	if err != nil {
		return usage("%v", err)
	}
	tlsConf, err := tlsWithCA(*caFile)
	if err != nil {
		return usage("%v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := inbox.Config{
		IMAP: *imapURL, IMAPUser: *imapUser, IMAPPassword: imapPass,
		SMTP: *smtpURL, SMTPUser: *smtpUser, SMTPPassword: smtpPass,
		From: *sender, Own: list(*own), Bcc: list(*bcc), Office: site.Office,
		Mailbox: *mailbox, Folders: inbox.Folders{Valid: *valid, ToFix: *toFix, NoPhoto: *noPhoto, Discarded: *discarded, Verify: *verify},
		Auth: inbox.SenderAuth{AuthServIDs: list(*authserv), FromOnly: *fromOnly, PECDomains: list(*pecDoms)},
		TLS:  tlsConf, PerHour: *perHour, PerDomainHour: *perDomain, TotalHour: *hourlyCap, MaxBytes: int64(*maxMB) << 20, Profile: *profile, Poll: *poll,
		Retain: keep, Log: log,
	}
	if err := checkRules(*profile, nil); err != nil {
		return usage("%v", err)
	}
	if err := cfg.Check(); errors.Is(err, inbox.ErrSenderAuth) {
		return usage("only authenticated senders are answered: give --authserv-id, the name the office's mail server writes its results under in Authentication-Results (e.g. mx.comune.example.it), or --no-auth-results when it writes none")
	} else if err != nil {
		return usage("%v", err)
	}
	if *dryRun {
		return inboxDryRun(ctx, cfg, stdout, stderr)
	}
	opts := inbox.StoreOptions{KeyFile: *stateKey}
	if k := os.Getenv("TESSERA_STATE_KEY"); k != "" {
		if opts.Key, err = hex.DecodeString(strings.TrimSpace(k)); err != nil {
			return usage("TESSERA_STATE_KEY: want the key in hex")
		}
	}
	store, err := inbox.OpenStore(ctx, *state, opts)
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
	if *metrics != "" {
		cfg.Metrics = inbox.NewMetrics()
		stop, err := serveMetrics(*metrics, cfg.Metrics.Handler(), log)
		if err != nil {
			fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
			return 1
		}
		defer stop()
	}
	in, err := inbox.New(cfg, store, v)
	if err != nil {
		return usage("%v", err)
	}
	if *once {
		err = in.Once(ctx)
	} else {
		log.Info("inbox: watching", "mailbox", *mailbox)
		err = in.Run(ctx)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tessera inbox: %v\n", err)
		return 1
	}
	return 0
}

// envBool is the boolean in the environment variable name: false when
// unset or not one strconv.ParseBool reads ("1", "true", "0", "false"...).
func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
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
	fs := newFlags("inbox status", "usage: tessera inbox status [--state FILE]", stderr)
	state := fs.String("state", os.Getenv("TESSERA_STATE"), "the state database (env TESSERA_STATE; default tessera-inbox.db)")
	if code, stop := stopped(fs.Parse(args)); stop {
		return code
	}
	if *state == "" {
		*state = "tessera-inbox.db"
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
// file (its first line) named by --*-password-file or by name_FILE (as
// container secrets are mounted): never a flag, which any user of the
// machine can read in the process list.
func secret(name, file string) (string, error) {
	if file == "" {
		file = os.Getenv(name + "_FILE")
	}
	if file == "" {
		return os.Getenv(name), nil
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
