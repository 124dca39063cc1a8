package validate

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// judge turns measures into checks, with messages in one language.
type judge struct {
	prof *Profile
	lang string
	now  time.Time
	// maxPixels is the validator's limit on a photo's pixels, for the
	// message that refuses a larger one.
	maxPixels int
}

// add appends a check that the profile runs; checks it does not run are
// reported as skipped.
func (j *judge) add(rep *Report, c Check) {
	if !j.prof.runs(c.ID) {
		c = Check{ID: c.ID, Status: Skip, Message: j.say("Non previsto dal profilo %s", "Not part of the %s profile", j.prof.Name)}
	}
	rep.Checks = append(rep.Checks, c)
}

func (j *judge) say(it, en string, args ...any) string { return say(j.lang, it, en, args...) }

// skipAll reports the given checks as skipped for the reason given.
func (j *judge) skipAll(rep *Report, msg string, ids ...string) {
	for _, id := range ids {
		j.add(rep, Check{ID: id, Status: Skip, Message: msg})
	}
}

// finish decides the verdict.
func (j *judge) finish(rep *Report) {
	rep.Pass = rep.Error == ""
	for _, c := range rep.Checks {
		if c.Status == Fail {
			rep.Pass = false
		}
	}
}

// errorText is the citizen's explanation of why the file could not be read.
func (j *judge) errorText(err error, ph *photo) string {
	switch {
	case errors.Is(err, ErrNotImage):
		return j.say("Il file non è un'immagine JPG o PNG", "The file is not a JPG or PNG image")
	case errors.Is(err, ErrUnsupported):
		return j.say("Formato %s non accettato: servono JPG o PNG", "%s format not accepted: JPG or PNG is required", strings.ToUpper(ph.format))
	case errors.Is(err, ErrTooManyPixels):
		return j.say("Immagine troppo grande (%dx%d pixel): il massimo è %d megapixel",
			"Image too large (%dx%d pixels): the maximum is %d megapixels", ph.info.Width, ph.info.Height, j.maxPixels/1_000_000)
	case errors.Is(err, ErrOverBudget):
		return j.say("Immagine troppo pesante da controllare (%dx%d pixel, con molti dati per pixel): inviala più piccola, per esempio 1000x1300 pixel in JPG",
			"Image too heavy to check (%dx%d pixels, with much data per pixel): send it smaller, for example 1000x1300 pixels as JPG", ph.info.Width, ph.info.Height)
	case errors.Is(err, ErrTransferEncoding):
		return j.say("L'allegato è arrivato danneggiato: la sua codifica (base64) non è valida e il file non si può estrarre dal messaggio; allegalo di nuovo",
			"The attachment arrived damaged: its encoding (base64) is invalid and the file cannot be taken out of the message; attach it again")
	case errors.Is(err, ErrInternal):
		return j.say("Errore interno di tessera nel controllo di questa foto: non è un difetto della foto; riprova più tardi",
			"An internal error in tessera stopped the check of this photo: it is not a fault of the photo; retry later")
	case ph != nil && ph.bytes == 0:
		return j.say("Il file è vuoto", "The file is empty")
	}
	return j.say("Il file è danneggiato o incompleto e non si può leggere", "The file is damaged or incomplete and cannot be read")
}

// fileChecks judges the file and its metadata. ph.img is nil when the file
// could not be decoded; then only what is known is judged.
func (j *judge) fileChecks(rep *Report, ph *photo) {
	j.add(rep, j.format(ph))
	j.add(rep, j.fileSize(ph))
	if ph.img == nil {
		j.skipAll(rep, j.say("Immagine non leggibile", "Image cannot be read"),
			"dpi", "resolution", "aspect_ratio", "color", "recency",
			"face_count", "face_height", "eye_height", "centering", "inter_eye", "roll")
		return
	}
	j.add(rep, j.dpi(ph))
	j.add(rep, j.resolution(ph))
	j.add(rep, j.aspect(ph))
	// color is judged with the measurements: see faceChecks.
}

