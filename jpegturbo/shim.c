// Package jpegturbo's C side: one TurboJPEG decompressor per call, its
// outcome and message returned to Go.
#include "shim.h"

#include <string.h>
#include <turbojpeg.h>

static void put_err(char *err, int errlen, const char *msg) {
  if (err == NULL || errlen <= 0) return;
  strncpy(err, msg ? msg : "unknown error", errlen - 1);
  err[errlen - 1] = 0;
}

// outcome turns a TurboJPEG return code into TESS_JPEG_*, its message
// into err, and frees the handle.
static int outcome(tjhandle h, int rc, char *err, int errlen) {
  int out = TESS_JPEG_OK;
  if (rc != 0) {
    put_err(err, errlen, tjGetErrorStr2(h));
    out = tjGetErrorCode(h) == TJERR_WARNING ? TESS_JPEG_WARNING : TESS_JPEG_FATAL;
  }
  tjDestroy(h);
  return out;
}

int tess_jpeg_header(const uint8_t *buf, size_t len, int *width, int *height,
                     int *subsamp, int *colorspace, char *err, int errlen) {
  tjhandle h = tjInitDecompress();
  if (h == NULL) {
    put_err(err, errlen, tjGetErrorStr2(NULL));
    return TESS_JPEG_FATAL;
  }
  int rc = tjDecompressHeader3(h, buf, (unsigned long)len, width, height,
                               subsamp, colorspace);
  return outcome(h, rc, err, errlen);
}

int tess_jpeg_planes(const uint8_t *buf, size_t len, uint8_t *y, uint8_t *cb,
                     uint8_t *cr, int *strides, int width, int height,
                     int flags, char *err, int errlen) {
  tjhandle h = tjInitDecompress();
  if (h == NULL) {
    put_err(err, errlen, tjGetErrorStr2(NULL));
    return TESS_JPEG_FATAL;
  }
  unsigned char *planes[3] = {y, cb, cr};
  int rc = tjDecompressToYUVPlanes(h, buf, (unsigned long)len, planes, width,
                                   strides, height, flags);
  return outcome(h, rc, err, errlen);
}

int tess_jpeg_pixels(const uint8_t *buf, size_t len, uint8_t *dst, int width,
                     int pitch, int height, int pixfmt, int flags, char *err,
                     int errlen) {
  tjhandle h = tjInitDecompress();
  if (h == NULL) {
    put_err(err, errlen, tjGetErrorStr2(NULL));
    return TESS_JPEG_FATAL;
  }
  int rc = tjDecompress2(h, buf, (unsigned long)len, dst, width, pitch, height,
                         pixfmt, flags);
  return outcome(h, rc, err, errlen);
}

int tess_jpeg_verify(const uint8_t *buf, size_t len, int flags, char *err,
                     int errlen) {
  tjhandle h = tjInitTransform();
  if (h == NULL) {
    put_err(err, errlen, tjGetErrorStr2(NULL));
    return TESS_JPEG_FATAL;
  }
  tjtransform xf;
  memset(&xf, 0, sizeof(xf));
  xf.op = TJXOP_NONE;
  xf.options = TJXOPT_NOOUTPUT;
  unsigned char *dst = NULL;
  unsigned long dstSize = 0;
  int rc = tjTransform(h, buf, (unsigned long)len, 1, &dst, &dstSize, &xf,
                       flags);
  if (dst != NULL) tjFree(dst);
  return outcome(h, rc, err, errlen);
}
