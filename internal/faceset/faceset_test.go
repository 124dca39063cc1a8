package faceset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPeople reads a people.csv and gives each photo of the same person,
// in any folder, its group.
func TestPeople(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("neutral/people.csv", "id,age,gender,ethnicity\n001,24,female,white\n042,27,male,black\n")
	write("neutral/001_03.jpg", "x")
	write("neutral/042_03.jpg", "x")
	write("smiling/042_08.jpg", "x")
	write("other/lisa1.jpg", "x")
	photos, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"neutral/001_03": "white", "neutral/042_03": "black", "smiling/042_08": "black", "other/lisa1": ""}
	if len(photos) != len(want) {
		t.Fatalf("%d photos, want %d", len(photos), len(want))
	}
	for _, p := range photos {
		if g := p.Person.Group; g != want[p.Label+"/"+p.Name] {
			t.Errorf("%s/%s: group %q, want %q", p.Label, p.Name, g, want[p.Label+"/"+p.Name])
		}
	}
	if p := photos[0].Person; p.Age != 24 || p.Gender != "female" {
		t.Errorf("person %+v", p)
	}
	write("smiling/strength.csv", "id,smile\n042,broad\n")
	photos, err = Load(dir, "smiling", "neutral")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range photos {
		want, ok := p.Graded()
		switch p.Label + "/" + p.Name {
		case "smiling/042_08":
			if p.Smile != SmileBroad || !want || !ok {
				t.Errorf("042_08: grade %q, Graded %v %v", p.Smile, want, ok)
			}
		default:
			if p.Smile != "" || want || !ok {
				t.Errorf("%s/%s: grade %q, Graded %v %v", p.Label, p.Name, p.Smile, want, ok)
			}
		}
	}
	write("smiling/strength.csv", "id,smile\n042,wide\n")
	if _, err := Load(dir); err == nil {
		t.Error("a strength.csv with an unknown grade is accepted")
	}
	write("smiling/strength.csv", "id,smile\n")
	write("bad/people.csv", "name,age\nx,1\n")
	if _, err := People(dir); err == nil {
		t.Error("a people.csv without id and ethnicity columns is accepted")
	}
}

// TestClerk reads a folder of real photos through its labels.csv, and
// refuses the rows a figure could not count.
func TestClerk(t *testing.T) {
	const header = "file,faces,glasses,head_covering,age_group,expression,mouth,eyes,pose,background,clerk_verdict_icao\n"
	setup := func(t *testing.T, labels string) string {
		t.Helper()
		dir := t.TempDir()
		// x.jpg lies beside the folder, where a row must not reach.
		for _, name := range []string{"wild/src/b.jpg", "wild/src/a.png", "wild/other/c.jpg", "x.jpg", "wild/etc/passwd"} {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "wild", LabelsFile), []byte(header+labels), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dir := setup(t, "src/b.jpg,2,tinted,hat,adult,other,open,hidden,tilted,cluttered,\"fail: two people, sunglasses\"\n"+
		"src/a.png,1,clear,none,elderly,slight,closed,open,frontal,white,pass (borderline: faint smile)\n")
	photos, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(photos) != 2 || photos[0].Name != "src/a" || photos[1].Name != "src/b" {
		t.Fatalf("photos %+v, want src/a and src/b (c.jpg has no row)", photos)
	}
	a, b := photos[0], photos[1]
	if a.Label != "wild" || a.Path != filepath.Join(dir, "wild/src/a.png") || a.Clerk == nil ||
		!a.Clerk.Passes() || !a.Clerk.Borderline() || a.Clerk.Glasses != GlassesClear || a.Clerk.Faces != 1 {
		t.Errorf("a: %+v %+v", a, a.Clerk)
	}
	if c := b.Clerk; c.Passes() || c.Borderline() || c.Faces != 2 || c.Eyes != EyesHidden || c.Expression != ExprOther || c.HeadCovering != "hat" {
		t.Errorf("b: %+v", c)
	}
	for _, tc := range []struct{ name, row, says string }{
		// Both files exist: the path itself is refused.
		{"outside the folder", "../x.jpg,1,none,none,adult,neutral,closed,open,frontal,white,pass\n", "not a new path inside the folder"},
		{"absolute", "/etc/passwd,1,none,none,adult,neutral,closed,open,frontal,white,pass\n", "not a new path inside the folder"},
		{"not clean", "src/../src/a.png,1,none,none,adult,neutral,closed,open,frontal,white,pass\n", "not a new path inside the folder"},
		{"twice", "src/a.png,1,none,none,adult,neutral,closed,open,frontal,white,pass\nsrc/a.png,1,none,none,adult,neutral,closed,open,frontal,white,pass\n", "not a new path inside the folder"},
		{"missing file", "src/z.jpg,1,none,none,adult,neutral,closed,open,frontal,white,pass\n", "no such file"},
		{"a folder", "src,1,none,none,adult,neutral,closed,open,frontal,white,pass\n", "is not a file"},
		{"unknown glasses", "src/a.png,1,mirrored,none,adult,neutral,closed,open,frontal,white,pass\n", "glasses"},
		{"unknown eyes", "src/a.png,1,none,none,adult,neutral,closed,squinting,frontal,white,pass\n", "eyes"},
		{"faces not a count", "src/a.png,one,none,none,adult,neutral,closed,open,frontal,white,pass\n", "not a count"},
		{"no verdict", "src/a.png,1,none,none,adult,neutral,closed,open,frontal,white,maybe\n", "neither pass nor fail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(setup(t, tc.row))
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("row %q: error %v, want one saying %q", tc.row, err, tc.says)
			}
		})
	}
}
