package main

import (
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tessera-cie/tessera/internal/dovecot"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/internal/smtpsink"
)

// authResults is what the office's mail server (mx.comune.example.it)
// writes on a message from example.it whose SPF, DKIM and DMARC pass.
const authResults = "Authentication-Results: mx.comune.example.it; spf=pass smtp.mailfrom=example.it; dkim=pass header.d=example.it; dmarc=pass header.from=example.it\n"

// mailServers starts a Dovecot and an SMTP sink for the test and writes
// Dovecot's certificate where --ca-file reads it.
func mailServers(t *testing.T) (mbox *dovecot.Server, out *smtpsink.Server, ca string) {
	t.Helper()
	mbox, out = dovecot.Start(t), smtpsink.Start(t)
	ca = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, mbox.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return mbox, out, ca
}

// photoMessage is a citizen's message from from, the office's server's
// authentication passed, with neutral/001_03 of ../shared/faces attached
// and Message-ID id.
func photoMessage(t *testing.T, from, id string) []byte {
	t.Helper()
	photo, err := os.ReadFile(filepath.Join(faceset.Require(t), "neutral", "001_03.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return fixture.CRLF(authResults + "From: " + from + "\nSubject: foto\nMessage-ID: <" + id + ">\nMIME-Version: 1.0\nContent-Type: image/jpeg; name=foto.jpg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n")
}

// TestInboxCommand runs "tessera inbox --once" as a clerk would set it up,
// against a real Dovecot and SMTP server: the citizen's photo is answered
// and the message filed.
func TestInboxCommand(t *testing.T) {
	mbox, out, ca := mailServers(t)
	mbox.Deliver(t, photoMessage(t, "Mario Rossi <mario@example.it>", "cli@example.it"))
	pwFile := filepath.Join(t.TempDir(), "imap-password")
	if err := os.WriteFile(pwFile, []byte(mbox.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TESSERA_IMAP_PASSWORD_FILE", pwFile)
	t.Setenv("TESSERA_SMTP_PASSWORD", out.Password)
	state := filepath.Join(t.TempDir(), "state.db")
	// The user and the folder in the URLs, as the README shows; the
	// office's address from its configuration.
	args := []string{"inbox",
		"--imap", "imaps://" + mbox.User + "@" + mbox.TLSAddr + "/INBOX", "--ca-file", ca,
		"--smtp", "smtp+plain://" + out.User + "@" + out.Addr,
		"--config", "../../examples/esempio/tessera.toml", "--state", state}

	// Told nothing of how senders are authenticated, it refuses to start.
	code, _, stderr := runArgs(t, append(args, "--once")...)
	if code != exitUsage || !strings.Contains(stderr, "--authserv-id") || len(out.Messages()) != 0 {
		t.Fatalf("without --authserv-id: exit %d, %q", code, stderr)
	}
	args = append(args, "--authserv-id", "mx.comune.example.it")

	// A dry run says what would happen and does none of it.
	code, stdout, stderr := runArgs(t, append(args, "--dry-run")...)
	if code != 0 || !strings.Contains(stdout, "UID 1: answer, Tessera/Da correggere") || !strings.Contains(stdout, "dry run") {
		t.Fatalf("dry run: exit %d: %s %s", code, stdout, stderr)
	}
	if n := len(out.Messages()); n != 0 {
		t.Fatalf("a dry run sent %d answers", n)
	}
	if _, err := os.Stat(state); err == nil {
		t.Error("a dry run made the state database")
	}

	code, stdout, stderr = runArgs(t, append(args, "--once")...)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	sent := out.Messages()
	if len(sent) != 1 || sent[0].To[0] != "mario@example.it" || !bytes.Contains(sent[0].Data, []byte("In-Reply-To: <cli@example.it>")) {
		t.Fatalf("sent %d answers: %+v", len(sent), sent)
	}
	// From the office, signed by it with its privacy notice.
	// The body is quoted-printable, the header plain.
	data, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(sent[0].Data)))
	for _, want := range []string{"From: \"Comune di Esempio - Servizi demografici\" <anagrafe@comune.esempio.it>", "\n-- \r\nComune di Esempio", "https://www.comune.esempio.it/privacy"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("the answer has no %q:\n%s", want, data[:min(len(data), 3000)])
		}
	}
	if sent[0].From != "anagrafe@comune.esempio.it" {
		t.Errorf("envelope from %s", sent[0].From)
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

	// The clerk's summary of the state.
	code, stdout, stderr = runArgs(t, "inbox", "status", "--state", state)
	if code != 0 || !strings.Contains(stdout, "messages by state: filed 1") || !strings.Contains(stdout, "answers in the last 24 hours: 1") {
		t.Errorf("status: exit %d: %s %s", code, stdout, stderr)
	}
	if code, _, stderr := runArgs(t, "inbox", "status", "--state", filepath.Join(t.TempDir(), "none.db")); code != 1 || !strings.Contains(stderr, "none.db") {
		t.Errorf("status of a missing state: exit %d, %q", code, stderr)
	}
}

// TestInboxBadLogin: a wrong IMAP password is a clear error and a
// non-zero exit, with --once and when watching (no retrying a password
// the server refused, which gets accounts locked).
func TestInboxBadLogin(t *testing.T) {
	mbox, out, ca := mailServers(t)
	t.Setenv("TESSERA_IMAP_PASSWORD", "sbagliata")
	for _, once := range []bool{true, false} {
		args := []string{"inbox", "--imap", "imaps://" + mbox.User + "@" + mbox.TLSAddr, "--ca-file", ca,
			"--smtp", "smtp+plain://" + out.Addr, "--from", "anagrafe@comune.example.it",
			"--state", filepath.Join(t.TempDir(), "state.db"), "--no-auth-results"}
		if once {
			args = append(args, "--once")
		}
		type result struct {
			code   int
			stderr string
		}
		done := make(chan result, 1)
		go func() {
			code, _, stderr := runArgs(t, args...)
			done <- result{code, stderr}
		}()
		select {
		case r := <-done:
			if r.code != 1 || !strings.Contains(r.stderr, "refused the login") {
				t.Errorf("once=%v: exit %d, %q; want 1 and the login refused", once, r.code, r.stderr)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("once=%v: still running after a refused login", once)
		}
	}
}

// TestInboxLoginRefusedWait: with --login-refused wait, a refused login
// neither exits nor tries the refused password again: the inbox waits
// until the password file holds another password (as a Kubernetes Secret
// is edited), then logs in with it and answers the mailbox; it stops when
// its context ends.
func TestInboxLoginRefusedWait(t *testing.T) {
	mbox, out, ca := mailServers(t)
	mbox.Deliver(t, photoMessage(t, "mario@example.it", "wait@example.it"))
	dir := t.TempDir()
	passFile := filepath.Join(dir, "imap-password")
	if err := os.WriteFile(passFile, []byte("sbagliata\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TESSERA_SMTP_PASSWORD", out.Password)
	t.Setenv("TESSERA_AUTHSERV_ID", "mx.comune.example.it")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr serveLog
	done := make(chan int, 1)
	go func() {
		var stdout bytes.Buffer
		done <- run(ctx, []string{"inbox", "--imap", "imaps://" + mbox.User + "@" + mbox.TLSAddr, "--ca-file", ca,
			"--imap-password-file", passFile, "--login-refused", "wait",
			"--smtp", "smtp+plain://" + out.User + "@" + out.Addr, "--from", "anagrafe@comune.example.it",
			"--state", filepath.Join(dir, "state.db")}, &stdout, &stderr)
	}()

	// Refused: still running, nothing answered, for longer than a poll.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), "waiting for another password"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no wait after the refused login:\n%s", stderr.String())
		}
	}
	select {
	case code := <-done:
		t.Fatalf("exit %d after a refused login with --login-refused wait:\n%s", code, stderr.String())
	case <-time.After(loginPoll + 2*time.Second):
	}
	if n := len(out.Messages()); n != 0 {
		t.Fatalf("%d answers sent before the login", n)
	}
	// Each refusal is logged once, with the wait after it.
	if n := strings.Count(stderr.String(), "waiting for another password"); n != 1 {
		t.Errorf("the refused password was tried %d times, want once:\n%s", n, stderr.String())
	}

	// The right password in the file: logged in, the message answered.
	if err := os.WriteFile(passFile, []byte(mbox.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(loginPoll + 60*time.Second); len(out.Messages()) == 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no answer after the password was put right:\n%s", stderr.String())
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after the context ended:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running after the context ended")
	}
}

// TestInboxMetrics: watching with --metrics-addr, the message answered is
// counted at /metrics; the program stops when its context ends (SIGTERM).
func TestInboxMetrics(t *testing.T) {
	mbox, out, ca := mailServers(t)
	mbox.Deliver(t, photoMessage(t, "mario@example.it", "metrics@example.it"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("TESSERA_IMAP_PASSWORD", mbox.Password)
	t.Setenv("TESSERA_SMTP_PASSWORD", out.Password)
	t.Setenv("TESSERA_AUTHSERV_ID", "mx.comune.example.it")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		var stdout, stderr bytes.Buffer
		done <- run(ctx, []string{"inbox", "--imap", "imaps://" + mbox.User + "@" + mbox.TLSAddr, "--ca-file", ca,
			"--smtp", "smtp+plain://" + out.User + "@" + out.Addr, "--from", "anagrafe@comune.example.it",
			"--state", filepath.Join(t.TempDir(), "state.db"), "--metrics-addr", addr}, &stdout, &stderr)
	}()
	want := `tessera_inbox_messages_total{outcome="to_fix"} 1`
	var body string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(body, want); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("/metrics never showed %q:\n%s", want, body)
		}
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
		}
	}
	if !strings.Contains(body, "tessera_inbox_reply_seconds_count 1") {
		t.Errorf("no reply latency in /metrics:\n%s", body)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after the context ended", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running after the context ended")
	}
}
