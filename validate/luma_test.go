package validate

import (
	"image"
	"image/color"
	"testing"
)

// TestYCbCrLuma holds ycbcrLuma to the luma of color.YCbCrToRGB's colours
// on every colour a JPEG can hold, in every chroma layout and off the
// origin: a JPEG and a PNG of its pixels must read the same luma.
func TestYCbCrLuma(t *testing.T) {
	want := func(y, cb, cr uint8) uint8 {
		r, g, b := color.YCbCrToRGB(y, cb, cr)
		return colorGray(color.RGBA{r, g, b, 255}) // the luma of any colour
	}
	// Every colour: 256 rows of 65536 pixels, one (Cb, Cr) each, Y by row.
	m := image.NewYCbCr(image.Rect(0, 0, 65536, 1), image.YCbCrSubsampleRatio444)
	for y := range 256 {
		for i := range 65536 {
			m.Y[i], m.Cb[i], m.Cr[i] = uint8(y), uint8(i>>8), uint8(i)
		}
		got := ycbcrLuma(m)
		for i := range 65536 {
			if w := want(uint8(y), uint8(i>>8), uint8(i)); got.Pix[i] != w {
				t.Fatalf("Y %d Cb %d Cr %d: luma %d, want %d", y, i>>8, uint8(i), got.Pix[i], w)
			}
		}
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		m := image.NewYCbCr(image.Rect(3, 5, 4100+3, 21), ratio) // off the origin, odd
		if ratio == image.YCbCrSubsampleRatio420 {
			// And left of and above it, as a sub-image may be.
			m = image.NewYCbCr(image.Rect(-7, -5, 61, 30), ratio)
		}
		for i := range m.Y {
			m.Y[i] = uint8(i * 7)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(i*13), uint8(i*29+1)
		}
		got := ycbcrLuma(m)
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
				c := m.YCbCrAt(x, y)
				if g, w := got.GrayAt(x, y).Y, want(c.Y, c.Cb, c.Cr); g != w {
					t.Fatalf("%v at (%d, %d): luma %d, want %d", ratio, x, y, g, w)
				}
			}
		}
	}
}

func BenchmarkYCbCrLuma12MP(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = uint8(i)
	}
	for b.Loop() {
		ycbcrLuma(m)
	}
}

// TestRGBALuma holds gray of RGBA and opaque NRGBA pixels to colorGray,
// the luma of any colour, off the origin too.
func TestRGBALuma(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(-3, 2, 300, 260))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i*7 + i/3)
		if i%4 == 3 {
			rgba.Pix[i] = 255
		}
	}
	nrgba := &image.NRGBA{Pix: rgba.Pix, Stride: rgba.Stride, Rect: rgba.Rect}
	for _, img := range []image.Image{rgba, nrgba, rgba.SubImage(image.Rect(5, 7, 200, 100))} {
		g := gray(img)
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if got, want := g.GrayAt(x, y).Y, colorGray(img.At(x, y)); got != want {
					t.Fatalf("%T at (%d, %d): luma %d, want %d", img, x, y, got, want)
				}
			}
		}
	}
}
