package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/catalog"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/internal/testshare"
)

// featureIDs are the checks of judge_features.go.
var featureIDs = []string{"yaw", "pitch", "eyes_open", "mouth_closed", "expression", "eyes_visible"}

// TestPoseSolverRecoversRotation turns the generic model by known angles,
// projects it, and checks that the solver reads the angles back; a roll of
// the projected points must not change them.
func TestPoseSolverRecoversRotation(t *testing.T) {
	for _, yaw := range []float64{-10, -5, 0, 5, 10} {
		for _, pitch := range []float64{-10, -5, 0, 5, 10} {
			for _, roll := range []float64{0, 12} {
				t.Run(fmt.Sprintf("yaw%+.0f_pitch%+.0f_roll%.0f", yaw, pitch, roll), func(t *testing.T) {
					q := rotateModel(faceModel[:], yaw, pitch)
					lm := make([]facedetect.Point, len(q))
					c, s := math.Cos(roll*math.Pi/180), math.Sin(roll*math.Pi/180)
					for i, p := range q {
						// Image pixels: scale 100, roll, offset.
						x, y := 100*p[0], 100*p[1]
						lm[i] = facedetect.Point{X: 500 + c*x - s*y, Y: 400 + s*x + c*y}
					}
					gy, gp, _, ok := headPose(lm)
					if !ok {
						t.Fatal("no pose")
					}
					if math.Abs(gy-yaw) > 0.5 || math.Abs(gp-pitch) > 0.5 {
						t.Errorf("got yaw %.2f pitch %.2f, want %.0f %.0f", gy, gp, yaw, pitch)
					}
				})
			}
		}
	}
}

// TestPoseSolverDegenerate: bad landmarks give no pose and no panic.
func TestPoseSolverDegenerate(t *testing.T) {
	tests := []struct {
		name string
		lm   []facedetect.Point
	}{
		{"none", nil},
		{"too few", make([]facedetect.Point, 10)},
		{"all at one point", make([]facedetect.Point, facedetect.NumLandmarks)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, ok := headPose(tc.lm); ok {
				t.Error("pose from degenerate landmarks")
			}
		})
	}
}

// facePhoto is a real photo, decoded, with its landmarks as the engine finds
// them.
type facePhoto struct {
	p   faceset.Photo
	img image.Image
	rep *Report
}

// loadFaces judges every photo of the labels (profile icao: the grey and
// coloured backdrops are not the point here). Each folder is judged once
// per test binary and shared (testshare.Get): the caller must not change the
// images or reports it gets.
func loadFaces(t *testing.T, labels ...string) []facePhoto {
	t.Helper()
	dir := faceset.Require(t)
	v := testValidator(t)
	var out []facePhoto
	for _, label := range labels {
		faces, err := testshare.Get("faces/"+label, func() ([]facePhoto, error) { return checkFaces(v, dir, label) })
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, faces...)
	}
	return out
}

// checkFaces decodes and checks (icao) every photo of folder label of dir.
func checkFaces(v *Validator, dir, label string) ([]facePhoto, error) {
	photos, err := faceset.Load(dir, label)
	if err != nil {
		return nil, err
	}
	var out []facePhoto
	for _, p := range photos {
		data, err := os.ReadFile(p.Path)
		if err != nil {
			return nil, err
		}
		img, err := imaging.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Path, err)
		}
		rep, err := v.Check(context.Background(), "test", data, Options{Profile: "icao", Now: testNow})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Path, err)
		}
		out = append(out, facePhoto{p: p, img: img, rep: rep})
	}
	return out, nil
}

// tally counts statuses of one check in one folder.
type tally map[Status]int

func (c tally) total() int { return c[Pass] + c[Fail] + c[Warn] + c[Skip] }

func (c tally) String() string {
	return fmt.Sprintf("pass %2d  warn %2d  fail %2d  skip %2d  of %2d", c[Pass], c[Warn], c[Fail], c[Skip], c.total())
}

// share is the fraction of the tally with status s.
func (c tally) share(s ...Status) float64 {
	n := 0
	for _, x := range s {
		n += c[x]
	}
	if c.total() == 0 {
		return 0
	}
	return float64(n) / float64(c.total())
}

