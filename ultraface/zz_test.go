package ultraface_test

import (
	"context"
	"os"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/tessera-cie/tessera/models"
	"github.com/tessera-cie/tessera/ultraface"
)

func TestZZ(t *testing.T) {
	m := models.FaceDetector()
	var err error
	if err != nil {
		t.Fatal(err)
	}
	d, err := ultraface.Open(m, ultraface.Options{MinScore: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := imaging.Open(os.Getenv("ZZ"), imaging.AutoOrientation(true))
	for _, side := range []int{320, 480} {
		s := imaging.Fit(img, side, side, imaging.Box)
		for _, flip := range []bool{false, true} {
			in := s
			if flip {
				in = imaging.FlipH(s)
			}
			b, _ := d.Detect(context.Background(), in)
			for _, x := range b {
				t.Logf("side %d flip %v: %.0f %.0f %.0f %.0f %.2f", side, flip, x.MinX, x.MinY, x.MaxX, x.MaxY, x.Score)
			}
		}
	}
}
