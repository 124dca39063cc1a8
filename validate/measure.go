package validate

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/tessera-cie/tessera/facedetect"
)

// measures are the numbers the checks judge.
type measures struct {
	faces []facedetect.Face
	face  *faceGeom // set when exactly one face was found
	color colorStats
	// features are the expression, eye and pose measures (measure_features.go, judge_features.go);
	// nil without a face.
	features *featureMeasures
	// capture are the background, exposure, sharpness and lighting
	// measures (measure_capture.go).
	capture *captureMeasures
}

// faceGeom is the geometry of the one face of the photo.
type faceGeom struct {
	f           facedetect.Face
	left, right facedetect.Point // pupil estimates, left and right in the image
	eyeMid      facedetect.Point
	chin        facedetect.Point
	// crown is the top of the head as seen against the backdrop, hair
	// included (crownSeen), or the skull estimate when it cannot be seen.
	crown facedetect.Point
	// skull is the top of the head estimated from the landmarks alone
	// (SkullRatio): where the top of the head would be with hair lying
	// close to it.
	skull     facedetect.Point
	crownSeen bool    // crown was found against the backdrop
	crownCut  bool    // the head reaches the top edge of the photo
	roll      float64 // degrees, positive when the right eye is lower
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
	fi.CrownFrom = "estimate"
	if g.crownSeen {
		fi.CrownFrom = "visible"
	}
	skull := pt(g.skull)
	fi.Skull = &skull
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
		m.face = geometry(faces[0], ph.img, ph.gray)
		m.features = measureFeatures(ph, m.face)
	}
	m.capture = measureCapture(ph, m)
	return m, nil
}

// SkullRatio is the distance from the eye line up to the top of the head
// as the landmarks predict it, over the distance from the eye line down to
// the chin: the top of a head whose hair lies close to it. On the 42
// hand-marked photos of ../shared/faces (neutral/, canada/) the highest
// head-outline point of the template, which follows the head through
// voluminous hair rather than the hair's edge, lies a median 0.91
// eye-to-chin above the eyes (10th-90th percentile 0.86-1.03); fitted
// leaving each person out the median stays 0.906-0.908 (TestSkullRatio).
// The eye line is not at the middle of chin to crown: the top lies less
// far above the eyes than the chin below them.
const SkullRatio = 0.91

// geometry measures eyes, chin, crown and roll from the landmarks and,
// for the crown, from the image (img, and lum its luma).
func geometry(f facedetect.Face, img image.Image, lum *image.Gray) *faceGeom {
	l, r := f.Pupils()
	mid := facedetect.Point{X: (l.X + r.X) / 2, Y: (l.Y + r.Y) / 2}
	chin := f.Landmarks[facedetect.Chin]
	fg := &faceGeom{f: f, left: l, right: r, eyeMid: mid, chin: chin}
	fg.roll = math.Atan2(r.Y-l.Y, r.X-l.X) * 180 / math.Pi
	// The skull: SkullRatio times as far above the eyes as the chin is
	// below them, along the face's own axis.
	fg.skull = facedetect.Point{X: mid.X - SkullRatio*(chin.X-mid.X), Y: mid.Y - SkullRatio*(chin.Y-mid.Y)}
	top := visibleTop(img, lum, mid, chin)
	fg.crownSeen, fg.crownCut = top.visible, top.cut
	// Without a backdrop to see it against, a skull above the top edge
	// still says the head runs off the photo.
	if !top.visible && fg.skull.Y <= float64(lum.Rect.Min.Y) {
		fg.crownCut = true
	}
	fg.crown = fg.skull
	if top.visible {
		fg.crown = top.top
	}
	return fg
}
