package validate

import (
	"image"
	"math"

	"github.com/tessera-cie/tessera/facedetect"
)

// This file: the opening between the lips read from the pixels, which
// keeps full, dark or glossy lips and a moustache from reading as apart
// when the inner-lip landmarks spread over them.

// lipSeam measures the opening between the lips down the middle of the
// mouth (between the inner landmarks 61 and 63), in eye distances. In each
// column of pixels from the top of the upper lip (51) to the bottom of the
// lower (57), the most marked valley near the inner lips (within
// seamSearch of them) is the line where the lips meet or the opening
// between them: the row darker than its neighbours that dips deepest, for
// their light, below the lips on both sides of it (nearPeak). Its width is
// the run of rows around it darker than halfway between it and the darker
// of those two lips. Closed lips meet in a thin line whatever their
// thickness and colour; an opening is as wide as it is dark. The result
// is the median over the columns that show such a line; ok is false when
// fewer than half do (lips as dark as the line between them).
func lipSeam(q [][2]float64, fr faceFrame, gray *image.Gray) (seam float64, ok bool) {
	uL, uR := q[facedetect.InnerUpperLeft][0], q[facedetect.InnerUpperRight][0]
	if uR < uL {
		uL, uR = uR, uL
	}
	vTop, vBot := q[facedetect.UpperLipTop][1], q[facedetect.LowerLipBottom][1]
	vUp, vLo := q[facedetect.InnerUpperMiddle][1], q[facedetect.InnerLowerMiddle][1]
	if vLo < vUp {
		vUp, vLo = vLo, vUp
	}
	step := 1 / fr.d
	rows := int((vBot - vTop) / step)
	if rows < minSeamRows || uR-uL < step {
		return 0, false
	}
	// The line is looked for near the inner lips, off the lips' outer
	// edges, and the lips' light read a little further out.
	row := func(v float64) int { return int(math.Max(0, math.Min(float64(rows-1), (v-vTop)/step))) }
	from, to := row(vUp-seamSearch*(vUp-vTop)), row(vLo+seamSearch*(vBot-vLo))
	refFrom, refTo := row(vUp-seamRef*(vUp-vTop)), row(vLo+seamRef*(vBot-vLo))
	if to <= from {
		return 0, false
	}
	flat := max(2, int(seamFlat/step))
	col := make([]float64, rows)
	var widths []float64
	columns := 0
	b := gray.Rect
	// Columns on the face frame's grid (walk's): the mirror image of a
	// mouth is read in the mirror images of the same columns.
	i0, i1 := gridSpan(uL, uR, step)
	for i := i0; i <= i1; i++ {
		u := i * step
		columns++
		inside := true
		for r := range col {
			// Three pixels across, against noise and single bright hairs.
			s, n := 0.0, 0
			for k := -1; k <= 1; k++ {
				x, y := fr.img(u+float64(k)*step, vTop+float64(r)*step)
				if (image.Point{x, y}).In(b) {
					s += float64(gray.Pix[gray.PixOffset(x, y)])
					n++
				}
			}
			if n == 0 {
				inside = false
				break
			}
			col[r] = s / float64(n)
		}
		if !inside {
			continue
		}
		// The line is the most marked valley in the search: each row
		// darker than its neighbours is measured against the lips' light
		// on both sides of it (nearPeak), and the deepest for its light
		// kept. The darkest row alone may be a moustache or a shadow at
		// the search's edge, with no lip above it.
		m, ref, best := -1, 0.0, 0.0
		for r := from; r <= to; r++ {
			if (r > 0 && col[r-1] < col[r]) || (r < rows-1 && col[r+1] < col[r]) {
				continue
			}
			lr := math.Min(nearPeak(col, r, -1, refFrom, flat), nearPeak(col, r, 1, refTo, flat))
			if lr <= 0 {
				continue
			}
			if depth := (lr - col[r]) / lr; m < 0 || depth > best {
				m, ref, best = r, lr, depth
			}
		}
		if m < 0 {
			continue
		}
		dip := ref - col[m]
		if dip < math.Max(minSeamContrast*ref, minSeamDip) {
			continue
		}
		half := col[m] + dip/2
		a, z := m, m
		for a > 0 && col[a-1] <= half {
			a--
		}
		for z < rows-1 && col[z+1] <= half {
			z++
		}
		widths = append(widths, float64(z-a+1)*step)
	}
	if columns == 0 || 2*len(widths) < columns {
		return 0, false
	}
	return quantile(widths, 0.5), true
}

