package validate

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Range is a closed interval [Min, Max].
type Range struct{ Min, Max float64 }

// Contains reports whether v lies in r.
func (r Range) Contains(v float64) bool { return v >= r.Min && v <= r.Max }

// Profile is a set of rules: which checks run and their thresholds. Profiles
// are data; the checks read them and never ask a profile's name.
type Profile struct {
	Name string
	// Checks lists the checks that run, in report order. Checks not
	// listed are reported as skipped.
	Checks []CheckID

	// WidthMM and HeightMM are the printed photo's size (35x45 mm for
	// the CIE): the messages speak of it, and of distances on it, in mm.
	WidthMM, HeightMM float64

	MaxBytes    int           // file_size: largest file
	MinDPI      float64       // dpi: smallest declared resolution
	DefaultDPI  float64       // dpi assumed when the file declares none
	MinWidth    int           // resolution
	MinHeight   int           // resolution
	Aspect      float64       // aspect_ratio: width / height
	AspectTol   float64       // aspect_ratio: relative tolerance
	MaxAgeDays  int           // recency
	FutureDays  float64       // recency: a capture date this far ahead fails
	MinChroma   float64       // color: mean CIELAB chroma of the photo below this is monochrome
	FaceHeight  Range         // face_height: chin to crown, fraction of the photo height
	EyeHeight   Range         // eye_height: eye line above the bottom edge, fraction of the height
	Centering   Range         // centering: eye midpoint, fraction of the width
	MinInterEye float64       // inter_eye: pixels between the eye centres
	MaxRoll     float64       // roll: degrees
	Features    FeatureLimits // pose, eyes, mouth, expression (measure_features.go, judge_features.go)
	Capture     CaptureLimits // background, exposure, sharpness, lighting (judge_capture.go, judge_background.go)
}

// The CIE profile: the Ministry's rules for the Italian identity card.
var cie = Profile{
	Name:        "cie",
	Checks:      AllChecks(),
	WidthMM:     35, // the Ministry's 35x45 mm
	HeightMM:    45,
	MaxBytes:    500 * 1024, // "at most 500 KB", as file managers count a KB
	MinDPI:      400,        // the anagrafe's request: "almeno 400 DPI"
	DefaultDPI:  72,         // what most software assumes when a file declares nothing
	MinWidth:    551,        // 35 mm at 400 DPI
	MinHeight:   709,        // 45 mm at 400 DPI
	Aspect:      35.0 / 45.0,
	AspectTol:   0.02,                        // the spec's 2 %
	MaxAgeDays:  183,                         // "non più vecchia di 6 mesi"
	FutureDays:  1,                           // clocks and time zones: a day of slack
	MinChroma:   4,                           // CIELAB chroma under 4 is grey to the eye: measured in color_test.go
	FaceHeight:  Range{0.70, 0.80},           // ICAO 32-36 mm of 45 mm, as the spec states 70-80 %
	EyeHeight:   Range{23.0 / 45, 31.0 / 45}, // eye line 23-31 mm above the bottom edge
	Centering:   Range{0.45, 0.55},           // spec: eye midpoint at 45-55 % of the width
	MinInterEye: 90,                          // ICAO minimum eye distance in pixels
	MaxRoll:     8,                           // spec: eye line tilted at most 8 degrees
	Features:    defaultFeatureLimits,
	Capture:     cieCaptureLimits,
}

// The ICAO profile judges the face itself: geometry and capture, no file rules.
var icao = func() Profile {
	p := cie
	p.Name = "icao"
	p.Checks = checksWhere(func(c CheckInfo) bool { return !c.FileRule })
	p.Capture = icaoCaptureLimits
	return p
}()

var profiles = map[string]*Profile{"cie": &cie, "icao": &icao}

// DefaultProfile is the profile used when none is named.
const DefaultProfile = "cie"

// LookupProfile returns a copy of the named profile ("" is the default
// one): changing it changes the rules for no one else.
func LookupProfile(name string) (Profile, bool) {
	if name == "" {
		name = DefaultProfile
	}
	p, ok := profiles[name]
	if !ok {
		return Profile{}, false
	}
	c := *p
	c.Checks = slices.Clone(p.Checks)
	return c, true
}

// ProfileNames lists the profiles, sorted.
func ProfileNames() []string {
	var out []string
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Size is the printed photo's size in mm as messages write it, "35x45".
func (p *Profile) Size() string { return fmt.Sprintf("%.0fx%.0f", p.WidthMM, p.HeightMM) }

// maxAgeMonths is MaxAgeDays in months, as the messages say it (183 days
// are 6 months): an average month is 30.44 days.
func (p *Profile) maxAgeMonths() float64 { return math.Round(float64(p.MaxAgeDays) / 30.44) }

func (p *Profile) runs(id CheckID) bool { return slices.Contains(p.Checks, id) }
