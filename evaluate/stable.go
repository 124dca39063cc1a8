package evaluate

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/jpegturbo"
	"github.com/tessera-cie/tessera/validate"
)

// borderShare is the width of the plain border added around a photo, as a
// share of its shorter side: enough to move the face well inside the
// frame and change the detector's scales, as a scan with a margin or a
// photo pasted on a white page does.
const borderShare = 0.1

// borderColour is the border's: white, the page a print is scanned on.
var borderColour = color.NRGBA{255, 255, 255, 255}

// ResaveQuality is the JPEG quality a photo is re-saved at for
// FigureResavedStable: GIMP's default when it exports a JPEG, about what a
// phone's gallery or a photo editor writes when a photo is saved again.
const ResaveQuality = 90

// variants are the reports of a photo's mirror image, of the photo in a
// plain border and, when asked for, of the photo re-saved as a JPEG of
// ResaveQuality by libjpeg-turbo (nil otherwise): the same photo to a
// clerk, so the same verdicts.
type variants struct{ mirror, border, resaved *validate.Report }

// checkVariants checks img mirrored and bordered, each as a lossless PNG
// so that no pixel but the ones moved or added changes, and, with resaved,
// re-saved as a JPEG. The PNG is stored uncompressed: it only carries the
// pixels to the check, and deflating a 12-megapixel photo, then inflating
// it, cost about as much as checking it (44 % of TestSharedFaces's CPU
// time).
func checkVariants(ctx context.Context, v *validate.Validator, name string, img image.Image, opts validate.Options, resaved bool) (variants, error) {
	var out variants
	for _, c := range []struct {
		into **validate.Report
		img  image.Image
		tag  string
	}{
		{&out.mirror, imaging.FlipH(img), "mirror"},
		{&out.border, bordered(img), "border"},
	} {
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, c.img); err != nil {
			return out, fmt.Errorf("%s of %s: %w", c.tag, name, err)
		}
		r, err := v.Check(ctx, name+" ("+c.tag+")", buf.Bytes(), opts)
		if err != nil {
			return out, err
		}
		*c.into = r
	}
	if !resaved {
		return out, nil
	}
	data, err := jpegturbo.Encode(opaque(img), ResaveQuality)
	if err != nil {
		return out, fmt.Errorf("re-saving %s: %w", name, err)
	}
	out.resaved, err = v.Check(ctx, name+" (re-saved)", data, opts)
	return out, err
}

// opaque is img with every pixel made opaque, its colour kept: the photo
// as the validator reads a translucent PNG's pixels (their colour, not
// their alpha), which Encode would otherwise composite over black.
func opaque(img image.Image) image.Image {
	m, ok := img.(*image.NRGBA)
	if !ok || m.Opaque() {
		return img
	}
	c := &image.NRGBA{Pix: append([]uint8(nil), m.Pix...), Stride: m.Stride, Rect: m.Rect}
	for i := 3; i < len(c.Pix); i += 4 {
		c.Pix[i] = 0xff
	}
	return c
}

// bordered is img inside a plain border of borderShare of its shorter side.
func bordered(img image.Image) image.Image {
	b := img.Bounds()
	w := int(borderShare*float64(min(b.Dx(), b.Dy())) + 0.5)
	out := imaging.New(b.Dx()+2*w, b.Dy()+2*w, borderColour)
	return imaging.Paste(out, img, image.Pt(w, w))
}

// mirrorChecks are what a mirror image must leave alone: every face and
// capture check. The file rules are left out (a PNG of the pixels has none
// of the file's metadata), and so is the framing (face_height, eye_height,
// centering), which photofix mends.
func mirrorChecks() []validate.CheckID {
	var ids []validate.CheckID
	for _, c := range validate.Checks() {
		if !c.FileRule && !c.Fixable {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// faceChecks are the checks of the face itself: how many faces, the pose,
// eyes, mouth, expression and glasses. A border leaves them alone; it
// moves the framing (face_height, eye_height, centering: the fixable
// face-stage checks) and the backdrop, which are left out.
func faceChecks() []validate.CheckID {
	var ids []validate.CheckID
	for _, c := range validate.Checks() {
		if (c.Stage == validate.StageFace || c.Stage == validate.StageFeatures) && !c.Fixable {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// changed lists the checks of ids whose status differs between a and b.
func changed(a, b *validate.Report, ids []validate.CheckID) []validate.CheckID {
	var out []validate.CheckID
	for _, id := range ids {
		ca, _ := a.Find(id)
		cb, _ := b.Find(id)
		if ca.Status != cb.Status {
			out = append(out, id)
		}
	}
	return out
}
