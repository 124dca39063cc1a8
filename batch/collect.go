// Package batch checks many photos at once, as a clerk does with a folder of
// email attachments or a USB stick: it turns command-line arguments (files,
// folders, glob patterns) into a list of inputs, checks them in parallel
// with results in a stable order, sorts the photos into ok and ko folders,
// and writes the clerk's CSV and HTML reports.
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

	"github.com/tessera-cie/tessera/catalog"

	"github.com/tessera-cie/tessera/validate"
)

// SkipReason says why a file met inside a folder was not checked.
type SkipReason string

// The reasons a path is skipped.
const (
	SkipHidden    SkipReason = "hidden"       // a hidden file or folder inside a folder
	SkipNotImage  SkipReason = "not_image"    // a file inside a folder that is no image
	SkipFolder    SkipReason = "folder"       // a subfolder, without recursion
	SkipLoop      SkipReason = "symlink_loop" // a folder reached again through a link
	SkipDuplicate SkipReason = "duplicate"    // a file already listed under another name
	SkipSpecial   SkipReason = "special"      // a device, socket or pipe
	SkipBrokenLnk SkipReason = "broken_link"  // a link inside a folder that leads nowhere
	SkipOutput    SkipReason = "output"       // the folder the photos are sorted into
)

// skipTexts are the catalogue's ids of the reasons' explanations.
var skipTexts = map[SkipReason]string{
	SkipHidden:    "batch.skip.hidden",
	SkipNotImage:  "batch.skip.not_image",
	SkipFolder:    "batch.skip.folder",
	SkipLoop:      "batch.skip.symlink_loop",
	SkipDuplicate: "batch.skip.duplicate",
	SkipSpecial:   "batch.skip.special",
	SkipBrokenLnk: "batch.skip.broken_link",
	SkipOutput:    "batch.skip.output",
}

// Text explains the reason to a clerk, in lang (one of catalog.Languages).
func (r SkipReason) Text(lang string) string {
	if id, ok := skipTexts[r]; ok {
		return catalog.Say(lang, id)
	}
	return string(r)
}

// Input is one path found from the arguments: a file to check, a path that
// could not be read (Err), or one that was skipped (Skip).
type Input struct {
	Path string     // as the user would name it: the argument, or joined under it
	Skip SkipReason // why it is not checked; "" for a file to check
	Err  error      // why it cannot be read (not found, permission denied)
}

// CollectOptions choose how arguments are expanded.
type CollectOptions struct {
	// Recursive walks into subfolders; without it they are skipped.
	Recursive bool
	// Exclude are folders never walked into (the --sort-into destination).
	Exclude []string
}

// imageExts are the extensions of image files, supported or not: a file
// with one of them is checked (and told it is the wrong format) even when
// its content is no image.
var imageExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".jpe": true, ".jfif": true, ".png": true,
	".heic": true, ".heif": true, ".avif": true, ".webp": true, ".gif": true,
	".tif": true, ".tiff": true, ".bmp": true, ".jp2": true, ".jxl": true,
}

// ErrNoMatch is the error of a glob pattern that matches no file.
var ErrNoMatch = errors.New("no file matches the pattern")

// Collect expands the arguments into inputs, in a stable order: arguments
// in the order given, folder entries sorted by name, glob matches sorted.
// A named file is always checked, whatever its name; inside folders,
// hidden entries and files that are no image (by extension or content) are
// skipped. Subfolders are walked only with Recursive, each at most once, so
// link loops end. The same file reached twice is checked once.
func Collect(args []string, opts CollectOptions) []Input {
	c := &collector{opts: opts, dirs: map[fileKey]bool{}, files: map[fileKey]string{}}
	for _, ex := range opts.Exclude {
		if fi, err := os.Stat(ex); err == nil {
			c.excluded = append(c.excluded, fi)
		}
	}
	for _, arg := range args {
		c.arg(arg)
	}
	return c.out
}

type collector struct {
	opts     CollectOptions
	out      []Input
	dirs     map[fileKey]bool   // folders walked
	files    map[fileKey]string // files listed, and the name they were listed under
	excluded []fs.FileInfo
}

