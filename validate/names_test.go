package validate

import (
	"slices"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/catalog"

	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestCheckNames: every check has a name for people in every language,
// and the languages' names differ (but for a name like "DPI").
func TestCheckNames(t *testing.T) {
	for _, c := range Checks() {
		seen := map[string]string{}
		for _, lang := range catalog.Languages() {
			name := CheckName(c.ID, lang)
			if name == string(c.ID) || name == c.Name {
				t.Errorf("check %s has no name in %s", c.ID, lang)
			}
			if other, ok := seen[name]; ok && c.ID != DPI {
				t.Errorf("check %s: %s and %s both name it %q", c.ID, other, lang, name)
			}
			seen[name] = lang
		}
	}
	if got := CheckName("nope", "it"); got != "nope" {
		t.Errorf("unknown id named %q", got)
	}
}

// TestCheckTable: the table is one list in report order, the stages in
// the order the judge runs them, and what it says of each check holds
// together: a check that needs a face reads the decoded photo, only
// decoded checks are fixed or drawn, the measures are numbered 1, 2, ...
func TestCheckTable(t *testing.T) {
	seen := map[CheckID]bool{}
	var measures []int
	for i, c := range Checks() {
		if seen[c.ID] || c.ID == "" {
			t.Errorf("check %d: id %q twice or empty", i, c.ID)
		}
		seen[c.ID] = true
		if i > 0 && c.Stage < Checks()[i-1].Stage {
			t.Errorf("%s: stage %d after stage %d: the table is in report order", c.ID, c.Stage, Checks()[i-1].Stage)
		}
		if (c.Face || c.Measure > 0) && !c.Decoded {
			t.Errorf("%s needs a face or is drawn, but does not read the decoded photo", c.ID)
		}
		if got, ok := Info(c.ID); !ok || got != c {
			t.Errorf("Info(%s) = %+v, %v", c.ID, got, ok)
		}
		if c.Measure > 0 {
			measures = append(measures, c.Measure)
		}
	}
	slices.Sort(measures)
	for i, m := range measures {
		if m != i+1 {
			t.Errorf("measures numbered %v, want 1..%d", measures, len(measures))
			break
		}
	}
	if got, want := Measured(), []CheckID{EyeHeight, FaceHeight}; !slices.Equal(got, want) {
		t.Errorf("Measured() = %v, want %v (the CSV's columns, in their order)", got, want)
	}
	if _, ok := Info("nope"); ok {
		t.Error("Info knows an id that is no check")
	}
	// The profiles' lists come from the table: cie runs every check, icao
	// every check but the file rules, both in report order.
	cieRules, _ := LookupProfile("cie")
	icaoRules, _ := LookupProfile("icao")
	if !slices.Equal(cieRules.Checks, AllChecks()) {
		t.Errorf("cie runs %v", cieRules.Checks)
	}
	wantICAO := []CheckID{Color, FaceCount, FaceHeight, EyeHeight, Centering, InterEye, Roll, Yaw, Pitch,
		EyesOpen, MouthClosed, Expression, EyesVisible, BackgroundWhite, BackgroundUniform, Exposure, Sharpness, Lighting}
	if !slices.Equal(icaoRules.Checks, wantICAO) {
		t.Errorf("icao runs %v, want %v", icaoRules.Checks, wantICAO)
	}
}

// TestReportOrder: every report lists its checks in the table's order,
// skipped ones included: a photo with a face, one without, and files that
// cannot be decoded (which list the file and face checks).
func TestReportOrder(t *testing.T) {
	blank := fixture.JPEG(fixture.Gradient(600, 771), 90, nil, nil)
	for _, tc := range []struct {
		name string
		data []byte
		want []CheckID
	}{
		{"no face", blank, AllChecks()},
		{"truncated", blank[:200], checksWhere(func(c CheckInfo) bool { return c.Stage <= StageFace })},
		{"not an image", []byte("hello"), checksWhere(func(c CheckInfo) bool { return c.Stage <= StageFace })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := check(t, tc.data, Options{})
			var got []CheckID
			for _, c := range rep.Checks {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("checks %v, want %v", got, tc.want)
			}
		})
	}
}

// TestNoSharedRules: what LookupProfile and AllChecks return is
// the caller's own: changing it changes no one else's rules, nor the next
// check's.
func TestNoSharedRules(t *testing.T) {
	p, ok := LookupProfile("")
	if !ok {
		t.Fatal("no default profile")
	}
	want := p.MaxBytes
	p.MaxBytes, p.Checks[0], p.FaceHeight.Min = 1, "nothing", 0
	checks := AllChecks()
	checks[0] = "nothing"
	q, _ := LookupProfile("")
	if q.MaxBytes != want || q.Checks[0] != "format" || q.FaceHeight.Min == 0 {
		t.Errorf("the profile changed for the next caller: %+v", q)
	}
	if AllChecks()[0] != "format" {
		t.Errorf("AllChecks %v after a caller changed its copy", AllChecks())
	}
}

// TestMessagesFollowProfile judges the same photo under the CIE profile
// and under a copy with other limits: every number the messages give
// comes from the profile in force, so editing a limit cannot leave a
// message saying the old one.
func TestMessagesFollowProfile(t *testing.T) {
	cieRules, _ := LookupProfile("cie")
	other := cieRules
	other.MaxAgeDays = 365
	other.MinDPI, other.MinWidth, other.MinHeight = 300, 413, 531
	other.WidthMM, other.HeightMM = 40, 50
	other.EyeHeight = Range{0.4, 0.6}
	other.Aspect = 0.8
	old := testNow.AddDate(-2, 0, 0)
	ph := &photo{info: &ImageInfo{Width: 300, Height: 400, Taken: &old}}
	// The eyes low in a 400-pixel photo, the face small.
	g := &faceGeom{eyeMid: facedetect.Point{X: 150, Y: 350}, chin: facedetect.Point{X: 150, Y: 390}, crown: facedetect.Point{X: 150, Y: 300}, crownSeen: true}
	for _, tc := range []struct {
		prof *Profile
		want []string
	}{
		{&cieRules, []string{"più di 6 mesi fa", "35x45 mm a 400 DPI", "Proporzioni 0,750 invece di 35:45", "almeno 551x709 pixel", "formato 35x45", "tra 23 e 31 mm", "mm su 45"}},
		{&other, []string{"più di 12 mesi fa", "40x50 mm a 300 DPI", "invece di 40:50", "almeno 413x531 pixel", "formato 40x50", "tra 20 e 30 mm", "mm su 50"}},
	} {
		j := &judge{prof: tc.prof, lang: "it", now: testNow, maxPixels: DefaultMaxPixels}
		var all []string
		for _, c := range []Check{j.recency(ph), j.resolution(ph), j.aspect(ph), j.eyeHeight(g, 400), j.faceHeight(g, 400)} {
			c = said(c, "it")
			all = append(all, c.Message, c.Fix)
		}
		text := strings.Join(all, "\n")
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the messages do not say %q:\n%s", tc.prof.Name, w, text)
			}
		}
		if strings.Contains(text, "%!") {
			t.Errorf("%s: a message with arguments that do not match:\n%s", tc.prof.Name, text)
		}
	}
}
