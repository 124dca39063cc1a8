// Package dovecot starts a real Dovecot IMAP server on loopback for tests:
// one user, a Maildir store in a temporary directory, plain IMAP with
// STARTTLS and imaps on free ports, and a self-signed certificate. It
// needs Debian's dovecot-imapd (`make deps`) and is used only from tests.
package dovecot

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// Server is a Dovecot IMAP server on loopback, for tests.
type Server struct {
	// Addr is host:port of plain IMAP, with STARTTLS offered (not required).
	Addr string
	// TLSAddr is host:port of imaps (TLS from the first byte).
	TLSAddr string
	// User and Password log in with LOGIN or AUTHENTICATE PLAIN.
	User, Password string
	// Dir holds dovecot.conf, the passwd file, the certificate, the log
	// (dovecot.log) and the mail store (mail/<user>/Maildir).
	Dir string

	conf    string // path of dovecot.conf
	logPath string
	baseDir string // sockets and master.pid, short for the socket path limit
	bin     string // the dovecot binary
	lda     string // dovecot-lda, "" if not found
	cert    *x509.Certificate
	proc    *proc // the running master, nil when stopped
	opts    Options
}

// proc is a dovecot master started in its own process group.
type proc struct {
	pid    int
	done   chan struct{} // closed when the master has exited
	err    error         // its exit status, set before done is closed
	output *syncBuffer   // its stdout and stderr: errors before the log process runs
}

// syncBuffer is a bytes.Buffer safe for exec's copying goroutine and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// greeting is the login greeting: a connection that reads it knows the
// login process is up and connected to auth (Dovecot sends "Waiting for
// authentication process to respond" instead while auth is starting).
const greeting = "tessera test dovecot ready"

// startTimeout bounds each start; the machine may be busy with other tests.
const startTimeout = 30 * time.Second

var errPortInUse = errors.New("a port is in use")

// config is dovecot.conf. Everything dovecot writes goes under Dir or
// BaseDir, so it neither needs nor collides with a system dovecot.
var config = template.Must(template.New("dovecot.conf").Parse(`# Dovecot for one tessera test: loopback only, one user, Maildir.
base_dir = {{.BaseDir}}
state_dir = {{.Dir}}/state
log_path = {{.Dir}}/dovecot.log
protocols = imap
listen = 127.0.0.1
login_greeting = {{.Greeting}}
{{- if .NonRoot}}

# Not root: every process runs as the user running the test, and none
# can chroot.
default_internal_user = {{.UserName}}
default_internal_group = {{.GroupName}}
default_login_user = {{.UserName}}
service anvil {
  chroot =
}
service ipc {
  chroot =
}
{{- end}}

# Dovecot refuses to open mail as root (UID 0, below first_valid_uid): the
# mail processes and dovecot-lda switch to this unprivileged user, who owns
# the mail store (nobody under root, else the user running the test).
mail_uid = {{.UID}}
mail_gid = {{.GID}}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = {{.Separator}}
{{- if .Prefix}}
  prefix = {{.Prefix}}
{{- end}}
}

# Plaintext LOGIN and AUTH PLAIN on every connection, not only after
# STARTTLS: the server listens on loopback only.
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN {{.Dir}}/passwd
}
userdb {
  driver = passwd-file
  args = {{.Dir}}/passwd
}

# The key is ECDSA, so only ECDHE key exchange is possible and no ssl_dh
# parameters are needed; ssl_min_protocol defaults to TLSv1.2.
ssl = yes
ssl_cert = <{{.Dir}}/cert.pem
ssl_key = <{{.Dir}}/key.pem

{{- if .Capability}}

protocol imap {
  imap_capability = {{.Capability}}
}
{{- end}}

service imap-login {
  inet_listener imap {
    port = {{.Port}}
  }
  inet_listener imaps {
    port = {{.TLSPort}}
    ssl = yes
  }
{{- if .NonRoot}}
  chroot =
{{- end}}
}
`))

