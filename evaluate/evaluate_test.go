package evaluate

import (
	"bytes"
	"context"
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

	tab, err := Run(context.Background(), validator(t), dir, opts, exp, 2)
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
	tab, err := Run(context.Background(), validator(t), dir, opts, SharedFaces(), 2)
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
}
