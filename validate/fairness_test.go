package validate

import (
	"context"
	"fmt"
	"image"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// maxGroupRejection is the most good photos the cie profile may reject in
// any group of people (issue 12): one in twenty, or one photo in a group
// too small for one in twenty to be a photo (issue 26); see groupAllows.
const maxGroupRejection = 0.05

// minGoodAccepted is the least share of all good photos the cie profile
// must accept (issue 26).
const minGoodAccepted = 0.95

// groupAllows is how many of a group's n good photos may be rejected:
// maxGroupRejection of them, and never fewer than one (in groups of four
// or five sitters one photo is a fifth or a quarter).
func groupAllows(n int) int { return max(int(maxGroupRejection*float64(n)), 1) }

// maxGoodWarn is the most good photos that may carry a warning other than
// recency (a person should look at each): one in twenty.
const maxGoodWarn = 0.05

// goodPhoto frames a neutral/ photo as a finished CIE photo from its
// hand-marked truth alone (never from what the validator measures): top is
// the visible top of the head marked by hand (handTopFile), the chin the
// template's point 129, the eyes its pupils, and the template's highest
// head-outline point the top of the head under the hair's volume. As a
// photographer who knows the rule would, the crop is 35:45 and high enough
// that chin to the visible top and chin to the template's top both lie
// within 72-78 % of it (the 70-80 % band, 2 points to spare), at the middle
// of that range; where no height does both (a bun), chin to the visible top
// fills 75 %. The space left is shared above the head and below the chin,
// moved down where needed so the eyes sit at most 44 % below the top edge
// (the spec's eye band is 31-49 %); the backdrop whitened and the photo
// scaled to 600x771 at 400 DPI: what a citizen should be told is fine.
// Where the crop leaves the photo (canada/'s heads nearly fill it), the
// backdrop is extended (cropExtended), as a wider studio backdrop would
// show; ok is false when the crop is over twice the photo's size.
func goodPhoto(img image.Image, p faceset.Photo, top float64) ([]byte, bool) {
	const lo, hi = 0.72, 0.78
	eyeX := (p.Points[0][0] + p.Points[1][0]) / 2
	eyeY := (p.Points[0][1] + p.Points[1][1]) / 2
	chin := p.Points[temChin][1]
	visible, under := chin-top, chin-temTop(p.Points)[1]
	h := visible / 0.75
	if a, b := visible/hi, under/lo; a <= b {
		h = (a + b) / 2
	}
	ct := top - (1-visible/h)/2*h
	if eyeY-ct > 0.44*h {
		ct = eyeY - 0.44*h
	}
	w := h * 35 / 45
	r := image.Rect(int(eyeX-w/2), int(ct), int(eyeX+w/2), int(ct+h))
	if b := img.Bounds(); r.Dx() > 2*b.Dx() || r.Dy() > 2*b.Dy() {
		return nil, false
	}
	framed := imaging.Resize(cropExtended(img, r), 600, 771, imaging.Lanczos)
	white := fixture.WhitenBackdrop(framed, 36)
	return fixture.JPEG(white, 90, &fixture.JFIF{Units: 1, XDen: 400, YDen: 400}, nil), true
}

// TestGoodPhotosPerGroup judges the neutral/ and canada/ photos framed as
// finished CIE photos on a white backdrop and reports, per group of
// people, how many are rejected and how many warned, against the aims
// maxGroupRejection and maxGoodWarn (see the end of the test). Expression
// and the skull estimate of face_height are judged by the models fitted
// without the person (leave-one-person-out, as TestSmileModel,
// TestMouthSpanLimit and TestSkullModel), on the framed photo, never by
// the models fitted on their own photos; the smile model never saw
// canada/, so its own is held out there, while the mouth span limit did
// and is fitted again without each canada/ sitter.
func TestGoodPhotosPerGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("real photos: slow")
	}
	t.Parallel() // real photos, slow: the face tests share the cores
	photos := studioPhotos(t)
	neutral := loadFiles(t, "neutral")
	samples := smileSamplesOf(t, neutral, loadFiles(t, "smiling"))
	inSmileModel := map[string]bool{}
	for _, s := range samples {
		inSmileModel[s.person] = true
	}
	spans := loadSpanSamples(t, neutral)
	skullFit := skullLeftOut(skullSamples(t))
	hand := loadHandTops(t)
	// rejected counts the good photos any check fails; byOther, those a
	// check other than expression fails.
	type tallyG struct{ n, rejected, byOther, warned int }
	groups := map[string]*tallyG{"all": {}}
	reasons := map[CheckID]int{}
	warnsBy := map[CheckID]int{} // check: good photos it warns on
	for _, p := range photos {
		grp := goodGroup(p)
		if len(p.Points) <= temChin || grp == "" {
			t.Errorf("%s/%s: no template or no group", p.Label, p.Name)
			continue
		}
		top, ok := handTopOf(hand, p)
		if !ok {
			t.Errorf("%s/%s: no hand-marked top of the head", p.Label, p.Name)
			continue
		}
		if top.note == "cut" {
			// The hair runs off the original photo: no crop of it has
			// the whole head.
			t.Logf("%s/%s: the head runs off the photo: cannot be framed", p.Label, p.Name)
			continue
		}
		data, ok := goodPhoto(openImage(t, p.Path), p, top.y)
		if !ok {
			t.Errorf("%s/%s: the framed crop is over twice the photo", p.Label, p.Name)
			continue
		}
		rep := check(t, data, Options{Lang: "en"})
		ph, m := measureData(t, data)
		var failed, warned []string
		failedOther := false // a check other than expression fails
		for _, c := range rep.Checks {
			switch c.ID {
			case "face_height":
				// The skull estimate fitted without the person, as
				// TestSkullModel scores it.
				c = faceHeightLeftOut(ph, m, skullFit[personKey(p)])
			case "expression":
				// The smile model, its teeth limit and the mouth span
				// limit fitted without the person, as TestSmileModel
				// and TestMouthSpanLimit score them.
				c = expressionLeftOut(t, m, samples, spans, p, inSmileModel[p.Person.ID])
			}
			switch {
			case c.Status == Fail:
				failed = append(failed, fmt.Sprintf("%s (%v)", c.ID, c.Value))
				reasons[c.ID]++
				failedOther = failedOther || c.ID != "expression"
			case c.Status == Warn && c.ID != "recency":
				warned = append(warned, fmt.Sprintf("%s (%v)", c.ID, c.Value))
				warnsBy[c.ID]++
			}
		}
		for _, k := range []string{"all", grp} {
			g := groups[k]
			if g == nil {
				g = &tallyG{}
				groups[k] = g
			}
			g.n++
			if len(failed) > 0 {
				g.rejected++
				if failedOther {
					g.byOther++
				}
			} else if len(warned) > 0 {
				g.warned++
			}
		}
		if len(failed)+len(warned) > 0 {
			t.Logf("%s/%s (%s): fail %s; warn %s", p.Label, p.Name, grp, strings.Join(failed, ", "), strings.Join(warned, ", "))
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		t.Logf("%-11s %2d good photos: %2d rejected (%4.1f %%; %d by checks other than expression), %2d passed with a warning (%4.1f %%)", k, g.n, g.rejected, percentOf(g.rejected, g.n), g.byOther, g.warned, percentOf(g.warned, g.n))
	}
	t.Logf("rejected by: %v; warned by: %v", reasons, warnsBy)
	// Warnings on good photos are held to maxGoodWarn overall (issue 12
	// item 7), face_height's hair warning on its own too: a skull
	// estimate that drifts, or a pose reading that grows noisier, shows
	// here.
	if all := groups["all"]; float64(all.warned) > maxGoodWarn*float64(all.n) {
		t.Errorf("%d of %d good photos warned, want at most %.0f %%", all.warned, all.n, 100*maxGoodWarn)
	}
	if all := groups["all"]; float64(warnsBy["face_height"]) > maxGoodWarn*float64(all.n) {
		t.Errorf("face_height warns on %d of %d good photos, want at most %.0f %%", warnsBy["face_height"], all.n, 100*maxGoodWarn)
	}
	// Warnings are held to maxGoodWarn in every group too: with four or
	// five people in a group, one warning there fails the test, so a
	// change that warns on one group's faces cannot land (no good photo
	// is warned: the last, face_height on 022_03's spiky hair, went when
	// only hair a fifth of the head high counted as voluminous,
	// hairVolume).
	//
	// Issue 26's aim: no group loses more than groupAllows of its good
	// photos, all checks counted, and all of them together at least
	// minGoodAccepted. Checks other than expression are held tighter, to
	// maxGroupRejection with no photo's grace: no group has a good photo
	// another check rejects (the last, face_height on 038_03, went with
	// the chin's second fit, facedetect.Face.Chin).
	if all := groups["all"]; float64(all.n-all.rejected) < minGoodAccepted*float64(all.n) {
		t.Errorf("%d of %d good photos accepted (%.1f %%), want at least %.0f %%", all.n-all.rejected, all.n, percentOf(all.n-all.rejected, all.n), 100*minGoodAccepted)
	}
	for _, k := range keys {
		g := groups[k]
		if r := float64(g.byOther) / float64(g.n); r > maxGroupRejection {
			t.Errorf("%s: %d of %d good photos rejected by checks other than expression (%.0f %%), want at most %.0f %%", k, g.byOther, g.n, 100*r, 100*maxGroupRejection)
		}
		if k != "all" && g.rejected > groupAllows(g.n) {
			t.Errorf("%s: %d of %d good photos rejected, want at most %d", k, g.rejected, g.n, groupAllows(g.n))
		}
		if r := float64(g.warned) / float64(g.n); r > maxGoodWarn {
			t.Errorf("%s: %d of %d good photos warned (%.0f %%), want at most %.0f %%", k, g.warned, g.n, 100*r, 100*maxGoodWarn)
		}
	}
}

