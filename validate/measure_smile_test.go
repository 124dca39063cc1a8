package validate

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"go/format"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/testshare"
)

var updateSmile = flag.Bool("update-smile", false, "refit the expression model on ../shared/faces and rewrite measure_smile_model.go")

// smileLambda is the L2 penalty on the standardised weights of the smile
// model: with 64 photos and 5 cues it keeps the fit from chasing a single
// face (the leave-one-person-out figures moved by at most one photo
// between 0.3 and 3).
const smileLambda = 1.0

// fitSmileModel fits a logistic regression of smiling on the cues by
// Newton's method with an L2 penalty, on cues standardised to the sample.
func fitSmileModel(cues []smileCues, smiling []bool, lambda float64) smileModel {
	var m smileModel
	n := float64(len(cues))
	for _, c := range cues {
		for i, v := range c {
			m.Mean[i] += v / n
		}
	}
	for _, c := range cues {
		for i, v := range c {
			m.SD[i] += (v - m.Mean[i]) * (v - m.Mean[i]) / n
		}
	}
	for i := range m.SD {
		m.SD[i] = math.Sqrt(m.SD[i])
	}
	const p = numSmileCues + 1 // weights and the bias
	x := make([][p]float64, len(cues))
	for k, c := range cues {
		for i, v := range c {
			if m.SD[i] > 0 {
				x[k][i] = (v - m.Mean[i]) / m.SD[i]
			}
		}
		x[k][numSmileCues] = 1
	}
	var w [p]float64
	for range 50 {
		var g [p]float64
		var h [p][p + 1]float64
		for k := range x {
			z := 0.0
			for i := range p {
				z += w[i] * x[k][i]
			}
			pr := 1 / (1 + math.Exp(-z))
			y := 0.0
			if smiling[k] {
				y = 1
			}
			for i := range p {
				g[i] += (pr - y) * x[k][i]
				for j := range p {
					h[i][j] += pr * (1 - pr) * x[k][i] * x[k][j]
				}
			}
		}
		for i := range numSmileCues {
			g[i] += lambda * w[i]
			h[i][i] += lambda
		}
		for i := range p {
			h[i][p] = g[i]
		}
		step, ok := solveN(h)
		if !ok {
			break
		}
		done := true
		for i := range p {
			w[i] -= step[i]
			done = done && math.Abs(step[i]) < 1e-10
		}
		if done {
			break
		}
	}
	copy(m.Weight[:], w[:numSmileCues])
	m.Bias = w[numSmileCues]
	m.MaxTeeth = teethLimit(cues, smiling)
	return m
}

// teethLimit is the teeth share midway between the largest of the faces
// that do not smile and the smallest of the smiles that show more teeth
// than that: the limit that parts them with the widest margin and fails
// no face the fit saw without a smile. A broad smile may show no teeth
// (cheeks clearly raised over closed lips): the weights catch it, not
// this limit. With no smile above every neutral mouth, teeth decide
// nothing (1).
func teethLimit(cues []smileCues, smiling []bool) float64 {
	neutral := 0.0
	for k, c := range cues {
		if !smiling[k] {
			neutral = max(neutral, c[teethCue])
		}
	}
	smile := math.Inf(1)
	for k, c := range cues {
		if smiling[k] && c[teethCue] > neutral {
			smile = min(smile, c[teethCue])
		}
	}
	if math.IsInf(smile, 1) {
		return 1
	}
	return (neutral + smile) / 2
}

