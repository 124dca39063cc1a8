package facedetect

import (
	"image"
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
