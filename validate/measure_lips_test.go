package validate

import (
	"image"
	"math"
	"testing"

	"github.com/tessera-cie/tessera/facedetect"
)

// TestLipSeam draws a mouth of known shape, level, with the eyes 100
// pixels apart: skin, an upper lip, a dark band of known height between
// the lips (the line where closed lips meet, or an opening), a lower lip.
// lipSeam must read the band's height whatever the lips' thickness and
// shade, each lip's own, a moustache above them, and wherever the
// inner-lip landmarks were put between the lips' outer edges.
func TestLipSeam(t *testing.T) {
	const d = 100.0 // eye distance, pixels
	for _, tc := range []struct {
		name                              string
		upper, band, lower                float64 // heights, pixels
		skin, upperLum, bandLum, lowerLum uint8
		spread                            bool // inner landmarks on the lips' outer halves, as full lips put them
		moustache                         bool // dark hair over the skin above the lip, a light edge on the lip's top
		want                              float64
	}{
		{"thin lips, closed", 8, 2, 10, 170, 130, 70, 130, false, false, 0.02},
		{"full lips, closed", 16, 2, 20, 170, 130, 70, 130, false, false, 0.02},
		{"full lips, closed, landmarks spread", 16, 2, 20, 170, 130, 70, 130, true, false, 0.02},
		{"dark lips on dark skin, closed", 16, 2, 20, 90, 55, 25, 55, true, false, 0.02},
		{"dark lips on light skin, closed", 16, 2, 20, 170, 60, 35, 60, true, false, 0.02},
		{"dark upper lip over a light lower one, a moustache", 16, 2, 20, 170, 70, 58, 140, true, true, 0.02},
		{"lips apart", 10, 9, 12, 170, 130, 40, 130, false, false, 0.09},
		{"dark lips apart", 14, 12, 16, 90, 55, 15, 55, false, false, 0.12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewGray(image.Rect(0, 0, 300, 300))
			const top = 150.0 // the upper lip's top row
			for y := 0; y < 300; y++ {
				for x := 0; x < 300; x++ {
					v, fy := tc.skin, float64(y)
					switch {
					case x < 100 || x >= 200:
					case tc.moustache && fy >= top-12 && fy < top:
						v = 30
					case tc.moustache && fy >= top && fy < top+2:
						v = 160
					case fy >= top && fy < top+tc.upper:
						v = tc.upperLum
					case fy >= top+tc.upper && fy < top+tc.upper+tc.band:
						v = tc.bandLum
					case fy >= top+tc.upper+tc.band && fy < top+tc.upper+tc.band+tc.lower:
						v = tc.lowerLum
					}
					img.Pix[img.PixOffset(x, y)] = v
				}
			}
			fr := faceFrame{mid: facedetect.Point{X: 150, Y: 50}, c: 1, d: d}
			v := func(y float64) float64 { return (y - fr.mid.Y) / d }
			q := make([][2]float64, facedetect.NumLandmarks)
			bandTop, bandBot := top+tc.upper, top+tc.upper+tc.band
			if tc.spread {
				bandTop, bandBot = top+tc.upper/3, bandBot+2*tc.lower/3
			}
			q[facedetect.UpperLipTop] = [2]float64{0, v(top)}
			q[facedetect.LowerLipBottom] = [2]float64{0, v(top + tc.upper + tc.band + tc.lower)}
			q[facedetect.InnerUpperLeft] = [2]float64{-0.2, v(bandTop)}
			q[facedetect.InnerUpperMiddle] = [2]float64{0, v(bandTop)}
			q[facedetect.InnerUpperRight] = [2]float64{0.2, v(bandTop)}
			q[facedetect.InnerLowerLeft] = [2]float64{-0.2, v(bandBot)}
			q[facedetect.InnerLowerMiddle] = [2]float64{0, v(bandBot)}
			q[facedetect.InnerLowerRight] = [2]float64{0.2, v(bandBot)}
			got, ok := lipSeam(q, fr, img)
			if !ok {
				t.Fatal("no line between the lips read")
			}
			if math.Abs(got-tc.want) > 1.5/d {
				t.Errorf("seam %.3f eye distances, want %.3f", got, tc.want)
			}
		})
	}
}
