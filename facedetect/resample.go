package facedetect

import (
	"image"
	"image/color"
	"math"
)

// shrink returns the part r of src scaled by s (0 < s <= 1) using area
// averaging (across, the exact area each source column shares with each
// output column; down, whole source rows), which keeps the fine edges the
// HOG features and the shape predictor rely on without the aliasing of
// point sampling. It works directly on 8-bit planes: general image
// libraries convert to RGBA first, which costs four times the memory and
// time on a 12-megapixel photo.
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
	cols := footprints(r.Dx(), dw)
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
		// Each output pixel is the mean of r.Dx() units of weight.
		n := uint64(r.Dx()) * uint64(yb-ya)
		for x := 0; x < dw; x++ {
			var sum uint64
			for k, w := range cols.weight[cols.at[x]:cols.at[x+1]] {
				sum += uint64(row[cols.first[x]+k]) * uint64(w)
			}
			out[x] = uint8((sum + n/2) / n)
		}
	}
	return dst
}

// columns are the area weights of a row of n source pixels scaled to m
// (m <= n): output pixel x covers [x*n/m, (x+1)*n/m) of the source, and
// source pixel i, covering [i, i+1), weighs the length they share, in units
// of 1/m of a pixel (so every output pixel's weights sum to n). The
// weights are exact integers, and the mirror image of a row gets the
// mirror image of its weights: a photo and its mirror image shrink to
// mirror images to the last bit, which the landmarks' mirror fit
// (Engine.landmarks) relies on. Whole-pixel footprints, rounded down at
// both ends, shifted the copy of the mirror image by up to a source pixel.
type columns struct {
	first  []int    // first[x] is the first source pixel of output pixel x
	at     []int    // weight[at[x]:at[x+1]] weigh source pixels first[x]...
	weight []uint32 // in units of 1/m of a source pixel
}

// footprints returns the columns of a row of n source pixels scaled to m.
func footprints(n, m int) columns {
	c := columns{first: make([]int, m), at: make([]int, m+1)}
	for x := 0; x < m; x++ {
		a, b := x*n, (x+1)*n // in units of 1/m of a source pixel
		c.first[x] = a / m
		c.at[x] = len(c.weight)
		for i := a / m; i*m < b; i++ {
			c.weight = append(c.weight, uint32(min(b, (i+1)*m)-max(a, i*m)))
		}
	}
	c.at[m] = len(c.weight)
	return c
}

// tint returns small, an area-averaged copy of the part r of a photo's
// luma, in the photo's colours: each pixel keeps its luma from small and
// takes its chroma from the pixels of img at the centre of its footprint.
// Colour varies slowly across a face, so one pixel in a few hundred tells
// it, and reading only those keeps the copy's cost to that of small's
// pixels, not the photo's.
func tint(small *image.Gray, img image.Image, r image.Rectangle) *image.NRGBA {
	dw, dh := small.Rect.Dx(), small.Rect.Dy()
	out := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		sy := r.Min.Y + int((float64(y)+0.5)*float64(r.Dy())/float64(dh))
		for x := 0; x < dw; x++ {
			// The pixel nearest the footprint's centre, in whole numbers:
			// x+1/2 of dw is (2x+1)*n/(2*dw) of n, less a half for the
			// pixels' centres. Where the centre falls halfway between two
			// pixels (every pixel of a copy at half size), the mean of the
			// two: the mirror image's footprint then reads the mirror
			// images of the same pixels, where rounding one way took the
			// pixel on the same side of both.
			num, den := (2*x+1)*r.Dx()-dw, 2*dw // the centre, num/den
			near, rest := (2*num+den)/(2*den), (2*num+den)%(2*den)
			rr, gg, bb := rgbAt(img, r.Min.X+near, sy)
			if rest == 0 && near > 0 {
				r0, g0, b0 := rgbAt(img, r.Min.X+near-1, sy)
				rr, gg, bb = (r0+rr+1)>>1, (g0+gg+1)>>1, (b0+bb+1)>>1
			}
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
