package batch

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
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

// Prepare creates Dir, Dir/ok and Dir/ko, and removes from these the part
// files of runs stopped mid-copy (copyNew) more than partAge ago.
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
	for _, sub := range []string{OKFolder, KOFolder} {
		removeParts(root, sub, time.Now().Add(-partAge))
	}
	return nil
}

// partAge is how old a part file must be to be taken for a run stopped
// mid-copy: far longer than any copy takes, so that another run sorting
// into the same folder keeps the one it is writing.
const partAge = time.Hour

// removeParts removes from dir under root the part files (partPrefix)
// last written before t: what runs stopped mid-copy left.
func removeParts(root *os.Root, dir string, t time.Time) {
	d, err := root.Open(dir)
	if err != nil {
		return
	}
	entries, _ := d.ReadDir(-1)
	d.Close()
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), partPrefix) || !strings.HasSuffix(e.Name(), partSuffix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(t) {
			root.Remove(filepath.Join(dir, e.Name()))
		}
	}
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
	rel, err := s.copyNew(src, sub, filepath.Base(it.Path), fi.ModTime())
	if err != nil {
		return "", fmt.Errorf("sort %s: %w", it.Path, err)
	}
	return filepath.Join(s.Dir, rel), nil
}

// partPrefix and partSuffix frame the name of a copy still being written:
// hidden, and never a name a photo is sorted under.
const (
	partPrefix = ".tessera-"
	partSuffix = ".part"
)

// copyNew copies src into dir under root as name (or name-2, name-3...:
// linkNew) and returns the copy's path under root. The copy is written
// whole under a hidden name first (partPrefix), flushed to disk, and only
// then linked under its own name, so a run stopped mid-copy (killed, or
// the power gone) leaves no half photo under a photo's name, only a
// hidden part file; a clerk's folder holds whole photos or none. Where
// the file system has no hard links (some network shares), the name is
// reserved empty and the whole copy renamed over it: stopped in between,
// the name holds an empty file, never a part of the photo.
func (s *Sorter) copyNew(src io.Reader, dir, name string, mtime time.Time) (string, error) {
	part, tmp, err := createPart(s.root, dir)
	if err != nil {
		return "", err
	}
	defer s.root.Remove(tmp) // after the link, only the name's second link
	if _, err := io.Copy(part, src); err != nil {
		part.Close()
		return "", fmt.Errorf("copy: %w", err)
	}
	if err := part.Sync(); err != nil {
		part.Close()
		return "", fmt.Errorf("copy: %w", err)
	}
	if err := part.Close(); err != nil {
		return "", fmt.Errorf("copy: %w", err)
	}
	// Keep the original's time: clerks sort by it.
	_ = s.root.Chtimes(tmp, mtime, mtime)
	rel, err := linkNew(s.root, tmp, dir, name, s.root.Link)
	if err != nil {
		return "", err
	}
	if d, err := s.root.Open(dir); err == nil { // the new name, to disk
		d.Sync()
		d.Close()
	}
	return rel, nil
}

// createPart creates a new hidden file in dir under root for a copy
// being written, and returns it with its path under root.
func createPart(root *os.Root, dir string) (*os.File, string, error) {
	for range 100 {
		var b [8]byte
		rand.Read(b[:])
		p := filepath.Join(dir, partPrefix+hex.EncodeToString(b[:])+partSuffix)
		f, err := root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, p, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("%s: no free name for a copy", dir)
}

// linkNew gives the whole copy tmp its name in dir: name, or name-2,
// name-3... when it is taken. A hard link (link, root.Link but in tests),
// like O_EXCL in createNew, takes a name only if it is free (a link
// planted under it counts as taken), in one step. Where the file system
// has none, it falls back on createNew and a rename over the empty file
// it made.
func linkNew(root *os.Root, tmp, dir, name string, link func(oldname, newname string) error) (string, error) {
	for n := 1; n <= maxSameName; n++ {
		p := numbered(dir, name, n)
		err := link(tmp, p)
		if err == nil {
			return p, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.EOPNOTSUPP) && !errors.Is(err, syscall.ENOSYS) && !errors.Is(err, syscall.EMLINK) {
			return "", err
		}
		f, p, err := createNew(root, dir, name)
		if err != nil {
			return "", err
		}
		f.Close()
		if err := root.Rename(tmp, p); err != nil {
			root.Remove(p)
			return "", err
		}
		return p, nil
	}
	return "", fmt.Errorf("%s: too many files named %s", dir, name)
}

// maxSameName is how many copies of one name a folder takes (name-10000).
const maxSameName = 10000

// numbered is the n-th name for name in dir: name itself, then name-2,
// name-3... before its extension.
func numbered(dir, name string, n int) string {
	if n == 1 {
		return filepath.Join(dir, name)
	}
	ext := filepath.Ext(name)
	return filepath.Join(dir, fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), n, ext))
}

// createNew creates a file named name in dir under root, or name-2,
// name-3... when it is taken, and returns it with its path under root.
// O_EXCL makes the check and the creation one step, so nothing is
// overwritten even when two runs sort into the same folder, and a link
// planted under the name counts as taken.
func createNew(root *os.Root, dir, name string) (*os.File, string, error) {
	for n := 1; n <= maxSameName; n++ {
		p := numbered(dir, name, n)
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
