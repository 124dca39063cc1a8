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
// mouth (between the inner landmarks 61 and 63), in eye distances: in each
// column of pixels from the top of the upper lip (51) to the bottom of the
// lower (57), the darkest point near the inner lips is the line where the
// lips meet or the opening between them, and its width is the run of rows
// around it darker than halfway between it and the lighter of the two
// lips' brightest rows. Closed lips meet in a thin line whatever their
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
	// The search for the line stays near the inner lips: off the lips'
	// outer edges, whose shadow (under the lower lip) can be darker.
	from := int(math.Max(0, (vUp-seamSearch*(vUp-vTop)-vTop)/step))
	to := int(math.Min(float64(rows-1), (vLo+seamSearch*(vBot-vLo)-vTop)/step))
	if to <= from {
		return 0, false
	}
	col := make([]float64, rows)
	var widths []float64
	columns := 0
	b := gray.Rect
	for u := uL; u <= uR; u += step {
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
		m := from
		for r := from; r <= to; r++ {
			if col[r] < col[m] {
				m = r
			}
		}
		up, down := col[m], col[m]
		for r := 0; r < m; r++ {
			up = math.Max(up, col[r])
		}
		for r := m + 1; r < rows; r++ {
			down = math.Max(down, col[r])
		}
		dip := math.Min(up, down) - col[m]
		if dip < minSeamDip {
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

const (
	// minSeamRows: a mouth fewer pixels high than this is too small to
	// read a line between the lips in.
	minSeamRows = 6
	// seamSearch: how far past the inner lips, as a share of each lip's
	// height, the line between the lips is looked for.
	seamSearch = 0.5
	// minSeamDip: how much darker (of 255) than the lips on both sides
	// the line must be to be read; less is the lips' own texture.
	minSeamDip = 8
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
//   - the landmarks' gap is at most maxSpread times maxGap: lips fuller
//     than any in the tests spread the inner points less (TestMouthClosedOnEveryLipShape
//     reads up to 0.15 eye distances on lips half as thick again).
//
// A mouth open on a lip-coloured inside (a tongue, a toddler's laugh)
// with its landmarks under that spread reads closed: on
// ../shared/faces/wild one such photo (old_photos/a.png, open with
// teeth the teeth share misses) does.
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
	// ratio) or lighter is lip. The mouth's inside between parted lips
	// reads 0.3-0.65 on ../shared/faces/wild, closed lips 0.8-1.25.
	minOpeningShade = 0.75
	// maxSpread: see mouthGap.
	maxSpread = 2
)
