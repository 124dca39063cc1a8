package validate

import (
	"fmt"
	"image"
	"math"
	"sort"

	"github.com/tessera-cie/tessera/facedetect"
)

// This file: color, background_white, background_uniform, exposure,
// sharpness and lighting, measured on the pixels. The background measures
// are in background.go.

// CaptureLimits are the thresholds of the capture checks.
type CaptureLimits struct {
	// background_white: median L* and median chroma of the backdrop.
	BgMinL      float64
	BgMaxChroma float64
	BgWhat      string // message id of what the backdrop must be ("white")
	// background_uniform.
	BgMaxResidual float64 // L* spread (p90-p10) left after a plane fit
	BgMaxGradient float64 // L* range of the fitted plane over the backdrop
	BgMaxEdges    float64 // share of backdrop samples on an edge (objects, patterns)
	BgMaxShadow   float64 // L* the band next to the head is darker than the rest
	// exposure, judged on the scene's own whites, never on the skin's
	// lightness: the whites of the eyes (MinEyeWhite), the backdrop
	// (MinSceneL), and the share of the skin burnt to white (MaxClipped).
	MinEyeWhite float64
	MinSceneL   float64
	MaxClipped  float64
	MinSharp    float64 // sharpness: Laplacian spread at a fixed face scale, over the face contrast
	// lighting: the brighter cheek's luminance over the darker one's, in
	// linear light, so the same shadow gives the same ratio on any skin.
	MaxSideRatio float64
	// color: share of the coloured samples within ±HueBand degrees of
	// their mean hue over which the photo is one tint (sepia, mono).
	MaxHueShare float64
}

// HueBand is the half width in degrees of the hue band of a tinted photo.
const HueBand = 15

var baseCaptureLimits = CaptureLimits{
	BgMinL:        88, // spec: studio white is L* above about 88; the FRLL grey is 75-80
	BgMaxChroma:   6,  // spec: no colour cast, chroma under about 6
	BgWhat:        "check.bgWhite.white",
	BgMaxResidual: 12,   // capture_test.go: plain backdrops up to 5 (10.6 with loose curls beside the head), busy ones 16-24
	BgMaxGradient: 22,   // capture_test.go: plain backdrops up to 20 L* across (spot-lit grey), the busy lisa/ ones 24 and more
	BgMaxEdges:    0.08, // capture_test.go: plain backdrops up to 0.063 (hair strands), a landscape 0.1-0.3
	BgMaxShadow:   15,   // loose curls darken the band next to the head by up to 13 L*; a cast shadow by more
	// capture_test.go: the whites of the eyes (90th percentile of L* inside
	// the eye outline) read 42-78 on every studio photo of every group
	// (46-67 for the black sitters), 16-32 on the dim lisa/ snapshots and at
	// most 32 on the studio photos darkened to 0.4.
	MinEyeWhite: 38,
	// A light backdrop behind an underexposed face still reads L* 65 and
	// more (lisa/), while the darkened studio photos read 30-38 and every
	// studio backdrop 72-89: under 55 the whole scene is dark.
	MinSceneL:  55,
	MaxClipped: 0.10, // a tenth of the skin burnt white is a lost face
	MinSharp:   0.25, // capture_test.go: sharp photos 0.59-1.01, a blur of a fifteenth of the eye distance 0.06-0.09
	// Real photos up to 1.35 (1.23 without the one cheek highlight of a
	// black sitter), one half darkened to 35 % 2.5 and more; portrait
	// photographers call 2:1 a modelled light, an ID photo is flatter.
	MaxSideRatio: 1.6,
	MaxHueShare:  0.92, // capture_test.go: real photos reach 0.85, sepia ones 0.99
}

