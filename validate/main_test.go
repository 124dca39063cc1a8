package validate

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/models"
)

var (
	engineOnce sync.Once
	engine     *facedetect.Engine
	engineErr  error
)

// testValidator returns a validator on the real dlib engine, loaded once for
// the package's tests.
func testValidator(t testing.TB) *Validator {
	t.Helper()
	engineOnce.Do(func() {
		var path string
		if path, engineErr = models.Find(); engineErr == nil {
			// A detector per core, not per GOMAXPROCS of the moment: a
			// benchmark run with -cpu 1,2 opens the engine at -cpu 1.
			engine, engineErr = facedetect.Open(path, facedetect.Options{Workers: runtime.NumCPU()})
		}
	})
	if engineErr != nil {
		t.Fatalf("face engine: %v", engineErr)
	}
	return New(engine)
}

// testNow is the fixed "today" of the tests.
var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func check(t testing.TB, data []byte, opts Options) *Report {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	r, err := testValidator(t).Check(context.Background(), "test", data, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func status(t testing.TB, r *Report, id string) Check {
	t.Helper()
	c, ok := r.Find(id)
	if !ok {
		t.Fatalf("no %s check in report: %+v", id, r.Checks)
	}
	return c
}
