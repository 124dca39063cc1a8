// Package ultraface finds faces with the Ultra-Light-Fast-Generic-Face-
// Detector-1MB (Linzaer, MIT licence; its RFB-320 network) run by OpenCV's
// DNN module through a small cgo shim.
//
// tessera's main detector, dlib's HOG detector (package facedetect), needs
// a face of about 80 pixels with both eyes showing: it misses faces behind
// sunglasses and the smaller faces beside the applicant's (a child on a
// lap, a person behind). This network, a convolutional single-shot
// detector trained on WIDER FACE, finds faces from 10 pixels up, eyes
// hidden or not, in a few milliseconds on a 320-pixel copy of the photo.
//
// The network is the model's export without its post-processing, so that
// it runs at the size of the image it is given: the priors (anchor boxes)
// are laid out here for that size, the network's regression is decoded
// against them and overlapping boxes are merged, as the model's own
// Python code does for its fixed 320x240 input.
package ultraface

/*
// Debian's libopencv-dnn-dev ships no pkg-config file of its own (opencv4.pc
// comes with the whole of libopencv-dev), so the two libraries are named.
#cgo CXXFLAGS: -std=c++14 -O2 -I/usr/include/opencv4
#cgo LDFLAGS: -lopencv_dnn -lopencv_core
#include "shim.h"
*/
import "C"

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"github.com/tessera-cie/tessera/facedetect"
)

// The model's anchor layout and decoding (vision/ssd/config/fd_config.py of
// the model's repository): four feature maps at strides 8, 16, 32 and 64
// pixels, each cell with square priors of these sides in pixels, and the
// variances its regression was trained with.
var (
	strides  = [...]int{8, 16, 32, 64}
	minBoxes = [...][]float64{{10, 16, 24}, {32, 48}, {64, 96}, {128, 192, 256}}
)

const (
	centerVariance = 0.1
	sizeVariance   = 0.2
	// nmsOverlap is the intersection over union above which a box is taken
	// to be the same face as a better one (the model's iou_threshold).
	nmsOverlap = 0.3
	// DefaultMinScore is the face score a box needs (the threshold of the
	// model's own demo, detect_imgs_onnx.py).
	DefaultMinScore = 0.7
	// MaxSide is the longest image side Detect accepts: the network's
	// cost grows with the pixels (7 ms at 320x240 on one core, so some
	// 110 ms here), and the largest input the model's configuration names
	// (fd_config.py's define_img_size) is 1280x960.
	MaxSide = 1280
)

// Options tune the detector. The zero value selects the defaults.
type Options struct {
	// Workers bounds how many images are run at once (default GOMAXPROCS):
	// each has its own copy of the network.
	Workers int
	// MinScore is the face score a box needs (default DefaultMinScore).
	MinScore float64
}

// Detector runs the network. It is safe for concurrent use: the copies of
// the network are pooled, one per worker.
type Detector struct {
	opts      Options
	pool      chan *C.tess_net
	made      int
	closed    chan struct{}
	closeOnce sync.Once
}

// ErrClosed is returned by Detect after Close.
var ErrClosed = errors.New("ultraface: detector closed")

