package api

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/tessera-cie/tessera/internal/browsertest"
)

// TestBrowserSheet uploads in headless chromium a photo whose fixed copy
// passes, follows the page's link to the sheet to print and finds the PDF
// downloaded: the inline sheet gets past the page's Content-Security-Policy.
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
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatalf("downloads: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/?lang=en"),
		chromedp.WaitVisible(chromedp.ID("photo")),
		chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo}),
		chromedp.WaitVisible(chromedp.ID("sheet")),
		chromedp.Click(chromedp.ID("sheet")),
	); err != nil {
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
