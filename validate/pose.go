package validate

import (
	"math"

	"github.com/tessera-cie/tessera/facedetect"
)

// This file: head pose (yaw, pitch) from the 68 landmarks.
//
// The landmarks are fitted to a generic 3D face by a scaled orthographic
// (weak-perspective) projection, solved in closed form by linear least
// squares and then snapped to the nearest scaled rotation. At the distance
// an ID photo is taken (a metre or more, face depth about 10 cm) perspective
// changes the projection by a few per cent only, so a full PnP with an
// unknown focal length would add an iteration and a camera model for no
// measurable gain; the closed form needs no dependency and cannot fail to
// converge.
//
// Sign convention (degrees, image as displayed):
//   - yaw > 0: the nose points to the right of the image (the person turns
//     to their own left); yaw < 0: to the left of the image.
//   - pitch > 0: the chin is raised (the face looks up); pitch < 0: the
//     head is bowed.
//
// Roll (the eye line's tilt, judged by the roll check) is removed before the
// fit, so yaw and pitch are measured in the head's own frame.

// faceModel is a generic face in the 68-point iBUG layout: x to the right of
// the image, y down, z into the scene (away from the camera), in units of the
// distance between the eye centres, origin between the eyes.
//
// x and y are the mean landmarks that the dlib engine finds on the 24 frontal
// photos of ../shared/faces/neutral (rotated to a level eye line, scaled to
// unit eye distance, made left-right symmetric). z is hand-set from common
// anthropometric proportions (the nose tip about half an eye distance in front
// of the inner eye corners, the jaw outline at the ears about 1.5 behind the tip):
// approximate, which biases the size of large angles by some per cent but
// not the sign, nor the zero of a frontal face.
var faceModel = func() [facedetect.NumLandmarks][3]float64 {
	var m [facedetect.NumLandmarks][3]float64
	for i := range m {
		m[i] = [3]float64{modelXY[i][0], modelXY[i][1], modelZ[i]}
	}
	return m
}()

// modelZ is the depth of each landmark behind the nose tip, in eye distances.
var modelZ = [facedetect.NumLandmarks]float64{
	// 0-16 jaw outline, from the left ear down to the chin and up again
	1.45, 1.40, 1.30, 1.15, 0.95, 0.75, 0.55, 0.42, 0.38, 0.42, 0.55, 0.75, 0.95, 1.15, 1.30, 1.40, 1.45,
	// 17-26 brows
	0.70, 0.52, 0.40, 0.34, 0.32, 0.32, 0.34, 0.40, 0.52, 0.70,
	// 27-30 nose bridge to tip
	0.40, 0.28, 0.14, 0.00,
	// 31-35 nostrils
	0.32, 0.24, 0.20, 0.24, 0.32,
	// 36-41 eye on the left: outer corner, upper lid, inner corner, lower lid
	0.66, 0.50, 0.48, 0.46, 0.50, 0.54,
	// 42-47 eye on the right: inner corner, upper lid, outer corner, lower lid
	0.46, 0.48, 0.50, 0.66, 0.54, 0.50,
	// 48-59 outer lips: corner, upper lip, corner, lower lip
	0.58, 0.42, 0.32, 0.30, 0.32, 0.42, 0.58, 0.44, 0.36, 0.34, 0.36, 0.44,
	// 60-67 inner lips
	0.54, 0.38, 0.34, 0.38, 0.54, 0.40, 0.37, 0.40,
}

// headPose returns yaw and pitch in degrees (see the sign convention above)
// and the fit's residual: the mean distance between the landmarks and the
// fitted model, in eye distances. ok is false when the landmarks are not 68
// or degenerate.
func headPose(lm []facedetect.Point) (yaw, pitch, resid float64, ok bool) {
	if len(lm) != facedetect.NumLandmarks {
		return 0, 0, 0, false
	}
	q, ok := levelled(lm)
	if !ok {
		return 0, 0, 0, false
	}
	return fitPose(q, faceModel[:])
}

