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
	BgWhat      [2]string // what the backdrop must be, it and en
	// background_uniform.
	BgMaxResidual float64 // L* spread (p90-p10) left after a plane fit
	BgMaxGradient float64 // L* range of the fitted plane over the backdrop
	BgMaxEdges    float64 // share of backdrop samples on an edge (objects, patterns)
	BgMaxShadow   float64 // L* the band next to the head is darker than the rest
	// exposure: median L* of the skin and share of clipped skin samples.
	SkinL       Range
	MaxClipped  float64
	MinSharp    float64 // sharpness: Laplacian spread at a fixed face scale, over the face contrast
	MaxSideDiff float64 // lighting: L* difference between the two cheeks
	// color: share of the coloured samples within ±HueBand degrees of
	// their mean hue over which the photo is one tint (sepia, mono).
	MaxHueShare float64
}

// HueBand is the half width in degrees of the hue band of a tinted photo.
const HueBand = 15

var baseCaptureLimits = CaptureLimits{
	BgMinL:        88, // spec: studio white is L* above about 88; the FRLL grey is 75-80
	BgMaxChroma:   6,  // spec: no colour cast, chroma under about 6
	BgWhat:        [2]string{"bianco", "white"},
	BgMaxResidual: 12,            // capture_test.go: plain backdrops up to 5 (10.6 with loose curls beside the head), busy ones 16-24
	BgMaxGradient: 22,            // capture_test.go: plain backdrops up to 20 L* across (spot-lit grey), the busy lisa/ ones 24 and more
	BgMaxEdges:    0.08,          // capture_test.go: plain backdrops up to 0.063 (hair strands), a landscape 0.1-0.3
	BgMaxShadow:   15,            // loose curls darken the band next to the head by up to 13 L*; a cast shadow by more
	SkinL:         Range{35, 88}, // capture_test.go: real skin 50-76 L*; the photos darkened to 30 % reach 23 at most, the brightened ones 97
	MaxClipped:    0.10,          // a tenth of the skin burnt white is a lost face
	MinSharp:      0.25,          // capture_test.go: sharp photos 0.62-0.85, a blur of a fifteenth of the eye distance 0.06-0.09
	MaxSideDiff:   10,            // capture_test.go: real photos up to 5.6 L* between the cheeks, one half darkened to 35 % at least 14.5
	MaxHueShare:   0.92,          // capture_test.go: real photos reach 0.85, sepia ones 0.99
}

// The capture limits of each profile.
var (
	cieCaptureLimits  = baseCaptureLimits
	icaoCaptureLimits = func() CaptureLimits {
		c := baseCaptureLimits
		c.BgMinL = 68      // icao: any light backdrop; the FRLL greys measure 74-87, the canada/ light blues 69-85
		c.BgMaxChroma = 18 // light blue passes (canada/ 11-14); the brown landscapes of lisa/ measure 20-23
		c.BgWhat = [2]string{"chiaro", "light"}
		return c
	}()
)

// captureMeasures are the capture measurements.
type captureMeasures struct {
	bg bgMeasures
	// Face, valid when hasFace.
	hasFace   bool
	skinL     float64 // median L* of cheeks and nose
	clipped   float64 // share of skin samples with a burnt channel
	sharp     float64 // Laplacian std over face std, at fixed face scale
	lapStd    float64
	leftL     float64 // median L* of the cheek on the image's left
	rightL    float64
	skinCount int
}

