package validate

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

func TestDPI(t *testing.T) {
	img := fixture.Gradient(60, 80)
	tests := []struct {
		name   string
		data   []byte
		dpi    float64
		source string
		status Status
	}{
		{"jfif dpi", fixture.JPEG(img, 90, &fixture.JFIF{Units: 1, XDen: 400, YDen: 400}, nil), 400, "jfif", Pass},
		{"jfif dpi low", fixture.JPEG(img, 90, &fixture.JFIF{Units: 1, XDen: 300, YDen: 300}, nil), 300, "jfif", Fail},
		{"jfif dpcm", fixture.JPEG(img, 90, &fixture.JFIF{Units: 2, XDen: 158, YDen: 158}, nil), 401, "jfif", Pass},
		{"jfif aspect only falls to exif", fixture.JPEG(img, 90, &fixture.JFIF{Units: 0, XDen: 1, YDen: 1}, &fixture.Exif{XRes: 600, YRes: 600, ResolutionUnit: 2}), 600, "exif", Pass},
		{"exif inch", fixture.JPEG(img, 90, nil, &fixture.Exif{XRes: 400, YRes: 400, ResolutionUnit: 2}), 400, "exif", Pass},
		{"exif inch default unit", fixture.JPEG(img, 90, nil, &fixture.Exif{XRes: 72, YRes: 72}), 72, "exif", Fail},
		{"exif cm", fixture.JPEG(img, 90, nil, &fixture.Exif{XRes: 160, YRes: 160, ResolutionUnit: 3}), 406, "exif", Pass},
		{"jpeg none", fixture.JPEG(img, 90, nil, nil), 72, "none", Fail},
		{"png phys", fixture.PNG(img, 15748), 400, "png", Pass},
		{"png phys low", fixture.PNG(img, 3780), 96, "png", Fail},
		{"png none", fixture.PNG(img, 0), 72, "none", Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, tc.data, Options{})
			c := status(t, r, "dpi")
			if c.Status != tc.status || c.Value != tc.dpi || r.Image.DPISource != tc.source {
				t.Fatalf("dpi check %v value %v source %q; want %v %v %q", c.Status, c.Value, r.Image.DPISource, tc.status, tc.dpi, tc.source)
			}
			if c.Status == Fail && c.Fix == "" {
				t.Fatal("failed dpi check without a fix")
			}
		})
	}
}

func TestRecency(t *testing.T) {
	img := fixture.Gradient(60, 80)
	day := 24 * time.Hour
	tests := []struct {
		name   string
		ex     *fixture.Exif
		status Status
	}{
		{"recent original", &fixture.Exif{DateTimeOriginal: testNow.Add(-30 * day)}, Pass},
		{"old original", &fixture.Exif{DateTimeOriginal: testNow.Add(-200 * day)}, Fail},
		{"just within 183 days", &fixture.Exif{DateTimeOriginal: testNow.Add(-182 * day)}, Pass},
		{"future", &fixture.Exif{DateTimeOriginal: testNow.Add(3 * day)}, Fail},
		{"hours ahead is a clock skew", &fixture.Exif{DateTimeOriginal: testNow.Add(5 * time.Hour)}, Pass},
		{"only DateTime", &fixture.Exif{DateTime: testNow.Add(-400 * day)}, Fail},
		{"only DateTimeDigitized", &fixture.Exif{DateTimeDigitized: testNow.Add(-400 * day)}, Fail},
		{"digitized wins over DateTime", &fixture.Exif{DateTime: testNow.Add(-10 * day), DateTimeDigitized: testNow.Add(-300 * day)}, Fail},
		{"original wins over DateTime", &fixture.Exif{DateTime: testNow.Add(-10 * day), DateTimeOriginal: testNow.Add(-300 * day)}, Fail},
		{"exif without date", &fixture.Exif{XRes: 400, YRes: 400}, Warn},
		{"no exif", nil, Warn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, fixture.JPEG(img, 90, nil, tc.ex), Options{})
			c := status(t, r, "recency")
			if c.Status != tc.status {
				t.Fatalf("recency %v (%v: %s), want %v", c.Status, c.Value, c.Message, tc.status)
			}
			if c.Status != Pass && c.Fix == "" {
				t.Fatal("no fix")
			}
		})
	}
}

