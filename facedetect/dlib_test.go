package facedetect

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/testshare"
	"github.com/tessera-cie/tessera/models"
)

func openEngine(t testing.TB) *Engine {
	t.Helper()
	path, err := models.Find()
	if err != nil {
		t.Fatalf("model: %v", err)
	}
	e, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func loadGray(t testing.TB, path string) *image.Gray {
	t.Helper()
	g, err := decodeGray(path)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// grayEngine is the engine studioFaces finds faces with, open as long as
// the test binary runs.
var grayEngine = sync.OnceValues(func() (*Engine, error) {
	path, err := models.Find()
	if err != nil {
		return nil, err
	}
	return Open(path, Options{})
})

// studioFaces returns the faces an engine opened as openEngine opens it
// finds in the luma of the photo at path (loadGray).
// TestFacesOnSharedPhotos, TestRefitBox and TestLandmarkBox read the same
// studio photos: each photo's faces are found once per test binary and
// shared (testshare.Get), so the caller must not change them.
func studioFaces(t *testing.T, path string) []Face {
	t.Helper()
	faces, err := testshare.Get("luma faces/"+path, func() ([]Face, error) {
		e, err := grayEngine()
		if err != nil {
			return nil, err
		}
		img, err := decodeGray(path)
		if err != nil {
			return nil, err
		}
		return e.Detect(context.Background(), img)
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return faces
}

// decodeGray decodes the JPEG file at path to its luma.
func decodeGray(path string) (*image.Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	return g, nil
}

// TestFacesOnSharedPhotos is the engine's accuracy on the labelled photos:
// exactly one face in every face photo, none in nonface/, and the eye centres
// (mean of the six eye landmarks) within 5 % of the inter-pupil distance of
// the hand-placed template pupils for at least 95 % of the photos.
func TestFacesOnSharedPhotos(t *testing.T) {
	t.Parallel() // real photos, slow: these tests share the cores

	dir := faceset.Require(t)
	photos, err := faceset.Load(dir, "neutral", "smiling", "canada", "lisa", "zoom", "nonface")
	if err != nil {
		t.Fatal(err)
	}
	var withFace, oneFace int
	var contour, pupil eyeStats
	var heldOut eyeStats // pupils on the photos PupilShift was not measured on
	for _, p := range photos {
		faces := studioFaces(t, p.Path)
		if p.Label == "nonface" {
			if len(faces) != 0 {
				t.Errorf("%s/%s: %d faces in a photo without faces", p.Label, p.Name, len(faces))
			}
			continue
		}
		withFace++
		if len(faces) != 1 {
			t.Errorf("%s/%s: %d faces, want 1", p.Label, p.Name, len(faces))
			continue
		}
		oneFace++
		// zoom/ templates use another, 83-point layout whose points 0 and 1
		// are not the pupils: they cannot measure the eyes.
		if !p.HasPupils() || len(p.Points) == 83 {
			continue
		}
		f := faces[0]
		gl := Point{p.Points[0][0], p.Points[0][1]}
		gr := Point{p.Points[1][0], p.Points[1][1]}
		contour.add(t, p, "contour", f.LeftEye(), f.RightEye(), gl, gr)
		pl, pr := f.Pupils()
		pupil.add(t, p, "pupil", pl, pr, gl, gr)
		if p.Label != "neutral" {
			heldOut.add(t, p, "held-out pupil", pl, pr, gl, gr)
		}
	}
	t.Logf("face photos: %d, exactly one face: %d; nonface photos: none found", withFace, oneFace)
	t.Logf("mean of the six eye landmarks: %s", contour)
	t.Logf("pupil estimate (contour centre + PupilShift): %s", pupil)
	t.Logf("  of which canada/ and lisa/, not used to measure PupilShift: %s", heldOut)
	if share := pupil.share(); share < 0.95 {
		t.Errorf("eye accuracy %.1f %% < 95 %%", 100*share)
	}
}

// eyeStats counts photos whose two eye estimates both lie within 5 % of the
// template inter-pupil distance.
type eyeStats struct {
	n, within  int
	sum, worst float64
}

func (s *eyeStats) add(t *testing.T, p faceset.Photo, what string, l, r, gl, gr Point) {
	iod := Dist(gl, gr)
	el, er := Dist(l, gl)/iod, Dist(r, gr)/iod
	m := max(el, er)
	s.n++
	s.sum += (el + er) / 2
	s.worst = max(s.worst, m)
	if m <= 0.05 {
		s.within++
	} else if what == "pupil" {
		t.Logf("%s/%s: %s error %.1f %% of the inter-eye distance", p.Label, p.Name, what, 100*m)
	}
}

func (s eyeStats) share() float64 { return float64(s.within) / float64(s.n) }

func (s eyeStats) String() string {
	return fmt.Sprintf("%d/%d photos within 5 %% = %.1f %% (mean error %.2f %%, worst %.1f %%)",
		s.within, s.n, 100*s.share(), 100*s.sum/float64(s.n), 100*s.worst)
}

func TestConcurrentDetect(t *testing.T) {
	dir := faceset.Require(t)
	photos, err := faceset.Load(dir, "neutral")
	if err != nil || len(photos) < 4 {
		t.Fatalf("photos: %v (%d)", err, len(photos))
	}
	e := openEngine(t)
	var wg sync.WaitGroup
	for _, p := range photos[:8] {
		g := loadGray(t, p.Path)
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				faces, err := e.Detect(context.Background(), g)
				if err != nil || len(faces) != 1 {
					t.Errorf("%s: %d faces, %v", p.Name, len(faces), err)
				}
			}()
		}
	}
	wg.Wait()
}

func TestDetectBlankAndEdgeCases(t *testing.T) {
	e := openEngine(t)
	tests := []struct {
		name string
		img  *image.Gray
	}{
		{"blank", image.NewGray(image.Rect(0, 0, 600, 800))},
		{"one pixel", image.NewGray(image.Rect(0, 0, 1, 1))},
		{"offset origin", image.NewGray(image.Rect(10, 20, 300, 400))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			faces, err := e.Detect(context.Background(), tc.img)
			if err != nil || len(faces) != 0 {
				t.Fatalf("got %d faces, %v; want none", len(faces), err)
			}
		})
	}
	if _, err := e.Detect(context.Background(), nil); err == nil {
		t.Fatal("nil image: no error")
	}
}

func TestOpenMissingModel(t *testing.T) {
	if _, err := Open("/nonexistent/model.dat", Options{}); err == nil {
		t.Fatal("no error for a missing model")
	}
}

// TestLifecycle: an engine whose detectors cannot all be created fails to
// open without hanging; Close may be called from many goroutines at once
// and again later; Detect after Close, and Close while a Detect runs, end
// cleanly.
func TestLifecycle(t *testing.T) {
	path, err := models.Find()
	if err != nil {
		t.Fatalf("model: %v", err)
	}
	// within fails the test when f has not returned in a while: a hang.
	within := func(t *testing.T, what string, f func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { defer close(done); f() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: still running after 30 s", what)
		}
	}
	gray := image.NewGray(image.Rect(0, 0, 320, 400))

	t.Run("a detector cannot be made", func(t *testing.T) {
		for _, fail := range []int{0, 1, 3} {
			failDetector = func(i int) bool { return i == fail }
			var err error
			within(t, "Open", func() { _, err = Open(path, Options{Workers: 4}) })
			failDetector = nil
			if err == nil {
				t.Errorf("detector %d failing: Open returned no error", fail)
			}
		}
	})
	t.Run("Close at once and again", func(t *testing.T) {
		e, err := Open(path, Options{Workers: 3})
		if err != nil {
			t.Fatal(err)
		}
		within(t, "Close", func() {
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range 8 {
				wg.Go(func() {
					<-start // all at once
					if err := e.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				})
			}
			close(start)
			wg.Wait()
		})
		if err := e.Close(); err != nil {
			t.Errorf("Close again: %v", err)
		}
		if _, err := e.Detect(context.Background(), gray); !errors.Is(err, ErrClosed) {
			t.Errorf("Detect after Close: %v, want ErrClosed", err)
		}
	})
	t.Run("Close while detecting", func(t *testing.T) {
		e, err := Open(path, Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		within(t, "Detect and Close", func() {
			var wg sync.WaitGroup
			for range 6 {
				wg.Go(func() {
					for range 20 {
						if _, err := e.Detect(context.Background(), gray); errors.Is(err, ErrClosed) {
							return
						} else if err != nil {
							t.Errorf("Detect: %v", err)
							return
						}
					}
				})
			}
			time.Sleep(20 * time.Millisecond)
			e.Close()
			wg.Wait()
		})
	})
}

// TestRefitBox measures where the detector's boxes lie against the eyes of
// the first landmark fit on the frontal photos of ../shared/faces, the
// figures the chin's second fit places its box by (refitBoxDown,
// refitBoxSide): the constants must be those means, rounded.
func TestRefitBox(t *testing.T) {
	t.Parallel() // real photos, slow: these tests share the cores

	dir := faceset.Require(t)
	photos, err := faceset.Load(dir, "neutral", "smiling", "canada")
	if err != nil {
		t.Fatal(err)
	}
	var down, side []float64
	for _, p := range photos {
		faces := studioFaces(t, p.Path)
		if len(faces) != 1 {
			t.Fatalf("%s/%s: %d faces", p.Label, p.Name, len(faces))
		}
		f := faces[0]
		l, r := f.LeftEye(), f.RightEye()
		d := Dist(l, r)
		ux, uy := (r.X-l.X)/d, (r.Y-l.Y)/d
		cx := float64(f.Box.Min.X+f.Box.Max.X)/2 - (l.X+r.X)/2
		cy := float64(f.Box.Min.Y+f.Box.Max.Y)/2 - (l.Y+r.Y)/2
		down = append(down, (-uy*cx+ux*cy)/d)
		side = append(side, float64(f.Box.Dx())/d)
	}
	for _, c := range []struct {
		name      string
		got       []float64
		want, tol float64
	}{
		{"box centre below the eyes", down, refitBoxDown, 0.01},
		{"box side", side, refitBoxSide, 0.02},
	} {
		m, sd := meanSD(c.got)
		t.Logf("%s: mean %.3f, SD %.3f eye distances over %d photos", c.name, m, sd, len(c.got))
		if math.Abs(m-c.want) > c.tol {
			t.Errorf("%s: mean %.3f eye distances, the constant says %.2f", c.name, m, c.want)
		}
	}
}

func meanSD(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)))
}

