package faceset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// LabelsFile names the clerk's labels of a folder of real photos
// (../shared/faces/wild): one row per photo, its path under the folder in
// the file column.
const LabelsFile = "labels.csv"

// Clerk is one row of a labels.csv: what a registry clerk sees in the
// photo by eye (../shared/faces/wild/README.md gives the columns).
type Clerk struct {
	Faces        int    // faces visible
	Glasses      string // GlassesNone, GlassesClear or GlassesTinted
	HeadCovering string // none, religious, hat
	AgeGroup     string // baby, child, adult, elderly
	Expression   string // ExprNeutral, ExprSlight, ExprBroadSmile or ExprOther
	Mouth        string // MouthClosed, MouthOpen or MouthCovered
	Eyes         string // EyesOpen, EyesClosed or EyesHidden
	Pose         string // frontal, turned, tilted, turned+tilted
	Background   string // white, plain_light, plain_dark, cluttered
	// Verdict is the clerk's call on the face rules under the icao
	// profile (not the backdrop, not the framing): "pass" or "fail: why",
	// with "borderline" in the text where the call is uncertain.
	Verdict string
}

// The values of a labels.csv that the figures read.
const (
	GlassesNone   = "none"
	GlassesClear  = "clear"
	GlassesTinted = "tinted"

	EyesOpen   = "open"
	EyesClosed = "closed"
	EyesHidden = "hidden" // behind tinted lenses

	ExprNeutral    = "neutral"
	ExprSlight     = "slight" // a faint closed-mouth smile: the clerk's call
	ExprBroadSmile = "broad_smile"
	ExprOther      = "other" // frown, pout, pursed lips, raised brows, grimace, surprise

	MouthClosed  = "closed"
	MouthOpen    = "open"
	MouthCovered = "covered"
)

// Passes reports whether the clerk passes the photo on the face rules.
func (c *Clerk) Passes() bool { return strings.HasPrefix(c.Verdict, "pass") }

// Borderline reports whether the clerk marked the call uncertain.
func (c *Clerk) Borderline() bool { return strings.Contains(c.Verdict, "borderline") }

// readClerk reads the labels.csv of folder label under dir into photos, in
// the file's order; ok is false when the folder has none. A row naming a
// file outside the folder or missing, or a value the figures cannot read,
// is an error: a label silently dropped would change every figure.
func readClerk(dir, label string) (photos []Photo, ok bool, err error) {
	folder := filepath.Join(dir, label)
	where := filepath.Join(folder, LabelsFile)
	t, err := readTable(where, "file", "faces", "glasses", "head_covering", "age_group", "expression", "mouth", "eyes", "pose", "background", "clerk_verdict_icao")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	seen := map[string]bool{}
	for n, row := range t.rows {
		get := func(name string) string { return t.get(row, name) }
		line := n + 2
		file := get("file")
		if file == "" || !filepath.IsLocal(file) || path.Clean(file) != file || seen[file] {
			return nil, true, fmt.Errorf("faceset: %s:%d: file %q is not a new path inside the folder", where, line, file)
		}
		seen[file] = true
		c := &Clerk{
			Glasses: get("glasses"), HeadCovering: get("head_covering"), AgeGroup: get("age_group"),
			Expression: get("expression"), Mouth: get("mouth"), Eyes: get("eyes"), Pose: get("pose"),
			Background: get("background"), Verdict: get("clerk_verdict_icao"),
		}
		if c.Faces, err = strconv.Atoi(get("faces")); err != nil || c.Faces < 0 {
			return nil, true, fmt.Errorf("faceset: %s:%d: faces %q is not a count", where, line, get("faces"))
		}
		for _, v := range []struct {
			name, value string
			known       []string
		}{
			{"glasses", c.Glasses, []string{GlassesNone, GlassesClear, GlassesTinted}},
			{"eyes", c.Eyes, []string{EyesOpen, EyesClosed, EyesHidden}},
			{"expression", c.Expression, []string{ExprNeutral, ExprSlight, ExprBroadSmile, ExprOther}},
			{"mouth", c.Mouth, []string{MouthClosed, MouthOpen, MouthCovered}},
		} {
			if !slices.Contains(v.known, v.value) {
				return nil, true, fmt.Errorf("faceset: %s:%d: %s %q, want one of %v", where, line, v.name, v.value, v.known)
			}
		}
		if !c.Passes() && !strings.HasPrefix(c.Verdict, "fail") {
			return nil, true, fmt.Errorf("faceset: %s:%d: verdict %q starts with neither pass nor fail", where, line, c.Verdict)
		}
		p := filepath.Join(folder, filepath.FromSlash(file))
		if st, err := os.Stat(p); err != nil {
			return nil, true, fmt.Errorf("faceset: %s:%d: %w", where, line, err)
		} else if !st.Mode().IsRegular() {
			return nil, true, fmt.Errorf("faceset: %s:%d: %s is not a file", where, line, file)
		}
		photos = append(photos, Photo{Path: p, Label: label, Name: strings.TrimSuffix(file, path.Ext(file)), Clerk: c})
	}
	return photos, true, nil
}
