#include "shim.h"

#include <libheif/heif.h>
#include <stdio.h>
#include <string.h>

static void put_err(char *err, int errlen, const char *msg) {
	if (errlen > 0) {
		snprintf(err, (size_t)errlen, "%s", msg ? msg : "unknown libheif error");
	}
}

// status maps a libheif error to the shim's status, its text into err.
static int status(struct heif_error e, char *err, int errlen) {
	if (e.code == heif_error_Ok) {
		return TESS_HEIF_OK;
	}
	put_err(err, errlen, e.message);
	switch (e.code) {
	case heif_error_Unsupported_feature:
	case heif_error_Unsupported_filetype:
		return TESS_HEIF_UNSUPPORTED;
	case heif_error_Memory_allocation_error:
		return TESS_HEIF_LIMIT;
	case heif_error_Decoder_plugin_error:
		// libde265 and dav1d report damaged streams here; a codec that
		// is not there at all comes back as Unsupported_feature.
		return TESS_HEIF_INVALID;
	default:
		return TESS_HEIF_INVALID;
	}
}

// open reads data into a new context and returns the primary image's
// handle; on success the caller frees both.
static int open(const uint8_t *data, size_t len, struct heif_context **ctx,
                struct heif_image_handle **h, char *err, int errlen) {
	*ctx = heif_context_alloc();
	*h = NULL;
	if (*ctx == NULL) {
		put_err(err, errlen, "cannot allocate a libheif context");
		return TESS_HEIF_LIMIT;
	}
	// Tiles are decoded in the calling thread: the caller runs one
	// check a core, and a decoder that spawns its own threads would
	// take cores it was not given.
	heif_context_set_max_decoding_threads(*ctx, 0);
	int rc = status(heif_context_read_from_memory_without_copy(*ctx, data, len, NULL), err, errlen);
	if (rc == TESS_HEIF_OK) {
		rc = status(heif_context_get_primary_image_handle(*ctx, h), err, errlen);
	}
	if (rc != TESS_HEIF_OK) {
		heif_context_free(*ctx);
		*ctx = NULL;
	}
	return rc;
}

int tess_heif_info(const uint8_t *data, size_t len, tess_heif_header *out,
                   char *err, int errlen) {
	struct heif_context *ctx;
	struct heif_image_handle *h;
	int rc = open(data, len, &ctx, &h, err, errlen);
	if (rc != TESS_HEIF_OK) {
		return rc;
	}
	out->width = heif_image_handle_get_width(h);
	out->height = heif_image_handle_get_height(h);
	out->ispe_width = heif_image_handle_get_ispe_width(h);
	out->ispe_height = heif_image_handle_get_ispe_height(h);
	out->has_alpha = heif_image_handle_has_alpha_channel(h);
	out->luma_bits = heif_image_handle_get_luma_bits_per_pixel(h);
	heif_image_handle_release(h);
	heif_context_free(ctx);
	return TESS_HEIF_OK;
}

int tess_heif_decode(const uint8_t *data, size_t len, uint8_t *rgba,
                     int width, int height, int stride, char *err, int errlen) {
	struct heif_context *ctx;
	struct heif_image_handle *h;
	int rc = open(data, len, &ctx, &h, err, errlen);
	if (rc != TESS_HEIF_OK) {
		return rc;
	}
	struct heif_decoding_options *opts = heif_decoding_options_alloc();
	if (opts == NULL) {
		heif_image_handle_release(h);
		heif_context_free(ctx);
		put_err(err, errlen, "cannot allocate decoding options");
		return TESS_HEIF_LIMIT;
	}
	// Damage is an error, not a picture patched with grey; 10- and
	// 12-bit photos come back as 8 bits a sample.
	opts->strict_decoding = 1;
	opts->convert_hdr_to_8bit = 1;
	struct heif_image *img = NULL;
	rc = status(heif_decode_image(h, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, opts), err, errlen);
	heif_decoding_options_free(opts);
	if (rc == TESS_HEIF_OK) {
		int w = heif_image_get_width(img, heif_channel_interleaved);
		int ht = heif_image_get_height(img, heif_channel_interleaved);
		int sstride = 0;
		const uint8_t *src = heif_image_get_plane_readonly(img, heif_channel_interleaved, &sstride);
		if (w != width || ht != height || src == NULL ||
		    heif_image_get_bits_per_pixel(img, heif_channel_interleaved) != 24) {
			char msg[160];
			snprintf(msg, sizeof msg, "the image decoded to %dx%d pixels, its header says %dx%d", w, ht, width, height);
			put_err(err, errlen, msg);
			rc = TESS_HEIF_INVALID;
		} else {
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
		}
		heif_image_release(img);
	}
	heif_image_handle_release(h);
	heif_context_free(ctx);
	return rc;
}
