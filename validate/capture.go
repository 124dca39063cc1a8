package validate

import (
	"fmt"
	"image"
	"math"
	"sort"
)

// This file: color, background_white, background_uniform, exposure,
// sharpness and lighting, measured on the pixels.

// CaptureLimits are the thresholds of the capture checks.
type CaptureLimits struct {
}

// The capture limits of each profile.
var (
	cieCaptureLimits  = CaptureLimits{}
	icaoCaptureLimits = CaptureLimits{}
)

// captureMeasures are the capture measurements.
type captureMeasures struct {
}

// measureCapture measures the photo; m.face may be nil.
func measureCapture(ph *photo, m *measures) *captureMeasures {
	return &captureMeasures{}
}

// captureChecks judges background, exposure, sharpness and lighting.
func (j *judge) captureChecks(rep *Report, ph *photo, m *measures) {
	ids := []string{"background_white", "background_uniform", "exposure", "sharpness", "lighting"}
	_ = ids
}

func (j *judge) color(m *measures) Check {
	p := j.prof
	v := math.Round(m.color.p90Chroma*10) / 10
	c := Check{ID: "color", Value: v, Limit: fmt.Sprintf("chroma >= %.0f", p.MinChroma)}
	if m.color.p90Chroma >= p.MinChroma {
		c.Status = Pass
		c.Message = j.say("Foto a colori", "Colour photo")
		return c
	}
	c.Status = Fail
	c.Message = j.say("La foto è in bianco e nero o monocromatica", "The photo is black and white or monochrome")
	c.Fix = j.say("Serve una foto a colori: scattala senza filtri (niente bianco e nero, seppia o \"mono\").", "A colour photo is needed: take it without filters (no black and white, sepia or \"mono\").")
	return c
}

// colorStats summarise the colour of the photo in CIELAB.
type colorStats struct {
	p90Chroma float64 // 90th percentile of C*ab over the photo
}

// measureColor samples the photo on a grid of about 100x100 points.
func measureColor(img image.Image) colorStats {
	b := img.Bounds()
	step := max(1, max(b.Dx(), b.Dy())/100)
	var chroma []float64
	for y := b.Min.Y + step/2; y < b.Max.Y; y += step {
		for x := b.Min.X + step/2; x < b.Max.X; x += step {
			_, a, bb := toLab(img.At(x, y))
			chroma = append(chroma, math.Hypot(a, bb))
		}
	}
	if len(chroma) == 0 {
		return colorStats{}
	}
	sort.Float64s(chroma)
	return colorStats{p90Chroma: chroma[len(chroma)*9/10]}
}
