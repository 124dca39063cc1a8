package validate

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestCameraDistance works out distances by hand, by similar triangles:
// a 28 mm lens (35 mm terms) frames 35.3 mm of film on the photo's
// longer side; eyes a tenth of that side apart span 3.53 mm there, and
// 63 mm of face at 28 mm from the lens would span 63/28 of that: the face
// is 28 x 63 / 3.53 = 499.7 mm away.
func TestCameraDistance(t *testing.T) {
	eyes := func(span float64) (facedetect.Point, facedetect.Point) {
		return facedetect.Point{X: 1000, Y: 1500}, facedetect.Point{X: 1000 + span, Y: 1500}
	}
	tests := []struct {
		name string
		md   meta
		w, h int
		span float64 // pixels between the pupils
		want float64 // metres; 0 cannot be told
	}{
		{"phone 4:3, as saved", meta{focal35: 28, exifWidth: 4000, exifHeight: 3000}, 4000, 3000, 400, 0.4997},
		{"turned upright by its orientation", meta{focal35: 28, exifWidth: 4000, exifHeight: 3000}, 3000, 4000, 400, 0.4997},
		{"scaled to half, the EXIF size brought up to date", meta{focal35: 28, exifWidth: 2000, exifHeight: 1500}, 2000, 1500, 200, 0.4997},
		{"the eyes twice as far apart: half the distance", meta{focal35: 28, exifWidth: 4000, exifHeight: 3000}, 4000, 3000, 800, 0.2499},
		{"a 200 mm lens", meta{focal35: 200, exifWidth: 4000, exifHeight: 3000}, 4000, 3000, 400, 3.569},
		{"16:9 as a phone saves it", meta{focal35: 26, exifWidth: 4160, exifHeight: 2336}, 4160, 2336, 416, 0.4640},
		{"3:2 camera", meta{focal35: 50, exifWidth: 6000, exifHeight: 4000}, 6000, 4000, 300, 1.785},
		{"no focal length", meta{exifWidth: 4000, exifHeight: 3000}, 4000, 3000, 400, 0},
		{"no EXIF size", meta{focal35: 28}, 4000, 3000, 400, 0},
		{"cropped: the EXIF size is the camera's", meta{focal35: 28, exifWidth: 4000, exifHeight: 3000}, 3500, 3000, 400, 0},
		{"cropped to an ID photo, the EXIF size brought up to date", meta{focal35: 28, exifWidth: 2100, exifHeight: 2700}, 2100, 2700, 400, 0},
		{"cropped square", meta{focal35: 28, exifWidth: 3000, exifHeight: 3000}, 3000, 3000, 400, 0},
		{"no eyes apart", meta{focal35: 28, exifWidth: 4000, exifHeight: 3000}, 4000, 3000, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, r := eyes(tc.span)
			got := cameraDistance(tc.md, image.Rect(0, 0, tc.w, tc.h), l, r)
			if math.Abs(got-tc.want) > 0.0005*math.Max(1, tc.want) {
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
	for _, tc := range []struct {
		name, format string
		data         []byte
		want         meta
	}{
		{"jpeg", "jpeg", fixture.JPEG(img, 80, nil, &ex), lens},
		{"heic", "heic", heifOf(t, img, ex), lens},
		{"no lens", "jpeg", fixture.JPEG(img, 80, nil, &fixture.Exif{Orientation: 6}), meta{}},
	} {
		md := readMeta(tc.format, tc.data)
		if md.focal35 != tc.want.focal35 || md.exifWidth != tc.want.exifWidth || md.exifHeight != tc.want.exifHeight {
			t.Errorf("%s: %.0f mm, %dx%d; want %.0f mm, %dx%d", tc.name, md.focal35, md.exifWidth, md.exifHeight, tc.want.focal35, tc.want.exifWidth, tc.want.exifHeight)
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
			if tc.want == tooClose && (!strings.Contains(c.Message, "32 cm") || !strings.Contains(c.Fix, "100 cm")) {
				t.Errorf("message %q, fix %q: want 32 cm (26 x 63 mm over the eyes' share of 35.3 mm) and at least 100 cm", c.Message, c.Fix)
			}
		})
	}
}
