package heif_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/heif"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestMain lets the test binary serve as the child process DecodeChild
// starts.
func TestMain(m *testing.M) {
	heif.ServeChild()
	os.Exit(m.Run())
}

// TestDecodeChild: a file decoded in a child process gives File.Decode's
// pixels; a grid made to keep libheif busy for a minute (one 1000x1000
// tile shown 32x32 times) is stopped by the child's CPU limit in seconds,
// and a child is killed when its context ends.
func TestDecodeChild(t *testing.T) {
	data, err := fixture.PhoneHEIC(picture(700, 1100), fixture.Exif{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := heif.DecodeConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := heif.DecodeChild(context.Background(), data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, err := heif.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Pix, want.Pix) || got.Rect != want.Rect {
		t.Errorf("the child's pixels differ from File.Decode's")
	}

	bomb, err := fixture.GridRepeating(picture(1000, 1000), 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = heif.DecodeConfig(bomb)
	if err != nil {
		t.Fatal(err)
	}
	// The child's CPU time, not the wall clock: under load 2 s of CPU
	// took up to a minute of wall time.
	before := childrenCPU(t)
	_, err = heif.DecodeChild(context.Background(), bomb, cfg)
	var f heif.FormatError
	if used := childrenCPU(t) - before; !errors.As(err, &f) || !strings.Contains(err.Error(), "CPU") || used > 6*time.Second {
		t.Errorf("a tile shown 1024 times: error %v after %v of the child's CPU time, want the CPU limit's within 6 s (2 s, and the kernel's 2 s more at most)", err, used)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := heif.DecodeChild(ctx, bomb, cfg); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Errorf("context ended: error %v after %v, want the deadline's at once", err, time.Since(start))
	}
}

// childrenCPU is the user and system time of this process's children
// waited for so far.
func childrenCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// picture is the test picture: a gradient with sharp edges, so that a
// turned or shifted decode shows.
func picture(w, h int) *image.NRGBA {
	img := fixture.Gradient(w, h)
	for y := h / 4; y < h/2; y++ {
		for x := w / 5; x < w/3; x++ {
			img.Pix[img.PixOffset(x, y)+0] = 20
			img.Pix[img.PixOffset(x, y)+1] = 30
			img.Pix[img.PixOffset(x, y)+2] = 200
		}
	}
	return img
}

// encode makes a HEIF file of img with heif-enc: HEIC unless args say
// otherwise ("-A": AVIF).
func encode(t testing.TB, img image.Image, ex *fixture.Exif, args ...string) []byte {
	t.Helper()
	data, err := fixture.HEIF(fixture.JPEG(img, 98, nil, ex), append([]string{"-q", "90"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// meanDiff is the mean absolute difference of the RGB samples of a and b,
// which must be the same size.
func meanDiff(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes %v and %v", a.Bounds().Size(), b.Bounds().Size())
	}
	na, nb := imaging.Clone(a), imaging.Clone(b)
	var sum float64
	for i := range na.Pix {
		if i%4 != 3 {
			sum += math.Abs(float64(na.Pix[i]) - float64(nb.Pix[i]))
		}
	}
	return sum / float64(len(na.Pix)*3/4)
}

// maxDiff is the largest difference of the RGB samples of a and b.
func maxDiff(a, b image.Image) int {
	na, nb := imaging.Clone(a), imaging.Clone(b)
	worst := 0
	for i := range na.Pix {
		worst = max(worst, int(na.Pix[i])-int(nb.Pix[i]), int(nb.Pix[i])-int(na.Pix[i]))
	}
	return worst
}

// TestDecode reads HEIC and AVIF files as libheif's own heif-convert does,
// to the sample, and close to the picture they were made from.
func TestDecode(t *testing.T) {
	src := picture(320, 240)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"HEIC", nil},
		{"HEIC, 4:4:4", []string{"-p", "chroma=444"}},
		{"AVIF", []string{"-A"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := encode(t, src, nil, tc.args...)
			cfg, err := heif.DecodeConfig(data)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != 320 || cfg.Height != 240 || cfg.Bits != 8 || cfg.Alpha {
				t.Errorf("config %+v, want 320x240, 8 bits, no alpha", cfg)
			}
			img, err := heif.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			sameAsHEIFConvert(t, data, img)
			if d := meanDiff(t, img, src); d > 3 {
				t.Errorf("mean difference from the picture %.2f levels, want at most 3", d)
			}
		})
	}
}

// TestAlpha: a photo with an alpha channel decodes to its colours,
// opaque, and its bound is the side of a square twice the area (libheif
// counts a grid and its alpha grid against one budget).
func TestAlpha(t *testing.T) {
	src := picture(320, 240)
	for i := 3; i < len(src.Pix); i += 4 {
		src.Pix[i] = 200
	}
	var b bytes.Buffer
	if err := png.Encode(&b, src); err != nil {
		t.Fatal(err)
	}
	data, err := fixture.HEIF(b.Bytes(), "-q", "90")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := heif.DecodeConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Alpha || cfg.Bound < 1448 {
		t.Errorf("config %+v, want alpha and a bound of at least 1024 x 1.414", cfg)
	}
	img, err := heif.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if img.Pix[3] != 255 {
		t.Errorf("alpha %d, want opaque", img.Pix[3])
	}
	if d := meanDiff(t, img, src); d > 3 {
		t.Errorf("mean difference from the picture's colours %.2f levels, want at most 3", d)
	}
}

// TestPhoneGrid: a photo as an iPhone writes it, stored on its side in
// 512-pixel tiles put together by a grid that the file turns ('irot', and
// EXIF orientation 6 beside it), is read upright, turned once, as
// heif-convert reads it.
func TestPhoneGrid(t *testing.T) {
	upright := picture(700, 1100) // stored as 1100x700: 3x2 tiles, the last ones part empty
	ex := fixture.Exif{DateTimeOriginal: time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)}
	data, err := fixture.PhoneHEIC(upright, ex)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := heif.DecodeConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 700 || cfg.Height != 1100 || cfg.Bound < 1100 || cfg.Bound > 1100+256 {
		t.Fatalf("config %+v, want 700x1100 (upright) bound a little over 1100", cfg)
	}
	img, err := heif.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := meanDiff(t, img, upright); d > 3 {
		t.Errorf("mean difference from the upright picture %.2f levels, want at most 3", d)
	}
	sameAsHEIFConvert(t, data, img)
}

// sameAsHEIFConvert checks img, data decoded, against libheif's own
// heif-convert's decoding of it, to the sample.
func sameAsHEIFConvert(t *testing.T, data []byte, img image.Image) {
	t.Helper()
	ref, err := fixture.HEIFConvert(data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := png.Decode(bytes.NewReader(ref))
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(img, want); d > 0 {
		t.Errorf("differs from heif-convert's decode by up to %d levels", d)
	}
}

// TestClaims: a file whose coded picture, or whose grid's canvas, is
// larger than its size box claims is refused before the larger picture
// is allocated (a 30000x30000 canvas would take 2.7 GB).
func TestClaims(t *testing.T) {
	coded := encode(t, picture(2000, 1500), nil, "-p", "preset=ultrafast") // over the least bound, 1024
	canvas, err := fixture.GridClaiming(picture(64, 64), 64, 64, 30000, 30000)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"a 2000x1500 picture claiming 64x48", fixture.WithSizeBox(coded, 64, 48)},
		{"a 64x64 grid on a 30000x30000 canvas", canvas},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := heif.DecodeConfig(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Bound != 1024 {
				t.Errorf("bound %d, want the least, 1024", cfg.Bound)
			}
			before, err := fixture.ResetPeak()
			if err != nil {
				t.Skip(err)
			}
			img, err := heif.Decode(tc.data)
			peak, perr := fixture.ProcStatus("VmHWM")
			if perr != nil {
				t.Fatal(perr)
			}
			grew := peak - before
			var f heif.FormatError
			if !errors.As(err, &f) || !strings.Contains(err.Error(), "exceeds the maximum image size") {
				t.Errorf("decoded %v (error %v), want a FormatError: over libheif's size limit", img != nil, err)
			}
			if grew > 64<<20 {
				t.Errorf("the peak resident memory grew %d MB", grew>>20)
			}
		})
	}
}

// TestRefused: what libheif refuses is an error of the right kind, and
// never a picture.
func TestRefused(t *testing.T) {
	good := encode(t, picture(64, 64), nil)
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, picture(16, 16)); err != nil {
		t.Fatal(err)
	}
	otherCodec := bytes.Replace(good, []byte("infe\x02\x00\x00\x00\x00\x01\x00\x00hvc1"), []byte("infe\x02\x00\x00\x00\x00\x01\x00\x00vvc1"), 1)
	if bytes.Equal(otherCodec, good) {
		t.Fatal("no hvc1 item entry to change")
	}
	for _, tc := range []struct {
		name        string
		data        []byte
		unsupported bool
		says        string // in the error, when set
	}{
		{"empty", nil, false, ""},
		{"PNG", pngBuf.Bytes(), false, ""},
		{"cut in the header", good[:200], false, ""},
		{"cut in the picture", good[:len(good)-len(good)/3], false, ""},
		// libheif's reading takes time in the square of the items: more
		// than 2000 are refused before it reads (many.heic of a review,
		// 19999 items in 800 KB, took 6 s).
		{"2001 items", append(append([]byte{}, good...), bytes.Repeat([]byte("\x00\x00\x00\x0dinfe\x02\x00\x00\x00\x00"), 2001)...), false, "more than the 2000 read"},
		{"an image type libheif does not know (vvc1)", otherCodec, true, ""},
		// libheif's reading takes time and memory with the property
		// associations: a structure over 512 KB is refused unread.
		{"a 600 KB metadata box", append([]byte("\x00\x00\x00\x14ftypheic\x00\x00\x00\x00mif1\x00\x09\x60\x08meta"), make([]byte, 600<<10)...), false, "metadata box takes 614408 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := heif.Decode(tc.data)
			if err == nil {
				t.Fatalf("decoded %v, want an error", img.Bounds())
			}
			var u heif.UnsupportedError
			var f heif.FormatError
			switch {
			case tc.unsupported && !errors.As(err, &u):
				t.Errorf("error %q (%T), want an UnsupportedError", err, err)
			case !tc.unsupported && !errors.As(err, &f):
				t.Errorf("error %q (%T), want a FormatError", err, err)
			case !strings.Contains(err.Error(), tc.says):
				t.Errorf("error %q, want it to say %q", err, tc.says)
			}
		})
	}
}

// FuzzDecode: no input crashes or hangs the decoder, and what it returns
// is the size its header says.
func FuzzDecode(f *testing.F) {
	if _, err := exec.LookPath("heif-enc"); err == nil {
		f.Add(encode(f, picture(64, 48), nil))
		f.Add(encode(f, picture(64, 48), nil, "-A"))
		if r, err := fixture.PhoneHEIC(picture(48, 64), fixture.Exif{DateTimeOriginal: time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)}); err == nil {
			f.Add(r)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := heif.DecodeConfig(data)
		if err != nil || cfg.Width*cfg.Height > 1<<22 {
			return
		}
		img, err := heif.Decode(data)
		if err != nil {
			return
		}
		if img.Bounds() != image.Rect(0, 0, cfg.Width, cfg.Height) {
			t.Errorf("decoded %v, header says %dx%d", img.Bounds(), cfg.Width, cfg.Height)
		}
	})
}
