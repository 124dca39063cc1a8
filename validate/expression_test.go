package validate

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/faceset"
)

// pursedZ is how many standard deviations under the mean of the neutral
// studio mouths the expression check's MinMouthSpan sits: a neutral mouth
// falls under it by chance about once in 740 (the one-sided tail of a
// normal distribution beyond three standard deviations, 0.13 %).
const pursedZ = 3

// spanSample is the mouth span of one neutral studio face.
type spanSample struct {
	name, person, group string
	span                float64
}

// loadSpanSamples reads the mouth spans MinMouthSpan is fitted on: the
// neutral faces of neutral/ (from samples, loadSmileSamples) and of
// canada/, 42 people, each keyed as personKey keys them.
func loadSpanSamples(t *testing.T, samples []smileSample) []spanSample {
	t.Helper()
	var out []spanSample
	for _, s := range samples {
		if s.grade == "" { // the photos of neutral/
			out = append(out, spanSample{s.name, s.person, s.group, s.mouthSpan})
		}
	}
	for _, x := range loadFiles(t, "canada") {
		if x.m.features == nil {
			t.Errorf("%s: no face", x.name)
			continue
		}
		out = append(out, spanSample{x.name, x.name, goodGroup(faceset.Photo{Label: "canada"}), x.m.features.mouthSpan})
	}
	return out
}

// mouthSpanLimit is MinMouthSpan fitted on the spans of everyone but
// person ("" for everyone): their mean less pursedZ standard deviations.
func mouthSpanLimit(spans []spanSample, person string) float64 {
	var v []float64
	for _, s := range spans {
		if s.person != person && !math.IsNaN(s.span) {
			v = append(v, s.span)
		}
	}
	n := float64(len(v))
	mean := 0.0
	for _, x := range v {
		mean += x / n
	}
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean - pursedZ*math.Sqrt(ss/(n-1))
}

// TestMouthSpanLimit fits MinMouthSpan, the width under which the
// expression check calls a mouth pursed or pouting, on the neutral studio
// faces of neutral/ and canada/, and scores it on faces it did not see:
// each person against the limit fitted on the other 41
// (leave-one-person-out), and lisa/ against the fit on all 42. No group
// of people.csv may have more of its neutral faces called pursed than the
// per-group aim allows (groupAllows), and the profile must hold the fit
// on everyone.
func TestMouthSpanLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("real photos: slow")
	}
	spans := loadSpanSamples(t, loadSmileSamples(t))
	all := mouthSpanLimit(spans, "")
	if got := defaultFeatureLimits.MinMouthSpan; math.Abs(got-all) > 0.005 {
		t.Errorf("MinMouthSpan is %.3f; the fit on neutral/ and canada/ gives %.3f", got, all)
	}
	type tally struct{ n, flagged int }
	groups := map[string]*tally{}
	var flagged []string
	judged := slices.Clone(spans)
	limits := map[string]float64{}
	for _, s := range spans {
		limits[s.name] = mouthSpanLimit(spans, s.person)
	}
	for _, x := range loadFiles(t, "lisa") {
		if x.m.features == nil {
			t.Errorf("%s: no face", x.name)
			continue
		}
		// lisa/ is one sitter people.csv does not list.
		judged = append(judged, spanSample{x.name, "lisa", "lisa", x.m.features.mouthSpan})
		limits[x.name] = all
	}
	for _, s := range judged {
		g := groups[s.group]
		if g == nil {
			g = &tally{}
			groups[s.group] = g
		}
		g.n++
		if s.span < limits[s.name] {
			g.flagged++
			flagged = append(flagged, fmt.Sprintf("%s (%s) %.3f < %.3f", s.name, s.group, s.span, limits[s.name]))
		}
	}
	slices.SortFunc(judged, func(a, b spanSample) int { return cmp.Compare(a.span, b.span) })
	var narrowest []string
	for _, s := range judged[:min(5, len(judged))] {
		narrowest = append(narrowest, fmt.Sprintf("%s %.3f", s.name, s.span))
	}
	t.Logf("MinMouthSpan fitted on neutral/ and canada/: %.3f; the narrowest neutral mouths: %s", all, strings.Join(narrowest, ", "))
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		g := groups[k]
		t.Logf("  %-11s %2d neutral faces, %d called pursed", k, g.n, g.flagged)
		if g.flagged > groupAllows(g.n) {
			t.Errorf("%s: %d of %d neutral faces called pursed, want at most %d", k, g.flagged, g.n, groupAllows(g.n))
		}
	}
	if len(flagged) > 0 {
		t.Logf("  called pursed: %s", strings.Join(flagged, "; "))
	}
}

// TestExpressionNamesWhy judges made-up measures: each way a face is not
// neutral fails the expression check with its own message and a value
// that is the measure of that reason, and the first reason found is the
// one named.
func TestExpressionNamesWhy(t *testing.T) {
	p := cie.Features
	for _, tc := range []struct {
		name   string
		change func(f *featureMeasures)
		msg    string
		value  float64
	}{
		{"neutral", func(f *featureMeasures) {}, "check.expression.neutral_expression", 0.1},
		{"smile", func(f *featureMeasures) { f.smile = 0.9 }, "check.expression.expression_not_neutral_smile", 0.9},
		{"teeth in an open mouth", func(f *featureMeasures) { f.smile, f.lipGap, f.teeth = 0.9, 0.3, 0.4 }, "check.expression.expression_not_neutral_teeth", 0.9},
		{"mouth open", func(f *featureMeasures) { f.lipGap = 0.3 }, "check.expression.expression_not_neutral_mouth", 0.3},
		{"pout", func(f *featureMeasures) { f.mouthSpan = 0.43 }, "check.expression.expression_not_neutral_pursed", 0.43},
		{"open pout: the open mouth is named", func(f *featureMeasures) { f.mouthSpan, f.lipGap = 0.43, 0.2 }, "check.expression.expression_not_neutral_mouth", 0.2},
		{"wink", func(f *featureMeasures) { f.eyeAspect[0] = 0.1 }, "check.expression.expression_not_neutral_eyes", 0.1},
		{"eyes squeezed over pursed lips", func(f *featureMeasures) { f.eyeAspect, f.mouthSpan = [2]float64{0.14, 0.15}, 0.44 }, "check.expression.expression_not_neutral_pursed", 0.44},
		{"at the limits", func(f *featureMeasures) {
			f.lipGap, f.mouthSpan, f.eyeAspect = p.MaxLipGap, p.MinMouthSpan, [2]float64{p.MinEyeAspect, p.MinEyeAspect}
		}, "check.expression.neutral_expression", 0.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := neutralMeasures()
			tc.change(f)
			c := (&judge{prof: &cie, lang: "en", now: testNow}).expression(f)
			if c.MessageText.ID != tc.msg {
				t.Errorf("message %s, want %s", c.MessageText.ID, tc.msg)
			}
			if want := tc.msg == "check.expression.neutral_expression"; (c.Status == Pass) != want {
				t.Errorf("status %s", c.Status)
			}
			if v, _ := c.Value.(float64); math.Abs(v-tc.value) > 1e-9 {
				t.Errorf("value %v, want %v", c.Value, tc.value)
			}
		})
	}
}
