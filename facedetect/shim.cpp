// The C++ half of package facedetect: a thin layer over dlib's HOG frontal face
// detector and shape predictor. Pixels are read in place through a small image
// view, never copied or re-encoded.
#include "shim.h"

#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>

namespace tess {

// grayview exposes a caller-owned 8-bit buffer through dlib's generic image
// interface so that the detector and the predictor read it without a copy.
// The free functions below live in this namespace so dlib finds them by
// argument-dependent lookup.
struct grayview {
  const uint8_t *data;
  long rows, cols, stride;
};

inline long num_rows(const grayview &img) { return img.rows; }
inline long num_columns(const grayview &img) { return img.cols; }
inline const void *image_data(const grayview &img) { return img.data; }
inline void *image_data(grayview &img) { return const_cast<uint8_t *>(img.data); }
inline long width_step(const grayview &img) { return img.stride; }

void put_err(char *err, int errlen, const std::string &msg) {
  if (err == nullptr || errlen <= 0) return;
  std::strncpy(err, msg.c_str(), errlen - 1);
  err[errlen - 1] = 0;
}

}  // namespace tess

namespace dlib {
template <> struct image_traits<tess::grayview> { typedef unsigned char pixel_type; };
}  // namespace dlib

using tess::grayview;
using tess::put_err;

struct tess_detector {
  dlib::frontal_face_detector det;
};

struct tess_predictor {
  dlib::shape_predictor sp;
};

// frontal_faces is dlib's HOG frontal face detector, built once per process:
// get_frontal_face_detector decodes and deserializes the detector's
// filters, which takes about 0.3 s, while a copy takes microseconds. Every
// detector of every engine is a copy; the original is only read (copied
// from), so it needs no lock once made, and C++ makes it once however many
// threads ask first.
static const dlib::frontal_face_detector &frontal_faces() {
  static const dlib::frontal_face_detector det = dlib::get_frontal_face_detector();
  return det;
}

extern "C" {

tess_detector *tess_detector_new(void) {
  try {
    std::unique_ptr<tess_detector> d(new tess_detector);
    d->det = frontal_faces();
    return d.release();
  } catch (...) {
    return nullptr;
  }
}

void tess_detector_free(tess_detector *d) { delete d; }

int tess_detect(tess_detector *d, const uint8_t *gray, int w, int h, int stride,
                double adjust, long *rects, double *scores, int maxn, char *err,
                int errlen) {
  try {
    grayview view{gray, h, w, stride};
    std::vector<dlib::rect_detection> found;
    d->det(view, found, adjust);
    std::sort(found.begin(), found.end(),
              [](const dlib::rect_detection &a, const dlib::rect_detection &b) {
                return a.detection_confidence > b.detection_confidence;
              });
    for (int i = 0; i < int(found.size()) && i < maxn; i++) {
      rects[4 * i + 0] = found[i].rect.left();
      rects[4 * i + 1] = found[i].rect.top();
      rects[4 * i + 2] = found[i].rect.right();
      rects[4 * i + 3] = found[i].rect.bottom();
      scores[i] = found[i].detection_confidence;
    }
    return int(found.size());
  } catch (std::exception &e) {
    put_err(err, errlen, e.what());
    return -1;
  } catch (...) {
    put_err(err, errlen, "unknown dlib error");
    return -1;
  }
}

tess_predictor *tess_predictor_load(const char *path, char *err, int errlen) {
  try {
    tess_predictor *p = new tess_predictor;
    try {
      dlib::deserialize(path) >> p->sp;
    } catch (...) {
      delete p;
      throw;
    }
    return p;
  } catch (std::exception &e) {
    put_err(err, errlen, e.what());
    return nullptr;
  } catch (...) {
    put_err(err, errlen, "unknown dlib error");
    return nullptr;
  }
}

void tess_predictor_free(tess_predictor *p) { delete p; }

int tess_predictor_parts(const tess_predictor *p) { return int(p->sp.num_parts()); }

int tess_landmarks(const tess_predictor *p, const uint8_t *gray, int w, int h,
                   int stride, long left, long top, long right, long bottom,
                   double *pts, int maxparts, char *err, int errlen) {
  try {
    grayview view{gray, h, w, stride};
    dlib::full_object_detection shape =
        p->sp(view, dlib::rectangle(left, top, right, bottom));
    int n = int(shape.num_parts());
    for (int i = 0; i < n && i < maxparts; i++) {
      pts[2 * i + 0] = shape.part(i).x();
      pts[2 * i + 1] = shape.part(i).y();
    }
    return n;
  } catch (std::exception &e) {
    put_err(err, errlen, e.what());
    return -1;
  } catch (...) {
    put_err(err, errlen, "unknown dlib error");
    return -1;
  }
}

}  // extern "C"
