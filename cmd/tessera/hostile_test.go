package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestHostileFiles runs check and fix on the crafted files of issue 9
// beside a good photo: check reports every file (exit 1: one cannot be
// read) and writes --out; fix names the unreadable file and exits 1.
func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	good := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)
	files := map[string][]byte{
		"d1-exif-loop.jpg":      fixture.HostileEXIFLoop(good),
		"d2-exif-count.jpg":     fixture.HostileEXIFCount(good),
		"d3-segment-length.jpg": fixture.HostileSegmentLength(),
		"good.jpg":              good,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "report.csv")
	code, _, stderr := runArgs(t, "check", "--lang", "en", "--format", "csv", "--out", out, dir)
	if code != 1 {
		t.Errorf("check: exit %d, want 1; stderr %q", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("check wrote no --out: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]string{}
	for _, r := range rows[1:] {
		verdicts[filepath.Base(r[0])] = r[1]
	}
	want := map[string]string{
		"d1-exif-loop.jpg":      "fail", // read, its EXIF ignored; a gradient has no face
		"d2-exif-count.jpg":     "fail",
		"d3-segment-length.jpg": "error",
		"good.jpg":              "fail",
	}
	for name, v := range want {
		if verdicts[name] != v {
			t.Errorf("%s: verdict %q, want %q (rows %q)", name, verdicts[name], v, rows)
		}
	}

	code, _, stderr = runArgs(t, "fix", "--lang", "en", filepath.Join(dir, "d3-segment-length.jpg"), filepath.Join(t.TempDir(), "fixed.jpg"))
	if code != 1 || !strings.Contains(stderr, "damaged or incomplete") {
		t.Errorf("fix d3: exit %d, stderr %q; want exit 1 naming a damaged file", code, stderr)
	}
}
