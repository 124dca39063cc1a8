package batch

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/validate"
)

// TestReportWriters writes the same items in every format: each report
// says every photo, the JSON is the spec's array of reports (skipped files
// left to the summary), the text escapes a name that would rewrite the
// terminal, and an empty run is still a whole report.
func TestReportWriters(t *testing.T) {
	pass := &validate.Report{File: "a.jpg", Profile: "cie", Pass: true, Checks: []validate.Check{
		{ID: validate.DPI, Status: validate.Pass, Value: 600.0, Message: "Risoluzione dichiarata 600 DPI"},
	}}
	fail := &validate.Report{File: "b\x1b[2J.jpg", Profile: "cie", Checks: []validate.Check{
		{ID: validate.FaceCount, Status: validate.Fail, Value: 0, Message: "Nessun volto", Fix: "Rifai la foto"},
	}}
	items := []Item{
		{Input: Input{Path: "a.jpg"}, Report: pass},
		{Input: Input{Path: "b\x1b[2J.jpg"}, Report: fail},
		{Input: Input{Path: "notes.txt", Skip: SkipNotImage}},
	}
	info := ReportInfo{Lang: "it", Profile: "cie", Started: time.Now()}
	for _, tc := range []struct {
		format string
		want   []string // in every report of the items
		empty  string   // the whole report of no items, "" to skip
	}{
		{"text", []string{"a.jpg", `"b\x1b[2J.jpg"`, "Nessun volto", "-> Rifai la foto", "notes.txt"}, ""},
		{"json", []string{`"file": "a.jpg"`, `"id": "face_count"`}, "[]\n"},
		{"csv", []string{"a.jpg,pass", "face_count", "notes.txt,skipped"}, strings.Join(CSVHeader(), ",") + "\n"},
		{"html", []string{"a.jpg", "Nessun volto", "notes.txt", `lang="it"`}, ""},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewReportWriter(tc.format, &buf, info)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if err := w.Write(it); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(buf.String(), want) {
					t.Errorf("the report lacks %q:\n%s", want, buf.String())
				}
			}
			if strings.Contains(buf.String(), "\x1b") && tc.format == "text" {
				t.Errorf("an escape sequence reached the text report")
			}
			if tc.format == "json" {
				var reps []validate.Report
				if err := json.Unmarshal(buf.Bytes(), &reps); err != nil || len(reps) != 2 {
					t.Errorf("JSON of %d reports (%v), want the 2 photos'", len(reps), err)
				}
			}
			if tc.empty != "" {
				var empty bytes.Buffer
				w, _ := NewReportWriter(tc.format, &empty, info)
				if err := w.Close(); err != nil || empty.String() != tc.empty {
					t.Errorf("report of nothing %q (%v), want %q", empty.String(), err, tc.empty)
				}
			}
		})
	}
	if _, err := NewReportWriter("xml", &bytes.Buffer{}, info); err == nil {
		t.Error("an unknown format was accepted")
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]string{
		"r.json": "json", "R.CSV": "csv", "out/r.htm": "html", "r.html": "html", "r.txt": "", "report": "",
	} {
		if got := FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %q, want %q", name, got, want)
		}
	}
}
