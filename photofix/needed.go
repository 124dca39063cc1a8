package photofix

import (
	"path/filepath"
	"strings"

	"github.com/tessera-cie/tessera/validate"
)

// Needed reports whether one of the checks Fix can mend failed on a photo
// that was read: the page then offers the fixed photo, and the inbox
// attaches it to its answer. A file that could not be read (a GIF, a
// damaged HEIC: its format fails) has nothing to fix.
func Needed(rep *validate.Report) bool {
	if rep.Err != nil || rep.Error != "" {
		return false
	}
	for _, c := range rep.Checks {
		if c.Status != validate.Fail {
			continue
		}
		// The checks a crop, a scale, a DPI and a new JPEG can fix.
		if info, _ := validate.Info(c.ID); info.Fixable {
			return true
		}
	}
	return false
}

// FileName is the name of the fixed copy of the photo called name:
// "foto.png" gives "foto-tessera.jpg".
func FileName(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if base == "" || base == "." || base == "/" {
		base = "foto"
	}
	return base + "-tessera.jpg"
}
