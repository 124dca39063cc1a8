package validate

import (
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/catalog"

	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// maxMetaAlloc bounds what reading the metadata of a small file may
// allocate: the EXIF segment of a JPEG is at most 64 KB, and nothing read
// from it needs more than a few times that.
const maxMetaAlloc = 1 << 20

// TestHostileInput checks the crafted files of issue 9: each gives a report
// (no panic, no hang), a file whose pixels are fine is still checked with
// its broken metadata ignored, and reading the metadata stays within
// maxMetaAlloc.
func TestHostileInput(t *testing.T) {
	good := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, &fixture.Exif{XRes: 400, YRes: 400, ResolutionUnit: 2})
	tests := []struct {
		name string
		data []byte
		err  error // nil: the photo is read, its metadata ignored
	}{
		{"exif IFD loop (D1)", fixture.HostileEXIFLoop(good), nil},
		{"exif count overflow (D2)", fixture.HostileEXIFCount(good), nil},
		{"segment length 0 (D3)", fixture.HostileSegmentLength(), ErrUnreadable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			m := readMeta("jpeg", tc.data)
			runtime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > maxMetaAlloc {
				t.Errorf("reading the metadata allocated %d bytes, want <= %d", got, maxMetaAlloc)
			}
			if m.orientation != 1 || m.taken != nil {
				t.Errorf("metadata orientation %d taken %v from a broken EXIF, want 1 and none", m.orientation, m.taken)
			}
			for _, lang := range catalog.Languages() {
				r := check(t, tc.data, Options{Lang: lang})
				if !errors.Is(r.Err, tc.err) || (tc.err == nil && r.Err != nil) {
					t.Fatalf("%s: Err = %v, want %v", lang, r.Err, tc.err)
				}
				if tc.err != nil && (r.Error == "" || r.Pass) {
					t.Fatalf("%s: error %q pass %v, want an error report", lang, r.Error, r.Pass)
				}
				if tc.err == nil {
					if c := status(t, r, "face_count"); c.Status == Skip {
						t.Fatalf("%s: the photo was not checked: face_count %v", lang, c.Status)
					}
				}
			}
		})
	}
}

// faultyDetector stands for a fault inside tessera: it panics on every
// photo.
type faultyDetector struct{}

func (faultyDetector) Detect(context.Context, *image.Gray) ([]facedetect.Face, error) {
	panic("injected fault")
}

// TestPanicStaysWithThePhoto checks that a panic while measuring a photo
// gives that photo a report wrapping ErrInternal, in the user's language,
// and that the validator goes on checking the next photo.
func TestPanicStaysWithThePhoto(t *testing.T) {
	good := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)
	v := New(faultyDetector{})
	for _, lang := range catalog.Languages() {
		r, err := v.Check(context.Background(), "p.jpg", good, Options{Lang: lang, Now: testNow})
		if err != nil {
			t.Fatalf("%s: Check returned %v, want a report", lang, err)
		}
		if !errors.Is(r.Err, ErrInternal) || r.Error == "" || r.Pass {
			t.Fatalf("%s: Err %v error %q pass %v, want an internal error report", lang, r.Err, r.Error, r.Pass)
		}
		if english := strings.Contains(r.Error, "internal error"); english != (lang == "en") {
			t.Errorf("%s: error %q is not in %s", lang, r.Error, lang)
		}
	}
	// The next photo, with a working detector, is checked as usual.
	if r := check(t, good, Options{}); r.Err != nil {
		t.Errorf("next photo: %v", r.Err)
	}
}

// TestCraftedEXIF reads the EXIF probes of testdata/exif (made while
// choosing the EXIF reader, issue 9): each has orientation 6 in IFD0 and a
// trap after it: a resolution only in the thumbnail's IFD1, a thumbnail
// declaring 2 GB, the Exif sub-IFD pointing back at IFD0, a 1 GB count on
// a tag tessera does not read. The orientation is read, no resolution is
// taken from the thumbnail, and the read stays within maxMetaAlloc.
func TestCraftedEXIF(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "exif", "*.jpg"))
	if err != nil || len(files) < 4 {
		t.Fatalf("testdata/exif: %d files, %v", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			m := readMeta("jpeg", data)
			runtime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > maxMetaAlloc {
				t.Errorf("reading the metadata allocated %d bytes, want <= %d", got, maxMetaAlloc)
			}
			if m.orientation != 6 || m.dpiSource != "" {
				t.Errorf("orientation %d, dpi %v from %q; want 6 and no resolution", m.orientation, m.dpi, m.dpiSource)
			}
		})
	}
}