// levelled returns the landmarks rotated so the eye line is level, centred
// on the mean landmark and scaled to unit eye distance.
func levelled(lm []facedetect.Point) ([][2]float64, bool) {
	l := facedetect.Mean(lm, facedetect.LeftEyeFirst, facedetect.LeftEyeLast)
	r := facedetect.Mean(lm, facedetect.RightEyeFirst, facedetect.RightEyeLast)
	d := facedetect.Dist(l, r)
	if d < 1e-6 {
		return nil, false
	}
	c, s := (r.X-l.X)/d, (r.Y-l.Y)/d
	mid := facedetect.Point{X: (l.X + r.X) / 2, Y: (l.Y + r.Y) / 2}
	out := make([][2]float64, len(lm))
	for i, p := range lm {
		dx, dy := p.X-mid.X, p.Y-mid.Y
		out[i] = [2]float64{(c*dx + s*dy) / d, (-s*dx + c*dy) / d}
	}
	return out, true
}

// fitPose fits q (2D) = s R[0:2] model + t by least squares and reads yaw and
// pitch from the rotation R.
func fitPose(q [][2]float64, model [][3]float64) (yaw, pitch, resid float64, ok bool) {
	n := len(q)
	if n != len(model) || n < 4 {
		return 0, 0, 0, false
	}
	// Centre both point sets.
	var qc [2]float64
	var pc [3]float64
	for i := range q {
		for k := 0; k < 2; k++ {
			qc[k] += q[i][k] / float64(n)
		}
		for k := 0; k < 3; k++ {
			pc[k] += model[i][k] / float64(n)
		}
	}
	// A = P^T P (3x3), B = Q^T P (2x3).
	var a [3][3]float64
	var b [2][3]float64
	for i := range q {
		p := [3]float64{model[i][0] - pc[0], model[i][1] - pc[1], model[i][2] - pc[2]}
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				a[r][c] += p[r] * p[c]
			}
			b[0][r] += (q[i][0] - qc[0]) * p[r]
			b[1][r] += (q[i][1] - qc[1]) * p[r]
		}
	}
	inv, ok := inv3(a)
	if !ok {
		return 0, 0, 0, false
	}
	// M = B A^-1: the two projected rows of s R.
	var m [2][3]float64
	for r := 0; r < 2; r++ {
		for c := 0; c < 3; c++ {
			for k := 0; k < 3; k++ {
				m[r][c] += b[r][k] * inv[k][c]
			}
		}
	}
	n1, n2 := norm3(m[0]), norm3(m[1])
	if n1 < 1e-9 || n2 < 1e-9 {
		return 0, 0, 0, false
	}
	// Nearest pair of orthonormal rows: symmetric about their bisector.
	u, v := scale3(m[0], 1/n1), scale3(m[1], 1/n2)
	sum, diff := add3(u, v), sub3(u, v)
	if norm3(sum) < 1e-9 || norm3(diff) < 1e-9 {
		return 0, 0, 0, false
	}
	sum, diff = scale3(sum, 1/norm3(sum)), scale3(diff, 1/norm3(diff))
	r1 := scale3(add3(sum, diff), 1/math.Sqrt2)
	r2 := scale3(sub3(sum, diff), 1/math.Sqrt2)
	r3 := cross3(r1, r2)
	s := (n1 + n2) / 2
	// The face looks along the model's -z axis; in camera coordinates (x
	// right, y down, z away from the camera) that is -R e_z.
	fx, fy, fz := -r1[2], -r2[2], -r3[2]
	yaw = math.Atan2(fx, -fz) * 180 / math.Pi
	pitch = math.Atan2(-fy, math.Hypot(fx, fz)) * 180 / math.Pi
	// Residual of the fit.
	for i := range q {
		p := [3]float64{model[i][0] - pc[0], model[i][1] - pc[1], model[i][2] - pc[2]}
		x := s*dot3(r1, p) + qc[0]
		y := s*dot3(r2, p) + qc[1]
		resid += math.Hypot(q[i][0]-x, q[i][1]-y) / float64(n)
	}
	return yaw, pitch, resid, true
}

// rotateModel turns the model by yaw and pitch (degrees, the convention
// above) and projects it orthographically: the landmarks a face so turned
// would show, for testing the solver.
func rotateModel(model [][3]float64, yaw, pitch float64) [][2]float64 {
	// The face's forward direction must become (sin yaw cos pitch,
	// -sin pitch, -cos yaw cos pitch): rotate about x (pitch), then y (yaw).
	a, b := pitch*math.Pi/180, -yaw*math.Pi/180
	out := make([][2]float64, len(model))
	for i, p := range model {
		// Pitch: about the x axis; the chin (y > 0) comes forward (z < 0)
		// when the face looks up.
		y := math.Cos(a)*p[1] + math.Sin(a)*p[2]
		z := -math.Sin(a)*p[1] + math.Cos(a)*p[2]
		// Yaw: about the y axis.
		x := math.Cos(b)*p[0] + math.Sin(b)*z
		out[i] = [2]float64{x, y}
	}
	return out
}

