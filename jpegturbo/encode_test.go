package jpegturbo

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"strings"
	"testing"
)

// TestEncode encodes images of each kind Encode takes and reads them back
// with image/jpeg and with Decode: the size, the number of components and
// the pixels (within what quality 95 loses on smooth gradients) come back.
func TestEncode(t *testing.T) {
	const w, h = 67, 45 // odd sizes: partial blocks and chroma samples
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			rgba.SetRGBA(x, y, color.RGBA{uint8(40 + 3*x), uint8(60 + 3*y), uint8(200 - 2*x), 255})
			gray.SetGray(x, y, color.Gray{uint8(30 + 2*x + y)})
		}
	}
	nrgba := image.NewNRGBA(rgba.Rect)
	draw.Draw(nrgba, nrgba.Rect, rgba, image.Point{}, draw.Src)
	// Half transparent: its colour premultiplied, over black.
	half := image.NewNRGBA(rgba.Rect)
	halfWant := image.NewRGBA(rgba.Rect)
	for i := 0; i < len(half.Pix); i += 4 {
		copy(half.Pix[i:i+4], []uint8{200, 100, 50, 128})
		copy(halfWant.Pix[i:i+4], []uint8{100, 50, 25, 255})
	}
	big := image.NewRGBA(image.Rect(-10, -5, w+20, h+15))
	draw.Draw(big, rgba.Rect, rgba, image.Point{}, draw.Src)
	ycc := image.NewYCbCr(rgba.Rect, image.YCbCrSubsampleRatio444)
	for y := range h {
		for x := range w {
			c := rgba.RGBAAt(x, y)
			ycc.Y[ycc.YOffset(x, y)], ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = color.RGBToYCbCr(c.R, c.G, c.B)
		}
	}
	for _, c := range []struct {
		name string
		img  image.Image
		want image.Image // the pixels expected back
		gray bool
	}{
		{"gray", gray, gray, true},
		{"rgba", rgba, rgba, false},
		{"opaque nrgba", nrgba, rgba, false},
		{"translucent nrgba", half, halfWant, false},
		{"sub-image off the origin", big.SubImage(rgba.Rect), rgba, false},
		{"ycbcr", ycc, rgba, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := Encode(c.img, 95)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []struct {
				by     string
				decode func([]byte) (image.Image, error)
			}{
				{"image/jpeg", func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
				{"Decode", Decode},
			} {
				got, err := d.decode(data)
				if err != nil {
					t.Fatalf("%s cannot read it: %v", d.by, err)
				}
				if got.Bounds() != image.Rect(0, 0, w, h) {
					t.Fatalf("%s: bounds %v, want %dx%d", d.by, got.Bounds(), w, h)
				}
				if _, isGray := got.(*image.Gray); isGray != c.gray {
					t.Errorf("%s: decoded as %T", d.by, got)
				}
				var sum, n float64
				for y := range h {
					for x := range w {
						r1, g1, b1, _ := got.At(x, y).RGBA()
						r2, g2, b2, _ := c.want.At(x, y).RGBA()
						for _, v := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
							sum += float64(max(v, -v))
							n++
						}
					}
				}
				if mean := sum / n; mean > 2.5 {
					t.Errorf("%s: mean error %.2f levels, want <= 2.5", d.by, mean)
				}
			}
		})
	}
}

// TestEncodeRefuses: a quality outside 1-100 or an empty image is an
// error, not a file.
func TestEncodeRefuses(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for _, q := range []int{0, 101} {
		if _, err := Encode(img, q); err == nil {
			t.Errorf("quality %d encoded", q)
		}
	}
	if _, err := Encode(image.NewGray(image.Rectangle{}), 90); err == nil {
		t.Error("an empty image encoded")
	}
	// Past a JPEG's 65500 pixels a side (a row of 65501 grey pixels, 64 KB).
	if _, err := Encode(image.NewGray(image.Rect(0, 0, 65501, 1)), 90); err == nil || !strings.Contains(err.Error(), "larger than a JPEG") {
		t.Errorf("65501 pixels wide: %v, want refused as larger than a JPEG can be", err)
	}
	// Too large to encode: refused before the 3.6 GB copy in RGBA the
	// colour model would need (the image has no pixels to copy).
	if _, err := Encode(&image.CMYK{Rect: image.Rect(0, 0, 30000, 30000)}, 90); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("30000x30000 CMYK: %v, want refused as too large", err)
	}
	// Pixels that do not fill the bounds: never handed to libjpeg.
	short := &image.Gray{Rect: image.Rect(0, 0, 100, 100), Stride: 100, Pix: make([]uint8, 100*99)}
	if _, err := Encode(short, 90); err == nil || !strings.Contains(err.Error(), "do not fill") {
		t.Errorf("99 rows of a 100-row image: %v, want refused", err)
	}
}

// TestBufBound: the buffer bound is tjBufSize's where it agrees (4:2:0
// pads to 16 pixels as it does), at least as large for grey (padded to 16,
// not 8), and neither wraps nor fits the buffer limit past 46340 pixels a
// side, where libjpeg-turbo 2.1's own bound wraps.
func TestBufBound(t *testing.T) {
	for _, c := range []struct {
		w, h int
		gray bool
		want uint64
	}{
		{640, 480, false, 640*480*3 + 2048},
		{101, 77, false, 112*80*3 + 2048},
		{100, 100, true, 112*112*2 + 2048}, // tjBufSize: 104*104*2 + 2048
		{46341, 46341, true, 46352*46352*2 + 2048},
		{65500, 65500, false, 65504*65504*3 + 2048},
	} {
		if got := bufBound(c.w, c.h, c.gray); got != c.want {
			t.Errorf("%dx%d grey %v: %d, want %d", c.w, c.h, c.gray, got, c.want)
		}
	}
	if bufBound(46341, 46341, true) <= maxBuf || bufBound(27000, 27000, false) <= maxBuf {
		t.Error("a bound past 2 GB is under maxBuf")
	}
}
