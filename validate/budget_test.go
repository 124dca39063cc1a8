package validate

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/catalog"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// costImages are 3-megapixel files of each kind a citizen may send, for
// the memory estimate.
func costImages(t *testing.T) map[string][]byte {
	t.Helper()
	const w, h = 2000, 1500
	src := fixture.Gradient(w, h)
	g := image.NewGray(src.Rect)
	r16 := image.NewRGBA64(src.Rect)
	pal := image.NewPaletted(src.Rect, color.Palette{color.White, color.Black, color.RGBA{200, 30, 30, 255}})
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := src.NRGBAAt(x, y)
			g.SetGray(x, y, color.Gray{c.G})
			r16.SetRGBA64(x, y, color.RGBA64{uint16(c.R) << 8, uint16(c.G) << 8, uint16(c.B) << 8, 0xffff})
			pal.SetColorIndex(x, y, uint8((x+y)%3))
		}
	}
	enc := func(f func(*bytes.Buffer) error) []byte {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	cjpeg := func(args ...string) []byte {
		data, err := fixture.CJPEG(src, args...)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	heic, err := fixture.HEIF(fixture.JPEG(src, 95, nil, nil), "-q", "80", "-p", "preset=ultrafast")
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"heic":                   heic,
		"jpeg progressive 4:4:4": cjpeg("-progressive", "-sample", "1x1"),
		"jpeg progressive 4:2:0": cjpeg("-progressive"),
		"jpeg arithmetic 4:4:4":  cjpeg("-arithmetic", "-sample", "1x1"),
		"jpeg 4:2:0":             fixture.JPEG(src, 85, nil, nil),
		"jpeg 4:2:0 turned":      fixture.JPEG(src, 85, nil, &fixture.Exif{Orientation: 6}),
		"jpeg gray":              enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, g, nil) }),
		"png rgba 8-bit":         enc(func(b *bytes.Buffer) error { return png.Encode(b, src) }),
		"png rgba 16-bit":        enc(func(b *bytes.Buffer) error { return png.Encode(b, r16) }),
		"png gray":               enc(func(b *bytes.Buffer) error { return png.Encode(b, g) }),
		"png paletted":           enc(func(b *bytes.Buffer) error { return png.Encode(b, pal) }),
	}
}

// TestCostCoversAllocation checks the memory estimate against what a check
// really allocates (Go's TotalAlloc, an upper bound of the live heap) on
// each kind of file: the estimate must not be short.
func TestCostCoversAllocation(t *testing.T) {
	v := testValidator(t)
	files := costImages(t)
	// A real face, where every measure runs.
	photos, err := faceset.Load(faceset.Require(t), "canada")
	if err != nil || len(photos) == 0 {
		t.Fatalf("canada/: %v", err)
	}
	if files["studio photo"], err = os.ReadFile(photos[0].Path); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			costCovers(t, v, name, data)
		})
	}
}

// TestCostCoversLargeProgressive: a 12-megapixel progressive JPEG without
// chroma subsampling, where image/jpeg holds a 32-bit coefficient per
// sample and the fixed part of the estimate no longer hides a short per
// pixel one (issue 27: 700 MiB allocated for a 7000x7000 file estimated at
// 577).
func TestCostCoversLargeProgressive(t *testing.T) {
	data, err := fixture.CJPEG(fixture.Gradient(4000, 3000), "-progressive", "-sample", "1x1")
	if err != nil {
		t.Fatal(err)
	}
	costCovers(t, testValidator(t), "big", data)
}

// costCovers checks data with v and compares what the check allocated
// (Go's TotalAlloc) with Cost's estimate: the estimate must not be short.
func costCovers(t *testing.T, v *Validator, name string, data []byte) {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := v.Check(context.Background(), name, data, Options{Now: testNow})
	runtime.ReadMemStats(&after)
	if err != nil || r.Err != nil {
		t.Fatalf("check: %v %v", err, r.Err)
	}
	used, cost := int64(after.TotalAlloc-before.TotalAlloc), Cost(data)
	t.Logf("allocated %d MB, estimated %d MB", used>>20, cost>>20)
	if used > cost {
		t.Errorf("allocated %d bytes, estimated %d", used, cost)
	}
}

// TestMemoryBudget checks admission by bytes: with room for one photo, a
// second waits while the first is checked and gives up when its context
// ends; it is checked once the first is done; a photo whose cost alone is
// over the budget is refused without decoding a pixel.
func TestMemoryBudget(t *testing.T) {
	photo := fixture.JPEG(fixture.Gradient(1000, 1300), 85, nil, nil)
	cost := Cost(photo)
	gate := fixture.NewBlockingDetector()
	v := New(gate).WithMemoryBudget(cost * 3 / 2)
	opts := Options{Now: testNow}

	first := make(chan error, 1)
	go func() {
		_, err := v.Check(context.Background(), "first", photo, opts)
		first <- err
	}()
	<-gate.Entered // the first holds its cost

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := v.Check(ctx, "second", photo, opts); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second photo while the first holds the budget: %v, want to wait until the deadline", err)
	}
	select {
	case <-gate.Entered:
		t.Fatal("the second photo reached the detector beyond the budget")
	default:
	}

	close(gate.Release)
	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	if r, err := v.Check(context.Background(), "third", photo, opts); err != nil || r.Err != nil {
		t.Fatalf("a photo after the first was done: %v %v", err, r.Err)
	}

	big := fixture.PNG(fixture.Gradient(2000, 2000), 0) // 8-bit RGBA: costs more than the budget
	if Cost(big) <= cost*3/2 {
		t.Fatalf("the big photo costs %d, not over the budget %d", Cost(big), cost*3/2)
	}
	// Over the pixel limit the header is refused as such, not by memory.
	if r, err := v.Check(context.Background(), "bomb", fixture.PNGHeader(60000, 60000), opts); err != nil || !errors.Is(r.Err, ErrTooManyPixels) {
		t.Fatalf("a 60000x60000 header: %v, report %v; want ErrTooManyPixels", err, r.Err)
	}
	for _, lang := range catalog.Languages() {
		r, err := v.Check(context.Background(), "big", big, Options{Now: testNow, Lang: lang})
		if err != nil || !errors.Is(r.Err, ErrOverBudget) || r.Error == "" || r.Pass {
			t.Fatalf("%s: a photo over the whole budget: %v, report %v %q", lang, err, r.Err, r.Error)
		}
		// It is a PNG all the same, not "not an image".
		if c := status(t, r, "format"); c.Status != Pass {
			t.Errorf("%s: format %s %v: %s", lang, c.Status, c.Value, c.Message)
		}
	}
}
