// Package facedetect finds faces and their 68 landmarks in a photo.
//
// The engine is dlib's HOG frontal face detector with the 68-point shape
// predictor (iBUG 300-W layout), reached through a small cgo shim. The rest of
// tessera depends only on the Detector interface, so tests can substitute
// recorded detections.
package facedetect

import (
	"context"
	"image"
	"math"
)

// NumLandmarks is the number of points of the iBUG 300-W layout.
const NumLandmarks = 68

// Point is a position in image pixels; X grows to the right, Y downwards.
type Point struct {
	X, Y float64
}

// Face is one detected face.
type Face struct {
	// Box is the detector's face box in pixels of the image handed to Detect.
	Box image.Rectangle
	// Score is the detector's confidence; higher is surer. Faces are
	// returned best first.
	Score float64
	// Landmarks are the 68 iBUG points: 0-16 jaw, 17-26 brows, 27-35 nose,
	// 36-41 the eye on the left of the image, 42-47 the other eye, 48-67 mouth.
	Landmarks []Point
}

// Detector finds faces in a grayscale image. Implementations are safe for
// concurrent use.
type Detector interface {
	Detect(ctx context.Context, img *image.Gray) ([]Face, error)
}

// Landmark index ranges of the 68-point layout.
const (
	JawFirst      = 0
	JawLast       = 16
	LeftEyeFirst  = 36 // eye on the left of the image
	LeftEyeLast   = 41
	RightEyeFirst = 42
	RightEyeLast  = 47
	NoseTip       = 30
	Chin          = 8
)

// Mean returns the centre of the points first..last inclusive.
func Mean(pts []Point, first, last int) Point {
	var sx, sy float64
	for i := first; i <= last; i++ {
		sx += pts[i].X
		sy += pts[i].Y
	}
	n := float64(last - first + 1)
	return Point{sx / n, sy / n}
}

// LeftEye returns the centre of the eye on the left of the image (the mean of
// its six landmarks).
func (f Face) LeftEye() Point { return Mean(f.Landmarks, LeftEyeFirst, LeftEyeLast) }

// RightEye returns the centre of the eye on the right of the image.
func (f Face) RightEye() Point { return Mean(f.Landmarks, RightEyeFirst, RightEyeLast) }

// Dist is the Euclidean distance between two points.
func Dist(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// PupilShift is how far the pupil lies above the centre of the six eyelid
// landmarks, as a fraction of the distance between the two eye centres. The
// upper lid covers more of the iris than the lower one, so the contour centre
// sits low. Measured on the 24 hand-marked photos of ../shared/faces/neutral
// (mean 0.0356) and confirmed on canada/ (0.0349) and lisa/ (0.0288), which
// took no part in choosing it.
const PupilShift = 0.035

// Pupils estimates the two pupil centres (left and right in the image) from
// the eye landmarks: each eye's contour centre moved by PupilShift of the eye
// distance, perpendicular to the eye line, towards the brows.
func (f Face) Pupils() (left, right Point) {
	l, r := f.LeftEye(), f.RightEye()
	d := Dist(l, r)
	if d == 0 {
		return l, r
	}
	// Unit normal to the eye line pointing up the face (image y grows down).
	nx, ny := (r.Y-l.Y)/d, -(r.X-l.X)/d
	s := PupilShift * d
	return Point{l.X + nx*s, l.Y + ny*s}, Point{r.X + nx*s, r.Y + ny*s}
}
