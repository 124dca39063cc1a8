package validate

import (
	"image"
	"image/color"
	"math"
	"sort"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// minShutCaught is the least share of rendered shut eyes eyes_open must
// catch, overall and in every group: issue 25's aim for closed eyes.
const minShutCaught = 0.90

// shutEye returns the photo with eye first (facedetect.LeftEyeFirst or
// RightEyeFirst, its six landmarks in lm) shut as in a wink: the eye and
// its lashes covered by the lid, coloured as the skin under the eye (the
// skin over it is too narrow to read beside the brow), and a lash line, coloured as the eye's darkest pixels, from
// corner to corner along the lower lid. The other eye stays as it was.
func shutEye(img image.Image, lm [][2]float64, first int) *image.NRGBA {
	out := imaging.Clone(img)
	p := func(k int) [2]float64 { return lm[first+k] }
	a, b := p(facedetect.EyeCornerA), p(facedetect.EyeCornerB)
	w := math.Hypot(b[0]-a[0], b[1]-a[1])
	var cu, cv float64
	for k := range 6 {
		cu, cv = cu+p(k)[0]/6, cv+p(k)[1]/6
	}
	// The eye grown round its centre: a lid covers the lashes and the
	// white at the corners too.
	lid := make([][2]float64, 6)
	for k := range 6 {
		lid[k] = [2]float64{cu + 1.15*(p(k)[0]-cu), cv + 1.6*(p(k)[1]-cv)}
	}
	low := math.Max(p(facedetect.EyeLowerA)[1], p(facedetect.EyeLowerB)[1])
	skin := medianColor(out, image.Rect(int(cu-0.25*w), int(low+0.2*w), int(cu+0.25*w), int(low+0.4*w)))
	paintPolygon(out, lid, 2, func(c color.NRGBA, t float64) color.NRGBA { return blend(c, skin.R, skin.G, skin.B, t) })
	lash := darkestColor(img, p, first)
	line := [][2]float64{a, p(facedetect.EyeLowerA), p(facedetect.EyeLowerB), b}
	half := math.Max(1, 0.05*w)
	for i := 0; i+1 < len(line); i++ {
		u, v := line[i], line[i+1]
		// The segment as a thin quadrilateral, half a lash line either side.
		n := [2]float64{-(v[1] - u[1]), v[0] - u[0]}
		l := math.Hypot(n[0], n[1])
		n = [2]float64{n[0] / l * half, n[1] / l * half}
		quad := [][2]float64{{u[0] + n[0], u[1] + n[1]}, {v[0] + n[0], v[1] + n[1]}, {v[0] - n[0], v[1] - n[1]}, {u[0] - n[0], u[1] - n[1]}}
		paintPolygon(out, quad, 1, func(c color.NRGBA, t float64) color.NRGBA { return blend(c, lash.R, lash.G, lash.B, t) })
	}
	return out
}

// medianColor is the per-channel median of img over r.
func medianColor(img *image.NRGBA, r image.Rectangle) color.NRGBA {
	r = r.Intersect(img.Bounds())
	var ch [3][]float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.NRGBAAt(x, y)
			ch[0], ch[1], ch[2] = append(ch[0], float64(c.R)), append(ch[1], float64(c.G)), append(ch[2], float64(c.B))
		}
	}
	return color.NRGBA{uint8(quantile(ch[0], 0.5)), uint8(quantile(ch[1], 0.5)), uint8(quantile(ch[2], 0.5)), 255}
}

// darkestColor is the mean colour of the darkest tenth of the pixels
// inside the eye outline of the landmarks p: its pupil, iris and lashes.
func darkestColor(img image.Image, p func(int) [2]float64, first int) color.NRGBA {
	poly := make([][2]float64, 6)
	for k := range 6 {
		poly[k] = p(k)
	}
	x0, x1, y0, y1 := polyBounds(poly)
	type px struct {
		luma float64
		c    color.NRGBA
	}
	var in []px
	for y := int(y0); y <= int(y1)+1; y++ {
		for x := int(x0); x <= int(x1)+1; x++ {
			if !inPoly(poly, float64(x)+0.5, float64(y)+0.5) {
				continue
			}
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			in = append(in, px{float64(luma8(c.R, c.G, c.B)), c})
		}
	}
	sort.Slice(in, func(i, j int) bool { return in[i].luma < in[j].luma })
	n := max(1, len(in)/10)
	var r, g, b float64
	for _, q := range in[:n] {
		r, g, b = r+float64(q.c.R), g+float64(q.c.G), b+float64(q.c.B)
	}
	return color.NRGBA{uint8(r / float64(n)), uint8(g / float64(n)), uint8(b / float64(n)), 255}
}

// winkRender is one way of changing one eye of each face of neutral/ (the
// left in the image on even photos, the right on odd ones) and what
// eyes_open must then say.
type winkRender struct {
	name   string
	change func(img image.Image, lm [][2]float64, first int) *image.NRGBA
	shut   bool // the eye is shut: eyes_open must fail, by the eyes' balance
}

