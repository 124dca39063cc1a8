package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/tessera-cie/tessera/config"
	"github.com/tessera-cie/tessera/office"
)

// This file: how the commands read their settings, each a key of
// tessera.toml, a flag and a variable (package config), by a parse
// function apart from the run; serve's and inbox's keys (check's and fix's
// are beside those commands).

// serveKeys are tessera serve's settings, the [serve] table.
var serveKeys = []config.Key{
	{Name: "serve.addr", Flag: "addr"},
	{Name: "serve.workers", Flag: "workers"},
	{Name: "serve.body_limit_mb", Flag: "body-limit-mb"},
	{Name: "serve.memory_budget_mb", Flag: "memory-budget-mb"},
	{Name: "serve.body_budget_mb", Flag: "body-budget-mb"},
	{Name: "serve.max_conns", Flag: "max-conns"},
	{Name: "serve.max_conns_per_client", Flag: "max-conns-per-client"},
	{Name: "serve.client_requests", Flag: "client-requests"},
	{Name: "serve.client_rate", Flag: "client-rate"},
	{Name: "serve.client_burst", Flag: "client-burst"},
	{Name: "serve.metrics_addr", Flag: "metrics-addr", KeepEmpty: true},
	{Name: "serve.drain_delay", Flag: "drain-delay"},
	{Name: "serve.trusted_proxies", Flag: "trusted-proxy", Env: "TESSERA_TRUSTED_PROXIES", List: true},
}

// inboxKeys are tessera inbox's settings, the [inbox] table. The
// passwords are not among them: they come from the environment or from
// files (secret).
var inboxKeys = []config.Key{
	{Name: "inbox.imap", Flag: "imap"},
	{Name: "inbox.imap_user", Flag: "imap-user"},
	{Name: "inbox.imap_password_file", Flag: "imap-password-file", Path: true},
	{Name: "inbox.smtp", Flag: "smtp"},
	{Name: "inbox.smtp_user", Flag: "smtp-user"},
	{Name: "inbox.smtp_password_file", Flag: "smtp-password-file", Path: true},
	{Name: "inbox.from", Flag: "from"},
	{Name: "inbox.own", Flag: "own", List: true},
	{Name: "inbox.bcc", Flag: "bcc", List: true},
	{Name: "inbox.state", Flag: "state", Path: true},
	{Name: "inbox.state_key_file", Flag: "state-key-file", Path: true},
	{Name: "inbox.mailbox", Flag: "mailbox"},
	{Name: "inbox.folder_valid", Flag: "folder-valid"},
	{Name: "inbox.folder_to_fix", Flag: "folder-to-fix"},
	{Name: "inbox.folder_no_photo", Flag: "folder-no-photo"},
	{Name: "inbox.folder_discarded", Flag: "folder-discarded"},
	{Name: "inbox.folder_verify", Flag: "folder-verify"},
	{Name: "inbox.authserv_id", Flag: "authserv-id", List: true},
	{Name: "inbox.no_auth_results", Flag: "no-auth-results"},
	{Name: "inbox.pec_domains", Flag: "pec-domains", List: true},
	{Name: "inbox.per_hour", Flag: "per-hour"},
	{Name: "inbox.per_domain", Flag: "per-domain"},
	{Name: "inbox.hourly_cap", Flag: "hourly-cap"},
	{Name: "inbox.max_mb", Flag: "max-mb"},
	{Name: "inbox.profile", Flag: "profile"},
	{Name: "inbox.poll", Flag: "poll"},
	{Name: "inbox.retain", Flag: "retain"},
	{Name: "inbox.ca_file", Flag: "ca-file", Path: true},
	{Name: "inbox.metrics_addr", Flag: "metrics-addr", KeepEmpty: true},
	{Name: "inbox.login_refused", Flag: "login-refused"},
}

// knownKeys are the names of every key tessera.toml may hold: a command
// leaves the others' to them, and a name none knows is a mistake.
func knownKeys() []string {
	var names []string
	for _, keys := range [][]config.Key{office.Keys(), serveKeys, inboxKeys, checkKeys, fixKeys} {
		names = append(names, config.Names(keys)...)
	}
	return names
}

// bindSettings binds keys and the office's keys to fs, whose flags for
// keys are defined already; it returns the office's file, set by Load.
func bindSettings(fs *flag.FlagSet, keys []config.Key) (*office.File, []config.Key) {
	f := office.Flags(fs)
	all := append(slices.Clone(keys), office.Keys()...)
	config.Bind(fs, all)
	return f, all
}

// loadSettings parses args into fs and loads the keys' values from the
// environment and the file; then checks the office's.
func loadSettings(fs *flag.FlagSet, keys []config.Key, f *office.File, args []string, lookup func(string) (string, bool)) (*office.Site, *config.Loaded, error) {
	loaded, err := parseSettings(fs, keys, args, lookup)
	if err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, &usageError{msg: fmt.Sprintf("unexpected arguments %q", fs.Args()), usage: true}
	}
	site, err := office.Open(*f)
	if err != nil {
		return nil, nil, usageErrorf("%w", err)
	}
	return site, loaded, nil
}

// parseSettings parses args into fs and loads keys' values from the
// environment (lookup) and tessera.toml.
func parseSettings(fs *flag.FlagSet, keys []config.Key, args []string, lookup func(string) (string, bool)) (*config.Loaded, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	loaded, err := config.Load(fs, keys, knownKeys(), lookup)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	return loaded, nil
}

// usageError is a mistake in the settings: the command says it and exits
// with exitUsage, its flags' help first when usage is set.
type usageError struct {
	msg   string
	usage bool
	err   error // what msg says, when it wraps an error
}

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf is a usageError formatted as fmt.Errorf does (%w wraps).
func usageErrorf(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	return &usageError{msg: err.Error(), err: errors.Unwrap(err)}
}

// settingsExit reports a parse function's error on stderr, as the command
// name says it, and returns the exit status: 0 after --help, exitUsage
// for a mistake (a bad flag has been reported by the flag set already).
func settingsExit(name string, err error, fs *flag.FlagSet, stderr io.Writer) int {
	var ue *usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue) && ue.usage:
		fs.Usage()
		if ue.msg != "" {
			fmt.Fprintf(stderr, "tessera %s: %s\n", name, ue.msg)
		}
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "tessera %s: %s\n", name, ue.msg)
	}
	return exitUsage
}
