package main

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestFixPrint: tessera fix --print writes a 10x15 cm sheet (PDF or JPEG
// by the name's extension) when the fixed photo passes, and none, with a
// word why, when it does not; another extension is a usage error.
func TestFixPrint(t *testing.T) {
	faces := faceset.Require(t)
	dir := t.TempDir()
	grey := filepath.Join(faces, "neutral", "002_03.jpg")
	// A valid photo but for its DPI: framed by tessera fix, its grey
	// backdrop then painted white, saved declaring no resolution.
	framed := filepath.Join(dir, "framed.jpg")
	if code, stdout, stderr := runArgs(t, "fix", grey, framed); code != 1 {
		t.Fatalf("fix of the grey backdrop: exit %d, want 1 (background): %s %s", code, stdout, stderr)
	}
	img, err := imaging.Open(framed)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "foto.jpg")
	if err := os.WriteFile(in, fixture.JPEG(fixture.WhitenBackdrop(img, 36), 90, nil, nil), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"foglio.pdf", "foglio.jpg"} {
		sheet := filepath.Join(dir, name)
		code, stdout, stderr := runArgs(t, "fix", "--force", "--lang", "en", "--print", sheet, in)
		if code != 0 || !strings.Contains(stdout, "sheet to print") {
			t.Fatalf("--print %s: exit %d: %s %s", name, code, stdout, stderr)
		}
		data, err := os.ReadFile(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".pdf") {
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Errorf("%s is not a PDF: %.16q", name, data)
			}
			continue
		}
		sh, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if b := sh.Bounds(); b.Dx() != 1181 || b.Dy() != 1772 {
			t.Errorf("%s: %v, want 1181x1772", name, b)
		}
	}

	// The grey backdrop: no sheet.
	none := filepath.Join(dir, "grigio.pdf")
	if code, stdout, _ := runArgs(t, "fix", "--force", "--lang", "en", "--print", none, grey, filepath.Join(dir, "g.jpg")); code != 1 || !strings.Contains(stdout, "no sheet") {
		t.Errorf("--print on a grey backdrop: exit %d, %q", code, stdout)
	}
	if _, err := os.Stat(none); err == nil {
		t.Error("a sheet was written for a photo that is not valid")
	}
	if code, _, stderr := runArgs(t, "fix", "--print", filepath.Join(dir, "x.gif"), in); code != 2 || !strings.Contains(stderr, ".pdf") {
		t.Errorf("--print x.gif: exit %d, %q; want 2", code, stderr)
	}
}
