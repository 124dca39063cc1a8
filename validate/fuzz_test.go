package validate

import (
	"context"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// fuzzMaxPixels keeps the decoder's work small while fuzzing: the pixel
// limit is checked from the header before any pixel is decoded, so a
// smaller limit only makes the fuzzer's inputs cheaper.
const fuzzMaxPixels = 4_000_000

// fuzzSlow is how long reading one fuzzed file may take: a real 4
// megapixel photo decodes in about 0.1 s on one core; twenty times that is
// a decoder made to work for nothing.
const fuzzSlow = 2 * time.Second

// fuzzSeeds are the seeds every file fuzz target starts from, beside the
// committed corpus in testdata/fuzz (which holds the crafted files of
// issue 9).
func fuzzSeeds(f *testing.F) {
	img := fixture.Gradient(40, 52)
	good := fixture.JPEG(img, 80, &fixture.JFIF{Units: 1, XDen: 400, YDen: 400}, nil)
	f.Add(good)
	f.Add(fixture.JPEG(img, 80, nil, &fixture.Exif{XRes: 400, YRes: 400, ResolutionUnit: 2, Orientation: 6, DateTimeOriginal: testNow}))
	f.Add(fixture.JPEG(fixture.Gradient(40, 30), 80, nil, &fixture.Exif{FocalLength35: 26, Width: 40, Height: 30}))
	f.Add(fixture.PNG(img, 15748))
	f.Add(fixture.PNGHeader(60000, 60000))
	f.Add(fixture.HostileEXIFLoop(good))
	f.Add(fixture.HostileEXIFCount(good))
	f.Add(fixture.HostileSegmentLength())
	// A HEIC and an AVIF as phones make them, when heif-enc is there
	// (make deps installs it; a fuzz worker that cannot run it still has
	// the other seeds).
	ex := fixture.Exif{XRes: 400, YRes: 400, ResolutionUnit: 2, DateTimeOriginal: testNow}
	for _, args := range [][]string{nil, {"-A"}} {
		if data, err := fixture.PhoneHEIC(img, ex, args...); err == nil {
			f.Add(data)
		}
	}
}

// FuzzReadMeta reads the metadata of arbitrary bytes as a JPEG, a PNG and
// a HEIF file: it must not panic, and a declared orientation is one of the eight.
func FuzzReadMeta(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{"jpeg", "png", "heic"} {
			m := readMeta(format, data)
			if m.orientation < 1 || m.orientation > 8 {
				t.Fatalf("%s: orientation %d", format, m.orientation)
			}
			if m.dpi < 0 {
				t.Fatalf("%s: dpi %v", format, m.dpi)
			}
			if m.focal35 < 0 || m.exifWidth < 0 || m.exifHeight < 0 || (m.exifWidth == 0) != (m.exifHeight == 0) {
				t.Fatalf("%s: lens %v mm, frame %dx%d", format, m.focal35, m.exifWidth, m.exifHeight)
			}
		}
	})
}

// FuzzRead identifies, reads the metadata of and decodes arbitrary bytes,
// as every upload is, without the recovery that turns a parser's panic into
// an unreadable file: any panic is a bug to fix at its source.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	v := New(nil).WithMaxPixels(fuzzMaxPixels)
	f.Fuzz(func(t *testing.T, data []byte) {
		ph := &photo{bytes: len(data), info: &ImageInfo{Bytes: len(data)}}
		start := time.Now()
		src := probe(data)
		defer src.close()
		err := v.readInto(context.Background(), ph, src)
		if d := time.Since(start); d > fuzzSlow {
			t.Fatalf("reading %d bytes took %v (%dx%d %s), want <= %v", len(data), d, ph.info.Width, ph.info.Height, ph.format, fuzzSlow)
		}
		if err == nil {
			b := ph.img.Bounds()
			if b.Dx()*b.Dy() > fuzzMaxPixels || ph.gray == nil {
				t.Fatalf("read %v, gray %v", b, ph.gray != nil)
			}
		}
	})
}
