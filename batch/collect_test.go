package batch

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/tessera-cie/tessera/catalog"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// junkTree builds a folder of what a USB stick holds beside photos:
//
//	a.jpg b.PNG noext (a JPEG without extension) notes.txt empty.jpg
//	trunc.jpg .hidden.jpg .git/ dup.jpg -> a.jpg broken.jpg -> missing
//	pipe (a FIFO) sub/c.jpg sub/loop -> .. (a link loop)
func junkTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	jpg := fixture.JPEG(fixture.Gradient(60, 80), 90, nil, nil)
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	write("a.jpg", jpg)
	write("b.PNG", fixture.PNG(fixture.Gradient(60, 80), 0))
	write("noext", jpg)
	write("notes.txt", []byte("appuntamento martedì\n"))
	write("empty.jpg", nil)
	write("trunc.jpg", jpg[:len(jpg)/2])
	write(".hidden.jpg", jpg)
	write(".git/config", []byte("[core]\n"))
	write("sub/c.jpg", jpg)
	link("a.jpg", "dup.jpg")
	link("missing.jpg", "broken.jpg")
	link("..", "sub/loop")
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// entry is an input as the tests compare it: the path relative to the
// tree, and how it is taken.
type entry struct {
	rel  string
	skip SkipReason
	err  bool
}

func entries(t *testing.T, root string, in []Input) []entry {
	t.Helper()
	out := make([]entry, len(in))
	for i, x := range in {
		rel, err := filepath.Rel(root, x.Path)
		if err != nil || filepath.IsAbs(x.Path) != filepath.IsAbs(root) {
			rel = x.Path
		}
		out[i] = entry{rel: rel, skip: x.Skip, err: x.Err != nil}
	}
	return out
}

func TestCollect(t *testing.T) {
	root := junkTree(t)
	top := []entry{
		{".git", SkipHidden, false},
		{".hidden.jpg", SkipHidden, false},
		{"a.jpg", "", false},
		{"b.PNG", "", false},
		{"broken.jpg", SkipBrokenLnk, false},
		{"dup.jpg", SkipDuplicate, false},
		{"empty.jpg", "", false},
		{"noext", "", false},
		{"notes.txt", SkipNotImage, false},
		{"pipe", SkipSpecial, false},
	}
	tests := []struct {
		name string
		args []string
		opts CollectOptions
		want []entry
	}{
		{"folder", []string{root}, CollectOptions{},
			append(append(append([]entry{}, top...), entry{"sub", SkipFolder, false}), entry{"trunc.jpg", "", false})},
		{"recursive, loop and all", []string{root}, CollectOptions{Recursive: true},
			append(append(append([]entry{}, top...),
				entry{"sub/c.jpg", "", false}, entry{"sub/loop", SkipLoop, false}), entry{"trunc.jpg", "", false})},
		{"named files are checked whatever their name", []string{
			filepath.Join(root, "notes.txt"), filepath.Join(root, ".hidden.jpg"), filepath.Join(root, "nothere.jpg"),
		}, CollectOptions{}, []entry{{"notes.txt", "", false}, {".hidden.jpg", "", false}, {"nothere.jpg", "", true}}},
		{"glob, sorted, no match", []string{filepath.Join(root, "*.jpg"), filepath.Join(root, "*.gif")}, CollectOptions{},
			[]entry{{"a.jpg", "", false}, {"broken.jpg", SkipBrokenLnk, false}, {"dup.jpg", SkipDuplicate, false},
				{"empty.jpg", "", false}, {"trunc.jpg", "", false}, {"*.gif", "", true}}},
		{"the same file twice", []string{filepath.Join(root, "a.jpg"), filepath.Join(root, "sub", "..", "a.jpg")}, CollectOptions{},
			[]entry{{"a.jpg", "", false}, {"a.jpg", SkipDuplicate, false}}},
		{"sort-into folder left out", []string{root}, CollectOptions{Recursive: true, Exclude: []string{filepath.Join(root, "sub")}},
			append(append(append([]entry{}, top...), entry{"sub", SkipOutput, false}), entry{"trunc.jpg", "", false})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := entries(t, root, Collect(tc.args, tc.opts))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d inputs, want %d:\n got %v\nwant %v", len(got), len(tc.want), got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("input %d: got %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestCollectErrors(t *testing.T) {
	root := t.TempDir()
	in := Collect([]string{filepath.Join(root, "nope.jpg"), filepath.Join(root, "*.png")}, CollectOptions{})
	if len(in) != 2 || !errors.Is(in[0].Err, fs.ErrNotExist) || !errors.Is(in[1].Err, ErrNoMatch) {
		t.Fatalf("got %+v", in)
	}
	for _, lang := range catalog.Languages() {
		a, b := ReadErrorText(in[0].Err, lang), ReadErrorText(in[1].Err, lang)
		if a == "" || b == "" || a == b {
			t.Errorf("%s: error texts %q, %q", lang, a, b)
		}
	}
	if got := ReadErrorText(in[0].Err, "it"); got != "il file non esiste" {
		t.Errorf("Italian text %q", got)
	}
}

func TestSkipReasonText(t *testing.T) {
	for _, r := range []SkipReason{SkipHidden, SkipNotImage, SkipFolder, SkipLoop, SkipDuplicate, SkipSpecial, SkipBrokenLnk, SkipOutput} {
		it, en := r.Text("it"), r.Text("en")
		if it == string(r) || en == string(r) || it == en {
			t.Errorf("%s: texts %q, %q", r, it, en)
		}
	}
}