// TestFeaturesOnFaces runs the feature checks on every real photo and logs
// the counts per folder and check; it asserts the calibration targets.
func TestFeaturesOnFaces(t *testing.T) {
	t.Parallel() // real photos, slow: the face tests share the cores
	faces := loadFaces(t, "neutral", "canada", "smiling", "lisa", "zoom")
	counts := map[string]map[string]tally{} // label -> id -> tally
	for _, f := range faces {
		if counts[f.p.Label] == nil {
			counts[f.p.Label] = map[string]tally{}
		}
		var line []string
		for _, id := range featureIDs {
			c := status(t, f.rep, id)
			if counts[f.p.Label][id] == nil {
				counts[f.p.Label][id] = tally{}
			}
			counts[f.p.Label][id][c.Status]++
			if c.Status == Fail || c.Status == Warn {
				line = append(line, fmt.Sprintf("%s %s (%v)", id, c.Status, c.Value))
				if c.Fix == "" {
					t.Errorf("%s/%s: %s %s without a fix", f.p.Label, f.p.Name, id, c.Status)
				}
			}
		}
		if len(line) > 0 {
			t.Logf("%s/%s: %s", f.p.Label, f.p.Name, strings.Join(line, ", "))
		}
	}
	labels := make([]string, 0, len(counts))
	for l := range counts {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		for _, id := range featureIDs {
			t.Logf("%-8s %-13s %v", l, id, counts[l][id])
		}
	}
	tests := []struct {
		label, id string
		status    []Status
		min       float64
	}{
		// expression on neutral/ and smiling/ is scored where the model was
		// not fitted, leave-one-person-out, by TestSmileModel; canada/ is
		// not in the fit.
		{"canada", "expression", []Status{Pass}, 0.95},
		{"neutral", "eyes_open", []Status{Pass}, 0.97},
		{"canada", "eyes_open", []Status{Pass}, 0.97},
		{"smiling", "eyes_open", []Status{Pass}, 0.90},
		{"neutral", "mouth_closed", []Status{Pass}, 0.97},
		{"canada", "mouth_closed", []Status{Pass}, 0.97},
		{"smiling", "mouth_closed", []Status{Fail}, 0.40}, // open-lip smiles only: 13 of 24 show teeth
		{"neutral", "eyes_visible", []Status{Pass}, 1},
		{"canada", "eyes_visible", []Status{Pass}, 1},
		{"smiling", "eyes_visible", []Status{Pass}, 1},
		// Pose on canada/, whose people the pose zero was not fitted on
		// (neutral/ was: its held-out figures are asserted by
		// TestPoseCalibration): frontal faces, warned on at most one in
		// twenty (issue 12), never failed.
		{"canada", "yaw", []Status{Pass}, 1 - maxGoodWarn},
		{"canada", "pitch", []Status{Pass}, 1 - maxGoodWarn},
		{"canada", "yaw", []Status{Pass, Warn}, 1},
		{"canada", "pitch", []Status{Pass, Warn}, 1},
	}
	for _, tc := range tests {
		got := counts[tc.label][tc.id].share(tc.status...)
		if got < tc.min {
			t.Errorf("%s %s: %v on %.1f %%, want >= %.0f %%", tc.label, tc.id, tc.status, 100*got, 100*tc.min)
		}
	}
	// Each check fails on the real photos that show the defect: the one
	// turned head (smiling/001_08, asserted by TestPoseCalibration) and the
	// smiles. No photo of the set shows a raised or bowed head, closed eyes
	// or glasses: see TestPoseTurnedHeads and TestEyeDefects.
	for _, id := range []string{"yaw", "mouth_closed", "expression"} {
		if counts["smiling"][id][Fail] == 0 {
			t.Errorf("%s fails on no smiling/ photo", id)
		}
	}
}

// rotated returns img turned by deg degrees anticlockwise around its centre,
// the corners filled with the edge colour of the backdrop (top-left pixel).
func rotated(img image.Image, deg float64) image.Image {
	return imaging.Rotate(img, deg, img.At(img.Bounds().Min.X, img.Bounds().Min.Y))
}

