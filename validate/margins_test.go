package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/internal/faceset"
)

// innerOf is inner with a context that is never done.
func innerOf(t *testing.T, img image.Image) image.Rectangle {
	t.Helper()
	r, err := inner(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// frame is a plain frame around a picture: its colour and its width on
// each side.
type frame struct {
	c                        color.NRGBA
	left, top, right, bottom int
}

// framed returns img inside the frames, the first innermost, and where
// img's top-left corner lies in the result.
func framed(img image.Image, frames ...frame) (*image.NRGBA, image.Point) {
	out := imaging.Clone(img)
	at := image.Point{}
	for _, f := range frames {
		b := out.Bounds()
		next := imaging.New(b.Dx()+f.left+f.right, b.Dy()+f.top+f.bottom, f.c)
		out = imaging.Paste(next, out, image.Pt(f.left, f.top))
		at = at.Add(image.Pt(f.left, f.top))
	}
	return out, at
}

var (
	white = color.NRGBA{255, 255, 255, 255}
	black = color.NRGBA{0, 0, 0, 255}
	grey  = color.NRGBA{128, 128, 128, 255}
)

func TestInner(t *testing.T) {
	pic := noise(40, 30, 1)
	whole := image.Rect(0, 0, 40, 30)
	// A picture whose top row is one colour, the colour of no frame.
	striped := imaging.Clone(pic)
	draw.Draw(striped, image.Rect(0, 0, 40, 1), image.NewUniform(grey), image.Point{}, draw.Src)
	for _, c := range []struct {
		name   string
		img    image.Image
		frames []frame
		want   image.Rectangle // in pixels of img
	}{
		{"no margin", pic, nil, whole},
		{"white border", pic, []frame{{white, 5, 5, 5, 5}}, whole},
		{"letterbox", pic, []frame{{black, 0, 12, 0, 9}}, whole},
		{"one side", pic, []frame{{white, 0, 0, 3, 0}}, whole},
		{"black inside white", pic, []frame{{black, 0, 6, 0, 6}, {white, 4, 4, 4, 4}}, whole},
		{"same colour twice", pic, []frame{{grey, 2, 0, 2, 0}, {grey, 0, 3, 0, 3}}, whole},
		{"a plain row of the picture", striped, nil, image.Rect(0, 1, 40, 30)},
		{"a plain row in a border", striped, []frame{{white, 7, 7, 7, 7}}, image.Rect(0, 1, 40, 30)},
		{"a plain row in its own colour", striped, []frame{{grey, 7, 7, 7, 7}}, image.Rect(0, 1, 40, 30)},
		{"one colour", imaging.New(20, 10, white), nil, image.Rect(0, 0, 20, 10)},
	} {
		t.Run(c.name, func(t *testing.T) {
			img, at := framed(c.img, c.frames...)
			if got, want := innerOf(t, img), c.want.Add(at); got != want {
				t.Errorf("inner = %v, want %v", got, want)
			}
		})
	}
}

// TestInnerLayouts checks inner on the decoded layouts: a JPEG's YCbCr,
// gray, RGBA, CMYK, a type with no method but image.Image's, an image off
// the origin and a sub-image.
func TestInnerLayouts(t *testing.T) {
	pic := noise(48, 32, 2)
	img, at := framed(pic, frame{white, 8, 16, 8, 16})
	want := pic.Bounds().Add(at)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, image.Point{}, draw.Src)
	gray := image.NewGray(img.Bounds())
	draw.Draw(gray, gray.Rect, img, image.Point{}, draw.Src)
	// YCbCr 4:4:4 with the frame's colour exact (white: Y 255, Cb Cr 128).
	ycc := image.NewYCbCr(img.Bounds(), image.YCbCrSubsampleRatio444)
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			c := img.NRGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)], ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = yy, cb, cr
		}
	}
	off := image.Rect(100, 200, 100+img.Rect.Dx(), 200+img.Rect.Dy())
	moved := image.NewNRGBA(off)
	draw.Draw(moved, off, img, image.Point{}, draw.Src)
	for _, c := range []struct {
		name string
		img  image.Image
		want image.Rectangle
	}{
		{"NRGBA", img, want},
		{"RGBA", rgba, want},
		{"Gray", gray, want},
		{"YCbCr", ycc, want},
		{"off the origin", moved, want.Add(off.Min)},
		{"sub-image", img.SubImage(image.Rect(4, 4, 60, 60)), want},
		{"CMYK", cmyk(img), want},
		{"generic (At only)", atOnly{img}, want},
	} {
		if got := innerOf(t, c.img); got != c.want {
			t.Errorf("%s: inner = %v, want %v", c.name, got, c.want)
		}
	}
}