// measureCapture measures the photo; m.face may be nil.
func measureCapture(ph *photo, m *measures) *captureMeasures {
	cm := &captureMeasures{}
	if ph == nil || ph.img == nil {
		return cm
	}
	cm.bg = measureBackground(ph.img, m.face)
	if m.face != nil && len(m.face.f.Landmarks) == 68 {
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
	left := patch(ph.img, avg(41, 48, 2, 31), 0.16*d)
	right := patch(ph.img, avg(46, 54, 14, 35), 0.16*d)
	nose := patch(ph.img, avg(29, 30), 0.10*d)
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
		j.skipAll(rep, j.say("Immagine non leggibile", "Image cannot be read"),
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

func (j *judge) exposure(cm *captureMeasures) Check {
	p := j.prof.Capture
	c := Check{ID: "exposure", Value: round1(cm.skinL), Limit: fmt.Sprintf("skin L* %.0f-%.0f, clipped <= %.0f %%", p.SkinL.Min, p.SkinL.Max, p.MaxClipped*100)}
	switch {
	case cm.skinL < p.SkinL.Min:
		c.Status = Fail
		c.Message = j.say("Il viso è troppo scuro (luminosità %.0f su 100)", "The face is too dark (lightness %.0f of 100)", cm.skinL)
		c.Fix = j.say("Scatta di nuovo con più luce sul viso: di fronte a una finestra di giorno o con una lampada davanti a te, non alle spalle.",
			"Take the photo again with more light on your face: facing a window by day or with a lamp in front of you, not behind.")
	case cm.skinL > p.SkinL.Max:
		c.Status = Fail
		c.Message = j.say("Il viso è troppo chiaro, sovraesposto (luminosità %.0f su 100)", "The face is too bright, overexposed (lightness %.0f of 100)", cm.skinL)
		c.Fix = j.say("Scatta di nuovo con meno luce diretta: spegni il flash o allontanati dalla lampada, e non schiarire la foto.",
			"Take the photo again with less direct light: turn the flash off or move away from the lamp, and do not brighten the photo.")
	case cm.clipped > p.MaxClipped:
		c.Status = Fail
		c.Value = pct(cm.clipped)
		c.Message = j.say("Parti del viso sono bruciate dalla luce (%.0f %% della pelle è bianco pieno)", "Parts of the face are burnt out by the light (%.0f %% of the skin is plain white)", cm.clipped*100)
		c.Fix = j.say("Scatta di nuovo senza flash diretto, con una luce morbida e diffusa (per esempio una finestra con la tenda).",
			"Take the photo again without direct flash, in soft diffused light (a window with a curtain, say).")
	default:
		c.Status = Pass
		c.Message = j.say("Esposizione del viso corretta", "Face correctly exposed")
	}
	return c
}

func (j *judge) sharpnessCheck(cm *captureMeasures) Check {
	p := j.prof.Capture
	v := math.Round(cm.sharp*100) / 100
	c := Check{ID: "sharpness", Value: v, Limit: fmt.Sprintf(">= %.2f", p.MinSharp)}
	if cm.sharp >= p.MinSharp {
		c.Status = Pass
		c.Message = j.say("Viso a fuoco", "Face in focus")
		return c
	}
	c.Status = Fail
	c.Message = j.say("Il viso è sfocato o mosso", "The face is blurred or shaken")
	c.Fix = j.say("Scatta di nuovo tenendo fermo il telefono (appoggialo o usa l'autoscatto), tocca il viso sullo schermo per metterlo a fuoco, pulisci l'obiettivo e non ingrandire con lo zoom digitale.",
		"Take the photo again holding the phone still (rest it or use the timer), tap the face on the screen to focus, clean the lens and do not use digital zoom.")
	return c
}

func (j *judge) lighting(cm *captureMeasures) Check {
	p := j.prof.Capture
	diff := cm.leftL - cm.rightL
	c := Check{ID: "lighting", Value: round1(math.Abs(diff)), Limit: fmt.Sprintf("cheeks ΔL* <= %.0f", p.MaxSideDiff)}
	if math.Abs(diff) <= p.MaxSideDiff {
		c.Status = Pass
		c.Message = j.say("Luce uniforme sulle due metà del viso", "Even light on both halves of the face")
		return c
	}
	side := j.say("destra", "right")
	if diff > 0 {
		side = j.say("sinistra", "left")
	}
	c.Status = Fail
	c.Message = j.say("Luce non uniforme: la metà %s della foto è più illuminata dell'altra (differenza %.0f su 100)", "Uneven light: the %s half of the photo is lit more than the other (difference %.0f of 100)", side, math.Abs(diff))
	c.Fix = j.say("Mettiti di fronte alla luce (una finestra o una lampada davanti a te, non di lato), oppure schiarisci il lato in ombra con un foglio bianco tenuto vicino al viso.",
		"Face the light (a window or a lamp in front of you, not at the side), or lighten the shadowed side with a white sheet held near the face.")
	return c
}

func (j *judge) color(m *measures) Check {
	p := j.prof
	v := math.Round(m.color.p90Chroma*10) / 10
	c := Check{ID: "color", Value: v, Limit: fmt.Sprintf("chroma >= %.0f, hue share <= %.2f", p.MinChroma, p.Capture.MaxHueShare)}
	tint := p.Capture.MaxHueShare > 0 && m.color.hueShare > p.Capture.MaxHueShare
	if m.color.p90Chroma >= p.MinChroma && !tint {
		c.Status = Pass
		c.Message = j.say("Foto a colori", "Colour photo")
		return c
	}
	c.Status = Fail
	if tint {
		c.Value = math.Round(m.color.hueShare*1000) / 1000
		c.Message = j.say("La foto è in un solo tono di colore (seppia o monocromatica)", "The photo is in a single tint (sepia or monochrome)")
	} else {
		c.Message = j.say("La foto è in bianco e nero o monocromatica", "The photo is black and white or monochrome")
	}
	c.Fix = j.say("Serve una foto a colori: scattala senza filtri (niente bianco e nero, seppia o \"mono\").", "A colour photo is needed: take it without filters (no black and white, sepia or \"mono\").")
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
