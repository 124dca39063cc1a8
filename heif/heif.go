// Package heif decodes HEIF files, HEIC above all (the iPhone's photo
// format, HEVC-coded) and AVIF (AV1-coded), with libheif (Debian's
// libheif1: libde265 for HEVC, dav1d for AV1) through a small cgo shim.
//
// It reads the primary image, the photo a phone shows, with the HEIF
// file's own rotation, mirroring and crop applied: the HEIF standard makes
// those the photo's orientation, and a reader that also applied the EXIF
// orientation an iPhone writes beside them would turn the photo twice.
//
// A file whose structure is damaged (cut short, an item pointing past its
// end, a tile missing) is an error. The coded picture itself carries no
// checksum: bytes changed inside it decode to a changed picture, as in a
// JPEG.
//
// The sizes a HEIF file gives are claims the coded picture need not keep:
// a picture coded larger than its size box, a grid whose canvas is larger
// than the image it claims to be. A File lets libheif allocate no image
// with a side longer than Config.Bound, which is what the caller's limits
// must count. Its time is bounded only in a child process: DecodeChild.
package heif

/*
#cgo pkg-config: libheif
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"runtime"
	"strings"
	"unsafe"
)

// Config is what the header of a HEIF file says of its primary image.
type Config struct {
	// Width and Height are the photo's as displayed: after the file's
	// rotation and crop.
	Width, Height int
	// Bound is the longest side Decode lets an image have (the coded
	// picture, a grid's canvas, a tile): the longest side the file
	// claims, with room for the padding of coding blocks, and at least
	// 1024 (a grid's tiles may be larger than a small picture); for a
	// photo with an alpha channel, the side of a square twice that area
	// (a grid and its alpha grid). Decoding may
	// allocate a few images of up to Bound x Bound pixels, whatever
	// Width and Height say.
	Bound int
	// Bits is the luma's bits a sample (8 on an iPhone, 10 on some
	// Android phones); Decode returns 8.
	Bits int
	// Alpha reports an alpha channel, which Decode leaves out.
	Alpha bool
}

// A FormatError is a file libheif refuses: damaged, incomplete, over one
// of its limits, or no HEIF. Its text is libheif's.
type FormatError string

func (e FormatError) Error() string { return "heif: " + string(e) }

// An UnsupportedError is a HEIF file that is valid but coded in a way this
// build of libheif cannot decode: a codec it has no decoder for (JPEG,
// VVC or uncompressed images in HEIF) or an image type it does not know.
// Its text is libheif's.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "heif: unsupported: " + string(e) }

// ErrClosed is returned by Decode on a File already closed.
var ErrClosed = errors.New("heif: file closed")

// errorOf returns the error of a shim status rc with libheif's text msg.
func errorOf(rc C.int, msg string) error {
	msg = strings.TrimSpace(msg) // libheif ends some with a newline
	switch rc {
	case C.TESS_HEIF_OK:
		return nil
	case C.TESS_HEIF_UNSUPPORTED:
		return UnsupportedError(msg)
	}
	return FormatError(msg)
}

// maxItems is the most items ('infe' entries) a file may have, counted as
// the bytes "infe" it holds, an upper bound, before libheif reads it:
// libheif 1.15 takes time in the square of the count (a reviewer measured
// 0.15 s for 2000, 2.9 s for 10000, 13-16 s for 19000; 6 s here for one
// of 19999). An iPhone's 48-megapixel photo has about 250 (192 tiles, a
// gain map's, thumbnails, Exif).
const maxItems = 2000

// maxMeta is the largest 'meta' box (the file's structure: items, their
// locations, properties and references) read. libheif 1.15 takes time in
// the product of items and property associations, and memory in the
// associations: a review's 12 MB box of 4 million associations took 1 GB
// and 7 s to read, in this process and before any limit. An iPhone's
// photo has a box of some kilobytes (about 250 items at most).
const maxMeta = 512 << 10

// metaSize is the size of the first top-level 'meta' box of data, as its
// header says (0 when there is none or the boxes before it cannot be
// read: libheif then refuses the file).
func metaSize(data []byte) uint64 {
	for off := uint64(0); off+8 <= uint64(len(data)); {
		size := uint64(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		switch size {
		case 0: // to the end of the file
			size = uint64(len(data)) - off
		case 1: // a 64-bit size follows the type
			if off+16 > uint64(len(data)) {
				return 0
			}
			size = binary.BigEndian.Uint64(data[off+8:])
		}
		if typ == "meta" {
			return size
		}
		if size < 8 || size > uint64(len(data))-off {
			return 0
		}
		off += size
	}
	return 0
}

// A File is a HEIF file whose structure has been read once: its primary
// image's header, and its pixels on demand. It holds C memory (a copy of
// the file and libheif's reading of it) until Close. A File is not safe
// for concurrent use.
type File struct {
	c   *C.tess_heif
	cfg Config
}

// Open reads the structure of data and the header of its primary image.
// data is copied: the caller may reuse it.
func Open(data []byte) (*File, error) {
	if len(data) == 0 {
		return nil, FormatError("empty file")
	}
	if n := bytes.Count(data, []byte("infe")); n > maxItems {
		return nil, FormatError(fmt.Sprintf("up to %d items, more than the %d read", n, maxItems))
	}
	if n := metaSize(data); n > maxMeta {
		return nil, FormatError(fmt.Sprintf("its metadata box takes %d bytes, more than the %d read", n, maxMeta))
	}
	var h C.tess_heif_header
	var c *C.tess_heif
	var errbuf [256]C.char
	rc := C.tess_heif_open((*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)), &c, &h, &errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(data)
	if err := errorOf(rc, C.GoString(&errbuf[0])); err != nil {
		return nil, err
	}
	f := &File{c: c, cfg: Config{Width: int(h.width), Height: int(h.height), Bound: int(h.bound), Bits: int(h.luma_bits), Alpha: h.has_alpha != 0}}
	if f.cfg.Width < 1 || f.cfg.Height < 1 {
		f.Close()
		return nil, FormatError(fmt.Sprintf("a picture of %dx%d pixels", int(h.width), int(h.height)))
	}
	return f, nil
}

// Config is the header of the primary image.
func (f *File) Config() Config { return f.cfg }

// Decode decodes the primary image to 8-bit RGB, its rotation, mirroring
// and crop applied, as an opaque *image.RGBA (the type image/png gives a
// PNG of the same pixels). It allocates Config's size, which the caller
// checks against its limits first.
func (f *File) Decode() (*image.RGBA, error) {
	if f.c == nil {
		return nil, ErrClosed
	}
	m := image.NewRGBA(image.Rect(0, 0, f.cfg.Width, f.cfg.Height))
	var errbuf [256]C.char
	rc := C.tess_heif_decode(f.c, (*C.uint8_t)(unsafe.Pointer(&m.Pix[0])), C.int(f.cfg.Width), C.int(f.cfg.Height), C.int(m.Stride),
		&errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(m)
	if err := errorOf(rc, C.GoString(&errbuf[0])); err != nil {
		return nil, err
	}
	return m, nil
}

// Close frees the file's C memory. It may be called more than once.
func (f *File) Close() {
	C.tess_heif_close(f.c)
	f.c = nil
}

// DecodeConfig reads the header of data's primary image.
func DecodeConfig(data []byte) (Config, error) {
	f, err := Open(data)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	return f.cfg, nil
}

// Decode decodes data's primary image (File.Decode). Its size is
// DecodeConfig's, which the caller checks against its limits first.
func Decode(data []byte) (*image.RGBA, error) {
	f, err := Open(data)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Decode()
}
