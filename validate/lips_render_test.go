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

// lipChange is one way a closed mouth can look: fuller, darker, glossy,
// under a moustache. It returns the photo changed around the landmarks
// lm; the mouth stays closed.
type lipChange func(img image.Image, lm [][2]float64) *image.NRGBA

// mouthAxis returns the midpoint of the mouth's corners and the unit
// normal to the line through them, pointing down the face.
func mouthAxis(lm [][2]float64) (mid, down [2]float64) {
	a, b := lm[facedetect.MouthLeft], lm[facedetect.MouthRight]
	dx, dy := b[0]-a[0], b[1]-a[1]
	n := math.Hypot(dx, dy)
	return [2]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}, [2]float64{-dy / n, dx / n}
}

// fuller returns a lipChange that thickens the upper lip by up and the
// lower by low (shares of each lip's height): the outer lip outline moves
// away from the line between the lips, the inner outline and the corners
// stay, and the skin between the lips and the nose, cheeks and chin
// gives way.
func fuller(up, low float64) lipChange {
	return func(img image.Image, lm [][2]float64) *image.NRGBA {
		out, _ := warpMouth(img, lm, grown(lm, up, low))
		return out
	}
}

// warpMouth moves the lips of the photo from their landmarks lm to dst,
// and says how many triangles of the warp the move folds over (those
// keep the photo's pixels: see warpTriangles). Only the lower face moves:
// the nose, the jaw and points beside the mouth hold it; nothing outside
// their hull changes.
func warpMouth(img image.Image, lm, dst [][2]float64) (out *image.NRGBA, folded int) {
	var keep []int
	for i := facedetect.JawFirst + 2; i <= facedetect.JawLast-2; i++ {
		keep = append(keep, i)
	}
	for i := facedetect.NostrilLeft; i <= facedetect.NostrilRight; i++ {
		keep = append(keep, i)
	}
	keep = append(keep, facedetect.NoseTip)
	for i := facedetect.OuterLipFirst; i <= facedetect.InnerLipLast; i++ {
		keep = append(keep, i)
	}
	var s, d [][2]float64
	for _, i := range keep {
		s, d = append(s, lm[i]), append(d, dst[i])
	}
	s, d, _ = dedupe(s, d, make([]float64, len(s)))
	tris := delaunay(s)
	for _, tr := range tris {
		if (signedArea(s[tr[0]], s[tr[1]], s[tr[2]]) > 0) != (signedArea(d[tr[0]], d[tr[1]], d[tr[2]]) > 1e-9) {
			folded++
		}
	}
	return warpTriangles(img, s, d, nil, tris), folded
}

// darker returns a lipChange that darkens the lips to share of their
// light, as lips are on darker skin or under dark lipstick.
func darker(share float64) lipChange {
	return func(img image.Image, lm [][2]float64) *image.NRGBA {
		out := imaging.Clone(img)
		poly := lm[facedetect.OuterLipFirst : facedetect.OuterLipLast+1]
		paintPolygon(out, poly, 1.5, func(c color.NRGBA, a float64) color.NRGBA {
			k := 1 - a*(1-share)
			return color.NRGBA{uint8(float64(c.R) * k), uint8(float64(c.G) * k), uint8(float64(c.B) * k), c.A}
		})
		return out
	}
}

// glossy returns a lipChange that lays a highlight of strength on the
// middle of each lip, as lip gloss under a studio light gives.
func glossy(strength float64) lipChange {
	return func(img image.Image, lm [][2]float64) *image.NRGBA {
		out := imaging.Clone(img)
		w := landmarkDist(lm, facedetect.MouthLeft, facedetect.MouthRight)
		for _, pair := range [][2]int{{facedetect.LowerLipBottom, facedetect.InnerLowerMiddle}, {facedetect.UpperLipTop, facedetect.InnerUpperMiddle}} {
			a, b := lm[pair[0]], lm[pair[1]]
			c := [2]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
			rx, ry := 0.15*w, math.Max(0.2*landmarkDist(lm, pair[0], pair[1]), 1)
			var poly [][2]float64
			for k := 0; k < 16; k++ {
				t := 2 * math.Pi * float64(k) / 16
				poly = append(poly, [2]float64{c[0] + rx*math.Cos(t), c[1] + ry*math.Sin(t)})
			}
			paintPolygon(out, poly, ry, func(px color.NRGBA, a float64) color.NRGBA {
				m := func(v uint8) uint8 { return uint8(float64(v) + a*strength*(255-float64(v))) }
				return color.NRGBA{m(px.R), m(px.G), m(px.B), px.A}
			})
		}
		return out
	}
}