// TestRotatedFaces turns the neutral/ photos in the image plane by ±3° and
// ±12°. Roll is judged against each photo's true tilt: its own tilt, from
// the hand-placed pupils of its template (ground truth, not the validator's
// reading), plus the rotation. Where that sum exceeds the roll limit by more
// than 1° roll must fail; where it is under the limit by more than 1° roll
// must pass. Yaw and pitch must not see an in-plane rotation: they may move
// by at most 2°, and at ±3° they still do not fail. Pitch moves more on a
// few photos because the landmark detector places the nose and chin a
// little differently on a tilted face (the solver before issue 12 moved it
// by up to 3.0° too, on 5 of the 128 turned photos): pitch must stay within
// 2° on at least 95 % of them.
func TestRotatedFaces(t *testing.T) {
	t.Parallel() // real photos, slow: the face tests share the cores
	faces := loadFaces(t, "neutral")
	degs := []float64{-12, -3, 3, 12}
	type result struct{ roll, yaw, pitch tally }
	res := map[float64]*result{}
	for _, deg := range degs {
		res[deg] = &result{roll: tally{}, yaw: tally{}, pitch: tally{}}
	}
	maxRoll := cie.MaxRoll
	const margin = 1       // degrees either side of the limit where a reading may go either way
	const maxShift = 2     // degrees yaw or pitch may move under an in-plane rotation
	const minSteady = 0.95 // share of rotated photos whose pitch moves at most maxShift
	var shift [2]float64   // largest change of yaw, pitch
	var moved, turned int  // rotated photos whose pitch moved more than maxShift, all rotated photos
	for _, f := range faces {
		if !f.p.HasPupils() {
			t.Fatalf("%s: no pupils in the template", f.p.Name)
		}
		l, r := f.p.Points[0], f.p.Points[1]
		own := math.Atan2(r[1]-l[1], r[0]-l[0]) * 180 / math.Pi // as the roll check measures it
		base := [2]Check{status(t, f.rep, "yaw"), status(t, f.rep, "pitch")}
		for _, deg := range degs {
			rep := check(t, fixture.JPEG(rotated(f.img, deg), 92, nil, nil), Options{Profile: "icao"})
			rs := res[deg]
			turned++
			rc := status(t, rep, "roll")
			rs.roll[rc.Status]++
			// The image turns anticlockwise, the eye line's angle by -deg.
			tilt := math.Abs(own - deg)
			switch {
			case tilt > maxRoll+margin && rc.Status != Fail:
				t.Errorf("%s rotated %+.0f° (true tilt %.1f°): roll %s (%v)", f.p.Name, deg, tilt, rc.Status, rc.Value)
			case tilt < maxRoll-margin && rc.Status != Pass:
				t.Errorf("%s rotated %+.0f° (true tilt %.1f°): roll %s (%v)", f.p.Name, deg, tilt, rc.Status, rc.Value)
			case math.Abs(tilt-maxRoll) <= margin:
				t.Logf("%s rotated %+.0f°: true tilt %.1f°, at the limit: roll %s (%v)", f.p.Name, deg, tilt, rc.Status, rc.Value)
			}
			for k, id := range []string{"yaw", "pitch"} {
				c := status(t, rep, id)
				if k == 0 {
					rs.yaw[c.Status]++
				} else {
					rs.pitch[c.Status]++
				}
				v, ok1 := c.Value.(float64)
				b, ok2 := base[k].Value.(float64)
				if !ok1 || !ok2 {
					t.Errorf("%s rotated %+.0f°: %s has no value", f.p.Name, deg, id)
					continue
				}
				shift[k] = math.Max(shift[k], math.Abs(v-b))
				switch {
				case math.Abs(v-b) <= maxShift:
				case id == "yaw":
					t.Errorf("%s rotated %+.0f°: %s moved from %+.1f to %+.1f", f.p.Name, deg, id, b, v)
				default:
					t.Logf("%s rotated %+.0f°: %s moved from %+.1f to %+.1f", f.p.Name, deg, id, b, v)
					moved++
				}
			}
		}
	}
	for _, deg := range degs {
		rs := res[deg]
		t.Logf("rotated %+3.0f°: roll %v | yaw %v | pitch %v", deg, rs.roll, rs.yaw, rs.pitch)
		if math.Abs(deg) < maxRoll {
			for _, a := range []struct {
				id string
				tl tally
			}{{"yaw", rs.yaw}, {"pitch", rs.pitch}} {
				if a.tl[Fail] > 0 {
					t.Errorf("%+.0f°: %s %v, want no fail", deg, a.id, a.tl)
				}
			}
		}
	}
	t.Logf("largest change by an in-plane rotation: yaw %.1f°, pitch %.1f° (pitch beyond %.0f° on %d of %d)", shift[0], shift[1], float64(maxShift), moved, turned)
	if got := 1 - float64(moved)/float64(turned); got < minSteady {
		t.Errorf("pitch stays within %.0f° on %.1f %% of rotated photos, want >= %.0f %%", float64(maxShift), 100*got, 100*minSteady)
	}
}

// anthroDepth is a depth profile independent of the pose model's
// (faceDepth): each landmark's depth behind the nose tip, in eye distances,
// hand-set from common anthropometric proportions (the nose tip about half
// an eye distance in front of the inner eye corners, the jaw outline at the
// ears about 1.45 behind the tip). It was the model's own depth before
// faceDepth; here it is the truth that real landmarks are turned with.
var anthroDepth = [facedetect.NumLandmarks]float64{
	1.45, 1.40, 1.30, 1.15, 0.95, 0.75, 0.55, 0.42, 0.38, 0.42, 0.55, 0.75, 0.95, 1.15, 1.30, 1.40, 1.45, // jaw
	0.70, 0.52, 0.40, 0.34, 0.32, 0.32, 0.34, 0.40, 0.52, 0.70, // brows
	0.40, 0.28, 0.14, 0.00, // nose bridge to tip
	0.32, 0.24, 0.20, 0.24, 0.32, // nostrils
	0.66, 0.50, 0.48, 0.46, 0.50, 0.54, // eye on the left
	0.46, 0.48, 0.50, 0.66, 0.54, 0.50, // eye on the right
	0.58, 0.42, 0.32, 0.30, 0.32, 0.42, 0.58, 0.44, 0.36, 0.34, 0.36, 0.44, // outer lips
	0.54, 0.38, 0.34, 0.38, 0.54, 0.40, 0.37, 0.40, // inner lips
}

// withDepth returns the levelled landmarks of the photo's face and the same
// points in 3D with anthroDepth.
func withDepth(t *testing.T, f facePhoto) (q [][2]float64, real [][3]float64) {
	t.Helper()
	if f.rep.Face == nil || len(f.rep.Face.Landmarks) != facedetect.NumLandmarks {
		t.Fatalf("%s: no face", f.p.Name)
	}
	lm := make([]facedetect.Point, facedetect.NumLandmarks)
	for i, p := range f.rep.Face.Landmarks {
		lm[i] = facedetect.Point{X: p[0], Y: p[1]}
	}
	q, ok := levelled(lm)
	if !ok {
		t.Fatalf("%s: no frame", f.p.Name)
	}
	real = make([][3]float64, len(q))
	for i := range q {
		real[i] = [3]float64{q[i][0], q[i][1], anthroDepth[i]}
	}
	return q, real
}

