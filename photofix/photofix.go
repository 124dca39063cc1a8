// Package photofix makes the mechanical fixes a checked photo may need: it
// crops to 35:45 around the face so that the head height and the eye line
// fall in the middle of the profile's bands, scales to at least 35x45 mm at
// the profile's DPI, declares that DPI and saves a JPEG under the size limit.
//
// It cannot fix what only a new photo fixes (expression, light, background,
// a head cut off by the frame); it says so with ErrNoRoom.
package photofix

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"

	"github.com/disintegration/imaging"
	"github.com/tessera-cie/tessera/validate"
)

// Errors returned by Fix.
var (
	// ErrNoFace: the photo has not exactly one face, so there is nothing to
	// frame.
	ErrNoFace = errors.New("photofix: the photo needs exactly one face")
	// ErrNoRoom: the photo has too little margin around the head for a
	// 35x45 crop with the head and eyes in their bands.
	ErrNoRoom = errors.New("photofix: not enough room around the head")
	// ErrTooBig: no JPEG quality down to MinQuality fits the size limit.
	ErrTooBig = errors.New("photofix: cannot fit the size limit")
	// ErrTooSmall: the crop around the face has too few pixels to reach
	// the profile's smallest size without enlarging it by more than
	// MaxUpscale: a larger original or a new photo is needed.
	ErrTooSmall = errors.New("photofix: too few pixels for the photo's smallest size")
)

// MaxUpscale is the most Fix enlarges a crop to reach the profile's
// smallest size (551x709 at 400 DPI). Enlarging adds no detail, it only
// spreads the pixels there are: within 10 % each pixel of the original
// still covers at most 1.1 pixels of the result (0.07 mm at 400 DPI), a
// softening no print shows and the sharpness check does not read, so a
// photo a few pixels short is not sent back for that alone. Beyond it the
// resolution rule would pass on detail the photo does not have.
const MaxUpscale = 1.10

// MinQuality is the lowest JPEG quality Fix will save at: below it
// compression artefacts show on skin.
const MinQuality = 60

// maxScale bounds the output: at most this many times the smallest size
// (35x45 mm at the profile's DPI), so files stay small.
const maxScale = 1.5

// Result is a fixed photo.
type Result struct {
	JPEG    []byte
	Crop    image.Rectangle // in pixels of the photo as displayed
	Width   int             // of the output
	Height  int
	DPI     int
	Quality int
	// Upscaled is true when the crop had fewer pixels than needed and was
	// enlarged, by at most MaxUpscale.
	Upscaled bool
}

// Fix crops, scales and encodes the photo res judged. res must come from
// validate.Validator.Analyze with exactly one face.
func Fix(res *validate.Result) (*Result, error) {
	if res == nil || res.Image == nil {
		return nil, fmt.Errorf("photofix: no decoded photo")
	}
	face := res.Report.Face
	if face == nil {
		return nil, ErrNoFace
	}
	p := res.Profile
	crop, err := frame(res.Image.Bounds(), face, p)
	if err != nil {
		return nil, err
	}
	minW, minH := p.MinWidth, p.MinHeight
	if minW <= 0 || minH <= 0 {
		minW, minH = 551, 709
	}
	outH := crop.Dy()
	if outH < minH {
		outH = minH
	}
	if lim := int(float64(minH) * maxScale); outH > lim {
		outH = lim
	}
	outW := int(math.Round(float64(outH) * aspect(p)))
	if outW < minW {
		outW = minW
		outH = int(math.Round(float64(outW) / aspect(p)))
	}
	if float64(outH) > MaxUpscale*float64(crop.Dy()) {
		return nil, fmt.Errorf("%w: the face's %s crop has %dx%d pixels, %dx%d are needed", ErrTooSmall, p.Size(), crop.Dx(), crop.Dy(), outW, outH)
	}
	img := imaging.Crop(res.Image, crop)
	if img.Bounds().Dx() != outW || img.Bounds().Dy() != outH {
		img = imaging.Resize(img, outW, outH, imaging.Lanczos)
	}
	dpi := int(math.Ceil(p.MinDPI))
	if dpi <= 0 {
		dpi = 400
	}
	maxBytes := p.MaxBytes
	if maxBytes <= 0 {
		maxBytes = 500 * 1024
	}
	data, q, err := encode(img, dpi, maxBytes)
	if err != nil {
		return nil, err
	}
	return &Result{
		JPEG: data, Crop: crop, Width: outW, Height: outH, DPI: dpi, Quality: q,
		Upscaled: crop.Dy() < outH,
	}, nil
}

func aspect(p *validate.Profile) float64 {
	if p.Aspect > 0 {
		return p.Aspect
	}
	return 35.0 / 45.0
}

