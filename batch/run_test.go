package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/jpeg"
	"path/filepath"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/testengine"
	"github.com/tessera-cie/tessera/validate"
)

// testNow is the fixed "today" of the tests.
var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// openValidator is a validator on the real engine, shared by the tests.
func openValidator(t testing.TB) *validate.Validator {
	t.Helper()
	return validate.New(testengine.Engine(t))
}

// runAll runs a batch and returns the items in the order emitted.
func runAll(t *testing.T, v *validate.Validator, in []Input, opts Options) []Item {
	t.Helper()
	var items []Item
	if err := Run(context.Background(), v, in, opts, func(it Item) error {
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return items
}

func TestRun(t *testing.T) {
	v := openValidator(t)
	root := junkTree(t)
	args := []string{root}
	if dir, ok := faceset.Dir(); ok {
		args = append(args, filepath.Join(dir, "neutral", "001_03.jpg"), filepath.Join(dir, "nonface"))
	}
	in := Collect(args, CollectOptions{Recursive: true})
	opts := Options{Check: validate.Options{Lang: "en", Now: testNow}, Thumb: 200}

	var reports [][]byte
	for _, jobs := range []int{1, 4} {
		opts.Jobs = jobs
		items := runAll(t, v, in, opts)
		if len(items) != len(in) {
			t.Fatalf("jobs %d: %d items for %d inputs", jobs, len(items), len(in))
		}
		var sum Summary
		for i, it := range items {
			sum.Add(it)
			if it.Path != in[i].Path {
				t.Fatalf("jobs %d: item %d is %s, want %s (input order)", jobs, i, it.Path, in[i].Path)
			}
			if (it.Report == nil) != (in[i].Skip != "") {
				t.Errorf("jobs %d: %s: report %v for skip %q", jobs, it.Path, it.Report != nil, in[i].Skip)
			}
			decoded := it.Report != nil && it.Report.Image != nil && it.Report.Image.Width > 0 && it.Report.Error == ""
			if decoded != (len(it.Thumb) > 0) {
				t.Errorf("jobs %d: %s: thumbnail %d bytes, decoded %v", jobs, it.Path, len(it.Thumb), decoded)
			}
			if len(it.Thumb) > 0 {
				img, err := jpeg.Decode(bytes.NewReader(it.Thumb))
				if err != nil || max(img.Bounds().Dx(), img.Bounds().Dy()) > 200 {
					t.Errorf("%s: thumbnail %v, %v", it.Path, err, img.Bounds())
				}
			}
		}
		want := map[string]Verdict{
			"a.jpg": VerdictFail, "b.PNG": VerdictFail, "noext": VerdictFail, "sub/c.jpg": VerdictFail,
			"empty.jpg": VerdictError, "trunc.jpg": VerdictError, "notes.txt": VerdictSkipped, "pipe": VerdictSkipped,
		}
		for _, it := range items {
			rel, _ := filepath.Rel(root, it.Path)
			if w, ok := want[rel]; ok && it.Verdict() != w {
				t.Errorf("%s: verdict %s, want %s (%+v)", rel, it.Verdict(), w, it.Report)
			}
			if it.Verdict() == VerdictFail && rel == "a.jpg" {
				if c, _ := it.Report.Find("face_count"); c.Status != validate.Fail {
					t.Errorf("a.jpg (no face): face_count %s", c.Status)
				}
			}
		}
		if sum.Photos != sum.Pass+sum.Fail+sum.Unreadable || sum.Photos+sum.Skipped != len(in) || sum.Unreadable != 2 {
			t.Errorf("jobs %d: summary %+v of %d inputs", jobs, sum, len(in))
		}
		b, err := json.Marshal(reportsOf(items))
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, b)
		t.Logf("jobs %d: %s", jobs, sum.Line("en", 0))
	}
	if !bytes.Equal(reports[0], reports[1]) {
		t.Error("the reports with 1 and 4 jobs differ")
	}
}

func reportsOf(items []Item) []*validate.Report {
	var out []*validate.Report
	for _, it := range items {
		out = append(out, it.Report)
	}
	return out
}

func TestRunStops(t *testing.T) {
	v := openValidator(t)
	root := junkTree(t)
	in := Collect([]string{root}, CollectOptions{Recursive: true})
	opts := Options{Jobs: 2, Check: validate.Options{Now: testNow}}

	stop := errors.New("disk full")
	n := 0
	err := Run(context.Background(), v, in, opts, func(Item) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("emit error: Run returned %v after %d items, want %v after 3", err, n, stop)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, v, in, opts, func(Item) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: Run returned %v", err)
	}

	opts.Check.Profile = "passport"
	if err := Run(context.Background(), v, in, opts, func(Item) error { return nil }); !errors.Is(err, validate.ErrUnknownProfile) {
		t.Errorf("unknown profile: Run returned %v", err)
	}
}

func TestRunTooLarge(t *testing.T) {
	v := openValidator(t)
	root := junkTree(t)
	in := []Input{{Path: filepath.Join(root, "a.jpg")}}
	items := runAll(t, v, in, Options{MaxBytes: 100, Check: validate.Options{Lang: "en", Now: testNow}})
	r := items[0].Report
	if !errors.Is(r.Err, ErrTooLarge) || r.Error != "file too large to be a photo" || items[0].Verdict() != VerdictError {
		t.Errorf("over the limit: %+v", r)
	}
}
