package facedetect

import (
	"context"
	"path/filepath"

	"github.com/tessera-cie/tessera/internal/faceset"
	"testing"

	"github.com/tessera-cie/tessera/models"
)

// BenchmarkModelLoad measures loading the 68-point shape predictor and
// preparing the detectors: the start-up cost of every tessera process.
func BenchmarkModelLoad(b *testing.B) {
	path, err := models.Find()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		e, err := Open(path, Options{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/load")
}

// BenchmarkDetectParallel finds the face and its landmarks in a 560x720
// photo from as many goroutines as -cpu allows: with -cpu 1,2 it tells
// whether dlib's half of a check scales on cores.
func BenchmarkDetectParallel(b *testing.B) {
	dir := faceset.Require(b)
	img := loadGray(b, filepath.Join(dir, "neutral", "001_03.jpg"))
	small := shrink(img, img.Rect, 720/float64(img.Rect.Dy()))
	e := openEngine(b)
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if faces, err := e.Detect(ctx, small); err != nil || len(faces) != 1 {
				b.Errorf("%d faces, %v", len(faces), err)
				return
			}
		}
	})
}
