// Package evaluate measures the checks on a labelled folder of photos: one
// subfolder per label (neutral, smiling, canada, ...), each label with the
// outcome its photos should get from some checks. It counts, per check and
// label, how many photos pass, fail, warn or are skipped, and how many got
// the expected outcome.
package evaluate

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/validate"
)

// Expectations say, per label, the outcome some checks should have on every
// photo of that label. Checks not named have no expected outcome: their
// counts are shown without an accuracy.
type Expectations map[string]map[validate.CheckID]validate.Status

// SharedFaces returns the expectations of ../shared/faces, from its README
// (new maps each call): the photos are not framed for an ID card (square,
// or 3:4), so the framing checks (face_height, eye_height, centering,
// aspect_ratio, ...) have no expected outcome; the face itself, the pose
// and the backdrop do.
func SharedFaces() Expectations {
	return Expectations{
		"neutral": merge(frontalNeutral, map[validate.CheckID]validate.Status{
			validate.BackgroundWhite: validate.Fail, // light grey backdrop, L* 75-80
		}),
		"canada": merge(frontalNeutral, map[validate.CheckID]validate.Status{
			validate.BackgroundWhite: validate.Fail, // lilac or pink backdrop
		}),
		// smiling/strength.csv grades each smile: broad fails expression,
		// none passes, slight is the clerk's call and not scored; a smile
		// it does not grade is taken to be one.
		"smiling":                        merge(smiling, map[validate.CheckID]validate.Status{validate.Expression: validate.Fail}),
		"smiling/" + faceset.SmileBroad:  merge(smiling, map[validate.CheckID]validate.Status{validate.Expression: validate.Fail}),
		"smiling/" + faceset.SmileNone:   merge(smiling, map[validate.CheckID]validate.Status{validate.Expression: validate.Pass}),
		"smiling/" + faceset.SmileSlight: smiling,
		"lisa": {
			validate.FaceCount:         validate.Pass,
			validate.BackgroundWhite:   validate.Fail, // a room with a clock on the wall
			validate.BackgroundUniform: validate.Fail,
		},
		"zoom":    {validate.FaceCount: validate.Pass},
		"nonface": {validate.FaceCount: validate.Fail}, // landscapes, flowers, animals
	}
}

// smiling are the outcomes of every photo of smiling/, whatever its grade:
// mouth_closed only "often" fails.
var smiling = map[validate.CheckID]validate.Status{
	validate.FaceCount: validate.Pass, validate.Roll: validate.Pass, validate.BackgroundWhite: validate.Fail,
}

// frontalNeutral are the outcomes of a frontal, neutral, well-lit studio photo.
var frontalNeutral = map[validate.CheckID]validate.Status{
	validate.FaceCount: validate.Pass, validate.Color: validate.Pass,
	validate.Roll: validate.Pass, validate.Yaw: validate.Pass, validate.Pitch: validate.Pass,
	validate.EyesOpen: validate.Pass, validate.MouthClosed: validate.Pass, validate.Expression: validate.Pass, validate.EyesVisible: validate.Pass,
	validate.Exposure: validate.Pass, validate.Sharpness: validate.Pass, validate.Lighting: validate.Pass, validate.BackgroundUniform: validate.Pass,
}

