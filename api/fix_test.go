package api

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

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
