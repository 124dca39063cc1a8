package photofix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/tessera-cie/tessera/validate"
)

// ErrNotValid: neither the photo nor a copy Fix makes of it passes every
// check of the profile; only a new photo will.
var ErrNotValid = errors.New("photofix: the photo cannot be made valid")

// Valid is a photo made to pass, or what stood in the way.
type Valid struct {
	// Image is the photo that passes every check: the photo itself, or
	// its fixed copy; nil when neither passes.
	Image image.Image
	// Report is Image's report or, when there is no Image, the report of
	// the photo whose fails stand: the fixed copy's when one was made,
	// else the original's.
	Report *validate.Report
	// Fixed is the copy Fix made, when a check it mends failed, whether
	// or not the copy passes.
	Fixed *Result
}

// MakeValid returns the photo res judged as it passes every check of its
// profile: the photo itself when it passes, else its fixed copy (Fix) when
// the fails are ones Fix mends and the copy passes when v checks it again
// with opts. When neither passes the error is ErrNotValid, wrapping the
// reason Fix refused if it did; the Valid returned says what was made.
func MakeValid(ctx context.Context, v *validate.Validator, res *validate.Result, opts validate.Options) (*Valid, error) {
	rep := res.Report
	out := &Valid{Report: rep}
	switch {
	case rep.Err != nil || res.Image == nil:
		return out, fmt.Errorf("%w: the photo cannot be read", ErrNotValid)
	case rep.Pass:
		out.Image = res.Image
		return out, nil
	case !Needed(rep):
		return out, ErrNotValid
	}
	fixed, err := Fix(res)
	if err != nil {
		return out, fmt.Errorf("%w: %w", ErrNotValid, err)
	}
	out.Fixed = fixed
	again, err := v.Check(ctx, FileName(rep.File), fixed.JPEG, opts)
	if err != nil {
		return out, fmt.Errorf("photofix: check the fixed photo: %w", err)
	}
	out.Report = again
	if !again.Pass {
		return out, ErrNotValid
	}
	img, err := jpeg.Decode(bytes.NewReader(fixed.JPEG))
	if err != nil {
		return out, fmt.Errorf("photofix: decode the fixed photo: %w", err)
	}
	out.Image = img
	return out, nil
}
