package api

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/internal/browsertest"
	"github.com/tessera-cie/tessera/internal/faceset"
)

// browser opens a fresh tab of headless chromium (browsertest.New), 360 px
// wide, the width of a small phone.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.New(t, 360, 780, 90*time.Second)
}

// TestBrowser opens the page in headless chromium, uploads a photo, and
// reads the verdict and the annotated photo: once with JavaScript (the
// result arrives in place) and once without (the form posts and the server
// renders the page).
func TestBrowser(t *testing.T) {
	browsertest.Path(t)
	dir := faceset.Require(t)
	s := newTestServer(t, Config{})
	base := "http://" + liveServer(t, s)
	photo := filepath.Join(dir, "canada", "003f.jpg")
	shots := os.Getenv("TESSERA_SCREENSHOTS") // keep the screenshots there
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		js   bool
		lang string
		drop bool // drag a file onto the drop zone instead of choosing it
		// accept is the browser's Accept-Language; the page is then opened
		// without ?lang= and must pick lang from it.
		accept string
	}{
		{"javascript-it", true, "it", false, ""},
		{"no-javascript-en", false, "en", false, ""},
		{"drag-and-drop-it", true, "it", true, ""},
		{"javascript-de-accept-language", true, "de", false, "de-DE,de;q=0.9,en;q=0.5"},
		{"no-javascript-de", false, "de", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := browser(t)
			if !tc.js {
				if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
					t.Fatalf("disable JavaScript: %v", err)
				}
			}
			url := base + "/?lang=" + tc.lang
			if tc.accept != "" {
				if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": tc.accept}}); err != nil {
					t.Fatalf("set Accept-Language: %v", err)
				}
				url = base + "/"
			}
			steps := []chromedp.Action[chromedp.Void]{
				// A small phone: 360 CSS pixels wide, touch, mobile layout.
				chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
				chromedp.Navigate(url),
				chromedp.WaitVisible(chromedp.ID("photo")),
			}
			if err := chromedp.Do(ctx, steps...); err != nil {
				t.Fatalf("browser: %v", err)
			}
			if lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || lang != tc.lang {
				t.Fatalf("page in %q (%v), want %q", lang, err, tc.lang)
			}
			eval := func(expr string) int {
				v, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
				if err != nil {
					t.Fatalf("%s: %v", expr, err)
				}
				return v
			}
			// Keyboard: the skip link, the language links, then the file
			// chooser take the focus.
			order := []string{"skip"}
			for range catalog.Languages() {
				order = append(order, "A")
			}
			for _, want := range append(order, "photo") {
				if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
					t.Fatal(err)
				}
				got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.tagName`))
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("tab moved the focus to %q, want %q", got, want)
				}
			}
			steps = nil
			if tc.drop {
				// A 350x450 JPEG drawn in the page, dropped on the zone.
				steps = append(steps, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
					_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](dropScript))
					return err
				}))
			} else {
				steps = append(steps, chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo}))
			}
			if err := chromedp.Do(ctx, steps...); err != nil {
				t.Fatalf("browser: %v", err)
			}
			// Choosing the photo sends nothing (WCAG 3.2.2): the page
			// names it and waits for the button.
			time.Sleep(time.Second)
			if n := eval(`document.querySelectorAll("#verdict, #result .busy").length`); n != 0 {
				t.Error("choosing the photo sent it: the button should")
			}
			if name, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("chosen").textContent`)); tc.js && name == "" {
				t.Error("the chosen photo is not named on the page")
			}
			steps = []chromedp.Action[chromedp.Void]{
				chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.ID("verdict")),
			}
			if err := chromedp.Do(ctx, steps...); err != nil {
				t.Fatalf("browser: %v", err)
			}
			title, err := chromedp.Run(ctx, chromedp.Title())
			if err != nil {
				t.Fatal(err)
			}
			verdict, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("verdict")))
			if err != nil {
				t.Fatal(err)
			}
			// The inline photo must have decoded: wait for it, then read its size.
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(function(){var i=document.getElementById("annotated");return !!(i&&i.complete&&i.naturalWidth>0);})()`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
				t.Errorf("annotated photo never loaded: %v", err)
			}
			natural := eval(`document.getElementById("annotated").naturalWidth`)
			// The studio photo fails framing and DPI: the page offers the
			// fixed photo for download (the drawing has no face to frame).
			fixed := eval(`(function(){var a=document.getElementById("fixed");return a&&a.hasAttribute("download")&&a.href.indexOf("data:image/jpeg;base64,")===0?1:0;})()`)
			if !tc.drop && fixed != 1 {
				t.Error("no download link for the fixed photo")
			}
			scrollW := eval(`document.documentElement.scrollWidth`)
			viewW := eval(`window.innerWidth`)
			focused := false
			if tc.js {
				// The script moves the focus to the verdict for screen readers.
				focused = eval(`(document.activeElement && document.activeElement.id === "verdict") ? 1 : 0`) == 1
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			path := filepath.Join(shots, "tessera-"+tc.name+".png")
			if err := os.WriteFile(path, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot %s (%d bytes)", path, len(shot))

			if !strings.Contains(title, catalog.Say(tc.lang, "page.title")) {
				t.Errorf("title %q", title)
			}
			// canada/003f.jpg is a 727 KB studio photo that declares no DPI:
			// it fails at least file_size and dpi; the dropped drawing has no
			// face.
			wantVerdict := strings.SplitN(catalog.Say(tc.lang, "page.fail", 2), ":", 2)[0]
			if !strings.Contains(verdict, wantVerdict) {
				t.Errorf("verdict %q, want it to say %q", verdict, wantVerdict)
			}
			if natural <= 0 {
				t.Errorf("annotated photo naturalWidth %d", natural)
			}
			if scrollW > viewW {
				t.Errorf("page is %d px wide in a %d px window: it does not fit a phone", scrollW, viewW)
			}
			// The verdict is in the title and in the status message, with
			// the script (which writes them) and without (the server does).
			wantTitle := strings.SplitN(catalog.Say(tc.lang, "page.titlefail", 2), ":", 2)[0]
			if !strings.HasPrefix(title, wantTitle) {
				t.Errorf("title %q, want it to start with %q", title, wantTitle)
			}
			if st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("status").textContent`)); !strings.HasPrefix(st, wantTitle) {
				t.Errorf("status message %q, want it to start with %q", st, wantTitle)
			}
			if tc.js && !focused {
				t.Error("the verdict did not get the focus")
			}
		})
	}
}