// solveN solves the augmented system a by Gauss-Jordan elimination with
// partial pivoting.
func solveN(a [numSmileCues + 1][numSmileCues + 2]float64) ([numSmileCues + 1]float64, bool) {
	const n = numSmileCues + 1
	var x [n]float64
	for c := range n {
		piv := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		if math.Abs(a[piv][c]) < 1e-12 {
			return x, false
		}
		a[c], a[piv] = a[piv], a[c]
		for r := range n {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k <= n; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	for i := range n {
		x[i] = a[i][n] / a[i][i]
	}
	return x, true
}

// TestSmileFitSeparates fits made-up cues where only the mouth width tells
// the classes apart: the fit must weigh it and classify both.
func TestSmileFitSeparates(t *testing.T) {
	var cues []smileCues
	var smiling []bool
	for i := range 40 {
		s := i%2 == 1
		c := smileCues{0.8, 0.33, 0, 0.1, 0.33}
		c[1] += 0.01 * float64(i%5) // noise on a cue that does not tell
		if s {
			c[0] = 1.0 + 0.01*float64(i%3)
		} else {
			c[0] = 0.8 - 0.01*float64(i%3)
		}
		cues, smiling = append(cues, c), append(smiling, s)
	}
	m := fitSmileModel(cues, smiling, smileLambda)
	if m.Weight[0] <= 0 || math.Abs(m.Weight[1]) > m.Weight[0]/4 {
		t.Errorf("weights %v: want the mouth width to carry the fit", m.Weight)
	}
	for k, c := range cues {
		if p := c.probability(m); (p > 0.5) != smiling[k] {
			t.Errorf("cues %v: probability %.2f, smiling %v", c, p, smiling[k])
		}
	}
}

// smileSample is one photo of neutral/ or smiling/ with its cues.
type smileSample struct {
	name, person, group string
	grade               string // faceset.Photo.Smile: broad, slight, none or "" (neutral/)
	// scored is false for a slight smile, the clerk's call: left out of
	// the fit and of the score. smiling is true for a broad smile.
	scored, smiling bool
	cues            smileCues
	teeth           float64 // featureMeasures.teeth
}

// loadSmileSamples measures the cues on every neutral/ and smiling/ photo.
func loadSmileSamples(t *testing.T) []smileSample {
	t.Helper()
	return smileSamplesOf(t, loadFiles(t, "neutral"), loadFiles(t, "smiling"))
}

// smileSamplesOf is the smile samples of photos measured by loadFiles from
// neutral/ and smiling/.
func smileSamplesOf(t *testing.T, folders ...[]measured) []smileSample {
	t.Helper()
	var out []smileSample
	for _, photos := range folders {
		for _, x := range photos {
			if x.m.features == nil {
				t.Errorf("%s: no face", x.name)
				continue
			}
			label, _, _ := strings.Cut(x.name, "/")
			want, scored := faceset.Photo{Label: label, Smile: x.smile}.Graded()
			out = append(out, smileSample{
				name: x.name, person: faceset.PersonID(filepath.Base(x.name)), group: x.group, grade: x.smile,
				scored: scored, smiling: want, cues: x.m.features.smileCues, teeth: x.m.features.teeth,
			})
		}
	}
	return out
}

// loadFiles measures every photo of a folder of ../shared/faces from its
// file as it is, the bytes tessera check reads: not decoded and encoded
// again (loadImages), which moves the landmarks by enough to move a face
// near the expression model's limit. The folder is measured once per test
// binary and shared (testshare.Get): the caller must not change what it gets.
func loadFiles(t *testing.T, label string) []measured {
	t.Helper()
	dir := faceset.Require(t)
	v := testValidator(t)
	out, err := testshare.Get("files/"+label, func() ([]measured, error) { return measureFiles(v, dir, label) })
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(out)
}

// measureFiles measures every photo of folder label of dir with v.
func measureFiles(v *Validator, dir, label string) ([]measured, error) {
	photos, err := faceset.Load(dir, label)
	if err != nil {
		return nil, err
	}
	var out []measured
	for _, p := range photos {
		data, err := os.ReadFile(p.Path)
		if err != nil {
			return nil, err
		}
		ph, err := v.read(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Path, err)
		}
		m, err := v.measure(context.Background(), ph)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Path, err)
		}
		out = append(out, measured{name: label + "/" + p.Name, ph: ph, m: m, group: p.Person.Group, smile: p.Smile})
	}
	return out, nil
}

// fitSmileOn fits the expression model on the scored samples (broad
// smiles against neutral faces and the smile graded none) of everyone
// but person ("" for everyone).
func fitSmileOn(samples []smileSample, person string) smileModel {
	var cues []smileCues
	var smiling []bool
	for _, s := range samples {
		if s.scored && s.person != person {
			cues, smiling = append(cues, s.cues), append(smiling, s.smiling)
		}
	}
	return fitSmileModel(cues, smiling, smileLambda)
}