// TestPoseOnRealLandmarks turns the levelled landmarks of each neutral/
// photo in 3D and checks that the pose reading follows the added turn.
// Real faces have no measured depth, so the landmarks are given
// anthroDepth, a profile the solver does not use (its model has
// faceDepth): the two differ about as much as faces do, so the error here
// is that of a real face whose depth the model does not know. Turning with
// the model's own depth would only check the solver against itself.
func TestPoseOnRealLandmarks(t *testing.T) {
	t.Parallel() // real photos, slow: the face tests share the cores
	faces := loadFaces(t, "neutral")
	// anthroDepth puts the inner eye corners 0.46-0.48 eye distances behind
	// the nose tip, faceDepth 0.55-0.57: about 15 % deeper, so a turn reads
	// some 10-15 % short. A photo may miss its turn by 30 % (3° on 10°:
	// that difference twice over); the mean gain over the photos must lie
	// within 0.8-1.2.
	const tol = 0.3
	const minGain, maxGain = 0.8, 1.2
	worst := 0.0
	var gain [2]float64 // sum of read / added turn, yaw and pitch
	var turns [2]int
	for _, f := range faces {
		q, real := withDepth(t, f)
		y0, p0, _, _ := fitPose(q, faceModel[:])
		for _, turn := range [][2]float64{{10, 0}, {-10, 0}, {0, 10}, {0, -10}, {7, 7}} {
			y, p, _, ok := fitPose(rotateModel(real, turn[0], turn[1]), faceModel[:])
			if !ok {
				t.Fatalf("%s: no pose", f.p.Name)
			}
			read := [2]float64{y - y0, p - p0}
			for k := range read {
				if turn[k] == 0 {
					continue
				}
				gain[k] += read[k] / turn[k]
				turns[k]++
			}
			e := math.Hypot(read[0]-turn[0], read[1]-turn[1]) / math.Hypot(turn[0], turn[1])
			worst = math.Max(worst, e)
			if e > tol {
				t.Errorf("%s turned by %v: read %+.1f %+.1f from %+.1f %+.1f", f.p.Name, turn, y, p, y0, p0)
			}
		}
	}
	t.Logf("largest error over %d photos x 5 turns: %.0f %% of the turn", len(faces), 100*worst)
	for k, id := range []string{"yaw", "pitch"} {
		g := gain[k] / float64(turns[k])
		t.Logf("%s: mean gain %.2f", id, g)
		if g < minGain || g > maxGain {
			t.Errorf("%s: a turn reads at %.2f of its size, want %.1f-%.1f", id, g, minGain, maxGain)
		}
	}
}

// eyeGeom gives the centre and the corner-to-corner width of each eye from
// the report's landmarks, and the eye distance.
func eyeGeom(fi *FaceInfo) (centres [2][2]float64, d float64) {
	for e, first := range []int{36, 42} {
		for k := 0; k < 6; k++ {
			centres[e][0] += fi.Landmarks[first+k][0] / 6
			centres[e][1] += fi.Landmarks[first+k][1] / 6
		}
	}
	d = math.Hypot(centres[1][0]-centres[0][0], centres[1][1]-centres[0][1])
	return centres, d
}

// paint returns a copy of img with fn applied to every pixel within the
// ellipse of semi-axes a, b around each eye centre (and its offset dy).
func paint(img image.Image, fi *FaceInfo, a, b, dy float64, fn func(x, y int, c color.NRGBA) color.NRGBA) *image.NRGBA {
	out := imaging.Clone(img)
	centres, d := eyeGeom(fi)
	for _, c := range centres {
		cx, cy := c[0], c[1]+dy*d
		for y := int(cy - b*d - 1); y <= int(cy+b*d+1); y++ {
			for x := int(cx - a*d - 1); x <= int(cx+a*d+1); x++ {
				ux, uy := (float64(x)-cx)/(a*d), (float64(y)-cy)/(b*d)
				if ux*ux+uy*uy > 1 || !(image.Point{x, y}.In(out.Rect)) {
					continue
				}
				i := out.PixOffset(x, y)
				p := color.NRGBA{out.Pix[i], out.Pix[i+1], out.Pix[i+2], 255}
				q := fn(x, y, p)
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = q.R, q.G, q.B
			}
		}
	}
	return out
}

func blend(c color.NRGBA, r, g, b uint8, alpha float64) color.NRGBA {
	mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a)*(1-alpha) + float64(b)*alpha)) }
	return color.NRGBA{mix(c.R, r), mix(c.G, g), mix(c.B, b), 255}
}

