package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// settings is a command's settings for the tests: a flag of each kind.
type settings struct {
	host  string
	port  int
	rate  float64
	tls   bool
	poll  time.Duration
	names string
	ca    string
}

var testKeys = []Key{
	{Name: "mail.host", Flag: "host"},
	{Name: "mail.port", Flag: "port"},
	{Name: "mail.rate", Flag: "rate"},
	{Name: "mail.tls", Flag: "tls", Env: "TESSERA_MAIL_TLS"},
	{Name: "mail.poll", Flag: "poll"},
	{Name: "mail.names", Flag: "names", List: true},
	{Name: "mail.ca_file", Flag: "ca-file", Path: true},
}

// load parses args and loads the keys from the environment env and the
// files; known adds other commands' keys to the test's.
func load(t *testing.T, args []string, env map[string]string, known ...string) (settings, error) {
	t.Helper()
	var s settings
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&s.host, "host", "localhost", "")
	fs.IntVar(&s.port, "port", 25, "")
	fs.Float64Var(&s.rate, "rate", 1, "")
	fs.BoolVar(&s.tls, "tls", false, "")
	fs.DurationVar(&s.poll, "poll", time.Minute, "")
	fs.StringVar(&s.names, "names", "", "")
	fs.StringVar(&s.ca, "ca-file", "", "")
	Bind(fs, testKeys)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	_, err := Load(fs, testKeys, append(Names(testKeys), known...), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	return s, err
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := file("full.toml", `[mail]
host = "file.example"
port = 587
rate = 0.5
tls = true
poll = "30s"
names = ["a", "b"]
ca_file = "ca.pem"

[other]
key = "another command's"
`)
	defaults := settings{host: "localhost", port: 25, rate: 1, poll: time.Minute}
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		known []string
		want  settings
		err   string // a part of the error; "" for none
	}{
		{"defaults", nil, nil, nil, defaults, ""},
		{"the file", []string{"--config", full}, nil, []string{"other.key"},
			settings{"file.example", 587, 0.5, true, 30 * time.Second, "a,b", filepath.Join(dir, "ca.pem")}, ""},
		{"the file by its variable", nil, map[string]string{"TESSERA_CONFIG": full}, []string{"other.key"},
			settings{"file.example", 587, 0.5, true, 30 * time.Second, "a,b", filepath.Join(dir, "ca.pem")}, ""},
		{"a variable over the file, a flag over both", []string{"--config", full, "--port", "2525"},
			map[string]string{"TESSERA_HOST": "env.example", "TESSERA_PORT": "465", "TESSERA_MAIL_TLS": "false", "TESSERA_CA_FILE": "rel.pem"}, []string{"other.key"},
			settings{"env.example", 2525, 0.5, false, 30 * time.Second, "a,b", "rel.pem"}, ""},
		{"an empty variable is unset", []string{"--config", full}, map[string]string{"TESSERA_HOST": "", "TESSERA_PORT": ""}, []string{"other.key"},
			settings{"file.example", 587, 0.5, true, 30 * time.Second, "a,b", filepath.Join(dir, "ca.pem")}, ""},
		{"a flag set to its default still wins", []string{"--host", "localhost"}, map[string]string{"TESSERA_HOST": "env.example"}, nil,
			settings{"localhost", 25, 1, false, time.Minute, "", ""}, ""},
		// Helm's toToml writes the numbers of a chart's values as floats.
		{"whole numbers written as floats", []string{"--config", file("helm.toml", "[mail]\nport = 1e+06\nrate = 5e-05\n")}, nil, nil,
			settings{"localhost", 1000000, 0.00005, false, time.Minute, "", ""}, ""},
		{"a whole number with a point", []string{"--config", file("point.toml", "[mail]\nport = 587.0\n")}, nil, nil,
			settings{"localhost", 587, 1, false, time.Minute, "", ""}, ""},
		{"a fraction for a whole number", []string{"--config", file("frac.toml", "[mail]\nport = 587.5\n")}, nil, nil, settings{}, "frac.toml: mail.port"},
		{"a key nobody knows", []string{"--config", file("typo.toml", "[mail]\nhots = \"x\"\n")}, nil, nil, settings{}, "unknown key mail.hots"},
		{"another command's table, unknown here", []string{"--config", full}, nil, nil, settings{}, "unknown key other.key"},
		{"a bad number in the file", []string{"--config", file("num.toml", "[mail]\nport = \"many\"\n")}, nil, nil, settings{}, "num.toml: mail.port"},
		{"a bad number in a variable", nil, map[string]string{"TESSERA_PORT": "many"}, nil, settings{}, "TESSERA_PORT"},
		{"one value for a list", []string{"--config", file("list.toml", "[mail]\nnames = \"a\"\n")}, nil, nil, settings{}, "want a list"},
		{"a list for one value", []string{"--config", file("one.toml", "[mail]\nhost = [\"a\"]\n")}, nil, nil, settings{}, "want one value"},
		{"a comma inside a list item", []string{"--config", file("comma.toml", "[mail]\nnames = [\"a,b\"]\n")}, nil, nil, settings{}, "without commas"},
		{"not TOML", []string{"--config", file("bad.toml", "[mail\n")}, nil, nil, settings{}, "bad.toml"},
		{"no such file", []string{"--config", filepath.Join(dir, "none.toml")}, nil, nil, settings{}, "none.toml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := load(t, tc.args, tc.env, tc.known...)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want one with %q", err, tc.err)
				}
			case err != nil:
				t.Errorf("error %v", err)
			case got != tc.want:
				t.Errorf("settings %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestBind: each flag's help says its key and its variable.
func TestBind(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("host", "", "the server")
	fs.Bool("tls", false, "TLS")
	Bind(fs, []Key{{Name: "mail.host", Flag: "host"}, {Name: "mail.tls", Flag: "tls", Env: "TESSERA_MAIL_TLS"}})
	if u := fs.Lookup("host").Usage; u != "the server (key mail.host, env TESSERA_HOST)" {
		t.Errorf("usage %q", u)
	}
	if u := fs.Lookup("tls").Usage; !strings.HasSuffix(u, "(key mail.tls, env TESSERA_MAIL_TLS)") {
		t.Errorf("usage %q", u)
	}
	if fs.Lookup(FileFlag) == nil {
		t.Error("no --config")
	}
}
