package api

import (
	"bytes"
	"encoding/binary"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// framedPhotos are a real studio photo of ../shared/faces framed by
// /v1/fix with its grey backdrop then painted white: valid, as a JPEG
// declaring 400 DPI, and a copy declaring no resolution (72 DPI: only the
// fix mends it).
func framedPhotos(t *testing.T, s *Server, name string) (valid, noDPI []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(faceset.Require(t), name))
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, s, rawRequest("/v1/fix", "image/jpeg", data))
	if r.status != 200 {
		t.Fatalf("fix %s: %s", name, r)
	}
	img, err := jpeg.Decode(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	white := fixture.WhitenBackdrop(img, 36)
	return fixture.JPEG(white, 90, &fixture.JFIF{Units: 1, XDen: 400, YDen: 400}, nil), fixture.JPEG(white, 90, nil, nil)
}

// TestPrint posts a real photo to /v1/print: as a JPEG sheet of 10x15 cm at
// 300 DPI, and as a PDF of that page size, which poppler renders at
// 1181x1772 pixels at 300 DPI. The copies' printed size is measured by
// printsheet's tests.
func TestPrint(t *testing.T) {
	s := newTestServer(t, Config{})
	data, noDPI := framedPhotos(t, s, "neutral/002_03.jpg")

	// The photo declaring no DPI is printed from its fixed copy.
	r := do(t, s, rawRequest("/v1/print?lang=en", "image/jpeg", noDPI))
	if r.status != 200 || r.header.Get("X-Tessera-Fixed") != "true" {
		t.Errorf("no DPI: %d, X-Tessera-Fixed %q, want 200 from the fixed copy", r.status, r.header.Get("X-Tessera-Fixed"))
	}

	r = do(t, s, rawRequest("/v1/print?lang=en&name=002_03.jpg", "image/jpeg", data))
	if r.status != 200 || r.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("jpeg: %s", r)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "002_03-stampa.jpg") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if r.header.Get("X-Tessera-Fixed") != "false" {
		t.Errorf("X-Tessera-Fixed %q: the photo passes as it is", r.header.Get("X-Tessera-Fixed"))
	}
	img, err := jpeg.Decode(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1181 || b.Dy() != 1772 {
		t.Errorf("sheet %v, want 1181x1772", b)
	}
	if len(r.body) < 18 || string(r.body[6:11]) != "JFIF\x00" || r.body[13] != 1 || binary.BigEndian.Uint16(r.body[14:]) != 300 {
		t.Errorf("the sheet does not declare 300 DPI")
	}

	r = do(t, s, rawRequest("/v1/print?format=pdf&lang=en&name=002_03.jpg", "image/jpeg", data))
	if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-")) {
		t.Fatalf("pdf: %d %s %.20q", r.status, r.header.Get("Content-Type"), r.body)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "sheet.pdf")
	if err := os.WriteFile(in, r.body, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "300", "-jpeg", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm (make deps installs poppler-utils): %v: %s", err, out)
	}
	page, err := imaging.Open(filepath.Join(dir, "page.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	// 100 mm is 1181.1 pixels at 300 DPI: poppler rounds it up.
	if b := page.Bounds(); b.Dx() < 1181 || b.Dx() > 1182 || b.Dy() < 1771 || b.Dy() > 1772 {
		t.Errorf("PDF page rendered at 300 DPI: %v, want 1181x1772 within a pixel", b)
	}
}

// TestPrintRefuses: a photo no fix makes valid (a lilac backdrop) is a 422
// naming the check it fails, in the request's language, with the report;
// an unknown format is a 400; not an image a 415.
func TestPrintRefuses(t *testing.T) {
	dir := faceset.Require(t)
	s := newTestServer(t, Config{})
	lilac, err := os.ReadFile(filepath.Join(dir, "canada/003f.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, name string }{{"en", "White background"}, {"it", "Sfondo bianco"}, {"de", "Weißer Hintergrund"}} {
		r := do(t, s, rawRequest("/v1/print?lang="+tc.lang, "image/jpeg", lilac))
		e := r.errorOf(t)
		if r.status != 422 || e.Error != "not_printable" || !strings.Contains(e.Message, tc.name) || e.Report == nil {
			t.Errorf("%s: lilac backdrop: %s", tc.lang, r)
		}
	}
	if r := do(t, s, rawRequest("/v1/print?format=gif", "image/jpeg", lilac)); r.status != 400 || r.errorOf(t).Error != "bad_print_format" {
		t.Errorf("format=gif: %s", r)
	}
	if r := do(t, s, rawRequest("/v1/print", "image/jpeg", []byte("hello"))); r.status != 415 {
		t.Errorf("text: %s", r)
	}
}

// TestPageSheet: the result page offers the PDF sheet to download, with how
// to print it, when the photo's fixed copy passes, and not when no fix
// makes the photo valid (the grey studio backdrop).
func TestPageSheet(t *testing.T) {
	s := newTestServer(t, Config{})
	_, noDPI := framedPhotos(t, s, "neutral/002_03.jpg")
	r := do(t, s, formRequest(t, "/check", "photo", "foto.jpg", noDPI, map[string]string{"lang": "en"}))
	page := string(r.body)
	if r.status != 200 || !strings.Contains(page, `id="sheet"`) || !strings.Contains(page, `href="data:application/pdf;base64,`) || !strings.Contains(page, `download="foto-stampa.pdf"`) || !strings.Contains(page, "actual size") {
		t.Errorf("valid fixed copy: no sheet to download on the page (%d)", r.status)
	}
	grey, err := os.ReadFile(filepath.Join(faceset.Require(t), "neutral/002_03.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	r = do(t, s, formRequest(t, "/check", "photo", "grigia.jpg", grey, map[string]string{"lang": "en"}))
	if page := string(r.body); r.status != 200 || strings.Contains(page, `id="sheet"`) || !strings.Contains(page, `id="fixed"`) {
		t.Errorf("grey backdrop: want the fixed photo and no sheet (%d)", r.status)
	}
}
