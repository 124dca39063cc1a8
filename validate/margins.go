package validate

import (
	"image"
	"image/color"
)

// Plain margins. A photo pasted on a page, framed by a mat, letterboxed
// by a phone's gallery or given a plain border by an editor is the same
// photo to a clerk: the face checks must read it alike (issue 25: "a plain
// border added around a photo changes no face check"). The face engine
// scans a copy of the photo scaled by the photo's size, and a border
// changes that size: on ../shared/faces/wild a white border a tenth of the
// shorter side moved the detector's boxes by up to a third of the face's
// width, the landmarks with them, and a face-check verdict on 12 of 77
// photos. Fitting the landmarks again and again until their box repeated
// (up to six times) still changed a verdict on 11: the box settles within
// a pixel or two, not on the same pixel, and a pixel moves a verdict that
// lies at its limit. So the face
// engine is handed the photo inside its plain margins (inner): every edge
// row or column of one colour is peeled off, again and again, until none
// is left. A line that is of one colour stays so when another side is
// peeled (it only gets shorter), so the order of peeling changes nothing:
// a photo in a plain border peels to the same rectangle as the photo
// alone, and the engine sees the same pixels (TestInnerBorders).
//
// Only the face engine's input is cut: framing, backdrop and file rules
// still judge the whole photo, border and all.

// inner returns the rectangle of img left when its plain margins are
// peeled off: edge rows and columns each of a single colour. A photo of
// one colour throughout peels to nothing; inner then returns its bounds.
func inner(img image.Image) image.Rectangle {
	b := img.Bounds()
	key := colourKey(img)
	// plain reports whether the n pixels from (x, y) on, a step (dx, dy)
	// apart, are all of one colour.
	plain := func(x, y, dx, dy, n int) bool {
		first := key(x, y)
		for i := 1; i < n; i++ {
			if key(x+i*dx, y+i*dy) != first {
				return false
			}
		}
		return true
	}
	r := b
	for peeled := true; peeled && !r.Empty(); {
		peeled = false
		for !r.Empty() && plain(r.Min.X, r.Min.Y, 1, 0, r.Dx()) {
			r.Min.Y++
			peeled = true
		}
		for !r.Empty() && plain(r.Min.X, r.Max.Y-1, 1, 0, r.Dx()) {
			r.Max.Y--
			peeled = true
		}
		for !r.Empty() && plain(r.Min.X, r.Min.Y, 0, 1, r.Dy()) {
			r.Min.X++
			peeled = true
		}
		for !r.Empty() && plain(r.Max.X-1, r.Min.Y, 0, 1, r.Dy()) {
			r.Max.X--
			peeled = true
		}
	}
	if r.Empty() {
		return b
	}
	return r
}

// colourKey returns a function giving the colour of img's pixel (x, y) as
// a value equal for equal colours: a JPEG's 8-bit RGB as its YCbCr
// converts to (two YCbCr triples may convert to one colour, as a PNG of
// the pixels then stores it), other images' 16-bit RGBA.
func colourKey(img image.Image) func(x, y int) [4]uint32 {
	switch m := img.(type) {
	case *image.YCbCr:
		return func(x, y int) [4]uint32 {
			c := m.YCbCrAt(x, y)
			r, g, b := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
			return [4]uint32{uint32(r), uint32(g), uint32(b), 0xff}
		}
	case *image.NRGBA:
		return func(x, y int) [4]uint32 {
			p := m.Pix[m.PixOffset(x, y):]
			return [4]uint32{uint32(p[0]), uint32(p[1]), uint32(p[2]), uint32(p[3])}
		}
	case *image.RGBA:
		return func(x, y int) [4]uint32 {
			p := m.Pix[m.PixOffset(x, y):]
			return [4]uint32{uint32(p[0]), uint32(p[1]), uint32(p[2]), uint32(p[3])}
		}
	case *image.Gray:
		return func(x, y int) [4]uint32 {
			v := uint32(m.Pix[m.PixOffset(x, y)])
			return [4]uint32{v, v, v, 0xff}
		}
	}
	return func(x, y int) [4]uint32 {
		r, g, b, a := img.At(x, y).RGBA()
		return [4]uint32{r, g, b, a}
	}
}