// atOnly hides every method of an image but image.Image's.
type atOnly struct{ m image.Image }

func (a atOnly) ColorModel() color.Model { return a.m.ColorModel() }
func (a atOnly) Bounds() image.Rectangle { return a.m.Bounds() }
func (a atOnly) At(x, y int) color.Color { return a.m.At(x, y) }

// cmyk is img in CMYK, as a CMYK JPEG decodes.
func cmyk(img image.Image) *image.CMYK {
	out := image.NewCMYK(img.Bounds())
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Src)
	return out
}

// TestInnerYCbCr checks that a JPEG's YCbCr peels as a PNG of its 8-bit
// colours does, in every chroma layout: random pictures in a plain frame
// whose edges fall on any pixel, so that a chroma sample may straddle
// frame and picture, the frame drawn in two YCbCr triples that convert to
// one colour (each chroma sample and the pixels sharing it in one).
func TestInnerYCbCr(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var twin [2]color.YCbCr
	seen := map[[3]uint8]color.YCbCr{}
	for twin[1] == (color.YCbCr{}) {
		c := color.YCbCr{Y: uint8(rng.IntN(256)), Cb: uint8(rng.IntN(256)), Cr: uint8(rng.IntN(256))}
		r, g, b := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
		if o, ok := seen[[3]uint8{r, g, b}]; ok && o != c {
			twin = [2]color.YCbCr{o, c}
		}
		seen[[3]uint8{r, g, b}] = c
	}
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	exact := 0
	for i := range 300 {
		ratio := ratios[i%len(ratios)]
		w, h := 12+rng.IntN(24), 12+rng.IntN(24)
		r := image.Rect(3, 1, 3+w, 1+h) // off the origin, odd
		m := image.NewYCbCr(r, ratio)
		pic := image.Rect(r.Min.X+1+rng.IntN(5), r.Min.Y+1+rng.IntN(5), r.Max.X-1-rng.IntN(5), r.Max.Y-1-rng.IntN(5))
		// The frame: each chroma sample and its pixels in one twin.
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				ci := m.COffset(x, y)
				c := twin[ci%2]
				m.Y[m.YOffset(x, y)], m.Cb[ci], m.Cr[ci] = c.Y, c.Cb, c.Cr
			}
		}
		// The picture: random samples, its chroma spilling onto the
		// frame's pixels that share a sample with it.
		for y := pic.Min.Y; y < pic.Max.Y; y++ {
			for x := pic.Min.X; x < pic.Max.X; x++ {
				ci := m.COffset(x, y)
				m.Y[m.YOffset(x, y)], m.Cb[ci], m.Cr[ci] = uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))
			}
		}
		rgb := image.NewNRGBA(r)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				c := m.YCbCrAt(x, y)
				rr, gg, bb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
				rgb.SetNRGBA(x, y, color.NRGBA{rr, gg, bb, 0xff})
			}
		}
		got, want := innerOf(t, m), innerOf(t, rgb)
		if got != want {
			t.Fatalf("case %d (%v): YCbCr peels to %v, its colours to %v (picture %v)", i, ratio, got, want, pic)
		}
		if want == r {
			t.Fatalf("case %d (%v): nothing peeled off the frame round %v", i, ratio, pic)
		}
		if want == pic {
			exact++
		}
	}
	// 4:4:4 peels to the picture every time (50 cases); the others where
	// no chroma sample straddles its edges.
	if exact < 300/len(ratios) {
		t.Errorf("the frame peeled exactly off the picture in %d of 300 cases", exact)
	}
}

