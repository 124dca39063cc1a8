package validate

import (
	"context"
	"fmt"
	"image"
	"math"
	"sort"

	"github.com/tessera-cie/tessera/facedetect"
)

// measures are the numbers the checks judge.
type measures struct {
	faces []facedetect.Face
	face  *faceGeom // set when exactly one face was found
	color colorStats
	// features are the expression, eye and pose measures (features.go);
	// nil without a face.
	features *featureMeasures
	// capture are the background, exposure, sharpness and lighting
	// measures (capture.go).
	capture *captureMeasures
}

// faceGeom is the geometry of the one face of the photo.
type faceGeom struct {
	f           facedetect.Face
	left, right facedetect.Point // pupil estimates, left and right in the image
	eyeMid      facedetect.Point
	chin, crown facedetect.Point
	crownFrom   string  // "estimate" or "outline"
	roll        float64 // degrees, positive when the right eye is lower
}

func (g *faceGeom) info() *FaceInfo {
	b := g.f.Box
	fi := &FaceInfo{
		Box:      [4]int{b.Min.X, b.Min.Y, b.Max.X, b.Max.Y},
		LeftEye:  pt(g.left),
		RightEye: pt(g.right),
		Chin:     pt(g.chin),
		Crown:    pt(g.crown),
		Roll:     round1(g.roll),
	}
	for _, p := range g.f.Landmarks {
		fi.Landmarks = append(fi.Landmarks, pt(p))
	}
	return fi
}

func pt(p facedetect.Point) [2]float64 { return [2]float64{round1(p.X), round1(p.Y)} }

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// measure finds the faces and measures the photo.
func (v *Validator) measure(ctx context.Context, ph *photo) (*measures, error) {
	m := &measures{color: measureColor(ph.img)}
	faces, err := v.det.Detect(ctx, ph.gray)
	if err != nil {
		return nil, fmt.Errorf("face detection: %w", err)
	}
	m.faces = faces
	if len(faces) == 1 {
		m.face = geometry(faces[0], ph.gray)
		m.features = measureFeatures(ph, m.face)
	}
	m.capture = measureCapture(ph, m)
	return m, nil
}

// CrownRatio is the distance from the eye line up to the crown (the top of
// the skull, without hair) over the distance from the eye line down to the
// chin. On the 24 hand-marked photos of ../shared/faces/neutral the top of
// the hair (template point 151) lies at a median 0.89 times the eye-to-chin
// distance (template point 129) above the eyes; the skull lies a few
// millimetres under the hair, which anthropometric tables put at 0.85-0.9.
const CrownRatio = 0.88

// MinCrownRatio bounds the head outline: on neutral/ the top of the hair is
// never nearer the eyes than 0.83 times the eye-to-chin distance, so an
// outline under 0.75 is something else.
const MinCrownRatio = 0.75

// geometry measures eyes, chin, crown and roll from the landmarks.
func geometry(f facedetect.Face, g *image.Gray) *faceGeom {
	l, r := f.Pupils()
	mid := facedetect.Point{X: (l.X + r.X) / 2, Y: (l.Y + r.Y) / 2}
	chin := f.Landmarks[facedetect.Chin]
	fg := &faceGeom{f: f, left: l, right: r, eyeMid: mid, chin: chin}
	fg.roll = math.Atan2(r.Y-l.Y, r.X-l.X) * 180 / math.Pi
	// ICAO Doc 9303: the crown is the top of the head without hair. The eye
	// line lies near the middle of the head, a little above it: the crown
	// is CrownRatio times as far above the eyes as the chin is below them.
	fg.crown = facedetect.Point{X: mid.X - CrownRatio*(chin.X-mid.X), Y: mid.Y - CrownRatio*(chin.Y-mid.Y)}
	fg.crownFrom = "estimate"
	// Short hair or none: the visible head outline lies below the estimate,
	// and then the outline is the crown.
	// An outline closer to the eyes than MinCrownRatio allows is the brows
	// or the forehead of a head cut by the frame, not the top of the head.
	lowest := mid.Y - MinCrownRatio*(chin.Y-mid.Y)
	if top, ok := headTop(g, f, mid); ok && top > fg.crown.Y && top <= lowest {
		fg.crown = facedetect.Point{X: fg.crown.X + (mid.X-fg.crown.X)*(top-fg.crown.Y)/(mid.Y-fg.crown.Y), Y: top}
		fg.crownFrom = "outline"
	}
	return fg
}

// headTop finds the top of the visible head outline above the eyes: going
// down the columns between the eyes from the top edge, the first rows that
// differ clearly from the backdrop. The backdrop is sampled in the two top
// corners; ok is false when they disagree (no plain backdrop to compare with).
func headTop(g *image.Gray, f facedetect.Face, mid facedetect.Point) (float64, bool) {
	b := g.Rect
	half := max(2, f.Box.Dx()/8)
	x0, x1 := max(b.Min.X, int(mid.X)-half), min(b.Max.X, int(mid.X)+half)
	yEnd := min(b.Max.Y, int(mid.Y))
	cw, ch := max(2, b.Dx()/12), max(2, b.Dy()/12)
	corner := func(x0, y0 int) []int {
		var v []int
		for y := y0; y < y0+ch; y++ {
			for x := x0; x < x0+cw; x++ {
				v = append(v, int(g.Pix[g.PixOffset(x, y)]))
			}
		}
		sort.Ints(v)
		return v
	}
	left, right := corner(b.Min.X, b.Min.Y), corner(b.Max.X-cw, b.Min.Y)
	ml, mr := left[len(left)/2], right[len(right)/2]
	if ml-mr > 16 || mr-ml > 16 || x1-x0 < 4 {
		return 0, false
	}
	med := (ml + mr) / 2
	spread := max(left[len(left)*9/10]-left[len(left)/10], right[len(right)*9/10]-right[len(right)/10])
	thr := max(24, 3*spread)
	run := 0
	need := max(3, f.Box.Dy()/40)
	for y := b.Min.Y; y < yEnd; y++ {
		diff := 0
		for x := x0; x < x1; x++ {
			if d := int(g.Pix[g.PixOffset(x, y)]) - med; d > thr || d < -thr {
				diff++
			}
		}
		if diff*2 > x1-x0 {
			run++
			if run >= need {
				top := y - need + 1
				if top == b.Min.Y {
					return 0, false // the head is cut by the top edge
				}
				return float64(top), true
			}
		} else {
			run = 0
		}
	}
	return 0, false
}
