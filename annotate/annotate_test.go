package annotate

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/testengine"
	"github.com/tessera-cie/tessera/validate"
)

// synthetic is a white 700x900 photo (35:45) with a face whose eye line
// passes and whose chin-crown height fails.
func synthetic() *validate.Result {
	img := image.NewNRGBA(image.Rect(0, 0, 700, 900))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	prof, _ := validate.LookupProfile("cie")
	return &validate.Result{
		Image:   img,
		Profile: &prof,
		Report: &validate.Report{
			Profile: "cie",
			Checks: []validate.Check{
				{ID: "eye_height", Status: validate.Pass},
				{ID: "face_height", Status: validate.Fail},
			},
			Face: &validate.FaceInfo{
				Box:     [4]int{250, 300, 450, 650},
				LeftEye: [2]float64{300, 400}, RightEye: [2]float64{400, 400},
				Chin: [2]float64{350, 700}, Crown: [2]float64{350, 120},
			},
		},
	}
}

func nrgba(img image.Image, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

func TestDrawMarks(t *testing.T) {
	res := synthetic()
	out := Draw(res)
	if out == nil || out.Bounds() != res.Image.Bounds() {
		t.Fatalf("Draw bounds = %v, want %v", out.Bounds(), res.Image.Bounds())
	}
	if got := nrgba(res.Image, 330, 400); got != (color.NRGBA{255, 255, 255, 255}) {
		t.Errorf("the photo handed in was changed: %v", got)
	}
	white := func(c color.NRGBA) bool { return c == color.NRGBA{255, 255, 255, 255} }
	tests := []struct {
		name string
		x, y int
		ok   func(color.NRGBA) bool
	}{
		{"eye line in the pass colour", 330, 400, func(c color.NRGBA) bool { return c == PassColor }},
		{"chin tick in the fail colour", 370, 700, func(c color.NRGBA) bool { return c == FailColor }},
		{"crown tick in the fail colour", 330, 120, func(c color.NRGBA) bool { return c == FailColor }},
		{"face box edge", 250, 500, func(c color.NRGBA) bool { return c == BoxColor }},
		{"frame top-left (the photo is 35:45)", 0, 0, func(c color.NRGBA) bool { return c == FrameColor }},
		{"frame bottom-right", 699, 899, func(c color.NRGBA) bool { return c == FrameColor }},
		// Eye band: 31/45 to 23/45 of 900 above the bottom = y 280..440.
		{"eye band tinted green", 100, 300, func(c color.NRGBA) bool { return c.G > c.R && c.G > c.B && !white(c) }},
		// Crown band for a chin at 700: 700-0.8*900 .. 700-0.7*900 = y -20..70.
		{"crown band tinted blue", 100, 30, func(c color.NRGBA) bool { return c.B > c.R && c.B > c.G && !white(c) }},
		{"outside every band stays white", 100, 600, white},
		{"just below the eye band stays white", 100, 445, white},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := nrgba(out, tc.x, tc.y); !tc.ok(c) {
				t.Errorf("pixel (%d,%d) = %v", tc.x, tc.y, c)
			}
		})
	}
}

func TestDrawScaledAndEdgeCases(t *testing.T) {
	res := synthetic()
	tests := []struct {
		name    string
		res     *validate.Result
		maxSide int
		want    image.Rectangle // empty: nil result
	}{
		{"scaled down to 450 on the long side", res, 450, image.Rect(0, 0, 350, 450)},
		{"no limit", res, 0, image.Rect(0, 0, 700, 900)},
		{"limit above the size keeps it", res, 2000, image.Rect(0, 0, 700, 900)},
		{"nil result", nil, 0, image.Rectangle{}},
		{"no decoded photo", &validate.Result{Report: &validate.Report{}}, 0, image.Rectangle{}},
		{"no face, no profile", &validate.Result{Image: image.NewGray(image.Rect(0, 0, 40, 30)), Report: &validate.Report{Profile: "icao"}}, 0, image.Rect(0, 0, 40, 30)},
		{"face far outside the photo", func() *validate.Result {
			r := synthetic()
			f := *r.Report.Face
			f.Chin, f.Crown, f.LeftEye = [2]float64{1e9, -1e9}, [2]float64{-1e9, 1e9}, [2]float64{-5e8, 3}
			r.Report.Face = &f
			return r
		}(), 0, image.Rect(0, 0, 700, 900)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := DrawScaled(tc.res, tc.maxSide)
			if tc.want.Empty() {
				if out != nil {
					t.Fatalf("got %v, want nil", out.Bounds())
				}
				return
			}
			if out == nil || out.Bounds() != tc.want {
				t.Fatalf("got %v, want %v", out, tc.want)
			}
		})
	}
	// On the scaled copy the eye line (y 400 of 900) lies at y 200.
	out := DrawScaled(res, 450)
	if c := nrgba(out, 165, 200); c != PassColor {
		t.Errorf("scaled eye line pixel = %v, want %v", c, PassColor)
	}
}