// TestInnerChannels: a picture whose pixels differ from its frame's, and
// from each other, in one channel only (red, green, blue or alpha, by one
// level: a chequer of the two colours) is not peeled, in every layout that
// can hold the difference.
func TestInnerChannels(t *testing.T) {
	block := image.Rect(3, 4, 8, 7)
	for ch := range 4 {
		c := white
		switch ch {
		case 0:
			c.R--
		case 1:
			c.G--
		case 2:
			c.B--
		default:
			c.A--
		}
		src := imaging.New(12, 10, white)
		for y := block.Min.Y; y < block.Max.Y; y++ {
			for x := block.Min.X; x < block.Max.X; x++ {
				if (x+y)%2 == 0 {
					src.SetNRGBA(x, y, c)
				}
			}
		}
		for _, m := range []draw.Image{
			image.NewNRGBA(src.Rect), image.NewRGBA(src.Rect), image.NewNRGBA64(src.Rect),
			image.NewRGBA64(src.Rect), image.NewCMYK(src.Rect), image.NewPaletted(src.Rect, color.Palette{white, c}),
		} {
			draw.Draw(m, m.Bounds(), src, image.Point{}, draw.Src)
			// Where the layout keeps the difference (CMYK has no alpha).
			r0, g0, b0, a0 := m.At(0, 0).RGBA()
			r1, g1, b1, a1 := m.At(block.Min.X+1, block.Min.Y).RGBA() // one of c
			if r0 == r1 && g0 == g1 && b0 == b1 && a0 == a1 {
				continue
			}
			for _, img := range []image.Image{m, atOnly{m}} {
				if got := innerOf(t, img); got != block {
					t.Errorf("channel %d, %T: inner = %v, want %v", ch, img, got, block)
				}
			}
		}
	}
}

// TestWithin checks the view of a photo cut to a rectangle, also of an
// image that has no SubImage method.
func TestWithin(t *testing.T) {
	pic := noise(20, 16, 11)
	r := image.Rect(3, 2, 15, 11)
	for _, img := range []image.Image{pic, atOnly{pic}} {
		ph := &photo{img: img, gray: gray(pic)}
		seen := ph.within(r)
		if seen.img.Bounds() != r || seen.gray.Rect != r {
			t.Errorf("%T: bounds %v and %v, want %v", img, seen.img.Bounds(), seen.gray.Rect, r)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if seen.img.At(x, y) != pic.At(x, y) || seen.gray.GrayAt(x, y) != ph.gray.GrayAt(x, y) {
					t.Fatalf("%T: (%d, %d) reads otherwise in the view", img, x, y)
				}
			}
		}
		if ph.within(pic.Rect) != ph {
			t.Errorf("%T: the view of the whole photo is not the photo", img)
		}
	}
}

// TestInnerCancel: a done context stops the peeling with its error.
func TestInnerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	img, _ := framed(noise(30, 20, 9), frame{white, 4, 4, 4, 4})
	if _, err := inner(ctx, img); !errors.Is(err, context.Canceled) {
		t.Errorf("inner on a done context: %v, want %v", err, context.Canceled)
	}
}

// TestInnerFrames: whatever plain frames are put round a picture, in any
// colours and widths, inner finds the picture's own inner rectangle,
// moved; pictures with plain edge lines of their own included. It would
// fail if the order of peeling mattered (one pass, or one side at a time).
func TestInnerFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	colours := []color.NRGBA{white, black, grey}
	for i := range 500 {
		pic := noise(6+rng.IntN(20), 6+rng.IntN(20), uint32(i))
		// Plain lines of the picture's own at some of its edges.
		for range rng.IntN(4) {
			c := colours[rng.IntN(len(colours))]
			b := pic.Bounds()
			var r image.Rectangle
			switch rng.IntN(4) {
			case 0:
				r = image.Rect(0, 0, b.Dx(), 1+rng.IntN(2))
			case 1:
				r = image.Rect(0, b.Dy()-1-rng.IntN(2), b.Dx(), b.Dy())
			case 2:
				r = image.Rect(0, 0, 1+rng.IntN(2), b.Dy())
			default:
				r = image.Rect(b.Dx()-1-rng.IntN(2), 0, b.Dx(), b.Dy())
			}
			draw.Draw(pic, r, image.NewUniform(c), image.Point{}, draw.Src)
		}
		var frames []frame
		for range 1 + rng.IntN(3) {
			frames = append(frames, frame{colours[rng.IntN(len(colours))], rng.IntN(4), rng.IntN(4), rng.IntN(4), rng.IntN(4)})
		}
		img, at := framed(pic, frames...)
		// At most two lines a side are drawn over a picture at least six
		// pixels a side: a core of noise is left, so it never peels away
		// (where inner returns the bounds, not a rectangle to move).
		want := innerOf(t, pic)
		if got := innerOf(t, img); got != want.Add(at) {
			t.Fatalf("case %d: inner of the framed picture = %v, want %v (the picture's %v moved by %v; frames %v)", i, got, want.Add(at), want, at, frames)
		}
	}
}

