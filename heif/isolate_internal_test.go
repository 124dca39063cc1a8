package heif

import (
	"bytes"
	"errors"
	"image"
	"os"
	"os/exec"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestChildExitsAtItsCPULimit runs the decoding child on a grid that
// shows one 1000x1000 tile 32x32 times: it must exit on its own at its
// soft CPU limit, with exitCPU, not be killed at the hard one. With
// GOMAXPROCS=1, the goroutine that takes SIGXCPU shares the one P with
// the rest of the child.
func TestChildExitsAtItsCPULimit(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1000, 1000))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*7 + i/4000) // busy, so each tile costs libheif
	}
	bomb, err := fixture.GridRepeating(img, 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "GOMAXPROCS=1")
	cmd.Stdin = bytes.NewReader(bomb)
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitCPU {
		t.Fatalf("child: %v, want exit status %d (SIGXCPU at the soft limit)", err, exitCPU)
	}
	if used := exit.UserTime() + exit.SystemTime(); used.Seconds() > 1+float64(graceSecs(1)) {
		t.Errorf("child used %v of CPU time, past its hard limit", used)
	}
}
