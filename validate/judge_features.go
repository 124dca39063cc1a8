package validate

import (
	"fmt"
	"math"

	"github.com/tessera-cie/tessera/catalog"
)

// This file: the yaw, pitch, eyes_open, mouth_closed, expression and
// eyes_visible checks, judged from the feature measures
// (measure_features.go) and the profile.

// featureChecks judges pose, eyes, mouth and expression; without exactly one
// face they are skipped.
func (j *judge) featureChecks(rep *Report, ph *photo, m *measures) {
	if m.face == nil || m.features == nil {
		j.skipWhere(rep, j.noFace(), func(c CheckInfo) bool { return c.Stage == StageFeatures })
		return
	}
	f := m.features
	j.add(rep, j.yaw(f))
	j.add(rep, j.pitch(f))
	j.add(rep, j.eyesOpen(f))
	j.add(rep, j.mouthClosed(f))
	j.add(rep, j.expression(f))
	j.add(rep, j.eyesVisible(f, m.capture != nil && m.capture.burntOut(j.prof.Capture)))
}

// The pose checks judge the head, not the reading: a reading of sd
// degrees' spread on frontal faces (FeatureLimits.PoseErrYaw, PoseErrPitch)
// shows a head past the limit only when it lies well past it. Read as a
// one-sided test of "the head is within the limit" against "it is past":
const (
	// poseWarnZ: a reading more than 1.645 SDs past the limit is past it
	// at 95 % confidence (the normal distribution's one-sided 5 % point):
	// a person should look. A head right at the limit reads beyond it one
	// time in twenty; a frontal one (5° inside it) almost never.
	poseWarnZ = 1.645
	// poseFailZ: more than 2 SDs past the limit (97.7 % one-sided), the
	// turn is beyond doubt and the photo fails.
	poseFailZ = 2.0
)

// poseBand judges an angle a read with the spread sd against the limit max:
// pass within max + poseWarnZ·sd, warn up to max + poseFailZ·sd, fail
// beyond.
func poseBand(a, max, sd float64) Status {
	switch {
	case math.Abs(a) <= max+poseWarnZ*sd:
		return Pass
	case math.Abs(a) <= max+poseFailZ*sd:
		return Warn
	}
	return Fail
}

// poseUnknown is the pose check c as a warning when the landmarks fit no
// face well enough to measure the pose; msg says which angle.
func (j *judge) poseUnknown(c Check, msg catalog.Text) Check {
	c.Status = Warn
	c.MessageText = msg
	c.FixText = j.say("check.poseUnknown.look_straight_into_lens")
	return c
}

func (j *judge) yaw(f *featureMeasures) Check {
	p := j.prof.Features
	c := Check{ID: Yaw, Value: round1(f.yaw), Limit: fmt.Sprintf("<= %.0f°", p.MaxYaw)}
	if !f.poseOK || f.poseResid > p.MaxPoseResid {
		return j.poseUnknown(c, j.say("check.yaw.head_turn_cannot_be"))
	}
	c.Status = poseBand(f.yaw, p.MaxYaw, p.PoseErrYaw)
	side := j.say("check.yaw.right")
	if f.yaw < 0 {
		side = j.say("check.yaw.left")
	}
	switch c.Status {
	case Pass:
		c.MessageText = j.say("check.yaw.face_frontal_turned", math.Abs(f.yaw))
		if math.Abs(f.yaw) > p.MaxYaw {
			c.MessageText = j.say("check.yaw.frontal_within_error", math.Abs(f.yaw), poseWarnZ*p.PoseErrYaw)
		}
		return c
	case Warn:
		c.MessageText = j.say("check.yaw.face_seems_turned_about", math.Abs(f.yaw), side, p.MaxYaw)
	default:
		c.MessageText = j.say("check.yaw.face_turned_about_towards", math.Abs(f.yaw), side, p.MaxYaw)
	}
	c.FixText = j.say("check.yaw.take_photo_again_with")
	return c
}

