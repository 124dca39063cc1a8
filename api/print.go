package api

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/printsheet"
	"github.com/tessera-cie/tessera/validate"
)

// The answers of /v1/print that are not a sheet.
var (
	errPrintFormat  = &apiError{fiber.StatusBadRequest, "api.bad_print_format", nil}
	errNotPrintable = &apiError{fiber.StatusUnprocessableEntity, "api.not_printable", nil}
)

// apiPrint is POST /v1/print: a 10x15 cm sheet to print at 300 DPI with
// the photo repeated at its true size and cut marks, as a JPEG or, with
// ?format=pdf, a PDF. The photo is the one sent when it passes, else its
// fixed copy when that passes; otherwise 422 not_printable names the
// checks that fail, with the report.
func (s *Server) apiPrint(c *fiber.Ctx) error {
	format := c.Query("format", "jpeg")
	if format != "jpeg" && format != "pdf" {
		return s.fail(c, errPrintFormat, nil)
	}
	return s.checkOne(c, func(j *job, res *validate.Result) error {
		rep := res.Report
		if rep.Err != nil {
			return s.fail(c, reportError(rep.Err), rep)
		}
		lang := langOf(c)
		valid, err := photofix.MakeValid(j.ctx, j.v, res, j.opts)
		if err != nil {
			if !errors.Is(err, photofix.ErrNotValid) {
				s.cfg.Logger.Error("print", "err", err)
				return s.fail(c, errInternal, nil)
			}
			e := *errNotPrintable
			e.args = []any{notPrintableReason(valid.Report, err, lang)}
			return s.fail(c, &e, valid.Report)
		}
		photo := valid.Image
		w, h := res.Profile.WidthMM, res.Profile.HeightMM
		var sheet []byte
		ct := "image/jpeg"
		if format == "pdf" {
			sheet, err = printsheet.PDF(photo, w, h)
			ct = "application/pdf"
		} else {
			sheet, err = printsheet.JPEG(photo, w, h)
		}
		if err != nil {
			s.cfg.Logger.Error("print", "err", err)
			return s.fail(c, errInternal, nil)
		}
		c.Set(fiber.HeaderContentType, ct)
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", printsheet.FileName(rep.File, format)))
		c.Set("X-Tessera-Fixed", fmt.Sprint(!rep.Pass))
		return c.Send(sheet)
	})
}

// fixRefused reports whether err says why photofix refused to fix.
func fixRefused(err error) bool {
	return errors.Is(err, photofix.ErrNoFace) || errors.Is(err, photofix.ErrNoRoom) || errors.Is(err, photofix.ErrTooSmall) || errors.Is(err, photofix.ErrTooBig)
}

// notPrintableReason says in lang why no valid photo could be made: the
// checks the photo (or its fixed copy) still fails, or why the fix was
// refused.
func notPrintableReason(rep *validate.Report, err error, lang string) string {
	var names []string
	for _, c := range rep.Failed() {
		names = append(names, validate.CheckName(c.ID, lang))
	}
	if fixRefused(err) {
		return catalog.Say(lang, "print.fix_refused", strings.Join(names, ", "), fixReason(err, lang))
	}
	return catalog.Say(lang, "print.still_fails", strings.Join(names, ", "))
}
