package facedetect

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// TestShrinkMirror checks shrink's area weights: every output pixel weighs
// its whole footprint (a plain grey stays that grey), and the copy of a
// mirror image is the mirror image of the copy, to the bit, whatever the
// ratio, for a region anywhere in the image. Engine.landmarks relies on
// the last to fit a face and its mirror image alike.
func TestShrinkMirror(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name   string
		w, h   int
		region image.Rectangle
		s      float64
	}{
		{"half", 640, 480, image.Rect(0, 0, 640, 480), 0.5},
		{"a third, odd width", 601, 400, image.Rect(0, 0, 601, 400), 1.0 / 3},
		{"detector's copy of 560x720", 560, 720, image.Rect(0, 0, 560, 720), 320.0 / 720},
		{"off-centre region", 500, 300, image.Rect(37, 11, 401, 290), 0.37},
		{"to one pixel", 9, 9, image.Rect(0, 0, 9, 9), 0.01},
		{"unscaled", 50, 40, image.Rect(3, 4, 47, 39), 1},
	}
	for _, tc := range tests {
		img := image.NewGray(image.Rect(0, 0, tc.w, tc.h))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		mirror := flipH(img)
		r := tc.region
		mr := image.Rect(tc.w-r.Max.X, r.Min.Y, tc.w-r.Min.X, r.Max.Y)
		got, want := shrink(mirror, mr, tc.s), flipH(shrink(img, r, tc.s))
		if got.Rect != want.Rect {
			t.Errorf("%s: %v, want %v", tc.name, got.Rect, want.Rect)
			continue
		}
		for i := range got.Pix {
			if got.Pix[i] != want.Pix[i] {
				t.Errorf("%s: pixel %d of the mirror image's copy %d, the copy's mirrored %d", tc.name, i, got.Pix[i], want.Pix[i])
				break
			}
		}
		grey := image.NewGray(img.Rect)
		for i := range grey.Pix {
			grey.Pix[i] = 77
		}
		for i, v := range shrink(grey, r, tc.s).Pix {
			if v != 77 {
				t.Errorf("%s: plain grey 77 shrinks to %d at %d", tc.name, v, i)
				break
			}
		}
	}
}

// TestFootprints checks the column weights of a row of n pixels scaled
// to m: each output pixel's sum to n, each source pixel's, over the
// output pixels it feeds, to m (its whole area, once), and they mirror.
func TestFootprints(t *testing.T) {
	for _, c := range [][2]int{{640, 320}, {601, 200}, {720, 320}, {7, 3}, {5, 5}, {1000, 1}} {
		n, m := c[0], c[1]
		cols := footprints(n, m)
		fed := make([]uint32, n)
		for x := range m {
			var sum uint32
			for k, w := range cols.weight[cols.at[x]:cols.at[x+1]] {
				sum += w
				fed[cols.first[x]+k] += w
			}
			if sum != uint32(n) {
				t.Errorf("%d to %d: output %d weighs %d, want %d", n, m, x, sum, n)
			}
			// The mirror image: output m-1-x reads source n-1-i with
			// the weight output x gives source i.
			y := m - 1 - x
			if a, b := cols.at[x+1]-cols.at[x], cols.at[y+1]-cols.at[y]; a != b {
				t.Errorf("%d to %d: outputs %d and %d read %d and %d pixels", n, m, x, y, a, b)
				continue
			}
			for k, w := range cols.weight[cols.at[x]:cols.at[x+1]] {
				i := cols.first[x] + k
				j := n - 1 - i - cols.first[y]
				if got := cols.weight[cols.at[y]+j]; got != w {
					t.Errorf("%d to %d: source %d weighs %d in output %d, its mirror %d in %d", n, m, i, w, x, got, y)
				}
			}
		}
		for i, w := range fed {
			if w != uint32(m) {
				t.Errorf("%d to %d: source %d feeds %d, want %d", n, m, i, w, m)
				break
			}
		}
	}
}

// TestRatioRounding checks lowRatio and highRatio against the rounding
// they stand for, and that the mirror image of an edge, scaled, rounds to
// the mirror image of its rounding: every half-pixel edge of copies 100 to
// 400 pixels wide scaled to photo widths where floating point does not
// (2448 over 240 put one edge in thirty a pixel off).
func TestRatioRounding(t *testing.T) {
	for _, w := range []int{560, 2448, 3024, 4000, 601} {
		for ws := 100; ws <= 400; ws += 7 {
			for e := -20; e <= 2*ws+20; e++ { // twice the edge: halves too
				p := float64(e) * float64(w) / float64(2*ws)
				if got, want := lowRatio(e, w, 2*ws), low(p); got != want && math.Abs(p-math.Round(p)) > 1e-6 && math.Abs(p-math.Floor(p)-0.5) > 1e-6 {
					t.Fatalf("lowRatio(%d, %d, %d) = %d, low(%v) = %d", e, w, 2*ws, got, p, want)
				}
				m := 2*ws - e // the mirror image's edge
				if lowRatio(m, w, 2*ws) != w-highRatio(e, w, 2*ws) || highRatio(m, w, 2*ws) != w-lowRatio(e, w, 2*ws) {
					t.Fatalf("w %d ws %d edge %d/2: the mirror image's edge rounds to %d, %d; want %d, %d", w, ws, e,
						lowRatio(m, w, 2*ws), highRatio(m, w, 2*ws), w-highRatio(e, w, 2*ws), w-lowRatio(e, w, 2*ws))
				}
			}
		}
	}
}
