// Package facedetect's C interface to dlib. Kept minimal: plain C types only,
// so that cgo never sees C++.
#ifndef TESSERA_FACEDETECT_SHIM_H
#define TESSERA_FACEDETECT_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tess_detector tess_detector;
typedef struct tess_predictor tess_predictor;

// tess_detector_new returns a HOG frontal face detector. One detector must not
// be used by two threads at once.
tess_detector *tess_detector_new(void);
void tess_detector_free(tess_detector *d);

// tess_detect runs the detector over an 8-bit grayscale image (stride bytes a
// row). It writes up to maxn boxes as left, top, right, bottom into rects and
// their detection scores into scores, best first, and returns how many faces it
// found (possibly more than maxn), or -1 on error (message in err).
int tess_detect(tess_detector *d, const uint8_t *gray, int w, int h, int stride,
                double adjust, long *rects, double *scores, int maxn, char *err,
                int errlen);

// tess_predictor_load reads a dlib shape predictor file. It returns NULL and a
// message in err when the file cannot be read.
tess_predictor *tess_predictor_load(const char *path, char *err, int errlen);
void tess_predictor_free(tess_predictor *p);

// tess_predictor_parts is the number of landmarks the model yields.
int tess_predictor_parts(const tess_predictor *p);

// tess_landmarks fits the shape model inside the box (left, top, right,
// bottom) of a grayscale image and writes x, y pairs for each part into pts
// (room for maxparts pairs). It returns the number of parts, or -1 on error.
// The predictor is read-only here and may be shared by threads.
int tess_landmarks(const tess_predictor *p, const uint8_t *gray, int w, int h,
                   int stride, long left, long top, long right, long bottom,
                   double *pts, int maxparts, char *err, int errlen);

#ifdef __cplusplus
}
#endif

#endif
