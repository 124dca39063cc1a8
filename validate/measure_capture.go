package validate

import (
	"image"
	"image/color"
	"math"
	"sort"

	"github.com/tessera-cie/tessera/facedetect"
)

// This file: what color, exposure, sharpness and lighting are judged on,
// measured on the pixels (judged in judge_capture.go). The background
// measures are in measure_background.go.

// captureMeasures are the capture measurements.
type captureMeasures struct {
	bg bgMeasures
	// Face, valid when hasFace.
	hasFace   bool
	skinL     float64 // median L* of cheeks and nose, reported, never judged
	eyeWhite  float64 // 90th percentile of L* inside the eye outlines, the brighter eye; NaN when unseen
	clipped   float64 // share of skin samples burnt to white (burntLevel)
	sharp     float64 // Laplacian std over face std, at fixed face scale
	lapStd    float64
	leftL     float64 // median L* of the cheek on the image's left
	rightL    float64
	skinCount int
}

// burntOut reports whether the light burnt the face out: more of its skin
// samples clipped than p allows (exposure fails it).
func (cm *captureMeasures) burntOut(p CaptureLimits) bool { return cm.clipped > p.MaxClipped }

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
		// Measured once, with the features: inside the photo's plain
		// margins, as they are (inner).
		cm.eyeWhite = m.features.eyeWhite
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

// burntLevel is the 8-bit luma (JPEG's, BT.601) from which a skin sample
// counts as burnt out (captureMeasures.clipped): plain white, where the
// light has left no detail of the skin, allowing a trace of colour (255,
// 255, 215 is burnt; 255, 255, 200 is not). One channel alone at the top is
// not burnt: under warm light the red channel of a well
// exposed light skin reaches the top over much of the cheek, and a darker
// skin needs more light before its red does, so counting any one channel
// failed light skins first. On ../shared/faces/wild, counted by any
// channel, 21 photos failed as burnt out, with up to 86 % of their skin
// samples counted, nearly all of them red alone at the top; counted by
// luma, three fail: a cheek blown by the sun (glasses_detector/3, 11 %), a
// washed-out phone selfie (selfies_sunglasses/selfies_3_images_233, 11 %)
// and a washed-out black and white print (gfpgan/Julia_Roberts_crop,
// 28 %).
// TestCaptureOnFaces burns half the skin of every studio photo to white
// (fails) and takes its red alone to the top (passes); TestBurnt reads
// single colours.
const burntLevel = 250

type skinPatch struct {
	l    []float64
	clip int // samples burnt out (burnt)
}

// patch samples about 15x15 points of the disc of radius r around c.
func patch(img image.Image, c facedetect.Point, r float64) skinPatch {
	var p skinPatch
	b := img.Bounds()
	// On a grid through c, so the mirror image of a patch is sampled at
	// the mirror images of its points. The disc is counted in steps, as
	// whole numbers: compared in pixels, the points on its rim came and
	// went with the last bit of r.
	const steps = 7
	st, n2 := r/steps, float64(steps*steps)
	if st < 1 {
		st, n2 = 1, math.Floor(r*r)
	}
	n := math.Floor(math.Sqrt(n2))
	for j := -n; j <= n; j++ {
		for i := -n; i <= n; i++ {
			if i*i+j*j > n2 {
				continue
			}
			pt := image.Pt(pixel(c.X+i*st), pixel(c.Y+j*st))
			if !pt.In(b) {
				continue
			}
			col := img.At(pt.X, pt.Y)
			l, _, _ := toLab(col)
			p.l = append(p.l, l)
			if burnt(col) {
				p.clip++
			}
		}
	}
	return p
}

