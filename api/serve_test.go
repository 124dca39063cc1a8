package api

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestServeStopsAtOnce: a server told to stop as it starts (a SIGTERM at
// start-up; a test skipped right after starting it) stops, whether the
// stop comes before Serve is called or while it is starting. One that
// never became ready (its face model still loading, or failed to load)
// was sent no traffic and does not wait out a DrainDelay.
func TestServeStopsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay time.Duration // after Serve is called, before the stop
		drain time.Duration // Config.DrainDelay
	}{
		{"stopped before", -1, 0},
		{"stopped while starting", 0, 0},
		{"stopped a moment after", time.Millisecond, 0},
		{"never ready, a drain set", 10 * time.Millisecond, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				s := New(Config{DrainDelay: tc.drain}, nil)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tc.delay < 0 {
					cancel()
				}
				done := make(chan error, 1)
				go func() { done <- s.Serve(ctx, ln) }()
				if tc.delay >= 0 {
					time.Sleep(tc.delay)
					cancel()
				}
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("Serve: %v", err)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("Serve has not returned 10 s after its context ended")
				}
			}
		})
	}
}

// TestServeDrains: told to stop, a ready server with a DrainDelay goes on
// answering, new connections included, with /readyz saying 503 draining
// so the load balancer stops sending; it stops when the delay is over.
func TestServeDrains(t *testing.T) {
	const delay = 600 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, Config{DrainDelay: delay})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()
	get := func(path string) (int, string) {
		t.Helper()
		// A new connection each time: a replica still in the load
		// balancer's list is sent new clients.
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
		resp, err := c.Get(url + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		var body struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Error
	}
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz %d before the stop", code)
	}
	stopped := time.Now()
	cancel()
	time.Sleep(delay / 6) // Serve sees its context done
	if code, e := get("/readyz"); code != http.StatusServiceUnavailable || e != "draining" {
		t.Errorf("/readyz while draining: %d %q, want 503 draining", code, e)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while draining: %d, want 200: the server still answers", code)
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned while draining: %v", err)
	default:
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
		if took := time.Since(stopped); took < delay {
			t.Errorf("Serve returned %v after the stop, before the drain of %v", took, delay)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve has not returned 10 s after the drain")
	}
}
