// Package jpegturbo decodes JPEG files with libjpeg-turbo (Debian's
// libturbojpeg0), the reference decoder most software reads JPEG with,
// through its TurboJPEG API (and libjpeg's own, for Verify) and a small
// cgo shim; Encode writes one as that library does.
//
// It reads what libjpeg reads, Go's image/jpeg does not: arithmetic
// coding. It refuses what libjpeg refuses, with libjpeg's reason (a JPEG
// without quantisation tables is refused, not decoded as a grey picture).
// A JPEG that is valid but uses a feature this build of libjpeg-turbo
// cannot decode (12-bit samples, lossless or hierarchical coding) is
// refused with an UnsupportedError that names the feature, so the citizen
// is told the file is not damaged.
//
// Images come back as image/jpeg would return them: *image.YCbCr with
// the chroma planes as stored, *image.Gray, *image.RGBA for an RGB JPEG
// and *image.CMYK.
package jpegturbo

/*
#cgo pkg-config: libturbojpeg libjpeg
#include <stdlib.h>
#include <turbojpeg.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"image"
	"image/color"
	"runtime"
	"unsafe"
)

// A Feature is a part of the JPEG standard this package cannot decode.
type Feature int

// The features, as UnsupportedError names them.
const (
	// Precision: 12- or 16-bit samples.
	Precision Feature = iota + 1
	// Lossless: lossless coding (SOF3 and SOF11), or JPEG-LS.
	Lossless
	// Hierarchical: hierarchical (differential) coding.
	Hierarchical
	// ManyScans: scans that together visit more blocks than MaxScanBlocks,
	// or a progressive JPEG of more than 500 scans.
	ManyScans
)

// MaxScanBlocks bounds the 8x8 blocks a JPEG's scans may visit in all:
// each scan visits every block of the components it codes, however few
// bits it carries, so a progressive file of many near-empty scans costs
// seconds of CPU for kilobytes (a 135 KB grey 7071x7071 JPEG of 500 scans
// visits 390 million blocks: 18 s to check). 48 million is 20 visits of
// each block of the largest photo read (50 megapixels,
// validate.DefaultMaxPixels) with its colour at full resolution (4:4:4,
// 2.3 million blocks), 4.4 times the 10.9 million of libjpeg's standard
// progression of it (10 scans: the luma visited 6 times, each chroma 4);
// a 12-megapixel phone photo's scans visit about 1.5 million. Past it,
// Verify refuses the file as ManyScans.
const MaxScanBlocks = 48_000_000

// An UnsupportedError is a JPEG that is valid but uses a feature this
// package cannot decode.
type UnsupportedError struct {
	Feature Feature
	Bits    int // the sample precision, for Precision
}

func (e *UnsupportedError) Error() string {
	what := map[Feature]string{
		Precision:    fmt.Sprintf("%d-bit samples", e.Bits),
		Lossless:     "lossless coding",
		Hierarchical: "hierarchical coding",
		ManyScans:    "more scans than its size allows",
	}[e.Feature]
	return "jpegturbo: unsupported JPEG: " + what
}

// A FormatError is a JPEG that libjpeg-turbo refuses: damaged, incomplete
// or not a JPEG. Its text is libjpeg's.
type FormatError string

func (e FormatError) Error() string { return "jpegturbo: " + string(e) }

// flags are the decoder's: the accurate integer IDCT (libjpeg's default,
// and what image/jpeg computes), and at most 500 scans in a progressive
// JPEG (a crafted file with thousands of tiny scans otherwise costs
// seconds of CPU for a few kilobytes).
const flags = C.TJFLAG_ACCURATEDCT | C.TJFLAG_LIMITSCANS

// Config is what the header of a JPEG says.
type Config struct {
	Width, Height int
	// ColorModel is the model of the image Decode returns:
	// color.YCbCrModel, color.GrayModel, color.RGBAModel or color.CMYKModel.
	ColorModel color.Model
	// Ratio is the chroma subsampling of a YCbCr image.
	Ratio image.YCbCrSubsampleRatio
}

// ratios maps TurboJPEG's subsampling to Go's.
var ratios = map[C.int]image.YCbCrSubsampleRatio{
	C.TJSAMP_444: image.YCbCrSubsampleRatio444,
	C.TJSAMP_422: image.YCbCrSubsampleRatio422,
	C.TJSAMP_420: image.YCbCrSubsampleRatio420,
	C.TJSAMP_440: image.YCbCrSubsampleRatio440,
	C.TJSAMP_411: image.YCbCrSubsampleRatio411,
}

// header is what tess_jpeg_header reads.
type header struct {
	w, h, subsamp, colorspace C.int
}

// DecodeConfig reads the JPEG's header: its size and colour model. A
// chroma subsampling TurboJPEG has no name for (4:1:0, say) is refused as
// a FormatError, though libjpeg reads it.
func DecodeConfig(data []byte) (Config, error) {
	if _, err := scanFrame(data); err != nil {
		return Config{}, err
	}
	return config(data)
}

// config is DecodeConfig once scanFrame has let data through.
func config(data []byte) (Config, error) {
	h, err := readHeader(data)
	if err != nil {
		return Config{}, err
	}
	if h.w < 1 || h.h < 1 {
		return Config{}, FormatError(fmt.Sprintf("a picture of %dx%d pixels", int(h.w), int(h.h)))
	}
	cfg := Config{Width: int(h.w), Height: int(h.h)}
	switch h.colorspace {
	case C.TJCS_GRAY:
		cfg.ColorModel = color.GrayModel
	case C.TJCS_YCbCr:
		r, ok := ratios[h.subsamp]
		if !ok {
			return Config{}, FormatError(fmt.Sprintf("chroma subsampling %d", int(h.subsamp)))
		}
		cfg.ColorModel, cfg.Ratio = color.YCbCrModel, r
	case C.TJCS_RGB:
		cfg.ColorModel = color.RGBAModel
	case C.TJCS_CMYK, C.TJCS_YCCK:
		cfg.ColorModel = color.CMYKModel
	default:
		return Config{}, FormatError(fmt.Sprintf("colour space %d", int(h.colorspace)))
	}
	return cfg, nil
}

func readHeader(data []byte) (header, error) {
	var h header
	if len(data) == 0 {
		return h, FormatError("empty file")
	}
	var errbuf [200]C.char
	rc := C.tess_jpeg_header((*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)), &h.w, &h.h, &h.subsamp, &h.colorspace, &errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(data)
	// A warning reading the header (stray bytes before a marker, an
	// unknown JFIF revision) loses nothing of it.
	if rc == C.TESS_JPEG_FATAL {
		return h, FormatError(C.GoString(&errbuf[0]))
	}
	return h, nil
}

// Decode decodes the JPEG. It stops at libjpeg's first warning, which is
// then its error: libjpeg would go on and fill what it cannot read with
// grey. (libjpeg keeps the text of its first warning only, so a harmless
// one, stray bytes between segments, cannot be let through without
// letting through damage that follows it.)
func Decode(data []byte) (image.Image, error) {
	f, err := scanFrame(data)
	if err != nil {
		return nil, err
	}
	cfg, err := config(data)
	if err != nil {
		return nil, err
	}
	r := image.Rect(0, 0, cfg.Width, cfg.Height)
	var rc C.int
	var msg string
	var img image.Image
	switch cfg.ColorModel {
	case color.YCbCrModel:
		m := newYCbCr(cfg)
		rc, msg = planes(data, [3][]uint8{m.Y, m.Cb, m.Cr}, [3]int{m.YStride, m.CStride, m.CStride}, cfg, flags|C.TJFLAG_STOPONWARNING)
		img = m
	case color.GrayModel:
		m := image.NewGray(r)
		rc, msg = pixels(data, m.Pix, m.Stride, cfg, C.TJPF_GRAY, flags|C.TJFLAG_STOPONWARNING)
		img = m
	case color.RGBAModel:
		m := image.NewRGBA(r)
		rc, msg = pixels(data, m.Pix, m.Stride, cfg, C.TJPF_RGBA, flags|C.TJFLAG_STOPONWARNING)
		img = m
	default: // CMYK
		m := image.NewCMYK(r)
		rc, msg = pixels(data, m.Pix, m.Stride, cfg, C.TJPF_CMYK, flags|C.TJFLAG_STOPONWARNING)
		if rc == C.TESS_JPEG_OK && f.adobe {
			// Adobe's applications, which write nearly every CMYK JPEG,
			// store the inks inverted (0 for full ink), as image/jpeg
			// reads them.
			for i := range m.Pix {
				m.Pix[i] = 255 - m.Pix[i]
			}
		}
		img = m
	}
	if rc != C.TESS_JPEG_OK {
		return nil, FormatError(msg)
	}
	return img, nil
}

// Verify reads every coefficient of the JPEG with libjpeg, as a lossless
// transform does, without computing a pixel (libjpeg holds the
// coefficients meanwhile, 2 bytes a sample, outside Go's heap, and frees
// them before it returns). It refuses what libjpeg refuses outright: a
// missing quantisation table, a feature it cannot decode
// (UnsupportedError), scans past MaxScanBlocks or 500 of them (ManyScans),
// a file that is no JPEG; in any
// layout libjpeg reads, 4:1:0 included. A warning is no refusal: libjpeg
// reads on past it, and whoever decodes the pixels judges the damage
// (Decode refuses it). Reading for a transform, libjpeg is the stricter:
// it also wants the quantisation table of a component no scan fills.
func Verify(data []byte) error {
	if _, err := scanFrame(data); err != nil {
		return err
	}
	if len(data) == 0 {
		return FormatError("empty file")
	}
	var errbuf [200]C.char
	rc := C.tess_jpeg_verify((*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)), MaxScanBlocks, &errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(data)
	if rc == C.TESS_JPEG_WORK {
		return &UnsupportedError{Feature: ManyScans}
	}
	if rc != C.TESS_JPEG_OK {
		return FormatError(C.GoString(&errbuf[0]))
	}
	return nil
}

// Progressive reports whether data is a progressive JPEG, as far as its
// markers up to the frame header tell: a decoder holds every coefficient
// of such an image until its last scan.
func Progressive(data []byte) bool {
	f, err := scanFrame(data)
	return err == nil && f.progressive
}

// newYCbCr allocates the planes libjpeg-turbo writes: each as wide and
// as tall as TurboJPEG's tjPlaneWidth and tjPlaneHeight say, which pad the
// luma plane to whole chroma samples (a 4:2:0 image 101 pixels wide has a
// luma plane of 102). The image's Rect is the picture's size.
func newYCbCr(cfg Config) *image.YCbCr {
	var samp C.int
	for s, r := range ratios {
		if r == cfg.Ratio {
			samp = s
		}
	}
	w, h := C.int(cfg.Width), C.int(cfg.Height)
	yw, yh := int(C.tjPlaneWidth(0, w, samp)), int(C.tjPlaneHeight(0, h, samp))
	cw, ch := int(C.tjPlaneWidth(1, w, samp)), int(C.tjPlaneHeight(1, h, samp))
	buf := make([]uint8, yw*yh+2*cw*ch)
	return &image.YCbCr{
		Y:       buf[: yw*yh : yw*yh],
		Cb:      buf[yw*yh : yw*yh+cw*ch : yw*yh+cw*ch],
		Cr:      buf[yw*yh+cw*ch:],
		YStride: yw, CStride: cw,
		SubsampleRatio: cfg.Ratio,
		Rect:           image.Rect(0, 0, cfg.Width, cfg.Height),
	}
}

func planes(data []byte, p [3][]uint8, strides [3]int, cfg Config, fl C.int) (C.int, string) {
	var errbuf [200]C.char
	cs := [3]C.int{C.int(strides[0]), C.int(strides[1]), C.int(strides[2])}
	rc := C.tess_jpeg_planes((*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)),
		(*C.uint8_t)(unsafe.Pointer(&p[0][0])), (*C.uint8_t)(unsafe.Pointer(&p[1][0])), (*C.uint8_t)(unsafe.Pointer(&p[2][0])),
		&cs[0], C.int(cfg.Width), C.int(cfg.Height), fl, &errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(data)
	runtime.KeepAlive(p)
	return rc, C.GoString(&errbuf[0])
}

func pixels(data []byte, pix []uint8, stride int, cfg Config, format C.int, fl C.int) (C.int, string) {
	var errbuf [200]C.char
	rc := C.tess_jpeg_pixels((*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)),
		(*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(cfg.Width), C.int(stride), C.int(cfg.Height), format, fl,
		&errbuf[0], C.int(len(errbuf)))
	runtime.KeepAlive(data)
	runtime.KeepAlive(pix)
	return rc, C.GoString(&errbuf[0])
}

// frame is what the markers before the first scan say.
type frame struct {
	adobe       bool // an APP14 "Adobe" segment
	progressive bool // SOF2 or SOF10
}

// scanFrame walks the markers up to the frame header (SOFn) and refuses
// the features libjpeg-turbo's 8-bit build cannot decode, naming them:
// libjpeg's own messages ("Unsupported JPEG data precision 12",
// "Unsupported marker type 0xc3") read as damage to a citizen. Bytes it
// cannot walk are left to libjpeg to refuse.
func scanFrame(data []byte) (frame, error) {
	var f frame
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return f, FormatError("not a JPEG file: starts with 0x" + fmt.Sprintf("%x", data[:min(2, len(data))]))
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			i++ // stray bytes before a marker: libjpeg skips them too
			continue
		}
		m := data[i+1]
		switch {
		case m == 0xff: // fill byte
			i++
			continue
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // standalone markers
			i += 2
			continue
		case m == 0xda || m == 0xd9: // a scan or the end before any frame
			return f, nil
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 || i+2+n > len(data) {
			return f, nil
		}
		seg := data[i+4 : i+2+n]
		switch {
		case m == 0xee && len(seg) >= 5 && string(seg[:5]) == "Adobe":
			f.adobe = true
		case m == 0xf7: // JPEG-LS's frame header (SOF55)
			return f, &UnsupportedError{Feature: Lossless}
		case m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc:
			// The precisions the standard has besides 8; any other
			// number is damage, for libjpeg to refuse.
			if len(seg) >= 1 && (seg[0] == 12 || seg[0] == 16) {
				return f, &UnsupportedError{Feature: Precision, Bits: int(seg[0])}
			}
			switch m {
			case 0xc3, 0xcb:
				return f, &UnsupportedError{Feature: Lossless}
			case 0xc5, 0xc6, 0xc7, 0xcd, 0xce, 0xcf:
				return f, &UnsupportedError{Feature: Hierarchical}
			}
			f.progressive = m == 0xc2 || m == 0xca
			// The Adobe segment comes before the frame in every writer
			// known; the rest is libjpeg's to read.
			return f, nil
		}
		i += 2 + n
	}
	return f, nil
}
