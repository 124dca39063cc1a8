package facedetect

import (
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
