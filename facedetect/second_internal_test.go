package facedetect

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMirrorPairs checks how the boxes of a copy and of its mirror image
// are joined: a face found on both becomes the mean box with the lower
// score; one found on one side only is dropped, or kept as it is when
// asked; and the mirror image of the photo, whose two runs swap sides,
// gets the mirror images of the same boxes.
func TestMirrorPairs(t *testing.T) {
	const w = 100
	a := Box{MinX: 10, MinY: 20, MaxX: 40, MaxY: 60, Score: 0.9}
	// The mirror image's box for the same face, a little off.
	am := Box{MinX: w - 42, MinY: 22, MaxX: w - 12, MaxY: 62, Score: 0.8}
	other := Box{MinX: 60, MinY: 20, MaxX: 90, MaxY: 60, Score: 0.99} // only on the copy
	// Two boxes of the copy over one of the mirror image: only the
	// nearer is its pair.
	near := Box{MinX: 12, MinY: 20, MaxX: 42, MaxY: 60, Score: 0.7}
	mean := Box{MinX: 11, MinY: 21, MaxX: 41, MaxY: 61, Score: 0.8}
	big := Box{MinX: 10, MinY: 20, MaxX: 70, MaxY: 80, Score: 0.9}
	small := Box{MinX: w - 50, MinY: 40, MaxX: w - 30, MaxY: 60, Score: 0.6} // inside big, mirrored
	a1 := Box{MinX: 10, MinY: 20, MaxX: 40, MaxY: 60, Score: 0.9}
	a2 := Box{MinX: 45, MinY: 20, MaxX: 75, MaxY: 60, Score: 0.85}
	b1m := Box{MinX: w - 70, MinY: 10, MaxX: w - 14, MaxY: 70, Score: 0.8} // over a1 and a2
	left := Box{MinX: 10, MinY: 20, MaxX: 40, MaxY: 60, Score: 0.9}
	rightm := Box{MinX: w - 68, MinY: 20, MaxX: w - 38, MaxY: 60, Score: 0.7} // overlapping left by 2 px
	tests := []struct {
		name           string
		boxes, mirrors []Box
		keep           bool
		want           []Box
	}{
		{"found on both", []Box{a}, []Box{am}, false, []Box{mean}},
		{"found on both, kept", []Box{a}, []Box{am}, true, []Box{mean}},
		{"found on one", []Box{other}, []Box{am}, false, nil},
		{"found on one, kept", []Box{other}, []Box{am}, true, []Box{other, {MinX: 12, MinY: 22, MaxX: 42, MaxY: 62, Score: 0.8}}},
		{"none on the mirror", []Box{a}, nil, false, nil},
		{"none on the mirror, kept", []Box{a}, nil, true, []Box{a}},
		{"the nearer of two", []Box{a, near}, []Box{am}, false, []Box{{MinX: 12, MinY: 21, MaxX: 42, MaxY: 61, Score: 0.7}}},
		// With the unpaired kept, the other of the two is no second face.
		{"the nearer of two, kept", []Box{a, near}, []Box{am}, true, []Box{{MinX: 12, MinY: 21, MaxX: 42, MaxY: 61, Score: 0.7}}},
		{"the nearer of two, in the other order", []Box{near, a}, []Box{am}, false, []Box{{MinX: 12, MinY: 21, MaxX: 42, MaxY: 61, Score: 0.7}}},
		// One face found at scales far apart: overlapping by 0.11.
		{"scales apart", []Box{big}, []Box{small}, false, nil},
		{"scales apart, kept", []Box{big}, []Box{small}, true, []Box{{MinX: 20, MinY: 30, MaxX: 60, MaxY: 70, Score: 0.6}}},
		// Two faces side by side, one box over both on the other side
		// (overlaps 0.295 and 0.281): the nearer joins it, the other
		// stays a face of its own.
		{"two under one", []Box{a1, a2}, []Box{b1m}, true, []Box{a2, {MinX: 12, MinY: 15, MaxX: 55, MaxY: 65, Score: 0.8}}},
		// Two faces side by side whose boxes touch, each found on one
		// side: two faces, not one between them.
		{"touching faces, kept", []Box{left}, []Box{rightm}, true, []Box{left, {MinX: 38, MinY: 20, MaxX: 68, MaxY: 60, Score: 0.7}}},
	}
	for _, tc := range tests {
		got := mirrorPairs(tc.boxes, tc.mirrors, w, tc.keep)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %+v, want %+v", tc.name, got[i], tc.want[i])
			}
		}
		// The mirror image of the photo: the two runs swap, the boxes
		// mirror.
		m := mirrorPairs(tc.mirrors, tc.boxes, w, tc.keep)
		if len(m) != len(got) {
			t.Errorf("%s, mirror image: %+v against %+v", tc.name, m, got)
			continue
		}
		for i, b := range got {
			if want := (Box{MinX: w - b.MaxX, MaxX: w - b.MinX, MinY: b.MinY, MaxY: b.MaxY, Score: b.Score}); m[i] != want {
				t.Errorf("%s, mirror image: %+v, want %+v", tc.name, m[i], want)
			}
		}
	}
}

