package batch

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Sorter copies checked photos into two folders: Dir/ok for the photos that
// pass and Dir/ko for the others (failed or unreadable). It never
// overwrites a file: a name already taken gets a number ("foto-2.jpg"). The
// originals are only read.
type Sorter struct {
	Dir string
}

// The folders under Sorter.Dir.
const (
	OKFolder = "ok"
	KOFolder = "ko"
)

// Prepare creates Dir/ok and Dir/ko.
func (s Sorter) Prepare() error {
	for _, sub := range []string{OKFolder, KOFolder} {
		if err := os.MkdirAll(filepath.Join(s.Dir, sub), 0o755); err != nil {
			return fmt.Errorf("sort into %s: %w", s.Dir, err)
		}
	}
	return nil
}

// Place copies the item's file into ok or ko and returns the copy's path.
// Skipped items are not copied: Place returns "" for them.
func (s Sorter) Place(it Item) (string, error) {
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
	src, err := os.Open(it.Path)
	if err != nil {
		return "", fmt.Errorf("sort %s: %w", it.Path, err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return "", fmt.Errorf("sort %s: %w", it.Path, err)
	}
	dst, path, err := createNew(filepath.Join(s.Dir, sub), filepath.Base(it.Path))
	if err != nil {
		return "", fmt.Errorf("sort %s: %w", it.Path, err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(path)
		return "", fmt.Errorf("sort %s: copy: %w", it.Path, err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("sort %s: copy: %w", it.Path, err)
	}
	// Keep the original's time: clerks sort by it.
	_ = os.Chtimes(path, fi.ModTime(), fi.ModTime())
	return path, nil
}

// createNew creates a file named name in dir, or name-2, name-3... when it
// is taken. O_EXCL makes the check and the creation one step, so nothing
// is overwritten even when two runs sort into the same folder.
func createNew(dir, name string) (*os.File, string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 1; n <= 10000; n++ {
		p := filepath.Join(dir, name)
		if n > 1 {
			p = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, n, ext))
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, p, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("%s: too many files named %s", dir, name)
}
