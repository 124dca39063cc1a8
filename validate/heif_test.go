package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// heifOf makes a HEIF file of img as a phone does (fixture.PhoneHEIC).
func heifOf(t testing.TB, img image.Image, ex fixture.Exif, args ...string) []byte {
	t.Helper()
	data, err := fixture.PhoneHEIC(img, ex, args...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestHEIF: a HEIC or AVIF file from a phone is read upright, its capture
// date and resolution from its EXIF, and checked; under the CIE rules its
// format fails with the JPG copy as the fix. One libheif cannot decode,
// or a damaged one, is refused and told to send a JPG.
func TestHEIF(t *testing.T) {
	taken := testNow.AddDate(0, -1, 0).Truncate(time.Second)
	ex := fixture.Exif{XRes: 400, YRes: 400, ResolutionUnit: 2, DateTimeOriginal: taken}
	heic := heifOf(t, fixture.Gradient(300, 400), ex)
	for _, tc := range []struct {
		format, fix string
		data        []byte
	}{
		{"heic", "check.format.send_corrected_jpg", heic},
		{"avif", "check.format.send_corrected_jpg_other", heifOf(t, fixture.Gradient(300, 400), ex, "-A")},
	} {
		for _, lang := range catalog.Languages() {
			t.Run(tc.format+"/"+lang, func(t *testing.T) {
				r := check(t, tc.data, Options{Lang: lang})
				if r.Err != nil {
					t.Fatalf("not read: %v", r.Err)
				}
				im := r.Image
				if im.Format != tc.format || im.Width != 300 || im.Height != 400 {
					t.Errorf("read as %s %dx%d, want %s 300x400 (upright)", im.Format, im.Width, im.Height, tc.format)
				}
				if im.Taken == nil || !im.Taken.Equal(taken) {
					t.Errorf("capture date %v, want %v", im.Taken, taken)
				}
				if im.DPI != 400 || im.DPISource != "exif" {
					t.Errorf("DPI %v from %q, want 400 from exif", im.DPI, im.DPISource)
				}
				if c := status(t, r, Recency); c.Status != Pass {
					t.Errorf("recency %s: %s", c.Status, c.Message)
				}
				f := status(t, r, Format)
				if f.Status != Fail || f.Fix != catalog.Say(lang, tc.fix) {
					t.Errorf("format %s %q, fix %q: want a fail whose fix is the JPG copy", f.Status, f.Message, f.Fix)
				}
				if c := status(t, r, FaceCount); c.Status == Skip {
					t.Errorf("face checks skipped: %s", c.Message)
				}
			})
		}
	}
	// Under the ICAO rules, which leave the file rules out, a HEIC is a
	// photo like any other.
	if r := check(t, heic, Options{Profile: "icao"}); r.Err != nil {
		t.Errorf("icao: %v", r.Err)
	} else if c := status(t, r, Format); c.Status != Skip {
		t.Errorf("icao judged the format: %s", c.Status)
	}

	single, err := fixture.HEIF(fixture.JPEG(fixture.Gradient(64, 48), 90, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	otherCodec := bytes.Replace(single, []byte("hvc1"), []byte("vvc1"), 1)
	canvas, err := fixture.GridClaiming(fixture.Gradient(64, 64), 64, 64, 30000, 30000)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		err  error
	}{
		{"cut short", heic[:len(heic)*2/3], ErrUnreadable},
		{"a grid claiming 64x64 on a 30000x30000 canvas", canvas, ErrUnreadable},
		{"only its first bytes", fixture.Magic()["heic"], ErrUnreadable},
		{"an image type libheif does not know (vvc1)", otherCodec, ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, tc.data, Options{Lang: "en"})
			if !errors.Is(r.Err, tc.err) {
				t.Fatalf("error %v, want %v", r.Err, tc.err)
			}
			f := status(t, r, Format)
			if f.Status != Fail || !strings.Contains(f.Fix, "iPhone") || f.Fix == catalog.Say("en", "check.format.send_corrected_jpg") {
				t.Errorf("format %s, fix %q: want a fail saying how to get a JPG on an iPhone", f.Status, f.Fix)
			}
		})
	}
}

// TestHEIFPixelLimit: a HEIF file counts against the pixel limit as the
// square of its longest claimed side, what libheif may allocate for it,
// and the refusal says so.
func TestHEIFPixelLimit(t *testing.T) {
	data := heifOf(t, fixture.Gradient(60, 100), fixture.Exif{}) // 60x100 in a 512-pixel tile: bound 1024, the least
	v := New(testValidator(t).det).WithMaxPixels(1000 * 1000)
	for _, lang := range catalog.Languages() {
		r, err := v.Check(context.Background(), "a.heic", data, Options{Lang: lang, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(r.Err, ErrTooManyPixels) || !strings.Contains(r.Error, catalog.Dims(1024, 1024)) || !strings.Contains(r.Error, catalog.Dims(60, 100)) {
			t.Errorf("%s: error %v %q, want too many pixels naming 60x100 and 1024x1024", lang, r.Err, r.Error)
		}
	}
	if r, err := New(testValidator(t).det).WithMaxPixels(1024*1024).Check(context.Background(), "a.heic", data, Options{Now: testNow}); err != nil || r.Err != nil {
		t.Errorf("under the limit: %v %v", err, r.Err)
	}
}

// TestHEIFFaces: real photos made HEIC as a phone makes them get, on every
// check but the file's own, what libheif's heif-convert decoding of the
// same file gets as a PNG: the HEIC path adds nothing of its own to the
// pixels, the turn included.
func TestHEIFFaces(t *testing.T) {
	t.Parallel() // real photos, slow: the face tests share the cores
	photos, err := faceset.Load(faceset.Require(t), "neutral", "canada")
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, len(photos) / 3, len(photos) - 1} {
		p := photos[i]
		t.Run(p.Label+"/"+p.Name, func(t *testing.T) {
			img, err := imaging.Open(p.Path, imaging.AutoOrientation(true))
			if err != nil {
				t.Fatal(err)
			}
			heic := heifOf(t, img, fixture.Exif{})
			png, err := fixture.HEIFConvert(heic)
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Profile: "icao", Lang: "en"}
			got, want := check(t, heic, opts), check(t, png, opts)
			if got.Err != nil || want.Err != nil {
				t.Fatalf("errors %v, %v", got.Err, want.Err)
			}
			if got.Image.Width != img.Bounds().Dx() || got.Image.Height != img.Bounds().Dy() {
				t.Errorf("read %dx%d, want %v upright", got.Image.Width, got.Image.Height, img.Bounds().Size())
			}
			if g, w := checkLines(got), checkLines(want); g != w {
				t.Errorf("the HEIC's checks differ from its PNG's:\n%s\nwant\n%s", g, w)
			}
			if got.Face == nil || want.Face == nil || got.Face.Box != want.Face.Box || got.Face.Landmarks[30] != want.Face.Landmarks[30] {
				t.Errorf("faces differ: %+v, want %+v", got.Face, want.Face)
			}
		})
	}
}

// checkLines is each check of r with its status and value, one a line.
func checkLines(r *Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%s %s %v\n", c.ID, c.Status, c.Value)
	}
	return b.String()
}

