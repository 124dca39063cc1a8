package api

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/jpeg"
	"maps"
	"mime"
	"path"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/annotate"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/validate"
)

//go:embed web/page.html web/static
var webFS embed.FS

// pageImageSize is the long side of the annotated photo on the result page:
// sharp on a phone, and a JPEG of it is about 100 KB inline.
const pageImageSize = 720

func parsePages() *template.Template {
	return template.Must(template.New("pages").ParseFS(webFS, "web/page.html"))
}

// texts are the words of the page in each language.
var texts = map[string]map[string]string{
	"it": {
		"title":      "Controllo della foto per la Carta d'Identità Elettronica",
		"other":      "English",
		"lead":       "Scegli la foto che porterai in Comune o invierai all'anagrafe: ti diciamo subito se rispetta le regole della CIE e, se no, cosa correggere.",
		"choose":     "Scegli la foto, scattala o trascinala qui",
		"hint":       "JPG o PNG, come la invieresti all'anagrafe.",
		"profile":    "Regole da applicare",
		"cie":        "Carta d'Identità Elettronica (sfondo bianco, file JPG/PNG, %.0f DPI, max %d KB)",
		"icao":       "Solo il viso (regole ICAO, qualsiasi sfondo chiaro)",
		"submit":     "Controlla la foto",
		"privacy":    "La foto non viene salvata né registrata: è controllata in memoria e subito scartata.",
		"busy":       "Controllo in corso…",
		"errtitle":   "Impossibile controllare la foto.",
		"file":       "File",
		"imgalt":     "La foto con le misure disegnate sopra: riquadro 35x45, fasce per occhi e sommità del capo, linea degli occhi, mento e sommità del capo.",
		"legend":     "Come leggere la foto:",
		"lframe":     "riquadro 35x45 mm",
		"leyeband":   "fascia in cui devono stare gli occhi",
		"lcrownband": "fascia in cui deve stare la sommità del capo",
		"lbox":       "volto trovato",
		"lok":        "misura corretta",
		"lbad":       "misura da correggere",
		"tofix":      "Cosa correggere",
		"tocheck":    "Da verificare",
		"allchecks":  "Controlli superati",
		"passed":     "superati",
		"skipped":    "Non verificati",
		"pass":       "✔ La foto va bene per la carta d'identità",
		"fail1":      "✘ La foto non va bene: c'è 1 cosa da correggere",
		"failn":      "✘ La foto non va bene: ci sono %d cose da correggere",
		"fixdl":      "Scarica la foto corretta",
		"fixnote":    "Ritagliata in 35x45 attorno al viso, %dx%d pixel, 400 DPI, %d KB: corregge formato, dimensioni e inquadratura. Ciò che resta da correggere richiede una nuova foto.",
		"fixno":      "Correzione automatica non possibile:",
		"footer":     "tessera — regole del Ministero dell'Interno per la CIE e ICAO Doc 9303. Il controllo è automatico: in caso di dubbio decide l'ufficio anagrafe.",
	},
	"en": {
		"title":      "Photo check for the Italian electronic identity card (CIE)",
		"other":      "Italiano",
		"lead":       "Choose the photo you will bring to the town hall or email to the registry office: you will see at once whether it meets the CIE rules and, if not, what to fix.",
		"choose":     "Choose the photo, take it, or drag it here",
		"hint":       "JPG or PNG, as you would send it to the registry office.",
		"profile":    "Rules to apply",
		"cie":        "Italian identity card (white background, JPG/PNG file, %.0f DPI, at most %d KB)",
		"icao":       "The face only (ICAO rules, any light background)",
		"submit":     "Check the photo",
		"privacy":    "The photo is neither stored nor logged: it is checked in memory and discarded at once.",
		"busy":       "Checking…",
		"errtitle":   "The photo could not be checked.",
		"file":       "File",
		"imgalt":     "The photo with the measurements drawn on it: 35x45 frame, bands for the eyes and the top of the head, eye line, chin and top of the head.",
		"legend":     "How to read the picture:",
		"lframe":     "35x45 mm frame",
		"leyeband":   "band where the eyes must be",
		"lcrownband": "band where the top of the head must be",
		"lbox":       "face found",
		"lok":        "measure is right",
		"lbad":       "measure to fix",
		"tofix":      "What to fix",
		"tocheck":    "To check",
		"allchecks":  "Checks passed",
		"passed":     "passed",
		"skipped":    "Not checked",
		"pass":       "✔ The photo is fine for the identity card",
		"fail1":      "✘ The photo is not fine: 1 thing to fix",
		"failn":      "✘ The photo is not fine: %d things to fix",
		"fixdl":      "Download the fixed photo",
		"fixnote":    "Cropped to 35x45 around the face, %dx%d pixels, 400 DPI, %d KB: it fixes format, size and framing. Whatever else is left needs a new photo.",
		"fixno":      "No automatic fix possible:",
		"footer":     "tessera — the Italian Ministry of the Interior's CIE rules and ICAO Doc 9303. The check is automatic: when in doubt, the registry office decides.",
	},
}

// pageData feeds the page template.
type pageData struct {
	Lang, OtherLang string
	T               map[string]string
	Profile         string
	Error           string
	Limit           int    // body limit in bytes, for the script's check before upload
	TooLarge        string // what to say when the file is over it
	Result          *resultView
}

