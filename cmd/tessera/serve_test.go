package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// serveLog is a stderr the test can read while the server writes to it.
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
	}
	for _, tt := range tests {
		code, _, stderr := runArgs(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("tessera %v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

// TestServeCommand starts `tessera serve` on a free loopback port, waits
// until it is ready, checks a photo, and stops it as SIGTERM would.
func TestServeCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t.Setenv(addrEnv, "127.0.0.1:0") // the environment gives the address
	var stderr serveLog
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, io.Discard, &stderr) }()

	var addr string
	re := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	for i := 0; i < 500 && addr == ""; i++ {
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
	for i := 0; i < 500 && !ready; i++ {
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
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after the signal: %s", code, stderr.String())
	}
	log := stderr.String()
	if !strings.Contains(log, "stopped") || strings.Contains(log, string(photo[:16])) {
		t.Errorf("log: %s", log)
	}
}