// eyeDefects are painted on real photos where the landmarks say the eyes are.
var eyeDefects = []struct {
	name, id string
	says     string // in the English message
	apply    func(img image.Image, fi *FaceInfo) image.Image
}{
	{"eyes painted shut", "eyes_open", "", func(img image.Image, fi *FaceInfo) image.Image {
		centres, d := eyeGeom(fi)
		var skins [2]color.NRGBA
		for e, c := range centres {
			// The mean colour of the cheek under each eye.
			var r, g, b, n float64
			for y := int(c[1] + 0.5*d); y < int(c[1]+0.6*d); y++ {
				for x := int(c[0] - 0.05*d); x < int(c[0]+0.05*d); x++ {
					p := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
					r, g, b, n = r+float64(p.R), g+float64(p.G), b+float64(p.B), n+1
				}
			}
			skins[e] = color.NRGBA{uint8(r / n), uint8(g / n), uint8(b / n), 255}
		}
		return paint(img, fi, 0.36, 0.2, 0, func(x, y int, c color.NRGBA) color.NRGBA {
			s := skins[0]
			if float64(x) > (centres[0][0]+centres[1][0])/2 {
				s = skins[1]
			}
			return s
		})
	}},
	{"tinted lenses", "eyes_visible", "tinted", func(img image.Image, fi *FaceInfo) image.Image {
		return paint(img, fi, 0.45, 0.32, 0.02, func(x, y int, c color.NRGBA) color.NRGBA { return blend(c, 25, 30, 40, 0.7) })
	}},
	{"reflection on the eyes", "eyes_visible", "reflection", func(img image.Image, fi *FaceInfo) image.Image {
		return paint(img, fi, 0.16, 0.09, 0, func(x, y int, c color.NRGBA) color.NRGBA { return color.NRGBA{255, 255, 255, 255} })
	}},
}

// TestEyeDefects: no photo of ../shared/faces shows closed eyes or glasses,
// so the defects are painted on the neutral/ photos, where the landmarks say
// the eyes are: skin over both eyes (a shut lid without its lash line),
// tinted lenses and a bright reflection. Each must fail its check on >= 90 % of
// the photos (a painted defect is not a real one: these are the best
// evidence available, not proof on real glasses).
func TestEyeDefects(t *testing.T) {
	t.Parallel() // real photos, slow: the face tests share the cores
	faces := loadFaces(t, "neutral")
	for _, df := range eyeDefects {
		tl := tally{}
		for _, f := range faces {
			if f.rep.Face == nil || len(f.rep.Face.Landmarks) != facedetect.NumLandmarks {
				t.Fatalf("%s: no face in the original", f.p.Name)
			}
			if got := status(t, f.rep, df.id); got.Status != Pass {
				t.Errorf("%s: original %s %s (%v)", f.p.Name, df.id, got.Status, got.Value)
			}
			r := check(t, fixture.JPEG(df.apply(f.img, f.rep.Face), 92, nil, nil), Options{Profile: "icao", Lang: "en"})
			c := status(t, r, df.id)
			if c.Status == Fail && !strings.Contains(c.Message, df.says) {
				c.Status = Warn // failed, but not for this defect: not counted
			}
			tl[c.Status]++
			if c.Status != Fail {
				t.Logf("%s: %s: %s %s (%v)", df.name, f.p.Name, df.id, c.Status, c.Value)
			} else if c.Fix == "" {
				t.Errorf("%s: %s fails without a fix", df.name, df.id)
			}
		}
		t.Logf("%-24s %-12s %v", df.name, df.id, tl)
		if got := tl.share(Fail); got < 0.9 {
			t.Errorf("%s: %s fails on %.1f %%, want >= 90 %%", df.name, df.id, 100*got)
		}
	}
}

// TestGlareOnBurntFace: glare over the eyes is judged against the cheeks'
// own only on a face exposure fails as burnt out; on one it passes, the
// cheeks clipping change nothing.
func TestGlareOnBurntFace(t *testing.T) {
	tests := []struct {
		name          string
		glare, cheeks float64
		burnt         bool
		want          Status
	}{
		{"reflection, cheeks bare", 0.2, 0, false, Fail},
		// A face whose cheeks clip a little, exposure passing: as strict.
		{"reflection, cheeks clipping a little", 0.14, 0.09, false, Fail},
		// wild/gfpgan/Julia_Roberts_crop: the eyes burnt no more than the cheeks.
		{"burnt face", 0.058, 0.158, true, Pass},
		{"reflection on a burnt face", 0.4, 0.25, true, Fail},
		{"catchlight", 0.012, 0, false, Pass},
	}
	for _, tc := range tests {
		f := neutralMeasures()
		f.eyeGlare[1], f.skinClipped = tc.glare, tc.cheeks
		j := &judge{prof: &cie, lang: "en", now: testNow}
		if c := j.eyesVisible(f, tc.burnt); c.Status != tc.want {
			t.Errorf("%s: eyes_visible %s (%v), want %s", tc.name, c.Status, c.Value, tc.want)
		}
	}
}

