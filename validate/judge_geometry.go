package validate

import (
	"fmt"
	"math"

	"github.com/tessera-cie/tessera/catalog"
)

// This file: the face_count, face_height, eye_height, centering, inter_eye
// and roll checks, judged from the face geometry (measure.go,
// measure_crown.go) and the profile.

// faceChecks judges colour, recency and the face geometry.
func (j *judge) faceChecks(rep *Report, ph *photo, m *measures) {
	j.add(rep, j.color(m))
	j.add(rep, j.recency(ph))
	j.add(rep, j.faceCount(m))
	if m.face == nil {
		j.skipWhere(rep, j.noFace(), func(c CheckInfo) bool { return c.Stage == StageFace && c.Face })
	} else {
		w, h := float64(ph.info.Width), float64(ph.info.Height)
		j.add(rep, j.faceHeight(m.face, h))
		j.add(rep, j.eyeHeight(m.face, h))
		j.add(rep, j.centering(m.face, w))
		j.add(rep, j.interEye(m.face))
		j.add(rep, j.roll(m.face))
	}
	j.featureChecks(rep, ph, m)
	j.captureChecks(rep, ph, m)
}

// noFace is the reason face checks are skipped.
func (j *judge) noFace() catalog.Text { return j.say("check.noFace.needs_exactly_one_face") }

func (j *judge) faceCount(m *measures) Check {
	n := len(m.faces)
	c := Check{ID: FaceCount, Value: n, Limit: "1"}
	switch {
	case n == 1:
		c.Status = Pass
		c.MessageText = j.say("check.faceCount.one_face")
	case n == 0:
		c.Status = Fail
		c.MessageText = j.say("check.faceCount.no_face_found")
		c.FixText = j.say("check.faceCount.take_photo_your_face")
	default:
		c.Status = Fail
		c.MessageText = j.say("check.faceCount.faces_in_photo", n)
		c.FixText = j.say("check.faceCount.only_person_applying_for")
	}
	return c
}

// pct rounds a fraction to a percentage with one decimal.
func pct(f float64) float64 { return math.Round(f*1000) / 10 }

func rangeLimit(r Range) string { return fmt.Sprintf("%.1f-%.1f %%", r.Min*100, r.Max*100) }

// hairVolume is how far, as a share of the head height (chin to visible
// top), the visible top of the head must lie above the skull estimate for
// the hair to count as voluminous (a bun, an afro, hair combed up): short
// or ordinary hair is no reason to warn. The skull estimate aims at the
// template's head outline, which on most neutral/ photos runs through the
// hair; fitted leaving each person out, it lies under the hand-marked
// visible top by -6 % to +13 % of the head height on the sitters of
// neutral/ and canada/, and those marked as having close-cut hair reach
// 13 % as well as those marked voluminous (TestHairVolume): the two cannot
// be told apart there, and on 70 other sitters with short hair the gap
// reached 14 % (issue 26). A fifth of the head is beyond ordinary hair and
// the estimate's error together.
const hairVolume = 0.20

// voluminous reports whether the visible top of the head at crownY lies
// hairVolume of the head height (chin at chinY) above the skull estimate
// at skullY (image rows, y down).
func voluminous(crownY, skullY, chinY float64) bool {
	return chinY > crownY && (skullY-crownY)/(chinY-crownY) >= hairVolume
}

// skullMargin is the error of the skull estimate, as a share of the head
// height, within which it is not taken to be on the other side of a limit:
// face_height fails on the estimate alone, or warns that the hair's
// volume puts the two readings on different sides of a limit, only when
// the estimate is out of the band by more than this. Held out, the
// estimate misses the template's top of the head by -4.8 % to +4.5 %
// (10th-90th percentile), -6.6 % at worst (TestSkullModel, which asserts
// that every group's 10th-90th percentile lies within this margin).
const skullMargin = 0.08

