// Package ultraface's C++ side: OpenCV's DNN module behind the C interface of
// shim.h. Exceptions never cross into Go: each entry point catches them and
// returns an error code with the message.
#include "shim.h"

#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

struct tess_net {
  cv::dnn::Net net;
  std::vector<cv::String> outs;  // "scores", "boxes", in that order
};

// The model's input normalisation: image_mean and image_std of its
// vision/ssd/config/fd_config.py.
static const float kMean = 127.0f;
static const float kStd = 128.0f;

static void put_err(char *err, int errlen, const std::string &msg) {
  if (err == nullptr || errlen <= 0) return;
  std::strncpy(err, msg.c_str(), errlen - 1);
  err[errlen - 1] = 0;
}

extern "C" tess_net *tess_net_load(const char *model, size_t len, char *err,
                                   int errlen) {
  try {
    // One thread per net: tessera runs one check per core, and OpenCV's
    // own threads would only contend with them. The setting is OpenCV's,
    // for the whole process: made once, before the first net is read.
    static std::once_flag single;
    std::call_once(single, [] { cv::setNumThreads(1); });
    std::unique_ptr<tess_net> n(new tess_net);
    n->net = cv::dnn::readNetFromONNX(model, len);
    n->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    n->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    n->outs = {"scores", "boxes"};
    return n.release();
  } catch (const std::exception &e) {
    put_err(err, errlen, e.what());
  } catch (...) {
    put_err(err, errlen, "unknown error");
  }
  return nullptr;
}

extern "C" void tess_net_free(tess_net *n) { delete n; }

extern "C" int tess_net_faces(tess_net *n, const uint8_t *pix, int w, int h,
                              int stride, int channels, float *scores,
                              float *locs, int want, char *err, int errlen) {
  try {
    int size[4] = {1, 3, h, w};
    cv::Mat blob(4, size, CV_32F);
    float *p = blob.ptr<float>();
    const size_t plane = size_t(w) * size_t(h);
    for (int y = 0; y < h; y++) {
      const uint8_t *row = pix + size_t(y) * size_t(stride);
      for (int x = 0; x < w; x++) {
        size_t i = size_t(y) * size_t(w) + size_t(x);
        const uint8_t *px = row + size_t(x) * size_t(channels);
        for (int c = 0; c < 3; c++) {
          p[size_t(c) * plane + i] =
              (float(px[channels == 1 ? 0 : c]) - kMean) / kStd;
        }
      }
    }
    n->net.setInput(blob);
    std::vector<cv::Mat> out;
    n->net.forward(out, n->outs);
    if (out.size() != 2 || out[0].total() != size_t(want) * 2 ||
        out[1].total() != size_t(want) * 4) {
      put_err(err, errlen,
              "the network's outputs do not match the model's priors");
      return -1;
    }
    const float *s = out[0].ptr<float>();
    for (int i = 0; i < want; i++) scores[i] = s[2 * i + 1];
    std::memcpy(locs, out[1].ptr<float>(), sizeof(float) * 4 * size_t(want));
    return want;
  } catch (const std::exception &e) {
    put_err(err, errlen, e.what());
  } catch (...) {
    put_err(err, errlen, "unknown error");
  }
  return -1;
}
