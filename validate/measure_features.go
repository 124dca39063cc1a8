package validate

import (
	"image"
	"math"
	"slices"
	"sort"

	"github.com/tessera-cie/tessera/facedetect"
)

// This file: what pose (yaw, pitch), eyes_open, mouth_closed, expression and
// eyes_visible are judged on, measured from the 68 landmarks and the pixels
// around them (judged in judge_features.go).
//
// Lengths are in eye distances (the distance between the two eye centres),
// measured in the face's own frame: the landmarks rotated so the eye line is
// level (see levelled in measure_pose.go). Brightness is relative to the median luma
// of the cheeks, so the light level of the photo does not matter.

// featureMeasures are the face feature measurements.
type featureMeasures struct {
	yaw, pitch float64 // degrees, sign convention in measure_pose.go
	poseOK     bool
	poseResid  float64 // mean landmark distance from the fitted model, eye distances
	distance   float64 // camera to face, metres, from the file's lens (cameraDistance); 0 unknown

	eyeAspect [2]float64 // per eye, left and right in the image
	irisLuma  [2]float64 // darkest tenth inside each eye over the skin
	browGap   [2]float64 // upper lid below the brow, eye distances
	// irisHeight is how tall the dark of each eye stands (irisHeight):
	// the iris and pupil of an open eye, the lash line of a shut one,
	// eye distances.
	irisHeight [2]float64

	lipGap float64 // inner lips, eye distances
	// lipSeam is the opening between the lips read from the pixels
	// (lipSeam in measure_lips.go), eye distances; lipSeamOK is false when
	// no line between the lips could be read.
	lipSeam   float64
	lipSeamOK bool
	// openingShade is the lightness (L*) of the opening between the
	// inner-lip landmarks over that of the lips round it (medians); NaN
	// when the landmarks leave no opening to read.
	openingShade float64

	mouthWidth float64 // corner to corner, eye distances
	// mouthSpan is the mouth's width over the span of the outer eye
	// corners, which pursed or pouting lips narrow (judge.expression); NaN
	// when the eye corners meet.
	mouthSpan   float64
	cornerDepth float64 // mouth corners between the nose (0) and the chin (1)
	teeth       float64 // share of bright, colourless pixels between the inner lips
	eyeWhite    float64 // the whites of the eyes, L* (see eyeWhite); NaN when unseen
	smileCues   smileCues
	smile       float64 // smile probability (measure_smile.go)

	eyeRing [2]float64 // skin around each eye over the cheeks
	// underEye is the skin under each eye over the cheeks: the lower
	// part of its ring, where a lens reaches and a shadow from above
	// does not.
	underEye [2]float64
	eyeGlare [2]float64 // share of clipped pixels in each eye box

	skin        float64 // median cheek luma, 0-255
	skinClipped float64 // share of the cheek samples as light as glareLuma
}

// faceFrame maps the face's own frame (levelled, unit eye distance, origin
// between the eye centres) to image pixels.
type faceFrame struct {
	mid  facedetect.Point
	c, s float64 // cosine and sine of the eye line's angle
	d    float64 // eye distance in pixels
}

func newFaceFrame(lm []facedetect.Point) (faceFrame, bool) {
	l := facedetect.Mean(lm, facedetect.LeftEyeFirst, facedetect.LeftEyeLast)
	r := facedetect.Mean(lm, facedetect.RightEyeFirst, facedetect.RightEyeLast)
	d := facedetect.Dist(l, r)
	if d < 1 {
		return faceFrame{}, false
	}
	return faceFrame{mid: facedetect.Point{X: (l.X + r.X) / 2, Y: (l.Y + r.Y) / 2}, c: (r.X - l.X) / d, s: (r.Y - l.Y) / d, d: d}, true
}

// face maps an image point to the face frame.
func (f faceFrame) face(p facedetect.Point) (u, v float64) {
	dx, dy := p.X-f.mid.X, p.Y-f.mid.Y
	return (f.c*dx + f.s*dy) / f.d, (-f.s*dx + f.c*dy) / f.d
}

// point maps a face-frame point to the image.
func (f faceFrame) point(u, v float64) (x, y float64) {
	return f.mid.X + f.d*(f.c*u-f.s*v), f.mid.Y + f.d*(f.s*u+f.c*v)
}