// The capture limits of each profile.
var (
	cieCaptureLimits  = baseCaptureLimits
	icaoCaptureLimits = func() CaptureLimits {
		c := baseCaptureLimits
		c.BgMinL = 60      // icao: any light backdrop, judged by its darkest cell: the FRLL grey reads 67-80 there (74-87 in its median), the canada/ light blues 69-85; L* 60 is a light-mid grey, well above ISO 19794-5's 18 % grey (L* 50)
		c.BgMaxChroma = 18 // light blue passes (canada/ 11-14); the brown landscapes of lisa/ measure 20-23
		c.BgWhat = "check.bgWhite.light"
		return c
	}()
)

// captureMeasures are the capture measurements.
type captureMeasures struct {
	bg bgMeasures
	// Face, valid when hasFace.
	hasFace   bool
	skinL     float64 // median L* of cheeks and nose, reported, never judged
	eyeWhite  float64 // 90th percentile of L* inside the eye outlines, the brighter eye; NaN when unseen
	clipped   float64 // share of skin samples with a burnt channel
	sharp     float64 // Laplacian std over face std, at fixed face scale
	lapStd    float64
	leftL     float64 // median L* of the cheek on the image's left
	rightL    float64
	skinCount int
}

// bgMedianL is the backdrop's median L*, the scene's light level.
func (cm *captureMeasures) bgMedianL() float64 { return cm.bg.lMedian }

// measureCapture measures the photo; m.face may be nil.
func measureCapture(ph *photo, m *measures) *captureMeasures {
	cm := &captureMeasures{}
	if ph == nil || ph.img == nil {
		return cm
	}
	cm.bg = measureBackground(ph.img, m.face)
	cm.eyeWhite = math.NaN()
	if m.features != nil {
		cm.eyeWhite = m.features.eyeWhite // measured once, with the features
	}
	if m.face != nil && len(m.face.f.Landmarks) == facedetect.NumLandmarks {
		measureFace(ph, m.face, cm)
	}
	return cm
}

// measureFace measures exposure, lighting and sharpness on the skin.
func measureFace(ph *photo, g *faceGeom, cm *captureMeasures) {
	lm := g.f.Landmarks
	d := math.Hypot(g.right.X-g.left.X, g.right.Y-g.left.Y)
	if d < 8 {
		return
	}
	avg := func(idx ...int) facedetect.Point {
		var p facedetect.Point
		for _, i := range idx {
			p.X += lm[i].X
			p.Y += lm[i].Y
		}
		n := float64(len(idx))
		return facedetect.Point{X: p.X / n, Y: p.Y / n}
	}
	// Cheeks: between the lower eyelid, the mouth corner, the jaw and
	// the nose wing; the nose tip and bridge carry the highlights.
	left := patch(ph.img, avg(facedetect.LeftEyeFirst+facedetect.EyeLowerA, facedetect.MouthLeft, facedetect.JawLeftCheek, facedetect.NostrilLeft), 0.16*d)
	right := patch(ph.img, avg(facedetect.RightEyeFirst+facedetect.EyeLowerB, facedetect.MouthRight, facedetect.JawRightCheek, facedetect.NostrilRight), 0.16*d)
	nose := patch(ph.img, avg(facedetect.NoseBridgeLow, facedetect.NoseTip), 0.10*d)
	if len(left.l) < 4 || len(right.l) < 4 {
		return
	}
	all := append(append(append([]float64{}, left.l...), right.l...), nose.l...)
	cm.hasFace = true
	cm.skinCount = len(all)
	cm.skinL = median(all)
	cm.clipped = float64(left.clip+right.clip+nose.clip) / float64(len(all))
	cm.leftL, cm.rightL = median(left.l), median(right.l)
	cm.sharp, cm.lapStd = sharpness(ph.gray, g.eyeMid, d)
}

// minEyeSamples is the fewest pixels inside an eye outline worth reading:
// about a 5x5 patch, an eye of 15 pixels corner to corner.
const minEyeSamples = 25

