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

// cjpeg encodes img with libjpeg-turbo's cjpeg and its options (Debian's
// libjpeg-turbo-progs, which make deps installs).
func cjpeg(t testing.TB, img image.Image, args ...string) []byte {
	t.Helper()
	b := img.Bounds()
	var ppm bytes.Buffer
	fmt.Fprintf(&ppm, "P6\n%d %d\n255\n", b.Dx(), b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			ppm.Write([]byte{uint8(r >> 8), uint8(g >> 8), uint8(bb >> 8)})
		}
	}
	in := filepath.Join(t.TempDir(), "in.ppm")
	if err := os.WriteFile(in, ppm.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("cjpeg", append(args, in)...).Output()
	if err != nil {
		t.Fatalf("cjpeg %v: %v (run `make deps`)", args, err)
	}
	return out
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

// segments splits a JPEG into its marker segments up to the scan, and the
// rest.
func segments(t *testing.T, data []byte) (segs [][]byte, rest []byte) {
	t.Helper()
	i := 2
	for i+4 <= len(data) && data[i+1] != 0xda {
		n := int(data[i+2])<<8 | int(data[i+3])
		segs = append(segs, data[i:i+2+n])
		i += 2 + n
	}
	return segs, data[i:]
}

func join(segs [][]byte, rest []byte) []byte {
	out := []byte{0xff, 0xd8}
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, rest...)
}

// TestRefused: what libjpeg refuses is refused, with its reason; a
// feature this build cannot decode is named.
func TestRefused(t *testing.T) {
	good := encode(t, photo(64, 48), 90)
	segs, rest := segments(t, good)
	var noDQT [][]byte
	var sof int
	for i, s := range segs {
		if s[1] != 0xdb {
			noDQT = append(noDQT, s)
		}
		if s[1] == 0xc0 {
			sof = i
		}
	}
	patched := func(marker byte, precision byte) []byte {
		c := make([][]byte, len(segs))
		copy(c, segs)
		s := bytes.Clone(segs[sof])
		s[1], s[4] = marker, precision
		c[sof] = s
		return join(c, rest)
	}
	corrupt := bytes.Clone(good)
	for i := len(corrupt) - 200; i < len(corrupt)-2; i++ {
		corrupt[i] = 0x55
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		feature Feature // an UnsupportedError's, or 0 for a FormatError
		says    string
	}{
		{"no quantisation tables", join(noDQT, rest), 0, "Quantization table 0x00 was not defined"},
		{"12-bit samples", patched(0xc1, 12), Precision, "12-bit samples"},
		{"lossless", patched(0xc3, 8), Lossless, "lossless coding"},
		{"hierarchical", patched(0xc5, 8), Hierarchical, "hierarchical coding"},
		{"truncated", good[:len(good)*2/3], 0, "Premature end"},
		{"corrupt scan", corrupt, 0, "Corrupt JPEG data"},
		{"not a JPEG", []byte("GIF89a...."), 0, "not a JPEG"},
		{"header only", good[:20], 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data)
			if err == nil {
				t.Fatal("decoded")
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

// TestExtraneousBytes: stray bytes between two segments, which libjpeg and
// image/jpeg both skip with a warning, lose no picture and are read.
func TestExtraneousBytes(t *testing.T) {
	good := encode(t, photo(64, 48), 90)
	segs, rest := segments(t, good)
	stray := append([][]byte{segs[0], {0x00, 0x11, 0x22}}, segs[1:]...)
	data := join(stray, rest)
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, got, want); d != 0 {
		t.Errorf("differs by %d levels", d)
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
