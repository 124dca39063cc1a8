// Package faceset reads the labelled face photo folder that tessera is
// calibrated on (../shared/faces): one folder per label, photos as .jpg with
// optional .tem landmark templates beside them, or a folder of real photos
// with a clerk's labels.csv.
package faceset

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// EnvVar overrides where the face photos are.
const EnvVar = "TESSERA_FACES"

// Photo is one labelled photo.
type Photo struct {
	Path  string // path of the image
	Label string // folder name: neutral, smiling, canada, lisa, zoom, nonface
	Name  string // file name without extension
	// Points are the .tem template points (nil without a template). Points
	// 0 and 1 are the pupil centres, left and right in the image.
	Points [][2]float64
	// Person is the sitter from a people.csv of the folder (ID "" when
	// none lists the photo): the same person in neutral/ and smiling/.
	Person Person
	// Smile is the photo's grade from the strength.csv of its folder:
	// SmileBroad, SmileSlight or SmileNone; "" when none grades it.
	Smile string
	// Clerk is the photo's row of its folder's labels.csv (nil when the
	// folder has none); Name is then the path under the folder, without
	// extension ("deepface/img13").
	Clerk *Clerk
}

// The grades of a strength.csv (smiling/ of ../shared/faces), each
// against the same person's neutral photo: a broad smile (teeth showing or
// cheeks clearly raised) fails expression, none passes, a slight one (the
// corners of a closed mouth lifted a little) is the clerk's call and not
// scored.
const (
	SmileBroad  = "broad"
	SmileSlight = "slight"
	SmileNone   = "none"
)

// Graded reports whether the photo's expression has an expected verdict:
// a smile graded broad or none, or a photo of neutral/. want is true for
// a broad smile, which fails.
func (p Photo) Graded() (want, ok bool) {
	switch {
	case p.Smile == SmileBroad:
		return true, true
	case p.Smile == SmileNone, p.Smile == "" && p.Label == "neutral":
		return false, true
	}
	return false, false
}

// Person is one row of a people.csv: who is in the photos whose names
// start with ID and an underscore (001_03.jpg, 001_08.jpg).
type Person struct {
	ID, Gender, Group string // Group is the ethnicity column
	Age               int
}

// HasPupils reports whether the template gives the two pupil centres.
func (p Photo) HasPupils() bool { return len(p.Points) >= 2 }