// eyeWhite returns the 90th percentile of L* inside each eye's outline
// (landmarks 36-41 and 42-47) and keeps the brighter eye: the sclera and
// the catchlight, the scene's own white on the face, which the skin around
// it does not change. NaN when neither eye has minEyeSamples pixels.
func eyeWhite(img image.Image, lm []facedetect.Point) float64 {
	fr, ok := newFaceFrame(lm)
	if !ok {
		return math.NaN()
	}
	best := math.NaN()
	for _, first := range []int{facedetect.LeftEyeFirst, facedetect.RightEyeFirst} {
		if eyeAspect(lm, first) < minWhiteAspect {
			continue // narrowed by a smile or a squint: too little white shows
		}
		poly := make([][2]float64, 6)
		for k := range poly {
			u, v := fr.face(lm[first+k])
			poly[k] = [2]float64{u, v}
		}
		var ls []float64
		fr.walkPoly(img.Bounds(), poly, func(_, _ float64, x, y int) {
			l, _, _ := toLab(img.At(x, y))
			ls = append(ls, l)
		})
		if len(ls) >= minEyeSamples {
			if w := quantile(ls, 0.9); math.IsNaN(best) || w > best {
				best = w
			}
		}
	}
	return best
}

// minWhiteAspect is the eye height over width (see eyeAspect) under which
// an eye shows too little of its white to read: open eyes on neutral/ and
// canada/ measure 0.22 and more, eyes narrowed by a broad smile 0.15-0.2.
const minWhiteAspect = 0.2

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

type skinPatch struct {
	l    []float64
	clip int
}

// patch samples about 15x15 points of the disc of radius r around c.
func patch(img image.Image, c facedetect.Point, r float64) skinPatch {
	var p skinPatch
	b := img.Bounds()
	st := max(1, r/7)
	for y := c.Y - r; y <= c.Y+r; y += st {
		for x := c.X - r; x <= c.X+r; x += st {
			if (x-c.X)*(x-c.X)+(y-c.Y)*(y-c.Y) > r*r {
				continue
			}
			pt := image.Pt(int(x), int(y))
			if !pt.In(b) {
				continue
			}
			col := img.At(pt.X, pt.Y)
			l, _, _ := toLab(col)
			p.l = append(p.l, l)
			r16, g16, b16, _ := col.RGBA()
			if max(r16, g16, b16)>>8 >= 250 {
				p.clip++
			}
		}
	}
	return p
}

func median(v []float64) float64 { return quantile(v, 0.5) }

// sharpScale is the inter-eye distance in pixels the face is resampled to
// before the Laplacian, so sharpness does not depend on the resolution.
const sharpScale = 48

