package facedetect_test

import (
	"context"
	"image"
	"image/color"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/faceset"
)

// TestSecondFaces runs the engine with its second detector on photos of
// ../shared/faces as taken, mirrored and in a white border (a tenth of its
// width each side), and checks the faces it counts against what the folder
// holds: one face on every studio portrait of neutral/ and canada/, none
// on the photos of no face, and on the clerk's real photos of one face
// behind dark glasses, a face. It logs the HOG detector's score for every
// face only the second detector proposed (secondMinHOG is chosen from
// them). tessera eval's stability figures (package evaluate) check every
// folder's face count, mirrored and bordered, through the whole pipeline.
func TestSecondFaces(t *testing.T) {
	photos, e := photosAndEngine(t, "neutral", "canada", "nonface", "wild")
	var cur string
	facedetect.SetDebugSecond(func(b facedetect.Box, box image.Rectangle, hog float64) {
		t.Logf("%s: second detector's face of %.0f pixels on its copy, score %.2f, HOG %.3f", cur, b.MaxX-b.MinX, b.Score, hog)
	})
	defer facedetect.SetDebugSecond(nil)
	variants := []struct {
		name string
		of   func(image.Image) image.Image
	}{
		// First: the faces asTaken finds, here with the debug hook set
		// when this test is the first to ask (the parallel tests that
		// share them start after it).
		{"as taken", nil},
		{"mirrored", func(m image.Image) image.Image { return imaging.FlipH(m) }},
		{"bordered", func(m image.Image) image.Image {
			b := m.Bounds()
			pad := b.Dx() / 10
			return imaging.Paste(imaging.New(b.Dx()+2*pad, b.Dy()+2*pad, color.White), m, image.Pt(pad, pad))
		}},
	}
	sunglasses, found := 0, 0
	for _, p := range photos {
		want := -1 // not asserted
		switch {
		case p.Label == "nonface":
			want = 0
		case p.Clerk == nil:
			want = 1
		}
		tinted := p.Clerk != nil && p.Clerk.Faces == 1 && p.Clerk.Glasses == faceset.GlassesTinted
		if want < 0 && !tinted {
			continue
		}
		cur = p.Label + "/" + p.Name + " " + variants[0].name
		img, taken := asTaken(t, e, p)
		for _, v := range variants {
			cur = p.Label + "/" + p.Name + " " + v.name
			faces := taken
			if v.of != nil {
				m := v.of(img)
				var err error
				if faces, err = e.DetectColor(context.Background(), luma(m), m); err != nil {
					t.Fatal(err)
				}
			}
			if want >= 0 && len(faces) != want {
				t.Errorf("%s: %d faces, want %d", cur, len(faces), want)
			}
			if tinted {
				sunglasses++
				if len(faces) > 0 {
					found++
				}
			}
		}
	}
	// dlib's detector alone finds 4 of the 9 faces behind dark glasses as
	// taken.
	t.Logf("faces found behind dark glasses: %d of %d photos and variants", found, sunglasses)
	if sunglasses > 0 && float64(found) < 0.9*float64(sunglasses) {
		t.Errorf("faces found behind dark glasses on %d of %d photos and variants, under 90 %% (issue 25)", found, sunglasses)
	}
}
