package facedetect

import (
	"image"
	"image/color"
	"math"
)

// shrink returns the part r of src scaled by s (0 < s <= 1) using area
// averaging, which keeps the fine edges the HOG features and the shape
// predictor rely on without the aliasing of point sampling. It works directly
// on 8-bit planes: general image libraries convert to RGBA first, which costs
// four times the memory and time on a 12-megapixel photo.
func shrink(src *image.Gray, r image.Rectangle, s float64) *image.Gray {
	r = r.Intersect(src.Rect)
	dw := int(math.Max(1, math.Round(float64(r.Dx())*s)))
	dh := int(math.Max(1, math.Round(float64(r.Dy())*s)))
	dst := image.NewGray(image.Rect(0, 0, dw, dh))
	if s >= 1 {
		for y := 0; y < dh; y++ {
			so := src.PixOffset(r.Min.X, r.Min.Y+y)
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+dw], src.Pix[so:so+dw])
		}
		return dst
	}
	// Column footprints are the same for every row: compute them once.
	x0 := make([]int, dw+1)
	for x := 0; x <= dw; x++ {
		x0[x] = r.Min.X + int(float64(x)*float64(r.Dx())/float64(dw))
	}
	row := make([]uint32, r.Dx())
	for y := 0; y < dh; y++ {
		ya := r.Min.Y + int(float64(y)*float64(r.Dy())/float64(dh))
		yb := r.Min.Y + int(float64(y+1)*float64(r.Dy())/float64(dh))
		if yb <= ya {
			yb = ya + 1
		}
		for i := range row {
			row[i] = 0
		}
		for sy := ya; sy < yb; sy++ {
			line := src.Pix[src.PixOffset(r.Min.X, sy):]
			for i := range row {
				row[i] += uint32(line[i])
			}
		}
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < dw; x++ {
			a, b := x0[x]-r.Min.X, x0[x+1]-r.Min.X
			if b <= a {
				b = a + 1
			}
			var sum uint32
			for i := a; i < b; i++ {
				sum += row[i]
			}
			n := uint32((b - a) * (yb - ya))
			out[x] = uint8((sum + n/2) / n)
		}
	}
	return dst
}

// tint returns small, an area-averaged copy of the part r of a photo's
// luma, in the photo's colours: each pixel keeps its luma from small and
// takes its chroma from the pixel of img at the centre of its footprint.
// Colour varies slowly across a face, so one pixel in a few hundred tells
// it, and reading only those keeps the copy's cost to that of small's
// pixels, not the photo's.
func tint(small *image.Gray, img image.Image, r image.Rectangle) *image.NRGBA {
	dw, dh := small.Rect.Dx(), small.Rect.Dy()
	out := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		sy := r.Min.Y + int((float64(y)+0.5)*float64(r.Dy())/float64(dh))
		for x := 0; x < dw; x++ {
			sx := r.Min.X + int((float64(x)+0.5)*float64(r.Dx())/float64(dw))
			rr, gg, bb := rgbAt(img, sx, sy)
			// The same luma weights as validate's gray (ITU-R BT.601).
			d := int32(small.Pix[y*small.Stride+x]) - (19595*rr+38470*gg+7471*bb+1<<15)>>16
			o := out.Pix[y*out.Stride+4*x:]
			o[0], o[1], o[2], o[3] = clamp8(rr+d), clamp8(gg+d), clamp8(bb+d), 0xff
		}
	}
	return out
}

func clamp8(v int32) uint8 { return uint8(min(max(v, 0), 255)) }

// rgbAt is img's colour at (x, y), 8 bits a channel. JPEG's YCbCr, the
// usual photo, is read from its planes: At would box each pixel's colour.
func rgbAt(img image.Image, x, y int) (r, g, b int32) {
	if m, ok := img.(*image.YCbCr); ok {
		yy := m.Y[m.YOffset(x, y)]
		ci := m.COffset(x, y)
		r8, g8, b8 := color.YCbCrToRGB(yy, m.Cb[ci], m.Cr[ci])
		return int32(r8), int32(g8), int32(b8)
	}
	cr, cg, cb, _ := img.At(x, y).RGBA()
	return int32(cr >> 8), int32(cg >> 8), int32(cb >> 8)
}

// grow returns src scaled up by s > 1, by nearest neighbour.
func grow(src *image.Gray, s float64) *image.Gray {
	w := int(math.Round(float64(src.Rect.Dx()) * s))
	h := int(math.Round(float64(src.Rect.Dy()) * s))
	dst := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		sy := src.Rect.Min.Y + min(int(float64(y)/s), src.Rect.Dy()-1)
		for x := 0; x < w; x++ {
			sx := src.Rect.Min.X + min(int(float64(x)/s), src.Rect.Dx()-1)
			dst.Pix[y*dst.Stride+x] = src.Pix[src.PixOffset(sx, sy)]
		}
	}
	return dst
}
