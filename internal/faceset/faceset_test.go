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
	write("bad/people.csv", "name,age\nx,1\n")
	if _, err := People(dir); err == nil {
		t.Error("a people.csv without id and ethnicity columns is accepted")
	}
}
