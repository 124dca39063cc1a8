package batch

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/validate"
)

//go:embed report.html
var reportHTML string

var reportTmpl = template.Must(template.New("report").Parse(reportHTML))

// HTMLInfo is what the HTML report says about the run.
type HTMLInfo struct {
	Lang    string        // one of catalog.Languages
	Profile string        // the profile the photos were judged by
	Started time.Time     // when the run started
	Elapsed time.Duration // how long it took
}

// htmlTexts are the words of the report's page: the template's .T.name is
// message "batch.html.name".
var htmlTexts = []string{
	"batch.html.title", "batch.html.profile", "batch.html.when", "batch.html.seconds",
	"batch.html.photos", "batch.html.pass", "batch.html.fail", "batch.html.error",
	"batch.html.skipped", "batch.html.verdict", "batch.html.vpass", "batch.html.vfail",
	"batch.html.verror", "batch.html.failed", "batch.html.warned", "batch.html.passed",
	"batch.html.fix", "batch.html.nophoto", "batch.html.thumb", "batch.html.reason",
	"batch.html.file", "batch.html.none", "batch.html.disclaimer",
}

// pageTexts returns the words of the report's page in lang.
func pageTexts(lang string) map[string]string {
	p := catalog.For(lang)
	t := make(map[string]string, len(htmlTexts))
	for _, id := range htmlTexts {
		t[strings.TrimPrefix(id, "batch.html.")] = p.Say(id)
	}
	return t
}

// WriteHTML writes the clerk's report: one self-contained HTML page (the
// thumbnails are inline, there is no script and nothing is fetched) with a
// summary on top, then the photos that fail, those that could not be read,
// those that pass, and the skipped files. It reads and prints offline.
func WriteHTML(w io.Writer, items []Item, sum Summary, info HTMLInfo) error {
	lang := catalog.For(info.Lang).Lang()
	data := htmlData{
		Lang:    lang,
		Profile: info.Profile,
		When:    info.Started.Format("2006-01-02 15:04"),
		Seconds: fmt.Sprintf("%.1f", info.Elapsed.Seconds()),
		Sum:     sum,
		T:       pageTexts(lang),
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
	ID                 validate.CheckID
	Name, Message, Fix string
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
