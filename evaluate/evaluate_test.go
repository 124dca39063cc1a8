package evaluate

import (
	"bytes"
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/internal/testengine"
	"github.com/tessera-cie/tessera/validate"
)

func validator(t *testing.T) *validate.Validator {
	t.Helper()
	return validate.New(testengine.Engine(t))
}

var opts = validate.Options{Lang: "en", Now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}

// TestTable builds a labelled folder of generated files and checks the
// counts, the expected outcomes and the misses.
func TestTable(t *testing.T) {
	dir := t.TempDir()
	write := func(label, name string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, label), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, label, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	blank := fixture.JPEG(fixture.Gradient(600, 800), 90, nil, nil)
	write("blank", "a.jpg", blank)
	write("blank", "b.png", fixture.PNG(fixture.Gradient(600, 800), 0))
	write("blank", "notes.txt", []byte("not a photo"))
	write("blank", "people.csv", []byte("id,age,gender,ethnicity\na,30,female,group_a\nb,40,male,group_b\n"))
	write("broken", "c.jpg", blank[:len(blank)/3])
	write(".hidden", "d.jpg", blank)
	exp := Expectations{"blank": {"face_count": validate.Pass}}

	tab, err := Run(context.Background(), validator(t), dir, opts, exp, Settings{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Photos != 3 || len(tab.Unreadable) != 1 || strings.Join(tab.Labels, ",") != "blank,broken" {
		t.Fatalf("photos %d, unreadable %v, labels %v", tab.Photos, tab.Unreadable, tab.Labels)
	}
	c := tab.Cell("face_count", "blank")
	if c == nil || c.Total() != 2 || c.Counts[validate.Fail] != 2 || c.Right() != 0 || len(c.Misses) != 2 {
		t.Fatalf("face_count on blank: %+v", c)
	}
	if r, n, ok := tab.Accuracy("face_count"); !ok || r != 0 || n != 2 {
		t.Errorf("accuracy = %d/%d %v, want 0/2", r, n, ok)
	}
	if strings.Join(tab.Groups, ",") != "group_a,group_b" {
		t.Errorf("groups %v, want group_a,group_b", tab.Groups)
	}
	if g := tab.GroupCell("face_count", "blank", "group_a"); g == nil || g.Total() != 1 || g.Counts[validate.Fail] != 1 {
		t.Errorf("face_count on blank/group_a: %+v", g)
	}
	if _, _, ok := tab.Accuracy("dpi"); ok {
		t.Error("dpi has no expectation but got an accuracy")
	}
	var out bytes.Buffer
	if err := tab.Write(&out, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"face_count", "accuracy", "0/2 (0.0 %)", "missed: a.jpg b.png", "group_a", "0/1 (0.0 %)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestSharedFaces runs the evaluation on ../shared/faces, prints the table
// and holds face_count to every photo right.
func TestSharedFaces(t *testing.T) {
	dir := faceset.Require(t)
	tab, err := Run(context.Background(), validator(t), dir, opts, SharedFaces(), Settings{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tab.Write(&out, true); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	if r, n, _ := tab.Accuracy("face_count"); r != n || n == 0 {
		t.Errorf("face_count: %d/%d right", r, n)
	}
	if len(tab.Groups) != 4 {
		t.Errorf("groups %v, want the four of neutral/people.csv", tab.Groups)
	}
	// Every folder of ../shared/faces, smiling/ by its grades (all its
	// photos are graded, so the plain "smiling" label has none).
	for label := range SharedFaces() {
		if tab.Cell("face_count", label) == nil && label != "smiling" {
			t.Errorf("no %s photos evaluated", label)
		}
	}

	// The figures of issue 25 on the real photos of wild/ and the
	// stability of every folder, each at its aim. The borderline rows of
	// wild/labels.csv are left out (the clerk marked the call uncertain).
	// The figures not yet at their aim are printed above; each joins this
	// list with the engine change that reaches it.
	held := []struct{ name, folder string }{
		{FigureEyesOpen, "wild"},
		{FigureNeutralExpr, "wild"},
		{FigureTinted, "wild"},    // since the second face detector
		{FigureNoGlasses, "wild"}, // since tinted lenses darken both eyes (MinPairRing)
		// Since thick frames are no longer judged by a band under the
		// eyes, and tinted lenses by the skin under the eyes too
		// (MinUnderEye).
		{FigureClearGlasses, "wild"},
		{FigureMirrorStable, "neutral"}, {FigureBorderStable, "neutral"},
		{FigureMirrorStable, "nonface"}, {FigureBorderStable, "nonface"},
		{FigureMirrorStable, "zoom"}, {FigureBorderStable, "zoom"},
		{FigureMirrorStable, "canada"}, {FigureBorderStable, "canada"},
		{FigureBorderStable, "lisa"},
		// Since the engine finds the mirror images of the same faces and
		// landmarks (facedetect's TestMirrorDetect), the measures sample
		// on grids through the face, and a JPEG's luma is read from its
		// colours as a PNG's is.
		{FigureMirrorStable, "lisa"}, {FigureMirrorStable, "smiling"}, {FigureMirrorStable, "wild"},
		// Since the face engine reads the photo inside its plain margins
		// (validate's inner).
		{FigureBorderStable, "smiling"}, {FigureBorderStable, "wild"},
	}
	for _, h := range held {
		f := tab.Figure(h.name, h.folder)
		if f == nil {
			t.Errorf("no figure %q on %s", h.name, h.folder)
			continue
		}
		if !f.Met() {
			t.Errorf("%s on %s: %d/%d, under its aim of %.0f %%; missed: %s", f.Name, f.Folder, f.Right, f.Total, 100*f.Aim, strings.Join(f.Misses, "; "))
		}
	}
	for _, folder := range []string{"canada", "lisa", "neutral", "nonface", "smiling", "wild", "zoom"} {
		for _, name := range []string{FigureMirrorStable, FigureBorderStable} {
			if f := tab.Figure(name, folder); f == nil || f.Total == 0 {
				t.Errorf("no figure %q on %s", name, folder)
			}
		}
		if f := tab.Figure(FigureResavedStable, folder); f != nil {
			t.Errorf("%s: a figure %q not asked for: %+v", folder, f.Name, f)
		}
	}
}

// TestFigures builds a folder with a clerk's labels.csv from generated
// files, without faces, and checks what each figure counts.
func TestFigures(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	grey := image.NewGray(image.Rect(0, 0, 300, 400))
	for i := range grey.Pix {
		grey.Pix[i] = 128
	}
	photo := fixture.JPEG(grey, 90, nil, nil)
	write("wild/a/two.jpg", photo)
	write("wild/a/good.png", fixture.PNG(grey, 0))
	write("wild/b/unsure.jpg", photo)
	write("wild/b/broken.jpg", photo[:len(photo)/3])
	write("wild/"+faceset.LabelsFile, []byte("file,faces,glasses,head_covering,age_group,expression,mouth,eyes,pose,background,clerk_verdict_icao\n"+
		"a/two.jpg,2,none,none,adult,neutral,closed,open,frontal,white,fail: two people\n"+
		"a/good.png,1,none,none,adult,neutral,closed,open,frontal,white,pass\n"+
		"b/unsure.jpg,1,clear,none,adult,slight,closed,open,frontal,white,pass (borderline: faint smile)\n"+
		"b/broken.jpg,1,none,none,adult,neutral,closed,open,frontal,white,pass\n"))
	write("plain/grey.jpg", photo)

	tab, err := Run(context.Background(), validator(t), dir, opts, nil, Settings{Jobs: 2, Resaved: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, folder string
		right, total int
		leftOut      int
		misses       string
	}{
		// A grey page has no face: face_count fails on every photo.
		{FigureExtraFaces, "wild", 1, 1, 0, ""},
		// Grey is no colour photo either; a file that cannot be read
		// passes nothing.
		{FigureGoodPhotos, "wild", 0, 2, 1, "a/good (face_count, color); b/broken (unreadable: "},
		// No face found: eyes_open is skipped, which passes no open eye.
		{FigureEyesOpen, "wild", 0, 2, 1, "a/good (skip: No face found); b/broken (unreadable: "},
		{FigureClearGlasses, "wild", 0, 0, 1, ""},
		// A uniform grey page is its own mirror image, and a border
		// finds no face on it either. The broken file is not counted;
		// borderline rows are.
		{FigureMirrorStable, "wild", 3, 3, 0, ""},
		{FigureBorderStable, "plain", 1, 1, 0, ""},
		// Asked for (Settings.Resaved): a grey page re-saved as a JPEG
		// is still a grey page without a face.
		{FigureResavedStable, "wild", 3, 3, 0, ""},
		{FigureResavedStable, "plain", 1, 1, 0, ""},
	} {
		f := tab.Figure(c.name, c.folder)
		if f == nil {
			t.Errorf("no figure %q on %s", c.name, c.folder)
			continue
		}
		misses := strings.Join(f.Misses, "; ")
		if f.Right != c.right || f.Total != c.total || f.LeftOut != c.leftOut || !strings.HasPrefix(misses, c.misses) {
			t.Errorf("%s on %s: %d/%d, %d left out, missed %q; want %d/%d, %d, %q", c.name, c.folder, f.Right, f.Total, f.LeftOut, misses, c.right, c.total, c.leftOut, c.misses)
		}
	}
	if f := tab.Figure(FigureGoodPhotos, "plain"); f != nil {
		t.Errorf("a folder without labels.csv has clerk's figures: %+v", f)
	}
	var out bytes.Buffer
	if err := tab.Write(&out, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{FigureExtraFaces, "1/1", "100.0 %", "90 %  met", FigureGoodPhotos, "0/2", "below (1 borderline left out)", "missed: a/good (face_count, color)", "no photos"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestVariants checks the bordered copy and what counts as a change
// between two reports.
func TestVariants(t *testing.T) {
	img := fixture.Gradient(300, 400)
	b := bordered(img)
	const w = 30 // a tenth of the shorter side
	if got := b.Bounds(); got.Dx() != 300+2*w || got.Dy() != 400+2*w {
		t.Fatalf("bordered %v, want %dx%d", got, 300+2*w, 400+2*w)
	}
	for _, p := range []image.Point{{0, 0}, {w - 1, 200}, {300 + w, 400 + w}} {
		if r, g, bb, _ := b.At(p.X, p.Y).RGBA(); r>>8 != 255 || g>>8 != 255 || bb>>8 != 255 {
			t.Errorf("border at %v is not white", p)
		}
	}
	for _, p := range []image.Point{{0, 0}, {299, 0}, {150, 399}} {
		r1, g1, b1, _ := img.At(p.X, p.Y).RGBA()
		r2, g2, b2, _ := b.At(p.X+w, p.Y+w).RGBA()
		if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 {
			t.Errorf("photo pixel %v moved or changed in the border", p)
		}
	}

	rep := func(statuses ...validate.Status) *validate.Report {
		r := &validate.Report{}
		for i, s := range statuses {
			r.Checks = append(r.Checks, validate.Check{ID: []validate.CheckID{validate.DPI, validate.Yaw, validate.FaceHeight}[i], Status: s})
		}
		return r
	}
	a := rep(validate.Pass, validate.Pass, validate.Pass)
	if d := changed(a, rep(validate.Fail, validate.Warn, validate.Fail), mirrorChecks()); len(d) != 1 || d[0] != validate.Yaw {
		t.Errorf("mirror changes %v, want yaw alone (dpi is a file rule, face_height framing)", d)
	}
	if d := changed(a, rep(validate.Pass, validate.Pass, validate.Fail), faceChecks()); len(d) != 0 {
		t.Errorf("border changes %v, want none (face_height is framing)", d)
	}
	var f Figure
	f.score("a", a, nil)
	f.score("b", a, []validate.CheckID{validate.Yaw})
	f.score("c", &validate.Report{Error: "damaged"}, nil)
	if f.Right != 1 || f.Total != 3 || strings.Join(f.Misses, "; ") != "b (yaw); c (unreadable: damaged)" {
		t.Errorf("scored %d/%d, missed %q", f.Right, f.Total, f.Misses)
	}
}

// TestResavedFigure scores the re-saved figure on made-up outcomes: a
// photo whose re-saved copy changes a verdict is missed with the check
// named, one whose copy cannot be read is missed as unreadable, one that
// could not be read itself is not counted; the figure is there whenever
// it was asked for, and only then.
func TestResavedFigure(t *testing.T) {
	rep := func(err string, yaw validate.Status) *validate.Report {
		return &validate.Report{Error: err, Checks: []validate.Check{{ID: validate.Yaw, Status: yaw}}}
	}
	same := func() variants {
		return variants{mirror: rep("", validate.Pass), border: rep("", validate.Pass), resaved: rep("", validate.Pass)}
	}
	items := []item{{folder: "f", name: "a"}, {folder: "f", name: "b"}, {folder: "f", name: "c"}, {folder: "f", name: "d"}, {folder: "g", name: "e"}}
	outs := []outcome{
		{report: rep("", validate.Pass), variants: same()},
		{report: rep("", validate.Pass), variants: same()},
		{report: rep("damaged", validate.Skip)},
		{report: rep("", validate.Pass), variants: same()},
		{report: rep("damaged", validate.Skip)},
	}
	outs[0].resaved = rep("", validate.Fail)
	outs[1].resaved = rep("not a JPEG", validate.Skip)

	for _, asked := range []bool{false, true} {
		tab := &Table{resaved: asked}
		tab.figures(items, outs)
		f, g := tab.Figure(FigureResavedStable, "f"), tab.Figure(FigureResavedStable, "g")
		if !asked {
			if f != nil || g != nil {
				t.Errorf("not asked for, yet figures %+v %+v", f, g)
			}
			continue
		}
		if f == nil || g == nil {
			t.Fatalf("asked for: figures %+v %+v", f, g)
		}
		if misses := strings.Join(f.Misses, "; "); f.Right != 1 || f.Total != 3 || misses != "a (yaw); b (unreadable: not a JPEG)" {
			t.Errorf("f: %d/%d, missed %q; want 1/3, missed a (yaw); b (unreadable: not a JPEG)", f.Right, f.Total, misses)
		}
		if g.Total != 0 {
			t.Errorf("g, no photo readable: %d/%d", g.Right, g.Total)
		}
		if m := tab.Figure(FigureMirrorStable, "f"); m == nil || m.Right != 3 || m.Total != 3 {
			t.Errorf("mirror on f: %+v, want 3/3", m)
		}
	}
}