// Dir returns the face folder: $TESSERA_FACES, else ../shared/faces found by
// walking up from the working directory. ok is false when there is none.
func Dir() (string, bool) {
	if d := os.Getenv(EnvVar); d != "" {
		st, err := os.Stat(d)
		return d, err == nil && st.IsDir()
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		c := filepath.Join(dir, "..", "shared", "faces")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return filepath.Clean(c), true
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

// Require returns the face folder or skips the test with the reason.
func Require(t testing.TB) string {
	t.Helper()
	d, ok := Dir()
	if !ok {
		t.Skipf("face photos not found: put them in ../shared/faces beside the checkout or set %s", EnvVar)
	}
	return d
}

// Load reads every photo of the given labels under dir (all labels when
// none are given), sorted by label then name. A folder with a labels.csv
// (LabelsFile) holds the photos it lists, in subfolders of their own.
func Load(dir string, labels ...string) ([]Photo, error) {
	if len(labels) == 0 {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("faceset: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				labels = append(labels, e.Name())
			}
		}
	}
	people, err := People(dir)
	if err != nil {
		return nil, err
	}
	var out []Photo
	for _, label := range labels {
		clerk, ok, err := readClerk(dir, label)
		if err != nil {
			return nil, err
		}
		if ok {
			sort.Slice(clerk, func(i, j int) bool { return clerk[i].Name < clerk[j].Name })
			out = append(out, clerk...)
			continue
		}
		files, err := filepath.Glob(filepath.Join(dir, label, "*"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		grades, err := readGrades(filepath.Join(dir, label, "strength.csv"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			ext := strings.ToLower(filepath.Ext(f))
			if ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
				continue
			}
			p := Photo{Path: f, Label: label, Name: strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))}
			p.Person = people[PersonID(p.Name)]
			p.Smile = grades[PersonID(p.Name)]
			tem := strings.TrimSuffix(f, filepath.Ext(f)) + ".tem"
			if _, err := os.Stat(tem); err == nil {
				if p.Points, err = ReadTem(tem); err != nil {
					return nil, err
				}
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// PersonID is the person part of a photo name: what comes before the first
// underscore ("001" for "001_03"), or the whole name.
func PersonID(name string) string {
	id, _, _ := strings.Cut(name, "_")
	return id
}

// People reads every people.csv found one level under dir (neutral/
// holds the one of ../shared/faces; smiling/ shows the same people) into a
// map by person ID. The header names the columns: id, age, gender,
// ethnicity; a folder without a people.csv adds nobody.
func People(dir string) (map[string]Person, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "people.csv"))
	if err != nil {
		return nil, fmt.Errorf("faceset: %w", err)
	}
	out := map[string]Person{}
	for _, path := range files {
		if err := readPeople(path, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func readPeople(path string, into map[string]Person) error {
	t, err := readTable(path, "id", "ethnicity")
	if err != nil {
		return err
	}
	for _, row := range t.rows {
		p := Person{ID: t.get(row, "id"), Gender: t.get(row, "gender"), Group: t.get(row, "ethnicity")}
		if p.ID == "" {
			continue
		}
		if a := t.get(row, "age"); a != "" {
			if p.Age, err = strconv.Atoi(a); err != nil {
				return fmt.Errorf("faceset: %s: age %q of %s: %w", path, a, p.ID, err)
			}
		}
		into[p.ID] = p
	}
	return nil
}

// table is a CSV file read whole: its rows under the header, and its
// columns by name (the header's, trimmed and lower-cased).
type table struct {
	rows [][]string
	col  map[string]int
}

// readTable reads the CSV file at path and requires the columns need; an
// error wraps the file's own (fs.ErrNotExist when there is none).
func readTable(path string, need ...string) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return table{}, fmt.Errorf("faceset: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return table{}, fmt.Errorf("faceset: %s: %w", path, err)
	}
	if len(rows) == 0 {
		return table{}, fmt.Errorf("faceset: %s: empty", path)
	}
	t := table{rows: rows[1:], col: map[string]int{}}
	for i, h := range rows[0] {
		t.col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, name := range need {
		if _, ok := t.col[name]; !ok {
			return table{}, fmt.Errorf("faceset: %s: no %q column", path, name)
		}
	}
	return t, nil
}

// get is row's value in column name, trimmed; "" when the row is short or
// the file has no such column.
func (t table) get(row []string, name string) string {
	if i, ok := t.col[name]; ok && i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
}

// readGrades reads a strength.csv (id,smile) into a map by person ID; a
// folder without one grades nothing.
func readGrades(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("faceset: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("faceset: %s: %w", path, err)
	}
	if len(rows) == 0 || len(rows[0]) < 2 || strings.TrimSpace(rows[0][0]) != "id" || strings.TrimSpace(rows[0][1]) != "smile" {
		return nil, fmt.Errorf("faceset: %s: want the header id,smile", path)
	}
	out := map[string]string{}
	for _, row := range rows[1:] {
		id, grade := strings.TrimSpace(row[0]), strings.TrimSpace(row[1])
		switch grade {
		case SmileBroad, SmileSlight, SmileNone:
			out[id] = grade
		default:
			return nil, fmt.Errorf("faceset: %s: %s graded %q, want broad, slight or none", path, id, grade)
		}
	}
	return out, nil
}

// ReadTem reads a webmorph .tem template: the point count, then one
// "x<TAB>y" line per point.
func ReadTem(path string) ([][2]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("faceset: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return nil, fmt.Errorf("faceset: %s: empty template", path)
	}
	n, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("faceset: %s: bad point count %q", path, sc.Text())
	}
	pts := make([][2]float64, 0, n)
	for len(pts) < n && sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			return nil, fmt.Errorf("faceset: %s: bad point line %q", path, sc.Text())
		}
		x, err1 := strconv.ParseFloat(fs[0], 64)
		y, err2 := strconv.ParseFloat(fs[1], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("faceset: %s: bad point line %q", path, sc.Text())
		}
		pts = append(pts, [2]float64{x, y})
	}
	if len(pts) != n {
		return nil, fmt.Errorf("faceset: %s: %d points, header says %d", path, len(pts), n)
	}
	return pts, sc.Err()
}
