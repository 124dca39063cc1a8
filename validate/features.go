package validate

import (
	"fmt"
	"image"
	"math"
	"slices"
	"sort"

	"github.com/tessera-cie/tessera/facedetect"
)

// This file: pose (yaw, pitch), eyes_open, mouth_closed, expression and
// eyes_visible, measured from the 68 landmarks and the pixels around them.
//
// Lengths are in eye distances (the distance between the two eye centres),
// measured in the face's own frame: the landmarks rotated so the eye line is
// level (see levelled in pose.go). Brightness is relative to the median luma
// of the cheeks, so the light level of the photo does not matter.

// FeatureLimits are the thresholds of the face feature checks.
type FeatureLimits struct {
	MaxYaw   float64 // yaw: degrees the head may turn left or right
	MaxPitch float64 // pitch: degrees the head may tilt up or down
	// PoseSlackYaw and PoseSlackPitch widen the limits into a warning
	// band: the solver's spread on frontal faces (see pose.go).
	PoseSlackYaw, PoseSlackPitch float64
	// MaxPoseResid: landmarks further than this from the fitted face (mean,
	// eye distances) are no face the model explains; pose then warns.
	MaxPoseResid float64

	MinEyeAspect float64 // eyes_open: eye height over eye width, each eye
	MaxIrisLuma  float64 // eyes_open: darkest tenth inside the eye over the skin
	MinBrowGap   float64 // eyes_open: upper lid below the brow, eye distances

	MaxLipGap float64 // mouth_closed: gap between the inner lips, eye distances

	MaxSmile float64 // expression: smile probability of the model in smile.go
	MaxTeeth float64 // expression: share of the opening between the inner lips that is teeth

	MinEyeRing  float64 // eyes_visible: skin around the eyes over the cheeks (tinted lenses)
	MaxRimDip   float64 // eyes_visible: darkest line across the eye band below its surroundings (frames)
	MaxEyeGlare float64 // eyes_visible: share of clipped pixels over the eye (reflections)
}

// defaultFeatureLimits are the spec's limits, shared by cie and icao.
var defaultFeatureLimits = FeatureLimits{
	MaxYaw:   5, // spec: at most 5 degrees
	MaxPitch: 5, // spec: at most 5 degrees
	// Held out (TestPoseCalibration: zero fitted on 31 people, read on the
	// 32nd), frontal studio photos read yaw with a spread (SD) of 2.9°
	// (largest 7.0°) and pitch with 4.7° (largest 11.1°; canada/ -10.9°):
	// head carriage and face proportions differ between people. Between the
	// limit and limit + slack the check warns; beyond it the turn is clear
	// and fails. Slack is about 1 SD for yaw and 1.5 SD for pitch, and the
	// largest frontal readings stay about 1° inside it.
	PoseSlackYaw:   3,
	PoseSlackPitch: 7,
	MaxPoseResid:   0.15, // real photos fit within 0.093 (the distorted 15 cm close-up of zoom/ the worst)

	MinEyeAspect: 0.17, // open eyes on neutral/ and canada/ measure 0.22 and more; a shut lid under 0.12
	MaxIrisLuma:  0.60, // an open eye's iris and lashes are under 0.48 of the skin on every real photo; bare skin is 0.7-1.1
	MinBrowGap:   0.15, // 0.18 and more on every real photo; with no eye to see, the landmarks climb onto the brow

	MaxLipGap: 0.09, // relaxed lips on neutral/ part up to 0.073 (canada/ 0.012); open smiles on smiling/ from 0.10

	MaxSmile: 0.5, // the model's even odds: fitted on as many smiles as neutral faces (smile.go)
	// Smiles of smiling/ that part the lips show teeth over 0.42-0.84 of
	// the opening; three barely parted 0.13-0.20; neutral mouths of
	// neutral/, canada/, lisa/ and zoom/ 0.006 or less, but for the gloss
	// on one sitter's lips (0.13). A third of the opening is teeth beyond
	// doubt.
	MaxTeeth: 0.3,

	MinEyeRing:  0.45, // the skin around the eyes is 0.54-0.90 of the cheeks on every real photo (deep-set eyes the lowest); tinted lenses darken it
	MaxRimDip:   0.60, // under the eyes bare cheeks dip at most 0.46 (lisa/, a shadow) on real photos; a frame's lower rim is a dark line
	MaxEyeGlare: 0.05, // a catchlight clips at most 0.1 % of the eye box on real photos; a reflection on lenses covers much more
}