func (j *judge) format(ph *photo) Check {
	c := Check{ID: "format", Value: ph.info.Format, Limit: "jpeg, png"}
	switch ph.format {
	case "jpeg", "png":
		c.Status = Pass
		c.Message = j.say("Formato %s", "%s format", strings.ToUpper(ph.format))
	case "heic", "avif":
		c.Status = Fail
		c.Message = j.say("Foto in formato %s (il formato delle foto di iPhone), non accettato", "Photo in %s format (the iPhone photo format), not accepted", strings.ToUpper(ph.format))
		c.Fix = j.say("Invia la foto in JPG: su iPhone apri Impostazioni > Fotocamera > Formati e scegli \"Più compatibile\", poi scatta di nuovo; oppure condividi la foto via email scegliendo la dimensione \"Effettiva\", che la converte in JPG.",
			"Send the photo as JPG: on an iPhone open Settings > Camera > Formats and choose \"Most Compatible\", then take the photo again; or share it by email choosing \"Actual Size\", which converts it to JPG.")
	case "":
		c.Status = Fail
		c.Value = "unknown"
		c.Message = j.say("Il file non è un'immagine", "The file is not an image")
		c.Fix = j.say("Allega la foto stessa, in formato JPG o PNG, non un documento o un collegamento.", "Attach the photo itself, as a JPG or PNG file, not a document or a link.")
	default:
		c.Status = Fail
		c.Message = j.say("Formato %s non accettato", "%s format not accepted", strings.ToUpper(ph.format))
		c.Fix = j.say("Apri la foto con un programma di foto (Foto di Windows, Anteprima su Mac, GIMP) e salvala con \"Esporta\" o \"Salva con nome\" in formato JPG.",
			"Open the photo in a photo program (Windows Photos, Preview on a Mac, GIMP) and save it with \"Export\" or \"Save as\" in JPG format.")
	}
	return c
}

func (j *judge) fileSize(ph *photo) Check {
	max := j.prof.MaxBytes
	c := Check{ID: "file_size", Value: ph.bytes, Limit: fmt.Sprintf("<= %d", max)}
	kb := float64(ph.bytes) / 1024
	if ph.bytes <= max {
		c.Status = Pass
		c.Message = j.say("Dimensione del file %.0f KB", "File size %.0f KB", kb)
		return c
	}
	c.Status = Fail
	c.Message = j.say("File di %.0f KB, oltre il massimo di %d KB", "File of %.0f KB, over the maximum of %d KB", kb, max/1024)
	c.Fix = j.say("Riduci il file sotto i %d KB: salva di nuovo la foto in JPG con qualità 85 %% (lo fa da sé la correzione automatica: \"Scarica la foto corretta\" sulla pagina, o \"tessera fix\"), senza ridurla sotto 551x709 pixel.",
		"Make the file smaller than %d KB: save the photo again as JPG at quality 85 %% (the automatic fix does it for you: \"Download the fixed photo\" on the page, or \"tessera fix\"), without shrinking it under 551x709 pixels.", max/1024)
	return c
}

func (j *judge) dpi(ph *photo) Check {
	p := j.prof
	dpi := ph.info.DPI
	declared := dpi > 0
	if !declared {
		dpi = p.DefaultDPI
		ph.info.DPI = dpi
		ph.info.DPISource = "none"
	}
	c := Check{ID: "dpi", Value: math.Round(dpi), Limit: fmt.Sprintf(">= %.0f", p.MinDPI)}
	if dpi >= p.MinDPI {
		c.Status = Pass
		c.Message = j.say("Risoluzione dichiarata %.0f DPI", "Declared resolution %.0f DPI", dpi)
		return c
	}
	c.Status = Fail
	if declared {
		c.Message = j.say("Risoluzione dichiarata %.0f DPI, ne servono almeno %.0f", "Declared resolution %.0f DPI, at least %.0f needed", dpi, p.MinDPI)
	} else {
		c.Message = j.say("Il file non dichiara la risoluzione: vale come %.0f DPI, ne servono almeno %.0f", "The file declares no resolution: it counts as %.0f DPI, at least %.0f needed", dpi, p.MinDPI)
	}
	c.Fix = j.say("Imposta la risoluzione a %.0f DPI senza cambiare i pixel: in GIMP Immagine > Dimensione di stampa, in Anteprima (Mac) Strumenti > Regola dimensioni togliendo \"Ricampiona\"; oppure usa la correzione automatica (\"Scarica la foto corretta\" sulla pagina, o \"tessera fix\").",
		"Set the resolution to %.0f DPI without changing the pixels: in GIMP Image > Print Size, in Preview (Mac) Tools > Adjust Size with \"Resample\" off; or use the automatic fix (\"Download the fixed photo\" on the page, or \"tessera fix\").", p.MinDPI)
	return c
}

