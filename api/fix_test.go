package api

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/validate"
)

// TestFix posts real photos that fail framing, DPI and aspect to /v1/fix
// and checks the JPEG it answers: the mechanical checks now pass.
func TestFix(t *testing.T) {
	dir := faceset.Require(t)
	s := newTestServer(t, Config{})
	v := realValidator(t)
	for _, name := range []string{"neutral/002_03.jpg", "canada/003f.jpg"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		r := do(t, s, rawRequest("/v1/fix?lang=en&name="+filepath.Base(name), "image/jpeg", data))
		if r.status != 200 || r.header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("%s: %s", name, r)
		}
		if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, strings.TrimSuffix(filepath.Base(name), ".jpg")+"-tessera.jpg") {
			t.Errorf("%s: Content-Disposition %q", name, cd)
		}
		rep, err := v.Check(context.Background(), "fixed.jpg", r.body, validate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range validate.Checks() {
			if !info.Fixable {
				continue
			}
			if c, _ := rep.Find(info.ID); c.Status != validate.Pass {
				t.Errorf("%s fixed: %s %s (%v)", name, info.ID, c.Status, c.Value)
			}
		}
	}
}

// TestFixRefuses: no face is a 422 with a reason; not an image is a 415.
func TestFixRefuses(t *testing.T) {
	s := newTestServer(t, Config{})
	blank := fixture.JPEG(fixture.Gradient(600, 800), 90, nil, nil)
	r := do(t, s, rawRequest("/v1/fix?lang=en", "image/jpeg", blank))
	if e := r.errorOf(t); r.status != 422 || e.Error != "cannot_fix" || !strings.Contains(e.Message, "one clearly visible face") {
		t.Errorf("blank photo: %s", r)
	}
	r = do(t, s, rawRequest("/v1/fix", "image/jpeg", []byte("hello")))
	if e := r.errorOf(t); r.status != 415 || e.Error != "not_an_image" {
		t.Errorf("text: %s", r)
	}
}

// TestWebOffersFixedPhoto: the result page of a photo that fails framing
// carries the fixed photo as a download, without JavaScript.
func TestWebOffersFixedPhoto(t *testing.T) {
	dir := faceset.Require(t)
	data, err := os.ReadFile(filepath.Join(dir, "neutral", "002_03.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, Config{})
	r := do(t, s, formRequest(t, "/check?lang=it", "photo", "mia foto.jpg", data, map[string]string{"profile": "cie"}))
	body := string(r.body)
	if r.status != 200 || !strings.Contains(body, `download="mia foto-tessera.jpg"`) || !strings.Contains(body, `href="data:image/jpeg;base64,`) ||
		!strings.Contains(body, "Scarica la foto corretta") {
		t.Errorf("result page lacks the fixed photo: status %d", r.status)
	}
}

// TestFixTooSmall: a photo with half the pixels a 35x45 crop needs is not
// enlarged into one that passes: /v1/fix answers 422 saying a larger
// original or a new photo is needed, and the page offers no download but
// says the same.
func TestFixTooSmall(t *testing.T) {
	dir := faceset.Require(t)
	img, err := imaging.Open(filepath.Join(dir, "neutral", "002_03.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	small := fixture.JPEG(imaging.Resize(img, img.Bounds().Dx()/3, 0, imaging.Lanczos), 92, nil, nil)
	s := newTestServer(t, Config{})
	r := do(t, s, rawRequest("/v1/fix?lang=en", "image/jpeg", small))
	if e := r.errorOf(t); r.status != 422 || e.Error != "cannot_fix" || !strings.Contains(e.Message, "too few pixels") || !strings.Contains(e.Message, "original") {
		t.Errorf("a small photo: %s", r)
	}
	r = do(t, s, formRequest(t, "/check?lang=it", "photo", "piccola.jpg", small, nil))
	body := string(r.body)
	if r.status != 200 || strings.Contains(body, "piccola-tessera.jpg") || !strings.Contains(body, "troppo pochi pixel") {
		t.Errorf("the page offers an enlarged photo or does not say why not: status %d", r.status)
	}
}

// TestHEIC: an iPhone's HEIC of a real photo is checked like any photo
// (issue 27). /v1/check answers its report, the format failing with the
// JPG copy as its fix; /v1/fix answers that JPG copy, which passes the
// format and every check a fix mends; the page offers it for download.
func TestHEIC(t *testing.T) {
	dir := faceset.Require(t)
	img, err := imaging.Open(filepath.Join(dir, "neutral", "002_03.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	heic, err := fixture.PhoneHEIC(img, fixture.Exif{})
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, Config{})
	r := do(t, s, rawRequest("/v1/check?lang=en&profile=cie&name=IMG_0042.HEIC", "image/heic", heic))
	if r.status != 200 {
		t.Fatalf("check: %s", r)
	}
	var rep validate.Report
	if err := json.Unmarshal(r.body, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Image == nil || rep.Image.Format != "heic" || rep.Image.Width != img.Bounds().Dx() || rep.Image.Height != img.Bounds().Dy() {
		t.Errorf("image %+v, want HEIC %v upright", rep.Image, img.Bounds().Size())
	}
	if c, _ := rep.Find(validate.Format); c.Status != validate.Fail || c.Fix != catalog.Say("en", "check.format.send_corrected_jpg") {
		t.Errorf("format %s, fix %q: want a fail with the JPG copy as the fix", c.Status, c.Fix)
	}
	if c, _ := rep.Find(validate.FaceCount); c.Status != validate.Pass {
		t.Errorf("face_count %s: %s", c.Status, c.Message)
	}

	r = do(t, s, rawRequest("/v1/fix?lang=en&name=IMG_0042.HEIC", "image/heic", heic))
	if r.status != 200 || r.header.Get("Content-Type") != "image/jpeg" || !strings.Contains(r.header.Get("Content-Disposition"), "IMG_0042-tessera.jpg") {
		t.Fatalf("fix: %s", r)
	}
	fixed, err := realValidator(t).Check(context.Background(), "IMG_0042-tessera.jpg", r.body, validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range validate.Checks() {
		if c, _ := fixed.Find(info.ID); info.Fixable && c.Status != validate.Pass {
			t.Errorf("fixed copy: %s %s (%v)", info.ID, c.Status, c.Value)
		}
	}

	r = do(t, s, formRequest(t, "/check?lang=en", "photo", "IMG_0042.HEIC", heic, map[string]string{"profile": "cie"}))
	if body := string(r.body); r.status != 200 || !strings.Contains(body, `download="IMG_0042-tessera.jpg"`) || !strings.Contains(body, "Download the fixed photo") {
		t.Errorf("the page does not offer the JPG copy: status %d", r.status)
	}
}
