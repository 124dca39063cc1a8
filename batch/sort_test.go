package batch

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tessera-cie/tessera/validate"
)

func TestSorter(t *testing.T) {
	src := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(src, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("foto.jpg", "good")
	bad := write("altra/foto.jpg", "bad") // same name, other folder
	broken := write("rotta.jpg", "broken")
	pass := &validate.Report{Pass: true}
	fail := &validate.Report{Pass: false}
	unreadable := &validate.Report{Error: "damaged"}

	dir := filepath.Join(t.TempDir(), "smistate")
	s := Sorter{Dir: dir}
	if err := s.Prepare(); err != nil {
		t.Fatal(err)
	}
	// A file already there is never overwritten.
	os.WriteFile(filepath.Join(dir, "ok", "foto.jpg"), []byte("earlier run"), 0o644)

	items := []struct {
		it   Item
		want string // path under dir, "" for not copied
		data string
	}{
		{Item{Input: Input{Path: good}, Report: pass}, "ok/foto-2.jpg", "good"},
		{Item{Input: Input{Path: bad}, Report: fail}, "ko/foto.jpg", "bad"},
		{Item{Input: Input{Path: broken}, Report: unreadable}, "ko/rotta.jpg", "broken"},
		{Item{Input: Input{Path: good}, Report: pass}, "ok/foto-3.jpg", "good"},
		{Item{Input: Input{Path: write("note.txt", "x"), Skip: SkipNotImage}}, "", ""},
		{Item{Input: Input{Path: filepath.Join(src, "nothere.jpg"), Err: os.ErrNotExist}, Report: unreadable}, "", ""},
	}
	for _, tc := range items {
		got, err := s.Place(tc.it)
		if err != nil {
			t.Fatalf("Place %s: %v", tc.it.Path, err)
		}
		want := ""
		if tc.want != "" {
			want = filepath.Join(dir, tc.want)
		}
		if got != want {
			t.Errorf("Place %s: copied to %q, want %q", tc.it.Path, got, want)
			continue
		}
		if want != "" {
			if b, _ := os.ReadFile(got); string(b) != tc.data {
				t.Errorf("%s holds %q, want %q", got, b, tc.data)
			}
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ok", "foto.jpg")); !bytes.Equal(b, []byte("earlier run")) {
		t.Errorf("the earlier file was overwritten: %q", b)
	}
	if b, _ := os.ReadFile(good); string(b) != "good" {
		t.Errorf("the original changed: %q", b)
	}
}
