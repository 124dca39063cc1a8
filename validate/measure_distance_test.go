package validate

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestCameraDistance works distances out by hand, by similar triangles:
// a 4000x3000 photo's diagonal is 5000 pixels; eyes 400 pixels apart span
// 8 % of it, 3.46 mm of the 43.27 mm diagonal of 35 mm film; 63 mm of
// face that a 28 mm lens draws 3.46 mm wide is 28 x 63 / 3.46 = 509.6 mm
// from it.
func TestCameraDistance(t *testing.T) {
	eyes := func(span float64) (facedetect.Point, facedetect.Point) {
		return facedetect.Point{X: 1000, Y: 1500}, facedetect.Point{X: 1000 + span, Y: 1500}
	}
	phone := meta{focal35: 28, exifWidth: 4000, exifHeight: 3000}
	tests := []struct {
		name string
		md   meta
		w, h int
		span float64 // pixels between the pupils
		want float64 // metres; 0 cannot be told
	}{
		{"phone 4:3, as saved", phone, 4000, 3000, 400, 0.5096},
		{"turned upright by its orientation", phone, 3000, 4000, 400, 0.5096},
		{"scaled to half, the EXIF size brought up to date", meta{focal35: 28, exifWidth: 2000, exifHeight: 1500}, 2000, 1500, 200, 0.5096},
		{"the eyes twice as far apart: half the distance", phone, 4000, 3000, 800, 0.2548},
		{"a 200 mm lens", meta{focal35: 200, exifWidth: 4000, exifHeight: 3000}, 4000, 3000, 400, 3.6399},
		{"16:9 as a phone saves it", meta{focal35: 26, exifWidth: 4160, exifHeight: 2336}, 4160, 2336, 416, 0.4342},
		{"3:2 camera", meta{focal35: 50, exifWidth: 6000, exifHeight: 4000}, 6000, 4000, 300, 1.7499},
		{"4:3 within its 1 %", meta{focal35: 28, exifWidth: 4000, exifHeight: 3020}, 4000, 3020, 400, 0.5108},
		{"4:3 past its 1 %", meta{focal35: 28, exifWidth: 4000, exifHeight: 3040}, 4000, 3040, 400, 0},
		{"no focal length", meta{exifWidth: 4000, exifHeight: 3000}, 4000, 3000, 400, 0},
		{"no EXIF size", meta{focal35: 28}, 4000, 3000, 400, 0},
		{"cropped: the EXIF size is the camera's", phone, 3500, 3000, 400, 0},
		{"cropped to an ID photo, the EXIF size brought up to date", meta{focal35: 28, exifWidth: 2100, exifHeight: 2700}, 2100, 2700, 400, 0},
		{"cropped square", meta{focal35: 28, exifWidth: 3000, exifHeight: 3000}, 3000, 3000, 400, 0},
		{"cropped to 4:3 by an editor that said so", meta{focal35: 28, exifWidth: 2000, exifHeight: 1500, edited: true}, 2000, 1500, 400, 0},
		{"no eyes apart", phone, 4000, 3000, 0, 0},
		{"eyes not read", phone, 4000, 3000, math.NaN(), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, r := eyes(tc.span)
			got := cameraDistance(tc.md, image.Rect(0, 0, tc.w, tc.h), l, r)
			if !(math.Abs(got-tc.want) <= 0.0005*math.Max(1, tc.want)) {
				t.Errorf("%.4f m, want %.4f", got, tc.want)
			}
		})
	}
}

