// Package engine opens tessera's face engine as every command and test
// runs it: dlib's HOG detector and landmarks (package facedetect), with
// the Ultra-Light face detector (package ultraface) as its second
// detector, both models found by package models.
package engine

import (
	"fmt"
	"runtime"

	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/models"
	"github.com/tessera-cie/tessera/ultraface"
)

// Open loads both models with a detector of each per worker (0: one per
// GOMAXPROCS). Closing the engine closes both.
func Open(workers int) (*facedetect.Engine, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	path, err := models.Find()
	if err != nil {
		return nil, err
	}
	second, err := ultraface.Open(models.FaceDetector(), ultraface.Options{Workers: workers})
	if err != nil {
		return nil, fmt.Errorf("face detector: %w", err)
	}
	eng, err := facedetect.Open(path, facedetect.Options{Workers: workers, Second: second})
	if err != nil {
		second.Close()
		return nil, err
	}
	return eng, nil
}
