// Package heif decodes HEIF files, HEIC above all (the iPhone's photo
// format, HEVC-coded) and AVIF (AV1-coded), with libheif (Debian's
// libheif1: libde265 for HEVC, dav1d for AV1) through a small cgo shim.
//
// It reads the primary image, the photo a phone shows, with the HEIF
// file's own rotation, mirroring and crop applied: the HEIF standard makes
// those the photo's orientation, and a reader that also applied the EXIF
// orientation an iPhone writes beside them would turn the photo twice.
// A file whose structure is damaged (cut short, an item pointing past its
// end, a tile missing) is an error, libheif's strict decoding, never a
// picture filled with grey. The coded picture itself carries no checksum:
// bytes changed inside it decode to a changed picture, as in a JPEG.
package heif

/*
#cgo pkg-config: libheif
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"image"
	"runtime"
	"unsafe"
)

// Config is what the header of a HEIF file says of its primary image.
type Config struct {
	// Width and Height are the photo's as displayed: after the file's
	// rotation and crop.
	Width, Height int
	// Bits is the luma's bits a sample (8 on an iPhone, 10 on some
	// Android phones); Decode returns 8.
	Bits int
	// Alpha reports an alpha channel, which Decode leaves out.
	Alpha bool
}

// A FormatError is a file libheif refuses: damaged, incomplete, over one
// of its security limits, or no HEIF. Its text is libheif's.
type FormatError string

func (e FormatError) Error() string { return "heif: " + string(e) }

// An UnsupportedError is a HEIF file that is valid but uses what this
// build of libheif cannot decode: a codec it has no decoder for (JPEG,
// VVC or uncompressed images in HEIF) or a feature it lacks. Its text is
// libheif's.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "heif: unsupported: " + string(e) }

// errorOf returns the error of a shim status rc with libheif's text msg.
func errorOf(rc C.int, msg string) error {
	switch rc {
	case C.TESS_HEIF_OK:
		return nil
	case C.TESS_HEIF_UNSUPPORTED:
		return UnsupportedError(msg)
	}
	return FormatError(msg)
}

// DecodeConfig reads the header of data's primary image.
func DecodeConfig(data []byte) (Config, error) {
	if len(data) == 0 {
		return Config{}, FormatError("empty file")
	}
	var h C.tess_heif_header
	var errbuf [256]C.char
	rc := C.tess_heif_info((*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)), &h, &errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(data)
	if err := errorOf(rc, C.GoString(&errbuf[0])); err != nil {
		return Config{}, err
	}
	if h.width < 1 || h.height < 1 {
		return Config{}, FormatError(fmt.Sprintf("a picture of %dx%d pixels", int(h.width), int(h.height)))
	}
	return Config{Width: int(h.width), Height: int(h.height), Bits: int(h.luma_bits), Alpha: h.has_alpha != 0}, nil
}

// Decode decodes data's primary image to 8-bit RGB, its rotation,
// mirroring and crop applied, as an opaque *image.RGBA (the type image/png
// gives a PNG of the same pixels). Its size is
// DecodeConfig's, which the caller checks against its own limits first:
// Decode allocates it.
func Decode(data []byte) (*image.RGBA, error) {
	cfg, err := DecodeConfig(data)
	if err != nil {
		return nil, err
	}
	m := image.NewRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
	var errbuf [256]C.char
	rc := C.tess_heif_decode((*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)),
		(*C.uint8_t)(unsafe.Pointer(&m.Pix[0])), C.int(cfg.Width), C.int(cfg.Height), C.int(m.Stride),
		&errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(data)
	runtime.KeepAlive(m)
	if err := errorOf(rc, C.GoString(&errbuf[0])); err != nil {
		return nil, err
	}
	return m, nil
}
