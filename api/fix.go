package api

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/validate"
)

// errCannotFix: the photo cannot be fixed by cropping and scaling.
var errCannotFix = &apiError{fiber.StatusUnprocessableEntity, "api.cannot_fix", nil}

// fixReason says, in lang, why photofix refused.
func fixReason(err error, lang string) string {
	return catalog.Say(lang, fixReasonID(err))
}

// fixReasonID is the message id of why photofix refused.
func fixReasonID(err error) string {
	switch {
	case errors.Is(err, photofix.ErrNoFace):
		return "fix.no_face"
	case errors.Is(err, photofix.ErrNoRoom):
		return "fix.no_room"
	case errors.Is(err, photofix.ErrTooSmall):
		return "fix.too_small"
	default:
		return "fix.too_heavy"
	}
}

// apiFix is POST /v1/fix: the photo cropped to 35x45 around the face with
// the head and the eyes in their bands, at 400 DPI, as a JPEG under the
// size limit. Headers say what was done and whether the result passes.
func (s *Server) apiFix(c *fiber.Ctx) error {
	return s.checkOne(c, func(_ *job, res *validate.Result) error {
		rep := res.Report
		if rep.Err != nil {
			return s.fail(c, reportError(rep.Err), rep)
		}
		out, err := photofix.Fix(res)
		if err != nil {
			e := *errCannotFix
			e.args = []any{catalog.T(fixReasonID(err))}
			return s.fail(c, &e, rep)
		}
		c.Set(fiber.HeaderContentType, "image/jpeg")
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", photofix.FileName(rep.File)))
		c.Set("X-Tessera-Crop", fmt.Sprintf("%d,%d,%d,%d", out.Crop.Min.X, out.Crop.Min.Y, out.Crop.Max.X, out.Crop.Max.Y))
		c.Set("X-Tessera-Size", fmt.Sprintf("%dx%d", out.Width, out.Height))
		c.Set("X-Tessera-DPI", strconv.Itoa(out.DPI))
		return c.Send(out.JPEG)
	})
}