// img is the pixel holding the face-frame point (u, v): the nearest
// pixel centre, landmarks being in pixel centres (pixel x at x).
func (f faceFrame) img(u, v float64) (int, int) {
	x, y := f.point(u, v)
	return pixel(x), pixel(y)
}

// pixel is the pixel whose centre is nearest to x, in pixel centres.
// Rounding down took the pixel left of the nearest half the time, and the
// mirror image of a face, its pixels on the other side.
func pixel(x float64) int { return int(math.Floor(x + 0.5)) }

// region samples the luma of the face-frame rectangle [u0,u1]x[v0,v1], one
// sample per pixel, keeping those in the image for which keep (if not nil)
// is true.
func (f faceFrame) region(g *image.Gray, u0, u1, v0, v1 float64, keep func(u, v float64) bool) []float64 {
	// As many samples as the walk visits, at most the image's pixels: one
	// allocation instead of a slice grown by doubling.
	n := (math.Floor((u1-u0)*f.d) + 1) * (math.Floor((v1-v0)*f.d) + 1)
	out := make([]float64, 0, int(max(0, min(n, float64(len(g.Pix))))))
	f.walk(g.Rect, u0, u1, v0, v1, func(u, v float64, x, y int) {
		if keep == nil || keep(u, v) {
			out = append(out, float64(g.Pix[g.PixOffset(x, y)]))
		}
	})
	return out
}

// walk calls fn for the samples of the face frame in [u0, u1] x [v0, v1],
// a pixel apart, whose pixel (x, y) lies in b. The samples lie on a grid
// through the frame's origin, between the eyes, so the mirror image of a
// face is sampled at the mirror images of the same points.
func (f faceFrame) walk(b image.Rectangle, u0, u1, v0, v1 float64, fn func(u, v float64, x, y int)) {
	step := 1 / f.d
	j0, j1 := gridSpan(v0, v1, step)
	i0, i1 := gridSpan(u0, u1, step)
	for j := j0; j <= j1; j++ {
		v := j * step
		for i := i0; i <= i1; i++ {
			u := i * step
			x, y := f.img(u, v)
			if (image.Point{x, y}.In(b)) {
				fn(u, v, x, y)
			}
		}
	}
}

// gridSpan returns the first and last k with k*step in [a, b], allowing
// for rounding: a band one sample high, a = b = k*step, holds sample k.
func gridSpan(a, b, step float64) (first, last float64) {
	const slack = 1e-9 // of a step
	return math.Ceil(a/step - slack), math.Floor(b/step + slack)
}

// walkPoly is walk over the samples inside the polygon poly (face frame).
func (f faceFrame) walkPoly(b image.Rectangle, poly [][2]float64, fn func(u, v float64, x, y int)) {
	u0, u1, v0, v1 := polyBounds(poly)
	f.walk(b, u0, u1, v0, v1, func(u, v float64, x, y int) {
		if inPoly(poly, u, v) {
			fn(u, v, x, y)
		}
	})
}

// seq is the landmark indices first to last.
func seq(first, last int) []int {
	out := make([]int, 0, last-first+1)
	for i := first; i <= last; i++ {
		out = append(out, i)
	}
	return out
}

// polyBounds returns the box round the polygon p.
func polyBounds(p [][2]float64) (u0, u1, v0, v1 float64) {
	u0, v0, u1, v1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, a := range p {
		u0, u1 = math.Min(u0, a[0]), math.Max(u1, a[0])
		v0, v1 = math.Min(v0, a[1]), math.Max(v1, a[1])
	}
	return u0, u1, v0, v1
}

// quantile returns the q-quantile of v (v is sorted in place); NaN when empty.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	return v[min(len(v)-1, int(q*float64(len(v))))]
}

