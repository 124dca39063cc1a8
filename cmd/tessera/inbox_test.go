package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tessera-cie/tessera/internal/dovecot"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/internal/smtpsink"
)

// TestInboxCommand runs "tessera inbox --once" as a clerk would set it up,
// against a real Dovecot and SMTP server: the citizen's photo is answered
// and the message filed.
func TestInboxCommand(t *testing.T) {
	faces := faceset.Require(t)
	photo, err := os.ReadFile(filepath.Join(faces, "neutral", "001_03.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	mbox, out := dovecot.Start(t), smtpsink.Start(t)
	mbox.Deliver(t, fixture.CRLF("From: Mario Rossi <mario@example.it>\nSubject: foto\nMessage-ID: <cli@example.it>\nMIME-Version: 1.0\nContent-Type: image/jpeg; name=foto.jpg\nContent-Transfer-Encoding: base64\n\n"+fixture.Base64Lines(photo)+"\n"))
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, mbox.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(t.TempDir(), "imap-password")
	if err := os.WriteFile(pwFile, []byte(mbox.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TESSERA_SMTP_PASSWORD", out.Password)
	state := filepath.Join(t.TempDir(), "state.db")
	code, stdout, stderr := runArgs(t, "inbox", "--once",
		"--imap", "imaps://"+mbox.TLSAddr, "--imap-user", mbox.User, "--imap-password-file", pwFile, "--ca-file", ca,
		"--smtp", "smtp+plain://"+out.Addr, "--smtp-user", out.User,
		"--from", "Anagrafe <anagrafe@comune.example.it>", "--state", state)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	sent := out.Messages()
	if len(sent) != 1 || sent[0].To[0] != "mario@example.it" || !bytes.Contains(sent[0].Data, []byte("In-Reply-To: <cli@example.it>")) {
		t.Fatalf("sent %d answers: %+v", len(sent), sent)
	}
	t.Logf("log:\n%s", stderr)
	// The log names no address: the sender is a hash.
	if strings.Contains(stderr, "mario@example.it") || !strings.Contains(stderr, "sender=") {
		t.Errorf("log: %s", stderr)
	}
	c, err := imapclient.DialTLS(mbox.TLSAddr, &imapclient.Options{TLSConfig: mbox.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(mbox.User, mbox.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status("Tessera/Da correggere", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || st.NumMessages == nil || *st.NumMessages != 1 {
		t.Errorf("Tessera/Da correggere: %+v, %v; want the message", st, err)
	}
}
