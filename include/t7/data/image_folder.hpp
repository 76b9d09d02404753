#pragma once
/// \file image_folder.hpp
/// `loadImageFolder`: a dataset stored as one folder per class, `root/<class name>/<image>`
/// (the layout of torchvision's ImageFolder and of Torch7's `dataset` / `imagenet` loaders).
/// Classes are the sub-folders sorted by name, labelled 0, 1, ... in that order; each image is
/// resized (bilinear) to one size. Images must be PGM or PPM (binary or ASCII, 8 or 16 bits);
/// other formats need an image codec, which t7 does not link: they are refused with an IOError
/// naming the file and its format (or skipped, on request).

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "t7/core/error.hpp"
#include "t7/data/dataset.hpp"
#include "t7/data/netpbm.hpp"
#include "t7/data/resize.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::data {

/// Options of loadImageFolder (designated initializers: `{.height = 48, .width = 48}`).
struct ImageFolderOptions {
  index_t height = 32;           ///< rows of every output image
  index_t width = 32;            ///< columns of every output image
  int channels = 3;              ///< 3: grey images are repeated into R, G, B; 1: colour becomes grey (0.299 R + 0.587 G + 0.114 B)
  bool skipUnsupported = false;  ///< skip files that are not PGM/PPM instead of throwing
  PNMReadOptions limits = {};    ///< per-image pixel limit
};

/// Loads `root/<class>/<file>`: images ByteTensor [N x channels x height x width] (0..255;
/// 16-bit or other-maxval images are scaled to 0..255), labels LongTensor [N], classes the
/// sub-folder names sorted (byte order) so that label k is classes[k]; images are ordered by
/// class, then by file name. Hidden entries (names starting with '.') and files directly in
/// `root` are ignored; a class folder may be empty. A file's format is judged by its content,
/// not its extension. IOError naming the path for: a missing root or no class folder, no
/// image at all, an unsupported format (unless `skipUnsupported`), or any reading error of
/// readPNM. ValueError for sizes < 1 or channels other than 1 and 3.
LabeledImages loadImageFolder(const std::string& root, const ImageFolderOptions& opts = {});

// =====================================================================================
// Definitions
// =====================================================================================

namespace detail {

/// A rectangle of pixels, corners included: columns x1..x2, rows y1..y2.
struct PixelBox {
  index_t x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

/// Buffers reused from one image to the next while loading a dataset.
struct ImageScratch {
  std::vector<float> pixels, grey;
};

/// Reads the PNM image at `path`, calls `check(header)` (which may throw), crops it to `box`
/// (the whole image when empty), converts it to `channels` and resizes it into `dst`,
/// contiguous [channels x outH x outW], as bytes scaled from 0..maxval to 0..255.
template <class Check>
void loadImageInto(const std::string& path, const char* op, const PNMReadOptions& limits, int channels, index_t outH,
                   index_t outW, std::uint8_t* dst, ImageScratch& scratch, std::optional<PixelBox> box,
                   Check&& check) {
  InputFile in(path, op);
  const PNMHeader h = readPNMHeader(in, limits);
  check(h);
  const index_t plane = h.width * h.height;
  scratch.pixels.resize(std::size_t(plane * h.channels));
  readPNMRaster(in, h, scratch.pixels.data());
  const PixelBox b = box.value_or(PixelBox{0, 0, h.width - 1, h.height - 1});
  const float* src = scratch.pixels.data();
  index_t sC = plane;
  if (h.channels == 3 && channels == 1) {  // colour to grey (Torch7's image.rgb2y weights)
    scratch.grey.resize(std::size_t(plane));
    for (index_t i = 0; i < plane; ++i)
      scratch.grey[std::size_t(i)] = 0.299f * src[i] + 0.587f * src[plane + i] + 0.114f * src[2 * plane + i];
    src = scratch.grey.data();
  } else if (h.channels == 1 && channels == 3) {
    sC = 0;  // grey repeated into the three channels
  }
  src += b.y1 * h.width + b.x1;
  bilinearPlanes(src, channels, b.y2 - b.y1 + 1, b.x2 - b.x1 + 1, sC, h.width, index_t(1), dst, outH, outW,
                 255.0 / h.maxval);
}

/// The entries of `dir` (not hidden) that are folders (`dirs`) or regular files, sorted by name.
inline std::vector<std::filesystem::path> listSorted(const std::filesystem::path& dir, bool dirs, const char* op) {
  std::error_code ec;
  std::vector<std::filesystem::path> out;
  std::filesystem::directory_iterator it(dir, ec), end;
  if (ec) fail<IOError>(op, ": ", dir.string(), ": cannot list the folder: ", ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) fail<IOError>(op, ": ", dir.string(), ": cannot list the folder: ", ec.message());
    const auto name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (dirs ? isDir(it->path()) : isFile(it->path())) out.push_back(it->path());
  }
  if (ec) fail<IOError>(op, ": ", dir.string(), ": cannot list the folder: ", ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  return out;
}

inline void checkOutputSize(const char* op, index_t height, index_t width, int channels) {
  if (height < 1 || width < 1)
    fail<ValueError>(op, ": output size ", height, "x", width, " (height x width) must be at least 1x1");
  if (channels != 1 && channels != 3) fail<ValueError>(op, ": channels must be 1 or 3, got ", channels);
}

}  // namespace detail

inline LabeledImages loadImageFolder(const std::string& root, const ImageFolderOptions& opts) {
  const char* op = "loadImageFolder";
  detail::checkOutputSize(op, opts.height, opts.width, opts.channels);
  if (!detail::isDir(root)) detail::fail<IOError>(op, ": ", root, ": missing (no such folder)");
  LabeledImages d;
  std::vector<std::pair<std::string, std::int64_t>> files;
  for (const auto& dir : detail::listSorted(root, true, op)) {
    const auto label = static_cast<std::int64_t>(d.classes.size());
    d.classes.push_back(dir.filename().string());
    for (const auto& f : detail::listSorted(dir, false, op)) {
      const std::string head = detail::InputFile(f.string(), op).head(12);
      const std::string format = imageFormat(head);
      if (format != "PGM" && format != "PPM") {
        if (opts.skipUnsupported) continue;
        detail::failUnsupportedImage(detail::cat(op, ": ", f.string(), ": "), head);
      }
      files.emplace_back(f.string(), label);
    }
  }
  if (d.classes.empty()) detail::fail<IOError>(op, ": ", root, ": no class folder (expected root/<class>/<image>)");
  if (files.empty())
    detail::fail<IOError>(op, ": ", root, ": no PGM/PPM image in its ", d.classes.size(), " class folder",
                          d.classes.size() == 1 ? "" : "s");
  const auto n = static_cast<index_t>(files.size());
  d.images.resize(n, opts.channels, opts.height, opts.width);
  d.labels.resize(n);
  const index_t per = opts.channels * opts.height * opts.width;
  detail::ImageScratch scratch;
  for (index_t i = 0; i < n; ++i) {
    const auto& [path, label] = files[std::size_t(i)];
    detail::loadImageInto(path, op, opts.limits, opts.channels, opts.height, opts.width, d.images.data() + i * per,
                          scratch, std::nullopt, [](const PNMHeader&) {});
    d.labels.data()[i] = label;
  }
  return d;
}

}  // namespace t7::data