// goodGroup is the group of the person in p: people.csv's for neutral/;
// canada/ is a set of young adult white faces (its title in
// ../shared/faces/README.md), one person a photo, with no people.csv.
func goodGroup(p faceset.Photo) string {
	if p.Person.Group != "" {
		return p.Person.Group
	}
	if p.Label == "canada" {
		return "white"
	}
	return ""
}

// measureData measures the photo in data as the validator does.
func measureData(t *testing.T, data []byte) (*photo, *measures) {
	t.Helper()
	v := testValidator(t)
	ph, err := v.read(data)
	if err != nil {
		t.Fatal(err)
	}
	m, err := v.measure(context.Background(), ph)
	if err != nil || m.face == nil || m.features == nil {
		t.Fatalf("no face: %v", err)
	}
	return ph, m
}

// faceHeightLeftOut judges face_height on the photo ph measured as m with
// the skull estimate's ratio given by skull (a fit that did not see the
// person).
func faceHeightLeftOut(ph *photo, m *measures, skull func(ear float64) float64) Check {
	g := *m.face
	r := skull(earDrop(g.f, g.eyeMid, g.chin))
	g.skull = facedetect.Point{X: g.eyeMid.X - r*(g.chin.X-g.eyeMid.X), Y: g.eyeMid.Y - r*(g.chin.Y-g.eyeMid.Y)}
	if !g.crownSeen {
		g.crown = g.skull
	}
	j := &judge{prof: &cie, lang: "en", now: testNow}
	return said(j.faceHeight(&g, float64(ph.info.Height)), "en")
}

// expressionLeftOut judges the expression of the photo of p framed and
// measured as m, with the limits fitted without its sitter: the mouth
// span limit (mouthSpanLimit), and, for the people the smile model was
// fitted on (inSmileModel; canada/ is not among them), the model and its
// teeth limit.
func expressionLeftOut(t *testing.T, m *measures, samples []smileSample, spans []spanSample, p faceset.Photo, inSmileModel bool) Check {
	t.Helper()
	f := *m.features
	if math.IsNaN(f.mouthSpan) {
		t.Errorf("%s/%s: no mouth span", p.Label, p.Name)
	}
	prof := cie
	prof.Features.MinMouthSpan = mouthSpanLimit(spans, personKey(p))
	if inSmileModel {
		sm := fitSmileOn(samples, p.Person.ID)
		f.smile = f.smileCues.probability(sm)
		prof.Features.MaxTeeth = sm.MaxTeeth
	}
	j := &judge{prof: &prof, lang: "en", now: testNow}
	return said(j.expression(&f), "en")
}
