package validate

import (
	"image/color"
	"math"
)

// toLab converts a colour to CIELAB (D65 white), the perceptual space the
// colour and background checks measure in: L* 0-100, a* and b* around 0.
func toLab(c color.Color) (l, a, b float64) {
	r16, g16, b16, _ := c.RGBA()
	r, g, bl := linearTable[r16>>8], linearTable[g16>>8], linearTable[b16>>8]
	x := (0.4124564*r + 0.3575761*g + 0.1804375*bl) / 0.95047
	y := 0.2126729*r + 0.7151522*g + 0.0721750*bl
	z := (0.0193339*r + 0.1191920*g + 0.9503041*bl) / 1.08883
	fx, fy, fz := labF(x), labF(y), labF(z)
	return 116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)
}

// linearTable is linear of every 8-bit channel value: toLab reads it
// instead of calling math.Pow three times a pixel. Photos are 8-bit, for
// which it is exact (a 16-bit PNG loses what lies below the 8th bit).
var linearTable = func() (t [256]float64) {
	for i := range t {
		t[i] = linear(float64(i) / 255)
	}
	return t
}()

// linear undoes the sRGB transfer curve.
func linear(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

func labF(t float64) float64 {
	const e = 216.0 / 24389
	if t > e {
		return math.Cbrt(t)
	}
	return (24389.0/27*t + 16) / 116
}
