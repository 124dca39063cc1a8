package validate

import (
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/tessera-cie/tessera/facedetect"
)

// The visible crown is the top of the head as seen against the backdrop,
// hair included: where a clerk lays the top line of the Ministry's
// template, and where the backdrop ends above the head. visibleTop finds
// it on a grid of samples above the face:
//
//  1. Each sample is a block of pixels: its mean luma, its chroma (Cb, Cr
//     at the block centre: JPEG keeps chroma at half resolution anyway) and
//     its texture (mean luma step between neighbouring pixels, averaged
//     over the 3x3 neighbouring blocks). Grey hair on a grey backdrop has
//     nearly the backdrop's colour, but not its smoothness.
//  2. The top row of the photo, across its whole width, gives the backdrop:
//     a line fitted to its samples (a gradient or vignetting across the
//     top), its noise and its texture. A photo whose top row is mostly not
//     such a backdrop has no plain backdrop to find the head against.
//  3. Each column is walked down from the top edge with a reference
//     colour that starts as the backdrop there and follows it while it
//     changes slowly (a gradient down the backdrop); a sample unlike the
//     reference in colour or in texture is head (or something else).
//  4. Each column is then walked up from the forehead, where the head is
//     certain, while it stays head (with gaps of a few samples for the
//     highlights of shiny hair): the last head sample is the column's top.
//     Loose wisps and objects separated from the head by backdrop are left
//     out, as a clerk leaves them out.
//  5. The top of the head is the highest row that the head fills across
//     crownMinWidth of consecutive columns: single hairs standing up are
//     narrower.
//
// The head reaching the top edge of the photo across that width (in
// columns side by side or not: curls leave gaps) means its top is outside
// the photo: cut, not visible.

// crownSamples is the eye-to-chin distance in samples of the grid: the
// grid step is eye-to-chin / crownSamples pixels, and never under one
// pixel. Eye-to-chin is about half the head height, so a step is about
// 0.6 % of the head height, a fifth of the 3 % the crown must be found
// to; on a 560x720 ID photo it is 2 pixels.
const crownSamples = 80

// crownHalfWidth is how far the searched columns reach left and right of
// the eye midpoint, times the eye-to-chin distance. On the Face Research
// Lab templates (neutral/, canada/) the highest head-outline point lies
// within 0.25 eye-to-chin of the eye midpoint, and the hair reaches 0.9 to
// the sides at most; 0.7 leaves room for a head turned or tilted a little
// and for a bun or a parting off the midline.
const crownHalfWidth = 0.7

// crownFaceZone is the height above the eye line, times eye-to-chin,
// where the head is certain: the forehead (the brows lie about 0.25
// above, the hairline 0.5-0.6) or hair on it. The columns are walked up
// from there.
const crownFaceZone = 0.5

// crownMinWidth is the width, times eye-to-chin, the head must fill at its
// top. A head's outline is round: at a depth d under its top, a head of
// radius R (about 0.8 eye-to-chin) is 2*sqrt(2*R*d) wide, so asking for
// 0.1 eye-to-chin costs 0.002 eye-to-chin (0.1 % of the head height),
// while a strand or a tuft of loose hairs is narrower.
const crownMinWidth = 0.1

// crownGap is the longest run of backdrop-like samples inside the head,
// times eye-to-chin, that the upward walk steps over: highlights on shiny
// dark hair. Wisps lying further out than this from the hair mass are
// left out.
const crownGap = 0.015

// crownMinContrast is the smallest colour distance (luma and twice the
// chroma, 8-bit YCbCr) from the backdrop that counts as head: about 4 L*
// on a light backdrop, above the noise of a JPEG backdrop after
// averaging (1-2 units) and under the step to the lightest hair against a
// light backdrop (blond on grey: 20 and more). crownNoiseK noise units of
// the backdrop's own sample-to-sample noise raise it on a noisy photo.
const (
	crownMinContrast = 10
	crownNoiseK      = 4
)

// crownMinTexture is the texture (mean luma step between neighbouring
// pixels) over the backdrop's own that counts as head: hair has strands,
// a backdrop none. A studio backdrop measures 1-2, hair 6 and more.
const crownMinTexture = 3

// crownTrack is how fast the reference colour follows a slowly changing
// backdrop down a column (per sample, for samples within half the
// contrast threshold of it): a vignette changes by well under a unit a
// sample, a hair edge by many.
const crownTrack = 0.125

// crownMinBackdrop is the share of the top row (of its samples beside the
// head, see topBackdrop) that must fit the backdrop line for the photo to
// have a plain backdrop above the head.
const crownMinBackdrop = 0.3

