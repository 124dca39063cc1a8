#include "shim.h"

#include <libheif/heif.h>
#include <stdio.h>
#include <stdlib.h>

struct tess_heif {
	struct heif_context *ctx;
	struct heif_image_handle *h;
	int width, height;
};

// boundPad is added to the largest side a file claims for the size limit:
// a coded picture is padded to whole coding blocks (HEVC's are 8 to 64
// pixels, AV1's up to 128) beyond the size its 'ispe' box gives.
enum { boundPad = 128 };

// minBound is the least limit: a grid's tiles (512 pixels a side on an
// iPhone) may be larger than the small picture they hold.
enum { minBound = 1024 };

// maxSide is the longest side a file may claim: HEIF's image sizes are
// 32-bit, and no photo is a million pixels long.
enum { maxSide = 1 << 20 };

static void put_err(char *err, int errlen, const char *msg) {
	if (errlen > 0) {
		snprintf(err, (size_t)errlen, "%s", msg ? msg : "unknown libheif error");
	}
}

// status maps a libheif error to the shim's status, its text into err. A
// file is unsupported only for a codec or an image type libheif lacks;
// other "unsupported" errors (a colour conversion it cannot make, a
// construction method) come from damaged or crafted files.
static int status(struct heif_error e, char *err, int errlen) {
	if (e.code == heif_error_Ok) {
		return TESS_HEIF_OK;
	}
	put_err(err, errlen, e.message);
	if (e.code == heif_error_Unsupported_filetype ||
	    (e.code == heif_error_Unsupported_feature &&
	     (e.subcode == heif_suberror_Unsupported_codec || e.subcode == heif_suberror_Unsupported_image_type))) {
		return TESS_HEIF_UNSUPPORTED;
	}
	return TESS_HEIF_INVALID;
}

static int max4(int a, int b, int c, int d) {
	int m = a > b ? a : b;
	m = m > c ? m : c;
	return m > d ? m : d;
}

int tess_heif_open(const uint8_t *data, size_t len, tess_heif **out,
                   tess_heif_header *hdr, char *err, int errlen) {
	*out = NULL;
	tess_heif *f = calloc(1, sizeof *f);
	if (f == NULL) {
		put_err(err, errlen, "out of memory");
		return TESS_HEIF_INVALID;
	}
	f->ctx = heif_context_alloc();
	if (f->ctx == NULL) {
		free(f);
		put_err(err, errlen, "cannot allocate a libheif context");
		return TESS_HEIF_INVALID;
	}
	// Tiles are decoded in the calling thread: the caller runs one check
	// a core. (libde265 decodes a tile in a worker thread while the
	// caller waits; dav1d, for AVIF, starts threads of its own, which
	// libheif 1.15 gives no way to bound.)
	heif_context_set_max_decoding_threads(f->ctx, 0);
	int rc = status(heif_context_read_from_memory(f->ctx, data, len, NULL), err, errlen);
	if (rc == TESS_HEIF_OK) {
		rc = status(heif_context_get_primary_image_handle(f->ctx, &f->h), err, errlen);
	}
	if (rc != TESS_HEIF_OK) {
		tess_heif_close(f);
		return rc;
	}
	hdr->width = f->width = heif_image_handle_get_width(f->h);
	hdr->height = f->height = heif_image_handle_get_height(f->h);
	hdr->ispe_width = heif_image_handle_get_ispe_width(f->h);
	hdr->ispe_height = heif_image_handle_get_ispe_height(f->h);
	hdr->has_alpha = heif_image_handle_has_alpha_channel(f->h);
	hdr->luma_bits = heif_image_handle_get_luma_bits_per_pixel(f->h);
	int side = max4(hdr->width, hdr->height, hdr->ispe_width, hdr->ispe_height);
	if (side > maxSide) {
		char msg[120];
		snprintf(msg, sizeof msg, "the file claims a side of %d pixels", side);
		put_err(err, errlen, msg);
		tess_heif_close(f);
		return TESS_HEIF_INVALID;
	}
	hdr->bound = side + boundPad > minBound ? side + boundPad : minBound;
	if (hdr->has_alpha) {
		// Debian's libheif (1.15.1-1+deb12u3) lets derived images (a grid,
		// an overlay) decode at most limit x limit pixels in all: a grid
		// and its alpha grid take twice that, so the limit is the side of
		// a square of twice the area.
		hdr->bound = (int)(hdr->bound * 1.4143) + 1;
	}
	// One over: whether libheif refuses a side at the limit or past it,
	// a side of bound pixels is let through.
	heif_context_set_maximum_image_size_limit(f->ctx, hdr->bound + 1);
	*out = f;
	return TESS_HEIF_OK;
}

int tess_heif_decode(tess_heif *f, uint8_t *rgba, int width, int height,
                     int stride, char *err, int errlen) {
	if (width != f->width || height != f->height) {
		put_err(err, errlen, "asked for a size other than the header's");
		return TESS_HEIF_INVALID;
	}
	struct heif_decoding_options *opts = heif_decoding_options_alloc();
	if (opts == NULL) {
		put_err(err, errlen, "cannot allocate decoding options");
		return TESS_HEIF_INVALID;
	}
	// 10- and 12-bit photos come back as 8 bits a sample.
	opts->convert_hdr_to_8bit = 1;
	struct heif_image *img = NULL;
	int rc = status(heif_decode_image(f->h, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, opts), err, errlen);
	heif_decoding_options_free(opts);
	if (rc != TESS_HEIF_OK) {
		if (img != NULL) {
			heif_image_release(img);
		}
		return rc;
	}
	int w = heif_image_get_width(img, heif_channel_interleaved);
	int h = heif_image_get_height(img, heif_channel_interleaved);
	int sstride = 0;
	const uint8_t *src = heif_image_get_plane_readonly(img, heif_channel_interleaved, &sstride);
	if (w != width || h != height || src == NULL ||
	    heif_image_get_bits_per_pixel(img, heif_channel_interleaved) != 24) {
		char msg[160];
		snprintf(msg, sizeof msg, "the image decoded to %dx%d pixels, its header says %dx%d", w, h, width, height);
		put_err(err, errlen, msg);
		heif_image_release(img);
		return TESS_HEIF_INVALID;
	}
	for (int y = 0; y < height; y++) {
		const uint8_t *s = src + (size_t)y * (size_t)sstride;
		uint8_t *d = rgba + (size_t)y * (size_t)stride;
		for (int x = 0; x < width; x++) {
			d[4 * x + 0] = s[3 * x + 0];
			d[4 * x + 1] = s[3 * x + 1];
			d[4 * x + 2] = s[3 * x + 2];
			d[4 * x + 3] = 255;
		}
	}
	heif_image_release(img);
	return TESS_HEIF_OK;
}

void tess_heif_close(tess_heif *f) {
	if (f == NULL) {
		return;
	}
	if (f->h != NULL) {
		heif_image_handle_release(f->h);
	}
	if (f->ctx != NULL) {
		heif_context_free(f->ctx);
	}
	free(f);
}