// TestLandmarkBox measures where the detector's boxes lie against the
// first landmark fit, by the points' centroid and spread, on the frontal
// photos of ../shared/faces: the constants the second fit places its box
// by (landmarkBoxUp, landmarkBoxSide) must be those means, rounded.
func TestLandmarkBox(t *testing.T) {
	t.Parallel() // real photos, slow: these tests share the cores

	dir := faceset.Require(t)
	photos, err := faceset.Load(dir, "neutral", "smiling", "canada")
	if err != nil {
		t.Fatal(err)
	}
	e := openEngine(t)
	var up, across, side []float64
	for _, p := range photos {
		img, faces := loadGray(t, p.Path), studioFaces(t, p.Path)
		if len(faces) != 1 {
			t.Fatalf("%s/%s: %d faces", p.Label, p.Name, len(faces))
		}
		box := faces[0].Box
		first, err := e.landmarks(img, box)
		if err != nil {
			t.Fatal(err)
		}
		c, s := centroidSpread(first)
		up = append(up, (c.Y-float64(box.Min.Y+box.Max.Y)/2)/s)
		across = append(across, (float64(box.Min.X+box.Max.X)/2-c.X)/s)
		side = append(side, float64(box.Dx())/s)
	}
	for _, c := range []struct {
		name      string
		got       []float64
		want, tol float64
	}{
		{"box centre above the centroid", up, landmarkBoxUp, 0.01},
		// A mirror image swaps left and right: the box is centred across.
		{"box centre right of the centroid", across, 0, 0.05},
		{"box side", side, landmarkBoxSide, 0.02},
	} {
		m, sd := meanSD(c.got)
		t.Logf("%s: mean %.3f, SD %.3f spreads over %d photos", c.name, m, sd, len(c.got))
		if math.Abs(m-c.want) > c.tol {
			t.Errorf("%s: mean %.3f spreads, the constant says %.2f", c.name, m, c.want)
		}
	}
}