// heifChildEnv names the HEIF file TestHEIFMemory's child process checks.
const heifChildEnv = "TESSERA_HEIF_MEMORY_CHILD"

// TestHEIFMemory: the memory estimate of a 12-megapixel phone photo, an
// iPhone's 8-bit HEIC and a 10-bit one, each a grid of tiles turned
// upright, covers what checking it really takes: the growth of the
// checker's peak resident memory and the peak of the child process that
// decodes the file (heif.DecodeChild), libheif's C memory and the
// child's own program included. Each check runs in a process of its own,
// whose peak is not hidden by memory earlier tests left for reuse.
func TestHEIFMemory(t *testing.T) {
	if path := os.Getenv(heifChildEnv); path != "" {
		heifMemoryChild(t, path)
		return
	}
	if testing.Short() {
		t.Skip("12-megapixel HEIC files are encoded: not in -short")
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"8-bit", nil},
		{"10-bit", []string{"-b", "10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := fixture.PhoneHEIC(fixture.Gradient(3024, 4032), fixture.Exif{}, append(tc.args, "-p", "preset=ultrafast")...)
			if err != nil {
				t.Fatal(err)
			}
			path := t.TempDir() + "/big.heic"
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHEIFMemory$", "-test.v")
			cmd.Env = append(os.Environ(), heifChildEnv+"="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if strings.Contains(string(out), "--- SKIP") {
				t.Skipf("child skipped:\n%s", out)
			}
			var grew, decoder, cost int64
			for _, line := range strings.Split(string(out), "\n") {
				if i := strings.Index(line, "peak grew "); i >= 0 {
					if _, err := fmt.Sscanf(line[i:], "peak grew %d decoder %d estimate %d", &grew, &decoder, &cost); err != nil {
						t.Fatalf("child said %q: %v", line, err)
					}
				}
			}
			if cost == 0 || decoder == 0 {
				t.Fatalf("child gave no figures:\n%s", out)
			}
			t.Logf("checking a 12 MP %s HEIC: the checker's peak resident memory grew %d MB, the decoding child's peak was %d MB; estimated %d MB", tc.name, grew>>20, decoder>>20, cost>>20)
			if grew+decoder > cost {
				t.Errorf("peaks %d + %d bytes, estimate %d", grew, decoder, cost)
			}
		})
	}
}

// heifMemoryChild checks the file at path once the engine is loaded and
// a first photo checked, and prints how far the peak resident memory grew
// over the resident memory before, and the estimate.
func heifMemoryChild(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	check(t, fixture.JPEG(fixture.Gradient(200, 300), 90, nil, nil), Options{})
	before, err := fixture.ResetPeak()
	if err != nil {
		t.Skip(err)
	}
	r := check(t, data, Options{})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	// The decoding child's own peak (heif.DecodeChild), program and all.
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		t.Fatal(err)
	}
	peak, err := fixture.ProcStatus("VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("peak grew %d decoder %d estimate %d\n", peak-before, ru.Maxrss<<10, Cost(data))
}
