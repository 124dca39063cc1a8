package batch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
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

// TestSorterLinks: the Sorter follows no link: a photo that is a link to
// a private file is not copied, a planted ko link is refused, a link
// planted under a copy's name is not written through; copies are the
// owner's only.
func TestSorterLinks(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	src, outside := t.TempDir(), t.TempDir()
	private := filepath.Join(outside, "privata.jpg")
	if err := os.WriteFile(private, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(src, "link.jpg")
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(src, "foto.jpg")
	if err := os.WriteFile(photo, []byte("photo"), 0o644); err != nil {
		t.Fatal(err)
	}
	pass := &validate.Report{Pass: true}
	fail := &validate.Report{}

	dir := filepath.Join(t.TempDir(), "smistate")
	s := Sorter{Dir: dir}
	if err := s.Prepare(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Place(Item{Input: Input{Path: link}, Report: pass}); !errors.Is(err, ErrLink) {
		t.Errorf("a link to a private file: %v, want ErrLink", err)
	}
	// A link planted where the copy would go.
	if err := os.Symlink(filepath.Join(outside, "scritto.jpg"), filepath.Join(dir, "ko", "foto.jpg")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Place(Item{Input: Input{Path: photo}, Report: fail})
	if err != nil || got != filepath.Join(dir, "ko", "foto-2.jpg") {
		t.Errorf("beside a planted link: %q, %v; want ko/foto-2.jpg", got, err)
	}
	if _, err := os.Lstat(filepath.Join(outside, "scritto.jpg")); err == nil {
		t.Error("written through a planted link")
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "ok"): 0o700, filepath.Join(dir, "ko"): 0o700, got: 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %o", p, fi.Mode().Perm(), err, want)
		}
	}
	names, _ := os.ReadDir(filepath.Join(dir, "ok"))
	if len(names) != 0 {
		t.Errorf("ok holds %v, want nothing (the link was not copied)", names)
	}

	// A ko folder planted as a link elsewhere: refused, nothing written.
	planted := filepath.Join(t.TempDir(), "smistate")
	os.MkdirAll(filepath.Join(planted, "ok"), 0o700)
	if err := os.Symlink(outside, filepath.Join(planted, "ko")); err != nil {
		t.Fatal(err)
	}
	p := Sorter{Dir: planted}
	if err := p.Prepare(); !errors.Is(err, ErrLink) {
		p.Close()
		t.Errorf("a planted ko link: %v, want ErrLink", err)
	}
	// Planted after Prepare: writing through it is refused.
	late := filepath.Join(t.TempDir(), "smistate")
	l := Sorter{Dir: late}
	if err := l.Prepare(); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Remove(filepath.Join(late, "ko"))
	if err := os.Symlink(outside, filepath.Join(late, "ko")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Place(Item{Input: Input{Path: photo}, Report: fail}); err == nil {
		t.Error("a ko link planted after Prepare was written through")
	}
	if es, _ := os.ReadDir(outside); len(es) != 1 {
		t.Errorf("outside holds %d files, want only the private one", len(es))
	}
}
