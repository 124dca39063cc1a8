// The C side of package heif: one call reads the header of a HEIF file's
// primary image, one decodes it into memory the caller owns; each opens
// and frees its own libheif context.
#ifndef TESS_HEIF_SHIM_H
#define TESS_HEIF_SHIM_H

#include <stddef.h>
#include <stdint.h>

// tess_heif_status is what the calls return.
enum {
	TESS_HEIF_OK = 0,
	TESS_HEIF_INVALID = 1,     // damaged, incomplete or no HEIF
	TESS_HEIF_UNSUPPORTED = 2, // valid, but a codec or feature libheif lacks
	TESS_HEIF_LIMIT = 3,       // over a libheif security limit, or out of memory
};

// tess_heif_header is what tess_heif_info reads of the primary image.
typedef struct {
	int width, height;           // as displayed: rotation, mirroring and crop applied
	int ispe_width, ispe_height; // as coded, before those
	int has_alpha;
	int luma_bits;
} tess_heif_header;

// tess_heif_info reads the header of the primary image of data.
int tess_heif_info(const uint8_t *data, size_t len, tess_heif_header *out,
                   char *err, int errlen);

// tess_heif_decode decodes the primary image of data, transformations
// applied, into rgba: width*height pixels of 4 bytes, rows stride bytes
// apart, alpha set opaque. It fails unless the image decodes to exactly
// width x height.
int tess_heif_decode(const uint8_t *data, size_t len, uint8_t *rgba,
                     int width, int height, int stride, char *err, int errlen);

#endif