// burnt reports whether c is burnt out: its luma at least burntLevel.
func burnt(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	// BT.601 luma of the 8-bit channels, as a photo's pixels are stored
	// (a JPEG's colours read through At carry bits a PNG of them has not).
	r, g, b = r>>8, g>>8, b>>8
	return (299*r+587*g+114*b)/1000 >= burntLevel
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

// colorStats summarise the colour of the photo in CIELAB.
type colorStats struct {
	p90Chroma float64 // 90th percentile of C*ab over the photo
	// hueShare is the largest share of the mid-tone samples (L* 15-97)
	// that are coloured (chroma >= 4) and lie in one hue band of ±HueBand
	// degrees: near 1 for a sepia or tinted monochrome photo, where even
	// the greys and whites carry the tint; a colour photo has neutral
	// backdrop, clothes or eyes, or colours of several hues.
	hueShare float64
	// toneSpread is how far the colour of the mid-tone samples strays
	// from the mean colour of samples as light as they are: the root mean
	// square distance of their (a*, b*) from the mean of their band of
	// toneBand L*, over their root mean square chroma. A tinted monochrome
	// photo draws its colour from lightness alone (sepia toner, a mono
	// filter: one colour per grey level), so it reads near 0; a colour
	// photo has skin, hair, lips, eyes and clothes of different colours at
	// the same lightness. A portrait on black in black clothes is all skin
	// and hair, of one hue (hueShare up to 0.98 on ../shared/faces/wild),
	// and still reads 0.18 and more. 1 when the mid-tones have no colour to
	// speak of (RMS chroma under minToneChroma): a grey photo is no tint.
	toneSpread float64
}

// toneBand is the width, in L*, of the bands of lightness toneSpread
// compares colours within: a twentieth of the scale, narrow enough that a
// toner's colour changes little across one.
const toneBand = 5

// minToneChroma is the RMS chroma of the mid-tones under which a photo has
// no colour for toneSpread to read: a tenth of the chroma under which
// colorStats calls a sample coloured, where JPEG's own scatter lies.
const minToneChroma = 0.4

// toneBlock is the reach, in pixels, of the block whose mean colour
// toneSpread reads at each sample: 3x3 pixels. JPEG's compression scatters
// the colour of single pixels, and that scatter reads as colours apart:
// the studio photos made sepia read up to 0.122 sampled by pixel when
// saved at quality 92 and 0.160 at quality 60, by 3x3 blocks 0.086 and
// 0.129 (read on a JPEG's planes, meanColor: 0.084 and 0.128), while the
// real photos' lowest stays at 0.184.
const toneBlock = 1

// meanColor is the mean colour of the pixels of img within r of (x, y).
// A JPEG's planes are averaged as they are stored, then converted: the
// mean differs from the mean of the converted pixels by the conversion's
// rounding and clamping (up to 1.8 ΔE on a pixel; toneSpread moves by
// 0.002 at most on ../shared/faces), and reading the planes costs a fifth
// as much.
func meanColor(img image.Image, x, y, r int) color.Color {
	b := img.Bounds()
	if yc, ok := img.(*image.YCbCr); ok {
		var sy, scb, scr, n int
		for yy := max(y-r, b.Min.Y); yy <= min(y+r, b.Max.Y-1); yy++ {
			for xx := max(x-r, b.Min.X); xx <= min(x+r, b.Max.X-1); xx++ {
				ci := yc.COffset(xx, yy)
				sy += int(yc.Y[yc.YOffset(xx, yy)])
				scb += int(yc.Cb[ci])
				scr += int(yc.Cr[ci])
				n++
			}
		}
		return color.YCbCr{Y: uint8((sy + n/2) / n), Cb: uint8((scb + n/2) / n), Cr: uint8((scr + n/2) / n)}
	}
	var sr, sg, sb, n uint32
	for yy := max(y-r, b.Min.Y); yy <= min(y+r, b.Max.Y-1); yy++ {
		for xx := max(x-r, b.Min.X); xx <= min(x+r, b.Max.X-1); xx++ {
			r16, g16, b16, _ := img.At(xx, yy).RGBA()
			sr, sg, sb, n = sr+r16>>8, sg+g16>>8, sb+b16>>8, n+1
		}
	}
	return color.NRGBA{uint8((sr + n/2) / n), uint8((sg + n/2) / n), uint8((sb + n/2) / n), 255}
}

// measureColor samples the photo on a grid of about 100x100 points.
func measureColor(img image.Image) colorStats {
	b := img.Bounds()
	step := max(1, max(b.Dx(), b.Dy())/100)
	var chroma []float64
	var hist [72]int // 5 degree hue bins of the coloured mid-tone samples
	// Per band of lightness: samples, sums of a*, b* and of a*² + b*².
	const bands = 100/toneBand + 1
	var bn, ba, bb, bsq [bands]float64
	mid := 0
	for y := b.Min.Y + step/2; y < b.Max.Y; y += step {
		for x := b.Min.X + step/2; x < b.Max.X; x += step {
			l, a, b2 := toLab(img.At(x, y))
			c := math.Hypot(a, b2)
			chroma = append(chroma, c)
			if l < 15 || l > 97 {
				continue
			}
			mid++
			if ml, ma, mb := toLab(meanColor(img, x, y, toneBlock)); ml >= 15 && ml <= 97 {
				k := int(ml / toneBand)
				bn[k]++
				ba[k] += ma
				bb[k] += mb
				bsq[k] += ma*ma + mb*mb
			}
			if c >= 4 {
				deg := math.Atan2(b2, a) * 180 / math.Pi
				hist[int(math.Mod(deg+360, 360)/5)%72]++
			}
		}
	}
	if len(chroma) == 0 {
		return colorStats{}
	}
	sort.Float64s(chroma)
	cs := colorStats{p90Chroma: chroma[len(chroma)*9/10], toneSpread: 1}
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
		var within, total, n float64
		for k := range bn {
			if bn[k] > 0 {
				within += bsq[k] - (ba[k]*ba[k]+bb[k]*bb[k])/bn[k]
				total += bsq[k]
				n += bn[k]
			}
		}
		if n > 0 && total/n >= minToneChroma*minToneChroma {
			cs.toneSpread = math.Sqrt(max(0, within) / total)
		}
	}
	return cs
}
