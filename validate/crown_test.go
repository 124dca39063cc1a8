package validate

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/tessera-cie/tessera/facedetect"
)

// synthHead draws a head on a w x h backdrop: a disc of hair whose top is
// at y top, over a skin ellipse for the face, eyes at eyeY and chin at
// chinY on the vertical midline. back gives the backdrop colour at (x, y)
// and hair the hair colour at (x, y) (for texture); wisps adds thin dark
// strands standing 4 % of the head above the hair.
func synthHead(w, h int, top, eyeY, chinY float64, back, hair func(x, y int) color.NRGBA, wisps bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx := float64(w) / 2
	r := (chinY - top) * 0.42 // the hair disc: its top is top
	cy := top + r
	for y := range h {
		for x := range w {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			c := back(x, y)
			switch {
			case (fx-cx)*(fx-cx)/(0.75*r*0.75*r)+(fy-(eyeY+chinY)/2)*(fy-(eyeY+chinY)/2)/((chinY-eyeY)*(chinY-eyeY)*0.8) < 1 && fy > eyeY-0.3*(chinY-eyeY):
				c = color.NRGBA{200, 150, 120, 255} // face
			case (fx-cx)*(fx-cx)+(fy-cy)*(fy-cy) < r*r:
				c = hair(x, y)
			case wisps && fy < top && fy > top-0.04*(chinY-top) && (x%23 == 0):
				c = color.NRGBA{40, 30, 20, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// TestVisibleTopSynthetic finds the top of drawn heads, whose top is known
// exactly, against backdrops with a gradient and vignetting, for dark,
// blond and grey hair (grey hair on a grey backdrop differs by texture),
// with loose strands above, and says the top is cut when the head runs
// off the top edge.
func TestVisibleTopSynthetic(t *testing.T) {
	const w, h = 560, 720
	const eyeY, chinY = 330.0, 610.0
	grey := func(x, y int) color.NRGBA { return color.NRGBA{190, 192, 195, 255} }
	vignette := func(x, y int) color.NRGBA {
		dx, dy := float64(x-w/2)/w, float64(y-h/2)/h
		v := uint8(215 - 60*(dx*dx+dy*dy) - 0.03*float64(y))
		return color.NRGBA{v, v, v + 3, 255}
	}
	dark := func(x, y int) color.NRGBA { return color.NRGBA{45, 35, 30, 255} }
	blond := func(x, y int) color.NRGBA { return color.NRGBA{200, 170, 110, 255} }
	// Grey hair as light as the backdrop, with strands of +-8: closer to
	// it in colour than crownMinContrast, told from it by texture alone.
	greyHair := func(x, y int) color.NRGBA {
		v := uint8(190 + 8*math.Sin(float64(x)*1.7+float64(y)*0.3))
		return color.NRGBA{v, v, v + 2, 255}
	}
	mid := facedetect.Point{X: w / 2, Y: eyeY}
	chin := facedetect.Point{X: w / 2, Y: chinY}
	tests := []struct {
		name       string
		top        float64
		back, hair func(x, y int) color.NRGBA
		wisps, cut bool
	}{
		{"dark on grey", 40, grey, dark, false, false},
		{"blond on grey", 40, grey, blond, false, false},
		{"grey on grey", 40, grey, greyHair, false, false},
		{"dark, vignetted backdrop", 30, vignette, dark, false, false},
		{"blond, vignetted backdrop", 30, vignette, blond, false, false},
		{"dark with loose strands", 40, grey, dark, true, false},
		{"cut by the top edge", -20, grey, dark, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := synthHead(w, h, tc.top, eyeY, chinY, tc.back, tc.hair, tc.wisps)
			got := visibleTop(img, gray(img), mid, chin)
			if tc.cut {
				if !got.cut || got.visible {
					t.Errorf("got %+v, want cut", got)
				}
				return
			}
			if !got.visible {
				t.Fatalf("got %+v, want the top at %.0f", got, tc.top)
			}
			// The head height is chin to top; 1 % of it.
			if e := 100 * (tc.top - got.top.Y) / (chinY - tc.top); math.Abs(e) > 1 {
				t.Errorf("top at %.1f, want %.0f: %+.1f %% of the head height", got.top.Y, tc.top, e)
			}
		})
	}
}
