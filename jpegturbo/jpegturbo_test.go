package jpegturbo

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// photo is a made-up picture of w x h pixels with smooth colour and
// some edges, to encode.
func photo(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8((x*255/w + y*3) % 256)
			if (x/16+y/16)%2 == 0 {
				v /= 2
			}
			img.SetNRGBA(x, y, color.NRGBA{v, uint8(y * 255 / h), uint8(255 - x*255/w), 255})
		}
	}
	return img
}

func encode(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func cjpeg(t testing.TB, img image.Image, args ...string) []byte {
	t.Helper()
	data, err := fixture.CJPEG(img, args...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// maxDiff is the largest difference of any channel between a and b,
// compared as 8-bit RGB.
func maxDiff(t *testing.T, a, b image.Image) int {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v and %v", a.Bounds(), b.Bounds())
	}
	worst := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			for _, d := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
				worst = max(worst, d, -d)
			}
		}
	}
	return worst
}

// TestAgainstImageJPEG decodes the layouts both decoders read and compares
// them with image/jpeg: the same image type and size, pixels within the
// rounding of two implementations of the same integer IDCT.
func TestAgainstImageJPEG(t *testing.T) {
	src := photo(101, 77) // odd sides: padded planes
	gray := image.NewGray(src.Rect)
	for i := range gray.Pix {
		gray.Pix[i] = src.Pix[4*i]
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		model color.Model
	}{
		{"4:2:0 (image/jpeg)", encode(t, src, 90), color.YCbCrModel},
		{"grayscale (image/jpeg)", encode(t, gray, 90), color.GrayModel},
		{"4:4:4", cjpeg(t, src, "-sample", "1x1"), color.YCbCrModel},
		{"4:2:2", cjpeg(t, src, "-sample", "2x1"), color.YCbCrModel},
		{"4:4:0", cjpeg(t, src, "-sample", "1x2"), color.YCbCrModel},
		{"progressive", cjpeg(t, src, "-progressive"), color.YCbCrModel},
		{"restart markers", cjpeg(t, src, "-restart", "1"), color.YCbCrModel},
		{"optimised Huffman", cjpeg(t, src, "-optimize"), color.YCbCrModel},
		{"RGB colour space", cjpeg(t, src, "-rgb"), color.RGBAModel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := DecodeConfig(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != 101 || cfg.Height != 77 || cfg.ColorModel != tc.model {
				t.Errorf("config %+v", cfg)
			}
			if err := Verify(tc.data); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			got, err := Decode(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if got.ColorModel() != tc.model {
				t.Errorf("decoded as %T", got)
			}
			want, err := jpeg.Decode(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			// Go's YCbCr-to-RGB conversion and libjpeg's IDCT round
			// differently by a level or two; a misplaced plane or a wrong
			// stride differs by tens.
			if d := maxDiff(t, got, want); d > 3 {
				t.Errorf("differs from image/jpeg by up to %d levels", d)
			}
		})
	}
}

// TestArithmetic: an arithmetic-coded JPEG, valid and read by libjpeg,
// which image/jpeg refuses, decodes to the picture its Huffman-coded twin
// holds.
func TestArithmetic(t *testing.T) {
	src := photo(64, 48)
	arith := cjpeg(t, src, "-arithmetic")
	if _, err := jpeg.Decode(bytes.NewReader(arith)); err == nil {
		t.Log("image/jpeg now reads arithmetic coding")
	}
	got, err := Decode(arith)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode(cjpeg(t, src))
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, got, want); d != 0 {
		t.Errorf("differs from the Huffman-coded file by %d levels", d)
	}
}

// TestRefused: what libjpeg refuses is refused, with its reason; a
// feature this build cannot decode is named.
func TestRefused(t *testing.T) {
	good := encode(t, photo(64, 48), 90)
	corrupt := bytes.Clone(good)
	for i := len(corrupt) - 200; i < len(corrupt)-2; i++ {
		corrupt[i] = 0x55
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		feature Feature // an UnsupportedError's, or 0 for a FormatError
		says    string
		verify  bool // Verify refuses it too: libjpeg refuses outright, not with a warning
	}{
		{"no quantisation tables", fixture.WithoutQuantTables(good), 0, "Quantization table 0x00 was not defined", true},
		{"12-bit samples", fixture.WithFrame(good, 0xc1, 12), Precision, "12-bit samples", true},
		{"lossless", fixture.WithFrame(good, 0xc3, 8), Lossless, "lossless coding", true},
		// Precision 0 is no feature but damage: libjpeg's to refuse.
		{"0-bit samples", fixture.WithFrame(good, 0xc0, 0), 0, "precision 0", true},
		{"hierarchical", fixture.WithFrame(good, 0xc5, 8), Hierarchical, "hierarchical coding", true},
		{"truncated", good[:len(good)*2/3], 0, "Premature end", false},
		{"corrupt scan", corrupt, 0, "Corrupt JPEG data", false},
		{"not a JPEG", []byte("GIF89a...."), 0, "not a JPEG", true},
		{"header only", good[:20], 0, "a picture of 0x0 pixels", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data)
			if err == nil {
				t.Fatal("decoded")
			}
			if verr := Verify(tc.data); (verr != nil) != tc.verify {
				t.Errorf("Verify: %v, want refused %v", verr, tc.verify)
			}
			var u *UnsupportedError
			unsupported := errors.As(err, &u)
			if tc.feature != 0 {
				if !unsupported || u.Feature != tc.feature || !strings.Contains(err.Error(), tc.says) {
					t.Errorf("error %v, want unsupported %v saying %q", err, tc.feature, tc.says)
				}
				return
			}
			var fe FormatError
			if unsupported || !asFormat(err, &fe) || !strings.Contains(string(fe), tc.says) {
				t.Errorf("error %v, want a FormatError saying %q", err, tc.says)
			}
		})
	}
}