func (j *judge) pitch(f *featureMeasures) Check {
	p := j.prof.Features
	c := Check{ID: Pitch, Value: round1(f.pitch), Limit: fmt.Sprintf("<= %.0f°", p.MaxPitch)}
	if !f.poseOK || f.poseResid > p.MaxPoseResid {
		return j.poseUnknown(c, j.say("check.pitch.head_tilt_cannot_be"))
	}
	c.Status = poseBand(f.pitch, p.MaxPitch, p.PoseErrPitch)
	up := f.pitch > 0
	switch {
	case c.Status != Pass && f.distance > 0 && f.distance < p.MinCameraDistance:
		// Taken too close: the perspective, as much as the head, reads
		// as a tilt (measure_distance.go), and the photo is to be taken
		// again from further away, whichever it is.
		c.MessageText = j.say("check.pitch.taken_too_close", f.distance*100, math.Abs(f.pitch), p.MaxPitch)
		c.FixText = j.say("check.pitch.hold_camera_further", p.MinCameraDistance)
	case c.Status == Pass:
		c.MessageText = j.say("check.pitch.head_neither_raised_nor", math.Abs(f.pitch))
		if math.Abs(f.pitch) > p.MaxPitch {
			c.MessageText = j.say("check.pitch.level_within_error", math.Abs(f.pitch), poseWarnZ*p.PoseErrPitch)
		}
		return c
	case up:
		c.MessageText = j.say("check.pitch.chin_raised_by_about", math.Abs(f.pitch), p.MaxPitch)
		c.FixText = j.say("check.pitch.lower_your_chin_little")
	default:
		c.MessageText = j.say("check.pitch.head_bowed_by_about", math.Abs(f.pitch), p.MaxPitch)
		c.FixText = j.say("check.pitch.raise_your_chin_little")
	}
	if c.Status == Warn {
		c.MessageText = j.say("check.pitch.near_limit", c.MessageText)
	}
	return c
}

// eyeBalanceLimit is the Limit of MinEyeBalance, eyes_open's and
// expression's.
const eyeBalanceLimit = "the shorter eye's iris height >= %.2f of the other's"

// eyesOpen judges whether both eyes are open: each eye's opening between
// its lid landmarks (MinEyeAspect), an iris and pupil dark inside it
// (MaxIrisLuma), the lid below the brow (MinBrowGap), and the two eyes'
// irises standing alike (MinEyeBalance), which catches the wink the
// landmarks miss when they lay a shut eye out as an open one.
func (j *judge) eyesOpen(f *featureMeasures) Check {
	p := j.prof.Features
	ear := math.Min(f.eyeAspect[0], f.eyeAspect[1])
	iris := math.Max(f.irisLuma[0], f.irisLuma[1])
	gap := math.Min(f.browGap[0], f.browGap[1])
	c := Check{ID: EyesOpen, Value: math.Round(ear*100) / 100, Limit: fmt.Sprintf(">= %.2f", p.MinEyeAspect)}
	if math.IsNaN(iris) || math.IsNaN(ear) {
		// An eye lies outside the photo or has no pixels to measure.
		c.Value = nil
		c.Status = Warn
		c.MessageText = j.say("check.eyesOpen.cannot_tell_whether_eyes")
		c.FixText = j.say("check.eyesOpen.take_photo_again_with")
		return c
	}
	balance := f.eyeBalance()
	if ear >= p.MinEyeAspect && iris <= p.MaxIrisLuma && gap >= p.MinBrowGap && !(balance < p.MinEyeBalance) {
		c.Status = Pass
		c.MessageText = j.say("check.eyesOpen.eyes_open")
		return c
	}
	c.Status = Fail
	switch {
	case ear < p.MinEyeAspect:
		c.MessageText = j.say("check.eyesOpen.eyes_closed_or_half")
	case balance < p.MinEyeBalance:
		c.Value, c.Limit = floorTo(balance, 2), fmt.Sprintf(eyeBalanceLimit, p.MinEyeBalance)
		c.MessageText = j.say("check.eyesOpen.one_eye_shut")
	default:
		c.MessageText = j.say("check.eyesOpen.iris_pupil_eye_cannot")
	}
	c.FixText = j.say("check.eyesOpen.take_photo_again_with_2")
	return c
}

// mouthClosed judges the opening between the lips, in eye distances:
// its Value is the gap mouthGap judges, the inner-lip landmarks' or,
// where the pixels overrule them, the line between the lips read from the
// pixels (lipSeam); the one limit holds for both.
func (j *judge) mouthClosed(f *featureMeasures) Check {
	p := j.prof.Features
	gap := f.mouthGap(p.MaxLipGap, p.MaxTeeth)
	c := Check{ID: MouthClosed, Value: math.Round(gap*1000) / 1000, Limit: fmt.Sprintf("<= %.2f", p.MaxLipGap)}
	if gap <= p.MaxLipGap {
		c.Status = Pass
		c.MessageText = j.say("check.mouthClosed.mouth_closed")
		return c
	}
	c.Status = Fail
	c.MessageText = j.say("check.mouthClosed.mouth_open_lips_apart")
	c.FixText = j.say("check.mouthClosed.take_photo_again_with")
	return c
}

