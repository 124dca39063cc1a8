package batch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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

// bigPhoto writes a file of n pseudo-random bytes (a photo's size does
// not matter to the Sorter) and returns its path.
func bigPhoto(t *testing.T, n int) string {
	t.Helper()
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	p := filepath.Join(t.TempDir(), "grande.jpg")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// visible lists the files of dir a clerk sees: not hidden.
func visible(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if fi, err := e.Info(); err == nil {
			out[e.Name()] = fi.Size()
		}
	}
	return out
}

// TestSorterNoHalfCopy: while a large photo is copied, its name in ok
// shows the whole photo or nothing, never part of it; and no part file is
// left once it is placed.
func TestSorterNoHalfCopy(t *testing.T) {
	const size = 64 << 20
	photo := bigPhoto(t, size)
	dir := filepath.Join(t.TempDir(), "smistate")
	s := Sorter{Dir: dir}
	if err := s.Prepare(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ok := filepath.Join(dir, OKFolder)

	done := make(chan struct{})
	seen := make(chan []string, 1)
	go func() {
		var partial []string
		looks := 0
		for {
			for name, n := range visible(t, ok) {
				if n != size {
					partial = append(partial, fmt.Sprintf("%s (%d bytes)", name, n))
				}
			}
			looks++
			select {
			case <-done:
				t.Logf("ok looked at %d times during the copy", looks)
				seen <- partial
				return
			default:
			}
		}
	}()
	got, err := s.Place(Item{Input: Input{Path: photo}, Report: &validate.Report{Pass: true}})
	close(done)
	if partial := <-seen; len(partial) > 0 {
		t.Errorf("a half copy was visible under a photo's name: %v", partial[:min(3, len(partial))])
	}
	if err != nil || got != filepath.Join(ok, "grande.jpg") {
		t.Fatalf("Place: %q, %v", got, err)
	}
	if fi, err := os.Stat(got); err != nil || fi.Size() != size {
		t.Errorf("the copy: %v, %v; want %d bytes", fi, err, size)
	}
	if entries, _ := os.ReadDir(ok); len(entries) != 1 {
		t.Errorf("ok holds %d entries, want the copy alone (no part file left)", len(entries))
	}
}

// sortChildEnv, set, makes the test binary a child that places the photo
// it names into the folder in sortChildDir, for TestSorterKilled.
const (
	sortChildEnv = "TESSERA_TEST_SORT_PHOTO"
	sortChildDir = "TESSERA_TEST_SORT_DIR"
	// sortChildCopies bounds what a child writes should no kill come.
	sortChildCopies = 8
)

func TestMain(m *testing.M) {
	if photo := os.Getenv(sortChildEnv); photo != "" {
		s := Sorter{Dir: os.Getenv(sortChildDir)}
		if err := s.Prepare(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for range sortChildCopies {
			if _, err := s.Place(Item{Input: Input{Path: photo}, Report: &validate.Report{Pass: true}}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSorterKilled kills a real process while it copies a photo into ok,
// again and again: every photo it leaves under a name is whole.
func TestSorterKilled(t *testing.T) {
	const size = 32 << 20
	photo := bigPhoto(t, size)
	dir := filepath.Join(t.TempDir(), "smistate")
	ok := filepath.Join(dir, OKFolder)
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), sortChildEnv+"="+photo, sortChildDir+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it while a copy is under way: once a file in ok holds
		// part of the photo, at a moment that varies with the round.
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) && !copying(ok, size) {
			time.Sleep(100 * time.Microsecond)
		}
		time.Sleep(time.Duration(round) * 3 * time.Millisecond)
		cmd.Process.Kill()
		if err := cmd.Wait(); stderr.Len() > 0 {
			t.Fatalf("round %d: the child ended with %v: %s", round, err, stderr.String())
		}
		for name, n := range visible(t, ok) {
			if n != size {
				t.Errorf("round %d: %s holds %d bytes of the photo's %d", round, name, n, size)
			}
		}
	}
	t.Logf("photos placed whole before the kills: %d", len(visible(t, ok)))
}

// copying reports whether a file in dir, hidden or not, holds part of a
// photo of size bytes: a copy under way.
func copying(dir string, size int64) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Size() > 0 && fi.Size() < size {
			return true
		}
	}
	return false
}

// TestLinkNewWithoutLinks: on a file system without hard links the whole
// copy is renamed over a name taken empty, and a taken name is still
// never overwritten.
func TestLinkNewWithoutLinks(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	os.Mkdir(filepath.Join(dir, OKFolder), 0o700)
	os.WriteFile(filepath.Join(dir, OKFolder, "foto.jpg"), []byte("earlier run"), 0o600)
	part := filepath.Join(OKFolder, partPrefix+"x.part")
	os.WriteFile(filepath.Join(dir, part), []byte("photo"), 0o600)
	for _, refusal := range []error{syscall.EPERM, syscall.EOPNOTSUPP} {
		noLinks := func(oldname, newname string) error {
			return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: refusal}
		}
		got, err := linkNew(root, part, OKFolder, "foto.jpg", noLinks)
		if err != nil || got != filepath.Join(OKFolder, "foto-2.jpg") {
			t.Fatalf("%v: %q, %v; want ok/foto-2.jpg", refusal, got, err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, got)); string(b) != "photo" {
			t.Errorf("%v: %s holds %q", refusal, got, b)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, OKFolder, "foto.jpg")); string(b) != "earlier run" {
			t.Errorf("%v: the earlier file was overwritten: %q", refusal, b)
		}
		if _, err := os.Stat(filepath.Join(dir, part)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v: the part file is still there: %v", refusal, err)
		}
		os.Remove(filepath.Join(dir, got))
		os.WriteFile(filepath.Join(dir, part), []byte("photo"), 0o600)
	}
	// Any other error is the caller's.
	broken := func(oldname, newname string) error { return syscall.EIO }
	if _, err := linkNew(root, part, OKFolder, "foto.jpg", broken); !errors.Is(err, syscall.EIO) {
		t.Errorf("a failing link: %v, want EIO", err)
	}
}

// TestPrepareRemovesOldParts: the part files a stopped run left are
// removed when a Sorter next starts, once they are partAge old; a recent
// one, perhaps another run's copy under way, and anything else are kept.
func TestPrepareRemovesOldParts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "smistate")
	for _, sub := range []string{OKFolder, KOFolder} {
		os.MkdirAll(filepath.Join(dir, sub), 0o700)
	}
	old := time.Now().Add(-2 * partAge)
	files := map[string]bool{ // name: kept
		"ok/" + partPrefix + "a1.part": false,
		"ko/" + partPrefix + "b2.part": false,
		"ok/" + partPrefix + "c3.part": true, // recent
		"ok/foto.jpg":                  true,
		"ok/.tessera-note.txt":         true,
	}
	for name, kept := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if !kept || name == "ok/foto.jpg" || name == "ok/.tessera-note.txt" {
			os.Chtimes(p, old, old)
		}
	}
	s := Sorter{Dir: dir}
	if err := s.Prepare(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, kept := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if kept != (err == nil) {
			t.Errorf("%s: kept %v, want %v", name, err == nil, kept)
		}
	}
}
