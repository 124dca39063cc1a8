package annotate_test

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"io"

	"github.com/tessera-cie/tessera/annotate"
	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/validate"
)

// noFace is a detector that finds nothing, so the example needs no model.
type noFace struct{}

func (noFace) Detect(context.Context, *image.Gray) ([]facedetect.Face, error) { return nil, nil }

// Draw the measurements of a checked photo on a copy at most 800 pixels
// long and write it as PNG, as the web page and the batch report do.
func ExampleDrawScaled() {
	photo := fixture.JPEG(fixture.Gradient(1050, 1350), 90, nil, nil)
	res, err := validate.New(noFace{}).Analyze(context.Background(), "foto.jpg", photo, validate.Options{})
	if err != nil {
		panic(err)
	}
	img := annotate.DrawScaled(res, 800)
	if err := png.Encode(io.Discard, img); err != nil {
		panic(err)
	}
	fmt.Println(img.Bounds().Dx(), img.Bounds().Dy())
	// Output: 622 800
}
