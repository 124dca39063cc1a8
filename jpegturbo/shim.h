// Package jpegturbo's C interface to libjpeg-turbo (its TurboJPEG API, and
// libjpeg's own for tess_jpeg_verify): plain C types only.
#ifndef TESSERA_JPEGTURBO_SHIM_H
#define TESSERA_JPEGTURBO_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// The outcome of each call: done, done with a warning from the decoder
// (its message in err), or refused (message in err).
// TESS_JPEG_WORK is tess_jpeg_verify's refusal of a JPEG whose scans
// would visit more blocks than it was allowed.
enum { TESS_JPEG_OK = 0, TESS_JPEG_WARNING = 1, TESS_JPEG_FATAL = 2, TESS_JPEG_WORK = 3 };

// tess_jpeg_header reads the JPEG's size, chroma subsampling (TJSAMP_*)
// and colour space (TJCS_*).
int tess_jpeg_header(const uint8_t *buf, size_t len, int *width, int *height,
                     int *subsamp, int *colorspace, char *err, int errlen);

// tess_jpeg_planes decodes a YCbCr or grayscale JPEG of width x height
// into its planes as stored (one for grayscale, three otherwise), each
// strides[i] bytes a row, with flags (TJFLAG_*).
int tess_jpeg_planes(const uint8_t *buf, size_t len, uint8_t *y, uint8_t *cb,
                     uint8_t *cr, int *strides, int width, int height,
                     int flags, char *err, int errlen);

// tess_jpeg_pixels decodes the JPEG into dst, pitch bytes a row, in pixel
// format pixfmt (TJPF_*), with flags (TJFLAG_*).
int tess_jpeg_pixels(const uint8_t *buf, size_t len, uint8_t *dst, int width,
                     int pitch, int height, int pixfmt, int flags, char *err,
                     int errlen);

// tess_jpeg_verify reads every coefficient of the JPEG with libjpeg's own
// API (jpeg_read_coefficients, as a lossless transform does), computing no
// pixel: what libjpeg refuses outright is refused, with its message;
// warnings are not. At most 500 scans of a progressive JPEG are read, and
// at most max_blocks 8x8 blocks in all the scans together (each scan
// visits every block of the components it codes): past either, it
// returns TESS_JPEG_WORK, err left empty.
int tess_jpeg_verify(const uint8_t *buf, size_t len, long long max_blocks,
                     char *err, int errlen);

// tess_jpeg_encode compresses width x height pixels of src, pitch bytes a
// row, in pixel format pixfmt (TJPF_*), into a baseline JPEG of the
// quality with chroma subsampling subsamp (TJSAMP_*) and the accurate
// DCT, written into dst (cap bytes, at least tjBufSize's bound); *len is
// set to its size.
int tess_jpeg_encode(const uint8_t *src, int width, int pitch, int height,
                     int pixfmt, int subsamp, int quality, uint8_t *dst,
                     size_t cap, size_t *len, char *err, int errlen);

#ifdef __cplusplus
}
#endif

#endif