// inPoly reports whether (u, v) lies inside the polygon.
func inPoly(poly [][2]float64, u, v float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a[1] > v) != (b[1] > v) && u < (b[0]-a[0])*(v-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// The regions measureFeatures reads are placed in the face frame (see
// faceFrame: eye distances from the point between the eye centres, u
// towards the image's right, v down), around the landmarks. They were set
// by hand on the neutral/ studio faces when eyes_visible and expression
// were built (dae216f), and the limits were calibrated on what they read:
// the cheeks are the skin every brightness is relative to (MaxIrisLuma,
// MinEyeRing and the smile model), the ring round each eye gives
// MinEyeRing, the box over it MaxEyeGlare.
// Moving one means calibrating those again (TestFeaturesOnFaces,
// TestEyeDefects and TestSmileModel are where it shows).

// faceRect is the rectangle [u0, u1] x [v0, v1] of the face frame.
type faceRect struct{ u0, u1, v0, v1 float64 }

// cheeks are the two patches of bare skin measureFeatures reads the skin
// from: beside the nose (0.30-0.55 eye distances from the face's middle
// line), between the lower lids and the mouth (0.40-0.62 below the eye
// line).
var cheeks = [2]faceRect{{-0.55, -0.30, 0.40, 0.62}, {0.30, 0.55, 0.40, 0.62}}

// margins grow a box by these lengths (eye distances) on each side.
type margins struct{ side, top, bottom float64 }

// The regions round each eye, from the box of its six landmarks.
const (
	// irisQuantile: the iris and pupil are the darkest tenth of the pixels
	// inside the eye's outline.
	irisQuantile = 0.1

	// The ring round the eye is the skin MinEyeRing compares with the
	// cheeks (a tinted lens darkens it): from under the brow's middle
	// point (ringBelowBrow) to under the eye (ringBelowEye), reaching past
	// each corner by the eye's width over ringSideParts, without the eye
	// and its lashes (ringHole).
	ringBelowBrow = 0.06
	ringBelowEye  = 0.15
	ringSideParts = 3

	// glareLuma: a pixel this light (of 255) is clipped; the share of them
	// in the eye's box grown by glareBox is MaxEyeGlare's.
	glareLuma = 250

	// irisHeight reads the eye's middle columns, irisColumns of its width
	// either side of its centre (an iris is about 0.4 of the eye's width
	// and a gaze to the side moves it), from irisAbove of its width over
	// the eye's box to irisBelow under it (landmarks laid on a shut eye
	// as if it were open can sit off its lash line). It is the
	// irisColumnQuantile of those columns' dark heights: the iris's
	// columns, not the sclera's beside it.
	irisColumns        = 0.35
	irisAbove          = 0.15
	irisBelow          = 0.10
	irisColumnQuantile = 0.75
)

// ringHole and glareBox grow the eye's box: the eye with its lashes, left
// out of the ring; the eye with the skin right round it, read for glare.
var (
	ringHole = margins{side: 0.05, top: 0.06, bottom: 0.05}
	glareBox = margins{side: 0.05, top: 0.08, bottom: 0.08}
)

// teethChroma: a pixel between the lips counts as teeth only if its
// CIELAB chroma is under this (teeth are nearly colourless; lips and the
// mouth's inside are red).
const teethChroma = 15

// teethMaxRed: nor if its CIELAB a* (red) is over this. Teeth are
// colourless to yellowish; the sheen of full or glossy lips, as light and
// nearly as colourless, keeps the lips' red. On smiling/ the teeth of the
// broad smiles read a median a* of 1-8 (three quarters under 10.5); the
// sheen that full lips (TestMouthClosedOnEveryLipShape) and 006_03's gloss
// bring between the inner-lip landmarks, 11.6-13.9.
const teethMaxRed = 10

// measureFeatures measures the face features of the one face g.
func measureFeatures(ph *photo, g *faceGeom) *featureMeasures {
	lm := g.f.Landmarks
	if len(lm) != facedetect.NumLandmarks {
		return nil
	}
	q, ok := levelled(lm)
	fr, ok2 := newFaceFrame(lm)
	if !ok || !ok2 {
		return nil
	}
	fm := &featureMeasures{}
	fm.yaw, fm.pitch, fm.poseResid, fm.poseOK = fitPose(q, faceModel[:])

	// Skin: the cheeks beside the nose, under the eyes.
	skinSamples := fr.region(ph.gray, cheeks[0].u0, cheeks[0].u1, cheeks[0].v0, cheeks[0].v1, nil)
	skinSamples = append(skinSamples, fr.region(ph.gray, cheeks[1].u0, cheeks[1].u1, cheeks[1].v0, cheeks[1].v1, nil)...)
	fm.skin = quantile(skinSamples, 0.5)
	fm.skinClipped = clippedShare(skinSamples)
	skin := math.Max(fm.skin, 1)

	for e, first := range []int{facedetect.LeftEyeFirst, facedetect.RightEyeFirst} {
		fm.eyeAspect[e] = eyeAspect(lm, first)
		measureEye(fm, e, first, q, fr, ph.gray, skin)
	}
	measureMouth(fm, q, fr, ph, lm)
	fm.smileCues = measureSmileCues(q, fm)
	fm.smile = fm.smileCues.probability(smileModelFit)
	return fm
}

// eyeBalance is the shorter of the two eyes' iris heights over the
// taller's: near 1 for two open eyes, low for a wink. NaN when an eye
// could not be read or neither shows any dark.
func (f *featureMeasures) eyeBalance() float64 {
	lo, hi := math.Min(f.irisHeight[0], f.irisHeight[1]), math.Max(f.irisHeight[0], f.irisHeight[1])
	if math.IsNaN(lo) || math.IsNaN(hi) || hi == 0 {
		return math.NaN()
	}
	return lo / hi
}

// landmarkDist is the distance between landmarks a and b of the levelled
// landmarks q, in eye distances.
func landmarkDist(q [][2]float64, a, b int) float64 {
	return math.Hypot(q[a][0]-q[b][0], q[a][1]-q[b][1])
}

// landmarkPoly is the polygon through landmarks idx of q.
func landmarkPoly(q [][2]float64, idx ...int) [][2]float64 {
	out := make([][2]float64, len(idx))
	for i, k := range idx {
		out[i] = q[k]
	}
	return out
}

// measureEye measures eye e (0 left, 1 right in the image), whose six
// landmarks start at first: the brow gap, the iris's darkness, and for
// eyes_visible the ring, the skin under the eye and the glare, each
// brightness over the skin's.
func measureEye(fm *featureMeasures, e, first int, q [][2]float64, fr faceFrame, gray *image.Gray, skin float64) {
	p := func(k int) int { return first + k }
	w := landmarkDist(q, p(facedetect.EyeCornerA), p(facedetect.EyeCornerB)) // the eye's width
	eye := landmarkPoly(q, seq(first, first+facedetect.EyeLowerA)...)
	// Brow to upper lid: with no eye to find (a shut or covered eye),
	// the landmarks drift up onto the brow. Four points of each brow
	// lie over its eye: the inner four.
	b0 := [2]int{facedetect.LeftBrowFirst + 1, facedetect.RightBrowFirst}[e]
	fm.browGap[e] = (q[p(facedetect.EyeUpperA)][1]+q[p(facedetect.EyeUpperB)][1])/2 - (q[b0][1]+q[b0+1][1]+q[b0+2][1]+q[b0+3][1])/4
	u0, u1, v0, v1 := polyBounds(eye)
	inside := fr.region(gray, u0, u1, v0, v1, func(u, v float64) bool { return inPoly(eye, u, v) })
	fm.irisLuma[e] = quantile(inside, irisQuantile) / skin
	fm.irisHeight[e] = irisHeight(fr, gray, u0, u1, v0, v1)

	// Around the eye.
	m := w / ringSideParts
	brow := q[facedetect.LeftBrowMiddle][1]
	if e == 1 {
		brow = q[facedetect.RightBrowMiddle][1]
	}
	ring := fr.region(gray, u0-m, u1+m, brow+ringBelowBrow, v1+ringBelowEye, func(u, v float64) bool {
		return !(u > u0-ringHole.side && u < u1+ringHole.side && v > v0-ringHole.top && v < v1+ringHole.bottom)
	})
	fm.eyeRing[e] = quantile(ring, 0.5) / skin
	under := fr.region(gray, u0-m, u1+m, v1+ringHole.bottom, v1+ringBelowEye, nil)
	fm.underEye[e] = quantile(under, 0.5) / skin

	// Glare: clipped pixels over the eye and the skin right around it.
	box := fr.region(gray, u0-glareBox.side, u1+glareBox.side, v0-glareBox.top, v1+glareBox.bottom, nil)
	if len(box) > 0 {
		fm.eyeGlare[e] = clippedShare(box)
	}
}

// irisHeight is how tall the dark of the eye whose landmarks span
// [u0,u1]x[v0,v1] stands, in eye distances: in each column of the window
// round it (irisColumns, irisAbove, irisBelow), the length of the dark
// pixels, and of those lengths the irisColumnQuantile. A pixel is dark
// below halfway between the window's darkest and lightest twentieth
// (lashes and pupil; the white, skin and catch-lights), and never at or
// above the lid: the median of the window's rows above and below the
// landmarks' box. An open eye's iris stands as tall as the eye is open; a
// shut eye shows only its lash line, a third as tall or less.
//
// The cap at the lid keeps the skin out where the white is far lighter
// than the skin round it: halfway to the white lies over darker skin, and
// without the cap that skin counted as dark, so an eye whose white shows
// read as tall as its window and one whose white is hidden (a shadow, a
// narrow eye) as tall as its iris. On neutral/'s black sitters, one white
// painted over, the two open eyes then balanced at 0.65-0.77, the others'
// at 0.81 and more; with the cap every group's at 0.82 and more
// (TestShutEyeRendered). Both ends of the scale are the eye's own, so
// neither the light nor the skin's tone sets it. NaN when the window
// holds no pixels.
func irisHeight(fr faceFrame, gray *image.Gray, u0, u1, v0, v1 float64) float64 {
	w, cu := u1-u0, (u0+u1)/2
	step := 1 / fr.d
	// Each sample's column and luma, in walk order; the lumas' counts,
	// the window's and the lid's, for their quantiles.
	var cols []int
	var lumas []uint8
	var all, lid lumaCounts
	fr.walk(gray.Rect, cu-irisColumns*w, cu+irisColumns*w, v0-irisAbove*w, v1+irisBelow*w, func(u, v float64, x, y int) {
		l := gray.Pix[gray.PixOffset(x, y)]
		cols = append(cols, int(math.Round(u/step)))
		lumas = append(lumas, l)
		all.add(l)
		if v < v0 || v > v1 {
			lid.add(l)
		}
	})
	if all.n == 0 || lid.n == 0 {
		return math.NaN()
	}
	lo, hi := all.quantile(0.05), all.quantile(0.95)
	dark := math.Min(lo+(hi-lo)/2, lid.quantile(0.5))
	// The columns the window holds: all between the first and the last
	// but where the photo's edge cuts them out.
	first, last := slices.Min(cols), slices.Max(cols)
	heights := make([]float64, last-first+1)
	held := make([]bool, len(heights))
	for i, c := range cols {
		held[c-first] = true
		if float64(lumas[i]) < dark {
			heights[c-first] += step
		}
	}
	kept := heights[:0]
	for i, h := range heights {
		if held[i] {
			kept = append(kept, h)
		}
	}
	return quantile(kept, irisColumnQuantile)
}

// lumaCounts counts 8-bit lumas, for quantiles without sorting a copy.
type lumaCounts struct {
	count [256]int
	n     int
}

func (c *lumaCounts) add(l uint8) { c.count[l]++; c.n++ }

// quantile is quantile's q-quantile of the counted lumas: the one that
// sorting them would put at min(n-1, int(q*n)); NaN when none are.
func (c *lumaCounts) quantile(q float64) float64 {
	if c.n == 0 {
		return math.NaN()
	}
	k := min(c.n-1, int(q*float64(c.n)))
	for l, seen := 0, 0; l < len(c.count); l++ {
		if seen += c.count[l]; seen > k {
			return float64(l)
		}
	}
	return math.NaN()
}

// clippedShare is the share of the luma samples v at least glareLuma; 0
// when there are none.
func clippedShare(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	n := 0
	for _, x := range v {
		if x >= glareLuma {
			n++
		}
	}
	return float64(n) / float64(len(v))
}

// measureMouth measures the lips' gap, the mouth's width and corners, the
// eye whites and the teeth between the lips.
func measureMouth(fm *featureMeasures, q [][2]float64, fr faceFrame, ph *photo, lm []facedetect.Point) {
	fm.lipGap = (landmarkDist(q, facedetect.InnerUpperLeft, facedetect.InnerLowerLeft) + landmarkDist(q, facedetect.InnerUpperMiddle, facedetect.InnerLowerMiddle) + landmarkDist(q, facedetect.InnerUpperRight, facedetect.InnerLowerRight)) / 3
	fm.lipSeam, fm.lipSeamOK = lipSeam(q, fr, ph.gray)
	fm.openingShade = math.NaN()
	fm.mouthWidth = landmarkDist(q, facedetect.MouthLeft, facedetect.MouthRight)
	fm.mouthSpan = math.NaN()
	if eyes := landmarkDist(q, facedetect.LeftEyeOuter, facedetect.RightEyeOuter); eyes > 0 {
		fm.mouthSpan = fm.mouthWidth / eyes
	}
	// The chin here is the first landmark fit's point 8, the one the
	// expression model was fitted on; face_height's is the second fit's
	// (facedetect.Face.Chin).
	if span := q[facedetect.Chin][1] - q[facedetect.NoseBase][1]; span > 0 {
		fm.cornerDepth = ((q[facedetect.MouthLeft][1]+q[facedetect.MouthRight][1])/2 - q[facedetect.NoseBase][1]) / span
	}
	// Teeth are about as light as the whites of the eyes, whatever the
	// skin and the lips around them; without an eye white to compare
	// with, the light level of a well exposed white.
	fm.eyeWhite = eyeWhite(ph.img, lm)
	teethL := float64(defaultTeethL)
	if !math.IsNaN(fm.eyeWhite) {
		teethL = fm.eyeWhite - teethBelowWhite
	}
	// Only the opening between the inner lips is read: the lips' own
	// highlights, which on dark lips reach the light of the eye whites,
	// stay out. Teeth are also lighter than the lips round them
	// (teethOverLips), which keeps a dim photo, whose eye whites are dark,
	// from taking closed lips for teeth.
	outer := landmarkPoly(q, seq(facedetect.OuterLipFirst, facedetect.OuterLipLast)...)
	inner := landmarkPoly(q, seq(facedetect.InnerLipFirst, facedetect.InnerLipLast)...)
	var lips, opening []lab
	fr.walkPoly(ph.img.Bounds(), outer, func(u, v float64, x, y int) {
		var c lab
		c.l, c.a, c.b = toLab(ph.img.At(x, y))
		if inPoly(inner, u, v) {
			opening = append(opening, c)
		} else {
			lips = append(lips, c)
		}
	})
	if len(opening) < minOpening || len(lips) == 0 {
		return
	}
	ls := make([]float64, len(lips))
	for i, c := range lips {
		ls[i] = c.l
	}
	slices.Sort(ls)
	lipsL := ls[len(ls)/2]
	teethL = math.Max(teethL, lipsL+teethOverLips)
	bright := 0
	for _, c := range opening {
		if c.l >= teethL && math.Hypot(c.a, c.b) < teethChroma && c.a <= teethMaxRed {
			bright++
		}
	}
	fm.teeth = float64(bright) / float64(len(opening))
	if lipsL > 0 {
		op := make([]float64, len(opening))
		for i, c := range opening {
			op[i] = c.l
		}
		fm.openingShade = quantile(op, 0.5) / lipsL
	}
}

// teethBelowWhite is how much darker (L*) than the whites of the eyes a
// pixel may be and count as teeth: teeth are in the lips' shade and less
// glossy than the sclera. defaultTeethL stands in when no eye white is seen.
const (
	teethBelowWhite = 15
	defaultTeethL   = 55
)

// teethOverLips is how much lighter (L*) than the median of the lips a
// pixel between them must be to count as teeth: on smiling/ the opening of
// a mouth that shows teeth reads a median 9-35 over the lips round it;
// between closed lips it is as dark as the lips or darker.
const teethOverLips = 8

// lab is a colour in CIELAB.
type lab struct{ l, a, b float64 }

// minOpening is the fewest pixels between the inner lips worth reading for
// teeth: under it the lips are closed and the share would be noise.
const minOpening = 12

// eyeAspect is the eye's height (the two lid distances) over its width
// (corner to corner), from its six landmarks starting at first.
func eyeAspect(lm []facedetect.Point, first int) float64 {
	p := func(k int) facedetect.Point { return lm[first+k] }
	w := facedetect.Dist(p(facedetect.EyeCornerA), p(facedetect.EyeCornerB))
	if w == 0 {
		return 0
	}
	return (facedetect.Dist(p(facedetect.EyeUpperA), p(facedetect.EyeLowerA)) + facedetect.Dist(p(facedetect.EyeUpperB), p(facedetect.EyeLowerB))) / (2 * w)
}
