package validate

import (
	"fmt"
	"image"
	"math"
	"sort"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/internal/fixture"
)

// headTurn renders the photo's head turned by yaw and pitch (degrees, the
// sign convention of measure_pose.go): its landmarks, levelled, are given
// the depths depth, turned in 3D and projected orthographically, and the
// photo is warped to follow them (warpTriangles), the nearer parts of the
// face drawn over the farther. Points around the face (forehead, hair, ears
// and neck) turn with the head on a rounded surface behind the landmarks;
// the frame's edge stays, so the backdrop stretches between.
func headTurn(img image.Image, lm [][2]float64, depth *[facedetect.NumLandmarks]float64, yaw, pitch float64) (*image.NRGBA, error) {
	pts := make([]facedetect.Point, len(lm))
	for i, p := range lm {
		pts[i] = facedetect.Point{X: p[0], Y: p[1]}
	}
	fr, ok := newFaceFrame(pts)
	if !ok {
		return nil, fmt.Errorf("eyes under a pixel apart")
	}
	toImage := func(u, v float64) [2]float64 {
		x, y := fr.point(u, v)
		return [2]float64{x, y}
	}

	// The head in 3D, levelled: the landmarks with their depths ...
	var head [][3]float64
	for i, p := range pts {
		u, v := fr.face(p)
		head = append(head, [3]float64{u, v, depth[i]})
	}
	// ... the forehead and the hair above it, sloping back and rounded
	// to the sides ...
	for _, row := range []struct{ y, z float64 }{{-0.9, 0.5}, {-1.5, 0.8}} {
		for x := -1.0; x <= 1.0; x += 0.5 {
			head = append(head, [3]float64{x, row.y, row.z + 0.4*x*x})
		}
	}
	// ... and a ring round the jaw (ears, cheeks' edge, neck), a little
	// outside it and behind.
	for i := facedetect.JawFirst; i <= facedetect.JawLast; i += 2 {
		q := head[i]
		ux, uy := q[0], q[1]-0.7
		n := math.Hypot(ux, uy)
		head = append(head, [3]float64{q[0] + 0.35*ux/n, q[1] + 0.35*uy/n, q[2] + 0.3})
	}

	// Turn about a point in the middle of the head (orthographic: the
	// pivot only keeps the face where it was).
	const pivotY, pivotZ = 0.7, 1.0
	a, b := pitch*math.Pi/180, -yaw*math.Pi/180
	var src, dst [][2]float64
	var z []float64
	for _, p := range head {
		y0, z0 := p[1]-pivotY, p[2]-pivotZ
		y1 := math.Cos(a)*y0 + math.Sin(a)*z0
		z1 := -math.Sin(a)*y0 + math.Cos(a)*z0
		x2 := math.Cos(b)*p[0] + math.Sin(b)*z1
		z2 := -math.Sin(b)*p[0] + math.Cos(b)*z1
		src = append(src, toImage(p[0], p[1]))
		dst = append(dst, toImage(x2, y1+pivotY))
		z = append(z, z2)
	}
	// The frame stays where it is, behind everything.
	bd := img.Bounds()
	w, h := float64(bd.Dx()), float64(bd.Dy())
	for k := 0; k <= 4; k++ {
		f := float64(k) / 4
		for _, p := range [][2]float64{{f * w, 0}, {f * w, h}, {0, f * h}, {w, f * h}} {
			src = append(src, p) // the corners twice: dedupe drops one
			dst = append(dst, p)
			z = append(z, math.Inf(1))
		}
	}
	src, dst, z = dedupe(src, dst, z)
	return warpTriangles(img, src, dst, z, delaunay(src)), nil
}

// dedupe drops repeated source points (the frame's corners).
func dedupe(src, dst [][2]float64, z []float64) ([][2]float64, [][2]float64, []float64) {
	seen := map[[2]float64]bool{}
	var s, d [][2]float64
	var zz []float64
	for i, p := range src {
		if seen[p] {
			continue
		}
		seen[p] = true
		s, d, zz = append(s, p), append(d, dst[i]), append(zz, z[i])
	}
	return s, d, zz
}

