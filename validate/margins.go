package validate

import (
	"context"
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
// lies at its limit. So the face engine, and the measures the face checks
// judge, are handed the photo inside its plain margins (inner): every
// edge row or column of one colour is peeled off, again and again, until
// none is left. A line of one colour stays so when another side is peeled
// (it only gets shorter), so the order of peeling changes nothing: a photo
// in plain frames of any colours and widths peels to the same rectangle as
// the photo alone, and the engine and the measures read the same pixels
// (TestInnerFrames, TestPlainBorderFaceChecks).
//
// Only the face checks read the photo so, and the eye whites exposure
// reads, which are measured with the eyes (eyeWhite): framing, backdrop,
// the other capture measures and the file rules judge the whole photo,
// border and all.
//
// The photo's own plain lines are peeled too, as they must be for the
// photo in a border of their colour to read the same: a backdrop made
// exactly white by an app, above the head, is cut off at the hair. The
// engine then finds the face in a copy scaled from that smaller picture,
// which moves verdicts that lie at their limits, either way, as a border
// did before.
//
// Peeling reads each peeled pixel once and, in each round, each edge line
// up to its first pixel of another colour. A round peels rows only if the
// one before peeled a column, and columns only if it peeled rows itself,
// so there are at most min(width, height)+2 rounds. On
// one core: 0.17 µs on a 560x720 photo without a margin, 1.0 ms in a
// border a tenth of its width, 42 ms for a 4000x3000 photo in one.

// peelsPerLook is how many lines inner peels between looks at its context.
const peelsPerLook = 64

// inner returns the rectangle of img left when its plain margins are
// peeled off: edge rows and columns each of a single colour. A picture
// that peels away entirely (of one colour throughout, of stripes, of
// rings round one pixel: no room for a face) is not cut: inner returns
// its bounds. It stops with ctx's error when ctx is done, looking at it
// every peelsPerLook lines peeled and after each round.
func inner(ctx context.Context, img image.Image) (image.Rectangle, error) {
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
	// The sides, each as the line on it and how peeling it moves r.
	sides := []struct {
		line func(r image.Rectangle) bool
		peel func(r *image.Rectangle)
	}{
		{func(r image.Rectangle) bool { return plain(r.Min.X, r.Min.Y, 1, 0, r.Dx()) }, func(r *image.Rectangle) { r.Min.Y++ }},
		{func(r image.Rectangle) bool { return plain(r.Min.X, r.Max.Y-1, 1, 0, r.Dx()) }, func(r *image.Rectangle) { r.Max.Y-- }},
		{func(r image.Rectangle) bool { return plain(r.Min.X, r.Min.Y, 0, 1, r.Dy()) }, func(r *image.Rectangle) { r.Min.X++ }},
		{func(r image.Rectangle) bool { return plain(r.Max.X-1, r.Min.Y, 0, 1, r.Dy()) }, func(r *image.Rectangle) { r.Max.X-- }},
	}
	r := b
	for peeled, lines := true, 0; peeled && !r.Empty(); {
		peeled = false
		for _, s := range sides {
			for !r.Empty() && s.line(r) {
				s.peel(&r)
				peeled = true
				// A line is at most the photo's longer side: a look at
				// ctx every peelsPerLook lines costs nothing beside them.
				if lines++; lines%peelsPerLook == 0 {
					if err := ctx.Err(); err != nil {
						return b, err
					}
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return b, err
		}
	}
	if r.Empty() {
		return b, nil
	}
	return r, nil
}

// colourKey returns a function giving the colour of img's pixel (x, y) as
// a value equal for equal colours, as the face engine and the measures
// read them: a JPEG's YCbCr by the 8-bit RGB it converts to (two YCbCr
// triples may convert to one colour, as a PNG of the pixels then stores
// it); NRGBA, RGBA and gray images by their samples; any other by its
// 16-bit RGBA.
func colourKey(img image.Image) func(x, y int) [4]uint32 {
	switch m := img.(type) {
	case *image.YCbCr:
		return func(x, y int) [4]uint32 {
			c := m.YCbCrAt(x, y)
			r, g, b := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
			return [4]uint32{uint32(r), uint32(g), uint32(b), 0xff}
		}
	case *image.NRGBA:
		return samples4(m.Pix, m.PixOffset)
	case *image.RGBA:
		return samples4(m.Pix, m.PixOffset)
	case *image.Gray:
		return func(x, y int) [4]uint32 {
			v := uint32(m.Pix[m.PixOffset(x, y)])
			return [4]uint32{v, v, v, 0xff}
		}
	case image.RGBA64Image:
		// CMYK, 16-bit PNGs, paletted ones: RGBA64At returns a struct,
		// where At would allocate a color.Color for each pixel.
		return func(x, y int) [4]uint32 {
			c := m.RGBA64At(x, y)
			return [4]uint32{uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)}
		}
	}
	return func(x, y int) [4]uint32 {
		r, g, b, a := img.At(x, y).RGBA()
		return [4]uint32{r, g, b, a}
	}
}

// samples4 keys the pixels of a four-sample 8-bit layout (NRGBA, RGBA)
// by their samples, the pixel at (x, y) starting at pix[offset(x, y)].
func samples4(pix []uint8, offset func(x, y int) int) func(x, y int) [4]uint32 {
	return func(x, y int) [4]uint32 {
		p := pix[offset(x, y):]
		return [4]uint32{uint32(p[0]), uint32(p[1]), uint32(p[2]), uint32(p[3])}
	}
}

// within returns ph seen inside r, a rectangle within its bounds: its
// luma and colours cut to r, in the photo's coordinates; ph itself when r
// is its bounds.
func (ph *photo) within(r image.Rectangle) *photo {
	if r == ph.gray.Rect {
		return ph
	}
	seen := *ph
	seen.gray = ph.gray.SubImage(r).(*image.Gray)
	if sub, ok := ph.img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		seen.img = sub.SubImage(r)
	} else {
		seen.img = cut{ph.img, r}
	}
	return &seen
}

// cut is the part r of an image that has no SubImage method.
type cut struct {
	image.Image
	r image.Rectangle
}

func (c cut) Bounds() image.Rectangle { return c.r }

func (c cut) At(x, y int) color.Color {
	if !(image.Point{x, y}).In(c.r) {
		return color.Transparent
	}
	return c.Image.At(x, y)
}