// moustache is a lipChange that grows a dark moustache between the nose
// and the upper lip, reaching the lip's outline and a little past the
// corners.
func moustache(img image.Image, lm [][2]float64) *image.NRGBA {
	out := imaging.Clone(img)
	_, down := mouthAxis(lm)
	w := landmarkDist(lm, facedetect.MouthLeft, facedetect.MouthRight)
	along := [2]float64{down[1], -down[0]} // towards the mouth's right corner
	at := func(p [2]float64, a, d float64) [2]float64 {
		return [2]float64{p[0] + a*along[0] + d*down[0], p[1] + a*along[1] + d*down[1]}
	}
	poly := [][2]float64{at(lm[facedetect.MouthLeft], -0.08*w, 0.05*w)}
	for i := facedetect.MouthLeft + 1; i < facedetect.MouthRight; i++ {
		poly = append(poly, lm[i])
	}
	poly = append(poly, at(lm[facedetect.MouthRight], 0.08*w, 0.05*w))
	for i := facedetect.NostrilRight; i >= facedetect.NostrilLeft; i-- {
		poly = append(poly, at(lm[i], 0, 0.1*w))
	}
	// Hair: dark strands running down and out from the nose, a few
	// pixels apart, with skin showing a little between them.
	ox, oy := (lm[facedetect.NoseBase][0]), lm[facedetect.NoseBase][1]
	paintPolygonAt(out, poly, 3, func(x, y int, c color.NRGBA, a float64) color.NRGBA {
		ang := math.Atan2(float64(x)-ox, float64(y)-oy+0.3*w)
		strand := 0.5 + 0.5*math.Sin(ang*w/1.5)
		alpha := a * (0.7 + 0.25*strand)
		v := 25 + 40*(1-strand)
		m := func(p uint8) uint8 { return uint8(float64(p)*(1-alpha) + alpha*v) }
		return color.NRGBA{m(c.R), m(c.G), m(c.B), c.A}
	})
	return out
}

// paintPolygon changes the pixels inside the polygon poly with f, given
// how far inside each one is (0 at the edge to 1 at feather pixels in) so
// the change has no hard edge.
func paintPolygon(img *image.NRGBA, poly [][2]float64, feather float64, f func(color.NRGBA, float64) color.NRGBA) {
	paintPolygonAt(img, poly, feather, func(_, _ int, c color.NRGBA, a float64) color.NRGBA { return f(c, a) })
}

// paintPolygonAt is paintPolygon with f told where each pixel is.
func paintPolygonAt(img *image.NRGBA, poly [][2]float64, feather float64, f func(x, y int, c color.NRGBA, a float64) color.NRGBA) {
	minX, maxX, minY, maxY := polyBounds(poly)
	b := img.Bounds()
	for y := max(b.Min.Y, int(minY)); y <= min(b.Max.Y-1, int(maxY)+1); y++ {
		for x := max(b.Min.X, int(minX)); x <= min(b.Max.X-1, int(maxX)+1); x++ {
			p := [2]float64{float64(x) + 0.5, float64(y) + 0.5}
			if !inPoly(poly, p[0], p[1]) {
				continue
			}
			edge := math.Inf(1)
			for i := range poly {
				edge = math.Min(edge, segmentDist(poly[i], poly[(i+1)%len(poly)], p))
			}
			img.SetNRGBA(x, y, f(x, y, img.NRGBAAt(x, y), math.Min(edge/feather, 1)))
		}
	}
}

