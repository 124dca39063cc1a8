package validate

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/disintegration/imaging"
)

// This file: a piecewise-affine warp of a photo, for tests that change a
// real face by a known amount (a turn of the head, fuller lips) and read
// it back through the whole engine: the landmark detector sees real skin,
// hair and light, moved where the known change puts them.

// delaunay triangulates pts (Bowyer-Watson) and returns the triangles as
// index triples, each with a positive signedArea.
func delaunay(pts [][2]float64) [][3]int {
	n := len(pts)
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	span := math.Max(maxX-minX, maxY-minY) + 1
	cx, cy := (minX+maxX)/2, (minY+maxY)/2
	// A super-triangle around every point; its corners are n, n+1, n+2.
	// Far enough that the circles through it and two points of the hull
	// hold no other point, so no triangle at the hull's edge is lost.
	const far = superTriangle
	all := append(append([][2]float64{}, pts...),
		[2]float64{cx - 2*far*span, cy - far*span},
		[2]float64{cx + 2*far*span, cy - far*span},
		[2]float64{cx, cy + 2*far*span})
	tris := [][3]int{{n, n + 1, n + 2}}
	for i := 0; i < n; i++ {
		p := all[i]
		var bad [][3]int
		var keep [][3]int
		for _, t := range tris {
			if inCircumcircle(all[t[0]], all[t[1]], all[t[2]], p) {
				bad = append(bad, t)
			} else {
				keep = append(keep, t)
			}
		}
		// The hole's boundary: edges of exactly one bad triangle.
		count := map[[2]int]int{}
		for _, t := range bad {
			for k := 0; k < 3; k++ {
				a, b := t[k], t[(k+1)%3]
				if a > b {
					a, b = b, a
				}
				count[[2]int{a, b}]++
			}
		}
		for _, t := range bad {
			for k := 0; k < 3; k++ {
				a, b := t[k], t[(k+1)%3]
				e := [2]int{min(a, b), max(a, b)}
				if count[e] == 1 {
					keep = append(keep, [3]int{a, b, i})
				}
			}
		}
		tris = keep
	}
	var out [][3]int
	for _, t := range tris {
		if t[0] >= n || t[1] >= n || t[2] >= n {
			continue
		}
		if signedArea(pts[t[0]], pts[t[1]], pts[t[2]]) < 0 {
			t[1], t[2] = t[2], t[1]
		}
		out = append(out, t)
	}
	return out
}

// superTriangle is how many times the points' span the super-triangle
// reaches out: at 10 one unframed random set in ten lost an edge triangle
// (TestDelaunayCoversHull).
const superTriangle = 1e4

// signedArea is the signed area of the triangle a, b, c: positive when
// its corners run clockwise as seen on screen (y down).
func signedArea(a, b, c [2]float64) float64 {
	return ((b[0]-a[0])*(c[1]-a[1]) - (c[0]-a[0])*(b[1]-a[1])) / 2
}

// inCircumcircle reports whether p lies inside the circle through a, b, c.
func inCircumcircle(a, b, c, p [2]float64) bool {
	if signedArea(a, b, c) < 0 {
		b, c = c, b
	}
	ax, ay := a[0]-p[0], a[1]-p[1]
	bx, by := b[0]-p[0], b[1]-p[1]
	cx, cy := c[0]-p[0], c[1]-p[1]
	det := (ax*ax+ay*ay)*(bx*cy-cx*by) - (bx*bx+by*by)*(ax*cy-cx*ay) + (cx*cx+cy*cy)*(ax*by-bx*ay)
	return det > 0
}

// warpTriangles returns img with each triangle of tris carried from its
// corners in src to its corners in dst (affine inside the triangle,
// bilinear sampling). depth, when not nil, is each point's distance from
// the camera after the change: triangles are drawn farthest first, so a
// nearer part of the face covers a farther one, and a triangle turned
// away from the camera (its corners' order reversed) is not drawn.
// Pixels no triangle covers keep the photo's.
func warpTriangles(img image.Image, src, dst [][2]float64, depth []float64, tris [][3]int) *image.NRGBA {
	in := imaging.Clone(img)
	out := imaging.Clone(img)
	order := make([]int, len(tris))
	for i := range order {
		order[i] = i
	}
	if depth != nil {
		z := func(t [3]int) float64 { return depth[t[0]] + depth[t[1]] + depth[t[2]] }
		sort.SliceStable(order, func(i, j int) bool { return z(tris[order[i]]) > z(tris[order[j]]) })
	}
	b := out.Bounds()
	for _, ti := range order {
		t := tris[ti]
		d0, d1, d2 := dst[t[0]], dst[t[1]], dst[t[2]]
		area := signedArea(d0, d1, d2)
		if area <= 1e-9 {
			continue // turned away or flat
		}
		s0, s1, s2 := src[t[0]], src[t[1]], src[t[2]]
		x0 := max(b.Min.X, int(math.Floor(math.Min(d0[0], math.Min(d1[0], d2[0])))))
		x1 := min(b.Max.X-1, int(math.Ceil(math.Max(d0[0], math.Max(d1[0], d2[0])))))
		y0 := max(b.Min.Y, int(math.Floor(math.Min(d0[1], math.Min(d1[1], d2[1])))))
		y1 := min(b.Max.Y-1, int(math.Ceil(math.Max(d0[1], math.Max(d1[1], d2[1])))))
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				p := [2]float64{float64(x) + 0.5, float64(y) + 0.5}
				w0 := signedArea(d1, d2, p) / area
				w1 := signedArea(d2, d0, p) / area
				w2 := 1 - w0 - w1
				const eps = -1e-6
				if w0 < eps || w1 < eps || w2 < eps {
					continue
				}
				sx := w0*s0[0] + w1*s1[0] + w2*s2[0]
				sy := w0*s0[1] + w1*s1[1] + w2*s2[1]
				out.SetNRGBA(x, y, bilinear(in, sx-0.5, sy-0.5))
			}
		}
	}
	return out
}