// TestSmileModel scores the expression model leave-one-person-out on the
// 32 people of ../shared/faces, on the grades of smiling/strength.csv: for
// each person, the model is fitted on the other 31 and judges that
// person's photos. A broad smile must fail, a neutral face (and the smile
// graded none) pass; a slight smile is the clerk's call, logged and not
// scored. It asserts the aims (every broad smile caught, at most
// one of the 33 faces without a smile flagged: the 32 neutral ones and
// 115_08) and that measure_smile_model.go holds the fit on
// all of them (-update-smile rewrites it).
func TestSmileModel(t *testing.T) {
	if testing.Short() {
		t.Skip("real photos: slow")
	}
	t.Parallel() // real photos, slow: the face tests share the cores
	samples := loadSmileSamples(t)
	type score struct{ neutralOK, neutral, smileOK, smile int }
	scores := map[string]*score{"all": {}}
	var missed, slight []string
	people := map[string]bool{}
	for _, s := range samples {
		people[s.person] = true
	}
	fits := map[string]smileModel{}
	for person := range people {
		fits[person] = fitSmileOn(samples, person)
	}
	for _, s := range samples {
		p := s.cues.probability(fits[s.person])
		// The expression check: the model, or teeth showing.
		fails := p > defaultFeatureLimits.MaxSmile || s.teeth > fits[s.person].MaxTeeth
		if !s.scored {
			slight = append(slight, fmt.Sprintf("%s %.2f %s", s.name, p, map[bool]string{true: "fail", false: "pass"}[fails]))
			continue
		}
		for _, key := range []string{"all", s.group} {
			sc := scores[key]
			if sc == nil {
				sc = &score{}
				scores[key] = sc
			}
			if s.smiling {
				sc.smile++
				sc.smileOK += b2i(fails)
			} else {
				sc.neutral++
				sc.neutralOK += b2i(!fails)
			}
		}
		if fails != s.smiling {
			missed = append(missed, fmt.Sprintf("%s (%s, %s, %.2f, teeth %.2f)", s.name, s.group, cmp.Or(s.grade, "neutral"), p, s.teeth))
		}
	}
	sort.Strings(missed)
	keys := slices.Sorted(maps.Keys(scores))
	t.Logf("leave-one-person-out, %d people, the expression check (the model, or teeth showing), on the grades of strength.csv:", len(people))
	for _, k := range keys {
		sc := scores[k]
		t.Logf("  %-11s neutral pass %2d/%2d (%5.1f %%)  broad smiles fail %2d/%2d (%5.1f %%)", k,
			sc.neutralOK, sc.neutral, percentOf(sc.neutralOK, sc.neutral), sc.smileOK, sc.smile, percentOf(sc.smileOK, sc.smile))
	}
	t.Logf("  misjudged: %s", strings.Join(missed, ", "))
	t.Logf("  slight smiles, not scored: %s", strings.Join(slight, ", "))
	// The aims (26): every broad smile caught, at most one
	// neutral face of the 32 flagged.
	all := scores["all"]
	if all.smileOK < all.smile {
		t.Errorf("broad smiles caught %d of %d, want all", all.smileOK, all.smile)
	}
	if all.neutral-all.neutralOK > maxNeutralSmiling {
		t.Errorf("neutral faces flagged %d of %d, want at most %d", all.neutral-all.neutralOK, all.neutral, maxNeutralSmiling)
	}

	// The model in measure_smile_model.go is the fit on everyone.
	m := fitSmileOn(samples, "")
	if *updateSmile {
		writeSmileModel(t, m, len(people))
		return
	}
	if !sameModel(m, smileModelFit) {
		t.Errorf("measure_smile_model.go is not the fit on ../shared/faces: run go test ./validate -run TestSmileModel -update-smile\nfit:  %+v\nfile: %+v", m, smileModelFit)
	}
}

// maxNeutralSmiling is the most faces without a smile of ../shared/faces
// (neutral/ and the smile graded none) the expression check may call
// smiling, leave-one-person-out (issue 26: one of 32 neutral faces).
const maxNeutralSmiling = 1

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func percentOf(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func sameModel(a, b smileModel) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-3*max(1, math.Abs(y)) }
	for i := range numSmileCues {
		if !near(a.Mean[i], b.Mean[i]) || !near(a.SD[i], b.SD[i]) || !near(a.Weight[i], b.Weight[i]) {
			return false
		}
	}
	return near(a.Bias, b.Bias) && near(a.MaxTeeth, b.MaxTeeth)
}

func writeSmileModel(t *testing.T, m smileModel, people int) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by go test ./validate -run TestSmileModel -update-smile; DO NOT EDIT.\n\npackage validate\n\n")
	fmt.Fprintf(&b, "// smileModelFit is the expression model fitted on the neutral/ photos\n// and the broad smiles and the smile graded none of smiling/ (strength.csv)\n// of the %d people of ../shared/faces (lambda %g).\n", people, smileLambda)
	fmt.Fprintf(&b, "// Cues: %s.\n", strings.Join(smileCueNames[:], ", "))
	arr := func(v [numSmileCues]float64) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = fmt.Sprintf("%.6g", x)
		}
		return "{" + strings.Join(s, ", ") + "}"
	}
	fmt.Fprintf(&b, "var smileModelFit = smileModel{\n\tMean: [numSmileCues]float64%s,\n\tSD: [numSmileCues]float64%s,\n\tWeight: [numSmileCues]float64%s,\n\tBias: %.6g,\n\tMaxTeeth: %.6g,\n}\n",
		arr(m.Mean), arr(m.SD), arr(m.Weight), m.Bias, m.MaxTeeth)
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("measure_smile_model.go", src, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote measure_smile_model.go: %+v", m)
}