// expression judges whether the expression is neutral as ISO/IEC
// 19794-5 has it: not smiling, both eyes open normally, the mouth closed.
// It names the first of these it finds: teeth showing, a smile (the model
// of measure_smile.go), the mouth open (the gap mouth_closed judges, at
// its limit: speaking, a shout, a gasp or a grimace), lips pursed or
// pushed out in a pout (the mouth narrow against the eyes' span,
// MinMouthSpan) and an eye screwed up or shut (the eye opening eyes_open
// judges, at its limit, or one eye's iris standing under MinEyeBalance of
// the other's: a squint or a wink). The open mouth and the shut
// eye fail mouth_closed and eyes_open too; they are named here as well
// because the standard counts them in the expression. Value and Limit are
// those of the reason named, the value rounded away from the limit so a
// failing one never shows as the limit itself; a passing face shows its
// smile probability and every limit. A mouth span that cannot be read
// (NaN: the outer eye corners meet) names nothing.
func (j *judge) expression(f *featureMeasures) Check {
	p := j.prof.Features
	ear, balance := math.Min(f.eyeAspect[0], f.eyeAspect[1]), f.eyeBalance()
	gap := f.mouthGap(p.MaxLipGap, p.MaxTeeth)
	c := Check{ID: Expression, Status: Fail, FixText: j.say("check.expression.take_photo_again_with")}
	switch {
	case f.teeth > p.MaxTeeth:
		c.Value, c.Limit = ceilTo(f.teeth, 3), fmt.Sprintf("teeth <= %.3f of the opening between the lips", p.MaxTeeth)
		c.MessageText = j.say("check.expression.expression_not_neutral_teeth")
	case f.smile > p.MaxSmile:
		c.Value, c.Limit = ceilTo(f.smile, 2), fmt.Sprintf("smile probability <= %.2f", p.MaxSmile)
		c.MessageText = j.say("check.expression.expression_not_neutral_smile")
	case gap > p.MaxLipGap:
		c.Value, c.Limit = ceilTo(gap, 3), fmt.Sprintf("lips apart <= %.3f eye distances", p.MaxLipGap)
		c.MessageText = j.say("check.expression.expression_not_neutral_mouth")
	case f.mouthSpan < p.MinMouthSpan:
		c.Value, c.Limit = floorTo(f.mouthSpan, 3), fmt.Sprintf("mouth width >= %.3f of the eyes' span", p.MinMouthSpan)
		c.MessageText = j.say("check.expression.expression_not_neutral_pursed")
	case ear < p.MinEyeAspect:
		c.Value, c.Limit = floorTo(ear, 3), fmt.Sprintf("eye opening >= %.3f", p.MinEyeAspect)
		c.MessageText = j.say("check.expression.expression_not_neutral_eyes")
	case balance < p.MinEyeBalance:
		c.Value, c.Limit = floorTo(balance, 2), fmt.Sprintf(eyeBalanceLimit, p.MinEyeBalance)
		c.MessageText = j.say("check.expression.expression_not_neutral_eyes")
	default:
		c = Check{ID: Expression, Status: Pass, Value: math.Round(f.smile*100) / 100,
			Limit: fmt.Sprintf("smile probability <= %.2f, teeth <= %.3f of the opening, lips apart <= %.3f, mouth width >= %.3f of the eyes' span, eye opening >= %.3f, "+eyeBalanceLimit,
				p.MaxSmile, p.MaxTeeth, p.MaxLipGap, p.MinMouthSpan, p.MinEyeAspect, p.MinEyeBalance),
			MessageText: j.say("check.expression.neutral_expression")}
	}
	return c
}

// ceilTo rounds v up to places decimals: a reading over a maximum is
// shown over it.
func ceilTo(v float64, places int) float64 {
	k := math.Pow(10, float64(places))
	return math.Ceil(v*k) / k
}

// floorTo rounds v down to places decimals: a reading under a minimum is
// shown under it.
func floorTo(v float64, places int) float64 {
	k := math.Pow(10, float64(places))
	return math.Floor(v*k) / k
}