// frame chooses the crop: the head height and the eye line as near the
// middle of their bands as the photo's margins allow, the eyes centred.
func frame(b image.Rectangle, f *validate.FaceInfo, p *validate.Profile) (image.Rectangle, error) {
	eyeX := (f.LeftEye[0] + f.RightEye[0]) / 2
	eyeY := (f.LeftEye[1] + f.RightEye[1]) / 2
	head := f.Chin[1] - f.Crown[1]
	if head <= 0 {
		return image.Rectangle{}, ErrNoFace
	}
	mid := func(r validate.Range) float64 { return (r.Min + r.Max) / 2 }
	// Candidates from the ideal outwards, kept a margin inside each band
	// so that measurement noise on the output does not cross its edge.
	const margin = 0.2
	// The head height band, as crop heights: chin to the visible crown
	// in the band and, when voluminous hair raises the crown above the
	// skull estimate, chin to the skull too where both fit, so that
	// face_height has no reason to warn.
	fr := p.FaceHeight
	hLo, hHi := head/fr.Max, head/fr.Min
	if f.VoluminousHair() {
		if skull := f.Chin[1] - f.Skull[1]; skull > 0 && skull < head && skull/fr.Min >= hLo && head/fr.Max <= skull/fr.Min {
			hHi = min(hHi, skull/fr.Min)
		}
	}
	// Room for the crown finder to see backdrop above the hair.
	const above = 0.01
	// Where the top of the head was not seen (the crown is the skull
	// estimate), the hair above it may run off the crop's top edge, and
	// face_height then takes chin to edge as a floor: it must stay in the
	// band too (a margin inside its top), or the fixed photo fails as a
	// head cut too large.
	seen := f.CrownFrom == validate.CrownVisible
	maxEdge := fr.Max - margin*(fr.Max-fr.Min)/2
	steps := []float64{0, 0.25, -0.25, 0.5, -0.5, 0.75, -0.75, 1, -1}
	var short string
	edgeTooLow := false        // a crop was refused for chin to edge over the band
	for _, ds := range steps { // head size
		h := (hLo+hHi)/2 + ds*(1-margin)*(hHi-hLo)/2
		w := h * aspect(p)
		for _, de := range steps { // eye line
			eh := mid(p.EyeHeight) + de*(1-margin)*(p.EyeHeight.Max-p.EyeHeight.Min)/2
			y0 := eyeY - (1-eh)*h
			// The crown, with a little backdrop above it, and the chin
			// must lie inside the crop.
			if f.Crown[1]-above*h < y0 || f.Chin[1] > y0+h {
				continue
			}
			if !seen && f.Chin[1]-y0 > maxEdge*h {
				edgeTooLow = true
				continue
			}
			for _, dc := range steps { // centring
				cx := mid(p.Centering) + dc*(1-margin)*(p.Centering.Max-p.Centering.Min)/2
				x0 := eyeX - cx*w
				r := image.Rect(int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x0+w)), int(math.Round(y0+h)))
				if r.In(b) {
					return r, nil
				}
				short = side(r, b)
			}
		}
	}
	if short == "" || edgeTooLow {
		short = "top"
	}
	return image.Rectangle{}, fmt.Errorf("%w (short on the %s)", ErrNoRoom, short)
}

// side names the first edge of b that r crosses.
func side(r, b image.Rectangle) string {
	switch {
	case r.Min.Y < b.Min.Y:
		return "top"
	case r.Max.Y > b.Max.Y:
		return "bottom"
	case r.Min.X < b.Min.X:
		return "left"
	default:
		return "right"
	}
}

// encode saves img as a JPEG declaring dpi in a JFIF header, at the highest
// quality from 92 down to MinQuality whose file fits maxBytes.
func encode(img image.Image, dpi, maxBytes int) ([]byte, int, error) {
	img = rgbaView(img)
	var buf bytes.Buffer
	for q := 92; q >= MinQuality; q -= 4 {
		buf.Reset()
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, 0, fmt.Errorf("photofix: encode: %w", err)
		}
		out := DeclareDPI(buf.Bytes(), dpi)
		if len(out) <= maxBytes {
			return out, q, nil
		}
	}
	return nil, 0, fmt.Errorf("%w of %d bytes at quality %d", ErrTooBig, maxBytes, MinQuality)
}

// rgbaView returns an opaque *image.NRGBA as an *image.RGBA over the same
// pixels (with every alpha at 255 the two layouts hold the same bytes), so
// that image/jpeg takes its fast path for RGBA instead of reading each
// pixel through the image.Image interface: half the time of an encode.
// Any other image is returned as it is.
func rgbaView(img image.Image) image.Image {
	n, ok := img.(*image.NRGBA)
	if !ok || !n.Opaque() {
		return img
	}
	return &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
}

// DeclareDPI inserts a JFIF APP0 segment declaring dpi after the SOI
// marker of a JPEG from image/jpeg, which writes none.
func DeclareDPI(j []byte, dpi int) []byte {
	seg := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 2, 1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(dpi))
	seg = binary.BigEndian.AppendUint16(seg, uint16(dpi))
	seg = append(seg, 0, 0) // no thumbnail
	out := make([]byte, 0, len(j)+len(seg))
	out = append(out, j[:2]...)
	out = append(out, seg...)
	return append(out, j[2:]...)
}