// crownMinOuter is the fewest samples of the top row beside the head's
// columns that the backdrop line is fitted to alone: four on each side of
// a centred head.
const crownMinOuter = 8

// crownFind is the visible top of the head.
type crownFind struct {
	top facedetect.Point // highest point of the head outline, when visible
	// visible is true when the top was found against a plain backdrop
	// below the top edge of the photo.
	visible bool
	// cut is true when the head reaches the top edge of the photo: its top
	// is outside the photo.
	cut bool
}

// ycc is a sample's mean luma and its chroma.
type ycc struct{ y, cb, cr float64 }

// dist is the colour distance between two samples: luma and twice the
// chroma, as chroma's 8-bit range is compressed against the eye's.
func (a ycc) dist(b ycc) float64 {
	dy, db, dr := a.y-b.y, a.cb-b.cb, a.cr-b.cr
	return math.Sqrt(dy*dy + 4*(db*db+dr*dr))
}

// sampler reads blocks of an image: luma from lum, chroma from img.
type sampler struct {
	img image.Image
	ycc *image.YCbCr // img, when it is a JPEG's YCbCr
	lum *image.Gray
	s   int // block side in pixels
}

// at reads the block whose top-left pixel is (x, y): its colour and its
// texture (mean luma step to the right and down, within the image).
func (sm sampler) at(x, y int) (ycc, float64) {
	b := sm.lum.Rect
	sum, steps, n := 0, 0, 0
	for yy := y; yy < y+sm.s && yy < b.Max.Y; yy++ {
		row := sm.lum.Pix[sm.lum.PixOffset(b.Min.X, yy):]
		var below []uint8
		if yy+1 < b.Max.Y {
			below = sm.lum.Pix[sm.lum.PixOffset(b.Min.X, yy+1):]
		}
		for xx := x - b.Min.X; xx < x-b.Min.X+sm.s && xx < b.Dx(); xx++ {
			v := int(row[xx])
			sum += v
			n++
			if xx+1 < b.Dx() {
				steps += abs(int(row[xx+1]) - v)
			}
			if below != nil {
				steps += abs(int(below[xx]) - v)
			}
		}
	}
	if n == 0 {
		return ycc{}, 0
	}
	cx, cy := min(x+sm.s/2, b.Max.X-1), min(y+sm.s/2, b.Max.Y-1)
	var cb, cr uint8
	if sm.ycc != nil {
		o := sm.ycc.COffset(cx, cy)
		cb, cr = sm.ycc.Cb[o], sm.ycc.Cr[o]
	} else {
		r, g, bl, _ := sm.img.At(cx, cy).RGBA()
		_, cb, cr = color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
	}
	return ycc{float64(sum) / float64(n), float64(cb), float64(cr)}, float64(steps) / float64(n)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// visibleTop finds the top of the head above the eye midpoint mid, for a
// face whose chin is at chin, in img (lum is its luma).
func visibleTop(img image.Image, lum *image.Gray, mid, chin facedetect.Point) crownFind {
	b := lum.Rect
	e2c := math.Hypot(chin.X-mid.X, chin.Y-mid.Y)
	if e2c < 1 || b.Empty() {
		return crownFind{}
	}
	s := max(1, int(e2c/crownSamples))
	sm := sampler{img: img, lum: lum, s: s}
	if m, ok := img.(*image.YCbCr); ok && m.Rect == b {
		sm.ycc = m
	}
	yFace := int(mid.Y - crownFaceZone*e2c)
	gh := (yFace - b.Min.Y) / s
	if gh < 2 {
		return crownFind{cut: true} // the forehead reaches the top edge
	}
	x0 := max(b.Min.X, int(mid.X-crownHalfWidth*e2c))
	x1 := min(b.Max.X, int(mid.X+crownHalfWidth*e2c))
	gw := (x1 - x0) / s
	minW := max(1, int(math.Round(crownMinWidth*e2c/float64(s))))
	if gw < minW {
		return crownFind{}
	}

	// The backdrop along the top edge, read beside the head's columns.
	bd, ok := topBackdrop(sm, b, x0, x1)
	if !ok {
		return crownFind{}
	}

	// The grid: colour and texture of every sample.
	n := gw * gh
	col := make([]ycc, n)
	rawTex := make([]float64, n)
	for j := range gh {
		for i := range gw {
			col[j*gw+i], rawTex[j*gw+i] = sm.at(x0+i*s, b.Min.Y+j*s)
		}
	}
	tex := make([]float64, n)
	for j := range gh {
		for i := range gw {
			sum, k := 0.0, 0
			for jj := max(0, j-1); jj <= min(gh-1, j+1); jj++ {
				for ii := max(0, i-1); ii <= min(gw-1, i+1); ii++ {
					sum += rawTex[jj*gw+ii]
					k++
				}
			}
			tex[j*gw+i] = sum / float64(k)
		}
	}

	// Walk each column down, then up from the forehead.
	gap := max(1, int(math.Round(crownGap*e2c/float64(s))))
	const none = math.MaxInt
	top := make([]int, gw)
	atEdge := 0 // columns with a head whose top row is head
	head := make([]bool, gh)
	dist := make([]float64, gh)
	for i := range gw {
		x := x0 + i*s
		ref := bd.at(x)
		if c := col[i]; c.dist(ref) <= bd.tCol {
			ref = c
		}
		for j := range gh {
			c := col[j*gw+i]
			d := c.dist(ref)
			dist[j] = d
			head[j] = d > bd.tCol || tex[j*gw+i] > bd.tTex
			if !head[j] && d <= bd.tCol/2 {
				ref.y += (c.y - ref.y) * crownTrack
				ref.cb += (c.cb - ref.cb) * crownTrack
				ref.cr += (c.cr - ref.cr) * crownTrack
			}
		}
		top[i] = none
		run := 0 // backdrop samples since the last head sample
		for j := gh - 1; j >= 0; j-- {
			if head[j] {
				top[i], run = j, 0
				continue
			}
			if run++; run > gap {
				break
			}
		}
		if top[i] != none {
			edge, dense := denseEdge(dist[top[i]:], bd.tCol)
			top[i] += edge
			if head[0] && dist[0] >= dense {
				atEdge++
			}
		}
	}

	// The highest row the head fills across minW consecutive columns.
	best, bestAt := none, 0
	for i := 0; i+minW <= gw; i++ {
		if m := slices.Max(top[i : i+minW]); m < best {
			best, bestAt = m, i
		}
	}
	if best == none {
		return crownFind{}
	}
	// The head runs off the top edge when, over the columns it fills at
	// the forehead, the top row is dense hair across minW of them, side by
	// side or not: curls leave gaps of backdrop, and the walk up from the
	// forehead may stop in one. Loose hairs crossing the edge are not
	// dense.
	// Where the backdrop was read beside the head only, the row above
	// the head was never seen to be backdrop: a top within crownGap of
	// the edge is the head running off it (hair thinning out at the edge
	// of a snapshot), not a top with backdrop above it.
	if best == 0 || atEdge >= minW || bd.beside && best <= gap {
		return crownFind{cut: true}
	}
	// The middle of the run of windows at the best height.
	end := bestAt
	for end+1+minW <= gw && slices.Max(top[end+1:end+1+minW]) == best {
		end++
	}
	cx := float64(x0) + (float64(bestAt+end)/2+float64(minW)/2)*float64(s)
	cy := float64(b.Min.Y) + (float64(best)+0.5)*float64(s)
	return crownFind{top: facedetect.Point{X: cx, Y: cy}, visible: true}
}

// denseEdge returns the index of the first sample of d (colour distances
// from the backdrop down a column, from the first head sample) where the
// hair is dense, and the distance that counts as dense: half the hair's
// own contrast with the backdrop (the upper quartile of d), the middle of
// the edge. Loose hairs above the hair mass cover a sample only in part
// and stay under it. When the hair differs from the backdrop by texture
// more than by colour (grey hair on a grey backdrop: contrast under twice
// tCol), the first head sample is the edge and any head sample is dense.
func denseEdge(d []float64, tCol float64) (int, float64) {
	q := append([]float64(nil), d...)
	contrast := quantile(q, crownContrastQuantile)
	if contrast < 2*tCol {
		return 0, 0
	}
	for j, v := range d {
		if v >= contrast/2 {
			return j, contrast / 2
		}
	}
	return 0, contrast / 2
}

// crownContrastQuantile is the quantile of the colour distances down a
// column under the top of the head taken as the hair's contrast with the
// backdrop: the upper quartile, above the partly covered samples of its
// edge and the shadows between strands.
const crownContrastQuantile = 0.75

// backdropLine is the backdrop along the top edge of the photo: a colour
// that changes linearly across it, and the distance and texture beyond
// which a sample is not backdrop.
type backdropLine struct {
	c0, c1     ycc     // colour at x = 0 and its change per pixel
	tCol, tTex float64 // thresholds
	// beside is true when the line was fitted to the row beside the
	// head's columns alone (see topBackdrop).
	beside bool
}

func (l backdropLine) at(x int) ycc {
	fx := float64(x)
	return ycc{l.c0.y + l.c1.y*fx, l.c0.cb + l.c1.cb*fx, l.c0.cr + l.c1.cr*fx}
}

// topBackdrop samples the top row of blocks across the whole width and
// fits the backdrop line to it. ok is false when too little of the row
// fits a line: no plain backdrop along the top.
//
// When the row as a whole has no line to fit and it has crownMinOuter
// samples or more beside the head's columns [x0, x1), the line is fitted
// to those alone: on a tightly framed photo whose top edge cuts through
// thick hair, hair fills most of the row (the head's top was then taken
// to be lost against the backdrop, when the head runs off the photo).
// Beside the head the row is backdrop whatever the hair does above the
// face. Where the whole row fits, it is kept: more of the backdrop, and a
// gradient across it read where the head is.
func topBackdrop(sm sampler, b image.Rectangle, x0, x1 int) (backdropLine, bool) {
	s := sm.s
	nw := b.Dx() / s
	if nw < 8 {
		return backdropLine{}, false
	}
	cs := make([]ycc, nw)
	ts := make([]float64, nw)
	xs := make([]int, nw)
	for i := range nw {
		xs[i] = b.Min.X + i*s
		cs[i], ts[i] = sm.at(xs[i], b.Min.Y)
	}
	// Noise: the median step between neighbouring samples.
	steps := make([]float64, nw-1)
	for i := range steps {
		steps[i] = cs[i+1].dist(cs[i])
	}
	var l backdropLine
	l.tCol = max(crownMinContrast, crownNoiseK*median(steps))
	// The samples the line is fitted to: the whole row, else those beside
	// the head when there are enough of them.
	outer := make([]bool, nw)
	nOuter := 0
	for i, x := range xs {
		if x+s <= x0 || x >= x1 {
			outer[i] = true
			nOuter++
		}
	}
	l, use, ok := fitBackdrop(cs, xs, nil, l)
	if !ok && nOuter >= crownMinOuter {
		l, use, ok = fitBackdrop(cs, xs, outer, l)
		l.beside = true
	}
	if !ok {
		return backdropLine{}, false
	}
	var bt []float64
	for i := range nw {
		if use[i] {
			bt = append(bt, ts[i])
		}
	}
	bg := median(bt)
	l.tTex = bg + max(crownMinTexture, bg)
	return l, true
}

// fitBackdrop fits the backdrop line to the samples cs (at xs) marked in
// fit (all of them when fit is nil): from their median colour, a line
// fitted to the samples near it, three times. use marks the samples of the
// last fit; ok is false when fewer than crownMinBackdrop of those in fit
// lie near the line.
func fitBackdrop(cs []ycc, xs []int, fit []bool, l backdropLine) (_ backdropLine, use []bool, ok bool) {
	in := func(i int) bool { return fit == nil || fit[i] }
	var ys, cbs, crs []float64
	for i, c := range cs {
		if in(i) {
			ys, cbs, crs = append(ys, c.y), append(cbs, c.cb), append(crs, c.cr)
		}
	}
	l.c0, l.c1 = ycc{median(ys), median(cbs), median(crs)}, ycc{}
	use = make([]bool, len(cs))
	for range 3 {
		count := 0
		for i := range cs {
			use[i] = in(i) && cs[i].dist(l.at(xs[i])) <= l.tCol
			if use[i] {
				count++
			}
		}
		if float64(count) < crownMinBackdrop*float64(len(ys)) {
			return l, nil, false
		}
		l = fitLine(cs, xs, use, l)
	}
	return l, use, true
}

// fitLine fits colour = c0 + c1*x by least squares to the samples in use,
// keeping l's thresholds; with fewer than two distinct x it keeps l.
func fitLine(cs []ycc, xs []int, use []bool, l backdropLine) backdropLine {
	var n, sx, sxx float64
	var sy, sxy ycc
	for i, c := range cs {
		if !use[i] {
			continue
		}
		x := float64(xs[i])
		n++
		sx += x
		sxx += x * x
		sy.y, sy.cb, sy.cr = sy.y+c.y, sy.cb+c.cb, sy.cr+c.cr
		sxy.y, sxy.cb, sxy.cr = sxy.y+x*c.y, sxy.cb+x*c.cb, sxy.cr+x*c.cr
	}
	det := n*sxx - sx*sx
	if n < 2 || det == 0 {
		return l
	}
	slope := func(y, xy float64) float64 { return (n*xy - sx*y) / det }
	l.c1 = ycc{slope(sy.y, sxy.y), slope(sy.cb, sxy.cb), slope(sy.cr, sxy.cr)}
	l.c0 = ycc{(sy.y - l.c1.y*sx) / n, (sy.cb - l.c1.cb*sx) / n, (sy.cr - l.c1.cr*sx) / n}
	return l
}