// TestPlainBorderFaceChecks puts real photos in plain borders (white, a
// black letterbox, a grey mat inside a white page, uneven) and checks that
// every face check, the checks of the face itself, gives the same verdict
// and value as on the photo alone. The photos are those of
// ../shared/faces whose face checks a white border changed before the
// face engine was handed the photo inside its plain margins (faces the
// HOG detector finds, faces only the second detector finds, faces cut by
// the photo's edge), and two portraits cut through the brows, where the
// measures round the eyes reach past the photo's edge: alone they read
// nothing there, in a border they read the border unless they too see the
// photo inside its margins (eyes_visible failed on both).
func TestPlainBorderFaceChecks(t *testing.T) {
	t.Parallel() // real photos, slow: the face tests share the cores
	dir := faceset.Require(t)
	photos := []struct {
		path string
		top  int // rows cut off the top
	}{
		{"wild/cew_closed_eyes/closed_eye_0501_f2.jpg", 0}, {"wild/deca/examples_alfw1.png", 0},
		{"wild/deepface/img16.jpg", 0}, {"wild/face_recognition/32bit.png", 0}, {"wild/glasses_detector/0.jpg", 0},
		{"wild/old_photos/h.png", 0}, {"wild/openface/clapton-1.jpg", 0},
		{"wild/selfies_sunglasses/selfies_3_images_292.jpeg", 0}, {"wild/selfies_sunglasses/selfies_4_images_395.jpeg", 0},
		{"smiling/013_08.jpg", 0},
		// Cut between the brows and the eyes.
		{"smiling/012_08.jpg", 648},
		{"neutral/024_03.jpg", 573},
	}
	borders := []struct {
		name   string
		frames func(b image.Rectangle) []frame
	}{
		{"white tenth", func(b image.Rectangle) []frame {
			w := min(b.Dx(), b.Dy()) / 10
			return []frame{{white, w, w, w, w}}
		}},
		{"black letterbox", func(b image.Rectangle) []frame {
			h := b.Dy() / 5
			return []frame{{black, 0, h, 0, h}}
		}},
		{"grey mat on a white page", func(b image.Rectangle) []frame {
			return []frame{{grey, 9, 9, 9, 9}, {white, b.Dx() / 3, 17, 5, b.Dy() / 2}}
		}},
	}
	v := testValidator(t)
	opts := Options{Profile: "icao", Lang: "en", Now: testNow}
	report := func(name string, img image.Image) *Report {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		r, err := v.Check(context.Background(), name, buf.Bytes(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, p := range photos {
		path := filepath.Join(dir, p.path)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		src, err := imaging.Open(path, imaging.AutoOrientation(true))
		if err != nil {
			t.Fatal(err)
		}
		// 8-bit RGB, as the bordered copies are: a PNG of a JPEG's YCbCr
		// is written in 16 bits, whose luma rounds differently.
		b := src.Bounds()
		img := imaging.Crop(src, image.Rect(b.Min.X, b.Min.Y+p.top, b.Max.X, b.Max.Y))
		name := fmt.Sprintf("%s cut %d rows", p.path, p.top)
		alone := report(name, img)
		if alone.Face == nil {
			t.Errorf("%s: no face alone", name)
			continue
		}
		for _, bd := range borders {
			in, _ := framed(img, bd.frames(img.Bounds())...)
			got := report(name, in)
			for _, c := range Checks() {
				if (c.Stage != StageFace && c.Stage != StageFeatures) || c.Fixable {
					continue
				}
				a, b := status(t, alone, c.ID), status(t, got, c.ID)
				if a.Status != b.Status || !reflect.DeepEqual(a.Value, b.Value) {
					t.Errorf("%s in a %s: %s %s (%v), alone %s (%v)", name, bd.name, c.ID, b.Status, b.Value, a.Status, a.Value)
				}
			}
		}
	}
}
