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
	"runtime"
	"unsafe"
)

// Encode writes img as a baseline JPEG of the quality (1 to 100) with
// libjpeg-turbo, as most cameras, phones and editors write one: the
// accurate DCT, the standard tables, a grey image as one component and
// any other with its chroma subsampled 4:2:0. Alpha is dropped, each
// colour kept premultiplied, over black (as image/jpeg writes a
// translucent pixel).
func Encode(img image.Image, quality int) ([]byte, error) {
	if quality < 1 || quality > 100 {
		return nil, fmt.Errorf("jpegturbo: quality %d out of 1-100", quality)
	}
	r := img.Bounds()
	if r.Empty() {
		return nil, fmt.Errorf("jpegturbo: empty image")
	}
	if m, ok := img.(*image.NRGBA); ok && m.Opaque() {
		// The same bytes as an *image.RGBA of these pixels.
		img = &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
	}
	var (
		pix          []uint8
		stride       int
		format, samp C.int
	)
	switch m := img.(type) {
	case *image.Gray:
		pix, stride, format, samp = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, C.TJPF_GRAY, C.TJSAMP_GRAY
	case *image.RGBA:
		pix, stride, format, samp = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, C.TJPF_RGBX, C.TJSAMP_420
	default:
		c := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(c, c.Rect, img, r.Min, draw.Src)
		pix, stride, format, samp = c.Pix, c.Stride, C.TJPF_RGBX, C.TJSAMP_420
	}
	w, h := C.int(r.Dx()), C.int(r.Dy())
	bound := C.tjBufSize(w, h, samp)
	if bound == ^C.ulong(0) || bound == 0 {
		return nil, fmt.Errorf("jpegturbo: %dx%d is too large to encode", r.Dx(), r.Dy())
	}
	dst := make([]byte, int(bound))
	var n C.size_t
	var errbuf [200]C.char
	rc := C.tess_jpeg_encode((*C.uint8_t)(unsafe.Pointer(&pix[0])), w, C.int(stride), h, format, samp, C.int(quality),
		(*C.uint8_t)(unsafe.Pointer(&dst[0])), C.size_t(len(dst)), &n, &errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(pix)
	runtime.KeepAlive(dst)
	if rc != C.TESS_JPEG_OK {
		return nil, fmt.Errorf("jpegturbo: encode: %s", C.GoString(&errbuf[0]))
	}
	return dst[:int(n):int(n)], nil
}
