package faceset

import (
	"os"
	"path/filepath"
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