// Start starts dovecot with a temporary config and mail store under
// t.TempDir(), one user (passwd-file, plaintext auth allowed on
// loopback), free loopback ports and a self-signed certificate generated
// here, so both STARTTLS and imaps work. It returns once the server
// greets a connection and stops dovecot in t.Cleanup. It calls t.Fatal
// if dovecot is not installed ("run make deps") or does not start, with
// the tail of dovecot's log.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// Options change the server Start starts.
type Options struct {
	// Capability, when set, is the whole list of capabilities announced
	// after login (Dovecot's imap_capability): leave out IDLE or MOVE to
	// test a client against a server without them.
	Capability string
	// Separator is the hierarchy separator of the mailbox names ("/"
	// when empty); "." is Dovecot's own default for Maildir and
	// Courier's.
	Separator string
	// Prefix, when set, is the personal namespace's prefix: "INBOX."
	// puts every folder under INBOX, as Courier and some hosted
	// mailboxes do.
	Prefix string
}

// StartWith is Start with options.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := findBinary("dovecot", "/usr/sbin/dovecot")
	if bin == "" {
		t.Fatal("dovecot is not installed: run `make deps` (or apt-get install -y dovecot-imapd)")
	}
	s := &Server{
		opts:     opts,
		User:     "tessera",
		Password: randomHex(t, 12),
		bin:      bin,
		lda:      findBinary("dovecot-lda", "/usr/lib/dovecot/dovecot-lda", "/usr/libexec/dovecot/dovecot-lda"),
	}
	var err error
	if s.Dir, err = safeDir(t); err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	if s.baseDir, err = tempDir(t, "tessera-dovecot-run-"); err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	s.conf = filepath.Join(s.Dir, "dovecot.conf")
	s.logPath = filepath.Join(s.Dir, "dovecot.log")
	t.Cleanup(func() {
		if err := s.stop(syscall.SIGTERM); err != nil {
			t.Errorf("dovecot: %v", err)
		}
	})
	owner, err := s.prepare()
	if err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	// The ports are free when picked but dovecot binds them only later;
	// another process may take one in between, so try again with others.
	for attempt := 1; ; attempt++ {
		if err := s.pickPorts(); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
		if err := s.writeConfig(owner); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
		err := s.start()
		if err == nil {
			return s
		}
		if !errors.Is(err, errPortInUse) || attempt == 3 {
			t.Fatalf("dovecot: %v", err)
		}
	}
}

// CertPool returns a pool holding the server's certificate, for
// tls.Config.RootCAs.
func (s *Server) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(s.cert)
	return pool
}

// CertPEM returns the server's certificate in PEM, as a --ca-file.
func (s *Server) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.cert.Raw})
}

// TLSConfig returns a client TLS configuration that trusts the server's
// certificate (valid for 127.0.0.1, ::1 and localhost).
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CertPool()}
}

// Deliver puts msg into the user's INBOX through dovecot-lda, Dovecot's
// own local delivery agent, as a mail server would; the message has its
// UID when Deliver returns. The server must be running (the LDA asks its
// auth process for the user). Lines may end in CRLF or LF: FETCH returns
// them with CRLF.
func (s *Server) Deliver(t testing.TB, msg []byte) {
	t.Helper()
	if s.lda == "" {
		t.Fatal("dovecot-lda is not installed: run `make deps` (it comes with dovecot-core)")
	}
	// -e: a rejected message fails here instead of bouncing via sendmail.
	cmd := exec.Command(s.lda, "-c", s.conf, "-e", "-d", s.User)
	cmd.Stdin = bytes.NewReader(msg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dovecot: deliver to %s with %s: %v\n%s%s", s.User, s.lda, err, out, s.logTail(0))
	}
}

// Stop stops dovecot gracefully, as `systemctl stop` would: SIGTERM to
// all its processes, which close the client connections ("BYE Server
// shutting down"). Restart starts it again.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("dovecot: %v", err)
	}
}

// Kill kills dovecot and all its processes at once with SIGKILL, as a
// crash would. Restart starts it again.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGKILL); err != nil {
		t.Fatalf("dovecot: %v", err)
	}
}