// faceHeight judges chin to crown against the profile's band. The crown
// is the visible top of the head, hair included. When the top cannot be
// seen (the head reaches the top edge, or no plain backdrop lies above
// it) the figure is the skull estimate and the check warns, unless even
// chin to top edge is too much or the estimate is out of the band by more
// than its error (skullMargin). When voluminous hair puts the visible top
// well above the skull estimate and the two readings fall on different
// sides of a limit, it warns: a clerk may measure either.
func (j *judge) faceHeight(g *faceGeom, h float64) Check {
	r := j.prof.FaceHeight
	frac := (g.chin.Y - g.crown.Y) / h
	c := Check{ID: FaceHeight, Value: pct(frac), Limit: rangeLimit(r)}
	mm := frac * j.prof.HeightMM
	mid := (r.Min + r.Max) / 2
	if !g.crownSeen {
		// The head reaching the top edge fills at least chin to top edge.
		if atLeast := g.chin.Y / h; g.crownCut && atLeast > r.Max {
			c.Status = Fail
			c.Value = pct(atLeast)
			c.MessageText = j.say("check.faceHeight.face_too_large_head", atLeast*100, r.Min*100, r.Max*100)
			c.FixText = j.say("check.faceHeight.crop_photo_leaving_room")
			return c
		}
		// The estimate outside the band even allowing for its error.
		if est := frac; est*(1-skullMargin) > r.Max || est*(1+skullMargin) < r.Min {
			c.Status = Fail
			size := j.say("check.faceHeight.too_large")
			fix := j.say("check.faceHeight.crop_photo_leaving_room")
			if est < r.Min {
				size = j.say("check.faceHeight.too_small")
				fix = j.say("check.faceHeight.crop_tighter_around_face", (g.chin.Y-g.crown.Y)/mid)
			}
			c.MessageText = j.say("check.faceHeight.face_top_head_cannot", size, frac*100, r.Min*100, r.Max*100)
			c.FixText = fix
			return c
		}
		c.Status = Warn
		if g.crownCut {
			c.MessageText = j.say("check.faceHeight.top_head_runs_off", frac*100, mm, j.prof.HeightMM)
			c.FixText = j.say("check.faceHeight.crop_photo_leaving_some")
		} else {
			c.MessageText = j.say("check.faceHeight.top_head_cannot_be", frac*100, mm, j.prof.HeightMM)
			c.FixText = j.say("check.faceHeight.take_photo_against_plain")
		}
		return c
	}
	// Voluminous hair: the skull estimate on the other side of a limit.
	// Where the visible top is in the band, the estimate must be out of it
	// by more than its own error (skullMargin) to say so; where the visible
	// top is out, an estimate inside the band is enough to look.
	skull := (g.chin.Y - g.skull.Y) / h
	side := func(f, margin float64) int {
		switch {
		case f*(1+margin) < r.Min:
			return -1
		case f*(1-margin) > r.Max:
			return 1
		}
		return 0
	}
	margin := 0.0
	if side(frac, 0) == 0 {
		margin = skullMargin
	}
	if voluminous(g.crown.Y, g.skull.Y, g.chin.Y) && side(skull, margin) != side(frac, 0) {
		c.Status = Warn
		c.MessageText = j.say("check.faceHeight.hair_raises_top_head", frac*100, skull*100, r.Min*100, r.Max*100)
		// A crop height with both readings inside the band, if one exists.
		lo, hi := (g.chin.Y-g.crown.Y)/r.Max, (g.chin.Y-g.skull.Y)/r.Min
		if lo <= hi {
			c.FixText = j.say("check.faceHeight.crop_photo_about_pixels", (lo+hi)/2)
		} else {
			c.FixText = j.say("check.faceHeight.wear_hair_lower_no")
		}
		return c
	}
	switch {
	case r.Contains(frac):
		c.Status = Pass
		c.MessageText = j.say("check.faceHeight.face_chin_crown_fills", frac*100, mm, j.prof.HeightMM)
	case frac < r.Min:
		c.Status = Fail
		// Crop height that makes the face fill the middle of the band.
		target := (g.chin.Y - g.crown.Y) / mid
		c.MessageText = j.say("check.faceHeight.face_too_small_fills", frac*100, mm, j.prof.HeightMM, r.Min*100, r.Max*100)
		c.FixText = j.say("check.faceHeight.crop_tighter_around_face_2", target, target*j.prof.Aspect)
	default:
		c.Status = Fail
		target := (g.chin.Y - g.crown.Y) / mid
		c.MessageText = j.say("check.faceHeight.face_too_large_fills", frac*100, mm, j.prof.HeightMM, r.Min*100, r.Max*100)
		c.FixText = j.say("check.faceHeight.crop_photo_leaving_more", target)
	}
	return c
}