type resultView struct {
	File                        string
	Pass                        bool
	Verdict                     string
	Image                       template.URL // data: URI of the annotated JPEG
	Width, Height               int
	Fails, Warns, Passes, Skips []checkView
	// Fixed is the photo cropped, scaled and saved by photofix, as a data:
	// URI to download, when a check it can fix failed; FixNote says what
	// was done, or FixError why it could not be.
	Fixed             template.URL
	FixedName         string
	FixNote, FixError string
}

type checkView struct {
	ID, Name, Message, Fix string
}

func (s *Server) newPage(lang string) pageData {
	other := "en"
	if lang == "en" {
		other = "it"
	}
	// The CIE's file rules, as its profile holds them.
	t := maps.Clone(texts[lang])
	cie, _ := validate.LookupProfile("cie")
	t["cie"] = fmt.Sprintf(t["cie"], cie.MinDPI, cie.MaxBytes/1024)
	return pageData{Lang: lang, OtherLang: other, T: t, Limit: s.cfg.BodyLimit,
		TooLarge: errTooLarge.message(lang, s.cfg.BodyLimit>>20)}
}

// index is GET /: the page with the form.
func (s *Server) index(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, s.newPage(langOf(c)))
}

// webCheck is POST /check: the form's target. It renders the whole result
// page, or only the result when the page's script asks (X-Requested-With).
func (s *Server) webCheck(c *fiber.Ctx) error {
	up, e := readUpload(c)
	if up == nil {
		up = &upload{}
	}
	profile, lang := requestOptions(c, up)
	if e != nil {
		return s.renderError(c, e.status, lang, e.message(lang))
	}
	j, e := s.start(c, profile, lang)
	if e != nil {
		return s.renderError(c, e.status, lang, e.message(lang))
	}
	defer j.done()
	res, e := j.analyze(up.name, up.data)
	if e != nil {
		return s.renderError(c, e.status, lang, e.message(lang))
	}
	rep := res.Report
	if rep.Err != nil {
		// Say why, with the format check's fix (HEIC: how to get a JPG).
		msg := reportError(rep.Err).message(lang)
		if ch, ok := rep.Find("format"); ok && ch.Status == validate.Fail && ch.Fix != "" {
			msg += " " + ch.Fix
		}
		return s.renderError(c, reportError(rep.Err).status, lang, msg)
	}
	img := annotate.DrawScaled(res, pageImageSize)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return s.fail(c, errInternal, nil)
	}
	p := s.newPage(lang)
	p.Profile = rep.Profile
	v := &resultView{
		File:   rep.File,
		Pass:   rep.Pass,
		Image:  template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		Width:  img.Bounds().Dx(),
		Height: img.Bounds().Dy(),
	}
	views := func(s validate.Status) []checkView {
		var out []checkView
		for _, ch := range rep.WithStatus(s) {
			out = append(out, checkView{ID: ch.ID, Name: validate.CheckName(ch.ID, lang), Message: ch.Message, Fix: ch.Fix})
		}
		return out
	}
	v.Fails, v.Warns, v.Passes, v.Skips = views(validate.Fail), views(validate.Warn), views(validate.Pass), views(validate.Skip)
	switch n := len(v.Fails); {
	case n == 0:
		v.Verdict = p.T["pass"]
	case n == 1:
		v.Verdict = p.T["fail1"]
	default:
		v.Verdict = fmt.Sprintf(p.T["failn"], n)
	}
	if photofix.Needed(rep) {
		if out, err := photofix.Fix(res); err != nil {
			v.FixError = fixReason(err, lang)
		} else {
			v.Fixed = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(out.JPEG))
			v.FixedName = photofix.FileName(rep.File)
			v.FixNote = fmt.Sprintf(p.T["fixnote"], out.Width, out.Height, (len(out.JPEG)+1023)/1024)
		}
	}
	p.Result = v
	return s.render(c, fiber.StatusOK, p)
}

// renderError shows msg on the page (or alone, for the page's script).
func (s *Server) renderError(c *fiber.Ctx, status int, lang, msg string) error {
	if status == fiber.StatusTooManyRequests || status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, "2")
	}
	p := s.newPage(lang)
	p.Error = msg
	return s.render(c, status, p)
}

// render writes the page, or only its result part for the page's script.
func (s *Server) render(c *fiber.Ctx, status int, p pageData) error {
	name := "page"
	if c.Get("X-Requested-With") == "fetch" {
		name = "result"
		if p.Error != "" {
			name = "error"
		}
	}
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, p); err != nil {
		s.cfg.Logger.Error("template", "err", err)
		c.Status(fiber.StatusInternalServerError)
		return c.SendString("internal error")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	// Everything the page needs is served from here; the photo is inline.
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
	return c.Send(buf.Bytes())
}

// static is GET /static/:name: the page's embedded style and script.
func (s *Server) static(c *fiber.Ctx) error {
	name := path.Base(c.Params("name"))
	data, err := webFS.ReadFile("web/static/" + name)
	if err != nil {
		return s.fail(c, errNotFound, nil)
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(data)
}