func TestOrientation(t *testing.T) {
	// A 40x30 stored image, red in its top-left corner.
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < 10; y++ {
		for x := 0; x < 10; x++ {
			img.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
		}
	}
	tests := []struct {
		orientation uint16
		w, h        int
		red         image.Point // where the stored top-left corner is displayed
	}{
		{1, 40, 30, image.Pt(2, 2)},
		{6, 30, 40, image.Pt(27, 2)}, // rotate 90° clockwise: top-left goes to top-right
		{8, 30, 40, image.Pt(2, 37)}, // rotate 90° anticlockwise: top-left goes to bottom-left
		{3, 40, 30, image.Pt(37, 27)},
	}
	v := testValidator(t)
	for _, tc := range tests {
		data := fixture.JPEG(img, 95, nil, &fixture.Exif{Orientation: tc.orientation})
		res, err := v.Analyze(t.Context(), "o", data, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		b := res.Image.Bounds()
		if b.Dx() != tc.w || b.Dy() != tc.h || res.Report.Image.Width != tc.w || res.Report.Image.Orientation != int(tc.orientation) {
			t.Fatalf("orientation %d: %dx%d (report %dx%d), want %dx%d", tc.orientation, b.Dx(), b.Dy(), res.Report.Image.Width, res.Report.Image.Height, tc.w, tc.h)
		}
		r, g, _, _ := res.Image.At(b.Min.X+tc.red.X, b.Min.Y+tc.red.Y).RGBA()
		if r < 0xc000 || g > 0x4000 {
			t.Errorf("orientation %d: pixel %v is not red", tc.orientation, tc.red)
		}
	}
}

func TestColor(t *testing.T) {
	colour := fixture.Gradient(120, 160)
	gray := image.NewGray(colour.Rect)
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i % 251)
	}
	grayRGB := image.NewNRGBA(colour.Rect)
	for y := 0; y < 160; y++ {
		for x := 0; x < 120; x++ {
			v := uint8((x + y) % 256)
			grayRGB.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	tests := []struct {
		name   string
		data   []byte
		status Status
	}{
		{"colour jpeg", fixture.JPEG(colour, 90, nil, nil), Pass},
		{"grayscale jpeg", fixture.JPEG(gray, 90, nil, nil), Fail},
		{"grayscale png", fixture.PNG(gray, 0), Fail},
		{"gray pixels in an RGB jpeg", fixture.JPEG(grayRGB, 90, nil, nil), Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := status(t, check(t, tc.data, Options{}), "color")
			if c.Status != tc.status {
				t.Fatalf("color %v (value %v), want %v", c.Status, c.Value, tc.status)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	good := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)
	goodPNG := fixture.PNG(fixture.Gradient(300, 400), 0)
	tests := []struct {
		name   string
		data   []byte
		err    error
		format string
	}{
		{"empty", nil, ErrUnreadable, ""},
		{"truncated jpeg", good[:len(good)/2], ErrUnreadable, "jpeg"},
		{"jpeg header only", good[:20], ErrUnreadable, "jpeg"},
		{"truncated png", goodPNG[:len(goodPNG)/2], ErrUnreadable, "png"},
		{"text", []byte("Buongiorno, allego la foto."), ErrNotImage, "unknown"},
		{"heic, its first bytes only", fixture.Magic()["heic"], ErrUnreadable, "heic"},
		{"webp", fixture.Magic()["webp"], ErrUnsupported, "webp"},
		{"gif", fixture.Magic()["gif"], ErrUnsupported, "gif"},
		{"tiff", fixture.Magic()["tiff"], ErrUnsupported, "tiff"},
		{"bmp", fixture.Magic()["bmp"], ErrUnsupported, "bmp"},
		{"pdf", fixture.Magic()["pdf"], ErrUnsupported, "pdf"},
		{"png bomb 60000x60000", fixture.PNGHeader(60000, 60000), ErrTooManyPixels, "png"},
	}
	for _, tc := range tests {
		for _, lang := range catalog.Languages() {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				r := check(t, tc.data, Options{Lang: lang})
				if !errors.Is(r.Err, tc.err) {
					t.Fatalf("Err = %v, want %v", r.Err, tc.err)
				}
				if r.Error == "" || r.Pass {
					t.Fatalf("report error %q pass %v", r.Error, r.Pass)
				}
				if tc.format != "" && r.Image.Format != tc.format {
					t.Fatalf("format %q, want %q", r.Image.Format, tc.format)
				}
				f := status(t, r, "format")
				wantFormat := Pass
				if tc.format != "jpeg" && tc.format != "png" {
					wantFormat = Fail
					if f.Fix == "" {
						t.Fatal("format failed without a fix")
					}
				}
				if f.Status != wantFormat {
					t.Fatalf("format check %v, want %v", f.Status, wantFormat)
				}
				english := strings.Contains(r.Error, "The ") || strings.Contains(r.Error, "Image") || strings.Contains(r.Error, "format")
				if (lang == "en") != english {
					t.Fatalf("error %q is not in %s", r.Error, lang)
				}
			})
		}
	}
	if c := status(t, check(t, fixture.Magic()["heic"], Options{}), "format"); !strings.Contains(c.Fix, "iPhone") {
		t.Errorf("HEIC fix does not say how to get a JPG on an iPhone: %q", c.Fix)
	}
}

func TestFileSizeResolutionAspect(t *testing.T) {
	tests := []struct {
		name             string
		w, h             int
		quality          int
		size, res, ratio Status
	}{
		{"small 35x45", 560, 720, 90, Pass, Pass, Pass},
		{"too few pixels", 350, 450, 90, Pass, Fail, Pass},
		{"square", 720, 720, 90, Pass, Pass, Fail},
		{"big file", 1400, 1800, 100, Fail, Pass, Pass},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := noise(tc.w, tc.h, 1)
			r := check(t, fixture.JPEG(img, tc.quality, nil, nil), Options{})
			got := []Status{status(t, r, "file_size").Status, status(t, r, "resolution").Status, status(t, r, "aspect_ratio").Status}
			want := []Status{tc.size, tc.res, tc.ratio}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("file_size, resolution, aspect_ratio = %v, want %v (%d bytes)", got, want, r.Image.Bytes)
				}
			}
		})
	}
}

