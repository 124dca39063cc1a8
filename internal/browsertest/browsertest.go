// Package browsertest starts Debian's headless chromium for tests, through
// chromedp, with the flags this machine's closed network needs.
//
// A test binary starts one chromium, at the first New, and each New opens
// a tab in a browser context of its own: as empty as a fresh profile (no
// cookies, storage or cache of another test's), without the 1.6 s of CPU
// time a chromium takes to start and stop. Stop ends the browser and
// removes its files; a test binary that uses New calls it from TestMain.
//
// Chromium keeps its profile and its own temporary files (the
// org.chromium.Chromium.* socket folders, left behind on every start
// even when it is stopped) in one folder of the system's temporary
// directory, browsertest-PID-*, which Stop removes. A binary that dies
// before (a panic, go test's -timeout) takes chromium with it (chromedp
// starts it with Pdeathsig) and leaves its folder, which the next start
// of any test binary removes, its process being gone.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Path finds Debian's chromium or skips the test with the way to install it.
func Path(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("chromium not installed: run `make deps` (or apt-get install -y chromium) for the browser tests")
	return ""
}

// browser is the test binary's chromium, started by the first New.
var browser struct {
	mu     sync.Mutex
	ctx    context.Context // its first tab's, which the others are opened from
	cancel func()          // stops it and removes its profile
	err    error
}

// start returns the context of the test binary's chromium, starting it
// the first time (path is its program).
func start(path string) (context.Context, error) {
	browser.mu.Lock()
	defer browser.mu.Unlock()
	if browser.ctx != nil && browser.ctx.Err() != nil {
		// It died (crashed, or was killed): start another, so that one
		// test's crash fails that test only.
		browser.cancel()
		browser.ctx, browser.cancel = nil, nil
	}
	if browser.ctx != nil || browser.err != nil {
		return browser.ctx, browser.err
	}
	removeStale()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", dirPrefix, os.Getpid()))
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Env("TMPDIR=" + dir),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// The browser's own context has no deadline (it serves every test);
	// starting it has one.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err = <-started:
	case <-time.After(startTimeout):
		err = fmt.Errorf("chromium did not start in %v", startTimeout)
	}
	stop := func() {
		cancelCtx()
		cancelAlloc()
		removeAll(dir)
	}
	if err != nil {
		stop()
		browser.err = err
		return nil, err
	}
	browser.ctx, browser.cancel = ctx, stop
	return ctx, nil
}

// dirPrefix begins the name of the folder a test binary's chromium keeps
// its files in, followed by the binary's process id.
const dirPrefix = "browsertest-"

// removeAll removes dir, trying again for a while: chromium's helper
// processes may still write into it as they end ("directory not empty"),
// as chromedp's own removal allows for.
func removeAll(dir string) {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := os.RemoveAll(dir); err == nil || time.Now().After(deadline) {
			return
		}
	}
}

// removeStale removes the folders of test binaries that died with their
// chromium running: those whose process is gone.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*-*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), dirPrefix)
		pid, err := strconv.Atoi(rest[:max(0, strings.IndexByte(rest, '-'))])
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			removeAll(d)
		}
	}
}

// startTimeout bounds chromium's start, as each test's timeout bounded
// it when every test started its own.
const startTimeout = 60 * time.Second

// New opens a tab of w x h pixels in a browser context of its own, in the
// test binary's chromium, and returns a context that ends after timeout or
// with the test; the tab and its browser context are then closed.
func New(t testing.TB, w, h int, timeout time.Duration) context.Context {
	t.Helper()
	b, err := start(Path(t))
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelCtx := chromedp.NewContext(b, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	// The tab is one of the browser's windows, not its only one: focus
	// (:focus rings, document.activeElement) behaves as in the focused
	// window all the same.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("focus: %v", err)
	}
	return ctx
}

// Stop ends the test binary's chromium, if New started one, and removes
// its folder. A test binary calls it from TestMain after its tests.
func Stop() {
	browser.mu.Lock()
	defer browser.mu.Unlock()
	if browser.cancel != nil {
		browser.cancel()
	}
	browser.ctx, browser.cancel, browser.err = nil, nil, nil
}