// TestShutEyeRendered shuts one eye of each face of neutral/ as in a wink,
// and checks that eyes_open and expression fail on at least minShutCaught
// of the faces of every group of people.csv, the eyes' balance read under
// MinEyeBalance (the landmarks lay the painted eye out open, as they did
// wild/'s wink). And it hides the white of one open eye (an eye in shadow,
// or narrow): that is no wink, in any group (groupAllows), and the balance
// moves little (minWhiteHiddenBalance). Read alone, an eye whose white
// showed set its own threshold, and on the black sitters' faces the two
// eyes then stood 0.65-0.77 apart (irisHeights).
func TestShutEyeRendered(t *testing.T) {
	if testing.Short() {
		t.Skip("real photos: slow")
	}
	t.Parallel() // slow (a render and a measure per photo); shares the cores with the other render tests
	faces := loadFaces(t, "neutral")
	groups := map[string]bool{}
	for _, f := range faces {
		groups[f.p.Person.Group] = true
	}
	j := &judge{prof: &icao, lang: "en", now: testNow}
	limit := icao.Features.MinEyeBalance
	for _, tc := range []winkRender{
		{"one eye shut", shutEye, true},
		{"one eye's white hidden", hideWhite, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen, right := map[string]int{}, map[string]int{}
			lowest, highest := map[string]float64{}, map[string]float64{}
			for i, f := range faces {
				if status(t, f.rep, EyesOpen).Status != Pass || f.rep.Face == nil {
					continue
				}
				grp := f.p.Person.Group
				seen[grp]++
				first := [2]int{facedetect.LeftEyeFirst, facedetect.RightEyeFirst}[i%2]
				_, m := measureData(t, fixture.JPEG(tc.change(f.img, f.rep.Face.Landmarks, first), 92, nil, nil))
				eo, ex := j.eyesOpen(m.features), j.expression(m.features)
				bal := m.features.eyeBalance()
				if _, ok := lowest[grp]; !ok || bal < lowest[grp] {
					lowest[grp] = bal
				}
				highest[grp] = max(highest[grp], bal)
				switch {
				case tc.shut && eo.Status == Fail && bal < limit:
					right[grp]++
					if ex.Status != Fail {
						t.Errorf("%s (%s): eyes_open fails on the shut eye, expression %s", f.p.Name, grp, ex.Status)
					}
				case !tc.shut && eo.Status == Pass:
					right[grp]++
				default:
					t.Logf("%s (%s): eyes_open %s, balance %.2f (limit %.2f)", f.p.Name, grp, eo.Status, bal, limit)
				}
			}
			for grp := range groups {
				n := seen[grp]
				t.Logf("%-10s %d of %d right, balance %.2f-%.2f", grp, right[grp], n, lowest[grp], highest[grp])
				switch {
				case n == 0:
					t.Errorf("%s: no face with open eyes to change", grp)
				case tc.shut && float64(right[grp]) < minShutCaught*float64(n):
					t.Errorf("%s: %d of %d shut eyes caught by the balance, want at least %.0f %%", grp, right[grp], n, 100*minShutCaught)
				case !tc.shut && n-right[grp] > groupAllows(n):
					t.Errorf("%s: %d of %d open eyes, one white hidden, fail eyes_open; at most %d may", grp, n-right[grp], n, groupAllows(n))
				case !tc.shut && lowest[grp] < minWhiteHiddenBalance:
					t.Errorf("%s: an open eye whose white is hidden balances at %.2f, want %.2f or more", grp, lowest[grp], minWhiteHiddenBalance)
				}
			}
		})
	}
}

// minWhiteHiddenBalance is the least balance an open eye whose white is
// hidden may read against the other in TestShutEyeRendered: the studio
// photos' open eyes as taken balance at 0.81 and more; a hidden white may
// cost a tenth of that, in every group, not the third it cost the black
// sitters' eyes read apart.
const minWhiteHiddenBalance = 0.7

// hideWhite returns the photo with the white of eye first (six landmarks
// in lm from first) painted over with the skin under the eye: an open eye
// whose white does not show, in shadow or narrowed. The iris and the
// lashes, darker than the skin, stay.
func hideWhite(img image.Image, lm [][2]float64, first int) *image.NRGBA {
	out := imaging.Clone(img)
	p := func(k int) [2]float64 { return lm[first+k] }
	poly := make([][2]float64, 6)
	var cu float64
	for k := range 6 {
		poly[k] = p(k)
		cu += p(k)[0] / 6
	}
	a, b := p(facedetect.EyeCornerA), p(facedetect.EyeCornerB)
	w := math.Hypot(b[0]-a[0], b[1]-a[1])
	low := math.Max(p(facedetect.EyeLowerA)[1], p(facedetect.EyeLowerB)[1])
	skin := medianColor(out, image.Rect(int(cu-0.25*w), int(low+0.2*w), int(cu+0.25*w), int(low+0.4*w)))
	luma := func(c color.NRGBA) float64 { return float64(luma8(c.R, c.G, c.B)) }
	// Lighter than most of the skin: the white, and the catch-light.
	const whiteOverSkin = 0.85
	paintPolygon(out, poly, 1, func(c color.NRGBA, t float64) color.NRGBA {
		if luma(c) > whiteOverSkin*luma(skin) {
			return blend(c, skin.R, skin.G, skin.B, t)
		}
		return c
	})
	return out
}
