// Package annotate draws what tessera measured on a photo: the face box, the
// eye line, the chin and crown marks, and the 35x45 frame with the bands
// where the eyes and the top of the head must fall for the photo to pass.
//
// It is pure Go (image/draw) and draws on a copy; the photo handed in is
// never changed.
package annotate

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/validate"
)

// The colours of the marks (straight alpha), for legends that explain the picture. They are
// chosen to read on white backgrounds and on skin alike.
var (
	// FrameColor outlines the 35x45 frame.
	FrameColor = color.NRGBA{0x1f, 0x3a, 0x93, 0xff}
	// OutsideColor dims the parts of the photo outside the frame.
	OutsideColor = color.NRGBA{0x00, 0x00, 0x00, 0x60}
	// EyeBandColor fills the band where the eye line must fall (eye_height).
	EyeBandColor = color.NRGBA{0x00, 0xa0, 0x50, 0x50}
	// CrownBandColor fills the band where the top of the head must fall for
	// the measured chin (face_height).
	CrownBandColor = color.NRGBA{0x20, 0x60, 0xe0, 0x48}
	// BoxColor outlines the face box.
	BoxColor = color.NRGBA{0xff, 0xc0, 0x00, 0xff}
	// PassColor draws a measured line or mark whose check passed.
	PassColor = color.NRGBA{0x00, 0xb0, 0x40, 0xff}
	// FailColor draws a measured line or mark whose check failed.
	FailColor = color.NRGBA{0xe0, 0x10, 0x20, 0xff}
	// WarnColor draws a measured line or mark that could not be judged.
	WarnColor = color.NRGBA{0xff, 0x80, 0x00, 0xff}
)