// eyesVisible judges what covers the eyes. Its Value is the darker eye's
// ring (the skin around it over the cheeks): tinted lenses darken both
// eyes' rings (MinEyeRing and MinPairRing) and the skin under the eyes
// (MinUnderEye), a shadow on one side of the face one of the rings; one
// eye far darker than the other is a warning, as a shadow or something
// over that eye. Both rings dark over lit skin under the eyes is a
// shadow from above (a fringe, a brim): a warning too. Then a reflection
// (MaxEyeGlare): the share of an eye's box the light clips. On a face the
// light burns out (burnt: exposure fails it), only the share beyond what
// it clips on the cheeks beside the nose: exposure says what is wrong, and
// the eyes are no more covered than the cheeks (../shared/faces/wild: a
// washed-out print, gfpgan/Julia_Roberts_crop, clips 5.8 % of an eye's
// box and 15.8 % of those cheeks, and was told of a reflection). On a
// face exposure passes, the cheeks change nothing: a face whose skin
// clips here and there is judged as strictly as one whose skin never
// does.
//
// A frame is not judged. The spec forbids frames across the eyes, not
// frames: the clerk passes thick frames round open eyes
// (../shared/faces/wild: openface/clapton-2, compreface/FACE_2). The rule
// this check had, the darkest row of a band under the lower lid (a
// frame's lower rim), failed 4 photos of that folder, every one wrongly:
// two thick frames under open eyes and two bare faces whose smile or
// grimace creased the lid; it caught no frame over an eye. Nor does a
// frame over the eye itself have a measure yet: the darkest row beside
// the eye's corners, at its height, dipped as little as 0.17 of the skin
// under rims painted across the eyes of neutral/, and as much as 0.48 at
// the crinkled corners of a bare smiling face
// (wild/dlib/Tom_Cruise_avp_2014_4).
func (j *judge) eyesVisible(f *featureMeasures, burnt bool) Check {
	p := j.prof.Features
	ring, pair, under, glare := f.eyeArea()
	if burnt {
		glare -= f.skinClipped
	}
	c := Check{ID: EyesVisible, Value: math.Round(ring*100) / 100,
		Limit: fmt.Sprintf("darker eye's ring >= %.2f (fails if the brighter's < %.2f too and the skin under the eyes < %.2f), glare <= %.0f %% (on a burnt-out face, more than the cheeks)", p.MinEyeRing, p.MinPairRing, p.MinUnderEye, p.MaxEyeGlare*100)}
	switch {
	case math.IsNaN(ring) || math.IsNaN(under) || math.IsNaN(glare):
		// The eyes or the cheeks lie outside the photo.
		c.Value = nil
		c.Status = Warn
		c.MessageText = j.say("check.eyesVisible.area_around_eyes_cannot")
		c.FixText = j.say("check.eyesVisible.take_photo_again_with")
	case f.lensesTinted(p):
		c.Status = Fail
		c.MessageText = j.say("check.eyesVisible.eyes_covered_by_dark")
		c.FixText = j.say("check.eyesVisible.take_off_sunglasses_or")
	case glare > p.MaxEyeGlare:
		c.Value = math.Round(glare*1000) / 10
		c.Status = Fail
		c.MessageText = j.say("check.eyesVisible.light_reflection_over_eyes")
		c.FixText = j.say("check.eyesVisible.take_off_your_glasses")
	case ring < p.MinEyeRing && pair < p.MinPairRing:
		c.Status = Warn
		c.MessageText = j.say("check.eyesVisible.shadow_over_both_eyes")
		c.FixText = j.say("check.eyesVisible.keep_hair_brims_away")
	case ring < p.MinEyeRing:
		c.Status = Warn
		c.MessageText = j.say("check.eyesVisible.one_eye_much_darker")
		c.FixText = j.say("check.eyesVisible.light_both_sides_evenly")
	default:
		c.Status = Pass
		c.MessageText = j.say("check.eyesVisible.eyes_clearly_visible")
	}
	return c
}

// lensesTinted reports whether the eyes are behind dark or tinted lenses,
// as eyes_visible fails them: the skin round both eyes dark against the
// cheeks, and the skin under them too. Exposure reads it as well: the
// lightness there is the lens's, not the whites of the eyes.
//
// Not when the area round the eyes cannot be read whole (a glare reading
// missing, the eyes or cheeks outside the photo): eyes_visible then says
// so, and fails no lens.
func (f *featureMeasures) lensesTinted(p FeatureLimits) bool {
	ring, pair, under, glare := f.eyeArea()
	if math.IsNaN(glare) {
		return false
	}
	return ring < p.MinEyeRing && pair < p.MinPairRing && under < p.MinUnderEye
}

// eyeArea is what eyes_visible reads of the two eyes: the darker eye's
// ring and the brighter's (pair), the darker skin under them, and the
// larger share of glare over them; NaN where the area lies outside the
// photo.
func (f *featureMeasures) eyeArea() (ring, pair, under, glare float64) {
	return math.Min(f.eyeRing[0], f.eyeRing[1]), math.Max(f.eyeRing[0], f.eyeRing[1]),
		math.Min(f.underEye[0], f.underEye[1]), math.Max(f.eyeGlare[0], f.eyeGlare[1])
}