func asFormat(err error, fe *FormatError) bool {
	f, ok := err.(FormatError)
	*fe = f
	return ok
}

// TestWarnings: a warning is no refusal for Verify (libjpeg reads on),
// and Decode stops at it. Stray bytes between two segments lose no
// picture, image/jpeg skips them too, and validate decodes such a file
// with image/jpeg; the same bytes before damage must not let the damage
// through (libjpeg keeps the text of its first warning only).
func TestWarnings(t *testing.T) {
	good := encode(t, photo(64, 48), 90)
	segs, rest := fixture.JPEGSegments(good)
	stray := fixture.JoinJPEG(append([][]byte{segs[0], {0x00, 0x11, 0x22}}, segs[1:]...), rest)
	jfif := fixture.JPEG(photo(64, 48), 90, &fixture.JFIF{Units: 1, XDen: 300, YDen: 300}, nil)
	jfif2 := bytes.Replace(jfif, []byte("JFIF\x00\x01\x02"), []byte("JFIF\x00\x02\x01"), 1)
	for _, tc := range []struct {
		name  string
		data  []byte
		says  string // Decode's error
		fatal bool   // Verify refuses
	}{
		{"stray bytes", stray, "extraneous bytes", false},
		{"stray bytes, then cut short", stray[:len(stray)*2/3], "extraneous bytes", false},
		{"an unknown JFIF revision", jfif2, "JFIF revision", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Verify(tc.data); (err != nil) != tc.fatal {
				t.Errorf("Verify: %v", err)
			}
			if _, err := Decode(tc.data); err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Decode: %v, want an error saying %q", err, tc.says)
			}
			if _, err := DecodeConfig(tc.data); err != nil {
				t.Errorf("DecodeConfig: %v", err)
			}
		})
	}
	// Go's own decoder reads the whole ones, as validate does.
	for _, data := range [][]byte{stray, jfif2} {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("image/jpeg: %v", err)
		}
	}
}

// FuzzDecode: no bytes crash the decoder or hang it, and what it decodes
// has the size its header says.
func FuzzDecode(f *testing.F) {
	f.Add(encode(f, photo(16, 16), 50))
	f.Add(cjpeg(f, photo(16, 16), "-progressive"))
	f.Add(cjpeg(f, photo(16, 16), "-arithmetic"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Verify(data)
		cfg, err := DecodeConfig(data)
		if err != nil || cfg.Width*cfg.Height > 1<<22 {
			return
		}
		img, err := Decode(data)
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
			t.Errorf("decoded %v, header %dx%d", b, cfg.Width, cfg.Height)
		}
	})
}

