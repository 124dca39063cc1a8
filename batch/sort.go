package batch

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Sorter copies checked photos into two folders: Dir/ok for the photos that
// pass and Dir/ko for the others (failed or unreadable). It never
// overwrites a file: a name already taken gets a number ("foto-2.jpg"). The
// originals are only read.
//
// Photos are personal data and the folders may be shared: a Sorter
// follows no symbolic link. A photo that is a link is not copied (it could
// name a file its reader may not give away); a link planted as ok, ko or a
// file in them is not written through. The folders are made 0700 and the
// copies 0600, less what the umask takes away.
type Sorter struct {
	Dir  string
	root *os.Root // Dir, opened by Prepare; no path through it leaves it
}

// The folders under Sorter.Dir.
const (
	OKFolder = "ok"
	KOFolder = "ko"
)

// ErrLink is returned by Place for a photo that is a symbolic link, and
// by Prepare for an ok or ko folder that is one.
var ErrLink = errors.New("a symbolic link: not followed")

// Prepare creates Dir, Dir/ok and Dir/ko.
func (s *Sorter) Prepare() error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("sort into %s: %w", s.Dir, err)
	}
	root, err := os.OpenRoot(s.Dir)
	if err != nil {
		return fmt.Errorf("sort into %s: %w", s.Dir, err)
	}
	for _, sub := range []string{OKFolder, KOFolder} {
		if err := root.Mkdir(sub, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			root.Close()
			return fmt.Errorf("sort into %s: %w", s.Dir, err)
		}
		fi, err := root.Lstat(sub)
		switch {
		case err != nil:
			root.Close()
			return fmt.Errorf("sort into %s: %w", s.Dir, err)
		case fi.Mode()&fs.ModeSymlink != 0:
			root.Close()
			return fmt.Errorf("sort into %s: %s is %w", s.Dir, sub, ErrLink)
		case !fi.IsDir():
			root.Close()
			return fmt.Errorf("sort into %s: %s is not a folder", s.Dir, sub)
		}
	}
	s.root = root
	return nil
}

// Close releases Dir.
func (s *Sorter) Close() error {
	if s.root == nil {
		return nil
	}
	return s.root.Close()
}

// Place copies the item's file into ok or ko and returns the copy's path.
// Skipped items are not copied: Place returns "" for them.
func (s *Sorter) Place(it Item) (string, error) {
	var sub string
	switch it.Verdict() {
	case VerdictSkipped:
		return "", nil
	case VerdictPass:
		sub = OKFolder
	default:
		sub = KOFolder
	}
	if it.Err != nil { // there is no file to copy
		return "", nil
	}
	if s.root == nil {
		return "", fmt.Errorf("sort %s: the Sorter is not prepared", it.Path)
	}
	src, err := os.OpenFile(it.Path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ELOOP) {
		return "", fmt.Errorf("sort %s: %w", it.Path, ErrLink)
	}
	if err != nil {
		return "", fmt.Errorf("sort %s: %w", it.Path, err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return "", fmt.Errorf("sort %s: %w", it.Path, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("sort %s: not a regular file", it.Path)
	}
	dst, rel, err := createNew(s.root, sub, filepath.Base(it.Path))
	if err != nil {
		return "", fmt.Errorf("sort %s: %w", it.Path, err)
	}
	path := filepath.Join(s.Dir, rel)
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		s.root.Remove(rel)
		return "", fmt.Errorf("sort %s: copy: %w", it.Path, err)
	}
	if err := dst.Close(); err != nil {
		s.root.Remove(rel)
		return "", fmt.Errorf("sort %s: copy: %w", it.Path, err)
	}
	// Keep the original's time: clerks sort by it.
	_ = s.root.Chtimes(rel, fi.ModTime(), fi.ModTime())
	return path, nil
}

// createNew creates a file named name in dir under root, or name-2,
// name-3... when it is taken, and returns it with its path under root.
// O_EXCL makes the check and the creation one step, so nothing is
// overwritten even when two runs sort into the same folder, and a link
// planted under the name counts as taken.
func createNew(root *os.Root, dir, name string) (*os.File, string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 1; n <= 10000; n++ {
		p := filepath.Join(dir, name)
		if n > 1 {
			p = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, n, ext))
		}
		f, err := root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, p, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("%s: too many files named %s", dir, name)
}
