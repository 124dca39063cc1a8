// The C side of package heif: a HEIF file is opened once (tess_heif_open
// reads its structure and its primary image's header), decoded into memory
// the caller owns (tess_heif_decode) and closed (tess_heif_close).
#ifndef TESS_HEIF_SHIM_H
#define TESS_HEIF_SHIM_H

#include <stddef.h>
#include <stdint.h>

// The shim's statuses.
enum {
	TESS_HEIF_OK = 0,
	TESS_HEIF_INVALID = 1,     // damaged, incomplete, over a limit, or no HEIF
	TESS_HEIF_UNSUPPORTED = 2, // valid, but coded in a way libheif cannot decode
};

// tess_heif_header is what tess_heif_open reads of the primary image.
typedef struct {
	int width, height;           // as displayed: rotation, mirroring and crop applied
	int ispe_width, ispe_height; // as its 'ispe' box says it is coded
	int bound;                   // the longest side a decode may allocate (see tess_heif_open)
	int has_alpha;
	int luma_bits;
} tess_heif_header;

// tess_heif is an open file: a libheif context and its primary image.
typedef struct tess_heif tess_heif;

// tess_heif_open reads len bytes of data (copied: data may go once it
// returns) and the header of the primary image. The sizes a file gives
// are claims: the coded picture, a grid's canvas or an overlay's may be
// larger. So the context's size limit is set to the largest side claimed,
// with room for the coding blocks' padding and at least a tile's worth
// (bound): libheif then refuses, before allocating it, any image with a
// longer side, and a decode allocates at most bound x bound pixels an
// image.
int tess_heif_open(const uint8_t *data, size_t len, tess_heif **out,
                   tess_heif_header *hdr, char *err, int errlen);

// tess_heif_decode decodes the primary image, its transformations applied,
// into rgba: width*height pixels of 4 bytes, rows stride bytes apart,
// alpha set opaque. It fails unless the image decodes to exactly width x
// height, the header's.
int tess_heif_decode(tess_heif *f, uint8_t *rgba, int width, int height,
                     int stride, char *err, int errlen);

// tess_heif_close frees f; f may be NULL.
void tess_heif_close(tess_heif *f);

#endif
