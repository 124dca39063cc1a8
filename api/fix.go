package api

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/validate"
)

// mechanical are the checks a crop, a scale, a DPI and a new JPEG can fix:
// the page offers the fixed photo when one of them fails.
var mechanical = map[string]bool{
	"file_size": true, "dpi": true, "resolution": true, "aspect_ratio": true,
	"face_height": true, "eye_height": true, "centering": true,
}

// needsFix reports whether a mechanical check failed.
func needsFix(rep *validate.Report) bool {
	for _, c := range rep.Checks {
		if c.Status == validate.Fail && mechanical[c.ID] {
			return true
		}
	}
	return false
}

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
	default:
		if lang == "en" {
			return "the file cannot be made small enough."
		}
		return "il file non può essere reso abbastanza piccolo."
	}
}

// fixedName is the download name of the fixed photo of name.
func fixedName(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if base == "" || base == "." || base == "/" {
		base = "foto"
	}
	return base + "-tessera.jpg"
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
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", fixedName(rep.File)))
		c.Set("X-Tessera-Crop", fmt.Sprintf("%d,%d,%d,%d", out.Crop.Min.X, out.Crop.Min.Y, out.Crop.Max.X, out.Crop.Max.Y))
		c.Set("X-Tessera-Size", fmt.Sprintf("%dx%d", out.Width, out.Height))
		c.Set("X-Tessera-DPI", strconv.Itoa(out.DPI))
		return c.Send(out.JPEG)
	})
}
