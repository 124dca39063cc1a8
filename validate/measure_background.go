package validate

import (
	"image"
	"image/color"
	"math"
)

// This file: what background_white and background_uniform are judged on:
// the backdrop around the head, told from the head and measured in CIELAB
// (judged in judge_background.go).

// bgMeasures describe the backdrop around the head, in CIELAB.
type bgMeasures struct {
	n        int     // backdrop samples
	fromFace bool    // the mask was built around a face (else border strips)
	tight    bool    // a tightly framed photo: the backdrop was told from the hair by texture
	l, c     float64 // L* and chroma judged: the darker and the more coloured of the median and the worst cell
	lMedian  float64 // median L* of every backdrop sample
	residual float64 // p90-p10 of L* after a plane fit
	gradient float64 // L* range of the fitted plane over the backdrop
	edges    float64 // share of samples with a colour step to a neighbour
	shadow   float64 // L* the band next to the head is darker than the outer backdrop, on its darker side
}

// bgGridSide is the number of samples along the longer side of the photo.
const bgGridSide = 140

// bgEdgeDE is the CIELAB step between neighbouring samples (a few pixels
// apart) that counts as an edge: JPEG noise and soft gradients stay under.
const bgEdgeDE = 8

// headScale is how many times the half-width of the face box the head
// mask reaches beside the face (hair and ears), on a photo with room around
// the head; tightHeadScale is the mask on a tightly framed one (a finished
// 35x45 photo), where hair fills much of the little backdrop left and the
// backdrop is told from it by texture (see smoothBackdrop).
const (
	headScale      = 1.6
	tightHeadScale = 1.1
)

// minOuterBackdrop is the number of outer backdrop samples below which a
// photo counts as tightly framed.
const minOuterBackdrop = 60

// zoneMap is the sampling grid over a photo and the backdrop zone of each
// sample: 0 not backdrop, 1 backdrop, 2 backdrop next to the head.
type zoneMap struct {
	gw, gh int
	zone   []uint8
	px, py func(i int) float64 // grid index to image coordinate
}

// backdropZones lays the sampling grid over the photo bounds b and marks
// the backdrop: left and right of the head above the chin and above the
// hair, outside a margin around the head; without a face, the top and
// upper side strips. ok is false for a photo too small to sample.
func backdropZones(b image.Rectangle, g *faceGeom, k float64) (zoneMap, bool) {
	step := max(1, float64(max(b.Dx(), b.Dy()))/bgGridSide)
	gw, gh := int(float64(b.Dx())/step), int(float64(b.Dy())/step)
	if gw < 4 || gh < 4 {
		return zoneMap{}, false
	}
	// The grid is centred on the photo, so that its mirror image is
	// sampled at the mirrored points.
	x0 := float64(b.Min.X) + (float64(b.Dx())-float64(gw)*step)/2
	y0 := float64(b.Min.Y) + (float64(b.Dy())-float64(gh)*step)/2
	px := func(i int) float64 { return x0 + (float64(i)+0.5)*step }
	py := func(j int) float64 { return y0 + (float64(j)+0.5)*step }
	// zone: 0 not backdrop, 1 backdrop, 2 backdrop next to the head.
	zone := make([]uint8, gw*gh)
	W, H := float64(b.Dx()), float64(b.Dy())
	margin := 0.02 * max(W, H)
	var head func(x, y, grow float64) bool
	if g != nil {
		fw := float64(g.f.Box.Dx())
		// The grid's points are in pixel edges, the face's in pixel
		// centres: half a pixel apart, and the mirror image's head would
		// lie a pixel off the mirror image of the head.
		cx := g.eyeMid.X + 0.5
		cy := (g.crown.Y+g.chin.Y)/2 + 0.5
		ry := (g.chin.Y - g.crown.Y) / 2 * (1 + (k-1)/2) // hair above the crown
		rx := fw / 2 * k                                 // hair and ears beside the face
		head = func(x, y, grow float64) bool {
			dx := (x - cx) / (rx * grow)
			if y >= cy {
				return math.Abs(dx) < 1
			}
			dy := (y - cy) / (ry * grow)
			return dx*dx+dy*dy < 1
		}
	}
	for j := range gh {
		for i := range gw {
			x, y := px(i), py(j)
			if x < float64(b.Min.X)+margin || x > float64(b.Max.X)-margin || y < float64(b.Min.Y)+margin {
				continue
			}
			if head == nil {
				rx, ry := x-float64(b.Min.X), y-float64(b.Min.Y)
				if ry < 0.12*H || (ry < 0.4*H && (rx < 0.1*W || rx > 0.9*W)) {
					zone[j*gw+i] = 1
				}
				continue
			}
			if y > g.chin.Y+0.5 || head(x, y, 1) {
				continue
			}
			zone[j*gw+i] = 1
			if head(x, y, 1.25) {
				zone[j*gw+i] = 2
			}
		}
	}
	return zoneMap{gw: gw, gh: gh, zone: zone, px: px, py: py}, true
}

