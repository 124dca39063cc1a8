package facedetect

/*
// The shape predictor's regression trees are dlib templates instantiated
// in shim.cpp, so these flags decide their speed: at -O3 a 560x720 check
// took 18.5 ms on one core against 21.2 ms at -O2 (BenchmarkCheck560x720,
// before the chin's second fit, which brings it to 20.1 ms), and tessera
// check's JSON report stayed the same to the byte on five photos of
// ../shared/faces. Since each fit is averaged with its mirror image's and
// the landmarks are fitted twice (landmarkBox), a face takes six fits
// instead of two: 32-35 ms for the same check. Scanning the mirror image
// of the detector's copy too (Engine.detect), with validate reading a
// JPEG's luma from its colours, took a 560x720 check from 47 to 55 ms of
// CPU time and a 12-megapixel one from about 220 to 270 ms (one core, the
// two builds run in turns on a day this machine ran slower than above).

#cgo CXXFLAGS: -std=c++14 -O3
#cgo pkg-config: dlib-1
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"github.com/disintegration/imaging"
)

// Options tune the dlib engine. The zero value selects the defaults.
type Options struct {
	// DetectSize is the longer side, in pixels, of the downscaled copy the
	// face detector scans first (default 320). Faces in ID photos fill much
	// of the frame, so a small copy finds them and is fast.
	DetectSize int
	// RetrySize is the longer side of the copy scanned when the first scan
	// finds no face (default 1024): dlib's detector needs faces of about 80
	// pixels, so a face under a quarter of the frame shows only here.
	RetrySize int
	// LandmarkSize is the face box width, in pixels, at which the shape
	// predictor runs (default 320); larger faces are downscaled to it.
	LandmarkSize int
	// Workers bounds how many detections run at once (default GOMAXPROCS).
	Workers int
	// Threshold is added to dlib's detection threshold; negative values find
	// more, less certain faces (default 0).
	Threshold float64
	// Second is a second detector, run on the copy the HOG detector scans
	// first, in colour (nil: the HOG detector alone). A face it finds that
	// the HOG detector did not is kept when the HOG detector, looking
	// again, still sees a face there (secondMinHOG). Once Open has
	// succeeded, the Engine owns it: Close closes it when it is an
	// io.Closer.
	Second BoxFinder
}

// Engine is the dlib face engine. It is safe for concurrent use: the shape
// predictor is read-only and shared, detectors are pooled, one per worker.
type Engine struct {
	opts      Options
	predictor *C.tess_predictor
	pool      chan *C.tess_detector
	made      int // detectors in the pool, lent out or not
	closed    chan struct{}
	closeOnce sync.Once
}

// ErrClosed is returned by Detect after Close.
var ErrClosed = errors.New("facedetect: engine closed")

// Open loads the shape predictor at modelPath and prepares the detectors.
func Open(modelPath string, opts Options) (*Engine, error) {
	if opts.DetectSize <= 0 {
		opts.DetectSize = 320
	}
	if opts.RetrySize <= 0 {
		opts.RetrySize = 1024
	}
	if opts.LandmarkSize <= 0 {
		opts.LandmarkSize = 320
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	cpath := C.CString(modelPath)
	defer C.free(unsafe.Pointer(cpath))
	var errbuf [512]C.char
	p := C.tess_predictor_load(cpath, &errbuf[0], C.int(len(errbuf)))
	if p == nil {
		return nil, fmt.Errorf("facedetect: load shape predictor %s: %s", modelPath, C.GoString(&errbuf[0]))
	}
	if n := int(C.tess_predictor_parts(p)); n != NumLandmarks {
		C.tess_predictor_free(p)
		return nil, fmt.Errorf("facedetect: shape predictor %s has %d parts, want %d", modelPath, n, NumLandmarks)
	}
	e := &Engine{
		opts:      opts,
		predictor: p,
		pool:      make(chan *C.tess_detector, opts.Workers),
		closed:    make(chan struct{}),
	}
	for i := 0; i < opts.Workers; i++ {
		d := newDetector(i)
		if d == nil {
			e.opts.Second = nil // the caller's still: Open failed
			e.Close()           // frees the i made so far
			return nil, fmt.Errorf("facedetect: cannot create dlib face detector %d of %d", i+1, opts.Workers)
		}
		e.pool <- d
		e.made++
	}
	return e, nil
}

// failDetector, set by tests only, makes the creation of detector i fail
// as when dlib cannot allocate it.
var failDetector func(i int) bool

// newDetector creates detector i of the pool; nil when it cannot.
func newDetector(i int) *C.tess_detector {
	if failDetector != nil && failDetector(i) {
		return nil
	}
	return C.tess_detector_new()
}

// Close frees the engine once every running Detect has returned. Detect
// called after Close returns ErrClosed. Close may be called more than
// once, also concurrently: the first call frees, the others wait for it.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		close(e.closed)
		for range e.made {
			C.tess_detector_free(<-e.pool)
		}
		C.tess_predictor_free(e.predictor)
		e.predictor = nil
		if c, ok := e.opts.Second.(io.Closer); ok {
			c.Close()
		}
	})
	return nil
}

// Detect finds the faces in img and fits the 68 landmarks to each, best
// face first. Coordinates are pixels of img. It is DetectColor without
// the photo's colours.
func (e *Engine) Detect(ctx context.Context, img *image.Gray) ([]Face, error) {
	return e.DetectColor(ctx, img, nil)
}

// DetectColor is Detect given also the photo whose luma img is, for the
// second detector (Options.Second), which reads colour: a face behind
// dark glasses stands out from the skin around it better than in luma.
// colour may be nil. img may be a sub-image, off the origin: faces are
// then in its coordinates, which are colour's too (colour must cover
// img's bounds), and they are the faces of the same pixels at the
// origin, moved (TestSubImage). The faces the HOG detector finds come first, best
// first, then those only the second detector found, surest first.
func (e *Engine) DetectColor(ctx context.Context, img *image.Gray, colour image.Image) ([]Face, error) {
	if img == nil || img.Rect.Empty() {
		return nil, errors.New("facedetect: empty image")
	}
	var det *C.tess_detector
	select {
	case <-e.closed:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	case det = <-e.pool:
	}
	defer func() { e.pool <- det }()
	select {
	case <-e.closed:
		return nil, ErrClosed
	default:
	}

	w, h := img.Rect.Dx(), img.Rect.Dy()
	small := e.small(img, e.opts.DetectSize)
	boxes, err := e.detect(det, img, small)
	if err == nil && len(boxes) == 0 && max(w, h) > e.opts.DetectSize && e.opts.RetrySize > e.opts.DetectSize {
		boxes, err = e.detect(det, img, e.small(img, e.opts.RetrySize))
	}
	if err != nil {
		return nil, err
	}
	faces := make([]Face, 0, len(boxes))
	for _, b := range boxes {
		f, err := e.face(ctx, img, b.box)
		if err != nil {
			return nil, err
		}
		f.Score = b.score
		faces = append(faces, f)
	}
	if e.opts.Second == nil {
		return faces, nil
	}
	more, err := e.second(ctx, det, img, colour, small, faces)
	if err != nil {
		return nil, err
	}
	return append(faces, more...), nil
}

// face fits the landmarks in box, then in the box they place
// (landmarkBox), and the chin (Engine.chin).
func (e *Engine) face(ctx context.Context, img *image.Gray, box image.Rectangle) (Face, error) {
	if err := ctx.Err(); err != nil {
		return Face{}, err
	}
	pts, err := e.landmarks(img, box)
	if err != nil {
		return Face{}, err
	}
	if lb := landmarkBox(pts); lb.Overlaps(img.Rect) {
		if pts, err = e.landmarks(img, lb); err != nil {
			return Face{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return Face{}, err
	}
	chin, err := e.chin(img, pts)
	if err != nil {
		return Face{}, err
	}
	return Face{Box: box, Landmarks: pts, Chin: chin}, nil
}

// The second detector's faces. A convolutional detector finds faces the
// HOG detector misses (eyes behind dark glasses, faces under its 80
// pixels, heads turned a little), and it also calls some things faces
// that are not: on ../shared/faces/nonface, a lake's reflection scored
// 0.99. So a face only it finds is kept when the HOG detector, shown that
// face alone and larger (hogSide pixels wide) with its threshold lowered,
// still finds a face there: scoring at least secondMinHOG. And it is a new
// face only where it lies outside every face already found (within).
const (
	// secondBoxSide places the landmarks' first box by the second
	// detector's: square, centred on it, secondBoxSide times its longer
	// side. Where the first box falls matters little: the landmarks are
	// fitted again in their own box (landmarkBox).
	secondBoxSide = 1.1
	// hogSide is the width, in pixels, at which the HOG detector looks
	// again: above its 80-pixel window, as large as its scan of a 320-pixel
	// copy usually sees an ID photo's face.
	hogSide = 100
	// secondMinHOG is the score the HOG detector must give a face only the
	// second detector found, its threshold being lowered by as much. On
	// ../shared/faces the 15 such faces that are faces (sunglasses,
	// profiles, small faces in groups, a face lit from the side) scored
	// -1.17 to 1.18, and the lake no face at all above -2: the limit lies
	// between.
	secondMinHOG = -1.5
	// secondMinWidth: a face only the second detector found counts from
	// a third of the width of the widest face the HOG detector found
	// (issue 25: "any other face at least a third of the main face's
	// width"). Smaller ones are where its mistakes were: on neutral/013_03
	// in a white border, a fold of the collar 2 % of the face's width.
	secondMinWidth = 3
	// secondMinSide is the narrowest face, in pixels of the copy, the
	// second detector's may be when the HOG detector found none to measure
	// it against (secondMinWidth): its mistake on neutral/013_03 was 9
	// pixels wide, the smallest real faces on ../shared/faces/wild 17
	// (people behind, deca/AFLW2000_image00181). Under 16 pixels a face is
	// a twentieth of the copy, where an ID photo's fills half.
	secondMinSide = 16
	// secondSame is the overlap (intersection over union) at which a box
	// found on the copy and one found on its mirror image are the same
	// face: the overlap at which the model's own post-processing takes two
	// boxes for one face (iou_threshold in its fd_config.py; ultraface's
	// nmsOverlap). On a face cut by the photo's top edge the two runs can
	// disagree on its size: 0.32 on wild/selfies_3_images_292.
	secondSame = 0.3
)

// mirrorPairs joins the boxes found on a copy w pixels wide with those
// found on its mirror image (in pixels of the mirror image): a box and a
// mirrored one that are each other's best overlap, at least secondSame,
// are one face, and become the mean of the two, scored by the lower
// score. Without keepUnpaired, the boxes found on one side only are
// dropped. With it, the boxes left are paired again where one holds the
// other's centre (one face, found at scales far apart), each other's best
// overlap among those; and a box left then is kept as it is (mirrored
// back) where it is no joined face, nor a face left on the other side
// with a score as high: a face one scan alone found, never a second copy
// of a face.
// Best first.
//
// Neither detector is symmetric: on ../shared/faces/nonface the second
// detector scored a bunch of flowers 0.52 and its mirror image 0.95, and
// the HOG detector's boxes on a photo and on its mirror image lie 0.1-0.3
// eye distances apart (../shared/faces/wild). Joined, a photo and its
// mirror image get the mirror images of the same boxes: the two runs swap
// sides, and each rule reads both sides alike (TestMirrorPairs swaps
// them on every case).
func mirrorPairs(boxes, mirrored []Box, w float64, keepUnpaired bool) []Box {
	back := make([]Box, len(mirrored))
	for i, m := range mirrored {
		back[i] = Box{MinX: w - m.MaxX, MaxX: w - m.MinX, MinY: m.MinY, MaxY: m.MaxY, Score: m.Score}
	}
	usedA, usedB := make([]bool, len(boxes)), make([]bool, len(back))
	// best is the index of the box of in, not used, that overlaps b most
	// among those ok with it, at least least; -1 if none.
	best := func(b Box, in []Box, used []bool, least float64, ok func(a, b Box) bool) int {
		at, most := -1, 0.0
		for i, c := range in {
			if o := b.Overlap(c); !used[i] && o >= least && o > most && ok(b, c) {
				at, most = i, o
			}
		}
		return at
	}
	var out []Box
	join := func(least float64, ok func(a, b Box) bool) {
		// Both sides choose before any pair is taken: the order of the
		// boxes decides nothing, and no box joins twice.
		pickA, pickB := make([]int, len(boxes)), make([]int, len(back))
		for i, b := range boxes {
			pickA[i] = -1
			if !usedA[i] {
				pickA[i] = best(b, back, usedB, least, ok)
			}
		}
		for j, m := range back {
			pickB[j] = -1
			if !usedB[j] {
				pickB[j] = best(m, boxes, usedA, least, ok)
			}
		}
		for i, j := range pickA {
			if j < 0 || pickB[j] != i {
				continue
			}
			b, m := boxes[i], back[j]
			usedA[i], usedB[j] = true, true
			out = append(out, Box{
				MinX: (b.MinX + m.MinX) / 2, MaxX: (b.MaxX + m.MaxX) / 2,
				MinY: (b.MinY + m.MinY) / 2, MaxY: (b.MaxY + m.MaxY) / 2,
				Score: min(b.Score, m.Score),
			})
		}
	}
	join(secondSame, func(a, b Box) bool { return true })
	if keepUnpaired {
		join(0, sameFace)
		joined := len(out)
		// alone: b, left on its side, is no joined face, nor a face left
		// on the other side with a score as high (of two copies of one
		// face, the surer is kept).
		alone := func(b Box, other []Box, used []bool) bool {
			for _, o := range out[:joined] {
				if sameFace(b, o) {
					return false
				}
			}
			for k, o := range other {
				if !used[k] && o.Score >= b.Score && sameFace(b, o) {
					return false
				}
			}
			return true
		}
		for i, b := range boxes {
			if !usedA[i] && alone(b, back, usedB) {
				out = append(out, b)
			}
		}
		for j, m := range back {
			if !usedB[j] && alone(m, boxes, usedA) {
				out = append(out, m)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Box) int { return cmp.Compare(b.Score, a.Score) })
	return out
}

// sameFace reports whether a and b hold each other's centre, or one the
// other's: one face in two boxes, where boxes that merely touch are two.
func sameFace(a, b Box) bool {
	in := func(x, y float64, r Box) bool { return x > r.MinX && x < r.MaxX && y > r.MinY && y < r.MaxY }
	return in((a.MinX+a.MaxX)/2, (a.MinY+a.MaxY)/2, b) || in((b.MinX+b.MaxX)/2, (b.MinY+b.MaxY)/2, a)
}

// second runs the second detector on the small copy (in colour when
// colour is known) and returns the faces it finds that are not among
// found.
func (e *Engine) second(ctx context.Context, det *C.tess_detector, img *image.Gray, colour image.Image, small *image.Gray, found []Face) ([]Face, error) {
	var in image.Image = small
	if colour != nil {
		in = tint(small, colour, img.Rect)
	}
	boxes, err := e.opts.Second.Detect(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("facedetect: second detector: %w", err)
	}
	sx := float64(img.Rect.Dx()) / float64(small.Rect.Dx())
	sy := float64(img.Rect.Dy()) / float64(small.Rect.Dy())
	widest := 0
	for _, f := range found {
		widest = max(widest, f.Box.Dx())
	}
	// box is where the landmarks are first fitted for b.
	box := func(b Box) image.Rectangle {
		cx := float64(img.Rect.Min.X) + (b.MinX+b.MaxX)/2*sx
		cy := float64(img.Rect.Min.Y) + (b.MinY+b.MaxY)/2*sy
		half := secondBoxSide * max((b.MaxX-b.MinX)*sx, (b.MaxY-b.MinY)*sy) / 2
		return square(cx, cy, half)
	}
	// unfound keeps the boxes that may be faces not yet found.
	unfound := func(boxes []Box) []Box {
		var out []Box
		for _, b := range boxes {
			bb := box(b)
			if b.MaxX-b.MinX >= secondMinSide && (b.MaxX-b.MinX)*sx*secondMinWidth >= float64(widest) &&
				bb.Overlaps(img.Rect) && !within(bb, found) {
				out = append(out, b)
			}
		}
		return out
	}
	// The mirror image is run only when the copy shows a new face: most
	// photos show none, and the second run costs as much as the first.
	// That gate looks at one side only: a new face the second detector
	// sees on the mirror image alone is not looked for (none on
	// ../shared/faces: TestMirrorDetect). The two runs' boxes are joined
	// as found, and only then sorted (unfound), the same on either side.
	if len(unfound(boxes)) == 0 {
		return nil, nil
	}
	mirrored, err := e.opts.Second.Detect(ctx, imaging.FlipH(in))
	if err != nil {
		return nil, fmt.Errorf("facedetect: second detector: %w", err)
	}
	boxes = unfound(mirrorPairs(boxes, mirrored, float64(small.Rect.Dx()), false))
	var out []Face
	for _, b := range boxes {
		box := box(b)
		if within(box, out) {
			continue
		}
		hog, err := e.hogScore(det, img, box)
		if err != nil {
			return nil, err
		}
		if debugSecond != nil {
			debugSecond(b, box, hog)
		}
		if hog < e.opts.Threshold+secondMinHOG {
			continue
		}
		f, err := e.face(ctx, img, box)
		if err != nil {
			return nil, err
		}
		if lb := landmarkBox(f.Landmarks); within(lb, found) || within(lb, out) {
			continue
		}
		f.Score = b.Score
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Face) int { return cmp.Compare(b.Score, a.Score) })
	return out, nil
}

// debugSecond, set by tests only, sees every face the second detector
// proposes that is not one already found: its box, the box the landmarks
// are first fitted in and the HOG detector's score.
var debugSecond func(b Box, box image.Rectangle, hog float64)

// within reports whether the centre of box lies in the landmarks' box of
// one of faces, or one of their centres in box: the same face.
func within(box image.Rectangle, faces []Face) bool {
	for _, f := range faces {
		fb := landmarkBox(f.Landmarks)
		if centre(box).In(fb) || centre(fb).In(box) {
			return true
		}
	}
	return false
}

// hogScore is the HOG detector's best score for a face centred in box,
// on a crop around it scaled so the box is hogSide pixels wide, with the
// detector's threshold lowered by secondMinHOG; -Inf when it finds none.
func (e *Engine) hogScore(det *C.tess_detector, img *image.Gray, box image.Rectangle) (float64, error) {
	m := box.Dx() / 2
	region := image.Rect(box.Min.X-m, box.Min.Y-m, box.Max.X+m, box.Max.Y+m).Intersect(img.Rect)
	s := float64(hogSide) / float64(max(1, box.Dx()))
	crop := shrink(img, region, math.Min(1, s))
	if s > 1 {
		crop = grow(crop, s)
	}
	kx := float64(region.Dx()) / float64(crop.Rect.Dx())
	ky := float64(region.Dy()) / float64(crop.Rect.Dy())
	// The crop holds the face and half its width around it: room for a
	// few boxes of dlib's, more than enough to find the one on its centre.
	const maxFaces = 8
	found, err := e.scan(det, crop, e.opts.Threshold+secondMinHOG, maxFaces)
	if err != nil {
		return 0, err
	}
	best := math.Inf(-1)
	for _, f := range found {
		if centre(box).In(scaleRect(f.box, region.Min, kx, ky)) {
			best = max(best, f.score)
		}
	}
	return best, nil
}

// scan runs the HOG detector over img with threshold adjust and returns
// at most maxFaces boxes in pixels of img (dlib's inclusive corners made
// exclusive), best first.
func (e *Engine) scan(det *C.tess_detector, img *image.Gray, adjust float64, maxFaces int) ([]scored, error) {
	rects := make([]C.long, 4*maxFaces)
	scores := make([]C.double, maxFaces)
	var errbuf [512]C.char
	n := C.tess_detect(det, (*C.uint8_t)(unsafe.Pointer(&img.Pix[0])),
		C.int(img.Rect.Dx()), C.int(img.Rect.Dy()), C.int(img.Stride),
		C.double(adjust), &rects[0], &scores[0], C.int(maxFaces),
		&errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(img)
	if n < 0 {
		return nil, fmt.Errorf("facedetect: detect: %s", C.GoString(&errbuf[0]))
	}
	out := make([]scored, 0, min(int(n), maxFaces))
	for i := 0; i < int(n) && i < maxFaces; i++ {
		out = append(out, scored{
			box:   image.Rect(int(rects[4*i]), int(rects[4*i+1]), int(rects[4*i+2])+1, int(rects[4*i+3])+1),
			score: float64(scores[i]),
		})
	}
	return out, nil
}

// centre is the pixel at the middle of r.
func centre(r image.Rectangle) image.Point {
	return image.Pt((r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2)
}

// scaleRect maps r, in pixels of a copy scaled by 1/kx and 1/ky, back to
// pixels of the image the copy was made from, whose origin is at.
func scaleRect(r image.Rectangle, at image.Point, kx, ky float64) image.Rectangle {
	return image.Rect(
		at.X+low(float64(r.Min.X)*kx), at.Y+low(float64(r.Min.Y)*ky),
		at.X+high(float64(r.Max.X)*kx), at.Y+high(float64(r.Max.Y)*ky))
}

type scored struct {
	box   image.Rectangle
	score float64
}

// small is the copy of img the detectors scan: its longer side at most
// size pixels.
func (e *Engine) small(img *image.Gray, size int) *image.Gray {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	return shrink(img, img.Rect, math.Min(1, float64(size)/float64(max(w, h))))
}

// detect scans small, a copy of img, and its mirror image, and returns
// the face boxes in pixels of img, best first: the boxes the two scans
// share are their means, and a face found on one only is kept
// (mirrorPairs). The HOG detector's boxes on a copy and on its mirror
// image lie apart, and the shape predictor's fit moves with a pixel of its
// box (the landmarks' own box, fitted again in a box placed by the first
// fit, changed by a pixel back and forth when refitted over and over on
// ../shared/faces/wild). With the two scans joined, a photo and its mirror
// image get mirrored boxes, and fits and landmarks mirrored to within
// floating point's rounding (TestMirrorDetect): on ../shared/faces/wild
// the mirror image changed a face or capture verdict on 18 of 77 photos
// before, on none after. What is left one-sided: the second detector's
// gate (Engine.second) and hogScore's scan of a crop.
func (e *Engine) detect(det *C.tess_detector, img, small *image.Gray) ([]scored, error) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	const maxFaces = 32
	found, err := e.scan(det, small, e.opts.Threshold, maxFaces)
	if err != nil {
		return nil, err
	}
	mirrored, err := e.scan(det, flipH(small), e.opts.Threshold, maxFaces)
	if err != nil {
		return nil, err
	}
	boxes := mirrorPairs(boxesOf(found), boxesOf(mirrored), float64(small.Rect.Dx()), true)
	out := make([]scored, len(boxes))
	ws, hs := small.Rect.Dx(), small.Rect.Dy()
	for i, b := range boxes {
		// The joined boxes' edges are whole or half pixels of the copy:
		// scaled in whole numbers (twice the edge, times w over twice
		// ws), as floating point scales a half to either side of it.
		out[i] = scored{score: b.Score, box: image.Rect(
			img.Rect.Min.X+lowRatio(int(2*b.MinX), w, 2*ws), img.Rect.Min.Y+lowRatio(int(2*b.MinY), h, 2*hs),
			img.Rect.Min.X+highRatio(int(2*b.MaxX), w, 2*ws), img.Rect.Min.Y+highRatio(int(2*b.MaxY), h, 2*hs))}
	}
	return out, nil
}

// boxesOf returns the detector's boxes as Boxes.
func boxesOf(found []scored) []Box {
	out := make([]Box, len(found))
	for i, f := range found {
		out[i] = Box{MinX: float64(f.box.Min.X), MinY: float64(f.box.Min.Y), MaxX: float64(f.box.Max.X), MaxY: float64(f.box.Max.Y), Score: f.score}
	}
	return out
}

// The chin's own fit. dlib's shape predictor starts from its mean face
// laid in the box it is given, and where that box lies on the face moves
// where the fit ends. The HOG detector's boxes, found on a copy of the
// photo a few hundred pixels wide, lie against the landmarks with a spread
// (SD) of 8 % of their side in size and 3.5 % in height on the 74 frontal
// photos of ../shared/faces (neutral/, smiling/, canada/). On
// neutral/038_03 framed as an ID photo the box fell where the fit put the
// chin on a neck fold under a double chin, 7.1 % of the head's height
// below the jaw (7.6 % with the backdrop whitened). So the chin is fitted
// a second time in a box placed by the first fit's eyes where the
// detector's boxes lie on average: its centre refitBoxDown eye distances
// below the eye midpoint along the face's axis, its side refitBoxSide eye
// distances (TestRefitBox measures both). On neutral/ and
// canada/, as taken and framed as ID photos, the chin's error against the
// templates' went from an RMS of 1.23 % of the head's height (worst 7.6 %)
// to 0.87 % (worst 2.3 %).
//
// The other landmarks are the landmarks' own second fit (landmarkBox),
// placed by all 68 points rather than by the eyes. These figures were
// measured when the landmarks were a single fit in the detector's box;
// TestRefitBox still finds the same means on today's landmarks.
const (
	refitBoxDown = 0.52 // mean 0.523, SD 0.083
	refitBoxSide = 2.34 // mean 2.344, SD 0.190
	// refitMaxEyeShift is how far (eye distances) the second fit may move
	// an eye centre from the first's. On the 82 face photos of
	// ../shared/faces as taken it moves them 0.006 (median), 0.011 (90th
	// percentile), 0.042 on one (neutral/003_03, whose first chin is then
	// kept); on eyes painted over with skin (TestEyeDefects) up to ten
	// times more. Where it moves them further than this the face
	// gives the model too little to go by (eyes hidden or painted over,
	// where the fit slides onto the brows), and a box placed by the first
	// fit's eyes carries that fit's error: the first fit's chin is kept.
	refitMaxEyeShift = 0.02
)

// chin fits the landmarks again in the box that the first fit's points
// (first) give and returns that fit's chin (see refitBoxDown).
func (e *Engine) chin(img *image.Gray, first []Point) (Point, error) {
	f := Face{Landmarks: first}
	own := first[Chin]
	l, r := f.LeftEye(), f.RightEye()
	d := Dist(l, r)
	if d < 1 {
		return own, nil
	}
	// Down the face's axis: the eye line turned a quarter turn clockwise
	// (y grows downwards).
	ux, uy := (r.X-l.X)/d, (r.Y-l.Y)/d
	cx := (l.X+r.X)/2 - uy*refitBoxDown*d
	cy := (l.Y+r.Y)/2 + ux*refitBoxDown*d
	half := refitBoxSide * d / 2
	box := square(cx+0.5, cy+0.5, half) // as in landmarkBox
	if !box.Overlaps(img.Rect) {
		return own, nil
	}
	pts, err := e.landmarks(img, box)
	if err != nil {
		return Point{}, err
	}
	g := Face{Landmarks: pts}
	if max(Dist(l, g.LeftEye()), Dist(r, g.RightEye())) > refitMaxEyeShift*d {
		return own, nil
	}
	return pts[Chin], nil
}

// landmarks fits the shape model to the face in box. The region around the
// face is cut out and, for large faces, scaled so the box is LandmarkSize
// wide.
func (e *Engine) landmarks(img *image.Gray, box image.Rectangle) ([]Point, error) {
	// A margin around the box: the model looks at pixels just outside it.
	m := box.Dx() / 2
	region := image.Rect(box.Min.X-m, box.Min.Y-m, box.Max.X+m, box.Max.Y+m).Intersect(img.Rect)
	s := math.Min(1, float64(e.opts.LandmarkSize)/float64(max(1, box.Dx())))
	crop := shrink(img, region, s)
	kx := float64(region.Dx()) / float64(crop.Rect.Dx())
	ky := float64(region.Dy()) / float64(crop.Rect.Dy())
	// The box in pixels of the crop, in whole numbers (see lowRatio).
	cw, ch := crop.Rect.Dx(), crop.Rect.Dy()
	l := lowRatio(box.Min.X-region.Min.X, cw, region.Dx())
	t := lowRatio(box.Min.Y-region.Min.Y, ch, region.Dy())
	r := highRatio(box.Max.X-region.Min.X, cw, region.Dx()) - 1
	b := highRatio(box.Max.Y-region.Min.Y, ch, region.Dy()) - 1

	pts, err := e.fit(crop, l, t, r, b)
	if err != nil {
		return nil, err
	}
	// The same fit on the crop's mirror image, in the box's mirror image,
	// its points mirrored back and renumbered (mirrorPart), averaged with
	// the first: dlib's regression trees are not symmetric, and on
	// ../shared/faces a face and its mirror image read landmarks apart by
	// up to 0.05 eye distances (median of each face's worst point; 0.14
	// at the 90th percentile), enough to move the yaw across its limit.
	// Averaged, a face and its mirror image in mirrored boxes get the
	// mirror image of the same points, whatever the trees' leaning, to
	// within floating point's rounding: the crop of the mirror image is
	// the mirror image of the crop, scaled or not (shrink's exact area
	// weights), and its box the mirror image of the box (lowRatio and
	// highRatio round each edge the same way). TestMirrorFit holds it on
	// crops not scaled, TestMirrorDetect on whole photos.
	mp, err := e.fit(flipH(crop), cw-1-r, t, cw-1-l, b)
	if err != nil {
		return nil, err
	}
	for i := range pts {
		m := mp[mirrorPart[i]]
		pts[i] = Point{(pts[i].X + float64(cw-1) - m.X) / 2, (pts[i].Y + m.Y) / 2}
	}
	for i := range pts {
		// Pixel centres: part (x, y) of the crop covers [x, x+1) scaled.
		pts[i] = Point{
			X: float64(region.Min.X) + (pts[i].X+0.5)*kx - 0.5,
			Y: float64(region.Min.Y) + (pts[i].Y+0.5)*ky - 0.5,
		}
	}
	return pts, nil
}

// The landmarks' own box. The detector's box falls on the face with a
// jitter: on a photo and its mirror image the two boxes lie 0.1-0.3 eye
// distances apart (../shared/faces/wild), and a border around the photo
// moves the box too, as the detector's scales change. The shape predictor
// starts from its mean face laid in that box, so where the box falls moves
// every landmark and, through them, the pose, eyes and mouth readings. So
// the landmarks are fitted a second time in a box placed by the first fit:
// square, centred landmarkBoxUp spreads above the centroid of the 68
// points and landmarkBoxSide spreads wide, the spread being their RMS
// distance from that centroid. Centroid and spread are those of the whole
// point set, so the box moves with the face, not with the detector, and
// the mirror image of a face gets the mirror image of its box (exactly:
// the points are pixel centres, turned to pixel edges before the box's
// sides are rounded, which square does the same way on either side). The
// constants are where the detector's boxes lie against the first fit on
// average, over the 74 frontal photos of ../shared/faces (TestLandmarkBox),
// so the second fit sees the boxes the predictor was trained on. Where the
// fit has nothing to go by, it moves with the box all the same: on eyes
// painted over with skin (TestEyeDefects) eyes_open failed 32 of 32 with
// the detector's box, 29 with this one, and 25 with the constants rounded
// to two figures.
const (
	landmarkBoxUp   = 0.077 // SD 0.090 spreads
	landmarkBoxSide = 2.742 // SD 0.191 spreads
)

// landmarkBox is the box the second fit is made in, placed by the first
// fit's points pts (see landmarkBoxUp).
func landmarkBox(pts []Point) image.Rectangle {
	c, s := centroidSpread(pts)
	cy := c.Y - landmarkBoxUp*s
	half := landmarkBoxSide * s / 2
	// Pixel centres to pixel edges. TestLandmarkBox measured the
	// constants from the centroid in pixel centres to the box's centre in
	// pixel edges, so down they already hold the half pixel added here:
	// the box lies 0.005 spreads lower than measured. Placed as measured,
	// the smile model refitted on the landmarks lost a broad smile held
	// out (smiling/021_08) and its teeth limit fell from 0.054 to 0.021.
	return square(c.X+0.5, cy+0.5, half)
}

// square returns the square of pixels nearest the one of side 2*half
// centred on (cx, cy), in pixel edges (pixel x covers [x, x+1)).
func square(cx, cy, half float64) image.Rectangle {
	return image.Rect(low(cx-half), low(cy-half), high(cx+half), high(cy+half))
}

// low and high round a box's low and high edges, in pixel edges, to whole
// pixels, each rounding a half inwards: the mirror image of a box, whose
// low edge is the mirror image of the high one, rounds to the mirror image
// of its rounding (math.Round, rounding halves away from zero, moved the
// mirror image's box a pixel where the edges fell on halves, as they do
// on a crop scaled by a half).
func low(p float64) int  { return int(math.Floor(p + 0.5)) }
func high(p float64) int { return int(math.Ceil(p - 0.5)) }

// lowRatio and highRatio are low and high of the edge e*n/d (d > 0),
// worked out in whole numbers: in floating point a ratio that should fall
// on a half falls a little to one side of it, not the same side on a photo
// and on its mirror image (a 2448x3264 photo's boxes did, one in thirty).
func lowRatio(e, n, d int) int  { return floorDiv(2*e*n+d, 2*d) }
func highRatio(e, n, d int) int { return -floorDiv(d-2*e*n, 2*d) }

// floorDiv is a/b rounded down, for b > 0.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// centroidSpread returns the centre of pts and their spread: the root
// mean square of their distances from it.
func centroidSpread(pts []Point) (c Point, s float64) {
	c = Mean(pts, 0, len(pts)-1)
	for _, p := range pts {
		s += ((p.X-c.X)*(p.X-c.X) + (p.Y-c.Y)*(p.Y-c.Y)) / float64(len(pts))
	}
	return c, math.Sqrt(s)
}

// fit runs the shape predictor on crop in the box (l, t)-(r, b), corners
// included (dlib's rectangles; the box may reach past the crop), and
// returns the points in pixels of crop.
func (e *Engine) fit(crop *image.Gray, l, t, r, b int) ([]Point, error) {
	var pts [2 * NumLandmarks]C.double
	var errbuf [512]C.char
	n := C.tess_landmarks(e.predictor, (*C.uint8_t)(unsafe.Pointer(&crop.Pix[0])),
		C.int(crop.Rect.Dx()), C.int(crop.Rect.Dy()), C.int(crop.Stride),
		C.long(l), C.long(t), C.long(r), C.long(b), &pts[0], NumLandmarks, &errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(crop)
	if n < 0 {
		return nil, fmt.Errorf("facedetect: landmarks: %s", C.GoString(&errbuf[0]))
	}
	out := make([]Point, NumLandmarks)
	for i := range out {
		out[i] = Point{float64(pts[2*i]), float64(pts[2*i+1])}
	}
	return out, nil
}

// flipH returns img mirrored left to right.
func flipH(img *image.Gray) *image.Gray {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		src := img.Pix[y*img.Stride : y*img.Stride+w]
		dst := out.Pix[y*out.Stride : y*out.Stride+w]
		for x := range src {
			dst[w-1-x] = src[x]
		}
	}
	return out
}
