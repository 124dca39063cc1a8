package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// TestNew: two tabs share nothing (a cookie one sets, the other does not
// send), each has the size asked, and a chromium that dies is started
// again for the next test.
func TestNew(t *testing.T) {
	Path(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "seen", Value: "yes", Path: "/"})
		}
		c, err := r.Cookie("seen")
		got := "none"
		if err == nil {
			got = c.Value
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>t</title><p id=c>" + got + "</p>"))
	}))
	defer srv.Close()

	first := New(t, 360, 640, time.Minute)
	if err := chromedp.Do(first, chromedp.Navigate(srv.URL+"/set"), chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(first, chromedp.Evaluate[string](`document.getElementById("c").textContent`)); err != nil || got != "yes" {
		t.Fatalf("the first tab's own cookie: %q, %v", got, err)
	}
	second := New(t, 1280, 900, time.Minute)
	if err := chromedp.Do(second, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(second, chromedp.Evaluate[string](`document.getElementById("c").textContent`)); err != nil || got != "none" {
		t.Errorf("the second tab sent the first's cookie: %q, %v", got, err)
	}
	if w, err := chromedp.Run(first, chromedp.Evaluate[int](`window.innerWidth`)); err != nil || w != 360 {
		t.Errorf("first tab %d px wide, %v; want 360", w, err)
	}
	if w, err := chromedp.Run(second, chromedp.Evaluate[int](`window.innerWidth`)); err != nil || w != 1280 {
		t.Errorf("second tab %d px wide, %v; want 1280", w, err)
	}

	// The browser dies; the next New starts another.
	if err := chromedp.FromContext(first).Browser.Process().Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for first.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	third := New(t, 360, 640, time.Minute)
	if err := chromedp.Do(third, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("after the browser died: %v", err)
	}
	if got, err := chromedp.Run(third, chromedp.Evaluate[string](`document.getElementById("c").textContent`)); err != nil || got != "none" {
		t.Errorf("the new browser's tab: %q, %v", got, err)
	}
}

// TestStopLeavesNothing: chromium's profile and its own temporary files
// are gone after Stop, and the folder of a test binary that died with its
// chromium is removed at the next start, while a live one's is kept.
func TestStopLeavesNothing(t *testing.T) {
	Path(t)
	Stop() // a browser of this test's own, in its own temporary directory
	// Short: chromium's socket path must fit a Unix socket's 108 bytes,
	// which t.TempDir's long names do not leave room for.
	tmp, err := os.MkdirTemp("", "bst")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp)

	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(tmp, fmt.Sprintf("%s%d-123", dirPrefix, dead.Process.Pid))
	live := filepath.Join(tmp, fmt.Sprintf("%s%d-456", dirPrefix, os.Getppid()))
	other := filepath.Join(tmp, "someone-elses")
	for _, d := range []string{stale, live, other} {
		if err := os.MkdirAll(filepath.Join(d, "profile"), 0o700); err != nil {
			t.Fatal(err)
		}
	}

	ctx := New(t, 360, 640, time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	ours, _ := filepath.Glob(filepath.Join(tmp, fmt.Sprintf("%s%d-*", dirPrefix, os.Getpid())))
	if len(ours) != 1 {
		t.Fatalf("the running browser's folders: %v, want one", ours)
	}
	if entries, _ := os.ReadDir(filepath.Join(ours[0], "profile")); len(entries) == 0 {
		t.Errorf("%s: chromium keeps no profile there", ours[0])
	}
	Stop()
	want := map[string]bool{filepath.Base(live): true, filepath.Base(other): true}
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("left in the temporary directory: %s", e.Name())
		}
		delete(want, e.Name())
	}
	for name := range want {
		t.Errorf("%s was removed: its process lives, or it is not a browser's", name)
	}
}