// colorAt is img's colour at the point (x, y) in pixel edges (pixel x
// covers [x, x+1)): the pixel's holding it, or, on the edge between two
// pixels side by side, their mean, 8 bits a channel. The mirror image's
// point falls on the same edge, mirrored, and reads the same colour.
func colorAt(img image.Image, x, y float64) color.Color {
	// The grid's step is a fraction: a point meant to fall on an edge
	// comes within rounding of it, on either side.
	const onEdge = 1e-9
	ix, iy := int(math.Round(x)), int(math.Floor(y))
	if math.Abs(x-float64(ix)) > onEdge {
		return img.At(int(math.Floor(x)), iy)
	}
	if ix <= img.Bounds().Min.X || ix >= img.Bounds().Max.X {
		return img.At(min(max(ix, img.Bounds().Min.X), img.Bounds().Max.X-1), iy)
	}
	r1, g1, b1, _ := img.At(ix-1, iy).RGBA()
	r2, g2, b2, _ := img.At(ix, iy).RGBA()
	mean := func(a, b uint32) uint8 { return uint8((a>>8 + b>>8 + 1) / 2) }
	return color.NRGBA{mean(r1, r2), mean(g1, g2), mean(b1, b2), 255}
}

// count returns the number of samples in zone z.
func (zm zoneMap) count(z uint8) int {
	n := 0
	for _, v := range zm.zone {
		if v == z {
			n++
		}
	}
	return n
}

// bgPatch is a smooth patch of backdrop candidates reaching the edge.
type bgPatch struct {
	id      int
	size    int     // samples
	l       float64 // mean L*
	texture float64 // mean colour step between neighbours inside the patch
}

// smoothPatches splits the samples zm marks as backdrop into smooth
// patches: samples joined through neighbours that differ by at most
// bgEdgeDE. It returns the patches that reach the edge of the photo (left,
// right or top) and each sample's patch id (0: none).
func smoothPatches(zm zoneMap, L, A, B []float64) ([]bgPatch, []int) {
	gw, gh, zone := zm.gw, zm.gh, zm.zone
	in := func(i, j int) bool { return i >= 0 && j >= 0 && i < gw && j < gh && zone[j*gw+i] != 0 }
	// On the edge: no backdrop sample further out, towards the border.
	edge := func(i, j int) bool {
		return (i < gw/2 && !in(i-1, j)) || (i >= gw/2 && !in(i+1, j)) || (j < gh/3 && !in(i, j-1))
	}
	de := func(a, b int) float64 { return math.Sqrt(sq(L[a]-L[b]) + sq(A[a]-A[b]) + sq(B[a]-B[b])) }
	comp := make([]int, len(zone))
	var patches []bgPatch
	var queue []int
	for k, z := range zone {
		if z == 0 || comp[k] != 0 || !edge(k%gw, k/gw) {
			continue
		}
		p := bgPatch{id: len(patches) + 1}
		comp[k] = p.id
		steps, sumDE := 0, 0.0
		queue = append(queue[:0], k)
		for len(queue) > 0 {
			c := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			p.size++
			p.l += L[c]
			ci, cj := c%gw, c/gw
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				ni, nj := ci+d[0], cj+d[1]
				if !in(ni, nj) {
					continue
				}
				nk := nj*gw + ni
				e := de(c, nk)
				if e > bgEdgeDE || (comp[nk] != 0 && comp[nk] != p.id) {
					continue
				}
				steps++
				sumDE += e
				if comp[nk] == 0 {
					comp[nk] = p.id
					queue = append(queue, nk)
				}
			}
		}
		p.l /= float64(p.size)
		if steps > 0 {
			p.texture = sumDE / float64(steps)
		}
		patches = append(patches, p)
	}
	return patches, comp
}