func (j *judge) eyeHeight(g *faceGeom, h float64) Check {
	r := j.prof.EyeHeight
	frac := (h - g.eyeMid.Y) / h // from the bottom edge
	c := Check{ID: EyeHeight, Value: pct(frac), Limit: rangeLimit(r)}
	mm := frac * j.prof.HeightMM
	mid := (r.Min + r.Max) / 2
	// Pixels to add above the head (or remove below the chin) to bring the
	// eye line to the middle of its band.
	shift := math.Abs(g.eyeMid.Y - (1-mid)*h)
	switch {
	case r.Contains(frac):
		c.Status = Pass
		c.MessageText = j.say("check.eyeHeight.eyes_mm_above_bottom", mm, frac*100)
	case frac < r.Min:
		c.Status = Fail
		c.MessageText = j.say("check.eyeHeight.eyes_too_low_mm", mm, r.Min*j.prof.HeightMM, r.Max*j.prof.HeightMM)
		c.FixText = j.say("check.eyeHeight.crop_about_pixels_off", shift)
	default:
		c.Status = Fail
		c.MessageText = j.say("check.eyeHeight.eyes_too_high_mm", mm, r.Min*j.prof.HeightMM, r.Max*j.prof.HeightMM)
		c.FixText = j.say("check.eyeHeight.crop_photo_leaving_more", shift)
	}
	return c
}

func (j *judge) centering(g *faceGeom, w float64) Check {
	r := j.prof.Centering
	frac := g.eyeMid.X / w
	c := Check{ID: Centering, Value: pct(frac), Limit: rangeLimit(r)}
	shift := math.Abs(g.eyeMid.X - w/2)
	switch {
	case r.Contains(frac):
		c.Status = Pass
		c.MessageText = j.say("check.centering.face_centred_width", frac*100)
	case frac < r.Min:
		c.Status = Fail
		c.MessageText = j.say("check.centering.face_off_left_at", frac*100)
		c.FixText = j.say("check.centering.crop_with_frame_moved", shift)
	default:
		c.Status = Fail
		c.MessageText = j.say("check.centering.face_off_right_at", frac*100)
		c.FixText = j.say("check.centering.crop_with_frame_moved_2", shift)
	}
	return c
}

func (j *judge) interEye(g *faceGeom) Check {
	d := math.Hypot(g.right.X-g.left.X, g.right.Y-g.left.Y)
	min := j.prof.MinInterEye
	c := Check{ID: InterEye, Value: math.Round(d), Limit: fmt.Sprintf(">= %.0f px", min)}
	if d >= min {
		c.Status = Pass
		c.MessageText = j.say("check.interEye.pixels_between_eyes", d)
		return c
	}
	c.Status = Fail
	c.MessageText = j.say("check.interEye.only_pixels_between_eyes", d, min)
	c.FixText = j.say("check.interEye.face_has_too_few")
	return c
}

func (j *judge) roll(g *faceGeom) Check {
	max := j.prof.MaxRoll
	c := Check{ID: Roll, Value: round1(g.roll), Limit: fmt.Sprintf("<= %.0f°", max)}
	if math.Abs(g.roll) <= max {
		c.Status = Pass
		c.MessageText = j.say("check.roll.head_straight_tilted", math.Abs(g.roll))
		return c
	}
	c.Status = Fail
	dir := j.say("check.roll.anticlockwise")
	if g.roll < 0 {
		dir = j.say("check.roll.clockwise")
	}
	c.MessageText = j.say("check.roll.head_tilted_by_at", math.Abs(g.roll), max)
	c.FixText = j.say("check.roll.hold_your_head_straight", math.Abs(g.roll), dir)
	return c
}
