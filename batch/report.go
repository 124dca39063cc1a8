package batch

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/validate"
)

// The clerks' report formats, the default first: a block of text per
// photo, a JSON array of reports (the spec's contract), a CSV row per
// item, a self-contained HTML page.
var formats = []string{"text", "json", "csv", "html"}

// Formats lists the report formats, the default first (a new slice each
// call).
func Formats() []string { return slices.Clone(formats) }

// FormatOf is the format a report file's name asks for by its extension
// ("report.csv": "csv"); "" when it names none.
func FormatOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return "json"
	case ".csv":
		return "csv"
	case ".html", ".htm":
		return "html"
	}
	return ""
}

// A ReportWriter writes a report of the items of a batch: Write takes each
// item as Run emits it, Close ends the report. Text, JSON and CSV are
// written as the items come; HTML, a page with a summary on top, on Close.
type ReportWriter interface {
	Write(Item) error
	Close() error
}

// ReportInfo is what a report says of its run.
type ReportInfo struct {
	Lang    string    // one of catalog.Languages
	Profile string    // the profile the photos are judged by
	Started time.Time // when the run started: the HTML report gives it, and the time since
}

// NewReportWriter returns the writer of a report in format (one of
// Formats) to w.
func NewReportWriter(format string, w io.Writer, info ReportInfo) (ReportWriter, error) {
	switch format {
	case "text":
		return &textWriter{w: w, l: catalog.For(info.Lang)}, nil
	case "json":
		return &jsonWriter{w: w}, nil
	case "csv":
		return NewCSVWriter(w, info.Lang), nil
	case "html":
		return &htmlWriter{w: w, info: info}, nil
	}
	return nil, fmt.Errorf("batch: unknown report format %q (%s)", format, strings.Join(formats, ", "))
}

// textWriter writes a block of text per photo, a line per skipped file.
type textWriter struct {
	w io.Writer
	l catalog.Printer
	n int // photos written
}

func (t *textWriter) Write(it Item) error {
	if it.Report == nil {
		_, err := fmt.Fprintf(t.w, "%s: %s (%s)\n", Shown(it.Path), t.l.Say("cli.write.skipped"), it.Skip.Text(t.l.Lang()))
		return err
	}
	if t.n > 0 {
		fmt.Fprintln(t.w)
	}
	t.n++
	return writeText(t.w, t.l, it.Report)
}

func (t *textWriter) Close() error { return nil }

// statusOrder puts failed checks first, then warnings, passes and skips.
var statusOrder = []validate.Status{validate.Fail, validate.Warn, validate.Pass, validate.Skip}

// writeText prints one report as a block: the verdict, then the checks,
// failed ones first, each with its fix.
func writeText(w io.Writer, l catalog.Printer, r *validate.Report) error {
	verdict := l.Say("cli.writeText.fail")
	if r.Pass {
		verdict = l.Say("cli.writeText.pass")
	}
	if r.Error != "" {
		verdict = l.Say("cli.writeText.unreadable")
	}
	if _, err := fmt.Fprintf(w, "%s: %s (%s)\n", Shown(r.File), verdict, r.Profile); err != nil {
		return err
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  %s\n", r.Error)
	}
	for _, st := range statusOrder {
		for _, c := range r.Checks {
			if c.Status != st {
				continue
			}
			line := fmt.Sprintf("  %-4s %-18s %s", c.Status, c.ID, c.Message)
			if c.Value != nil && c.Status != validate.Skip {
				line += fmt.Sprintf(" [%v", c.Value)
				if c.Limit != "" {
					line += "; " + c.Limit
				}
				line += "]"
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			if c.Fix != "" && c.Status != validate.Pass {
				fmt.Fprintf(w, "       -> %s\n", c.Fix)
			}
		}
	}
	return nil
}

// jsonWriter writes the JSON array of the photos' reports, one at a time;
// skipped files are left to the summary.
type jsonWriter struct {
	w io.Writer
	n int // reports written
}

func (j *jsonWriter) Write(it Item) error {
	if it.Report == nil {
		return nil
	}
	sep := ",\n  "
	if j.n == 0 {
		sep = "[\n  "
	}
	j.n++
	b, err := json.MarshalIndent(it.Report, "  ", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(j.w, "%s%s", sep, b)
	return err
}

func (j *jsonWriter) Close() error {
	if j.n == 0 {
		_, err := fmt.Fprintln(j.w, "[]")
		return err
	}
	_, err := fmt.Fprintln(j.w, "\n]")
	return err
}

// htmlWriter keeps the items and writes the page (WriteHTML) on Close.
type htmlWriter struct {
	w     io.Writer
	info  ReportInfo
	items []Item
	sum   Summary
}

func (h *htmlWriter) Write(it Item) error {
	h.items = append(h.items, it)
	h.sum.Add(it)
	return nil
}

func (h *htmlWriter) Close() error {
	return WriteHTML(h.w, h.items, h.sum, HTMLInfo{Lang: h.info.Lang, Profile: h.info.Profile, Started: h.info.Started, Elapsed: time.Since(h.info.Started)})
}

// Shown is name as it can be printed on a terminal: quoted with its
// control characters escaped (strconv.Quote) when it has any, or any
// other character that is not graphic (bidirectional overrides, which
// would show a name other than the file's), else as it is.
func Shown(name string) string {
	for _, r := range name {
		if !strconv.IsGraphic(r) {
			return strconv.Quote(name)
		}
	}
	return name
}