func (j *judge) resolution(ph *photo) Check {
	p := j.prof
	w, h := ph.info.Width, ph.info.Height
	c := Check{ID: "resolution", Value: fmt.Sprintf("%dx%d", w, h), Limit: fmt.Sprintf(">= %dx%d", p.MinWidth, p.MinHeight)}
	if w >= p.MinWidth && h >= p.MinHeight {
		c.Status = Pass
		c.Message = j.say("%dx%d pixel", "%dx%d pixels", w, h)
		return c
	}
	c.Status = Fail
	c.Message = j.say("%dx%d pixel: troppo pochi per %s mm a %.0f DPI", "%dx%d pixels: too few for %s mm at %.0f DPI", w, h, p.Size(), p.MinDPI)
	c.Fix = j.say("Usa la foto originale della fotocamera, non una copia rimpicciolita (per esempio da WhatsApp): servono almeno %dx%d pixel.",
		"Use the camera's original photo, not a shrunken copy (from WhatsApp, say): at least %dx%d pixels are needed.", p.MinWidth, p.MinHeight)
	return c
}

func (j *judge) aspect(ph *photo) Check {
	p := j.prof
	w, h := float64(ph.info.Width), float64(ph.info.Height)
	ratio := w / h
	c := Check{ID: "aspect_ratio", Value: math.Round(ratio*1000) / 1000, Limit: fmt.Sprintf("%.3f ± %.0f %%", p.Aspect, p.AspectTol*100)}
	if math.Abs(ratio/p.Aspect-1) <= p.AspectTol {
		c.Status = Pass
		c.Message = j.say("Proporzioni %s (%.3f)", "%s proportions (%.3f)", p.Size(), ratio)
		return c
	}
	c.Status = Fail
	// The largest 35:45 crop that fits.
	cw, ch := w, w/p.Aspect
	if ch > h {
		cw, ch = h*p.Aspect, h
	}
	c.Message = j.say("Proporzioni %.3f invece di %.0f:%.0f (%.3f)", "Proportions %.3f instead of %.0f:%.0f (%.3f)", ratio, p.WidthMM, p.HeightMM, p.Aspect)
	c.Fix = j.say("Ritaglia la foto in formato %s, per esempio %.0fx%.0f pixel, con il viso al centro (lo fa da sé la correzione automatica: \"Scarica la foto corretta\" sulla pagina, o \"tessera fix\").",
		"Crop the photo to %s, for example %.0fx%.0f pixels, with the face in the middle (the automatic fix does it for you: \"Download the fixed photo\" on the page, or \"tessera fix\").", p.Size(), math.Floor(cw), math.Floor(ch))
	return c
}

func (j *judge) recency(ph *photo) Check {
	p := j.prof
	c := Check{ID: "recency", Limit: fmt.Sprintf("<= %d days", p.MaxAgeDays)}
	t := ph.info.Taken
	if t == nil {
		c.Status = Warn
		c.Message = j.say("La foto non riporta la data di scatto", "The photo carries no capture date")
		c.Fix = j.say("Nessuna azione se la foto ha meno di %.0f mesi: l'ufficio potrebbe chiedertene conferma. Invia il file originale del telefono per conservare la data.",
			"Nothing to do if the photo is less than %.0f months old: the office may ask you to confirm it. Send the phone's original file to keep the date.", p.maxAgeMonths())
		return c
	}
	c.Value = t.Format("2006-01-02")
	age := j.now.Sub(*t)
	days := age.Hours() / 24
	switch {
	case days < -p.FutureDays:
		c.Status = Fail
		c.Message = j.say("Data di scatto nel futuro (%s)", "Capture date in the future (%s)", t.Format("02/01/2006"))
		c.Fix = j.say("Controlla la data e l'ora della fotocamera, poi scatta di nuovo la foto.", "Check the camera's date and time, then take the photo again.")
	case days > float64(p.MaxAgeDays):
		c.Status = Fail
		c.Message = j.say("Foto scattata il %s, più di %.0f mesi fa", "Photo taken on %s, more than %.0f months ago", t.Format("02/01/2006"), p.maxAgeMonths())
		c.Fix = j.say("Serve una foto recente: scattane una nuova (non più vecchia di %.0f mesi).", "A recent photo is needed: take a new one (no older than %.0f months).", p.maxAgeMonths())
	default:
		c.Status = Pass
		c.Message = j.say("Scattata il %s", "Taken on %s", t.Format("02/01/2006"))
	}
	return c
}