// Restart stops dovecot gracefully if it runs and starts it again with the
// same config, ports, user and mail store (so UIDs and UIDVALIDITY stay).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	// Another program may have taken a port while dovecot was down: wait
	// for it to let go.
	deadline := time.Now().Add(startTimeout)
	for {
		err := s.start()
		if err == nil {
			return
		}
		if !errors.Is(err, errPortInUse) || time.Now().After(deadline) {
			t.Fatalf("dovecot: restart: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Renumber stops dovecot, deletes the INBOX's UID list and indexes and
// starts it again: the INBOX gets a new UIDVALIDITY and its messages new
// UIDs, as after the mailbox is restored from a backup or moved to another
// server. Dovecot takes the new UIDVALIDITY from the clock, so Renumber
// returns at least a second after the old one was made.
func (s *Server) Renumber(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	time.Sleep(1100 * time.Millisecond)
	maildir := filepath.Join(s.Dir, "mail", s.User, "Maildir")
	for _, pattern := range []string{"dovecot-uidlist", "dovecot-uidvalidity*", "dovecot.index*"} {
		files, _ := filepath.Glob(filepath.Join(maildir, pattern))
		for _, f := range files {
			if err := os.Remove(f); err != nil {
				t.Fatalf("dovecot: renumber: %v", err)
			}
		}
	}
	s.Restart(t)
}

// prepare writes the passwd file and the certificate and creates the mail
// store, owned by the user the mail processes run as.
func (s *Server) prepare() (owner, error) {
	o, err := mailOwner()
	if err != nil {
		return o, err
	}
	home := filepath.Join(s.Dir, "mail", s.User)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return o, fmt.Errorf("create the mail store: %w", err)
	}
	if o.chown {
		for _, d := range []string{filepath.Dir(home), home} {
			if err := os.Chown(d, o.uid, o.gid); err != nil {
				return o, fmt.Errorf("give the mail store to uid %d: %w", o.uid, err)
			}
		}
		// Dovecot's auth (user dovecot) reads the passwd file and the mail
		// processes (o.uid) open the store: they must be able to reach Dir.
		if err := traversable(s.Dir); err != nil {
			return o, err
		}
	}
	// passwd-file: user:password:uid:gid:gecos:home:shell:extra; the uid
	// and gid come from mail_uid and mail_gid.
	passwd := fmt.Sprintf("%s:%s::::%s::\n", s.User, s.Password, home)
	if err := os.WriteFile(filepath.Join(s.Dir, "passwd"), []byte(passwd), 0o644); err != nil {
		return o, fmt.Errorf("write the passwd file: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "state"), 0o755); err != nil {
		return o, fmt.Errorf("create the state directory: %w", err)
	}
	if err := s.writeCert(); err != nil {
		return o, err
	}
	return o, nil
}

// owner is who the mail processes run as.
type owner struct {
	uid, gid            int
	userName, groupName string // set when not root
	chown               bool   // root: the store must be given to uid
}

// mailOwner is nobody when the test runs as root: Dovecot refuses mail
// access as UID 0, nobody exists on every Linux, and unlike the dovecot
// and dovenull users it has no role in Dovecot itself. Otherwise it is the
// user running the test, since only root can switch users.
func mailOwner() (owner, error) {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return owner{}, fmt.Errorf("look up the mail user: %w", err)
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err := errors.Join(err1, err2); err != nil {
			return owner{}, fmt.Errorf("user nobody: %w", err)
		}
		return owner{uid: uid, gid: gid, chown: true}, nil
	}
	u, err := user.Current()
	if err != nil {
		return owner{}, fmt.Errorf("look up the current user: %w", err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return owner{}, fmt.Errorf("look up the current group: %w", err)
	}
	return owner{uid: os.Geteuid(), gid: os.Getegid(), userName: u.Username, groupName: g.Name}, nil
}

// traversable lets others through dir and its parents up to the
// temporary directory: t.TempDir() makes them 0700.
func traversable(dir string) error {
	tmp := filepath.Clean(os.TempDir())
	for d := filepath.Clean(dir); strings.HasPrefix(d, tmp+string(filepath.Separator)); d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("make %s traversable: %w", dir, err)
		}
		if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
			return fmt.Errorf("make %s traversable: %w", dir, err)
		}
	}
	return nil
}