// TestThickFrames paints a heavy dark frame round the eyes of each
// neutral/ photo, rims 0.05 eye distances thick passing above and below
// the eyes, as clear glasses with a thick frame: the clerk passes those
// (../shared/faces/wild: openface/clapton-2, compreface/FACE_2), so
// eyes_visible, eyes_open and expression must pass on >= 90 % of the
// photos. Until the frame stopped being judged by a band under the lower
// lid, eyes_visible failed every one of them.
func TestThickFrames(t *testing.T) {
	t.Parallel() // real photos, slow: the face tests share the cores
	faces := loadFaces(t, "neutral")
	ids := []string{"eyes_visible", "eyes_open", "expression"}
	tl := map[string]tally{}
	for _, id := range ids {
		tl[id] = tally{}
	}
	for _, f := range faces {
		if f.rep.Face == nil || len(f.rep.Face.Landmarks) != facedetect.NumLandmarks {
			t.Fatalf("%s: no face in the original", f.p.Name)
		}
		outer := paint(f.img, f.rep.Face, 0.48, 0.34, 0.02, func(x, y int, c color.NRGBA) color.NRGBA { return color.NRGBA{20, 20, 20, 255} })
		img := paint(outer, f.rep.Face, 0.43, 0.29, 0.02, func(x, y int, c color.NRGBA) color.NRGBA {
			return color.NRGBAModel.Convert(f.img.At(x, y)).(color.NRGBA)
		})
		r := check(t, fixture.JPEG(img, 92, nil, nil), Options{Profile: "icao", Lang: "en"})
		for _, id := range ids {
			c := status(t, r, id)
			tl[id][c.Status]++
			if c.Status != Pass && status(t, f.rep, id).Status == Pass {
				t.Logf("%s: thick frames: %s %s (%v): %s", f.p.Name, id, c.Status, c.Value, c.Message)
			}
		}
	}
	for _, id := range ids {
		t.Logf("thick frames: %-12s %v", id, tl[id])
		if got := tl[id].share(Pass); got < 0.9 {
			t.Errorf("thick frames: %s passes %.1f %%, want >= 90 %%", id, 100*got)
		}
	}
}

// TestOneEyeCovered paints a dark lens over one eye of each neutral/
// photo, as an eye patch or one tinted lens: eyes_visible must not pass it
// (a pair of tinted lenses fails; one dark eye, which a shadow also
// makes, warns) on >= 90 % of the photos.
func TestOneEyeCovered(t *testing.T) {
	t.Parallel() // real photos, slow: the face tests share the cores
	faces := loadFaces(t, "neutral")
	tl := tally{}
	for _, f := range faces {
		if f.rep.Face == nil || len(f.rep.Face.Landmarks) != facedetect.NumLandmarks {
			t.Fatalf("%s: no face in the original", f.p.Name)
		}
		centres, _ := eyeGeom(f.rep.Face)
		mid := (centres[0][0] + centres[1][0]) / 2
		img := paint(f.img, f.rep.Face, 0.45, 0.32, 0.02, func(x, y int, c color.NRGBA) color.NRGBA {
			if float64(x) > mid {
				return c // the other eye stays bare
			}
			return blend(c, 25, 30, 40, 0.7)
		})
		c := status(t, check(t, fixture.JPEG(img, 92, nil, nil), Options{Profile: "icao", Lang: "en"}), "eyes_visible")
		tl[c.Status]++
		if c.Status == Pass {
			t.Logf("%s: eyes_visible passes (%v)", f.p.Name, c.Value)
		}
	}
	t.Logf("one eye covered: eyes_visible %v", tl)
	if got := tl.share(Warn, Fail); got < 0.9 {
		t.Errorf("one eye covered: eyes_visible passes on %.1f %%, want <= 10 %%", 100*(1-got))
	}
}

// TestFeatureChecksWithoutFace: no face, every feature check is skipped.
func TestFeatureChecksWithoutFace(t *testing.T) {
	r := check(t, fixture.JPEG(fixture.Gradient(600, 780), 90, nil, nil), Options{Lang: "en"})
	for _, id := range featureIDs {
		if c := status(t, r, id); c.Status != Skip {
			t.Errorf("%s: %s, want skip", id, c.Status)
		}
	}
}

// neutralMeasures are the measures of a frontal, neutral face.
func neutralMeasures() *featureMeasures {
	return &featureMeasures{
		poseOK: true, yaw: 1, pitch: -2,
		eyeAspect: [2]float64{0.33, 0.34}, irisLuma: [2]float64{0.25, 0.27}, browGap: [2]float64{0.25, 0.25},
		irisHeight: [2]float64{0.19, 0.21},
		lipGap:     0.01, mouthWidth: 0.8, mouthSpan: 0.57, cornerDepth: 0.33, smile: 0.1,
		eyeRing: [2]float64{0.8, 0.8}, underEye: [2]float64{0.9, 0.9},
	}
}

