package validate

import (
	"fmt"
	"image"
	"image/color"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/catalog"

	"github.com/tessera-cie/tessera/facedetect"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// Template points of the Face Research Lab layout for the head outline:
// 145 to 157 run round the head, hair included, from one side of the jaw
// over the top of the head to the other (the .tem files join them in one
// line; drawn on the photos they follow the edge of the hair mass against
// the backdrop, leaving out loose wisps).
const (
	temOutlineFirst = 145
	temOutlineLast  = 157
)

// temTop returns the template's highest head-outline point.
func temTop(pts [][2]float64) [2]float64 { return temTopOf(pts[temOutlineFirst : temOutlineLast+1]) }

// temTopOf returns the highest of the points.
func temTopOf(pts [][2]float64) [2]float64 {
	top := pts[0]
	for _, p := range pts {
		if p[1] < top[1] {
			top = p
		}
	}
	return top
}

// hasOutline reports whether the template is of the Face Research Lab
// layout, with the head outline and the chin.
func hasOutline(p faceset.Photo) bool {
	return len(p.Points) > temOutlineLast && len(p.Points) > temChin
}

// truthFrame is a photo variant and where the template's chin and top of
// the head lie in it.
type truthFrame struct {
	img       image.Image
	eye       [2]float64 // midpoint of the pupils
	top, chin float64    // y of the highest outline point and of the chin
	// outline is the head outline, 145 to 157, closed under the chin
	// through 129.
	outline [][2]float64
	// hand is the y of the visible top of the head marked by hand
	// (handTopFile), NaN where there is none.
	hand float64
}

// templateTruth returns the photo with its template truth.
func templateTruth(img image.Image, p faceset.Photo) truthFrame {
	return truthFrame{
		img:     img,
		eye:     [2]float64{(p.Points[0][0] + p.Points[1][0]) / 2, (p.Points[0][1] + p.Points[1][1]) / 2},
		top:     temTop(p.Points)[1],
		chin:    p.Points[temChin][1],
		hand:    math.NaN(),
		outline: append(slices.Clone(p.Points[temOutlineFirst:temOutlineLast+1]), p.Points[temChin]),
	}
}

// framed crops tf as a finished 35x45 ID photo is framed by its truth
// (chin to the hand-marked visible top of the head, or the template's top
// where there is none, 75 % of the height with an eighth of it above the
// head, lowered where needed so the eyes lie at most 44 % down from the
// top edge, the spec's eye band being 31-49 %; centred on the eyes), and
// scales it to 560x720 pixels, a typical emailed photo.
func (tf truthFrame) framed() truthFrame {
	top := tf.top
	if !math.IsNaN(tf.hand) {
		top = tf.hand
	}
	h := (tf.chin - top) / 0.75
	w := h * 35 / 45
	x0, y0 := tf.eye[0]-w/2, top-0.125*h
	if tf.eye[1]-y0 > 0.44*h {
		y0 = tf.eye[1] - 0.44*h
	}
	// canada/'s heads nearly fill the photo: the crop may leave it.
	c := cropExtended(tf.img, image.Rect(int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x0+w)), int(math.Round(y0+h))))
	const outW, outH = 560, 720
	k := outH / h
	at := func(p [2]float64) [2]float64 {
		return [2]float64{(p[0] - math.Round(x0)) * k, (p[1] - math.Round(y0)) * k}
	}
	out := truthFrame{
		img:  imaging.Resize(c, outW, outH, imaging.Lanczos),
		eye:  at(tf.eye),
		top:  (tf.top - math.Round(y0)) * k,
		chin: (tf.chin - math.Round(y0)) * k,
		hand: (tf.hand - math.Round(y0)) * k,
	}
	for _, p := range tf.outline {
		out.outline = append(out.outline, at(p))
	}
	return out
}

// whitened paints the backdrop of tf white, as a photo editor would. ok
// is false when the paint ran into the head: more than maxPaintedHead of
// the pixels inside the template's head outline and within its top 15 %
// of the head height turned white. The fixture's flood fill steps over the
// soft edge of some hair and into the highlight of a bald head; such a
// photo has lost its top of the head, and its truth with it.
func (tf truthFrame) whitened() (truthFrame, bool) {
	const maxPaintedHead = 0.01
	w := fixture.WhitenBackdrop(tf.img, 36)
	hh := tf.chin - tf.top
	b := w.Bounds()
	in, painted := 0, 0
	for y := max(b.Min.Y, int(tf.top)); y < min(b.Max.Y, int(tf.top+0.15*hh)); y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !inPoly(tf.outline, float64(x)+0.5, float64(y)+0.5) {
				continue
			}
			in++
			i := w.PixOffset(x, y)
			if w.Pix[i] == 255 && w.Pix[i+1] == 255 && w.Pix[i+2] == 255 {
				r, g, bl, _ := tf.img.At(x, y).RGBA()
				if r>>8 != 255 || g>>8 != 255 || bl>>8 != 255 {
					painted++
				}
			}
		}
	}
	tf.img = w
	return tf, in > 0 && float64(painted) <= maxPaintedHead*float64(in)
}