func TestProfiles(t *testing.T) {
	data := fixture.JPEG(fixture.Gradient(60, 80), 90, nil, nil)
	r := check(t, data, Options{Profile: "icao"})
	for _, id := range []string{"format", "file_size", "dpi", "recency"} {
		if c := status(t, r, id); c.Status != Skip {
			t.Errorf("icao: %s is %v, want skip", id, c.Status)
		}
	}
	if _, err := testValidator(t).Check(t.Context(), "x", data, Options{Profile: "nope"}); !errors.Is(err, ErrUnknownProfile) {
		t.Errorf("unknown profile: err %v", err)
	}
}

// noise is a colourful image that JPEG cannot compress much, and that has
// no plain row or column; seed picks one of many.
func noise(w, h int, seed uint32) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	s := seed
	for i := range img.Pix {
		s = s*1664525 + 1013904223
		img.Pix[i] = uint8(s >> 24)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// TestJPEGDecoder: a JPEG is read as libjpeg reads it. A file libjpeg
// refuses is damaged, not a grey picture to judge; a valid JPEG using a
// feature the decoder lacks is named, in the citizen's language, and not
// called damaged.
func TestJPEGDecoder(t *testing.T) {
	good := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)
	// withStray puts stray bytes after the first segment of data.
	withStray := func(data []byte) []byte {
		segs, rest := fixture.JPEGSegments(data)
		return fixture.JoinJPEG(append([][]byte{segs[0], {0x00, 0x11, 0x22}}, segs[1:]...), rest)
	}
	stray := withStray(good)
	damaged := map[string]string{"it": "danneggiato", "en": "damaged", "de": "beschädigt"}
	for _, tc := range []struct {
		name string
		data []byte
		err  error
		says map[string]string // in each language, part of the error
	}{
		{"no quantisation tables", fixture.WithoutQuantTables(good), ErrUnreadable, damaged},
		// libjpeg warns of the stray bytes first and of nothing after:
		// the damage that follows is still refused.
		{"stray bytes, then cut short", stray[:len(stray)*2/3], ErrUnreadable, damaged},
		{"12-bit samples", fixture.WithFrame(good, 0xc1, 12), ErrUnsupported,
			map[string]string{"it": "campioni a 12 bit", "en": "12-bit samples", "de": "12-Bit-Abtastwerte"}},
		{"lossless", fixture.WithFrame(good, 0xc3, 8), ErrUnsupported,
			map[string]string{"it": "senza perdita", "en": "lossless coding", "de": "verlustfreie Kodierung"}},
		{"12-bit samples after stray bytes", withStray(fixture.WithFrame(good, 0xc1, 12)), ErrUnsupported,
			map[string]string{"it": "campioni a 12 bit", "en": "12-bit samples", "de": "12-Bit-Abtastwerte"}},
	} {
		for _, lang := range catalog.Languages() {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				r := check(t, tc.data, Options{Lang: lang})
				if !errors.Is(r.Err, tc.err) || r.Pass {
					t.Fatalf("Err = %v, pass %v; want %v", r.Err, r.Pass, tc.err)
				}
				if !strings.Contains(r.Error, tc.says[lang]) {
					t.Errorf("error %q does not say %q", r.Error, tc.says[lang])
				}
				if errors.Is(tc.err, ErrUnsupported) && strings.Contains(r.Error, catalog.Say(lang, "check.errorText.file_damaged_or_incomplete")) {
					t.Errorf("a valid file called damaged: %q", r.Error)
				}
				if f := status(t, r, "format"); f.Status != Pass {
					t.Errorf("format %s for a JPEG", f.Status)
				}
			})
		}
	}
}