// bgMaxTexture is the mean colour step between neighbouring samples of a
// smooth patch up to which it is backdrop. Measured on the neutral/ and
// canada/ photos cropped to 35x45, with the backdrop told by the test
// fixture that whitens it: backdrop patches 0.29-2.49 (two outliers, hair
// the fixture whitened), hair and clothes 2.55 and up.
const bgMaxTexture = 2.5

// minPatch is the fewest samples a backdrop patch needs.
const minPatch = 20

// smoothBackdrop keeps as outer backdrop (zone 1) the samples zm marks as
// backdrop that lie in a smooth patch (texture at most bgMaxTexture) of at
// least minPatch samples reaching the edge: on a tightly framed photo, the
// backdrop beside and above the head, and not the hair. The others are
// dropped.
func smoothBackdrop(zm zoneMap, L, A, B []float64) {
	patches, comp := smoothPatches(zm, L, A, B)
	keep := map[int]bool{}
	for _, p := range patches {
		if p.size >= minPatch && p.texture <= bgMaxTexture {
			keep[p.id] = true
		}
	}
	for k := range zm.zone {
		if zm.zone[k] != 0 {
			zm.zone[k] = 0
			if keep[comp[k]] {
				zm.zone[k] = 1
			}
		}
	}
}

// measureBackground samples the photo on a grid and measures, in CIELAB,
// the samples that backdropZones marks as backdrop.
func measureBackground(img image.Image, g *faceGeom) bgMeasures {
	zm, ok := backdropZones(img.Bounds(), g, headScale)
	if !ok {
		return bgMeasures{}
	}
	tight := false
	if g != nil && zm.count(1) < minOuterBackdrop {
		tight = true
		zm, _ = backdropZones(img.Bounds(), g, tightHeadScale)
	}
	gw, gh, zone, px, py := zm.gw, zm.gh, zm.zone, zm.px, zm.py
	L := make([]float64, gw*gh)
	A := make([]float64, gw*gh)
	B := make([]float64, gw*gh)
	for k, z := range zone {
		if z != 0 {
			L[k], A[k], B[k] = toLab(colorAt(img, px(k%gw), py(k/gw)))
		}
	}
	if tight {
		smoothBackdrop(zm, L, A, B)
	}
	var ls, cs []float64
	var near [2][]float64 // left and right of the head
	var far []float64
	// Plane fit L = p0 + p1 x + p2 y by least squares (normal equations).
	var s [3][4]float64
	for k, z := range zone {
		if z == 0 {
			continue
		}
		i, j := k%gw, k/gw
		l, a, bb := L[k], A[k], B[k]
		ls = append(ls, l)
		cs = append(cs, math.Hypot(a, bb))
		if z == 2 {
			side := 0
			if g != nil && px(i) > g.eyeMid.X+0.5 {
				side = 1
			}
			near[side] = append(near[side], l)
			continue
		}
		far = append(far, l)
		u, v := float64(i)/float64(gw), float64(j)/float64(gh)
		row := [3]float64{1, u, v}
		for r := range 3 {
			for c := range 3 {
				s[r][c] += row[r] * row[c]
			}
			s[r][3] += row[r] * l
		}
	}
	m := bgMeasures{n: len(ls), fromFace: g != nil, tight: tight}
	if m.n < 20 || len(far) < 20 {
		return bgMeasures{fromFace: g != nil, tight: tight} // too little to judge
	}
	m.l, m.c = median(append([]float64(nil), ls...)), median(cs)
	m.lMedian = m.l
	// The whole visible backdrop must be white, corners included: the
	// darkest and the most coloured of its cells decide, not the bright
	// band beside the head that dominates the median.
	if l, c, ok := worstCell(zm, L, A, B); ok {
		m.l, m.c = min(m.l, l), max(m.c, c)
	}
	// A cast shadow darkens most of the band on one side; loose hair
	// darkens only part of it, so the band's upper quartile is compared.
	farL := median(far)
	for _, nl := range near {
		if len(nl) > 5 {
			m.shadow = max(m.shadow, farL-quantile(nl, 0.75))
		}
	}
	p, ok := solve3(s)
	var res []float64
	lo, hi := math.Inf(1), math.Inf(-1)
	edges, pairs := 0, 0
	// Spread, gradient and edges on the outer backdrop, clear of loose hair.
	for k, z := range zone {
		if z != 1 {
			continue
		}
		i, j := k%gw, k/gw
		u, v := float64(i)/float64(gw), float64(j)/float64(gh)
		fit := m.l
		if ok {
			fit = p[0] + p[1]*u + p[2]*v
		}
		lo, hi = min(lo, fit), max(hi, fit)
		res = append(res, L[k]-fit)
		edge := false
		for _, nk := range [2]int{k + 1, k + gw} {
			if (nk == k+1 && i+1 >= gw) || nk >= len(zone) || zone[nk] != 1 {
				continue
			}
			pairs++
			if math.Sqrt(sq(L[k]-L[nk])+sq(A[k]-A[nk])+sq(B[k]-B[nk])) > bgEdgeDE {
				edge = true
			}
		}
		if edge {
			edges++
		}
	}
	m.residual = quantile(res, 0.9) - quantile(res, 0.1)
	m.gradient = hi - lo
	m.edges = float64(edges) / float64(len(res))
	return m
}