// TestMirrorFit holds the landmark fit to its symmetry. Fitted in a box,
// a face's mirror image in the mirrored box gets exactly the mirrored
// points (the face is small enough to be fitted unscaled, so both fits
// see the same pixels); and mirrorPart pairs each point with its own
// mirror image: the fit of the mirror image, mirrored back and renumbered,
// lies by the fit of the photo (a wrong pair would put an eye corner on
// the other corner, a brow's end on its middle).
func TestMirrorFit(t *testing.T) {
	t.Parallel() // real photos, slow: these tests share the cores

	dir := faceset.Require(t)
	photos, err := faceset.Load(dir, "neutral")
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range mirrorPart {
		if mirrorPart[j] != i {
			t.Fatalf("mirrorPart is not its own inverse at %d", i)
		}
	}
	e := openEngine(t)
	var apart [NumLandmarks][]float64 // each point's distance, face by face
	for _, p := range photos {
		// Half size: the faces of neutral/ are 440 px wide, over the
		// size the fit scales faces down to.
		full := loadGray(t, p.Path)
		img := shrink(full, full.Rect, 0.5)
		faces, err := e.Detect(context.Background(), img)
		if err != nil || len(faces) != 1 {
			t.Fatalf("%s: %d faces, %v", p.Name, len(faces), err)
		}
		box := faces[0].Box
		if box.Dx() > e.opts.LandmarkSize {
			t.Fatalf("%s: a box %d px wide is scaled for the fit", p.Name, box.Dx())
		}
		w := img.Rect.Dx()
		got, err := e.landmarks(img, box)
		if err != nil {
			t.Fatal(err)
		}
		mirrored, err := e.landmarks(flipH(img), image.Rect(w-box.Max.X, box.Min.Y, w-box.Min.X, box.Max.Y))
		if err != nil {
			t.Fatal(err)
		}
		for i, q := range mirrored {
			m := got[mirrorPart[i]]
			if math.Abs(q.X-(float64(w-1)-m.X)) > 1e-9 || math.Abs(q.Y-m.Y) > 1e-9 {
				t.Fatalf("%s: point %d of the mirror image %v, the photo's %d mirrored %v", p.Name, i, q, mirrorPart[i], Point{float64(w-1) - m.X, m.Y})
			}
		}

		// The two fits that the average takes, one at a time.
		region := image.Rect(box.Min.X-box.Dx()/2, box.Min.Y-box.Dx()/2, box.Max.X+box.Dx()/2, box.Max.Y+box.Dx()/2).Intersect(img.Rect)
		crop := shrink(img, region, 1)
		l, tp := (box.Min.X - region.Min.X), (box.Min.Y - region.Min.Y)
		r, b := (box.Max.X - region.Min.X - 1), (box.Max.Y - region.Min.Y - 1)
		one, err := e.fit(crop, l, tp, r, b)
		if err != nil {
			t.Fatal(err)
		}
		cw := (crop.Rect.Dx())
		other, err := e.fit(flipH(crop), cw-1-r, tp, cw-1-l, b)
		if err != nil {
			t.Fatal(err)
		}
		d := Dist(Face{Landmarks: one}.LeftEye(), Face{Landmarks: one}.RightEye())
		for i := range one {
			m := other[mirrorPart[i]]
			apart[i] = append(apart[i], Dist(one[i], Point{float64(cw-1) - m.X, m.Y})/d)
		}
	}
	// Each point and its pair's mirror image: a correct pair lies within
	// the trees' own leaning; a wrong one is a neighbouring point at best,
	// 0.11-0.16 eye distances away on a lid or a lip (0.4 an eye's
	// corners), on every face.
	const maxApart = 0.08
	var most float64
	for i, v := range apart {
		slices.Sort(v)
		m := v[len(v)/2]
		most = max(most, m)
		if m > maxApart {
			t.Errorf("point %d: the mirror image's fit of point %d lies %.3f eye distances away (median over %d faces), over %.2f: mirrorPart pairs the wrong points", i, mirrorPart[i], m, len(v), maxApart)
		}
	}
	t.Logf("the two fits, point by point: the farthest median %.3f eye distances over %d faces", most, len(apart[0]))
}