// pickPorts chooses two free loopback ports for Addr and TLSAddr.
func (s *Server) pickPorts() error {
	var addrs [2]string
	for i := range addrs {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("find a free port: %w", err)
		}
		defer l.Close() // both stay open until picked, so they differ
		addrs[i] = l.Addr().String()
	}
	s.Addr, s.TLSAddr = addrs[0], addrs[1]
	return nil
}

// writeConfig writes dovecot.conf for the current ports.
func (s *Server) writeConfig(o owner) error {
	_, port, _ := net.SplitHostPort(s.Addr)
	_, tlsPort, _ := net.SplitHostPort(s.TLSAddr)
	var b bytes.Buffer
	err := config.Execute(&b, map[string]any{
		"BaseDir": s.baseDir, "Dir": s.Dir, "Greeting": greeting,
		"NonRoot": !o.chown, "UserName": o.userName, "GroupName": o.groupName,
		"UID": o.uid, "GID": o.gid, "Port": port, "TLSPort": tlsPort,
		"Capability": s.opts.Capability,
		"Separator":  cmp.Or(s.opts.Separator, "/"),
		"Prefix":     s.opts.Prefix,
	})
	if err != nil {
		return fmt.Errorf("render dovecot.conf: %w", err)
	}
	if err := os.WriteFile(s.conf, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write dovecot.conf: %w", err)
	}
	return nil
}

// writeCert generates a self-signed ECDSA certificate for the loopback
// names and writes it and its key to Dir.
func (s *Server) writeCert() error {
	c, err := fixture.NewLoopbackCert("tessera test dovecot")
	if err != nil {
		return err
	}
	s.cert = c.Cert
	if err := os.WriteFile(filepath.Join(s.Dir, "cert.pem"), c.CertPEM, 0o644); err != nil {
		return fmt.Errorf("write the certificate: %w", err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "key.pem"), c.KeyPEM, 0o600); err != nil {
		return fmt.Errorf("write the TLS key: %w", err)
	}
	return nil
}

// start runs the dovecot master in the foreground and waits until it
// greets on Addr. On failure it leaves nothing running and returns an
// error with dovecot's output and the log of this run; the error is
// errPortInUse if a port was taken.
func (s *Server) start() error {
	// A master killed with SIGKILL leaves its pid file; dovecot refuses to
	// start if that pid has since been reused by a live process.
	if err := os.Remove(filepath.Join(s.baseDir, "master.pid")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the stale master.pid: %w", err)
	}
	var logStart int64
	if fi, err := os.Stat(s.logPath); err == nil {
		logStart = fi.Size()
	}
	p, err := spawn(exec.Command(s.bin, "-F", "-c", s.conf))
	if err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.proc = p
	if err := s.waitReady(p); err != nil {
		stopErr := s.stop(syscall.SIGKILL)
		out := p.output.String() + s.logTail(logStart)
		if strings.Contains(out, "Address already in use") {
			err = fmt.Errorf("%w: %w", errPortInUse, err)
		}
		return fmt.Errorf("%w%s\n%s", err, errSuffix(stopErr), out)
	}
	return nil
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

// spawn starts cmd as the leader of a new process group, so that stop can
// signal dovecot and all its children, and with a parent-death signal, so
// that a test binary that dies (a panic, -timeout) takes dovecot with it.
func spawn(cmd *exec.Cmd) (*proc, error) {
	p := &proc{done: make(chan struct{}), output: new(syncBuffer)}
	cmd.Stdout, cmd.Stderr = p.output, p.output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that forked the
		// child exits, not the process: hold this goroutine on its thread
		// until dovecot has exited.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		p.pid = cmd.Process.Pid
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// waitReady waits until a connection to Addr reads the login greeting.
func (s *Server) waitReady(p *proc) error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("dovecot exited while starting: %w", p.err)
		default:
		}
		if last = greets(s.Addr); last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("dovecot did not greet on %s within %v: %w", s.Addr, startTimeout, last)
}

