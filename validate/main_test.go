package validate

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/heif"
	"github.com/tessera-cie/tessera/internal/testengine"
)

// TestMain lets the test binary serve as the child process HEIF files are
// decoded in (heif.ServeChild).
func TestMain(m *testing.M) {
	heif.ServeChild()
	os.Exit(m.Run())
}

// testValidator returns a validator on the real dlib engine, shared by
// the package's tests.
func testValidator(t testing.TB) *Validator {
	t.Helper()
	return New(testengine.Engine(t))
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

// status is the check id of r (a CheckID, or a test's string), failing
// the test when r has none.
func status[ID ~string](t testing.TB, r *Report, id ID) Check {
	t.Helper()
	c, ok := r.Find(CheckID(id))
	if !ok {
		t.Fatalf("no %s check in report: %+v", id, r.Checks)
	}
	return c
}