// errStats summarises signed errors.
type errStats struct {
	n                      int
	median, p10, p90, wrst float64
}

func summarise(errs []float64) errStats {
	s := append([]float64(nil), errs...)
	sort.Float64s(s)
	q := func(f float64) float64 {
		if len(s) == 0 {
			return math.NaN()
		}
		x := f * float64(len(s)-1)
		i := int(x)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (x-float64(i))*(s[i+1]-s[i])
	}
	st := errStats{n: len(s), median: q(0.5), p10: q(0.1), p90: q(0.9)}
	for _, e := range s {
		if math.Abs(e) > math.Abs(st.wrst) {
			st.wrst = e
		}
	}
	return st
}

func (s errStats) String() string {
	return fmt.Sprintf("n=%2d median %+5.1f  p10 %+5.1f  p90 %+5.1f  worst %+5.1f", s.n, s.median, s.p10, s.p90, s.wrst)
}

func group(p faceset.Photo) string {
	if p.Person.Group != "" {
		return p.Person.Group
	}
	return p.Label
}

// personKey names the person in a photo: neutral/ and smiling/ share
// people.csv ids; canada/ photos are one person each.
func personKey(p faceset.Photo) string {
	if p.Person.ID != "" {
		return p.Person.ID
	}
	return p.Label + "/" + p.Name
}

// tracedEdge lists the photos whose template outline was drawn on the
// visible edge of the hair, checked by drawing the template on the photo:
// canada/ where the hair lies flat or is tied back (not the curls of 010f
// and 020f, which rise well above the outline), and the close-cropped and
// shaved heads of neutral/. On the other neutral/ photos the outline runs
// through the hair, under its visible top: the annotators drew the head,
// not the hair's volume.
func tracedEdge(p faceset.Photo) bool {
	switch p.Label + "/" + p.Name {
	case "neutral/021_03", "neutral/042_03", "neutral/099_03":
		return true
	case "canada/010f", "canada/020f":
		return false
	}
	return p.Label == "canada"
}

// missLimit is how many of n crowns keyed k ("variant group") may miss:
// 5 % over all groups ("variant all"), one in any single group (groups have
// 4 to 19 photos: one miss is 5-25 % of a group).
func missLimit(k string, n int) int {
	if strings.HasSuffix(k, " all") {
		return int(0.05 * float64(n))
	}
	return 1
}

// crownTolerance is the error, as a share of the head height, within
// which the visible crown must be found: 3 %, a third of the 10-point band
// face_height judges (70-80 %), about 1 mm on a 45 mm photo.
const crownTolerance = 3.0

// chinTolerance is the same for the chin, the other end of face_height:
// the error issue 12 found on held-out photos ("within 3 %"). The first
// landmark fit's chin, in the detector's box, missed it by 7.1 % on
// neutral/038_03 framed (a neck fold).
const chinTolerance = 3.0

