// Package ultraface's C interface to OpenCV's DNN module. Kept minimal:
// plain C types only, so that cgo never sees C++.
#ifndef TESSERA_ULTRAFACE_SHIM_H
#define TESSERA_ULTRAFACE_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tess_net tess_net;

// tess_net_load reads an ONNX network, len bytes at model, for OpenCV's CPU
// backend. It returns NULL and a message in err when they cannot be read.
tess_net *tess_net_load(const char *model, size_t len, char *err, int errlen);
void tess_net_free(tess_net *n);

// tess_net_faces runs the network on an 8-bit image of w x h pixels, stride
// bytes a row, channels bytes a pixel: 1 (grayscale, given to the network
// as three equal channels) or 4 (red, green, blue and a fourth byte that is
// not read), normalised as the model was trained ((v - 127) / 128). The network has two outputs, "scores" (n x 2:
// background, face) and "boxes" (n x 4: the regression against each prior).
// It writes the face score of each of the n priors into scores and the four
// regression values into locs, and returns n, or -1 on error (message in
// err), also when the network yields another number of priors than want.
// One net must not be used by two threads at once.
int tess_net_faces(tess_net *n, const uint8_t *pix, int w, int h, int stride,
                   int channels, float *scores, float *locs, int want,
                   char *err, int errlen);

#ifdef __cplusplus
}
#endif

#endif