// sharpness resamples the eyes-nose-mouth window to sharpScale pixels
// between the eyes (area average) and returns the standard deviation of
// its Laplacian over the standard deviation of its grey levels.
func sharpness(gr *image.Gray, mid facedetect.Point, d float64) (norm, lapStd float64) {
	s := d / sharpScale // source pixels per resampled pixel
	w, h := sharpScale*9/5, sharpScale*9/5
	x0, y0 := mid.X-0.9*d, mid.Y-0.5*d
	b := gr.Rect
	px := make([]float64, w*h)
	k := max(1, int(s))
	for j := range h {
		for i := range w {
			sx, sy := int(x0+float64(i)*s), int(y0+float64(j)*s)
			sum, n := 0, 0
			for yy := sy; yy < sy+k; yy++ {
				for xx := sx; xx < sx+k; xx++ {
					if image.Pt(xx, yy).In(b) {
						sum += int(gr.Pix[gr.PixOffset(xx, yy)])
						n++
					}
				}
			}
			if n > 0 {
				px[j*w+i] = float64(sum) / float64(n)
			}
		}
	}
	var sl, sl2, sg, sg2, n float64
	for j := 1; j < h-1; j++ {
		for i := 1; i < w-1; i++ {
			v := px[j*w+i]
			lap := px[j*w+i-1] + px[j*w+i+1] + px[(j-1)*w+i] + px[(j+1)*w+i] - 4*v
			sl += lap
			sl2 += lap * lap
			sg += v
			sg2 += v * v
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	lv := sl2/n - (sl/n)*(sl/n)
	gv := sg2/n - (sg/n)*(sg/n)
	lapStd = math.Sqrt(max(0, lv))
	return lapStd / (math.Sqrt(max(0, gv)) + 1), lapStd
}

// captureChecks judges background, exposure, sharpness and lighting.
func (j *judge) captureChecks(rep *Report, ph *photo, m *measures) {
	cm := m.capture
	if cm == nil || ph == nil || ph.img == nil {
		j.skipAll(rep, j.say("check.captureChecks.image_cannot_be_read"),
			"background_white", "background_uniform", "exposure", "sharpness", "lighting")
		return
	}
	j.add(rep, j.bgWhite(cm.bg))
	j.add(rep, j.bgUniform(cm.bg))
	if !cm.hasFace {
		j.skipAll(rep, j.noFace(), "exposure", "sharpness", "lighting")
		return
	}
	j.add(rep, j.exposure(cm))
	j.add(rep, j.sharpnessCheck(cm))
	j.add(rep, j.lighting(cm))
}

// exposure judges the capture by the whites of the eyes and the backdrop,
// and the skin only by how much of it is burnt to white: a dark skin in
// good light has white eyes and a light backdrop, a face in dim light has
// neither.
func (j *judge) exposure(cm *captureMeasures) Check {
	p := j.prof.Capture
	c := Check{ID: "exposure", Limit: fmt.Sprintf("eye white L* >= %.0f or backdrop L* >= %.0f, clipped skin <= %.0f %%", p.MinEyeWhite, p.MinSceneL, p.MaxClipped*100)}
	if !math.IsNaN(cm.eyeWhite) {
		c.Value = round1(cm.eyeWhite)
	}
	sceneDark := cm.bg.n < 20 || cm.bgMedianL() < p.MinSceneL
	eyesDark := !math.IsNaN(cm.eyeWhite) && cm.eyeWhite < p.MinEyeWhite
	darkFix := j.say("check.exposure.take_photo_again_with")
	switch {
	case cm.clipped > p.MaxClipped:
		c.Status = Fail
		c.Value = pct(cm.clipped)
		c.Message = j.say("check.exposure.parts_face_burnt_out", cm.clipped*100)
		c.Fix = j.say("check.exposure.take_photo_again_without")
	case eyesDark && sceneDark, math.IsNaN(cm.eyeWhite) && cm.bg.n >= 20 && sceneDark:
		c.Status = Fail
		if math.IsNaN(cm.eyeWhite) {
			c.Value = round1(cm.bgMedianL())
			c.Message = j.say("check.exposure.photo_underexposed_even_background", cm.bgMedianL())
		} else {
			c.Message = j.say("check.exposure.photo_underexposed_whites_eyes", cm.eyeWhite)
		}
		c.Fix = darkFix
	case eyesDark:
		c.Status = Warn
		c.Message = j.say("check.exposure.face_seems_poorly_lit", cm.eyeWhite)
		c.Fix = darkFix
	default:
		c.Status = Pass
		c.Message = j.say("check.exposure.correctly_exposed")
	}
	return c
}

func (j *judge) sharpnessCheck(cm *captureMeasures) Check {
	p := j.prof.Capture
	v := math.Round(cm.sharp*100) / 100
	c := Check{ID: "sharpness", Value: v, Limit: fmt.Sprintf(">= %.2f", p.MinSharp)}
	if cm.sharp >= p.MinSharp {
		c.Status = Pass
		c.Message = j.say("check.sharpnessCheck.face_in_focus")
		return c
	}
	c.Status = Fail
	c.Message = j.say("check.sharpnessCheck.face_blurred_or_shaken")
	c.Fix = j.say("check.sharpnessCheck.take_photo_again_holding")
	return c
}

// lighting compares the two cheeks in linear light: their luminance ratio
// is the ratio of the light falling on them, whatever the skin.
func (j *judge) lighting(cm *captureMeasures) Check {
	p := j.prof.Capture
	yl, yr := labToY(cm.leftL), labToY(cm.rightL)
	ratio := max(yl, yr) / max(min(yl, yr), 1e-4)
	c := Check{ID: "lighting", Value: math.Round(ratio*100) / 100, Limit: fmt.Sprintf("cheeks ratio <= %.1f", p.MaxSideRatio)}
	if ratio <= p.MaxSideRatio {
		c.Status = Pass
		c.Message = j.say("check.lighting.even_light_on_both")
		return c
	}
	side := j.say("check.lighting.right")
	if yl > yr {
		side = j.say("check.lighting.left")
	}
	c.Status = Fail
	c.Message = j.say("check.lighting.uneven_light_half_photo", side, ratio)
	c.Fix = j.say("check.lighting.face_light_window_or")
	return c
}

// labToY is the relative luminance (0-1) of a CIELAB lightness.
func labToY(l float64) float64 {
	f := (l + 16) / 116
	if f > 6.0/29 {
		return f * f * f
	}
	return 3 * (6.0 / 29) * (6.0 / 29) * (f - 4.0/29)
}

func (j *judge) color(m *measures) Check {
	p := j.prof
	v := math.Round(m.color.p90Chroma*10) / 10
	c := Check{ID: "color", Value: v, Limit: fmt.Sprintf("chroma >= %.0f, hue share <= %.2f", p.MinChroma, p.Capture.MaxHueShare)}
	tint := p.Capture.MaxHueShare > 0 && m.color.hueShare > p.Capture.MaxHueShare
	if m.color.p90Chroma >= p.MinChroma && !tint {
		c.Status = Pass
		c.Message = j.say("check.color.colour_photo")
		return c
	}
	c.Status = Fail
	if tint {
		c.Value = math.Round(m.color.hueShare*1000) / 1000
		c.Message = j.say("check.color.photo_in_single_tint")
	} else {
		c.Message = j.say("check.color.photo_black_white_or")
	}
	c.Fix = j.say("check.color.colour_photo_needed_take")
	return c
}

// colorStats summarise the colour of the photo in CIELAB.
type colorStats struct {
	p90Chroma float64 // 90th percentile of C*ab over the photo
	// hueShare is the largest share of the mid-tone samples (L* 15-97)
	// that are coloured (chroma >= 4) and lie in one hue band of ±HueBand
	// degrees: near 1 for a sepia or tinted monochrome photo, where even
	// the greys and whites carry the tint; a colour photo has neutral
	// backdrop, clothes or eyes, or colours of several hues.
	hueShare float64
}

// measureColor samples the photo on a grid of about 100x100 points.
func measureColor(img image.Image) colorStats {
	b := img.Bounds()
	step := max(1, max(b.Dx(), b.Dy())/100)
	var chroma []float64
	var hist [72]int // 5 degree hue bins of the coloured mid-tone samples
	mid := 0
	for y := b.Min.Y + step/2; y < b.Max.Y; y += step {
		for x := b.Min.X + step/2; x < b.Max.X; x += step {
			l, a, bb := toLab(img.At(x, y))
			c := math.Hypot(a, bb)
			chroma = append(chroma, c)
			if l < 15 || l > 97 {
				continue
			}
			mid++
			if c >= 4 {
				deg := math.Atan2(bb, a) * 180 / math.Pi
				hist[int(math.Mod(deg+360, 360)/5)%72]++
			}
		}
	}
	if len(chroma) == 0 {
		return colorStats{}
	}
	sort.Float64s(chroma)
	cs := colorStats{p90Chroma: chroma[len(chroma)*9/10]}
	if mid > 0 {
		const half = HueBand / 5
		best := 0
		for c := range hist {
			n := 0
			for k := -half; k <= half; k++ {
				n += hist[(c+k+72)%72]
			}
			best = max(best, n)
		}
		cs.hueShare = float64(best) / float64(mid)
	}
	return cs
}