// bilinear samples img at (x, y), pixel centres at integers, clamped to
// the image.
func bilinear(img *image.NRGBA, x, y float64) color.NRGBA {
	b := img.Bounds()
	x = math.Max(float64(b.Min.X), math.Min(x, float64(b.Max.X-1)))
	y = math.Max(float64(b.Min.Y), math.Min(y, float64(b.Max.Y-1)))
	ix, iy := int(x), int(y)
	fx, fy := x-float64(ix), y-float64(iy)
	jx, jy := min(ix+1, b.Max.X-1), min(iy+1, b.Max.Y-1)
	c00, c10 := img.NRGBAAt(ix, iy), img.NRGBAAt(jx, iy)
	c01, c11 := img.NRGBAAt(ix, jy), img.NRGBAAt(jx, jy)
	mix := func(a, b, c, d uint8) uint8 {
		v := (float64(a)*(1-fx)+float64(b)*fx)*(1-fy) + (float64(c)*(1-fx)+float64(d)*fx)*fy
		return uint8(math.Round(v))
	}
	return color.NRGBA{
		R: mix(c00.R, c10.R, c01.R, c11.R),
		G: mix(c00.G, c10.G, c01.G, c11.G),
		B: mix(c00.B, c10.B, c01.B, c11.B),
		A: mix(c00.A, c10.A, c01.A, c11.A),
	}
}

// TestWarpIdentity checks the warp's parts on a made-up picture: the
// triangles of a jittered grid tile its hull exactly, and carrying every
// triangle onto itself leaves every pixel as it was.
func TestWarpIdentity(t *testing.T) {
	const w, h = 64, 48
	var pts [][2]float64
	for y := 0; y <= 4; y++ {
		for x := 0; x <= 4; x++ {
			p := [2]float64{float64(x) * w / 4, float64(y) * h / 4}
			if x > 0 && x < 4 && y > 0 && y < 4 {
				p[0] += float64((x*7+y*3)%5) - 2 // inner points off the grid
				p[1] += float64((x*5+y*11)%5) - 2
			}
			pts = append(pts, p)
		}
	}
	tris := delaunay(pts)
	var sum float64
	for _, tr := range tris {
		a := signedArea(pts[tr[0]], pts[tr[1]], pts[tr[2]])
		if a <= 0 {
			t.Fatalf("triangle %v not anticlockwise: area %g", tr, a)
		}
		sum += a
	}
	if math.Abs(sum-w*h) > 1e-6 {
		t.Errorf("triangles cover %g px², want the hull's %d", sum, w*h)
	}

	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 4), uint8(y * 5), uint8((x * y) % 256), 255})
		}
	}
	out := warpTriangles(img, pts, pts, nil, tris)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if out.NRGBAAt(x, y) != img.NRGBAAt(x, y) {
				t.Fatalf("pixel (%d,%d) %v, want %v", x, y, out.NRGBAAt(x, y), img.NRGBAAt(x, y))
			}
		}
	}
}

// TestDelaunayCoversHull triangulates random point sets, unframed and
// framed, and checks that the triangles tile each set's convex hull: no triangle
// lost at the edge (the finite super-triangle's failure) or overlapping.
func TestDelaunayCoversHull(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 4))
	for k := 0; k < 500; k++ {
		pts := make([][2]float64, 48)
		for i := range pts {
			pts[i] = [2]float64{rng.Float64() * 400, rng.Float64() * 300}
		}
		if k%2 == 1 {
			// Framed, as headTurn frames its points, with some of the
			// points a fraction of a pixel inside the frame.
			for i := 0; i < 8; i++ {
				pts[i][1] = rng.Float64() * 0.5
			}
			for f := 0.0; f <= 1; f += 0.25 {
				pts = append(pts, [2]float64{f * 400, 0}, [2]float64{f * 400, 300})
				if f > 0 && f < 1 {
					pts = append(pts, [2]float64{0, f * 300}, [2]float64{400, f * 300})
				}
			}
		}
		var sum float64
		for _, tr := range delaunay(pts) {
			sum += signedArea(pts[tr[0]], pts[tr[1]], pts[tr[2]])
		}
		if hull := hullArea(pts); math.Abs(sum-hull) > 1e-6*hull {
			t.Fatalf("set %d: triangles cover %.1f px², the hull %.1f", k, sum, hull)
		}
	}
}

// hullArea is the area of the convex hull of pts (Andrew's monotone chain).
func hullArea(pts [][2]float64) float64 {
	p := append([][2]float64(nil), pts...)
	sort.Slice(p, func(i, j int) bool { return p[i][0] < p[j][0] || p[i][0] == p[j][0] && p[i][1] < p[j][1] })
	var h [][2]float64
	for pass := 0; pass < 2; pass++ {
		start := len(h)
		for _, q := range p {
			for len(h) >= start+2 && signedArea(h[len(h)-2], h[len(h)-1], q) <= 0 {
				h = h[:len(h)-1]
			}
			h = append(h, q)
		}
		h = h[:len(h)-1]
		slices.Reverse(p)
	}
	var a float64
	for i := range h {
		j := (i + 1) % len(h)
		a += h[i][0]*h[j][1] - h[j][0]*h[i][1]
	}
	return math.Abs(a) / 2
}
