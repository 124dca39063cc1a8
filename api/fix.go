package api

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/validate"
)

// errCannotFix: the photo cannot be fixed by cropping and scaling.
var errCannotFix = &apiError{fiber.StatusUnprocessableEntity, "cannot_fix",
	"Non è possibile correggere questa foto ritagliandola: %s",
	"This photo cannot be fixed by cropping it: %s"}

// fixReason says, in lang, why photofix refused.
func fixReason(err error, lang string) string {
	switch {
	case errors.Is(err, photofix.ErrNoFace):
		if lang == "en" {
			return "it needs exactly one clearly visible face."
		}
		return "serve un solo volto ben visibile."
	case errors.Is(err, photofix.ErrNoRoom):
		if lang == "en" {
			return "there is not enough room around the head. Take a new photo from a little further away, with room above the head and below the chin."
		}
		return "attorno alla testa non c'è abbastanza spazio. Scatta una nuova foto un po' più da lontano, con spazio sopra la testa e sotto il mento."
	case errors.Is(err, photofix.ErrTooSmall):
		if lang == "en" {
			return "it has too few pixels, and enlarging a photo adds no detail. Send the camera's original photo (not a copy shrunk by a chat app or an email), or take a new one."
		}
		return "ha troppo pochi pixel, e ingrandire una foto non aggiunge dettagli. Invia la foto originale della fotocamera (non una copia rimpicciolita da una chat o da un'email), oppure scattane una nuova."
	default:
		if lang == "en" {
			return "the file cannot be made small enough."
		}
		return "il file non può essere reso abbastanza piccolo."
	}
}

// apiFix is POST /v1/fix: the photo cropped to 35x45 around the face with
// the head and the eyes in their bands, at 400 DPI, as a JPEG under the
// size limit. Headers say what was done and whether the result passes.
func (s *Server) apiFix(c *fiber.Ctx) error {
	return s.checkOne(c, func(res *validate.Result) error {
		rep := res.Report
		if rep.Err != nil {
			return s.fail(c, reportError(rep.Err), rep)
		}
		out, err := photofix.Fix(res)
		if err != nil {
			e := *errCannotFix
			e.it = fmt.Sprintf(e.it, fixReason(err, "it"))
			e.en = fmt.Sprintf(e.en, fixReason(err, "en"))
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