// TestTint checks the small colour copy: each pixel keeps the luma of the
// area average and the hue of the photo there.
func TestTint(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			c := color.NRGBA{200, 100, 50, 255}
			if x >= 20 {
				c = color.NRGBA{50, 100, 200, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	g := image.NewGray(img.Rect)
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			r, gg, b, _ := img.At(x, y).RGBA()
			g.Pix[g.PixOffset(x, y)] = uint8((19595*(r>>8) + 38470*(gg>>8) + 7471*(b>>8) + 1<<15) >> 16)
		}
	}
	small := shrink(g, g.Rect, 0.25)
	got := tint(small, img, img.Rect)
	if got.Rect.Dx() != 10 || got.Rect.Dy() != 5 {
		t.Fatalf("size %v", got.Rect)
	}
	if c := got.NRGBAAt(1, 2); c != (color.NRGBA{200, 100, 50, 255}) {
		t.Errorf("left: %v", c)
	}
	if c := got.NRGBAAt(8, 2); c != (color.NRGBA{50, 100, 200, 255}) {
		t.Errorf("right: %v", c)
	}
}

// TestRGBAt checks that JPEG's YCbCr is read from its planes as At reads
// it.
func TestRGBAt(t *testing.T) {
	m := image.NewYCbCr(image.Rect(0, 0, 8, 6), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = uint8(17 * i)
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = uint8(40*i+30), uint8(200-13*i)
	}
	for y := 0; y < 6; y++ {
		for x := 0; x < 8; x++ {
			r, g, b := rgbAt(m, x, y)
			wr, wg, wb, _ := m.At(x, y).RGBA()
			if r != int32(wr>>8) || g != int32(wg>>8) || b != int32(wb>>8) {
				t.Fatalf("(%d, %d): %d %d %d, At gives %d %d %d", x, y, r, g, b, wr>>8, wg>>8, wb>>8)
			}
		}
	}
}

// TestMirrorPairsSwap joins random boxes both ways round: the photo and
// its mirror image must get the mirror images of the same boxes, whatever
// their order and overlaps.
func TestMirrorPairsSwap(t *testing.T) {
	const w = 200
	rng := rand.New(rand.NewPCG(3, 4))
	random := func(n int) []Box {
		out := make([]Box, n)
		for i := range out {
			x, y, s := rng.Float64()*150, rng.Float64()*150, 10+rng.Float64()*60
			out[i] = Box{MinX: math.Round(x), MinY: math.Round(y), MaxX: math.Round(x + s), MaxY: math.Round(y + s), Score: rng.Float64()}
		}
		return out
	}
	for trial := range 20000 {
		a, b := random(rng.IntN(5)), random(rng.IntN(5))
		keep := trial%2 == 0
		got, swapped := mirrorPairs(a, b, w, keep), mirrorPairs(b, a, w, keep)
		if len(got) != len(swapped) {
			t.Fatalf("%v and %v (keep %v): %d boxes, swapped %d", a, b, keep, len(got), len(swapped))
		}
		for i, g := range got {
			want := Box{MinX: w - g.MaxX, MaxX: w - g.MinX, MinY: g.MinY, MaxY: g.MaxY, Score: g.Score}
			if swapped[i] != want {
				t.Fatalf("%v and %v (keep %v): box %d swapped %+v, want %+v", a, b, keep, i, swapped[i], want)
			}
		}
	}
}
