package api

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/tessera-cie/tessera/internal/browsertest"
)

// TestBrowserSheet uploads in headless chromium, by keyboard alone, a photo
// whose fixed copy passes, follows the page's link to the sheet to print
// and finds the PDF downloaded: the inline sheet gets past the page's
// Content-Security-Policy.
func TestBrowserSheet(t *testing.T) {
	browsertest.Path(t)
	s := newTestServer(t, Config{})
	base := "http://" + liveServer(t, s)
	_, noDPI := framedPhotos(t, s, "neutral/002_03.jpg")
	dir := t.TempDir()
	photo := filepath.Join(dir, "foto.jpg")
	if err := os.WriteFile(photo, noDPI, 0o644); err != nil {
		t.Fatal(err)
	}
	downloads := filepath.Join(dir, "downloads")
	if err := os.Mkdir(downloads, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	// The tab's own browser context (browsertest.New opens each in one).
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
		BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
	}); err != nil {
		t.Fatalf("downloads: %v", err)
	}
	// By keyboard alone: Tab to the file chooser (the file itself is
	// handed in as the system's dialog would), Tab to the button, Enter;
	// the focus is then on the verdict; Tab to the sheet, Enter.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/?lang=en"),
		chromedp.WaitVisible(chromedp.ID("photo")),
	); err != nil {
		t.Fatalf("browser: %v", err)
	}
	tabTo(t, ctx, "photo", 10)
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo})); err != nil {
		t.Fatalf("browser: %v", err)
	}
	tabTo(t, ctx, "submit", 10)
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.ID("sheet"))); err != nil {
		t.Fatalf("browser: %v", err)
	}
	if got := focusedID(t, ctx); got != "verdict" {
		t.Errorf("after the check the focus is on %q, want the verdict", got)
	}
	tabTo(t, ctx, "sheet", 40)
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatalf("browser: %v", err)
	}
	if shots := os.Getenv("TESSERA_SCREENSHOTS"); shots != "" {
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(shots, "tessera-sheet-en.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := filepath.Join(downloads, "foto-stampa.pdf")
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, err := os.ReadFile(want)
		if err == nil && len(data) > 5 && string(data[:5]) == "%PDF-" {
			t.Logf("downloaded %s, %d bytes", want, len(data))
			return
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(downloads)
			t.Fatalf("no PDF downloaded as %s (found %v)", want, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// focusedID is the id of the element with the focus, or its tag name.
func focusedID(t *testing.T, ctx context.Context) string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.tagName`))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// tabTo presses Tab until the element id has the focus, at most n times.
func tabTo(t *testing.T, ctx context.Context, id string, n int) {
	t.Helper()
	var path []string
	for range n {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		got := focusedID(t, ctx)
		if got == id {
			return
		}
		path = append(path, got)
	}
	t.Fatalf("%d presses of Tab never reached %q: %v", n, id, path)
}