// TestFeatureJudge judges made-up measures: each defect fails (or warns)
// its own check, with a message and a fix in both languages.
func TestFeatureJudge(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		change func(f *featureMeasures)
		id     string
		want   Status
	}{
		{"frontal", func(f *featureMeasures) {}, "yaw", Pass},
		{"read 7° right, within the reading's error", func(f *featureMeasures) { f.yaw = 7 }, "yaw", Pass},
		{"turned right, past the limit at 95 %", func(f *featureMeasures) { f.yaw = poseBetween(cie.Features.MaxYaw, cie.Features.PoseErrYaw) }, "yaw", Warn},
		{"turned 12° left", func(f *featureMeasures) { f.yaw = -12 }, "yaw", Fail},
		{"no pose", func(f *featureMeasures) { f.poseOK = false }, "yaw", Warn},
		{"landmarks fit no face", func(f *featureMeasures) { f.poseResid = 0.3 }, "pitch", Warn},
		{"level", func(f *featureMeasures) {}, "pitch", Pass},
		{"chin up 16°", func(f *featureMeasures) { f.pitch = 16 }, "pitch", Fail},
		{"read bowed 8°, within the reading's error", func(f *featureMeasures) { f.pitch = -8 }, "pitch", Pass},
		{"head bowed, past the limit at 95 %", func(f *featureMeasures) { f.pitch = -poseBetween(cie.Features.MaxPitch, cie.Features.PoseErrPitch) }, "pitch", Warn},
		{"eyes open", func(f *featureMeasures) {}, "eyes_open", Pass},
		{"one eye shut", func(f *featureMeasures) { f.eyeAspect[1] = 0.08 }, "eyes_open", Fail},
		{"no iris", func(f *featureMeasures) { f.irisLuma[0] = 0.9 }, "eyes_open", Fail},
		{"eye out of the photo", func(f *featureMeasures) { f.irisLuma[0] = nan }, "eyes_open", Warn},
		// wild/'s wink: the landmarks lay the shut eye out open; its lash
		// line stands under half as tall as the other eye's iris.
		{"a wink the landmarks miss", func(f *featureMeasures) { f.irisHeight = [2]float64{0.09, 0.21} }, "eyes_open", Fail},
		{"one iris a little shorter", func(f *featureMeasures) { f.irisHeight = [2]float64{0.15, 0.21} }, "eyes_open", Pass},
		{"no dark read in either eye", func(f *featureMeasures) { f.irisHeight = [2]float64{0, 0} }, "eyes_open", Pass},
		{"lips closed", func(f *featureMeasures) {}, "mouth_closed", Pass},
		{"lips apart", func(f *featureMeasures) { f.lipGap = 0.15 }, "mouth_closed", Fail},
		{"full lips: landmarks spread over them, a thin line between", func(f *featureMeasures) {
			f.lipGap, f.lipSeam, f.lipSeamOK, f.openingShade = 0.13, 0.04, true, 0.95
		}, "mouth_closed", Pass},
		{"lips apart on the dark inside of the mouth", func(f *featureMeasures) {
			f.lipGap, f.lipSeam, f.lipSeamOK, f.openingShade = 0.13, 0.04, true, 0.5
		}, "mouth_closed", Fail},
		{"teeth between spread landmarks", func(f *featureMeasures) {
			f.lipGap, f.lipSeam, f.lipSeamOK, f.openingShade, f.teeth = 0.13, 0.04, true, 1.2, 0.3
		}, "mouth_closed", Fail},
		{"wide open on a lip-coloured inside", func(f *featureMeasures) {
			f.lipGap, f.lipSeam, f.lipSeamOK, f.openingShade = 0.3, 0.06, true, 0.95
		}, "mouth_closed", Fail},
		// What mouthGap admits it lets through: a spread just under twice
		// the limit on a lip-light inside with a thin line.
		{"open on a lip-coloured inside, under the spread", func(f *featureMeasures) {
			f.lipGap, f.lipSeam, f.lipSeamOK, f.openingShade = 0.17, 0.04, true, 0.95
		}, "mouth_closed", Pass},
		{"the line between the lips past the limit", func(f *featureMeasures) {
			f.lipGap, f.lipSeam, f.lipSeamOK, f.openingShade = 0.13, 0.10, true, 0.95
		}, "mouth_closed", Fail},
		{"no line between the lips read", func(f *featureMeasures) {
			f.lipGap, f.lipSeam, f.lipSeamOK, f.openingShade = 0.13, 0, false, 0.95
		}, "mouth_closed", Fail},
		{"neutral", func(f *featureMeasures) {}, "expression", Pass},
		{"closed-lip smile", func(f *featureMeasures) { f.smile = 0.9 }, "expression", Fail},
		{"teeth", func(f *featureMeasures) { f.lipGap, f.teeth = 0.15, 0.5 }, "expression", Fail},
		{"teeth, lips barely parted", func(f *featureMeasures) { f.lipGap, f.teeth = 0.04, 0.45 }, "expression", Fail},
		// 006_03's lip gloss, the most any neutral/ mouth reads as teeth,
		// between lips parted within mouth_closed's limit.
		{"lip gloss between parted lips", func(f *featureMeasures) { f.lipGap, f.teeth = 0.08, 0.005 }, "expression", Pass},
		{"mouth open", func(f *featureMeasures) { f.lipGap = 0.3 }, "expression", Fail},
		{"pursed lips", func(f *featureMeasures) { f.mouthSpan = 0.43 }, "expression", Fail},
		{"eyes squeezed", func(f *featureMeasures) { f.eyeAspect = [2]float64{0.14, 0.15} }, "expression", Fail},
		{"a wink", func(f *featureMeasures) { f.irisHeight = [2]float64{0.21, 0.07} }, "expression", Fail},
		{"mouth's width unknown", func(f *featureMeasures) { f.mouthSpan = nan }, "expression", Pass},
		// 021_08's broad smile, the least teeth any smiling/ one shows.
		{"teeth between lips the landmarks close", func(f *featureMeasures) { f.lipGap, f.teeth = 0.013, 0.11 }, "expression", Fail},
		{"eyes clear", func(f *featureMeasures) {}, "eyes_visible", Pass},
		{"tinted", func(f *featureMeasures) { f.eyeRing, f.underEye = [2]float64{0.3, 0.5}, [2]float64{0.35, 0.5} }, "eyes_visible", Fail},
		// old_photos/a of wild/: clear glasses under a fringe's shadow,
		// the skin under the eyes lit.
		{"shadow from above", func(f *featureMeasures) { f.eyeRing, f.underEye = [2]float64{0.36, 0.42}, [2]float64{0.77, 0.82} }, "eyes_visible", Warn},
		{"under the eyes out of the photo", func(f *featureMeasures) { f.underEye = [2]float64{nan, 0.9} }, "eyes_visible", Warn},
		// deca/examples_image03786 of wild/: no glasses, one side in shadow;
		// or something over one eye: a warning, not a tinted pair.
		{"one eye far darker", func(f *featureMeasures) { f.eyeRing = [2]float64{0.29, 0.59} }, "eyes_visible", Warn},
		{"glare", func(f *featureMeasures) { f.eyeGlare[0] = 0.2 }, "eyes_visible", Fail},
		{"cheeks out of the photo", func(f *featureMeasures) { f.eyeRing = [2]float64{nan, nan} }, "eyes_visible", Warn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			texts := make([]Check, len(catalog.Languages()))
			for i, lang := range catalog.Languages() {
				f := neutralMeasures()
				tc.change(f)
				j := &judge{prof: &cie, lang: lang, now: testNow}
				rep := &Report{}
				j.featureChecks(rep, nil, &measures{face: &faceGeom{}, features: f})
				rep.Say(lang)
				c := status(t, rep, tc.id)
				if c.Status != tc.want {
					t.Fatalf("%s: %s %s (%v), want %s", lang, tc.id, c.Status, c.Value, tc.want)
				}
				if c.Message == "" || (c.Status != Pass) != (c.Fix != "") {
					t.Errorf("%s: message %q fix %q", lang, c.Message, c.Fix)
				}
				if v, ok := c.Value.(float64); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
					t.Errorf("%s: value %v cannot be written as JSON", lang, v)
				}
				texts[i] = c
			}
			for i := 1; i < len(texts); i++ {
				if texts[0].Message == texts[i].Message || (texts[0].Fix != "" && texts[0].Fix == texts[i].Fix) {
					t.Errorf("%s says it as Italian does: %q / %q", catalog.Languages()[i], texts[i].Message, texts[i].Fix)
				}
			}
		})
	}
}