// TestPoseOnRenderedTurns checks the pose reading's scale against known
// turns of real faces, read by the whole engine: each neutral/ photo is
// rendered with its head turned by a known yaw or pitch (headTurn) and
// checked like any photo, so the landmark detector, not only the solver,
// must follow the turn. The turn read is the rendered photo's reading
// less that of the same photo rendered unturned.
//
// Two faces are turned. One has the pose model's own depths (faceDepth):
// rendered and solved with the same depths and projection, its turn can
// only be misread by the landmark detector, so it tests that the detector
// follows a turned face and adds no scale of its own. The other,
// anthroDepth, is shallower than the model, as anthropometry puts a real
// face: it reads short. Only a face deeper than the model would read a
// turn as larger than it is; issue 26's question (a peer reads pitch 1.75
// times smaller on the same photos) would need faces that much deeper
// than the model, which anthropometry does not give. So the test bounds
// the detector's part of the scale and shows which way a real face's
// depth moves it; the peer reading short is the likelier account.
func TestPoseOnRenderedTurns(t *testing.T) {
	t.Parallel() // slow (a render and a check per photo); the two render tests share the cores
	faces := loadFaces(t, "neutral")
	const (
		turn        = 12.0 // degrees: past the limits, inside what a photo shows well
		renderWidth = 560  // pixels: issue 2's benchmark photo width
		// No reading may overstate a turn: the median within a fifth, no
		// single photo by more than a third (1.75, issue 26's question,
		// is far past both).
		maxMedianGain = 1.2
		maxGain       = 1.33
	)
	type gains struct{ yaw, pitch []float64 }
	for _, tc := range []struct {
		name  string
		depth *[facedetect.NumLandmarks]float64
		// The median turn read, as a share of the turn made: on the
		// model's own depths the reading should be right within a fifth;
		// on a shallower face it reads short (a shallower face moves its
		// nose less for the same turn), but a turn must still show.
		minMedian float64
	}{
		{"model depth", &faceDepth, 0.8},
		{"shallower face", &anthroDepth, 0.6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g gains
			for _, f := range faces {
				if f.rep.Face == nil {
					t.Fatalf("%s: no face", f.p.Name)
				}
				// At a phone-upload size: the render costs by the pixel.
				small := imaging.Resize(f.img, renderWidth, 0, imaging.Linear)
				k := float64(small.Bounds().Dx()) / float64(f.img.Bounds().Dx())
				lm := make([][2]float64, len(f.rep.Face.Landmarks))
				for i, p := range f.rep.Face.Landmarks {
					lm[i] = [2]float64{p[0] * k, p[1] * k}
				}
				read := func(yaw, pitch float64) (float64, float64) {
					img, err := headTurn(small, lm, tc.depth, yaw, pitch)
					if err != nil {
						t.Fatalf("%s: %v", f.p.Name, err)
					}
					rep := check(t, fixture.JPEG(img, 92, nil, nil), Options{Profile: "icao"})
					if rep.Face == nil {
						t.Fatalf("%s turned %+.0f° %+.0f°: no face", f.p.Name, yaw, pitch)
					}
					return rep.Face.Yaw, rep.Face.Pitch
				}
				y0, p0 := read(0, 0)
				for _, sign := range []float64{-1, 1} {
					y, _ := read(sign*turn, 0)
					_, p := read(0, sign*turn)
					g.yaw = append(g.yaw, (y-y0)/(sign*turn))
					g.pitch = append(g.pitch, (p-p0)/(sign*turn))
					t.Logf("%s turned %+.0f°: yaw %+.1f -> %+.1f, pitch %+.1f -> %+.1f", f.p.Name, sign*turn, y0, y, p0, p)
				}
			}
			for _, a := range []struct {
				id string
				v  []float64
			}{{"yaw", g.yaw}, {"pitch", g.pitch}} {
				v := append([]float64(nil), a.v...)
				sort.Float64s(v)
				median := v[len(v)/2]
				t.Logf("%s: a %.0f° turn reads at %.2f of its size (median; %.2f-%.2f over %d turns)", a.id, turn, median, v[0], v[len(v)-1], len(v))
				if median < tc.minMedian || median > maxMedianGain {
					t.Errorf("%s: a %.0f° turn reads at %.2f of its size (median), want %.2f-%.2f", a.id, turn, median, tc.minMedian, maxMedianGain)
				}
				if top := v[len(v)-1]; top > maxGain {
					t.Errorf("%s: a %.0f° turn reads as %.1f°, %.2f of its size; want at most %.2f", a.id, turn, top*turn, top, maxGain)
				}
			}
		})
	}
}