func merge(a, b map[validate.CheckID]validate.Status) map[validate.CheckID]validate.Status {
	m := make(map[validate.CheckID]validate.Status, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// Cell counts the outcomes of one check on the photos of one label.
type Cell struct {
	Label    string
	Counts   map[validate.Status]int
	Expected validate.Status // "" when no outcome is expected
	Misses   []string        // photos that did not get the expected outcome
}

// Total is the number of photos counted.
func (c *Cell) Total() int {
	n := 0
	for _, v := range c.Counts {
		n += v
	}
	return n
}

// Right is the number of photos with the expected outcome.
func (c *Cell) Right() int { return c.Counts[c.Expected] }

// Table is the result of an evaluation.
type Table struct {
	Profile string
	Photos  int
	Labels  []string
	// Checks are the check ids in report order.
	Checks []validate.CheckID
	// Cells[check][label].
	Cells map[validate.CheckID]map[string]*Cell
	// Unreadable lists photos that could not be read.
	Unreadable []string
	// Groups are the groups of people.csv (sorted), when the folder has
	// one; GroupCells[check][label][group] count the photos of each group.
	Groups     []string
	GroupCells map[validate.CheckID]map[string]map[string]*Cell
	// Figures are the clerk's figures of each folder with a labels.csv,
	// then the stability of every folder: whether a photo's mirror image
	// gets the same verdicts, and the photo in a plain border the same
	// face checks (and, when Settings.Resaved asked for it, the photo
	// re-saved as a JPEG the same verdicts).
	Figures []Figure

	resaved bool // Settings.Resaved
}

// Accuracy is the share of photos with the expected outcome over every
// label with an expectation for id; ok is false when there is none.
func (t *Table) Accuracy(id validate.CheckID) (right, total int, ok bool) {
	for _, c := range t.Cells[id] {
		if c.Expected == "" {
			continue
		}
		right += c.Right()
		total += c.Total()
		ok = true
	}
	return right, total, ok
}

// Cell returns the counts of check id on label, or nil.
func (t *Table) Cell(id validate.CheckID, label string) *Cell { return t.Cells[id][label] }

// GroupCell returns the counts of check id on the photos of group in
// label, or nil.
func (t *Table) GroupCell(id validate.CheckID, label, group string) *Cell {
	return t.GroupCells[id][label][group]
}

// Settings say how Run goes about its work.
type Settings struct {
	// Jobs is how many photos are checked at once; at least one is.
	Jobs int
	// Resaved checks every photo a fourth time, re-saved as a JPEG of
	// ResaveQuality, for the figure FigureResavedStable.
	Resaved bool
}

// Run checks every .jpg, .jpeg and .png file of every subfolder of dir with
// v, as cfg says, and tabulates the outcomes against exp. A folder with a
// labels.csv holds the photos it lists, scored against the clerk's labels
// (Table.Figures). Each photo is checked three times: as it is, mirrored,
// and in a plain border (four with cfg.Resaved).
func Run(ctx context.Context, v *validate.Validator, dir string, opts validate.Options, exp Expectations, cfg Settings) (*Table, error) {
	t := &Table{Profile: opts.Profile, Cells: map[validate.CheckID]map[string]*Cell{}, GroupCells: map[validate.CheckID]map[string]map[string]*Cell{}, resaved: cfg.Resaved}
	if t.Profile == "" {
		t.Profile = validate.DefaultProfile
	}
	items, err := t.list(dir)
	if err != nil {
		return nil, err
	}
	outs, err := checkAll(ctx, v, items, opts, cfg)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		t.add(it, outs[i].report, exp)
	}
	t.figures(items, outs)
	for _, cells := range t.Cells {
		for _, c := range cells {
			sort.Strings(c.Misses)
		}
	}
	return t, nil
}

// item is one photo of the folder evaluated: its label, its folder (the
// label without a grade), its name there and the clerk's labels, if any.
type item struct {
	label, folder, name, path, group string
	clerk                            *faceset.Clerk
}

// outcome is what one photo got: its report, and those of its variants
// (nil when it could not be decoded).
type outcome struct {
	report *validate.Report
	variants
}

// list finds the photos of dir's subfolders, each labelled by its folder
// (a smile graded in the folder's strength.csv by the folder and the
// grade, "smiling/broad") and grouped by its sitter's group from
// people.csv; it sets t's labels and groups.
func (t *Table) list(dir string) ([]item, error) {
	photos, err := faceset.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	if len(photos) == 0 {
		return nil, fmt.Errorf("evaluate: no photos in the subfolders of %s", dir)
	}
	items := make([]item, 0, len(photos))
	labels, groups := map[string]bool{}, map[string]bool{}
	for _, p := range photos {
		label := p.Label
		if p.Smile != "" {
			label += "/" + p.Smile
		}
		if !labels[label] {
			labels[label] = true
			t.Labels = append(t.Labels, label)
		}
		if g := p.Person.Group; g != "" {
			groups[g] = true
		}
		items = append(items, item{label: label, folder: p.Label, name: p.Name, path: p.Path, group: p.Person.Group, clerk: p.Clerk})
	}
	sort.Strings(t.Labels)
	t.Groups = slices.Sorted(maps.Keys(groups))
	return items, nil
}

// checkAll checks the items and their variants with v, cfg.Jobs at a time;
// the error is that of the first item, in their order, that could not be
// checked.
func checkAll(ctx context.Context, v *validate.Validator, items []item, opts validate.Options, cfg Settings) ([]outcome, error) {
	outs := make([]outcome, len(items))
	errs := make([]error, len(items))
	var g errgroup.Group
	g.SetLimit(max(1, cfg.Jobs))
	for i, it := range items {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			errs[i] = checkOne(ctx, v, it.path, opts, cfg.Resaved, &outs[i])
			return nil
		})
	}
	g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("evaluate: %s: %w", items[i].path, err)
		}
	}
	return outs, nil
}