// BenchmarkRead: a 560x720 photo (an ID photo's size) read by image/jpeg,
// decoded by libjpeg, and verified by libjpeg (every coefficient, no
// pixel).
func BenchmarkRead(b *testing.B) {
	data := encode(b, photo(560, 720), 90)
	b.Run("image-jpeg", func(b *testing.B) {
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if err := Verify(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestUnnamedLayout: a chroma subsampling TurboJPEG has no name for
// (4:1:0, or each component its own) is no damage: Verify reads it with
// libjpeg and lets it through for image/jpeg to decode, and DecodeConfig
// says why it cannot. Without its quantisation tables it is refused all
// the same, as in any layout.
func TestUnnamedLayout(t *testing.T) {
	for _, sample := range []string{"4x2,1x1,1x1", "1x1,2x2,1x1"} {
		data := cjpeg(t, photo(64, 48), "-sample", sample)
		if err := Verify(data); err != nil {
			t.Errorf("%s: Verify: %v", sample, err)
		}
		if _, err := DecodeConfig(data); err == nil {
			t.Errorf("%s: DecodeConfig named a layout TurboJPEG cannot", sample)
		}
		if sample == "4x2,1x1,1x1" {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: image/jpeg: %v", sample, err)
			}
		}
		if err := Verify(fixture.WithoutQuantTables(data)); err == nil || !strings.Contains(err.Error(), "Quantization table") {
			t.Errorf("%s without quantisation tables: Verify %v", sample, err)
		}
	}
}

// manyScans is img as a grey progressive JPEG of n scans (at most 100,
// jpegtran's bound on a script; at least 64): the DC, each AC coefficient
// in a band of its own at half precision, then the last bit of as many of
// them as make n. Each scan visits every block.
func manyScans(t *testing.T, img image.Image, n int) []byte {
	t.Helper()
	var script strings.Builder
	script.WriteString("0: 0-0, 0, 0;\n")
	for k := 1; k < 64; k++ {
		fmt.Fprintf(&script, "0: %d-%d, 0, 1;\n", k, k)
	}
	for k := 1; k <= n-64; k++ {
		fmt.Fprintf(&script, "0: %d-%d, 1, 0;\n", k, k)
	}
	dir := t.TempDir()
	in, scr, out := filepath.Join(dir, "in.jpg"), filepath.Join(dir, "scans.txt"), filepath.Join(dir, "out.jpg")
	if err := os.WriteFile(in, cjpeg(t, img, "-grayscale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(scr, []byte(script.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("jpegtran", "-scans", scr, "-outfile", out, in).CombinedOutput(); err != nil {
		t.Fatalf("jpegtran -scans: %v: %s (run `make deps`)", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestScanWork: a progressive JPEG whose scans together visit more blocks
// than MaxScanBlocks is refused by Verify as ManyScans, before it has
// read them all; the same scans over a smaller picture, and an ordinary
// progressive photo, are read.
func TestScanWork(t *testing.T) {
	grey := func(w, h int) image.Image {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = byte(i % 251)
		}
		return g
	}
	for _, tc := range []struct {
		name    string
		w, h    int
		refused bool
	}{
		// 100 scans of 495,616 blocks: 49.6 million visits.
		{"100 scans over 5632x5632", 5632, 5632, true},
		// The same scans of 65,536 blocks: 6.6 million.
		{"100 scans over 2048x2048", 2048, 2048, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := manyScans(t, grey(tc.w, tc.h), 100)
			start := time.Now()
			err := Verify(data)
			t.Logf("%d blocks a scan: %v in %v", tc.w*tc.h/64, err, time.Since(start))
			var u *UnsupportedError
			if refused := errors.As(err, &u) && u.Feature == ManyScans; refused != tc.refused {
				t.Fatalf("Verify: %v, want refused as ManyScans %v", err, tc.refused)
			}
			if !tc.refused && err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
	if err := Verify(cjpeg(t, photo(4000, 3000), "-progressive")); err != nil {
		t.Errorf("a progressive 12-megapixel photo: %v", err)
	}
}
