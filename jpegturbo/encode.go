package jpegturbo

/*
#include <turbojpeg.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"runtime"
	"unsafe"
)

// maxBuf bounds the buffer Encode writes into: 2 GB is a picture of over
// 700 megapixels, far past what tessera reads.
const maxBuf = math.MaxInt32

// bufBound is the worst case TurboJPEG's tjBufSize allows for, worked out
// in 64 bits (libjpeg-turbo 2.1 multiplies in 32 and overflows past 46340
// pixels a side): 2 bytes a pixel, 1 more for 4:2:0's chroma, of the
// image padded to whole 16x16 blocks (tjBufSize pads a grey one to 8x8),
// and 2048 bytes of headers.
func bufBound(w, h int, gray bool) uint64 {
	perPixel := uint64(3)
	if gray {
		perPixel = 2
	}
	pad := func(n int) uint64 { return uint64(n+15) &^ 15 }
	return pad(w)*pad(h)*perPixel + 2048
}

// maxSide is the longest side a JPEG can have: its frame header holds each
// side in 16 bits, and libjpeg refuses more than 65500 (JPEG_MAX_DIMENSION).
const maxSide = 65500

// Encode writes img as a JPEG of the quality (1 to 100) with
// libjpeg-turbo, as most cameras, phones and editors write one: the
// accurate DCT and the standard tables, an *image.Gray as one component,
// any other image in colour with its chroma subsampled 4:2:0. A
// translucent pixel is composited over black (its colour premultiplied,
// as image/jpeg writes it). TurboJPEG also reads the environment
// (TJ_PROGRESSIVE, TJ_ARITHMETIC, TJ_OPTIMIZE, TJ_RESTART), which can
// change how the file is coded; unset, it is baseline Huffman.
func Encode(img image.Image, quality int) ([]byte, error) {
	if quality < 1 || quality > 100 {
		return nil, fmt.Errorf("jpegturbo: quality %d out of 1-100", quality)
	}
	r := img.Bounds()
	if r.Empty() {
		return nil, fmt.Errorf("jpegturbo: empty image")
	}
	if r.Dx() > maxSide || r.Dy() > maxSide {
		return nil, fmt.Errorf("jpegturbo: %dx%d is larger than a JPEG can be (%d pixels a side)", r.Dx(), r.Dy(), maxSide)
	}
	// Refused before a copy of the pixels is made (the default case below).
	_, gray := img.(*image.Gray)
	bound := bufBound(r.Dx(), r.Dy(), gray)
	if bound > maxBuf {
		return nil, fmt.Errorf("jpegturbo: %dx%d is too large to encode", r.Dx(), r.Dy())
	}
	if m, ok := img.(*image.NRGBA); ok && m.Opaque() {
		// The same bytes as an *image.RGBA of these pixels.
		img = &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
	}
	var (
		pix          []uint8
		stride, bpp  int
		format, samp C.int
	)
	switch m := img.(type) {
	case *image.Gray:
		pix, stride, bpp, format, samp = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 1, C.TJPF_GRAY, C.TJSAMP_GRAY
	case *image.RGBA:
		pix, stride, bpp, format, samp = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 4, C.TJPF_RGBX, C.TJSAMP_420
	default:
		c := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(c, c.Rect, img, r.Min, draw.Src)
		pix, stride, bpp, format, samp = c.Pix, c.Stride, 4, C.TJPF_RGBX, C.TJSAMP_420
	}
	// libjpeg reads h rows of w pixels, stride bytes apart: they must lie
	// within pix (a malformed image's would not).
	if need := (r.Dy()-1)*stride + r.Dx()*bpp; stride < r.Dx()*bpp || len(pix) < need {
		return nil, fmt.Errorf("jpegturbo: the %dx%d image's pixels do not fill its bounds", r.Dx(), r.Dy())
	}
	dst := make([]byte, int(bound))
	var n C.size_t
	var errbuf [200]C.char
	rc := C.tess_jpeg_encode((*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(r.Dx()), C.int(stride), C.int(r.Dy()), format, samp, C.int(quality),
		(*C.uint8_t)(unsafe.Pointer(&dst[0])), C.size_t(len(dst)), &n, &errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(pix)
	runtime.KeepAlive(dst)
	if rc != C.TESS_JPEG_OK {
		return nil, fmt.Errorf("jpegturbo: encode: %s", C.GoString(&errbuf[0]))
	}
	return dst[:int(n):int(n)], nil
}