// Open loads the ONNX model (the bytes of the file; package models embeds
// it), one copy per worker.
func Open(model []byte, opts Options) (*Detector, error) {
	if len(model) == 0 {
		return nil, errors.New("ultraface: empty model")
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.MinScore <= 0 {
		opts.MinScore = DefaultMinScore
	}
	d := &Detector{opts: opts, pool: make(chan *C.tess_net, opts.Workers), closed: make(chan struct{})}
	for i := 0; i < opts.Workers; i++ {
		var errbuf [512]C.char
		n := C.tess_net_load((*C.char)(unsafe.Pointer(&model[0])), C.size_t(len(model)), &errbuf[0], C.int(len(errbuf)))
		runtime.KeepAlive(model)
		if n == nil {
			d.Close()
			return nil, fmt.Errorf("ultraface: load the model: %s", C.GoString(&errbuf[0]))
		}
		d.pool <- n
		d.made++
	}
	return d, nil
}

// Close frees the networks once every running Detect has returned. It may
// be called more than once.
func (d *Detector) Close() error {
	d.closeOnce.Do(func() {
		close(d.closed)
		for range d.made {
			C.tess_net_free(<-d.pool)
		}
	})
	return nil
}

// Detect finds the faces in img, at its own size, best first (a
// facedetect.BoxFinder: the dlib engine's second detector). img is an
// *image.Gray, *image.RGBA or *image.NRGBA (the network was trained on
// colour photos; on grayscale it sees three equal channels) whose sides
// are at most MaxSide pixels: callers hand it a copy scaled for the work
// (about 320 pixels on the longer side finds faces down to a thirtieth of
// the frame).
func (d *Detector) Detect(ctx context.Context, img image.Image) ([]facedetect.Box, error) {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	pri := priors(w, h)
	scores, locs, err := d.run(ctx, img, len(pri))
	if err != nil {
		return nil, err
	}
	boxes := decode(pri, scores, locs, d.opts.MinScore, float64(w), float64(h))
	for i := range boxes {
		b := &boxes[i]
		b.MinX += float64(r.Min.X)
		b.MaxX += float64(r.Min.X)
		b.MinY += float64(r.Min.Y)
		b.MaxY += float64(r.Min.Y)
	}
	return boxes, nil
}

// run runs the network on img and returns its face score and its four
// regression values for each of the n priors of img's size; an error
// when the network yields another number.
func (d *Detector) run(ctx context.Context, img image.Image, n int) (scores, locs []float32, err error) {
	var (
		pix      []uint8
		stride   int
		channels int
		r        = img.Bounds()
	)
	switch m := img.(type) {
	case *image.Gray:
		pix, stride, channels = m.Pix, m.Stride, 1
	case *image.RGBA:
		pix, stride, channels = m.Pix, m.Stride, 4
	case *image.NRGBA:
		pix, stride, channels = m.Pix, m.Stride, 4
	default:
		return nil, nil, fmt.Errorf("ultraface: images of type %T are not supported", img)
	}
	w, h := r.Dx(), r.Dy()
	if w < 1 || h < 1 || w > MaxSide || h > MaxSide {
		return nil, nil, fmt.Errorf("ultraface: image of %dx%d pixels: its sides must lie between 1 and %d", w, h, MaxSide)
	}
	// Pix starts at the image's first pixel; one shorter than its Rect
	// says is refused, not read past.
	if stride < w*channels || len(pix) < (h-1)*stride+w*channels {
		return nil, nil, fmt.Errorf("ultraface: image of %dx%d pixels holds %d bytes", w, h, len(pix))
	}
	var net *C.tess_net
	select {
	case <-d.closed:
		return nil, nil, ErrClosed
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	case net = <-d.pool:
	}
	defer func() { d.pool <- net }()
	select {
	case <-d.closed:
		return nil, nil, ErrClosed
	default:
	}
	scores = make([]float32, n)
	locs = make([]float32, 4*n)
	var errbuf [512]C.char
	got := C.tess_net_faces(net, (*C.uint8_t)(unsafe.Pointer(&pix[0])),
		C.int(w), C.int(h), C.int(stride), C.int(channels),
		(*C.float)(unsafe.Pointer(&scores[0])), (*C.float)(unsafe.Pointer(&locs[0])), C.int(n),
		&errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(pix)
	if got < 0 {
		return nil, nil, fmt.Errorf("ultraface: %s", C.GoString(&errbuf[0]))
	}
	return scores, locs, nil
}

// prior is an anchor box in the centre form the model uses, in fractions
// of the image's width and height.
type prior struct{ cx, cy, w, h float64 }

// priors lays out the model's anchors for a w x h input, in the network's
// output order: feature map by feature map, row by row, cell by cell, each
// cell's sizes smallest first. A feature map has a cell per stride,
// rounded up, as the network's padded convolutions give
// (generate_priors in the model's vision/utils/box_utils.py).
func priors(w, h int) []prior {
	var out []prior
	for k, s := range strides {
		fw, fh := (w+s-1)/s, (h+s-1)/s
		for j := 0; j < fh; j++ {
			for i := 0; i < fw; i++ {
				cx, cy := (float64(i)+0.5)/float64(fw), (float64(j)+0.5)/float64(fh)
				for _, m := range minBoxes[k] {
					out = append(out, prior{
						cx: min(cx, 1), cy: min(cy, 1),
						w: min(m/float64(w), 1), h: min(m/float64(h), 1),
					})
				}
			}
		}
	}
	return out
}

// decode turns the network's scores and regression into face boxes in
// pixels of a w x h image: those scoring at least minScore, best first,
// each dropping the worse boxes that overlap it by more than nmsOverlap
// (hard non-maximum suppression, box_utils_numpy.py's hard_nms).
func decode(pri []prior, scores, locs []float32, minScore, w, h float64) []facedetect.Box {
	var cand []facedetect.Box
	for i, p := range pri {
		if float64(scores[i]) < minScore {
			continue
		}
		l := locs[4*i : 4*i+4]
		cx := float64(l[0])*centerVariance*p.w + p.cx
		cy := float64(l[1])*centerVariance*p.h + p.cy
		bw := math.Exp(float64(l[2])*sizeVariance) * p.w
		bh := math.Exp(float64(l[3])*sizeVariance) * p.h
		cand = append(cand, facedetect.Box{
			MinX: (cx - bw/2) * w, MinY: (cy - bh/2) * h,
			MaxX: (cx + bw/2) * w, MaxY: (cy + bh/2) * h,
			Score: float64(scores[i]),
		})
	}
	slices.SortStableFunc(cand, func(a, b facedetect.Box) int { return cmp.Compare(b.Score, a.Score) })
	var out []facedetect.Box
	for _, c := range cand {
		if !slices.ContainsFunc(out, func(b facedetect.Box) bool { return b.Overlap(c) > nmsOverlap }) {
			out = append(out, c)
		}
	}
	return out
}
