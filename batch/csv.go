package batch

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tessera-cie/tessera/validate"
)

// CSVHeader returns the names of the columns of the CSV report (a new
// slice each call): csvFirst, a column named by its id for each check
// whose measure the report gives (validate.Measured), and "error". The
// names and the verdict values (pass, fail, error, skipped) are fixed, so
// that spreadsheets and scripts can rely on them; the error column is in
// the report's language.
func CSVHeader() []string {
	h := slices.Clone(csvFirst)
	for _, id := range validate.Measured() {
		h = append(h, string(id))
	}
	return append(h, "error")
}

// csvFirst are the CSV report's columns before the measures'.
var csvFirst = []string{"file", "verdict", "failed", "warned", "dpi", "bytes", "width", "height"}

// CSVWriter writes one row per item, as they come.
type CSVWriter struct {
	w    *csv.Writer
	lang string
	head bool
}

// NewCSVWriter returns a writer of CSV rows to w; lang is the language of
// the error column.
func NewCSVWriter(w io.Writer, lang string) *CSVWriter {
	return &CSVWriter{w: csv.NewWriter(w), lang: lang}
}

// Write writes the row of one item (and the header before the first).
func (c *CSVWriter) Write(it Item) error {
	if !c.head {
		c.head = true
		if err := c.w.Write(CSVHeader()); err != nil {
			return err
		}
	}
	if err := c.w.Write(CSVRow(it, c.lang)); err != nil {
		return err
	}
	c.w.Flush() // a row at a time: the file can be followed while it grows
	return c.w.Error()
}

// Close writes the header when no row was written, and flushes.
func (c *CSVWriter) Close() error {
	if !c.head {
		c.head = true
		if err := c.w.Write(CSVHeader()); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// CSVRow is the row of one item, in the order of CSVHeader(). A file name
// that a spreadsheet would run as a formula is prefixed with a single quote
// (textCell). Failed and warned check ids are separated by spaces; eye and face height are
// percentages of the photo height, as in the report; cells that do not
// apply are empty.
func CSVRow(it Item, lang string) []string {
	measured := validate.Measured()
	row := make([]string, len(csvFirst)+len(measured)+1)
	last := len(row) - 1 // error
	row[0] = textCell(it.Path)
	row[1] = string(it.Verdict())
	r := it.Report
	if r == nil {
		row[last] = it.Skip.Text(lang)
		return row
	}
	ids := func(s validate.Status) string {
		var out []string
		for _, c := range r.WithStatus(s) {
			out = append(out, string(c.ID))
		}
		return strings.Join(out, " ")
	}
	row[2], row[3] = ids(validate.Fail), ids(validate.Warn)
	if im := r.Image; im != nil {
		if im.Width > 0 {
			if im.DPISource != "" {
				row[4] = num(im.DPI)
			}
			row[6] = strconv.Itoa(im.Width)
			row[7] = strconv.Itoa(im.Height)
		}
		row[5] = strconv.Itoa(im.Bytes)
	}
	for i, id := range measured {
		row[len(csvFirst)+i] = checkValue(r, id)
	}
	row[last] = r.Error
	return row
}

// formulaStart holds the first characters that make a spreadsheet read a
// cell as a formula (OWASP, CSV injection): = + - @, tab and carriage
// return.
const formulaStart = "=+-@\t\r"

// textCell makes a cell of outside text (a file name) safe to open in a
// spreadsheet: one that would start a formula is prefixed with a single
// quote, which the spreadsheet shows as text and does not evaluate.
func textCell(s string) string {
	if s != "" && strings.ContainsRune(formulaStart, rune(s[0])) {
		return "'" + s
	}
	return s
}

// checkValue is the measured value of a check that was judged.
func checkValue(r *validate.Report, id validate.CheckID) string {
	c, ok := r.Find(id)
	if !ok || c.Value == nil || c.Status == validate.Skip {
		return ""
	}
	if f, ok := c.Value.(float64); ok {
		return num(f)
	}
	return fmt.Sprint(c.Value)
}

// num prints a number without trailing zeros.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