// bgCells is the number of cells across the photo's longer side that the
// backdrop is split into for worstCell: on a 35x45 photo a cell is about
// 6 mm, the size of a top corner left beside the head.
const bgCells = 6

// minCellShare: a cell counts when at least this share of its samples
// are backdrop, so a sliver of backdrop between the hair and the edge is
// not judged alone.
const minCellShare = 0.2

// worstCell splits the backdrop samples of zm into cells of about a sixth
// of the photo and returns the lowest median L* and the highest median
// chroma among the cells with enough samples. A backdrop lit brighter
// beside the head than in its corners (the FRLL studio's grey reads L* 85-89
// next to the head and 76-81 in the top corners) is judged by its darker
// part; the median of a cell ignores the odd hair strand. ok is false when
// no cell has enough samples.
func worstCell(zm zoneMap, L, A, B []float64) (l, c float64, ok bool) {
	side := max(zm.gw, zm.gh)
	cell := max(1, (side+bgCells-1)/bgCells)
	cw, ch := (zm.gw+cell-1)/cell, (zm.gh+cell-1)/cell
	// The cells are centred on the grid, the part cells shared between
	// both edges; the right half's columns take the cell of their mirror
	// column, counted from the right, so that a mirror image gets the
	// mirrored cells also when the part left over is odd.
	offX, offY := (cw*cell-zm.gw)/2, (ch*cell-zm.gh)/2
	column := func(x int) int {
		if x >= zm.gw/2 {
			return cw - 1 - (zm.gw-1-x+offX)/cell
		}
		return (x + offX) / cell
	}
	ls := make([][]float64, cw*ch)
	cs := make([][]float64, cw*ch)
	// Only smooth patches reaching the edge: hair and shoulders inside
	// the loose head mask are textured and left out.
	patches, comp := smoothPatches(zm, L, A, B)
	smooth := map[int]bool{}
	for _, p := range patches {
		if p.size >= minPatch && p.texture <= bgMaxTexture {
			smooth[p.id] = true
		}
	}
	for k, z := range zm.zone {
		if z == 0 || !smooth[comp[k]] {
			continue
		}
		i := ((k/zm.gw+offY)/cell)*cw + column(k%zm.gw)
		ls[i] = append(ls[i], L[k])
		cs[i] = append(cs[i], math.Hypot(A[k], B[k]))
	}
	need := max(minPatch, int(minCellShare*float64(cell*cell)))
	l, c = math.Inf(1), math.Inf(-1)
	for i := range ls {
		if len(ls[i]) < need {
			continue
		}
		ok = true
		l, c = min(l, median(ls[i])), max(c, median(cs[i]))
	}
	return l, c, ok
}

func sq(v float64) float64 { return v * v }

// solve3 solves the 3x3 system of the augmented matrix s by Gaussian
// elimination with partial pivoting.
func solve3(s [3][4]float64) ([3]float64, bool) {
	for c := range 3 {
		piv := c
		for r := c + 1; r < 3; r++ {
			if math.Abs(s[r][c]) > math.Abs(s[piv][c]) {
				piv = r
			}
		}
		if math.Abs(s[piv][c]) < 1e-9 {
			return [3]float64{}, false
		}
		s[c], s[piv] = s[piv], s[c]
		for r := range 3 {
			if r == c {
				continue
			}
			f := s[r][c] / s[c][c]
			for k := c; k < 4; k++ {
				s[r][k] -= f * s[c][k]
			}
		}
	}
	return [3]float64{s[0][3] / s[0][0], s[1][3] / s[1][1], s[2][3] / s[2][2]}, true
}