// poseBetween is an angle in the middle of the pose checks' warning band
// for the limit max read with the error sd.
func poseBetween(max, sd float64) float64 {
	return max + (poseWarnZ+poseFailZ)/2*sd
}

// TestFeaturesFaceAtTheEdge cuts real photos through one eye or through the
// mouth: the checks give a verdict (or a warning) and the report stays valid
// JSON.
func TestFeaturesFaceAtTheEdge(t *testing.T) {
	t.Parallel() // real photos, slow: the face tests share the cores
	faces := loadFaces(t, "neutral")[:3]
	for _, f := range faces {
		centres, d := eyeGeom(f.rep.Face)
		b := f.img.Bounds()
		cuts := map[string]image.Rectangle{
			"through the right eye": image.Rect(b.Min.X, b.Min.Y, int(centres[1][0]), b.Max.Y),
			"through the left eye":  image.Rect(int(centres[0][0]), b.Min.Y, b.Max.X, b.Max.Y),
			"under the nose":        image.Rect(b.Min.X, b.Min.Y, b.Max.X, int(centres[0][1]+0.55*d)),
		}
		for name, r := range cuts {
			rep := check(t, fixture.JPEG(imaging.Crop(f.img, r), 90, nil, nil), Options{Profile: "icao"})
			if _, err := json.Marshal(rep); err != nil {
				t.Errorf("%s cut %s: report is not JSON: %v", f.p.Name, name, err)
			}
			var got []string
			for _, id := range featureIDs {
				c := status(t, rep, id)
				got = append(got, fmt.Sprintf("%s=%s", id, c.Status))
			}
			t.Logf("%s cut %s: %s", f.p.Name, name, strings.Join(got, " "))
		}
	}
}

// TestLumaCountsQuantile: the counted lumas' quantiles are quantile's of
// the same lumas, which irisHeight read by sorting a copy before.
func TestLumaCountsQuantile(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 27))
	for _, n := range []int{1, 2, 3, 20, 257, 5000} {
		var c lumaCounts
		v := make([]float64, n)
		for i := range v {
			l := uint8(rng.IntN(256))
			if n > 3 && i%3 == 0 {
				l = 200 // ties
			}
			c.add(l)
			v[i] = float64(l)
		}
		for _, q := range []float64{0, 0.05, 0.5, 0.75, 0.95, 1} {
			if got, want := c.quantile(q), quantile(v, q); got != want {
				t.Errorf("n %d, q %.2f: %v, want %v", n, q, got, want)
			}
		}
	}
	var empty lumaCounts
	if q := empty.quantile(0.5); !math.IsNaN(q) {
		t.Errorf("no lumas: %v, want NaN", q)
	}
}