func inv3(a [3][3]float64) ([3][3]float64, bool) {
	var r [3][3]float64
	det := a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) -
		a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) +
		a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
	if math.Abs(det) < 1e-12 {
		return r, false
	}
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			// Cofactor of a[j][i] (transposed).
			r0, r1 := (j+1)%3, (j+2)%3
			c0, c1 := (i+1)%3, (i+2)%3
			r[i][j] = (a[r0][c0]*a[r1][c1] - a[r0][c1]*a[r1][c0]) / det
		}
	}
	return r, true
}

func dot3(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func norm3(a [3]float64) float64   { return math.Sqrt(dot3(a, a)) }
func add3(a, b [3]float64) [3]float64 {
	return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]}
}
func sub3(a, b [3]float64) [3]float64 {
	return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]}
}
func scale3(a [3]float64, s float64) [3]float64 { return [3]float64{a[0] * s, a[1] * s, a[2] * s} }
func cross3(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// modelXY are the x, y of faceModel: the mean dlib landmarks of the 24
// photos of ../shared/faces/neutral, levelled, unit eye distance, origin
// between the eye centres, made symmetric (generated once; see pose.go).
var modelXY = [facedetect.NumLandmarks][2]float64{
	{-1.121, 0.066},  // 0
	{-1.098, 0.362},  // 1
	{-1.055, 0.649},  // 2
	{-1.006, 0.937},  // 3
	{-0.923, 1.211},  // 4
	{-0.770, 1.442},  // 5
	{-0.552, 1.624},  // 6
	{-0.293, 1.755},  // 7
	{0.000, 1.794},   // 8
	{0.293, 1.755},   // 9
	{0.552, 1.624},   // 10
	{0.770, 1.442},   // 11
	{0.923, 1.211},   // 12
	{1.006, 0.937},   // 13
	{1.055, 0.649},   // 14
	{1.098, 0.362},   // 15
	{1.121, 0.066},   // 16
	{-0.945, -0.190}, // 17
	{-0.813, -0.348}, // 18
	{-0.607, -0.409}, // 19
	{-0.395, -0.381}, // 20
	{-0.192, -0.302}, // 21
	{0.192, -0.302},  // 22
	{0.395, -0.381},  // 23
	{0.607, -0.409},  // 24
	{0.813, -0.348},  // 25
	{0.945, -0.190},  // 26
	{0.000, -0.063},  // 27
	{0.000, 0.117},   // 28
	{0.000, 0.293},   // 29
	{0.000, 0.475},   // 30
	{-0.204, 0.646},  // 31
	{-0.106, 0.678},  // 32
	{0.000, 0.704},   // 33
	{0.106, 0.678},   // 34
	{0.204, 0.646},   // 35
	{-0.699, 0.007},  // 36
	{-0.577, -0.081}, // 37
	{-0.422, -0.077}, // 38
	{-0.288, 0.024},  // 39
	{-0.429, 0.061},  // 40
	{-0.585, 0.066},  // 41
	{0.288, 0.024},   // 42
	{0.422, -0.077},  // 43
	{0.577, -0.081},  // 44
	{0.699, 0.007},   // 45
	{0.585, 0.066},   // 46
	{0.429, 0.061},   // 47
	{-0.406, 1.055},  // 48
	{-0.250, 0.964},  // 49
	{-0.107, 0.913},  // 50
	{0.000, 0.941},   // 51
	{0.107, 0.913},   // 52
	{0.250, 0.964},   // 53
	{0.406, 1.055},   // 54
	{0.253, 1.148},   // 55
	{0.114, 1.185},   // 56
	{0.000, 1.194},   // 57
	{-0.114, 1.185},  // 58
	{-0.253, 1.148},  // 59
	{-0.331, 1.056},  // 60
	{-0.109, 1.025},  // 61
	{0.000, 1.035},   // 62
	{0.109, 1.025},   // 63
	{0.331, 1.056},   // 64
	{0.108, 1.036},   // 65
	{0.000, 1.048},   // 66
	{-0.108, 1.036},  // 67
}