// TestDrawRealPhotos draws the marks on real photos measured by the real
// engine and saves them for a look.
func TestDrawRealPhotos(t *testing.T) {
	dir := faceset.Require(t)
	v := validate.New(testengine.Engine(t))
	out := os.Getenv("TESSERA_ANNOTATE_OUT") // keep the pictures there for a look
	if out == "" {
		out = t.TempDir()
	}
	for _, name := range []string{"neutral/001_03.jpg", "canada/003f.jpg", "lisa/lisa1.jpg"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.Analyze(context.Background(), name, data, validate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Report.Face == nil {
			t.Fatalf("%s: no face measured", name)
		}
		img := DrawScaled(res, 900)
		b := img.Bounds()
		ib := res.Image.Bounds()
		if want := min(900, max(ib.Dx(), ib.Dy())); max(b.Dx(), b.Dy()) != want {
			t.Errorf("%s: scaled size %v, want long side %d", name, b, want)
		}
		// The eye line is drawn in a status colour at the eyes' midpoint.
		f := res.Report.Face
		s := float64(b.Dx()) / float64(ib.Dx())
		// A quarter of the way from the left eye to the midpoint: clear of
		// the eye crosses and of the chin-crown bracket.
		mx := int((0.75*f.LeftEye[0] + 0.25*f.RightEye[0]) * s)
		my := int((0.75*f.LeftEye[1] + 0.25*f.RightEye[1]) * s)
		found := false
		for dy := -3; dy <= 3 && !found; dy++ {
			c := nrgba(img, mx, my+dy)
			found = c == PassColor || c == FailColor || c == WarnColor
		}
		if !found {
			t.Errorf("%s: no eye line near (%d,%d)", name, mx, my)
		}
		p := filepath.Join(out, filepath.Base(name)+".png")
		fh, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(fh, img); err != nil {
			t.Fatal(err)
		}
		fh.Close()
		t.Logf("%s: annotated copy %s", name, p)
	}
}

// TestMarkStyles: right and wrong differ in more than colour (a reader who
// cannot tell red from green): a passing mark is a solid line with a tick,
// a failing one a dashed line with a cross, one to look at a dotted line
// with an exclamation mark.
func TestMarkStyles(t *testing.T) {
	// runs counts the stretches of col along row y from x0 to x1.
	runs := func(img image.Image, y, x0, x1 int, col color.NRGBA) int {
		n, in := 0, false
		for x := x0; x <= x1; x++ {
			on := nrgba(img, x, y) == col
			if on && !in {
				n++
			}
			in = on
		}
		return n
	}
	// count counts the pixels of col in r.
	count := func(img image.Image, r image.Rectangle, col color.NRGBA) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if nrgba(img, x, y) == col {
					n++
				}
			}
		}
		return n
	}
	for _, tc := range []struct {
		name   string
		status validate.Status // of face_height; eye_height passes
		line   color.NRGBA
		glyph  color.NRGBA
		dashes func(int) bool // runs along the crown tick
	}{
		{"fail: dashed, a cross", validate.Fail, FailColor, failGlyph, func(n int) bool { return n >= 3 }},
		{"warn: dotted, an exclamation mark", validate.Warn, WarnColor, warnGlyph, func(n int) bool { return n >= 5 }},
		{"pass: solid, a tick", validate.Pass, PassColor, passGlyph, func(n int) bool { return n == 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := synthetic()
			res.Report.Checks[1].Status = tc.status
			out := Draw(res)
			// The eye line passes: solid on each side of the bracket
			// (x 350; the crosses on the eyes are the same colour).
			for _, span := range [][2]int{{260, 340}, {360, 445}} {
				if n := runs(out, 400, span[0], span[1], PassColor); n != 1 {
					t.Errorf("eye line from x %d to %d: %d runs, want a solid line", span[0], span[1], n)
				}
			}
			// The crown tick, from x 300 to 400 at y 120.
			if n := runs(out, 120, 300, 400, tc.line); !tc.dashes(n) {
				t.Errorf("crown tick: %d runs of %v", n, tc.line)
			}
			// The eye line's badge lies past its right end (x 460), the
			// face height's past the chin's tick (x 400, y 700); the stroke
			// is 3 pixels on a 900-pixel photo, the badge 15 pixels in
			// radius, centred 1.5 radii past the end.
			eye := image.Rect(470, 390, 495, 410)
			face := image.Rect(410, 690, 435, 710)
			if count(out, eye, passGlyph) < 10 || count(out, eye, white) < 100 {
				t.Errorf("no tick badge after the eye line")
			}
			if count(out, face, tc.glyph) < 10 || count(out, face, white) < 100 {
				t.Errorf("no badge with the %v glyph beside the face height", tc.glyph)
			}
			for _, other := range []color.NRGBA{passGlyph, failGlyph, warnGlyph} {
				if other != tc.glyph && count(out, face, other) > 0 {
					t.Errorf("the face height's badge has the %v glyph too", other)
				}
			}
		})
	}
}