// greets connects to addr and reads the first line, which must be the
// greeting of a login process connected to auth.
func greets(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read the greeting: %w", err)
	}
	if !strings.HasPrefix(line, "* OK") || !strings.Contains(line, greeting) {
		return fmt.Errorf("greeting %q", strings.TrimSpace(line))
	}
	return nil
}

// stop ends the running dovecot, if any, by sending sig to its whole
// process group, as systemd does: on SIGTERM the master alone would wait
// for every IMAP session to end by itself (Dovecot 2.3 does not close
// them), blocking while a client stays connected. It returns when no
// process of the group is left, so none writes to the store afterwards;
// what has not exited after a grace period is killed.
func (s *Server) stop(sig syscall.Signal) error {
	p := s.proc
	if p == nil {
		return nil
	}
	s.proc = nil
	const grace = 10 * time.Second
	if err := syscall.Kill(-p.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal dovecot (group %d): %w", p.pid, err)
	}
	var err error
	if !groupGone(p, grace) {
		err = fmt.Errorf("dovecot (group %d) was still running %v after %v; killed", p.pid, grace, sig)
		if kerr := syscall.Kill(-p.pid, syscall.SIGKILL); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
			return fmt.Errorf("kill dovecot (group %d): %w", p.pid, kerr)
		}
		if !groupGone(p, grace) {
			return fmt.Errorf("dovecot (group %d) survived SIGKILL for %v", p.pid, grace)
		}
	}
	return err
}

// groupGone waits up to timeout for the master to exit and for no live
// process to be left in its group, and reports whether that happened.
// Orphaned children are reaped by init, not by us, so zombies (which hold
// no files or sockets) count as gone.
func groupGone(p *proc, timeout time.Duration) bool {
	deadline := time.After(timeout)
	select {
	case <-p.done:
	case <-deadline:
		return false
	}
	for groupAlive(p.pid) {
		select {
		case <-deadline:
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return true
}

// groupAlive reports whether a process other than a zombie is in process
// group pgid, from /proc.
func groupAlive(pgid int) bool {
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may contain spaces and ")".
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) >= 3 && fields[0] != "Z" && fields[2] == strconv.Itoa(pgid) {
			return true
		}
	}
	return false
}

// logTail returns the last lines dovecot logged from offset from on.
func (s *Server) logTail(from int64) string {
	const maxLines = 30
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no dovecot log: %v)\n", err)
	}
	if from > int64(len(b)) {
		from = 0
	}
	lines := strings.SplitAfter(string(b[from:]), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return "dovecot.log:\n" + strings.Join(lines, "")
}

// findBinary returns the first of names found in PATH or as a path.
func findBinary(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// safeDir returns t.TempDir(), or a directory of its own if the test's
// name put characters in that path that dovecot.conf would expand ($, %)
// or split on (spaces).
func safeDir(t testing.TB) (string, error) {
	dir := t.TempDir()
	if !strings.ContainsAny(dir, "$% \t\"'{}#<") {
		return dir, nil
	}
	return tempDir(t, "tessera-dovecot-")
}

// tempDir makes a short temporary directory removed at the end of the
// test. Socket paths must stay under 108 bytes and t.TempDir() can be 90,
// so dovecot's base_dir is one of these.
func tempDir(t testing.TB, prefix string) (string, error) {
	parent := os.TempDir()
	if len(parent) > 40 || strings.ContainsAny(parent, "$% \t\"'{}#<") {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, prefix)
	if err != nil {
		return "", fmt.Errorf("create a temporary directory: %w", err)
	}
	// Dovecot's unprivileged processes connect to sockets in it.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("create a temporary directory: %w", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir, nil
}

// randomHex returns n random bytes in hex.
func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("dovecot: random password: %v", err)
	}
	return hex.EncodeToString(b)
}