// segmentDist is the distance from p to the segment a-b.
func segmentDist(a, b, p [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := dx*dx + dy*dy
	t := 0.0
	if l > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// TestMouthClosedOnEveryLipShape changes the closed mouths of neutral/
// into fuller, darker, glossy lips and lips under a moustache, and checks
// that mouth_closed still reads them closed, held to the per-group aim of
// the good photos (no group loses more than groupAllows, all of them at
// least minGoodAccepted), and that its measure hardly moves: the median
// change of the judged gap (mouthGap: the landmarks' or, where they
// overrule them, the pixels') stays under half the limit (issue 26: a
// woman's full, closed lips read as apart at 0.117). Expression, which
// reads teeth between the same landmarks, is held to the same aim.
func TestMouthClosedOnEveryLipShape(t *testing.T) {
	t.Parallel() // slow (a render and a check per photo); the two render tests share the cores
	faces := loadFaces(t, "neutral")
	icao, ok := LookupProfile("icao")
	if !ok {
		t.Fatal("no icao profile")
	}
	maxGap := icao.Features.MaxLipGap
	for _, tc := range []struct {
		name   string
		change lipChange
	}{
		{"full lips", fuller(0.4, 0.5)},
		{"dark lips", darker(0.6)},
		{"full dark lips", func(img image.Image, lm [][2]float64) *image.NRGBA {
			return darker(0.6)(fuller(0.4, 0.5)(img, lm), grown(lm, 0.4, 0.5))
		}},
		{"lip gloss", glossy(0.7)},
		{"moustache", moustache},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var moved []float64
			seen, failed, smiles := map[string]int{}, map[string]int{}, map[string]int{}
			for _, f := range faces {
				before := status(t, f.rep, MouthClosed)
				if before.Status != Pass {
					continue
				}
				grp := f.p.Person.Group
				seen[grp]++
				img := tc.change(f.img, f.rep.Face.Landmarks)
				rep := check(t, fixture.JPEG(img, 92, nil, nil), Options{Profile: "icao"})
				after := status(t, rep, MouthClosed)
				v0, _ := before.Value.(float64)
				v1, ok := after.Value.(float64)
				if !ok {
					t.Fatalf("%s: mouth_closed has no value: %+v", f.p.Name, after)
				}
				moved = append(moved, v1-v0)
				if after.Status != Pass {
					failed[grp]++
					t.Logf("%s (%s): mouth_closed %s at %.3f (before %.3f)", f.p.Name, grp, after.Status, v1, v0)
				}
				if e := status(t, rep, Expression); e.Status != Pass && status(t, f.rep, Expression).Status == Pass {
					smiles[grp]++
					t.Logf("%s (%s): expression %s (%s)", f.p.Name, grp, e.Status, e.MessageText)
				}
			}
			sort.Float64s(moved)
			median := moved[len(moved)/2]
			total, lost := 0, 0
			for _, grp := range slices.Sorted(maps.Keys(seen)) {
				n := seen[grp]
				total, lost = total+n, lost+failed[grp]
				t.Logf("%-10s mouth_closed %d of %d closed mouths kept closed; expression newly failed on %d", grp, n-failed[grp], n, smiles[grp])
				if failed[grp] > groupAllows(n) {
					t.Errorf("%s: %d of %d closed mouths read as open, want at most %d", grp, failed[grp], n, groupAllows(n))
				}
				if smiles[grp] > groupAllows(n) {
					t.Errorf("%s: %d of %d neutral mouths newly fail expression, want at most %d", grp, smiles[grp], n, groupAllows(n))
				}
			}
			t.Logf("judged gap moved %+.3f (median), %+.3f to %+.3f over %d closed mouths", median, moved[0], moved[len(moved)-1], len(moved))
			if kept := float64(total-lost) / float64(total); kept < minGoodAccepted {
				t.Errorf("%d of %d closed mouths kept closed (%.0f %%), want at least %.0f %%", total-lost, total, 100*kept, 100*minGoodAccepted)
			}
			if math.Abs(median) > maxGap/2 {
				t.Errorf("the gap moved %+.3f (median), want under half the limit %.2f", median, maxGap)
			}
		})
	}
}

// grown returns the landmarks fuller(up, low) moves the lips to.
func grown(lm [][2]float64, up, low float64) [][2]float64 {
	mid, down := mouthAxis(lm)
	out := append([][2]float64(nil), lm...)
	for i := facedetect.OuterLipFirst; i <= facedetect.OuterLipLast; i++ {
		if i == facedetect.MouthLeft || i == facedetect.MouthRight {
			continue
		}
		p := lm[i]
		d := (p[0]-mid[0])*down[0] + (p[1]-mid[1])*down[1] // below the line: > 0
		f := up
		if d > 0 {
			f = low
		}
		out[i] = [2]float64{p[0] + f*d*down[0], p[1] + f*d*down[1]}
	}
	return out
}
