// Package jpegturbo's C side: one TurboJPEG decompressor (or compressor,
// for Encode) per call, or for Verify one libjpeg decompressor, its
// outcome and message returned to Go.
#include "shim.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>
#include <jpeglib.h>

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

int tess_jpeg_encode(const uint8_t *src, int width, int pitch, int height,
                     int pixfmt, int subsamp, int quality, uint8_t *dst,
                     size_t cap, size_t *len, char *err, int errlen) {
  tjhandle h = tjInitCompress();
  if (h == NULL) {
    put_err(err, errlen, tjGetErrorStr2(NULL));
    return TESS_JPEG_FATAL;
  }
  unsigned char *out = dst;
  unsigned long size = (unsigned long)cap;
  int rc = tjCompress2(h, src, width, pitch, height, pixfmt, &out, &size,
                       subsamp, quality, TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT);
  *len = (size_t)size;
  return outcome(h, rc, err, errlen);
}

// Verify's error manager: a fatal error jumps back with libjpeg's
// message; a warning is no refusal here (libjpeg reads on past it).
struct verify_err {
  struct jpeg_error_mgr pub;
  jmp_buf back;
  char msg[JMSG_LENGTH_MAX];
};

static void verify_exit(j_common_ptr c) {
  struct verify_err *e = (struct verify_err *)c->err;
  (*c->err->format_message)(c, e->msg);
  longjmp(e->back, 1);
}

static void verify_emit(j_common_ptr c, int level) {
  (void)c;
  (void)level;
}

// At most maxScans scans in a progressive JPEG, as TJFLAG_LIMITSCANS, and
// at most max_blocks block visits in all the scans (work: a scan of a
// component costs as much whatever few bits it carries, so a file of many
// near-empty scans costs seconds for kilobytes).
struct verify_progress {
  struct jpeg_progress_mgr pub;
  struct verify_err *err;
  volatile int over;    // set when a bound was passed (read after longjmp)
  int scan;             // the last scan counted
  long long blocks;     // block visits of the scans counted
  long long max_blocks; // their bound
};

static const int maxScans = 500;

static void verify_monitor(j_common_ptr c) {
  j_decompress_ptr d = (j_decompress_ptr)c;
  struct verify_progress *p = (struct verify_progress *)c->progress;
  if (d->progressive_mode && d->input_scan_number > maxScans) {
    p->over = 1;
    longjmp(p->err->back, 1);
  }
  if (d->input_scan_number != p->scan && d->comps_in_scan > 0) {
    p->scan = d->input_scan_number;
    for (int i = 0; i < d->comps_in_scan && i < MAX_COMPS_IN_SCAN; i++) {
      jpeg_component_info *ci = d->cur_comp_info[i];
      if (ci != NULL)
        p->blocks += (long long)ci->width_in_blocks * ci->height_in_blocks;
    }
    if (p->blocks > p->max_blocks) {
      p->over = 1;
      longjmp(p->err->back, 1);
    }
  }
}

int tess_jpeg_verify(const uint8_t *buf, size_t len, long long max_blocks,
                     char *err, int errlen) {
  struct jpeg_decompress_struct d;
  struct verify_err e;
  struct verify_progress p;
  memset(&d, 0, sizeof d);
  memset(&p, 0, sizeof p);
  d.err = jpeg_std_error(&e.pub);
  e.pub.error_exit = verify_exit;
  e.pub.emit_message = verify_emit;
  e.msg[0] = 0;
  if (setjmp(e.back)) {
    put_err(err, errlen, e.msg);
    jpeg_destroy_decompress(&d);
    return p.over ? TESS_JPEG_WORK : TESS_JPEG_FATAL;
  }
  jpeg_create_decompress(&d);
  p.pub.progress_monitor = verify_monitor;
  p.err = &e;
  p.max_blocks = max_blocks;
  d.progress = &p.pub;
  jpeg_mem_src(&d, (unsigned char *)buf, (unsigned long)len);
  jpeg_read_header(&d, TRUE);
  jpeg_read_coefficients(&d);
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  return TESS_JPEG_OK;
}
