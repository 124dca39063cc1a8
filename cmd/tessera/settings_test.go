package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// sampleConfig is the sample office's tessera.toml.
const sampleConfig = "../../examples/esempio/tessera.toml"

// env is an environment for the parse functions.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// TestSampleConfig: the sample documents every key of every command, and
// both commands read it as it is.
func TestSampleConfig(t *testing.T) {
	data, err := os.ReadFile(sampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range knownKeys() {
		key := name[strings.IndexByte(name, '.')+1:]
		if !bytes.Contains(data, []byte("\n"+key+" = ")) && !bytes.Contains(data, []byte("\n# "+key+" = ")) {
			t.Errorf("the sample has no %s", name)
		}
	}
	s, _, err := parseServe([]string{"--config", sampleConfig}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.addr != ":8080" || s.site.Office.Name != "Comune di Esempio - Servizi demografici" || len(s.site.LogoData) == 0 {
		t.Errorf("serve read %+v", s)
	}
	// The sample leaves how senders are authenticated to the office.
	if _, _, err := parseInbox([]string{"--config", sampleConfig}, env(nil), io.Discard, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "--authserv-id") {
		t.Errorf("the sample without --authserv-id: %v", err)
	}
	in, _, err := parseInbox([]string{"--config", sampleConfig}, env(map[string]string{"TESSERA_AUTHSERV_ID": "mx.comune.esempio.it"}), io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c := in.cfg
	if c.IMAPUser != "anagrafe" || c.Mailbox != "INBOX" || c.From.Address != "anagrafe@comune.esempio.it" ||
		!slices.Equal(c.Auth.AuthServIDs, []string{"mx.comune.esempio.it"}) || !slices.Equal(c.Auth.PECDomains, []string{"pec.aruba.it", "legalmail.it"}) {
		t.Errorf("inbox read %+v", c)
	}
}

// TestParseServe: a flag wins over its variable, the variable over
// tessera.toml, and each setting reaches what it sets; mistakes are named.
func TestParseServe(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tessera.toml")
	if err := os.WriteFile(file, []byte("[serve]\naddr = \"127.0.0.1:9000\"\nworkers = 3\nclient_rate = 0\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\nmetrics_addr = \"\"\n\n[inbox]\nper_hour = 9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		vars    map[string]string
		check   func(*serveSettings) bool
		wantErr string // a part of the error; "" for none
	}{
		{"defaults", nil, nil, func(s *serveSettings) bool {
			return s.addr == ":8080" && s.metricsAddr == defaultMetricsAddr && s.clientRate == 1 && len(s.proxies) == 0
		}, ""},
		{"the file, its [inbox] left to the inbox", []string{"--config", file}, nil, func(s *serveSettings) bool {
			return s.addr == "127.0.0.1:9000" && s.workers == 3 && s.clientRate == -1 && len(s.proxies) == 2 && s.metricsAddr == ""
		}, ""},
		{"the file named by its variable", nil, map[string]string{"TESSERA_CONFIG": file}, func(s *serveSettings) bool { return s.workers == 3 }, ""},
		{"a variable over the file", []string{"--config", file}, map[string]string{"TESSERA_WORKERS": "5", "TESSERA_TRUSTED_PROXIES": "172.16.0.0/12"}, func(s *serveSettings) bool {
			return s.workers == 5 && len(s.proxies) == 1
		}, ""},
		{"a flag over both", []string{"--config", file, "--workers", "7"}, map[string]string{"TESSERA_WORKERS": "5"}, func(s *serveSettings) bool { return s.workers == 7 }, ""},
		{"TESSERA_ADDR", nil, map[string]string{"TESSERA_ADDR": "127.0.0.1:0"}, func(s *serveSettings) bool { return s.addr == "127.0.0.1:0" }, ""},
		{"an empty variable is unset, but for no metrics", nil, map[string]string{"TESSERA_ADDR": "", "TESSERA_METRICS_ADDR": ""}, func(s *serveSettings) bool {
			return s.addr == ":8080" && s.metricsAddr == ""
		}, ""},
		{"a drain on SIGTERM", nil, map[string]string{"TESSERA_DRAIN_DELAY": "5s"}, func(s *serveSettings) bool { return s.drainDelay == 5*time.Second }, ""},
		{"no drain by default", nil, nil, func(s *serveSettings) bool { return s.drainDelay == 0 }, ""},
		{"a drain back in time", []string{"--drain-delay", "-1s"}, nil, nil, "usage"},
		{"no workers", []string{"--workers", "0"}, nil, nil, "usage"},
		{"a bad number in a variable", nil, map[string]string{"TESSERA_WORKERS": "many"}, nil, "TESSERA_WORKERS"},
		{"a bad proxy", nil, map[string]string{"TESSERA_TRUSTED_PROXIES": "proxy.example"}, nil, "--trusted-proxy"},
		{"the office checked", []string{"--office-privacy-url", "javascript:alert(1)"}, nil, nil, "office.privacy_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, err := parseServe(tc.args, env(tc.vars), io.Discard)
			parsed(t, s, err, tc.wantErr, tc.check)
		})
	}
}

// TestParseInbox: the inbox's settings from flags, variables and
// tessera.toml, the passwords from their variables or files only.
func TestParseInbox(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "imap-password")
	if err := os.WriteFile(pass, []byte("segreta\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "tessera.toml")
	if err := os.WriteFile(file, []byte(`[office]
name = "Comune"
email = "anagrafe@comune.example.it"

[inbox]
imap = "imaps://anagrafe@imap.example.it/Posta"
smtp = "smtps://smtp.example.it"
imap_password_file = "imap-password"
authserv_id = ["mx.example.it"]
own = ["a@comune.example.it", "b@comune.example.it"]
per_hour = 3
poll = "30s"
retain = "30d"
state = "state/inbox.db"

[serve]
workers = 2
`), 0o600); err != nil {
		t.Fatal(err)
	}
	minimal := []string{"--imap", "imaps://u@x", "--smtp", "smtps://y", "--from", "a@b.it", "--no-auth-results"}
	for _, tc := range []struct {
		name    string
		args    []string
		vars    map[string]string
		check   func(*inboxSettings) bool
		wantErr string
	}{
		{"the file, its [serve] left to serve", []string{"--config", file}, nil, func(s *inboxSettings) bool {
			c := s.cfg
			return c.IMAPUser == "anagrafe" && c.IMAPPassword == "segreta" && c.Mailbox == "Posta" && c.From.Name == "Comune" &&
				len(c.Own) == 2 && c.PerHour == 3 && c.Poll == 30*time.Second && c.Retain == 30*24*time.Hour &&
				s.state == filepath.Join(dir, "state/inbox.db")
		}, ""},
		{"variables over the file, the password's too", []string{"--config", file}, map[string]string{"TESSERA_PER_HOUR": "4", "TESSERA_IMAP_PASSWORD": "from-env"},
			func(s *inboxSettings) bool { return s.cfg.PerHour == 4 && s.cfg.IMAPPassword == "from-env" }, ""},
		{"a password file named by a flag over the password's variable", []string{"--config", file, "--imap-password-file", pass}, map[string]string{"TESSERA_IMAP_PASSWORD": "from-env"},
			func(s *inboxSettings) bool { return s.cfg.IMAPPassword == "segreta" }, ""},
		{"an empty variable is unset", []string{"--config", file}, map[string]string{"TESSERA_PER_HOUR": "", "TESSERA_STATE": "", "TESSERA_NO_AUTH_RESULTS": ""},
			func(s *inboxSettings) bool {
				return s.cfg.PerHour == 3 && s.state == filepath.Join(dir, "state/inbox.db") && !s.cfg.Auth.FromOnly
			}, ""},
		{"--mailbox over the file's URL", []string{"--config", file, "--mailbox", "INBOX"}, nil,
			func(s *inboxSettings) bool { return s.cfg.Mailbox == "INBOX" }, ""},
		{"the mailbox's variable over the file's URL", []string{"--config", file}, map[string]string{"TESSERA_MAILBOX": "Foto"},
			func(s *inboxSettings) bool { return s.cfg.Mailbox == "Foto" }, ""},
		{"the URL's folder over the file's mailbox", []string{"--config", tomlFile(t, dir, "box.toml", "[inbox]\nmailbox = \"Foto\"\n"), "--imap", "imaps://u@x/Posta", "--smtp", "smtps://y", "--from", "a@b.it", "--no-auth-results"}, nil,
			func(s *inboxSettings) bool { return s.cfg.Mailbox == "Posta" }, ""},
		{"a flag over both", []string{"--config", file, "--per-hour", "6"}, map[string]string{"TESSERA_PER_HOUR": "4"},
			func(s *inboxSettings) bool { return s.cfg.PerHour == 6 }, ""},
		{"the old variables", minimal[:0], map[string]string{"TESSERA_IMAP": "imaps://u@x", "TESSERA_SMTP": "smtps://y", "TESSERA_FROM": "a@b.it", "TESSERA_NO_AUTH_RESULTS": "1", "TESSERA_STATE": "s.db"},
			func(s *inboxSettings) bool { return s.cfg.Auth.FromOnly && s.state == "s.db" && s.cfg.IMAPUser == "u" }, ""},
		{"the state's key in hex", minimal, map[string]string{"TESSERA_STATE_KEY": "00ff"},
			func(s *inboxSettings) bool { return bytes.Equal(s.store.Key, []byte{0, 0xff}) }, ""},
		{"the state's key not hex", minimal, map[string]string{"TESSERA_STATE_KEY": "zz"}, nil, "TESSERA_STATE_KEY"},
		{"run modes are flags only", append(slices.Clone(minimal), "--once"), nil, func(s *inboxSettings) bool { return s.once && !s.dryRun }, ""},
		{"nothing", nil, nil, nil, "usage"},
		{"a folder twice in flags", []string{"--imap", "imaps://u@x/Posta", "--mailbox", "INBOX", "--smtp", "smtps://y", "--from", "a@b.it", "--no-auth-results"}, nil, nil, "differ"},
		{"an unknown profile", append(slices.Clone(minimal), "--profile", "nope"), nil, nil, "unknown profile"},
		{"a misspelt key", []string{"--config", tomlFile(t, dir, "typo.toml", "[inbox]\nper_houre = 3\n")}, nil, nil, "unknown key inbox.per_houre"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, err := parseInbox(tc.args, env(tc.vars), io.Discard, slog.New(slog.DiscardHandler))
			parsed(t, s, err, tc.wantErr, tc.check)
		})
	}
}

// parsed checks the outcome of a parse function: the error wanted (a part
// of it; "usage" for any usage error), or settings check accepts.
func parsed[S any](t *testing.T, s S, err error, wantErr string, check func(S) bool) {
	t.Helper()
	if wantErr != "" {
		if err == nil || (wantErr != "usage" && !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("error %v, want one with %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !check(s) {
		t.Errorf("settings %+v", s)
	}
}

// tomlFile writes text to the file name in dir.
func tomlFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestParseCheck: the clerks' defaults from tessera.toml's [check] or the
// environment, a flag over both; the run's own flags stay flags.
func TestParseCheck(t *testing.T) {
	dir := t.TempDir()
	file := tomlFile(t, dir, "tessera.toml", "[check]\nlang = \"de\"\nprofile = \"icao\"\njobs = 3\n\n[inbox]\nper_hour = 2\n")
	for _, tc := range []struct {
		name    string
		args    []string
		vars    map[string]string
		want    checkFlags
		wantErr string
	}{
		{"defaults", []string{"foto.jpg"}, nil, checkFlags{profile: "cie", lang: "it", format: "text", jobs: 1}, ""},
		{"the file", []string{"--config", file, "foto.jpg"}, nil, checkFlags{profile: "icao", lang: "de", format: "text", jobs: 3}, ""},
		{"a variable over the file", []string{"foto.jpg", "--config", file}, map[string]string{"TESSERA_LANG": "en"}, checkFlags{profile: "icao", lang: "en", format: "text", jobs: 3}, ""},
		{"a flag over both, among the paths", []string{"--config", file, "foto.jpg", "--lang", "IT", "--out", "r.csv"}, map[string]string{"TESSERA_LANG": "en"},
			checkFlags{profile: "icao", lang: "it", format: "csv", out: "r.csv", jobs: 3}, ""},
		{"a language tessera does not speak", []string{"foto.jpg"}, map[string]string{"TESSERA_LANG": "fr"}, checkFlags{}, "unknown language"},
		{"no path", nil, nil, checkFlags{}, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"TESSERA_JOBS": "1"}
			if tc.want.jobs == 3 {
				vars = map[string]string{}
			}
			for k, v := range tc.vars {
				vars[k] = v
			}
			f, _, _, err := parseCheck(tc.args, env(vars), io.Discard)
			parsed(t, f, err, tc.wantErr, func(f *checkFlags) bool { return *f == tc.want })
		})
	}
}
