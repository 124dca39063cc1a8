// Package testengine gives tests the real dlib face engine, loaded once
// per test binary (the landmark model takes about 0.6 s to load) and
// shared by its tests: the engine is safe for concurrent use. It is never
// closed; it lives as long as the test binary.
package testengine

import (
	"runtime"
	"sync"
	"testing"

	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/engine"
)

var (
	once sync.Once
	eng  *facedetect.Engine
	err  error
)

// Engine returns the shared engine, with a detector per core (not per
// GOMAXPROCS of the moment: a benchmark run with -cpu 1,2 may open it at
// -cpu 1). The test fails when the model cannot be found or loaded.
func Engine(t testing.TB) *facedetect.Engine {
	t.Helper()
	once.Do(func() {
		eng, err = engine.Open(runtime.NumCPU())
	})
	if err != nil {
		t.Fatalf("face engine: %v (run `make deps`)", err)
	}
	return eng
}
