package facedetect_test

import (
	"context"
	"image"
	"image/draw"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tessera-cie/tessera/facedetect"
)

// TestSubImage checks that the engine reads an image off the origin (a
// sub-image: validate hands it the photo inside its plain margins) as the
// same pixels at the origin: the same faces, scores and boxes moved by the
// offset, landmarks and chin within rounding (1e-9 pixels), on every photo
// of ../shared/faces/wild, set in a canvas of noise so that a pixel read
// outside the sub-image would show. The colours are a sub-image too, as
// validate hands them over.
func TestSubImage(t *testing.T) {
	t.Parallel() // real photos, slow: these tests share the cores

	photos, e := photosAndEngine(t, "wild")
	const tol = 1e-9 // pixels
	rng := rand.New(rand.NewPCG(7, 7))
	faces := 0
	for _, p := range photos {
		img, want := asTaken(t, e, p)
		b := img.Bounds()
		at := image.Pt(1+rng.IntN(60), 1+rng.IntN(60))
		canvas := image.NewNRGBA(image.Rect(0, 0, b.Dx()+at.X+1+rng.IntN(60), b.Dy()+at.Y+1+rng.IntN(60)))
		for i := range canvas.Pix {
			canvas.Pix[i] = uint8(rng.IntN(256))
			if i%4 == 3 {
				canvas.Pix[i] = 0xff
			}
		}
		in := b.Add(at)
		draw.Draw(canvas, in, img, b.Min, draw.Src)
		sub := luma(canvas).SubImage(in).(*image.Gray)
		got, err := e.DetectColor(context.Background(), sub, canvas.SubImage(in))
		if err != nil {
			t.Fatal(err)
		}
		name := p.Label + "/" + p.Name
		if len(got) != len(want) {
			t.Errorf("%s: %d faces off the origin, %d at it", name, len(got), len(want))
			continue
		}
		near := func(a, b facedetect.Point) bool {
			return math.Abs(a.X-b.X-float64(at.X)) <= tol && math.Abs(a.Y-b.Y-float64(at.Y)) <= tol
		}
		for i, w := range want {
			faces++
			g := got[i]
			if g.Box != w.Box.Add(at) || g.Score != w.Score {
				t.Errorf("%s face %d: box %v score %v off the origin, want %v score %v", name, i, g.Box, g.Score, w.Box.Add(at), w.Score)
				continue
			}
			if !near(g.Chin, w.Chin) {
				t.Errorf("%s face %d: chin %v, want %v moved by %v", name, i, g.Chin, w.Chin, at)
			}
			for k := range w.Landmarks {
				if !near(g.Landmarks[k], w.Landmarks[k]) {
					t.Errorf("%s face %d: landmark %d %v, want %v moved by %v", name, i, k, g.Landmarks[k], w.Landmarks[k], at)
					break
				}
			}
		}
	}
	if faces < 70 {
		t.Errorf("only %d faces compared", faces)
	}
}
