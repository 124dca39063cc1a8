package batch

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/tessera-cie/tessera/validate"
)

//go:embed report.html
var reportHTML string

var reportTmpl = template.Must(template.New("report").Parse(reportHTML))

// HTMLInfo is what the HTML report says about the run.
type HTMLInfo struct {
	Lang    string        // "it" or "en"
	Profile string        // the profile the photos were judged by
	Started time.Time     // when the run started
	Elapsed time.Duration // how long it took
}

// WriteHTML writes the clerk's report: one self-contained HTML page (the
// thumbnails are inline, there is no script and nothing is fetched) with a
// summary on top, then the photos that fail, those that could not be read,
// those that pass, and the skipped files. It reads and prints offline.
func WriteHTML(w io.Writer, items []Item, sum Summary, info HTMLInfo) error {
	lang := validate.ParseLang(info.Lang)
	say := func(it, en string) string {
		if lang == "en" {
			return en
		}
		return it
	}
	data := htmlData{
		Lang:    lang,
		Profile: info.Profile,
		When:    info.Started.Format("2006-01-02 15:04"),
		Seconds: fmt.Sprintf("%.1f", info.Elapsed.Seconds()),
		Sum:     sum,
		T: map[string]string{
			"title":      say("Controllo foto CIE: rapporto", "CIE photo check: report"),
			"profile":    say("Profilo", "Profile"),
			"when":       say("Eseguito il", "Run on"),
			"seconds":    say("secondi", "seconds"),
			"photos":     say("Foto controllate", "Photos checked"),
			"pass":       say("Valide", "Pass"),
			"fail":       say("Non valide", "Fail"),
			"error":      say("Illeggibili", "Unreadable"),
			"skipped":    say("File saltati", "Skipped files"),
			"verdict":    say("Esito", "Verdict"),
			"vpass":      say("VALIDA", "PASS"),
			"vfail":      say("NON VALIDA", "FAIL"),
			"verror":     say("ILLEGGIBILE", "UNREADABLE"),
			"failed":     say("Da correggere", "To fix"),
			"warned":     say("Da verificare a vista", "To check by eye"),
			"passed":     say("Regole rispettate", "Rules met"),
			"fix":        say("Come correggere", "How to fix"),
			"nophoto":    say("Anteprima non disponibile", "No preview"),
			"thumb":      say("Foto con le misure: riquadro 35x45, fascia degli occhi e della sommità del capo", "Photo with the measurements: 35x45 frame, bands for the eyes and the top of the head"),
			"reason":     say("Motivo", "Reason"),
			"file":       say("File", "File"),
			"none":       say("Nessuna foto trovata.", "No photos found."),
			"disclaimer": say("Controllo automatico secondo le regole CIE del Ministero dell'Interno e ICAO Doc 9303: nei casi dubbi decide l'operatore.", "Automatic check against the Ministry of the Interior's CIE rules and ICAO Doc 9303: when in doubt, the clerk decides."),
		},
	}
	for _, v := range []Verdict{VerdictFail, VerdictError, VerdictPass} {
		for _, it := range items {
			if it.Verdict() != v {
				continue
			}
			data.Photos = append(data.Photos, photoView(it, lang))
		}
	}
	for _, it := range items {
		if it.Verdict() == VerdictSkipped {
			data.Skipped = append(data.Skipped, skippedView{Path: it.Path, Reason: it.Skip.Text(lang)})
		}
	}
	return reportTmpl.Execute(w, data)
}

type htmlData struct {
	Lang    string
	Profile string
	When    string
	Seconds string
	Sum     Summary
	T       map[string]string
	Photos  []photoHTML
	Skipped []skippedView
}

type photoHTML struct {
	Path    string
	Verdict string
	Thumb   template.URL // data: URL of the annotated thumbnail
	Error   string
	Failed  []checkHTML
	Warned  []checkHTML
	Passed  []string
	Summary string // size, pixels, DPI
}

type checkHTML struct {
	ID, Name, Message, Fix string
}

type skippedView struct {
	Path, Reason string
}

func photoView(it Item, lang string) photoHTML {
	r := it.Report
	p := photoHTML{Path: it.Path, Verdict: string(it.Verdict()), Error: r.Error}
	if len(it.Thumb) > 0 {
		p.Thumb = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(it.Thumb))
	}
	views := func(s validate.Status) []checkHTML {
		var out []checkHTML
		for _, c := range r.WithStatus(s) {
			out = append(out, checkHTML{ID: c.ID, Name: validate.CheckName(c.ID, lang), Message: c.Message, Fix: c.Fix})
		}
		return out
	}
	p.Failed, p.Warned = views(validate.Fail), views(validate.Warn)
	for _, c := range r.WithStatus(validate.Pass) {
		p.Passed = append(p.Passed, validate.CheckName(c.ID, lang))
	}
	if im := r.Image; im != nil && im.Width > 0 {
		p.Summary = fmt.Sprintf("%s, %dx%d px, %.0f DPI, %s", im.Format, im.Width, im.Height, im.DPI, kb(im.Bytes))
	} else if im != nil {
		p.Summary = kb(im.Bytes)
	}
	return p
}

// kb prints a size as file managers do (1 KB = 1024 bytes).
func kb(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.0f KB", float64(n)/1024)
}
