package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/heif"
	"github.com/tessera-cie/tessera/internal/browsertest"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestMain lets the test binary serve as the child process HEIF files are
// decoded in (heif.ServeChild), and as the tessera program itself
// (mainChildEnv, for the tests of what main does), and stops the browser
// the tests shared (browsertest.Stop).
func TestMain(m *testing.M) {
	heif.ServeChild()
	if os.Getenv(mainChildEnv) != "" {
		main()
		return
	}
	code := m.Run()
	browsertest.Stop()
	os.Exit(code)
}

// mainChildEnv, set in a child test binary's environment, makes it run
// main with its command line.
const mainChildEnv = "TESSERA_TEST_MAIN"

// runArgs runs the command line args and returns the exit status and output.
func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stderr
	}{
		{nil, 2, "usage: tessera COMMAND"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"help"}, 0, "commands:"},
		{[]string{"fix"}, 2, "usage: tessera fix"},
		{[]string{"fix", "--profile", "xx", "a.jpg"}, 2, `unknown profile "xx"`},
		{[]string{"fix", "--lang", "fr", "a.jpg"}, 2, `unknown language "fr"`},
		{[]string{"fix", "a.jpg", "a.jpg"}, 2, "non può sostituire l'originale"},
		{[]string{"eval"}, 2, "usage: tessera eval"},
		{[]string{"eval", "--bogus", "x"}, 2, "flag provided but not defined"},
		{[]string{"inbox"}, 2, "usage: tessera inbox"},
		{[]string{"inbox", "--imap", "imap+plain://example.com:143", "--imap-user", "u", "--smtp", "smtp://mail.example.com", "--from", "anagrafe@comune.example.it"}, 2, "without TLS only on a loopback address"},
		{[]string{"inbox", "--imap", "pop3://x", "--imap-user", "u", "--smtp", "smtp://mail.example.com", "--from", "anagrafe@comune.example.it"}, 2, `unknown scheme "pop3"`},
		{[]string{"inbox", "--imap", "imaps://x", "--imap-user", "u", "--smtp", "smtp://mail.example.com", "--from", "nobody"}, 2, "--from"},
		{[]string{"inbox", "--imap", "imaps://x", "--imap-user", "u", "--smtp", "smtp://mail.example.com", "--from", "a@b.it", "--retain", "soon"}, 2, "--retain"},
		{[]string{"inbox", "--imap", "imaps://x", "--smtp", "smtp://mail.example.com", "--from", "a@b.it"}, 2, "no IMAP user"},
		{[]string{"inbox", "--imap", "imaps://u:secret@x", "--smtp", "smtp://mail.example.com", "--from", "a@b.it"}, 2, "no password in the URL"},
		{[]string{"inbox", "--imap", "imaps://u@x/Posta", "--mailbox", "INBOX", "--smtp", "smtp://mail.example.com", "--from", "a@b.it"}, 2, "differ"},
		{[]string{"inbox", "--imap", "imaps://u@x", "--smtp", "smtp://mail.example.com", "--from", "a@b.it"}, 2, "--authserv-id"},
		{[]string{"inbox", "--imap", "imaps://u@x", "--smtp", "smtp://mail.example.com", "--from", "a@b.it", "--authserv-id", "mx.b.it", "--no-auth-results"}, 2, "choose one"},
		{[]string{"inbox", "--imap", "imaps://u@x", "--smtp", "smtp://mail.example.com", "--from", "a@b.it", "--no-auth-results", "--pec-domains", "posta@pec.it"}, 2, "PEC provider domain"},
	}
	for _, tt := range tests {
		code, _, stderr := runArgs(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("tessera %v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

// TestFixCommand fixes a real photo, refuses to overwrite the result, and
// reports a file that is not a photo.
func TestFixCommand(t *testing.T) {
	faces := faceset.Require(t)
	photos, err := faceset.Load(faces, "neutral")
	if err != nil || len(photos) == 0 {
		t.Fatalf("neutral photos: %v", err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "foto.jpg")
	data, err := os.ReadFile(photos[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runArgs(t, "fix", "--lang", "en", in)
	out := filepath.Join(dir, "foto-tessera.jpg")
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("fix wrote nothing (exit %d): %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "400 DPI") {
		t.Errorf("fix output: %s", stdout)
	}
	if orig, _ := os.ReadFile(in); !bytes.Equal(orig, data) {
		t.Error("fix changed the original")
	}
	if code, _, stderr := runArgs(t, "fix", in); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("second fix: exit %d, %q; want 1 and a hint to use --force", code, stderr)
	}
	// A third of the pixels: not enlarged into a photo that passes.
	img, err := imaging.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "piccola.jpg")
	if err := os.WriteFile(small, fixture.JPEG(imaging.Resize(img, img.Bounds().Dx()/3, 0, imaging.Lanczos), 92, nil, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runArgs(t, "fix", "--lang", "en", small); code != 1 || !strings.Contains(stderr, "too few pixels") || !strings.Contains(stderr, "original") {
		t.Errorf("fix on a small photo: exit %d, %q; want 1 and a larger original asked for", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "piccola-tessera.jpg")); err == nil {
		t.Error("fix wrote an enlarged photo")
	}
	// An iPhone's HEIC becomes a JPEG (issue 27).
	heic, err := fixture.PhoneHEIC(img, fixture.Exif{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "IMG_0007.HEIC"), heic, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runArgs(t, "fix", "--lang", "en", filepath.Join(dir, "IMG_0007.HEIC"))
	fixed, err := os.ReadFile(filepath.Join(dir, "IMG_0007-tessera.jpg"))
	if err != nil || !bytes.HasPrefix(fixed, []byte("\xff\xd8\xff")) || !strings.Contains(stdout, "400 DPI") {
		t.Errorf("fix on a HEIC: exit %d, %s %s; the JPEG: %v", code, stdout, stderr, err)
	}
	txt := filepath.Join(dir, "note.txt")
	os.WriteFile(txt, []byte("hello"), 0o644)
	if code, _, stderr := runArgs(t, "fix", "--lang", "en", txt); code != 1 || !strings.Contains(stderr, "not a JPG or PNG image") {
		t.Errorf("fix on a text file: exit %d, %q", code, stderr)
	}
}
