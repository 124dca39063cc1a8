package office

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/config"
)

// load reads the office's keys as a command does (config.Load): from the
// file at path (none for ""), the variables lookup finds, and args.
func load(t *testing.T, path string, lookup func(string) (string, bool), args ...string) (*Site, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Flags(fs)
	keys := Keys()
	config.Bind(fs, keys)
	if path != "" {
		args = append([]string{"--config", path}, args...)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(fs, keys, config.Names(keys), lookup); err != nil {
		return nil, err
	}
	return Open(*f)
}

// noEnv is an environment without variables.
func noEnv(string) (string, bool) { return "", false }

func TestNoConfig(t *testing.T) {
	s, err := Open(File{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Configured() || s.FrameAncestors() != "'none'" || s.LogoData != nil {
		t.Errorf("empty configuration reads %+v", s)
	}
}

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func pngLogo(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "crest.png"), pngLogo(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.png"), append(pngLogo(t), make([]byte, MaxLogoBytes)...), 0o644); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "notes.txt", "just words")
	write(t, dir, "fake.svg", "<html>no</html>")
	for _, tc := range []struct {
		name, text string
		err        string // "" for none; else a part of the error
	}{
		{"logo relative to the file", "[office]\nname = \"Comune\"\nlogo = \"crest.png\"\n", ""},
		{"logo without a name", "[office]\nlogo = \"crest.png\"\n", "office.logo needs office.name"},
		{"address with a query", "[office]\nemail = \"foto?cc=spy%40evil.example&body=x@comune.it\"\n", "office.email"},
		{"address with a fragment", "[office]\nemail = \"a#b@comune.it\"\n", "office.email"},
		{"origin with a comma", "[web]\nframe_ancestors = [\"https://a.example,b\"]\n", "web.frame_ancestors"},
		{"origin with a double quote", "[web]\nframe_ancestors = [\"https://a.example\\\"x\"]\n", "web.frame_ancestors"},
		{"origin with brackets", "[web]\nframe_ancestors = [\"https://a<b>\"]\n", "web.frame_ancestors"},
		{"origin with a query mark", "[web]\nframe_ancestors = [\"https://a.example?\"]\n", "web.frame_ancestors"},
		{"origin with a port", "[web]\nframe_ancestors = [\"https://intranet.comune.esempio.it:8443\"]\n", ""},
		{"origin not a web one", "[web]\nframe_ancestors = [\"ftp://a.example\"]\n", "web.frame_ancestors"},
		{"unknown key, named", "[office]\nname = \"x\"\nnmae = \"y\"\n", `unknown key office.nmae`},
		{"unknown table, named", "[mail]\nfrom = \"x\"\n", `unknown key mail.from`},
		{"a string for the list", "[web]\nframe_ancestors = \"https://a.example\"\n", "frame_ancestors"},
		{"not TOML", "[office\nname = 1\n", "tessera.toml"},
		{"javascript link", "[office]\nprivacy_url = \"javascript:alert(1)\"\n", "office.privacy_url"},
		{"relative link", "[office]\nlegal_url = \"/note\"\n", "office.legal_url"},
		{"address with a name", "[office]\nemail = \"Anagrafe <a@b.it>\"\n", "office.email"},
		{"not an address", "[office]\nemail = \"anagrafe\"\n", "office.email"},
		{"origin with a path", "[web]\nframe_ancestors = [\"https://a.example/page\"]\n", "web.frame_ancestors"},
		{"origin with a quote", "[web]\nframe_ancestors = [\"https://a.example;'\"]\n", "web.frame_ancestors"},
		{"wildcard subdomains", "[web]\nframe_ancestors = [\"https://*.comune.esempio.it\"]\n", ""},
		{"logo missing", "[office]\nname = \"C\"\nlogo = \"none.png\"\n", "office.logo"},
		{"logo not an image", "[office]\nname = \"C\"\nlogo = \"notes.txt\"\n", "not a PNG"},
		{"svg that is not", "[office]\nname = \"C\"\nlogo = \"fake.svg\"\n", "not a PNG"},
		{"logo too large", "[office]\nname = \"C\"\nlogo = \"big.png\"\n", "at most 256 KB"},
		{"name with a newline", "[office]\nname = \"a\\nb\"\n", "office.name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, dir, "tessera.toml", tc.text)
			_, err := load(t, p, noEnv)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.err != "" && err == nil:
				t.Fatalf("no error, want one with %q", tc.err)
			case tc.err != "" && !strings.Contains(err.Error(), tc.err):
				t.Fatalf("error %q, want one with %q", err, tc.err)
			}
		})
	}
}

// TestPrecedence: a flag wins over the variable, the variable over the
// file, and a key none of them sets keeps the file's value.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "tessera.toml", "[office]\nname = \"from the file\"\nemail = \"file@esempio.it\"\nlegal_url = \"https://file.example\"\n")
	env := map[string]string{
		"TESSERA_CONFIG":              p,
		"TESSERA_OFFICE_NAME":         "from the variable",
		"TESSERA_OFFICE_EMAIL":        "env@esempio.it",
		"TESSERA_WEB_FRAME_ANCESTORS": "https://a.example, https://b.example",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	s, err := load(t, "", lookup, "--office-name", "from the flag")
	if err != nil {
		t.Fatal(err)
	}
	o := s.Office
	if o.Name != "from the flag" || o.Email != "env@esempio.it" || o.LegalURL != "https://file.example" {
		t.Errorf("office %+v", o)
	}
	if got := s.FrameAncestors(); got != "https://a.example https://b.example" {
		t.Errorf("frame ancestors %q", got)
	}
	// --config wins over TESSERA_CONFIG; an unknown key in it stops the load.
	bad := write(t, dir, "bad.toml", "[office]\nlogo_url = \"x\"\n")
	if _, err := load(t, bad, lookup); err == nil || !strings.Contains(err.Error(), "office.logo_url") {
		t.Errorf("error %v, want one naming office.logo_url", err)
	}
}

func TestKeyNames(t *testing.T) {
	want := map[string][2]string{
		"office.contact_url":  {"office-contact-url", "TESSERA_OFFICE_CONTACT_URL"},
		"web.frame_ancestors": {"web-frame-ancestors", "TESSERA_WEB_FRAME_ANCESTORS"},
	}
	for _, k := range Keys() {
		if w, ok := want[k.Name]; ok && (k.Flag != w[0] || k.Variable() != w[1]) {
			t.Errorf("%s: flag %q env %q, want %q", k.Name, k.Flag, k.Variable(), w)
		}
		var f File
		if err := f.Set(k.Name, "https://x.example"); err != nil {
			t.Errorf("Set %s: %v", k.Name, err)
		}
	}
	var f File
	if err := f.Set("office.nmae", "x"); err == nil {
		t.Error("Set of an unknown key: no error")
	}
}
