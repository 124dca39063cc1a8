package ultraface

import (
	"context"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/models"
)

func open(t testing.TB) *Detector {
	t.Helper()
	d, err := Open(models.FaceDetector(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestPriors checks the anchors laid out here against the network: for
// every input size the network's outputs must have one row per prior
// (the shim refuses the run otherwise), and at the model's own 320x240
// the count is the 4420 of its fixed export.
func TestPriors(t *testing.T) {
	if n := len(priors(320, 240)); n != 4420 {
		t.Errorf("priors(320, 240) = %d, want 4420", n)
	}
	d := open(t)
	for _, size := range []image.Point{{1, 1}, {40, 30}, {63, 100}, {64, 64}, {320, 240}, {240, 320}, {249, 320}, {320, 213}, {1280, 960}, {77, 1280}} {
		img := image.NewGray(image.Rect(0, 0, size.X, size.Y))
		if _, err := d.Detect(context.Background(), img); err != nil {
			t.Errorf("%v: %v", size, err)
		}
	}
}

// TestPriorsMatchModel checks the priors and the decoding against the
// model's own: the network exported with its post-processing
// (testdata/version-RFB-320.onnx, fixed at 320x240) outputs boxes decoded
// against the priors its exporter laid out; the network tessera runs,
// decoded here, must give the same boxes for every prior, on a random
// image.
func TestPriorsMatchModel(t *testing.T) {
	baked, err := os.ReadFile("testdata/version-RFB-320.onnx")
	if err != nil {
		t.Fatal(err)
	}
	withPost, err := Open(baked, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer withPost.Close()
	d := open(t)
	const w, h = 320, 240
	img := image.NewGray(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	pri := priors(w, h)
	ctx := context.Background()
	_, locs, err := d.run(ctx, img, len(pri))
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := withPost.run(ctx, img, len(pri))
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range pri {
		b := decode(pri[i:i+1], []float32{1}, locs[4*i:4*i+4], 0, 1, 1)[0]
		for k, v := range []float64{b.MinX, b.MinY, b.MaxX, b.MaxY} {
			worst = max(worst, math.Abs(v-float64(want[4*i+k])))
		}
	}
	if worst > 1e-5 {
		t.Errorf("decoded boxes differ from the model's by up to %g of the image", worst)
	}
}

// TestDetectRefuses checks the sizes and types Detect does not run.
func TestDetectRefuses(t *testing.T) {
	d := open(t)
	for _, img := range []image.Image{
		image.NewGray(image.Rect(0, 0, 0, 100)),
		image.NewGray(image.Rect(0, 0, 100, MaxSide+1)),
		image.NewRGBA64(image.Rect(0, 0, 100, 100)),
	} {
		if _, err := d.Detect(context.Background(), img); err == nil {
			t.Errorf("%T %v: no error", img, img.Bounds())
		}
	}
	d.Close()
	if _, err := d.Detect(context.Background(), image.NewGray(image.Rect(0, 0, 100, 100))); err != ErrClosed {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if _, err := Open(nil, Options{}); err == nil {
		t.Error("Open(nil): no error")
	}
	if _, err := Open([]byte("not a network"), Options{Workers: 1}); err == nil {
		t.Error("Open(garbage): no error")
	}
}

// TestDecode checks the regression's decoding against the model's formula
// worked by hand, and the merging of overlapping boxes.
func TestDecode(t *testing.T) {
	pri := []prior{{cx: 0.5, cy: 0.5, w: 0.25, h: 0.5}, {cx: 0.52, cy: 0.5, w: 0.25, h: 0.5}, {cx: 0.1, cy: 0.1, w: 0.1, h: 0.1}}
	scores := []float32{0.9, 0.95, 0.6}
	locs := []float32{
		1, -1, 0, 0, // centre moved by 0.1 of the prior's size; size kept
		0, 0, 0, 0,
		0, 0, 0, 0,
	}
	got := decode(pri, scores, locs, 0.7, 200, 100)
	// The second box (0.95) comes first and the first, overlapping it,
	// is merged into it; the third scores under 0.7.
	if len(got) != 1 {
		t.Fatalf("decode: %d boxes, want 1: %+v", len(got), got)
	}
	want := facedetect.Box{MinX: (0.52 - 0.125) * 200, MinY: 0.25 * 100, MaxX: (0.52 + 0.125) * 200, MaxY: 0.75 * 100, Score: 0.95}
	if !near(got[0], want) {
		t.Errorf("decode = %+v, want %+v", got[0], want)
	}
	// Apart, both are kept, and the regression moves the first.
	pri[1].cx = 0.9
	got = decode(pri, scores, locs, 0.7, 200, 100)
	if len(got) != 2 {
		t.Fatalf("decode: %d boxes, want 2", len(got))
	}
	cx, cy := 0.5+1*centerVariance*0.25, 0.5-1*centerVariance*0.5
	want = facedetect.Box{MinX: (cx - 0.125) * 200, MinY: (cy - 0.25) * 100, MaxX: (cx + 0.125) * 200, MaxY: (cy + 0.25) * 100, Score: 0.9}
	if !near(got[1], want) {
		t.Errorf("decode = %+v, want %+v", got[1], want)
	}
	// A size regression of 1 scales the prior by e^0.2.
	locs[0], locs[1], locs[2], locs[3] = 0, 0, 1, 1
	got = decode(pri[:1], scores[:1], locs[:4], 0.7, 200, 100)
	k := math.Exp(sizeVariance)
	want = facedetect.Box{MinX: (0.5 - 0.125*k) * 200, MinY: (0.5 - 0.25*k) * 100, MaxX: (0.5 + 0.125*k) * 200, MaxY: (0.5 + 0.25*k) * 100, Score: 0.9}
	if len(got) != 1 || !near(got[0], want) {
		t.Errorf("decode = %+v, want %+v", got, want)
	}
}

func near(a, b facedetect.Box) bool {
	const eps = 1e-4
	return math.Abs(a.MinX-b.MinX) < eps && math.Abs(a.MinY-b.MinY) < eps &&
		math.Abs(a.MaxX-b.MaxX) < eps && math.Abs(a.MaxY-b.MaxY) < eps && math.Abs(a.Score-b.Score) < eps
}

// TestStudioFaces runs the network on a 320-pixel copy of every studio
// portrait of ../shared/faces, in colour and in gray: one face each, whose
// box holds the hand-marked pupils; and none on a plain grey image.
func TestStudioFaces(t *testing.T) {
	dir := faceset.Require(t)
	photos, err := faceset.Load(dir, "neutral", "smiling", "canada")
	if err != nil {
		t.Fatal(err)
	}
	d := open(t)
	for _, p := range photos {
		img, err := imaging.Open(p.Path, imaging.AutoOrientation(true))
		if err != nil {
			t.Fatal(err)
		}
		small := imaging.Fit(img, 320, 320, imaging.Box)
		s := float64(small.Bounds().Dx()) / float64(img.Bounds().Dx())
		for _, m := range []image.Image{small, imaging.Grayscale(small)} {
			boxes, err := d.Detect(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if len(boxes) != 1 {
				t.Errorf("%s/%s: %d faces, want 1", p.Label, p.Name, len(boxes))
				continue
			}
			b := boxes[0]
			for _, pt := range p.Points[:min(2, len(p.Points))] {
				x, y := pt[0]*s, pt[1]*s
				if x < b.MinX || x > b.MaxX || y < b.MinY || y > b.MaxY {
					t.Errorf("%s/%s: pupil (%.0f, %.0f) outside the box %+v", p.Label, p.Name, x, y, b)
				}
			}
		}
	}
	plain := imaging.New(320, 240, color.Gray{128})
	if boxes, err := d.Detect(context.Background(), plain); err != nil || len(boxes) != 0 {
		t.Errorf("plain image: %d faces, %v", len(boxes), err)
	}
}
