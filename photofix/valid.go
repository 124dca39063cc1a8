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

// Valid returns the photo res judged as it passes every check of its
// profile: the photo itself when it passes, else its fixed copy (Fix) when
// the fails are ones Fix mends and the copy passes when v checks it again
// with opts. rep is the report of the photo returned, or, with
// ErrNotValid, of the photo whose fails stand (the copy's when one was
// made, else the original's); a fix Fix refuses is wrapped in the error.
func Valid(ctx context.Context, v *validate.Validator, res *validate.Result, opts validate.Options) (image.Image, *validate.Report, error) {
	rep := res.Report
	if rep.Err != nil || res.Image == nil {
		return nil, rep, fmt.Errorf("%w: the photo cannot be read", ErrNotValid)
	}
	if rep.Pass {
		return res.Image, rep, nil
	}
	if !Needed(rep) {
		return nil, rep, ErrNotValid
	}
	out, err := Fix(res)
	if err != nil {
		return nil, rep, fmt.Errorf("%w: %w", ErrNotValid, err)
	}
	again, err := v.Check(ctx, FileName(rep.File), out.JPEG, opts)
	if err != nil {
		return nil, rep, fmt.Errorf("photofix: check the fixed photo: %w", err)
	}
	if !again.Pass {
		return nil, again, ErrNotValid
	}
	img, err := jpeg.Decode(bytes.NewReader(out.JPEG))
	if err != nil {
		return nil, rep, fmt.Errorf("photofix: decode the fixed photo: %w", err)
	}
	return img, again, nil
}