// Colour alone does not tell right from wrong (red and green are hard to
// tell apart for about one man in twelve): a measured mark is also drawn
// solid when its check passed, dashed when it failed and dotted when it
// must be looked at, and a badge beside it shows a tick, a cross or an
// exclamation mark, in the colours of the page's verdicts (at least 4.5:1
// on the badge's white).
var (
	passGlyph = color.NRGBA{0x0a, 0x6b, 0x2d, 0xff}
	failGlyph = color.NRGBA{0xb0, 0x00, 0x20, 0xff}
	warnGlyph = color.NRGBA{0x8a, 0x4b, 0x00, 0xff}
	badgeEdge = color.NRGBA{0x1a, 0x1a, 0x1a, 0xff}
	white     = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// style is how a measured mark is drawn for its check's outcome.
type style struct {
	col     color.NRGBA
	on, off int                              // dash and gap, in strokes; off 0: a solid line
	glyph   func(c *canvas, x, y, r float64) // the badge's mark, in its glyph colour
}

var (
	passStyle = style{PassColor, 1, 0, (*canvas).tick}
	failStyle = style{FailColor, 4, 3, (*canvas).ex}
	warnStyle = style{WarnColor, 1, 2, (*canvas).bang}
)

// Draw returns a copy of the photo of res at full size with the marks drawn
// on it, or nil when the photo could not be decoded.
func Draw(res *validate.Result) *image.RGBA {
	return DrawScaled(res, 0)
}

// DrawScaled is Draw on a copy scaled down so that its longer side is at
// most maxSide pixels (0: no limit). Web pages and reports need no more than
// about 1000 pixels, and a 12-megapixel copy costs 48 MB.
func DrawScaled(res *validate.Result, maxSide int) *image.RGBA {
	if res == nil || res.Image == nil {
		return nil
	}
	src := res.Image
	b := src.Bounds()
	scale := 1.0
	var dst *image.RGBA
	if maxSide > 0 && max(b.Dx(), b.Dy()) > maxSide {
		scale = float64(maxSide) / float64(max(b.Dx(), b.Dy()))
		w := max(1, int(math.Round(float64(b.Dx())*scale)))
		h := max(1, int(math.Round(float64(b.Dy())*scale)))
		n := imaging.Resize(src, w, h, imaging.Linear)
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(dst, dst.Bounds(), n, n.Bounds().Min, draw.Src)
	} else {
		dst = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
	}
	c := &canvas{img: dst, scale: scale}
	c.stroke = max(2, int(math.Round(float64(max(dst.Bounds().Dx(), dst.Bounds().Dy()))/300)))
	c.marks(res)
	return dst
}

// canvas draws in photo coordinates on a possibly scaled copy.
type canvas struct {
	img    *image.RGBA
	scale  float64 // copy pixels per photo pixel
	stroke int     // line width in copy pixels
}

// marks draws everything, bands first so the lines stay on top.
func (c *canvas) marks(res *validate.Result) {
	rep := res.Report
	b := c.img.Bounds()
	W, H := float64(b.Dx())/c.scale, float64(b.Dy())/c.scale // photo size
	prof := res.Profile
	if prof == nil {
		if p, ok := validate.LookupProfile(rep.Profile); ok {
			prof = &p
		}
	}
	var face *validate.FaceInfo
	if rep != nil {
		face = rep.Face
	}

	// The 35x45 frame: the photo's full height (the checks measure against
	// it), 35/45 as wide, centred on the eyes when there is a face.
	aspect := 35.0 / 45.0
	if prof != nil && prof.Aspect > 0 {
		aspect = prof.Aspect
	}
	fw := H * aspect
	cx := W / 2
	if face != nil {
		cx = (face.LeftEye[0] + face.RightEye[0]) / 2
	}
	fx0 := math.Max(0, math.Min(cx-fw/2, W-fw))
	if fw >= W {
		fx0 = (W - fw) / 2
	}
	fx1 := fx0 + fw
	// Dim what lies outside the frame: a 35:45 crop would cut it off.
	c.fill(0, 0, fx0, H, OutsideColor)
	c.fill(fx1, 0, W, H, OutsideColor)

	if prof != nil {
		// Eye band: the eye line between EyeHeight.Min and .Max of the height,
		// measured from the bottom edge.
		c.fill(fx0, H*(1-prof.EyeHeight.Max), fx1, H*(1-prof.EyeHeight.Min), EyeBandColor)
		// Crown band: for the measured chin, chin to crown must be
		// FaceHeight.Min-.Max of the height.
		if face != nil {
			chin := face.Chin[1]
			c.fill(fx0, chin-prof.FaceHeight.Max*H, fx1, chin-prof.FaceHeight.Min*H, CrownBandColor)
		}
	}
	c.rect(fx0, 0, fx1, H, FrameColor, c.stroke+1)

	if face == nil {
		return
	}
	bx := face.Box
	c.rect(float64(bx[0]), float64(bx[1]), float64(bx[2]), float64(bx[3]), BoxColor, c.stroke)

	// The badges' radius: 10 pixels on the page's 720-pixel copy, about
	// 3 mm on a phone's screen.
	badge := float64(5*c.stroke) / c.scale

	// Eye line, through both eye centres and out a little on each side,
	// its badge past its right end.
	l, r := face.LeftEye, face.RightEye
	dx, dy := r[0]-l[0], r[1]-l[1]
	ext := 0.6
	es := statusStyle(rep, validate.EyeHeight)
	c.styled(l[0]-dx*ext, l[1]-dy*ext, r[0]+dx*ext, r[1]+dy*ext, es, c.stroke)
	eyeR := math.Max(3/c.scale, math.Hypot(dx, dy)/14)
	c.cross(l[0], l[1], eyeR, es.col)
	c.cross(r[0], r[1], eyeR, es.col)
	c.badge(r[0]+dx*ext+1.5*badge, r[1]+dy*ext, badge, es)

	// Chin and crown: horizontal ticks joined by a vertical bracket, the
	// badge past the chin's tick (the eye line crosses the bracket's
	// middle, and the crown may touch the photo's top).
	fs := statusStyle(rep, validate.FaceHeight)
	half := math.Max(8/c.scale, float64(bx[2]-bx[0])/4)
	for _, p := range [][2]float64{face.Chin, face.Crown} {
		c.styled(p[0]-half, p[1], p[0]+half, p[1], fs, c.stroke+1)
	}
	c.styled(face.Chin[0], face.Chin[1], face.Crown[0], face.Crown[1], fs, c.stroke)
	c.badge(face.Chin[0]+half+1.5*badge, face.Chin[1], badge, fs)
}

// statusStyle is how the mark of a check's outcome is drawn.
func statusStyle(rep *validate.Report, id validate.CheckID) style {
	if rep == nil {
		return warnStyle
	}
	ch, ok := rep.Find(id)
	switch {
	case !ok:
		return warnStyle
	case ch.Status == validate.Pass:
		return passStyle
	case ch.Status == validate.Fail:
		return failStyle
	default:
		return warnStyle
	}
}

// styled draws a segment w pixels wide, solid, dashed or dotted as st says.
func (c *canvas) styled(x0, y0, x1, y1 float64, st style, w int) {
	c.dashed(x0, y0, x1, y1, st.col, w, st.on*w, st.off*w)
}

// badge draws, centred on (x, y) with radius r (photo coordinates), a
// white square edged in black holding the style's glyph.
func (c *canvas) badge(x, y, r float64, st style) {
	x0, y0, x1, y1 := c.px(x-r), c.px(y-r), c.px(x+r), c.px(y+r)
	c.solid(image.Rect(x0-1, y0-1, x1+1, y1+1), badgeEdge)
	c.solid(image.Rect(x0, y0, x1, y1), white)
	st.glyph(c, x, y, r)
}

// tick draws a check mark of radius r in the pass glyph colour.
func (c *canvas) tick(x, y, r float64) {
	c.line(x-0.6*r, y, x-0.15*r, y+0.5*r, passGlyph, c.stroke)
	c.line(x-0.15*r, y+0.5*r, x+0.65*r, y-0.55*r, passGlyph, c.stroke)
}

// ex draws a cross of radius r in the fail glyph colour.
func (c *canvas) ex(x, y, r float64) {
	c.line(x-0.55*r, y-0.55*r, x+0.55*r, y+0.55*r, failGlyph, c.stroke)
	c.line(x-0.55*r, y+0.55*r, x+0.55*r, y-0.55*r, failGlyph, c.stroke)
}

// bang draws an exclamation mark of radius r in the warn glyph colour.
func (c *canvas) bang(x, y, r float64) {
	c.line(x, y-0.65*r, x, y+0.15*r, warnGlyph, c.stroke)
	c.line(x, y+0.5*r, x, y+0.6*r, warnGlyph, c.stroke)
}

// px converts a photo coordinate to a copy pixel.
func (c *canvas) px(v float64) int { return int(math.Round(v * c.scale)) }

// fill blends col over the rectangle (photo coordinates).
func (c *canvas) fill(x0, y0, x1, y1 float64, col color.NRGBA) {
	r := image.Rect(c.px(x0), c.px(y0), c.px(x1), c.px(y1)).Intersect(c.img.Bounds())
	if r.Empty() {
		return
	}
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Over)
}

