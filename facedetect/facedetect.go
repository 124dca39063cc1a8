// Package facedetect finds faces and their 68 landmarks in a photo.
//
// The engine is dlib's HOG frontal face detector with the 68-point shape
// predictor (iBUG 300-W layout), reached through a small cgo shim, and
// optionally a second detector (a BoxFinder: package ultraface's network)
// whose faces the HOG detector missed are added where it confirms them
// (Engine.DetectColor). The rest of
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
	// Score is the detector's confidence; higher is surer. The HOG
	// detector's faces come first, best first, then those only the second
	// detector found, with its score in (0, 1].
	Score float64
	// Landmarks are the 68 iBUG points (named by the constants below):
	// 0-16 jaw, 17-26 brows, 27-35 nose, 36-41 the eye on the left of the
	// image, 42-47 the other eye, 48-67 mouth. Engine fits them in a box
	// placed by a first fit rather than in Box, and averages each fit
	// with the fit of the mirror image, so that a photo and its mirror
	// image get mirrored points to within rounding (landmarkBox,
	// Engine.landmarks, Engine.detect).
	Landmarks []Point
	// Chin is the bottom of the chin as a further fit of the landmarks, in
	// a box placed by the eyes, finds it: on a double chin steadier than
	// a fit in a box placed by the detector or by all the points (Engine
	// documents the box and the figures). It is
	// Landmarks[Chin] where the second fit moves the eyes away from the
	// first's, where the eyes are under a pixel apart, or where the box
	// would miss the image. The zero Point means no second fit was made
	// (a Face from another Detector): use Landmarks[Chin] then.
	Chin Point
}

// Box is a face box found by a BoxFinder: its corners in pixels of the
// image it was handed (Min inclusive, Max exclusive, as image.Rectangle,
// but not rounded) and its score in (0, 1], higher being surer.
type Box struct {
	MinX, MinY, MaxX, MaxY float64
	Score                  float64
}

// Overlap is the intersection over union of b and o: 1 for the same box,
// 0 for boxes apart.
func (b Box) Overlap(o Box) float64 {
	iw := min(b.MaxX, o.MaxX) - max(b.MinX, o.MinX)
	ih := min(b.MaxY, o.MaxY) - max(b.MinY, o.MinY)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	in := iw * ih
	return in / ((b.MaxX-b.MinX)*(b.MaxY-b.MinY) + (o.MaxX-o.MinX)*(o.MaxY-o.MinY) - in)
}

// A BoxFinder is a second face detector, the Engine's Options.Second: it
// finds face boxes in a small colour copy of the photo (an *image.NRGBA,
// or an *image.Gray when the photo's colours are not known), best first.
// Implementations are safe for concurrent use.
type BoxFinder interface {
	Detect(ctx context.Context, img image.Image) ([]Box, error)
}

// Detector finds faces in a grayscale image. The image may be a
// sub-image, off the origin and its rows further apart than its width:
// faces are then in its coordinates. Implementations are safe for
// concurrent use.
type Detector interface {
	Detect(ctx context.Context, img *image.Gray) ([]Face, error)
}

// A ColorDetector is a Detector that also reads the photo's colours,
// given beside its luma (Engine: its second detector reads them).
type ColorDetector interface {
	Detector
	DetectColor(ctx context.Context, img *image.Gray, colour image.Image) ([]Face, error)
}

// The landmarks of the 68-point iBUG 300-W layout, named by what they
// mark. Left and right are those of the image: the eye on the left of the
// image is the person's right eye.
const (
	// The jaw outline, from beside the ear on the left round the chin.
	JawFirst      = 0
	JawLeftCheek  = 2 // at about the height of the nostrils
	Chin          = 8
	JawRightCheek = 14
	JawLast       = 16

	// The brows, each from its end on the left of the image.
	LeftBrowFirst   = 17
	LeftBrowMiddle  = 19
	LeftBrowLast    = 21
	RightBrowFirst  = 22
	RightBrowMiddle = 24
	RightBrowLast   = 26

	// The nose: the bridge from between the eyes down to the tip, then
	// the base from the nostril on the left.
	NoseBridgeTop = 27
	NoseBridgeLow = 29
	NoseTip       = 30
	NostrilLeft   = 31
	NoseBase      = 33 // under the tip, where the nose meets the upper lip
	NostrilRight  = 35

	// The eyes, six points each: a corner, two on the upper lid, the
	// other corner, two on the lower lid (EyeCorner and the others below
	// count from an eye's first point).
	LeftEyeFirst  = 36
	LeftEyeOuter  = 36
	LeftEyeInner  = 39
	LeftEyeLast   = 41
	RightEyeFirst = 42
	RightEyeInner = 42
	RightEyeOuter = 45
	RightEyeLast  = 47

	// The outer lip outline, from the corner on the left, over the upper
	// lip and back under the lower one.
	MouthLeft      = 48
	UpperLipTop    = 51
	MouthRight     = 54
	LowerLipBottom = 57
	OuterLipFirst  = 48
	OuterLipLast   = 59

	// The inner lip outline (the opening), the same way round: three
	// points under the upper lip, three over the lower one.
	InnerLipFirst    = 60
	InnerUpperLeft   = 61
	InnerUpperMiddle = 62
	InnerUpperRight  = 63
	InnerLowerRight  = 65
	InnerLowerMiddle = 66
	InnerLowerLeft   = 67
	InnerLipLast     = 67
)

// The six points of an eye, counted from its first (LeftEyeFirst or
// RightEyeFirst).
const (
	EyeCornerA = 0 // the corner on the left of the image
	EyeUpperA  = 1
	EyeUpperB  = 2
	EyeCornerB = 3 // the corner on the right
	EyeLowerB  = 4 // under EyeUpperB
	EyeLowerA  = 5 // under EyeUpperA
)

// MirrorLandmark returns the landmark that point i becomes in the mirror
// image of a face: the jaw, brows, eyes, nostrils and mouth swap sides;
// the nose's ridge, its tip and the mouth's middle stay (iBUG 300-W
// layout). It panics if i is not a landmark.
func MirrorLandmark(i int) int { return mirrorPart[i] }

// mirrorPart[i] is the landmark that point i becomes in the mirror image
// of a face: the jaw, brows, eyes, nostrils and mouth swap sides; the
// nose's ridge, its tip and the mouth's middle stay (iBUG 300-W layout).
var mirrorPart = func() [NumLandmarks]int {
	var m [NumLandmarks]int
	pairs := [][2]int{
		{0, 16}, {1, 15}, {2, 14}, {3, 13}, {4, 12}, {5, 11}, {6, 10}, {7, 9}, // jaw
		{17, 26}, {18, 25}, {19, 24}, {20, 23}, {21, 22}, // brows
		{31, 35}, {32, 34}, // nostrils
		{36, 45}, {37, 44}, {38, 43}, {39, 42}, {40, 47}, {41, 46}, // eyes
		{48, 54}, {49, 53}, {50, 52}, {55, 59}, {56, 58}, // outer lips
		{60, 64}, {61, 63}, {65, 67}, // inner lips
	}
	for i := range m {
		m[i] = i
	}
	for _, p := range pairs {
		m[p[0]], m[p[1]] = p[1], p[0]
	}
	return m
}()

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
