package testshare

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestGet: many callers at once, one build; the error is every caller's;
// keys are apart.
func TestGet(t *testing.T) {
	var builds atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := Get("a", func() (int, error) { builds.Add(1); return 7, nil })
			if v != 7 || err != nil {
				t.Errorf("Get(a) = %d, %v; want 7, nil", v, err)
			}
		}()
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds for one key, want 1", n)
	}
	bad := errors.New("no photo")
	for range 2 {
		if _, err := Get("b", func() (string, error) { builds.Add(1); return "", bad }); !errors.Is(err, bad) {
			t.Errorf("Get(b): %v, want %v", err, bad)
		}
	}
	if n := builds.Load(); n != 2 {
		t.Errorf("%d builds for two keys, want 2", n)
	}
}