// nearPeak climbs col from row m in direction dir (-1 up, +1 down) as far
// as row end and returns the light where the climb levels out: off the
// valley's floor, where the profile has not risen by more than minSeamDip
// (noise) over the last flat rows, or falls back that much below the
// highest row passed. The lip next to the line, not a lighter edge or
// highlight further out, is what the line must be darker than: a dark
// upper lip over a light lower one meets it in a line only a little
// darker than the upper lip. Bounded by end (seamRef), the climb stays off
// the skin round the lips, lighter than dark lips.
func nearPeak(col []float64, m, dir, end, flat int) float64 {
	peak := col[m]
	for r, n := m+dir, 1; r*dir <= end*dir; r, n = r+dir, n+1 {
		if col[r] < peak-minSeamDip {
			break
		}
		peak = math.Max(peak, col[r])
		if n >= flat && peak > col[m]+minSeamDip && col[r]-col[r-dir*flat] <= minSeamDip {
			break
		}
	}
	return peak
}

const (
	// minSeamRows: a mouth fewer pixels high than this (lip top to lip
	// bottom) is too small to read a line in: two rows for each lip and
	// two for the line.
	minSeamRows = 6
	// seamSearch: how far past the inner lips, as a share of each lip's
	// height, the line between the lips is looked for: halfway, since
	// full lips spread the landmarks that far round it. seamRef: how far
	// the lips' light is read, three quarters of each lip, off the skin
	// round them.
	seamSearch = 0.5
	seamRef    = 0.75
	// seamFlat: over this many eye distances a lip's light levels out
	// next to the line (nearPeak): a fifth of a thin lip's height.
	seamFlat = 0.02
	// minSeamContrast: how much darker than the lips on both sides, as a
	// share of their light, the line must be to be read; less is the
	// lips' own texture. A share, not a number of levels, so dark lips
	// are read as light ones are: 8 levels on lips of 130.
	minSeamContrast = 0.06
	// minSeamDip: and at least this many levels (of 255), JPEG's noise
	// on skin at quality 90 (about 2-3 levels).
	minSeamDip = 3
)

// mouthGap is the opening between the lips mouth_closed judges against
// maxGap: the inner-lip landmarks' gap (lipGap), unless the pixels show
// the lips closed where the landmarks have spread over full or dark lips
// or a moustache. The pixels overrule the landmarks only when each of
// these holds:
//   - no teeth show between the landmarks (teeth at most maxTeeth, the
//     expression check's limit): teeth show only between parted lips;
//   - the line between the lips is no wider than maxGap (lipSeam);
//   - the landmarks' opening is about as light as the lips round it
//     (openingShade at least minOpeningShade): it is lip, not the dark
//     inside of the mouth;
//   - the landmarks' gap is at most maxSpread times maxGap.
//
// What gets through: a mouth open under that spread whose inside reads as
// lip or lighter, and shows no teeth the teeth share counts: a
// lip-coloured inside (a tongue), or teeth the teeth share misses (a
// dark line between teeth reads as a thin seam, and teeth are lighter
// than the lips, which the shade allows). On ../shared/faces/wild one
// photo does (old_photos/a.png, open on teeth read as 0.03); smiling/
// fails mouth_closed on 18 of 32 before and after the overrule.
func (f *featureMeasures) mouthGap(maxGap, maxTeeth float64) float64 {
	if f.lipGap <= maxGap || !f.lipSeamOK || math.IsNaN(f.openingShade) {
		return f.lipGap
	}
	if f.teeth <= maxTeeth && f.lipSeam <= maxGap && f.openingShade >= minOpeningShade && f.lipGap <= maxSpread*maxGap {
		return f.lipSeam
	}
	return f.lipGap
}

const (
	// minOpeningShade: an opening this light against the lips (L*
	// ratio) or lighter is lip. Between landmarks spread over closed lips
	// (the renders of TestMouthClosedOnEveryLipShape) it reads 0.84 and
	// over; the dark inside of the open mouths of ../shared/faces/wild,
	// 0.29-0.65 (lip-coloured insides read 0.84-0.95, and teeth over 1:
	// see above). Set by hand on these photos, not fitted and scored on
	// others.
	minOpeningShade = 0.75
	// maxSpread: how many times maxGap full lips may spread the inner
	// landmarks: the fullest lips of TestMouthClosedOnEveryLipShape (half
	// as thick again) spread them to 0.15 eye distances, under twice the
	// limit; the open mouths of wild that the landmarks read over the
	// limit, 0.10-0.45.
	maxSpread = 2
)
