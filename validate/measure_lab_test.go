package validate

import (
	"image/color"
	"math"
	"testing"
)

func TestToLab(t *testing.T) {
	tests := []struct {
		c       color.Color
		l, a, b float64
	}{
		{color.NRGBA{255, 255, 255, 255}, 100, 0, 0},
		{color.NRGBA{0, 0, 0, 255}, 0, 0, 0},
		{color.NRGBA{255, 0, 0, 255}, 53.24, 80.09, 67.20},
		{color.NRGBA{128, 128, 128, 255}, 53.59, 0, 0},
		{color.NRGBA{0, 0, 255, 255}, 32.30, 79.19, -107.86},
		{color.NRGBA{0, 255, 0, 255}, 87.73, -86.18, 83.18},
		{color.Gray16{0x8080}, 53.59, 0, 0},
	}
	for _, tc := range tests {
		l, a, b := toLab(tc.c)
		if math.Abs(l-tc.l) > 0.05 || math.Abs(a-tc.a) > 0.05 || math.Abs(b-tc.b) > 0.05 {
			t.Errorf("toLab(%v) = %.2f %.2f %.2f, want %.2f %.2f %.2f", tc.c, l, a, b, tc.l, tc.a, tc.b)
		}
	}
}