// TestJPEGWarnings: what libjpeg only warns of and loses no picture with
// is read as before: stray bytes between segments, an unknown JFIF
// revision.
func TestJPEGWarnings(t *testing.T) {
	good := fixture.JPEG(fixture.Gradient(300, 400), 90, &fixture.JFIF{Units: 1, XDen: 300, YDen: 300}, nil)
	segs, rest := fixture.JPEGSegments(good)
	for name, data := range map[string][]byte{
		"stray bytes":           fixture.JoinJPEG(append([][]byte{segs[0], {0x00, 0x11, 0x22}}, segs[1:]...), rest),
		"unknown JFIF revision": bytes.Replace(good, []byte("JFIF\x00\x01\x02"), []byte("JFIF\x00\x02\x01"), 1),
	} {
		if r := check(t, data, Options{}); r.Err != nil {
			t.Errorf("%s: %v", name, r.Err)
		}
	}
}

// TestJPEGCodings: a studio photo encoded by libjpeg with arithmetic
// coding, which image/jpeg cannot read, is checked like its Huffman-coded
// twin: a face found and every check judged to the same verdict. Values
// may differ a little: the arithmetic-coded file's pixels are libjpeg's,
// the other's image/jpeg's, whose IDCTs round apart (see decode). The
// same coding made progressive gets the same report, value for value.
func TestJPEGCodings(t *testing.T) {
	photos, err := faceset.Load(faceset.Require(t), "neutral")
	if err != nil || len(photos) == 0 {
		t.Fatalf("neutral/: %v", err)
	}
	data, err := os.ReadFile(photos[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imaging.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	report := func(args ...string) *Report {
		t.Helper()
		enc, err := fixture.CJPEG(img, append([]string{"-quality", "92"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		r := check(t, enc, Options{Profile: "icao"})
		if r.Err != nil || r.Face == nil {
			t.Fatalf("%v: %v, face %v", args, r.Err, r.Face)
		}
		return r
	}
	same := func(what string, a, b *Report, values bool) {
		t.Helper()
		for i, c := range b.Checks {
			g := a.Checks[i]
			if c.ID == FileSize {
				continue
			}
			if g.ID != c.ID || g.Status != c.Status || (values && fmt.Sprint(g.Value) != fmt.Sprint(c.Value)) {
				t.Errorf("%s: %s %s %v, against %s %v", what, g.ID, g.Status, g.Value, c.Status, c.Value)
			}
		}
	}
	huffman, arith := report(), report("-arithmetic")
	same("arithmetic against Huffman", arith, huffman, false)
	same("progressive against baseline", report("-progressive"), huffman, true)
	same("arithmetic progressive against arithmetic", report("-arithmetic", "-progressive"), arith, true)
}
