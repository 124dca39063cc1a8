package validate

import "fmt"

// This file: the background_white and background_uniform checks, judged
// from the backdrop measures (measure_background.go) and the profile.

// noBackdrop is the check when too little backdrop is visible.
func (j *judge) noBackdrop(id CheckID) Check {
	return Check{ID: id, Status: Warn,
		MessageText: j.say("check.noBackdrop.too_little_background_around"),
		FixText:     j.say("check.noBackdrop.leave_some_background_visible")}
}

func (j *judge) bgWhite(bg bgMeasures) Check {
	if bg.n < 20 {
		return j.noBackdrop(BackgroundWhite)
	}
	p := j.prof.Capture
	what := j.say(p.BgWhat)
	c := Check{ID: BackgroundWhite, Value: round1(bg.l), Limit: fmt.Sprintf("L* >= %.0f, chroma <= %.0f", p.BgMinL, p.BgMaxChroma)}
	switch {
	case bg.l >= p.BgMinL && bg.c <= p.BgMaxChroma:
		c.Status = Pass
		c.MessageText = j.say("check.bgWhite.background_lightness_100", what, bg.l)
	case bg.c > p.BgMaxChroma:
		c.Status = Fail
		c.Value = round1(bg.c)
		c.MessageText = j.say("check.bgWhite.background_coloured_chroma_must", bg.c, what)
		c.FixText = j.say("check.bgWhite.take_photo_again_in")
	default:
		c.Status = Fail
		c.MessageText = j.say("check.bgWhite.background_too_dark_or", bg.l, p.BgMinL, what)
		c.FixText = j.say("check.bgWhite.take_photo_again_in_2")
	}
	return c
}

func (j *judge) bgUniform(bg bgMeasures) Check {
	if bg.n < 20 {
		return j.noBackdrop(BackgroundUniform)
	}
	p := j.prof.Capture
	c := Check{ID: BackgroundUniform, Value: round1(bg.residual),
		Limit: fmt.Sprintf("spread <= %.0f, gradient <= %.0f, edges <= %.0f %%, shadow <= %.0f", p.BgMaxResidual, p.BgMaxGradient, p.BgMaxEdges*100, p.BgMaxShadow)}
	c.Status = Fail
	switch {
	case bg.edges > p.BgMaxEdges || bg.residual > p.BgMaxResidual:
		if bg.edges > p.BgMaxEdges {
			c.Value = pct(bg.edges)
		}
		c.MessageText = j.say("check.bgUniform.background_not_plain_there")
		c.FixText = j.say("check.bgUniform.take_photo_again_in")
	case bg.shadow > p.BgMaxShadow:
		c.Value = round1(bg.shadow)
		c.MessageText = j.say("check.bgUniform.head_casts_shadow_on")
		c.FixText = j.say("check.bgUniform.stand_metre_away_from")
	case bg.gradient > p.BgMaxGradient:
		c.Value = round1(bg.gradient)
		c.MessageText = j.say("check.bgUniform.background_goes_from_light")
		c.FixText = j.say("check.bgUniform.light_wall_evenly_diffused")
	default:
		c.Status = Pass
		c.MessageText = j.say("check.bgUniform.plain_background")
	}
	return c
}