// solid paints an opaque rectangle in copy pixels.
func (c *canvas) solid(r image.Rectangle, col color.NRGBA) {
	r = r.Intersect(c.img.Bounds())
	if r.Empty() {
		return
	}
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Over)
}

// rect outlines a rectangle (photo coordinates) with lines w pixels wide
// drawn inside it, so a frame the size of the photo stays visible.
func (c *canvas) rect(x0, y0, x1, y1 float64, col color.NRGBA, w int) {
	a := image.Rect(c.px(x0), c.px(y0), c.px(x1), c.px(y1)).Intersect(c.img.Bounds())
	if a.Empty() {
		return
	}
	c.solid(image.Rect(a.Min.X, a.Min.Y, a.Max.X, a.Min.Y+w), col)
	c.solid(image.Rect(a.Min.X, a.Max.Y-w, a.Max.X, a.Max.Y), col)
	c.solid(image.Rect(a.Min.X, a.Min.Y, a.Min.X+w, a.Max.Y), col)
	c.solid(image.Rect(a.Max.X-w, a.Min.Y, a.Max.X, a.Max.Y), col)
}

// line draws a segment (photo coordinates) w pixels wide.
func (c *canvas) line(x0, y0, x1, y1 float64, col color.NRGBA, w int) {
	c.dashed(x0, y0, x1, y1, col, w, 1, 0)
}

// dashed draws a segment w pixels wide as dashes of on pixels with gaps
// of off pixels, starting with a dash; off 0 draws it solid.
func (c *canvas) dashed(x0, y0, x1, y1 float64, col color.NRGBA, w, on, off int) {
	ax, ay, bx, by := x0*c.scale, y0*c.scale, x1*c.scale, y1*c.scale
	n := int(math.Ceil(math.Max(math.Abs(bx-ax), math.Abs(by-ay))))
	if n > 1<<16 || on <= 0 {
		return // a runaway coordinate: nothing sensible to draw
	}
	lo, hi := -(w / 2), w-w/2
	prev := image.Point{X: math.MinInt32}
	for i := 0; i <= n; i++ {
		if i%(on+off) >= on {
			continue
		}
		t := 0.0
		if n > 0 {
			t = float64(i) / float64(n)
		}
		p := image.Pt(int(math.Round(ax+(bx-ax)*t)), int(math.Round(ay+(by-ay)*t)))
		if p == prev {
			continue
		}
		prev = p
		c.solid(image.Rect(p.X+lo, p.Y+lo, p.X+hi, p.Y+hi), col)
	}
}

// cross marks a point (photo coordinates) with an x of radius r.
func (c *canvas) cross(x, y, r float64, col color.NRGBA) {
	c.line(x-r, y-r, x+r, y+r, col, c.stroke)
	c.line(x-r, y+r, x+r, y-r, col, c.stroke)
}
