package facedetect

import "image"

// SetDebugSecond lets the external tests (second_test.go, which imports
// package ultraface, itself importing this package) see the faces the
// second detector proposes; nil stops it.
func SetDebugSecond(f func(b Box, box image.Rectangle, hog float64)) { debugSecond = f }