// TestCrownAccuracy measures the crown against the template's highest
// head-outline point, in percent of the head height (template chin to
// top): positive when the crown is reported above it. Each photo is
// measured as taken (studio), with its backdrop whitened, and cropped and
// scaled to a finished 35x45 photo of 560x720 pixels (framed: 75 % chin to
// template top, little backdrop left), whitened or not.
//
// The template's top lies on or under the visible top of the hair (never
// above it), so a visible crown may lie above it by the hair's volume but
// not under it: on every variant, a visible crown more than
// crownTolerance under the template's top counts as a miss, on at most
// 5 % of the photos and on at most one photo of any group (groups have 4
// to 19 photos: one miss is 5-25 % of a group). Where the template was
// drawn on the hair's edge (tracedEdge), the crown must lie within
// crownTolerance of it on 95 % of the photos. Photos the whitening
// fixture painted into are left out; framed photos whose hair runs off
// the top edge are not visible and are left out of the bounds, and their
// crown is the skull estimate.
//
// The chin must lie within chinTolerance of the template's on every photo
// of every variant.
func TestCrownAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("real photos: slow")
	}
	t.Parallel() // real photos, slow: the face tests share the cores
	photos := studioPhotos(t)
	variants := []struct {
		name string
		make func(truthFrame) (truthFrame, bool)
	}{
		{"studio", func(tf truthFrame) (truthFrame, bool) { return tf, true }},
		{"studio-white", truthFrame.whitened},
		{"framed", func(tf truthFrame) (truthFrame, bool) { return tf.framed(), true }},
		{"framed-white", func(tf truthFrame) (truthFrame, bool) { return tf.framed().whitened() }},
	}
	type tally struct{ n, miss int }
	errs := map[string][]float64{}
	below := map[string]*tally{} // variant and group: visible crowns under the template
	traced := map[string]*tally{}
	count := func(m map[string]*tally, key string, miss bool) {
		if m[key] == nil {
			m[key] = &tally{}
		}
		m[key].n++
		if miss {
			m[key].miss++
		}
	}
	skullFit := skullLeftOut(skullSamples(t))
	hand := loadHandTops(t)
	handMiss := map[string]*tally{} // variant and group: crowns off the hand-marked top
	var lines []string
	for _, p := range photos {
		if !hasOutline(p) {
			continue
		}
		base := templateTruth(openImage(t, p.Path), p)
		switch h, ok := handTopOf(hand, p); {
		case !ok:
			t.Errorf("%s/%s: no hand-marked top of the head in %s", p.Label, p.Name, handTopFile)
		case h.note != "cut": // the hair runs off the photo: no top to see
			base.hand = h.y
		}
		for _, v := range variants {
			tf, ok := v.make(base)
			if !ok {
				t.Logf("%s/%s %s: the fixture painted the head white: left out", p.Label, p.Name, v.name)
				continue
			}
			x := measureImage(t, v.name+"/"+p.Name, tf.img)
			if x.m.face == nil {
				t.Errorf("%s/%s %s: no face", p.Label, p.Name, v.name)
				continue
			}
			g := x.m.face
			hh := tf.chin - tf.top
			// The skull estimate with the model fitted without this person.
			r := skullFit[personKey(p)](earDrop(g.f, g.eyeMid, g.chin))
			skull := g.eyeMid.Y - r*(g.chin.Y-g.eyeMid.Y)
			es := 100 * (tf.top - skull) / hh
			e := 100 * (tf.top - g.crown.Y) / hh
			kind := CrownVisible
			if !g.crownSeen {
				kind = CrownEstimate
				if g.crownCut {
					kind = CrownCut
				}
			}
			for _, k := range []string{v.name + " " + group(p), v.name + " all"} {
				errs["skull "+k] = append(errs["skull "+k], es)
				if g.crownSeen {
					errs["crown "+k] = append(errs["crown "+k], e)
					count(below, k, e < -crownTolerance)
				} else {
					errs["unseen "+k] = append(errs["unseen "+k], e)
				}
			}
			// The chin against the template's point 129, positive when
			// reported above it.
			ec := 100 * (tf.chin - g.chin.Y) / hh
			for _, k := range []string{v.name + " " + group(p), v.name + " all"} {
				errs["chin "+k] = append(errs["chin "+k], ec)
			}
			if math.Abs(ec) > chinTolerance {
				t.Errorf("%s %s/%s: chin %+.1f %% of the head height from the template's, want within %.0f %%", v.name, p.Label, p.Name, ec, chinTolerance)
			}
			// Against the hand-marked visible top, where the photo still
			// shows it (a framed crop may cut a bun off).
			eh := math.NaN()
			if tf.hand >= 1 {
				eh = 100 * (tf.hand - g.crown.Y) / (tf.chin - tf.hand)
				for _, k := range []string{v.name + " " + group(p), v.name + " all"} {
					errs["hand "+k] = append(errs["hand "+k], eh)
					count(handMiss, k, !g.crownSeen || math.Abs(eh) > crownTolerance)
				}
			}
			if g.crownSeen && tracedEdge(p) {
				count(traced, v.name, math.Abs(e) > crownTolerance)
			}
			lines = append(lines, fmt.Sprintf("%-12s %-8s %-10s crown %+6.1f %% (%s) skull %+6.1f %% hand %+6.1f %% chin %+5.1f %%", v.name, p.Name, group(p), e, kind, es, eh, ec))
		}
	}
	for _, l := range lines {
		t.Log(l)
	}
	keys := slices.Sorted(maps.Keys(errs))
	for _, k := range keys {
		t.Logf("%-30s %v", k, summarise(errs[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(below)) {
		c := below[k]
		limit := missLimit(k, c.n)
		if c.miss > limit {
			t.Errorf("%s: %d of %d visible crowns more than %.0f %% under the template's top of the head, want at most %d", k, c.miss, c.n, crownTolerance, limit)
		}
	}
	// Against the hand-marked visible top: found, and within
	// crownTolerance, on 95 % of the photos of every variant and on all but
	// at most one photo of any group.
	for _, k := range slices.Sorted(maps.Keys(handMiss)) {
		c := handMiss[k]
		t.Logf("%-26s against the hand-marked top: %2d of %2d within %.0f %%", k, c.n-c.miss, c.n, crownTolerance)
		limit := missLimit(k, c.n)
		if c.miss > limit {
			t.Errorf("%s: %d of %d crowns not seen or more than %.0f %% of the head height from the hand-marked top, want at most %d", k, c.miss, c.n, crownTolerance, limit)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(traced)) {
		c := traced[k]
		t.Logf("%s, template on the hair's edge: %d of %d within %.0f %%", k, c.n-c.miss, c.n, crownTolerance)
		if float64(c.n-c.miss) < 0.95*float64(c.n) {
			t.Errorf("%s: %d of %d crowns more than %.0f %% from the template's top, where it lies on the hair's edge", k, c.miss, c.n, crownTolerance)
		}
	}
}

// synthHead draws a head on a w x h backdrop: a disc of hair whose top is
// at y top, over a skin ellipse for the face, eyes at eyeY and chin at
// chinY on the vertical midline. back gives the backdrop colour at (x, y)
// and hair the hair colour at (x, y) (for texture); wisps adds thin dark
// strands standing 4 % of the head above the hair.
func synthHead(w, h int, top, eyeY, chinY float64, back, hair func(x, y int) color.NRGBA, wisps bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx := float64(w) / 2
	r := (chinY - top) * 0.42 // the hair disc: its top is top
	cy := top + r
	for y := range h {
		for x := range w {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			c := back(x, y)
			switch {
			case (fx-cx)*(fx-cx)/(0.75*r*0.75*r)+(fy-(eyeY+chinY)/2)*(fy-(eyeY+chinY)/2)/((chinY-eyeY)*(chinY-eyeY)*0.8) < 1 && fy > eyeY-0.3*(chinY-eyeY):
				c = color.NRGBA{200, 150, 120, 255} // face
			case (fx-cx)*(fx-cx)+(fy-cy)*(fy-cy) < r*r:
				c = hair(x, y)
			case wisps && fy < top && fy > top-0.04*(chinY-top) && (x%23 == 0):
				c = color.NRGBA{40, 30, 20, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// TestVisibleTopSynthetic finds the top of drawn heads, whose top is known
// exactly, against backdrops with a gradient and vignetting, for dark,
// blond and grey hair (grey hair on a grey backdrop differs by texture),
// with loose strands above, and says the top is cut when the head runs
// off the top edge.
func TestVisibleTopSynthetic(t *testing.T) {
	const w, h = 560, 720
	const eyeY, chinY = 330.0, 610.0
	grey := func(x, y int) color.NRGBA { return color.NRGBA{190, 192, 195, 255} }
	vignette := func(x, y int) color.NRGBA {
		dx, dy := float64(x-w/2)/w, float64(y-h/2)/h
		v := uint8(215 - 60*(dx*dx+dy*dy) - 0.03*float64(y))
		return color.NRGBA{v, v, v + 3, 255}
	}
	dark := func(x, y int) color.NRGBA { return color.NRGBA{45, 35, 30, 255} }
	blond := func(x, y int) color.NRGBA { return color.NRGBA{200, 170, 110, 255} }
	// Grey hair as light as the backdrop, with strands of +-8: closer to
	// it in colour than crownMinContrast, told from it by texture alone.
	greyHair := func(x, y int) color.NRGBA {
		v := uint8(190 + 8*math.Sin(float64(x)*1.7+float64(y)*0.3))
		return color.NRGBA{v, v, v + 2, 255}
	}
	mid := facedetect.Point{X: w / 2, Y: eyeY}
	chin := facedetect.Point{X: w / 2, Y: chinY}
	tests := []struct {
		name       string
		top        float64
		back, hair func(x, y int) color.NRGBA
		wisps, cut bool
	}{
		{"dark on grey", 40, grey, dark, false, false},
		{"blond on grey", 40, grey, blond, false, false},
		{"grey on grey", 40, grey, greyHair, false, false},
		{"dark, vignetted backdrop", 30, vignette, dark, false, false},
		{"blond, vignetted backdrop", 30, vignette, blond, false, false},
		{"dark with loose strands", 40, grey, dark, true, false},
		{"cut by the top edge", -20, grey, dark, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := synthHead(w, h, tc.top, eyeY, chinY, tc.back, tc.hair, tc.wisps)
			got := visibleTop(img, gray(img), mid, chin)
			if tc.cut {
				if !got.cut || got.visible {
					t.Errorf("got %+v, want cut", got)
				}
				return
			}
			if !got.visible {
				t.Fatalf("got %+v, want the top at %.0f", got, tc.top)
			}
			// The head height is chin to top; 1 % of it.
			if e := 100 * (tc.top - got.top.Y) / (chinY - tc.top); math.Abs(e) > 1 {
				t.Errorf("top at %.1f, want %.0f: %+.1f %% of the head height", got.top.Y, tc.top, e)
			}
		})
	}
}

// TestFaceHeightCrown judges face_height from the crown and the skull
// estimate on a 720-pixel-high photo, chin at y 560 (78 % of the height
// under the top edge).
func TestFaceHeightCrown(t *testing.T) {
	const h, chin = 720.0, 560.0
	at := func(frac float64) facedetect.Point { return facedetect.Point{X: 280, Y: chin - frac*h} }
	tests := []struct {
		name         string
		crown, skull float64 // chin to each, fraction of the height
		seen, cut    bool
		want         Status
	}{
		{"visible, in the band", 0.75, 0.73, true, false, Pass},
		{"visible, too large", 0.85, 0.84, true, false, Fail},
		{"visible, too small", 0.62, 0.61, true, false, Fail},
		// A bun: with it 78 %, without it 62 %: under the band by more
		// than the estimate's error (skullMargin).
		{"bun, skull under the band", 0.78, 0.62, true, false, Warn},
		// Ordinary hair (11 % of the head), the estimate 3 points under
		// the band: not voluminous, so the visible top decides.
		{"ordinary hair, skull under the band", 0.75, 0.67, true, false, Pass},
		// Ordinary hair (11 % of the head) over the band, the estimate
		// inside it: the visible top decides (hairVolume).
		{"ordinary hair over the band, skull in it", 0.82, 0.73, true, false, Fail},
		// An afro: with it 92 %, without it 72 %.
		{"afro, skull in the band", 0.92, 0.72, true, false, Warn},
		// Voluminous hair (22 % of the head) but both readings over the
		// band: too large either way.
		{"volume, same side", 1.05, 0.82, true, false, Fail},
		// Small hair volume near a limit: the visible top decides.
		{"close hair near a limit", 0.81, 0.79, true, false, Fail},
		{"cut, estimate in the band", 0.75, 0.75, false, true, Warn},
		{"cut, estimate just over", 0.82, 0.82, false, true, Warn},
		{"no backdrop, estimate far over", 0.95, 0.95, false, false, Fail},
		{"no backdrop, estimate near", 0.82, 0.82, false, false, Warn},
	}
	// The head runs off the top edge and the chin lies 85 % of the height
	// under it: too large whatever the estimate says.
	low := &faceGeom{chin: facedetect.Point{X: 280, Y: 612}, crown: at(0.78), skull: at(0.78), crownCut: true}
	if c := said((&judge{prof: &cie, lang: "en", now: testNow}).faceHeight(low, h), "en"); c.Status != Fail {
		t.Errorf("cut, chin to edge 85 %%: %v (%s), want fail", c.Status, c.Message)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &faceGeom{chin: facedetect.Point{X: 280, Y: chin}, crown: at(tc.crown), skull: at(tc.skull), crownSeen: tc.seen, crownCut: tc.cut}
			for _, lang := range catalog.Languages() {
				j := &judge{prof: &cie, lang: lang, now: testNow}
				c := said(j.faceHeight(g, h), lang)
				if c.Status != tc.want {
					t.Fatalf("%s: %v (%v: %s), want %v", lang, c.Status, c.Value, c.Message, tc.want)
				}
				if c.Status != Pass && (c.Message == "" || c.Fix == "") {
					t.Errorf("%s: %v without message or fix: %+v", lang, c.Status, c)
				}
			}
		})
	}
}
