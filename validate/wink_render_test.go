package validate

import (
	"image"
	"image/color"
	"maps"
	"math"
	"slices"
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
	paintPolygon(out, lid, 2, func(c color.NRGBA, t float64) color.NRGBA { return mix(c, skin, t) })
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
		paintPolygon(out, quad, 1, func(c color.NRGBA, t float64) color.NRGBA { return mix(c, lash, t) })
	}
	return out
}

// mix is c moved a share t of the way to to.
func mix(c, to color.NRGBA, t float64) color.NRGBA {
	m := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.NRGBA{m(c.R, to.R), m(c.G, to.G), m(c.B, to.B), c.A}
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
			in = append(in, px{0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B), c})
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

// TestShutEyeRendered shuts one eye of each face of neutral/ (the left in
// the image on even photos, the right on odd ones) as in a wink, and checks
// that eyes_open fails, on at least minShutCaught of the faces of every
// group of people.csv, and that expression fails with it. The open eyes of
// the same photos pass eyes_open (TestGoodPhotosPerGroup); a wink
// whose landmarks still lay the shut eye out open (wild/'s one, 0.27) is
// caught by the two eyes' iris heights (MinEyeBalance), not the opening.
func TestShutEyeRendered(t *testing.T) {
	if testing.Short() {
		t.Skip("real photos: slow")
	}
	t.Parallel() // slow (a render and a check per photo); shares the cores with the other render tests
	faces := loadFaces(t, "neutral")
	seen, caught, byBalance := map[string]int{}, map[string]int{}, 0
	for i, f := range faces {
		if status(t, f.rep, EyesOpen).Status != Pass || f.rep.Face == nil {
			continue
		}
		grp := f.p.Person.Group
		seen[grp]++
		first := [2]int{facedetect.LeftEyeFirst, facedetect.RightEyeFirst}[i%2]
		img := shutEye(f.img, f.rep.Face.Landmarks, first)
		rep := check(t, fixture.JPEG(img, 92, nil, nil), Options{Profile: "icao"})
		eo, ex := status(t, rep, EyesOpen), status(t, rep, Expression)
		if eo.Status == Fail {
			caught[grp]++
			if eo.MessageText.ID == "check.eyesOpen.one_eye_shut" {
				byBalance++
			}
		} else {
			t.Logf("%s (%s): one eye shut, eyes_open %s (%v, %s)", f.p.Name, grp, eo.Status, eo.Value, eo.MessageText)
		}
		if eo.Status == Fail && ex.Status != Fail {
			t.Errorf("%s (%s): eyes_open fails on the shut eye, expression %s (%s)", f.p.Name, grp, ex.Status, ex.MessageText)
		}
	}
	total, got := 0, 0
	for _, grp := range slices.Sorted(maps.Keys(seen)) {
		n := seen[grp]
		total, got = total+n, got+caught[grp]
		t.Logf("%-10s %d of %d shut eyes caught", grp, caught[grp], n)
		if float64(caught[grp]) < minShutCaught*float64(n) {
			t.Errorf("%s: %d of %d shut eyes caught, want at least %.0f %%", grp, caught[grp], n, 100*minShutCaught)
		}
	}
	t.Logf("%d of %d shut eyes caught, %d of them by the eyes' balance alone", got, total, byBalance)
	if total == 0 {
		t.Fatal("no face with open eyes to shut")
	}
}
