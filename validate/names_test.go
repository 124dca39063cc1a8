package validate

import (
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/catalog"

	"github.com/tessera-cie/tessera/facedetect"
)

// TestCheckNames: every check has a name for people in every language,
// and the languages' names differ (but for a name like "DPI").
func TestCheckNames(t *testing.T) {
	for _, id := range AllChecks() {
		seen := map[string]string{}
		for _, lang := range catalog.Languages() {
			name := CheckName(id, lang)
			if name == id || name == "name."+id {
				t.Errorf("check %s has no name in %s", id, lang)
			}
			if other, ok := seen[name]; ok && id != "dpi" {
				t.Errorf("check %s: %s and %s both name it %q", id, other, lang, name)
			}
			seen[name] = lang
		}
	}
	if got := CheckName("nope", "it"); got != "nope" {
		t.Errorf("unknown id named %q", got)
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