// featureMeasures are the face feature measurements.
type featureMeasures struct {
	yaw, pitch float64 // degrees, sign convention in pose.go
	poseOK     bool
	poseResid  float64 // mean landmark distance from the fitted model, eye distances

	eyeAspect [2]float64 // per eye, left and right in the image
	irisLuma  [2]float64 // darkest tenth inside each eye over the skin
	browGap   [2]float64 // upper lid below the brow, eye distances

	lipGap float64 // inner lips, eye distances

	mouthWidth  float64 // corner to corner, eye distances
	cornerDepth float64 // mouth corners between the nose (0) and the chin (1)
	teeth       float64 // share of bright, colourless pixels between the inner lips
	eyeWhite    float64 // the whites of the eyes, L* (see eyeWhite); NaN when unseen
	smileCues   smileCues
	smile       float64 // smile probability (smile.go)

	eyeRing  [2]float64 // skin around each eye over the cheeks
	rimDip   [2]float64 // darkest row in the bands above and below each eye
	eyeGlare [2]float64 // share of clipped pixels in each eye box

	skin float64 // median cheek luma, 0-255
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

func (f faceFrame) img(u, v float64) (int, int) {
	x := f.mid.X + f.d*(f.c*u-f.s*v)
	y := f.mid.Y + f.d*(f.s*u+f.c*v)
	return int(math.Floor(x)), int(math.Floor(y))
}

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
// a pixel apart, whose pixel (x, y) lies in b.
func (f faceFrame) walk(b image.Rectangle, u0, u1, v0, v1 float64, fn func(u, v float64, x, y int)) {
	step := 1 / f.d
	for v := v0; v <= v1; v += step {
		for u := u0; u <= u1; u += step {
			x, y := f.img(u, v)
			if (image.Point{x, y}.In(b)) {
				fn(u, v, x, y)
			}
		}
	}
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

	dist := func(a, b int) float64 { return math.Hypot(q[a][0]-q[b][0], q[a][1]-q[b][1]) }
	poly := func(idx ...int) [][2]float64 {
		out := make([][2]float64, len(idx))
		for i, k := range idx {
			out[i] = q[k]
		}
		return out
	}

	// Skin: the cheeks beside the nose, under the eyes.
	cheeks := fr.region(ph.gray, -0.55, -0.30, 0.40, 0.62, nil)
	cheeks = append(cheeks, fr.region(ph.gray, 0.30, 0.55, 0.40, 0.62, nil)...)
	fm.skin = quantile(cheeks, 0.5)
	skin := math.Max(fm.skin, 1)

	for e, first := range []int{facedetect.LeftEyeFirst, facedetect.RightEyeFirst} {
		p := func(k int) int { return first + k }
		// Eye aspect ratio: the two lid distances over the corner distance.
		w := dist(p(facedetect.EyeCornerA), p(facedetect.EyeCornerB))
		if w > 0 {
			fm.eyeAspect[e] = (dist(p(facedetect.EyeUpperA), p(facedetect.EyeLowerA)) + dist(p(facedetect.EyeUpperB), p(facedetect.EyeLowerB))) / (2 * w)
		}
		eye := poly(seq(first, first+facedetect.EyeLowerA)...)
		// Brow to upper lid: with no eye to find (a shut or covered eye),
		// the landmarks drift up onto the brow. Four points of each brow
		// lie over its eye: the inner four.
		b0 := [2]int{facedetect.LeftBrowFirst + 1, facedetect.RightBrowFirst}[e]
		fm.browGap[e] = (q[p(facedetect.EyeUpperA)][1]+q[p(facedetect.EyeUpperB)][1])/2 - (q[b0][1]+q[b0+1][1]+q[b0+2][1]+q[b0+3][1])/4
		u0, u1, v0, v1 := polyBounds(eye)
		inside := fr.region(ph.gray, u0, u1, v0, v1, func(u, v float64) bool { return inPoly(eye, u, v) })
		fm.irisLuma[e] = quantile(inside, 0.1) / skin

		// Around the eye: from the corners out by a third of the eye's
		// width, from under the brow to under the lower lid, without the
		// eye itself and its lashes.
		m := w / 3
		brow := q[facedetect.LeftBrowMiddle][1]
		if e == 1 {
			brow = q[facedetect.RightBrowMiddle][1]
		}
		ring := fr.region(ph.gray, u0-m, u1+m, brow+0.06, v1+0.15, func(u, v float64) bool {
			return !(u > u0-0.05 && u < u1+0.05 && v > v0-0.06 && v < v1+0.05)
		})
		fm.eyeRing[e] = quantile(ring, 0.5) / skin

		// Frames: the darkest row across the eye's width in the band under
		// the lower lid (bare cheek on every real photo, where a lower rim
		// crosses), below the median of those rows.
		var rows []float64
		for v := v1 + 0.06; v <= v1+0.35; v += 1 / fr.d {
			r := fr.region(ph.gray, u0, u1, v, v, nil)
			if len(r) > 0 {
				var s float64
				for _, x := range r {
					s += x
				}
				rows = append(rows, s/float64(len(r)))
			}
		}
		if len(rows) > 0 {
			lo := quantile(append([]float64(nil), rows...), 0)
			fm.rimDip[e] = (quantile(rows, 0.5) - lo) / skin
		}

		// Glare: clipped pixels over the eye and the skin right around it.
		box := fr.region(ph.gray, u0-0.05, u1+0.05, v0-0.08, v1+0.08, nil)
		clipped := 0
		for _, x := range box {
			if x >= 250 {
				clipped++
			}
		}
		if len(box) > 0 {
			fm.eyeGlare[e] = float64(clipped) / float64(len(box))
		}
	}

	// Mouth.
	fm.lipGap = (dist(facedetect.InnerUpperLeft, facedetect.InnerLowerLeft) + dist(facedetect.InnerUpperMiddle, facedetect.InnerLowerMiddle) + dist(facedetect.InnerUpperRight, facedetect.InnerLowerRight)) / 3
	fm.mouthWidth = dist(facedetect.MouthLeft, facedetect.MouthRight)
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
	outer := poly(seq(facedetect.OuterLipFirst, facedetect.OuterLipLast)...)
	inner := poly(seq(facedetect.InnerLipFirst, facedetect.InnerLipLast)...)
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
	if len(opening) >= minOpening && len(lips) > 0 {
		ls := make([]float64, len(lips))
		for i, c := range lips {
			ls[i] = c.l
		}
		slices.Sort(ls)
		teethL = math.Max(teethL, ls[len(ls)/2]+teethOverLips)
		bright := 0
		for _, c := range opening {
			if c.l >= teethL && math.Hypot(c.a, c.b) < 15 {
				bright++
			}
		}
		fm.teeth = float64(bright) / float64(len(opening))
	}
	fm.smileCues = measureSmileCues(q, fm)
	fm.smile = fm.smileCues.probability(smileModelFit)
	return fm
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

// featureChecks judges pose, eyes, mouth and expression; without exactly one
// face they are skipped.
func (j *judge) featureChecks(rep *Report, ph *photo, m *measures) {
	ids := []string{"yaw", "pitch", "eyes_open", "mouth_closed", "expression", "eyes_visible"}
	if m.face == nil || m.features == nil {
		j.skipAll(rep, j.noFace(), ids...)
		return
	}
	f := m.features
	j.add(rep, j.yaw(f))
	j.add(rep, j.pitch(f))
	j.add(rep, j.eyesOpen(f))
	j.add(rep, j.mouthClosed(f))
	j.add(rep, j.expression(f))
	j.add(rep, j.eyesVisible(f))
}

// poseBand judges an angle: pass within max, warn up to max+slack (the
// solver's own spread on frontal faces: a human should look), fail beyond.
func poseBand(a, max, slack float64) Status {
	switch {
	case math.Abs(a) <= max:
		return Pass
	case math.Abs(a) <= max+slack:
		return Warn
	}
	return Fail
}

// poseUnknown is the pose check c as a warning when the landmarks fit no
// face well enough to measure the pose; msg says which angle.
func (j *judge) poseUnknown(c Check, msg string) Check {
	c.Status = Warn
	c.Message = msg
	c.Fix = j.say("check.poseUnknown.look_straight_into_lens")
	return c
}

func (j *judge) yaw(f *featureMeasures) Check {
	p := j.prof.Features
	c := Check{ID: "yaw", Value: round1(f.yaw), Limit: fmt.Sprintf("<= %.0f°", p.MaxYaw)}
	if !f.poseOK || f.poseResid > p.MaxPoseResid {
		return j.poseUnknown(c, j.say("check.yaw.head_turn_cannot_be"))
	}
	c.Status = poseBand(f.yaw, p.MaxYaw, p.PoseSlackYaw)
	side := j.say("check.yaw.right")
	if f.yaw < 0 {
		side = j.say("check.yaw.left")
	}
	switch c.Status {
	case Pass:
		c.Message = j.say("check.yaw.face_frontal_turned", math.Abs(f.yaw))
		return c
	case Warn:
		c.Message = j.say("check.yaw.face_seems_turned_about", math.Abs(f.yaw), side, p.MaxYaw)
	default:
		c.Message = j.say("check.yaw.face_turned_about_towards", math.Abs(f.yaw), side, p.MaxYaw)
	}
	c.Fix = j.say("check.yaw.take_photo_again_with")
	return c
}

func (j *judge) pitch(f *featureMeasures) Check {
	p := j.prof.Features
	c := Check{ID: "pitch", Value: round1(f.pitch), Limit: fmt.Sprintf("<= %.0f°", p.MaxPitch)}
	if !f.poseOK || f.poseResid > p.MaxPoseResid {
		return j.poseUnknown(c, j.say("check.pitch.head_tilt_cannot_be"))
	}
	c.Status = poseBand(f.pitch, p.MaxPitch, p.PoseSlackPitch)
	up := f.pitch > 0
	switch {
	case c.Status == Pass:
		c.Message = j.say("check.pitch.head_neither_raised_nor", math.Abs(f.pitch))
		return c
	case up:
		c.Message = j.say("check.pitch.chin_raised_by_about", math.Abs(f.pitch), p.MaxPitch)
		c.Fix = j.say("check.pitch.lower_your_chin_little")
	default:
		c.Message = j.say("check.pitch.head_bowed_by_about", math.Abs(f.pitch), p.MaxPitch)
		c.Fix = j.say("check.pitch.raise_your_chin_little")
	}
	if c.Status == Warn {
		c.Message += j.say("check.pitch.close_limit_be_checked")
	}
	return c
}

func (j *judge) eyesOpen(f *featureMeasures) Check {
	p := j.prof.Features
	ear := math.Min(f.eyeAspect[0], f.eyeAspect[1])
	iris := math.Max(f.irisLuma[0], f.irisLuma[1])
	gap := math.Min(f.browGap[0], f.browGap[1])
	c := Check{ID: "eyes_open", Value: math.Round(ear*100) / 100, Limit: fmt.Sprintf(">= %.2f", p.MinEyeAspect)}
	if math.IsNaN(iris) || math.IsNaN(ear) {
		// An eye lies outside the photo or has no pixels to measure.
		c.Value = nil
		c.Status = Warn
		c.Message = j.say("check.eyesOpen.cannot_tell_whether_eyes")
		c.Fix = j.say("check.eyesOpen.take_photo_again_with")
		return c
	}
	if ear >= p.MinEyeAspect && iris <= p.MaxIrisLuma && gap >= p.MinBrowGap {
		c.Status = Pass
		c.Message = j.say("check.eyesOpen.eyes_open")
		return c
	}
	c.Status = Fail
	if ear < p.MinEyeAspect {
		c.Message = j.say("check.eyesOpen.eyes_closed_or_half")
	} else {
		c.Message = j.say("check.eyesOpen.iris_pupil_eye_cannot")
	}
	c.Fix = j.say("check.eyesOpen.take_photo_again_with_2")
	return c
}

func (j *judge) mouthClosed(f *featureMeasures) Check {
	p := j.prof.Features
	c := Check{ID: "mouth_closed", Value: math.Round(f.lipGap*1000) / 1000, Limit: fmt.Sprintf("<= %.2f", p.MaxLipGap)}
	if f.lipGap <= p.MaxLipGap {
		c.Status = Pass
		c.Message = j.say("check.mouthClosed.mouth_closed")
		return c
	}
	c.Status = Fail
	c.Message = j.say("check.mouthClosed.mouth_open_lips_apart")
	c.Fix = j.say("check.mouthClosed.take_photo_again_with")
	return c
}

func (j *judge) expression(f *featureMeasures) Check {
	p := j.prof.Features
	c := Check{ID: "expression", Value: math.Round(f.smile*100) / 100, Limit: fmt.Sprintf("smile probability <= %.2f", p.MaxSmile)}
	teeth := f.teeth > p.MaxTeeth
	if f.smile <= p.MaxSmile && !teeth {
		c.Status = Pass
		c.Message = j.say("check.expression.neutral_expression")
		return c
	}
	c.Status = Fail
	if teeth {
		c.Message = j.say("check.expression.expression_not_neutral_teeth")
	} else {
		c.Message = j.say("check.expression.expression_not_neutral_smile")
	}
	c.Fix = j.say("check.expression.take_photo_again_with")
	return c
}

func (j *judge) eyesVisible(f *featureMeasures) Check {
	p := j.prof.Features
	ring := math.Min(f.eyeRing[0], f.eyeRing[1])
	dip := math.Max(f.rimDip[0], f.rimDip[1])
	glare := math.Max(f.eyeGlare[0], f.eyeGlare[1])
	c := Check{ID: "eyes_visible", Value: math.Round(ring*100) / 100,
		Limit: fmt.Sprintf("ring >= %.2f, rim <= %.2f, glare <= %.0f %%", p.MinEyeRing, p.MaxRimDip, p.MaxEyeGlare*100)}
	switch {
	case math.IsNaN(ring) || math.IsNaN(dip) || math.IsNaN(glare):
		// The eyes or the cheeks lie outside the photo.
		c.Value = nil
		c.Status = Warn
		c.Message = j.say("check.eyesVisible.area_around_eyes_cannot")
		c.Fix = j.say("check.eyesVisible.take_photo_again_with")
	case ring < p.MinEyeRing:
		c.Status = Fail
		c.Message = j.say("check.eyesVisible.eyes_covered_by_dark")
		c.Fix = j.say("check.eyesVisible.take_off_sunglasses_or")
	case glare > p.MaxEyeGlare:
		c.Value = math.Round(glare*1000) / 10
		c.Status = Fail
		c.Message = j.say("check.eyesVisible.light_reflection_over_eyes")
		c.Fix = j.say("check.eyesVisible.take_off_your_glasses")
	case dip > p.MaxRimDip:
		c.Value = math.Round(dip*100) / 100
		c.Status = Fail
		c.Message = j.say("check.eyesVisible.dark_frame_crosses_eye")
		c.Fix = j.say("check.eyesVisible.take_off_your_glasses_2")
	default:
		c.Status = Pass
		c.Message = j.say("check.eyesVisible.eyes_clearly_visible")
	}
	return c
}