// dropScript draws a small JPEG in the page and drops it on the drop zone as
// a user dragging a file from the desktop would.
const dropScript = `(function () {
	var c = document.createElement("canvas");
	c.width = 350; c.height = 450;
	var g = c.getContext("2d");
	g.fillStyle = "#ffffff"; g.fillRect(0, 0, 350, 450);
	g.fillStyle = "#c08060"; g.beginPath(); g.ellipse(175, 200, 80, 110, 0, 0, 2 * Math.PI); g.fill();
	var bin = atob(c.toDataURL("image/jpeg", 0.9).split(",")[1]);
	var bytes = new Uint8Array(bin.length);
	for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
	var dt = new DataTransfer();
	dt.items.add(new File([bytes], "trascinata.jpg", { type: "image/jpeg" }));
	var zone = document.getElementById("drop");
	zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
	zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
	return true;
})()`

// TestBrowserRefused submits a studio photo from headless chromium twice
// to a server that lets one client start one check: the second is refused
// before its body is read, and the page says why in its language (with
// JavaScript, in place; without, as the page the form posts to).
func TestBrowserRefused(t *testing.T) {
	browsertest.Path(t)
	dir := faceset.Require(t)
	photo := filepath.Join(dir, "canada", "003f.jpg") // 727 KB, sent whole before the answer is read
	for _, js := range []bool{true, false} {
		t.Run(map[bool]string{true: "javascript", false: "no-javascript"}[js], func(t *testing.T) {
			s := newTestServer(t, Config{ClientRate: 0.01, ClientBurst: 1})
			base := "http://" + liveServer(t, s)
			ctx := browser(t)
			if !js {
				if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
					t.Fatalf("disable JavaScript: %v", err)
				}
			}
			submit := func(wait chromedp.Action[chromedp.Void]) {
				t.Helper()
				err := chromedp.Do(ctx,
					chromedp.Navigate(base+"/?lang=en"),
					chromedp.WaitVisible(chromedp.ID("photo")),
					chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo}),
					chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
					wait,
				)
				if err != nil {
					t.Fatalf("browser: %v", err)
				}
			}
			submit(chromedp.WaitVisible(chromedp.ID("verdict")))
			submit(chromedp.WaitVisible(chromedp.CSS(`#result .error`)))
			msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#result .error`)))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.SplitN(catalog.Say("en", "api.client_rate", 2), ".", 2)[0]
			if !strings.Contains(msg, want) {
				t.Errorf("the page says %q, want %q", msg, want)
			}
		})
	}
}