// TestReadLens reads the lens and the frame from the EXIF of a JPEG and of
// an iPhone-like HEIC, and nothing from an EXIF without them.
func TestReadLens(t *testing.T) {
	img := fixture.Gradient(40, 52)
	ex := fixture.Exif{FocalLength35: 26, Width: 4032, Height: 3024}
	lens := meta{focal35: 26, exifWidth: 4032, exifHeight: 3024}
	edited := lens
	edited.edited = true
	taken := testNow.AddDate(0, 0, -3)
	with := func(f func(e *fixture.Exif)) *fixture.Exif {
		e := ex
		f(&e)
		return &e
	}
	for _, tc := range []struct {
		name, format string
		data         []byte
		want         meta
	}{
		{"jpeg", "jpeg", fixture.JPEG(img, 80, nil, &ex), lens},
		{"heic", "heic", heifOf(t, img, ex), lens},
		{"no lens", "jpeg", fixture.JPEG(img, 80, nil, &fixture.Exif{Orientation: 6}), meta{}},
		{"modified when taken", "jpeg", fixture.JPEG(img, 80, nil, with(func(e *fixture.Exif) { e.DateTimeOriginal, e.DateTime = taken, taken })), lens},
		{"modified a day later", "jpeg", fixture.JPEG(img, 80, nil, with(func(e *fixture.Exif) { e.DateTimeOriginal, e.DateTime = taken, taken.AddDate(0, 0, 1) })), edited},
		{"modified, no date taken", "jpeg", fixture.JPEG(img, 80, nil, with(func(e *fixture.Exif) { e.DateTime = taken })), edited},
		{"digital zoom 2x", "jpeg", fixture.JPEG(img, 80, nil, with(func(e *fixture.Exif) { e.DigitalZoom100 = 200 })), edited},
		{"digital zoom 1x", "jpeg", fixture.JPEG(img, 80, nil, with(func(e *fixture.Exif) { e.DigitalZoom100 = 100 })), lens},
	} {
		md := readMeta(tc.format, tc.data)
		if md.focal35 != tc.want.focal35 || md.exifWidth != tc.want.exifWidth || md.exifHeight != tc.want.exifHeight || md.edited != tc.want.edited {
			t.Errorf("%s: %.0f mm, %dx%d, edited %v; want %.0f mm, %dx%d, edited %v", tc.name, md.focal35, md.exifWidth, md.exifHeight, md.edited, tc.want.focal35, tc.want.exifWidth, tc.want.exifHeight, tc.want.edited)
		}
	}
}

