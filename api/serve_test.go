package api

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestServeStopsAtOnce: a server told to stop as it starts (a SIGTERM at
// start-up; a test skipped right after starting it) stops, whether the
// stop comes before Serve is called or while it is starting.
func TestServeStopsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay time.Duration // after Serve is called, before the stop
	}{
		{"stopped before", -1},
		{"stopped while starting", 0},
		{"stopped a moment after", time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				s := New(Config{}, nil)
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
