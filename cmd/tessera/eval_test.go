package main

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestEvalCommand runs tessera eval on a folder of generated photos: the
// outcome table and the stability figures are printed, the re-saved one
// only with --resaved.
func TestEvalCommand(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "plain"), 0o755); err != nil {
		t.Fatal(err)
	}
	grey := image.NewGray(image.Rect(0, 0, 300, 400))
	for i := range grey.Pix {
		grey.Pix[i] = 140
	}
	for name, data := range map[string][]byte{"a.jpg": fixture.JPEG(grey, 90, nil, nil), "b.png": fixture.PNG(grey, 0)} {
		if err := os.WriteFile(filepath.Join(dir, "plain", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		args    []string
		resaved bool
	}{
		{[]string{"eval", "--jobs", "1", dir}, false},
		{[]string{"eval", "--jobs", "1", "--resaved", dir}, true},
	} {
		code, stdout, stderr := runArgs(t, c.args...)
		if code != 0 {
			t.Fatalf("tessera %v: exit %d: %s", c.args, code, stderr)
		}
		for _, want := range []string{"face_count", "mirror image, same verdicts", "plain border, same face checks"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("tessera %v: no %q in\n%s", c.args, want, stdout)
			}
		}
		// Two grey pages re-saved as JPEGs: still no face, the same verdicts.
		line := ""
		for l := range strings.Lines(stdout) {
			if strings.HasPrefix(l, "re-saved as JPEG, same verdicts") {
				line = l
			}
		}
		if c.resaved && (line == "" || !strings.Contains(line, "2/2") || !strings.Contains(line, "plain")) {
			t.Errorf("tessera %v: re-saved figure %q, want plain 2/2", c.args, line)
		}
		if !c.resaved && line != "" {
			t.Errorf("tessera %v: a re-saved figure not asked for: %q", c.args, line)
		}
	}
}