// fileKey identifies a file whatever the name it is reached by.
type fileKey struct{ dev, ino uint64 }

func keyOf(fi fs.FileInfo) (fileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{uint64(st.Dev), uint64(st.Ino)}, true
}

func (c *collector) add(in Input) { c.out = append(c.out, in) }

func (c *collector) arg(arg string) {
	fi, err := os.Stat(arg)
	if err != nil {
		if hasMeta(arg) {
			c.glob(arg)
			return
		}
		c.add(Input{Path: arg, Err: err})
		return
	}
	switch {
	case fi.IsDir():
		c.dir(arg, fi)
	case fi.Mode().IsRegular():
		c.file(arg, fi)
	default:
		c.add(Input{Path: arg, Skip: SkipSpecial})
	}
}

// hasMeta reports whether a path holds glob metacharacters.
func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[`) }

func (c *collector) glob(pattern string) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		c.add(Input{Path: pattern, Err: fmt.Errorf("pattern %q: %w", pattern, err)})
		return
	}
	if len(matches) == 0 {
		c.add(Input{Path: pattern, Err: ErrNoMatch})
		return
	}
	// As a shell does: hidden files match only a pattern that names them,
	// and a link that leads nowhere is skipped like one inside a folder.
	dotted := strings.HasPrefix(filepath.Base(pattern), ".")
	for _, m := range matches { // Glob sorts them
		if strings.HasPrefix(filepath.Base(m), ".") && !dotted {
			continue
		}
		if _, err := os.Stat(m); errors.Is(err, fs.ErrNotExist) {
			c.add(Input{Path: m, Skip: SkipBrokenLnk})
			continue
		}
		c.arg(m)
	}
}

// file lists a regular file once.
func (c *collector) file(path string, fi fs.FileInfo) {
	if k, ok := keyOf(fi); ok {
		if _, seen := c.files[k]; seen {
			c.add(Input{Path: path, Skip: SkipDuplicate})
			return
		}
		c.files[k] = path
	}
	c.add(Input{Path: path})
}

func (c *collector) dir(path string, fi fs.FileInfo) {
	for _, ex := range c.excluded {
		if os.SameFile(ex, fi) {
			c.add(Input{Path: path, Skip: SkipOutput})
			return
		}
	}
	if k, ok := keyOf(fi); ok {
		if c.dirs[k] {
			c.add(Input{Path: path, Skip: SkipLoop})
			return
		}
		c.dirs[k] = true
	}
	entries, err := os.ReadDir(path) // sorted by name
	if err != nil {
		c.add(Input{Path: path, Err: err})
		return
	}
	for _, e := range entries {
		p := filepath.Join(path, e.Name())
		if strings.HasPrefix(e.Name(), ".") {
			c.add(Input{Path: p, Skip: SkipHidden})
			continue
		}
		fi, err := os.Stat(p) // follows links
		if err != nil {
			if _, lerr := os.Lstat(p); lerr == nil && errors.Is(err, fs.ErrNotExist) {
				c.add(Input{Path: p, Skip: SkipBrokenLnk})
			} else {
				c.add(Input{Path: p, Err: err})
			}
			continue
		}
		switch {
		case fi.IsDir():
			if !c.opts.Recursive {
				c.add(Input{Path: p, Skip: SkipFolder})
				continue
			}
			c.dir(p, fi)
		case !fi.Mode().IsRegular():
			c.add(Input{Path: p, Skip: SkipSpecial})
		case imageExts[strings.ToLower(filepath.Ext(p))]:
			c.file(p, fi)
		default:
			ok, err := looksLikeImage(p)
			switch {
			case err != nil:
				c.add(Input{Path: p, Err: err})
			case ok:
				c.file(p, fi)
			default:
				c.add(Input{Path: p, Skip: SkipNotImage})
			}
		}
	}
}

// looksLikeImage reads the first bytes of a file without an image extension
// and reports whether they are those of an image format.
func looksLikeImage(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 32)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	return validate.Sniff(head[:n]) != "", nil
}
