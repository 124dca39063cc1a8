package facedetect_test

import (
	"context"
	"image"
	"image/draw"
	"math"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/engine"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/testshare"
)

// TestMirrorDetect checks that the engine, with its second detector, finds
// the mirror images of the same faces in the mirror image of a photo, to
// the last bit: the same boxes mirrored, the same scores, and each
// landmark and chin the mirror image of its partner's (MirrorLandmark),
// within rounding (1e-9 pixels). On every photo of ../shared/faces but the
// smiling portraits: studio faces fitted scaled down, small faces in
// groups, faces found only by the second detector, photos of no face.
// Before the HOG detector scanned both sides (Engine.detect) and shrink
// weighed exact areas, a photo and its mirror image read their worst
// point 0.027 eye distances apart (median over ../shared/faces/wild and
// neutral/; 0.10 at the 90th percentile, 8.7 at worst).
func TestMirrorDetect(t *testing.T) {
	t.Parallel() // real photos, slow: these tests share the cores

	photos, e := photosAndEngine(t, "neutral", "canada", "lisa", "nonface", "wild", "zoom")
	const tol = 1e-9 // pixels
	faces := 0
	for _, p := range photos {
		img, got := asTaken(t, e, p)
		mirror := imaging.FlipH(img)
		mirrored, err := e.DetectColor(context.Background(), luma(mirror), mirror)
		if err != nil {
			t.Fatal(err)
		}
		name := p.Label + "/" + p.Name
		if len(got) != len(mirrored) {
			t.Errorf("%s: %d faces, its mirror image %d", name, len(got), len(mirrored))
			continue
		}
		w := img.Bounds().Dx()
		flip := func(q facedetect.Point) facedetect.Point { return facedetect.Point{X: float64(w-1) - q.X, Y: q.Y} }
		near := func(a, b facedetect.Point) bool { return math.Abs(a.X-b.X) <= tol && math.Abs(a.Y-b.Y) <= tol }
		for i, f := range got {
			faces++
			m := mirrored[i]
			if want := image.Rect(w-f.Box.Max.X, f.Box.Min.Y, w-f.Box.Min.X, f.Box.Max.Y); m.Box != want || m.Score != f.Score {
				t.Errorf("%s face %d: box %v score %v in the mirror image, want %v score %v", name, i, m.Box, m.Score, want, f.Score)
				continue
			}
			if !near(m.Chin, flip(f.Chin)) {
				t.Errorf("%s face %d: chin %v in the mirror image, want %v", name, i, m.Chin, flip(f.Chin))
			}
			for k, q := range m.Landmarks {
				if want := flip(f.Landmarks[facedetect.MirrorLandmark(k)]); !near(q, want) {
					t.Errorf("%s face %d: point %d %v in the mirror image, want %v", name, i, k, q, want)
					break
				}
			}
		}
	}
	t.Logf("%d photos, %d faces, each the mirror image of its mirror image's", len(photos), faces)
}

// photosAndEngine returns the photos of folders of ../shared/faces and the
// engine tessera runs (dlib's, with the second detector), closed when the
// test ends.
func photosAndEngine(t *testing.T, folders ...string) ([]faceset.Photo, *facedetect.Engine) {
	t.Helper()
	photos, err := faceset.Load(faceset.Require(t), folders...)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return photos, e
}

// asTaken returns photo p decoded as displayed, in 8-bit RGB, and the
// faces engine e finds in it. Two images made from it read their luma
// from the same colours (a JPEG's YCbCr converts to another luma), as
// validate reads a JPEG's luma (ycbcrLuma). Several tests read the same
// photos as taken, with engines opened alike (engine.Open): each photo's
// faces are found once per test binary, by the first test to ask, and
// shared (testshare.Get; the caller must not change them); the photo is
// decoded anew for each, as holding them all would take several hundred
// megabytes.
func asTaken(t *testing.T, e *facedetect.Engine, p faceset.Photo) (*image.NRGBA, []facedetect.Face) {
	t.Helper()
	src, err := imaging.Open(p.Path, imaging.AutoOrientation(true))
	if err != nil {
		t.Fatal(err)
	}
	img := imaging.Clone(src)
	faces, err := testshare.Get("faces as taken/"+p.Path, func() ([]facedetect.Face, error) {
		return e.DetectColor(context.Background(), luma(img), img)
	})
	if err != nil {
		t.Fatalf("%s/%s: %v", p.Label, p.Name, err)
	}
	return img, faces
}

// luma is m's luma, in m's bounds.
func luma(m image.Image) *image.Gray {
	g := image.NewGray(m.Bounds())
	draw.Draw(g, g.Rect, m, m.Bounds().Min, draw.Src)
	return g
}
