package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// serveLog is a stderr the test can read while the server (or the
// inbox) writes to it.
type serveLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *serveLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *serveLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestServeUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "extra"}, 2, "usage: tessera serve"},
		{[]string{"serve", "--workers", "0"}, 2, "usage: tessera serve"},
		{[]string{"serve", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--addr", "no:such:addr"}, 1, "tessera serve:"},
		{[]string{"serve", "--config", "no-such.toml"}, 2, "no-such.toml"},
		{[]string{"serve", "--office-privacy-url", "javascript:alert(1)"}, 2, "office.privacy_url"},
		{[]string{"serve", "--web-frame-ancestors", "https://a.example/path"}, 2, "web.frame_ancestors"},
		{[]string{"serve", "--trusted-proxy", "proxy.example"}, 2, "--trusted-proxy"},
		{[]string{"serve", "--client-rate", "-1"}, 2, "usage: tessera serve"},
		{[]string{"serve", "--body-budget-mb", "10"}, 2, "usage: tessera serve"}, // under one body of the limit
		{[]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "no:such:addr"}, 1, "--metrics-addr"},
	}
	for _, tt := range tests {
		code, _, stderr := runArgs(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("tessera %v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

// TestServeCommand starts `tessera serve` on a free loopback port, waits
// until it is ready, checks a photo, reads the metrics on their own
// listener (and not on the public one), and stops it as SIGTERM would.
func TestServeCommand(t *testing.T) {
	t.Setenv("TESSERA_ADDR", "127.0.0.1:0") // the environment gives the addresses
	t.Setenv(metricsEnv, "127.0.0.1:0")
	base, stderr, stop := startServe(t)
	photo := fixture.JPEG(fixture.Gradient(560, 720), 90, nil, nil)
	resp, err := http.Post(base+"/v1/check?lang=en", "image/jpeg", bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"face_count"`) {
		t.Errorf("check: %d %.200s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`msg=metrics addr=(127\.0\.0\.1:\d+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in the log: %s", stderr.String())
	}
	for url, want := range map[string]int{"http://" + m[1] + "/metrics": http.StatusOK, base + "/metrics": http.StatusNotFound} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", url, resp.StatusCode, want)
		}
		if want == http.StatusOK && !strings.Contains(string(b), `tessera_http_requests_total{code="200",method="POST",route="/v1/check"} 1`) {
			t.Errorf("%s does not count the check:\n%.2000s", url, b)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after the signal: %s", code, stderr.String())
	}
	log := stderr.String()
	if !strings.Contains(log, "stopped") || strings.Contains(log, string(photo[:16])) {
		t.Errorf("log: %s", log)
	}
}

// TestServeOffice starts `tessera serve` with the sample office's
// configuration, a key overridden by its variable and another by its flag,
// and reads the branded page and the logo.
func TestServeOffice(t *testing.T) {
	t.Setenv("TESSERA_OFFICE_NAME", "Comune di Esempio - Anagrafe di prova")
	base, stderr, stop := startServe(t, "--addr", "127.0.0.1:0", "--metrics-addr", "", "--config", "../../examples/esempio/tessera.toml", "--office-legal-url", "https://legale.esempio.it/")
	defer stop()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, page := get("/")
	if strings.Contains(page, "Servizi demografici") {
		t.Error("the file's office.name shows through its variable")
	}
	for _, want := range []string{"Comune di Esempio - Anagrafe di prova", `src="/office/logo?v=`, `href="https://legale.esempio.it/"`, `href="https://www.comune.esempio.it/privacy"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page has no %q", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://www.comune.esempio.it") {
		t.Errorf("CSP %q", csp)
	}
	if resp, logo := get("/office/logo"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(logo, "<svg") {
		t.Errorf("logo: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(stderr.String(), `office="Comune di Esempio - Anagrafe di prova"`) {
		t.Errorf("log: %s", stderr.String())
	}
}

// startBound is how long awaitReady waits for a server to listen and be
// ready.
const startBound = time.Minute

// startServe runs `tessera serve args...` until it is ready, and returns
// its URL, its log, and stop, which ends it as SIGTERM would and returns
// its exit status.
func startServe(t *testing.T, args ...string) (base string, stderr *serveLog, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &serveLog{}
	done := make(chan int, 1)
	exited := make(chan struct{}) // closed once the exit status is in done
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), io.Discard, stderr)
		close(exited)
	}()
	var once sync.Once
	code := 0
	stop = func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}
	t.Cleanup(func() { stop() })

	return awaitReady(t, stderr, exited), stderr, stop
}

// awaitReady waits for the server whose log is stderr to log its listen
// address and answer /readyz with 200, and returns its URL. A server that
// exits first (exited is closed) fails the test at once.
func awaitReady(t *testing.T, stderr *serveLog, exited <-chan struct{}) string {
	t.Helper()
	var addr string
	re := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	// The bounds only keep a broken server from hanging the test: loading
	// the models takes seconds when every core is busy with other tests.
	deadline := time.Now().Add(startBound)
	up := func() bool {
		select {
		case <-exited:
			t.Fatalf("exited while starting: %s", stderr.String())
		default:
		}
		return time.Now().Before(deadline)
	}
	for addr == "" && up() {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("no listen address in the log: %s", stderr.String())
	}
	base := "http://" + addr
	ready := false
	for !ready && up() {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			ready = resp.StatusCode == http.StatusOK
			resp.Body.Close()
		}
		if !ready {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !ready {
		t.Fatalf("never ready: %s", stderr.String())
	}
	return base
}

// TestServeSecondSignal runs the tessera program (main, in a child
// process) as `tessera serve --drain-delay 1m`: the first SIGINT starts the
// drain (/readyz 503 draining) and the second stops the program at once,
// not a minute later.
func TestServeSecondSignal(t *testing.T) {
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "", "--drain-delay", "1m")
	cmd.Env = append(os.Environ(), mainChildEnv+"=1")
	stderr := &serveLog{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed once waitErr is set
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	base := awaitReady(t, stderr, exited)
	readyz := func() int {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// Draining, within 10 s; a program that exits instead fails the test.
	deadline := time.Now().Add(10 * time.Second)
	for readyz() != http.StatusServiceUnavailable && time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("exited on the first SIGINT: %v: %s", waitErr, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if got := readyz(); got != http.StatusServiceUnavailable {
		t.Fatalf("after the first SIGINT /readyz answers %d, want 503 (draining): %s", got, stderr.String())
	}
	// The second: sent again each second, in case the first reached the
	// program a moment before it let the signals go.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	give := time.After(10 * time.Second)
	for {
		if err := cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Fatal(err)
		}
		select {
		case <-exited:
			var ee *exec.ExitError
			if !errors.As(waitErr, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
				t.Errorf("after the second SIGINT: %v, want killed by SIGINT", waitErr)
			}
			return
		case <-give:
			t.Fatalf("still running 10 s after the second SIGINT, in a drain of a minute: %s", stderr.String())
		case <-tick.C:
		}
	}
}
