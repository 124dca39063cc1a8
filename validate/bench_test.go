package validate

import (
	"bytes"
	"image/color"
	"image/jpeg"

	"context"
	"image"
	"testing"

	"github.com/tessera-cie/tessera/facedetect"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// benchPhoto makes a JPEG of w x h pixels from the first neutral/ photo,
// the face framed as an ID photo.
func benchPhoto(b *testing.B, w, h int) []byte {
	b.Helper()
	dir := faceset.Require(b)
	photos, err := faceset.Load(dir, "neutral")
	if err != nil || len(photos) == 0 {
		b.Fatalf("photos: %v", err)
	}
	src, err := imaging.Open(photos[0].Path)
	if err != nil {
		b.Fatal(err)
	}
	// A 35:45 crop around the face, or a 4:3 frame for a camera-sized photo.
	sb := src.Bounds()
	var c image.Image
	if w < h {
		cw := sb.Dy() * 35 / 45
		c = imaging.Crop(src, image.Rect((sb.Dx()-cw)/2, 0, (sb.Dx()+cw)/2, sb.Dy()))
	} else {
		ch := sb.Dx() * 3 / 4
		c = imaging.Crop(src, image.Rect(0, (sb.Dy()-ch)/2, sb.Dx(), (sb.Dy()+ch)/2))
	}
	return fixture.JPEG(imaging.Resize(c, w, h, imaging.Lanczos), 90, nil, nil)
}

func benchCheck(b *testing.B, w, h int) {
	data := benchPhoto(b, w, h)
	v := testValidator(b)
	ctx := context.Background()
	r, err := v.Check(ctx, "bench", data, Options{Now: testNow})
	if err != nil || r.Face == nil {
		b.Fatalf("no face in the bench photo: %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Check(ctx, "bench", data, Options{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/photo")
}

// BenchmarkCheck560x720 is a typical emailed ID photo (aim: 25 ms on one core).
func BenchmarkCheck560x720(b *testing.B) { benchCheck(b, 560, 720) }

// BenchmarkCheck4000x3000 is a 12-megapixel phone photo (aim: 300 ms on one core).
func BenchmarkCheck4000x3000(b *testing.B) { benchCheck(b, 4000, 3000) }

// BenchmarkVisibleTop is the crown finder alone on a drawn 560x720 ID
// photo (a JPEG's YCbCr, as photos arrive).
func BenchmarkVisibleTop(b *testing.B) {
	grey := func(x, y int) color.NRGBA { return color.NRGBA{190, 192, 195, 255} }
	dark := func(x, y int) color.NRGBA { return color.NRGBA{45, 35, 30, 255} }
	img, err := jpeg.Decode(bytes.NewReader(fixture.JPEG(synthHead(560, 720, 40, 330, 610, grey, dark, true), 90, nil, nil)))
	if err != nil {
		b.Fatal(err)
	}
	lum := gray(img)
	mid, chin := facedetect.Point{X: 280, Y: 330}, facedetect.Point{X: 280, Y: 610}
	b.ReportAllocs()
	for b.Loop() {
		visibleTop(img, lum, mid, chin)
	}
}

// BenchmarkCheckParallel560x720 checks the 560x720 photo from as many
// goroutines as -cpu allows: run with -cpu 1,2 and compare ns/op to read
// how one process scales on cores (aim: 2 cores give at least 1.8x). Run
// it with GOGC=400, the pace tessera sets (cmd/tessera/gc.go), and a few
// hundred iterations: short runs on a shared machine vary by a fifth. At
// -cpu 1 the collector still gets the second core while dlib holds the
// first, so the figure flatters one core a little; scripts/batchbench.sh
// and scripts/loadbench.sh measure the scaling of the real processes.
func BenchmarkCheckParallel560x720(b *testing.B) {
	data := benchPhoto(b, 560, 720)
	v := testValidator(b)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Check(ctx, "bench", data, Options{Now: testNow}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