// TestCameraDistanceOnFaces reads the EXIF of every photo of
// ../shared/faces: those whose EXIF gives a 35 mm focal length were all
// cropped after they were taken (by an editor that, for some, brought the
// EXIF size up to date), so none may be given a distance.
func TestCameraDistanceOnFaces(t *testing.T) {
	dir := faceset.Require(t)
	var lenses []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		md := readMeta(Sniff(data), data)
		if md.focal35 == 0 {
			return nil
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		lenses = append(lenses, rel)
		l, r := facedetect.Point{X: 10, Y: 10}, facedetect.Point{X: 110, Y: 10}
		if d := cameraDistance(md, image.Rect(0, 0, cfg.Width, cfg.Height), l, r); d != 0 {
			t.Errorf("%s (%dx%d, EXIF %dx%d, %.0f mm): %.2f m from a cropped photo", rel, cfg.Width, cfg.Height, md.exifWidth, md.exifHeight, md.focal35, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("photos with a 35 mm focal length: %s", strings.Join(lenses, ", "))
	// deepface/img39, deca/exp_4, 3ddfa/JianzhuGuo, openface/carell,
	// facenet/shea_whigham_1: the test reads them, or reads nothing.
	if len(lenses) < 5 {
		t.Errorf("%d photos with a 35 mm focal length, want the 5 of wild/", len(lenses))
	}
}

// TestTakenTooClose gives a phone photo taken close up
// (wild/compreface/005_A, read as "head bowed 23°") the EXIF of a phone
// lens: the pitch then says how close it was taken and asks for the
// camera further away. The same photo said to be taken with a long lens,
// or cropped, is judged as before.
func TestTakenTooClose(t *testing.T) {
	dir := faceset.Require(t)
	data, err := os.ReadFile(filepath.Join(dir, "wild", "compreface", "005_A.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	w, h := uint32(cfg.Width), uint32(cfg.Height)
	bowed, tooClose := "Head bowed", "Taken from about "
	tests := []struct {
		name string
		ex   *fixture.Exif
		want string // the pitch message's start
	}{
		{"no EXIF", nil, bowed},
		{"a phone's 26 mm lens", &fixture.Exif{FocalLength35: 26, Width: w, Height: h}, tooClose},
		{"a 200 mm lens, from 2.4 m", &fixture.Exif{FocalLength35: 200, Width: w, Height: h}, bowed},
		{"cropped since", &fixture.Exif{FocalLength35: 26, Width: w + 400, Height: h}, bowed},
		{"edited since", &fixture.Exif{FocalLength35: 26, Width: w, Height: h, DateTimeOriginal: testNow, DateTime: testNow.AddDate(0, 0, 1)}, bowed},
	}
	v := testValidator(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := data
			if tc.ex != nil {
				file = fixture.WithExif(data, tc.ex)
			}
			r, err := v.Check(context.Background(), "005_A.jpg", file, Options{Profile: "icao", Lang: "en", Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			c := status(t, r, Pitch)
			t.Logf("%s %v: %s | %s", c.Status, c.Value, c.Message, c.Fix)
			if c.Status != Fail {
				t.Errorf("pitch %s (%v), want fail: the reading is past its band either way", c.Status, c.Value)
			}
			if !strings.HasPrefix(c.Message, tc.want) {
				t.Errorf("message %q, want it to start %q", c.Message, tc.want)
			}
			if tc.want != tooClose {
				return
			}
			// A phone at arm's length: its 26 mm lens frames the face's
			// 0.4 m at 0.3-0.6 m (the face fills a third of the height).
			var cm int
			if _, err := fmt.Sscanf(strings.TrimPrefix(c.Message, tooClose), "%d cm", &cm); err != nil || cm < 20 || cm > 60 {
				t.Errorf("message %q: want a distance of arm's length, 20-60 cm", c.Message)
			}
			if !strings.Contains(c.Fix, "1 m") {
				t.Errorf("fix %q: want the camera at least 1 m away", c.Fix)
			}
		})
	}
}

// TestPitchTakenTooClose judges made-up readings: past its band, a pitch
// read on a photo taken from under MinCameraDistance keeps its verdict
// and is put down to the distance, in every language; from further, or
// within its band, it reads as before.
func TestPitchTakenTooClose(t *testing.T) {
	warnPitch := -poseBetween(cie.Features.MaxPitch, cie.Features.PoseErrPitch)
	tests := []struct {
		name            string
		pitch, distance float64
		want            Status
		close           bool // the message and fix are the distance's
	}{
		{"bowed 20°, from 35 cm", -20, 0.35, Fail, true},
		{"chin up 20°, from 35 cm", 20, 0.35, Fail, true},
		{"bowed past the limit at 95 %, from 35 cm", warnPitch, 0.35, Warn, true},
		{"bowed 20°, from 2 m", -20, 2, Fail, false},
		{"bowed 20°, distance unknown", -20, 0, Fail, false},
		{"level, from 35 cm", -2, 0.35, Pass, false},
	}
	for _, tc := range tests {
		for _, lang := range catalog.Languages() {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				f := neutralMeasures()
				f.pitch, f.distance = tc.pitch, tc.distance
				j := &judge{prof: &cie, lang: lang, now: testNow}
				c := j.pitch(f)
				if c.Status != tc.want {
					t.Fatalf("%s, want %s", c.Status, tc.want)
				}
				too := catalog.Say(lang, "check.pitch.taken_too_close", tc.distance*100, math.Abs(tc.pitch), cie.Features.MaxPitch)
				further := catalog.Say(lang, "check.pitch.hold_camera_further", cie.Features.MinCameraDistance)
				msg, fix := catalog.Say(lang, c.MessageText.ID, c.MessageText.Args...), ""
				if c.FixText.ID != "" {
					fix = catalog.Say(lang, c.FixText.ID, c.FixText.Args...)
				}
				if got := strings.Contains(msg, too) && fix == further; got != tc.close {
					t.Errorf("message %q, fix %q: the distance's is %v, want %v", msg, fix, got, tc.close)
				}
				if c.Status == Warn && msg == too {
					t.Errorf("a warning without its 'close to the limit': %q", msg)
				}
			})
		}
	}
}
