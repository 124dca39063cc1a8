package printsheet

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"image/jpeg"
)

// sizeTolerance is how far a printed copy may be from its size: half a
// millimetre (issue 11), under what a clerk's ruler reads.
const sizeTolerance = 0.5

// minCopies is the fewest copies a 35x45 mm sheet must carry (issue 11).
const minCopies = 4

// testPhoto is a 551x709 photo of one flat colour, easy to find on the
// sheet.
func testPhoto() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 551, 709))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{30, 80, 200, 255})
	}
	return img
}

// isPhoto tells the test photo's blue from the white sheet and the black
// marks (JPEG leaves the colour a few levels off).
func isPhoto(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return b>>8 > 150 && r>>8 < 90 && g>>8 < 130
}

// copies finds the test photo's copies on a rendered sheet: the bounding
// boxes of its connected runs of photo pixels, in pixels.
func copies(img image.Image) []image.Rectangle {
	b := img.Bounds()
	seen := make([]bool, b.Dx()*b.Dy())
	var out []image.Rectangle
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			i := (y-b.Min.Y)*b.Dx() + x - b.Min.X
			if seen[i] || !isPhoto(img.At(x, y)) {
				continue
			}
			// Flood the component.
			r := image.Rect(x, y, x+1, y+1)
			stack := []image.Point{{x, y}}
			seen[i] = true
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				r = r.Union(image.Rect(p.X, p.Y, p.X+1, p.Y+1))
				for _, d := range []image.Point{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
					q := p.Add(d)
					if !q.In(b) {
						continue
					}
					j := (q.Y-b.Min.Y)*b.Dx() + q.X - b.Min.X
					if !seen[j] && isPhoto(img.At(q.X, q.Y)) {
						seen[j] = true
						stack = append(stack, q)
					}
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// jfifDPI reads the density a JPEG declares in its JFIF segment (units 1,
// dots per inch), 0 when it declares none.
func jfifDPI(data []byte) int {
	if len(data) < 20 || data[2] != 0xFF || data[3] != 0xE0 || string(data[6:11]) != "JFIF\x00" || data[13] != 1 {
		return 0
	}
	x, y := binary.BigEndian.Uint16(data[14:]), binary.BigEndian.Uint16(data[16:])
	if x != y {
		return 0
	}
	return int(x)
}

// measureSheet checks a rendered sheet of dpi: its size is 10x15 cm and
// every copy of the test photo on it is w x h mm within sizeTolerance,
// with at least minCopies of them, none touching the sheet's edge.
func measureSheet(t *testing.T, img image.Image, dpi int, w, h float64) {
	t.Helper()
	mm := func(px int) float64 { return float64(px) / float64(dpi) * 25.4 }
	b := img.Bounds()
	if math.Abs(mm(b.Dx())-100) > sizeTolerance || math.Abs(mm(b.Dy())-150) > sizeTolerance {
		t.Errorf("sheet %dx%d px at %d DPI is %.1fx%.1f mm, want 100x150", b.Dx(), b.Dy(), dpi, mm(b.Dx()), mm(b.Dy()))
	}
	found := copies(img)
	if len(found) < minCopies {
		t.Fatalf("%d copies on the sheet, want at least %d", len(found), minCopies)
	}
	for _, r := range found {
		gw, gh := mm(r.Dx()), mm(r.Dy())
		if math.Abs(gw-w) > sizeTolerance || math.Abs(gh-h) > sizeTolerance {
			t.Errorf("copy at %v prints %.2fx%.2f mm, want %gx%g within %.1f", r.Min, gw, gh, w, h, sizeTolerance)
		}
		if r.Min.X == b.Min.X || r.Min.Y == b.Min.Y || r.Max.X == b.Max.X || r.Max.Y == b.Max.Y {
			t.Errorf("copy at %v touches the sheet's edge", r)
		}
	}
	t.Logf("%d copies, the first %dx%d px = %.2fx%.2f mm at %d DPI", len(found), found[0].Dx(), found[0].Dy(), mm(found[0].Dx()), mm(found[0].Dy()), dpi)
}

// TestJPEGSheet measures the photo's printed size on the JPEG sheet at the
// DPI the file declares, for the CIE's 35x45 mm and another size.
func TestJPEGSheet(t *testing.T) {
	for _, tc := range []struct{ w, h float64 }{{35, 45}, {40, 50}} {
		data, err := JPEG(testPhoto(), tc.w, tc.h)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 1181 || b.Dy() != 1772 {
			t.Errorf("sheet %v, want 1181x1772 (10x15 cm at 300 DPI, portrait)", b)
		}
		dpi := jfifDPI(data)
		if dpi != 300 {
			t.Fatalf("the sheet declares %d DPI, want 300", dpi)
		}
		measureSheet(t, img, dpi, tc.w, tc.h)
	}
}

// TestPDFSheet renders the PDF sheet with poppler's pdftoppm at 300 DPI,
// as a printer at actual size would, and measures the copies.
func TestPDFSheet(t *testing.T) {
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Fatal("pdftoppm not found: make deps installs poppler-utils")
	}
	data, err := PDF(testPhoto(), 35, 45)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "sheet.pdf")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-r", "300", "-png", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	measureSheet(t, img, 300, 35, 45)
	// The same file for the same photo.
	again, err := PDF(testPhoto(), 35, 45)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("a second PDF of the same photo differs (err %v)", err)
	}
}

// TestLayout checks the copies lie on the sheet, apart, with room for the
// cut marks, and that a photo larger than the sheet is refused.
func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		w, h float64
		want int
	}{{35, 45, 6}, {40, 50, 4}, {50, 70, 2}} {
		places, err := Layout(tc.w, tc.h)
		if err != nil {
			t.Fatal(err)
		}
		if len(places) != tc.want {
			t.Errorf("%gx%g: %d copies, want %d", tc.w, tc.h, len(places), tc.want)
		}
		for i, a := range places {
			for _, m := range marks(a) {
				for _, v := range []float64{m[0], m[2]} {
					if v < 0 || v > SheetWidthMM {
						t.Errorf("%gx%g: a mark of copy %d leaves the sheet: %v", tc.w, tc.h, i, m)
					}
				}
				for _, v := range []float64{m[1], m[3]} {
					if v < 0 || v > SheetHeightMM {
						t.Errorf("%gx%g: a mark of copy %d leaves the sheet: %v", tc.w, tc.h, i, m)
					}
				}
			}
			for _, b := range places[i+1:] {
				// Apart by at least both copies' marks.
				dx := math.Max(b.X-(a.X+a.W), a.X-(b.X+b.W))
				dy := math.Max(b.Y-(a.Y+a.H), a.Y-(b.Y+b.H))
				if math.Max(dx, dy) < 2*(markOffset+markLength) {
					t.Errorf("%gx%g: copies %v and %v are %.1f mm apart", tc.w, tc.h, a, b, math.Max(dx, dy))
				}
			}
		}
	}
	if _, err := Layout(120, 160); err == nil {
		t.Error("a 120x160 mm photo was laid out on a 100x150 mm sheet")
	}
}