// checkOne checks the photo at path and its variants (with the re-saved
// one if resaved) into out.
func checkOne(ctx context.Context, v *validate.Validator, path string, opts validate.Options, resaved bool, out *outcome) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	res, err := v.Analyze(ctx, path, data, opts)
	if err != nil {
		return err
	}
	out.report = res.Report
	if res.Image == nil {
		return nil
	}
	out.variants, err = checkVariants(ctx, v, path, res.Image, opts, resaved)
	return err
}

// add counts the report r of item it, against exp.
func (t *Table) add(it item, r *validate.Report, exp Expectations) {
	t.Photos++
	if r.Error != "" {
		t.Unreadable = append(t.Unreadable, it.path+": "+r.Error)
		return
	}
	for _, c := range r.Checks {
		if t.Cells[c.ID] == nil {
			t.Checks = append(t.Checks, c.ID)
			t.Cells[c.ID] = map[string]*Cell{}
		}
		cell := t.Cells[c.ID][it.label]
		if cell == nil {
			cell = &Cell{Label: it.label, Counts: map[validate.Status]int{}, Expected: exp[it.label][c.ID]}
			t.Cells[c.ID][it.label] = cell
		}
		cell.count(c.Status, it.path)
		if it.group == "" {
			continue
		}
		byLabel := t.GroupCells[c.ID]
		if byLabel == nil {
			byLabel = map[string]map[string]*Cell{}
			t.GroupCells[c.ID] = byLabel
		}
		if byLabel[it.label] == nil {
			byLabel[it.label] = map[string]*Cell{}
		}
		gc := byLabel[it.label][it.group]
		if gc == nil {
			gc = &Cell{Label: it.label + "/" + it.group, Counts: map[validate.Status]int{}, Expected: cell.Expected}
			byLabel[it.label][it.group] = gc
		}
		gc.count(c.Status, it.path)
	}
}

// count counts an outcome of the photo at path; a miss when it is not the
// one expected.
func (c *Cell) count(s validate.Status, path string) {
	c.Counts[s]++
	if c.Expected != "" && s != c.Expected {
		c.Misses = append(c.Misses, filepath.Base(path))
	}
}

// Write prints the table: per check, one line per label with the counts of
// each outcome, the expected outcome and how many got it, then the check's
// accuracy over the labels with an expectation.
func (t *Table) Write(w io.Writer, verbose bool) error {
	ew := &errWriter{w: w}
	folders := map[string]bool{}
	for _, l := range t.Labels {
		folder, _, _ := strings.Cut(l, "/")
		folders[folder] = true
	}
	ew.printf("profile %s, %d photos in %d folders\n", t.Profile, t.Photos, len(folders))
	for _, u := range t.Unreadable {
		ew.printf("unreadable: %s\n", u)
	}
	if len(t.Groups) > 0 {
		ew.printf("groups from people.csv: %s (one line each under the folder)\n", strings.Join(t.Groups, ", "))
	}
	ew.printf("\n%-20s %-15s %5s %5s %5s %5s %5s  %-8s %s\n", "check", "folder", "n", "pass", "fail", "warn", "skip", "expected", "right")
	for _, id := range t.Checks {
		for _, label := range t.Labels {
			c := t.Cells[id][label]
			if c == nil {
				continue
			}
			ew.row(string(id), label, c)
			if verbose && len(c.Misses) > 0 {
				ew.printf("%-20s   missed: %s\n", "", strings.Join(c.Misses, " "))
			}
			for _, g := range t.Groups {
				if gc := t.GroupCell(id, label, g); gc != nil {
					ew.row("", "  "+g, gc)
				}
			}
		}
		if r, n, ok := t.Accuracy(id); ok {
			ew.printf("%-20s %-15s %5d %35s %d/%d (%.1f %%)\n", id, "accuracy", n, "", r, n, percent(r, n))
		}
		ew.printf("\n")
	}
	ew.writeFigures(t.Figures, verbose)
	return ew.err
}

// row prints the counts of one cell.
func (e *errWriter) row(id, label string, c *Cell) {
	exp, right := "-", ""
	if c.Expected != "" {
		exp = string(c.Expected)
		right = fmt.Sprintf("%d/%d (%.1f %%)", c.Right(), c.Total(), percent(c.Right(), c.Total()))
	}
	e.printf("%-20s %-15s %5d %5d %5d %5d %5d  %-8s %s\n", id, label, c.Total(),
		c.Counts[validate.Pass], c.Counts[validate.Fail], c.Counts[validate.Warn], c.Counts[validate.Skip], exp, right)
}

func percent(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}
