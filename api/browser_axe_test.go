package api

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tessera-cie/tessera/internal/browsertest"
)

// TestAccessibility runs axe-core (browsertest.Axe) in headless chromium on
// the index and on the result page, neutral and with the sample office's
// configuration, in Italian and English, on a 360-pixel phone and a
// 1280-pixel screen, and without JavaScript once: no WCAG 2.x A/AA
// violation anywhere. The result is that of a photo that fails (no DPI)
// and whose fixed copy passes, so the page has the fixes, both downloads
// and the next step.
func TestAccessibility(t *testing.T) {
	browsertest.Path(t)
	axe := browsertest.Axe(t)
	neutral := newTestServer(t, Config{})
	branded := newTestServer(t, Config{Office: esempio(t)})
	_, noDPI := framedPhotos(t, neutral, "neutral/002_03.jpg")
	photo := filepath.Join(t.TempDir(), "foto.jpg")
	if err := os.WriteFile(photo, noDPI, 0o644); err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("TESSERA_SCREENSHOTS")
	type variant struct {
		site  string
		srv   *Server
		lang  string
		width int
		js    bool
	}
	var variants []variant
	for _, site := range []struct {
		name string
		srv  *Server
	}{{"neutral", neutral}, {"office", branded}} {
		for _, lang := range []string{"it", "en"} {
			for _, width := range []int{360, 1280} {
				variants = append(variants, variant{site.name, site.srv, lang, width, true})
			}
		}
	}
	variants = append(variants, variant{"office", branded, "it", 360, false})
	for _, v := range variants {
		name := fmt.Sprintf("%s-%s-%d", v.site, v.lang, v.width)
		if !v.js {
			name += "-no-javascript"
		}
		t.Run(name, func(t *testing.T) {
			base := "http://" + liveServer(t, v.srv)
			ctx := browsertest.New(t, v.width, 900, 90*time.Second)
			if !v.js {
				if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
					t.Fatal(err)
				}
			}
			check := func(page string) {
				t.Helper()
				if !v.js {
					// axe is a script: run it with scripts on, on the page as
					// it was rendered without them.
					if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
						t.Fatal(err)
					}
				}
				vs, err := browsertest.RunAxe(ctx, axe)
				if err != nil {
					t.Fatalf("%s: %v", page, err)
				}
				for _, viol := range vs {
					t.Errorf("%s: %s", page, viol)
				}
				if shots != "" {
					if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
						os.WriteFile(filepath.Join(shots, "tessera-axe-"+name+"-"+page+".png"), shot, 0o644)
					}
				}
			}
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(int64(v.width), 900),
				chromedp.Navigate(base+"/?lang="+v.lang),
				chromedp.WaitVisible(chromedp.ID("photo")),
			); err != nil {
				t.Fatalf("browser: %v", err)
			}
			check("index")
			if !v.js {
				if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
					t.Fatal(err)
				}
				// The page was loaded with scripts off: its own script
				// did not run, and axe's leaves no handler on the form.
			}
			if err := chromedp.Do(ctx,
				chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo}),
				chromedp.Click(chromedp.ID("submit")),
				chromedp.WaitVisible(chromedp.ID("sheet")),
			); err != nil {
				t.Fatalf("browser: %v", err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(function(){var i=document.getElementById("annotated");return !!(i&&i.complete&&i.naturalWidth>0);})()`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
				t.Errorf("annotated photo never loaded: %v", err)
			}
			check("result")
		})
	}
	// The focus ring (axe does not look at it): every stop of the Tab
	// order, on the index and the result, shows an outline at least 2
	// pixels wide whose colour reaches 3:1 against the page's white (WCAG
	// 1.4.11); the white gap inside it keeps it apart from a blue button.
	t.Run("focus-ring", func(t *testing.T) {
		// The server first: cleanups run last first, so the browser closes
		// its connections before the server shuts down.
		base := "http://" + liveServer(t, branded)
		ctx := browsertest.New(t, 360, 900, 60*time.Second)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?lang=en"), chromedp.WaitVisible(chromedp.ID("photo"))); err != nil {
			t.Fatal(err)
		}
		ring := func(page string) {
			t.Helper()
			seen := 0
			for range 40 {
				if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
					t.Fatal(err)
				}
				got, err := chromedp.Run(ctx, chromedp.Evaluate[string](focusRingScript))
				if err != nil {
					t.Fatal(err)
				}
				if got == "body" {
					break // past the last stop
				}
				seen++
				if got != "" {
					t.Errorf("%s: %s", page, got)
				}
			}
			if seen < 5 {
				t.Errorf("%s: only %d Tab stops", page, seen)
			}
		}
		ring("index")
		if err := chromedp.Do(ctx,
			chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo}),
			chromedp.Click(chromedp.ID("submit")),
			chromedp.WaitVisible(chromedp.ID("sheet")),
		); err != nil {
			t.Fatal(err)
		}
		ring("result")
	})
	// axe does find what it looks for: a photo without a text
	// alternative and grey text on white planted on the page.
	t.Run("planted", func(t *testing.T) {
		base := "http://" + liveServer(t, neutral) // before the browser, as above
		ctx := browsertest.New(t, 360, 900, 60*time.Second)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("photo"))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
			var main = document.querySelector("main");
			main.appendChild(document.createElement("img")).src = "data:,";
			var p = main.appendChild(document.createElement("p"));
			p.textContent = "poco contrasto";
			p.style.color = "#bbb"; // set by script: the page's CSP refuses style attributes
			return true;
		})()`)); err != nil {
			t.Fatal(err)
		}
		vs, err := browsertest.RunAxe(ctx, axe)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, v := range vs {
			found[v.ID] = true
		}
		if !found["image-alt"] || !found["color-contrast"] {
			t.Errorf("axe found %v, want image-alt and color-contrast", vs)
		}
	})
}

// focusRingScript returns "body" when nothing has the focus, "" when the
// focused element's outline is at least 2 px wide with 3:1 against white,
// else what is wrong with it.
const focusRingScript = `(function () {
	var e = document.activeElement;
	if (!e || e === document.body) { return "body"; }
	var cs = getComputedStyle(e);
	var what = (e.id || e.tagName) + (e.textContent ? " \"" + e.textContent.trim().slice(0, 30) + "\"" : "");
	var w = parseFloat(cs.outlineWidth);
	if (cs.outlineStyle === "none" || !(w >= 2)) { return what + ": no outline (" + cs.outlineStyle + " " + cs.outlineWidth + ")"; }
	var m = cs.outlineColor.match(/\d+(\.\d+)?/g).map(Number);
	function lum(c) { c = c / 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }
	var l = 0.2126 * lum(m[0]) + 0.7152 * lum(m[1]) + 0.0722 * lum(m[2]);
	var ratio = 1.05 / (l + 0.05);
	if (ratio < 3) { return what + ": outline " + cs.outlineColor + " is " + ratio.toFixed(1) + ":1 on white"; }
	return "";
})()`
