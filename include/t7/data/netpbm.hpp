#pragma once
/// \file netpbm.hpp
/// Netpbm images: PGM (grey) and PPM (colour), binary (P5, P6) and plain ASCII (P2, P3), 8
/// and 16 bits per sample: `readPNM`, `readPNMHeader`, `writePNM` (Torch7's `image.load` /
/// `image.save` for .pgm/.ppm). GTSRB ships its images as P6 files.
///
/// Images are tensors [C x H x W] (C = 1 for PGM, 3 for PPM) of the samples as stored,
/// 0..maxval, not scaled. Other formats (PNG, JPEG, ...) need an image codec, which t7 does not
/// link: they are recognised by their first bytes and refused with an IOError naming the
/// file and the format. Readers check everything (header syntax, sizes against
/// `PNMReadOptions::maxPixels` and against the bytes present, samples against maxval,
/// truncated and trailing data) before allocating; writers are atomic (as writeIDX).

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "t7/core/dtype.hpp"
#include "t7/core/error.hpp"
#include "t7/core/shape.hpp"
#include "t7/data/dataset.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::data {

/// What a PNM header says.
struct PNMHeader {
  int type = 6;          ///< the digit after 'P': 2 (plain PGM), 3 (plain PPM), 5 (PGM), 6 (PPM)
  int channels = 3;      ///< 1 (PGM) or 3 (PPM)
  index_t width = 0;     ///< columns
  index_t height = 0;    ///< rows
  int maxval = 255;      ///< largest sample value, 1..65535 (> 255: two bytes per sample, big-endian)
  index_t dataOffset = 0;  ///< byte where the raster starts
  /// ASCII samples (P2, P3).
  bool plain() const { return type == 2 || type == 3; }
  /// Bytes per binary sample: 1 when maxval < 256, else 2.
  int bytesPerSample() const { return maxval < 256 ? 1 : 2; }
};

/// Limits of readPNM, so that a hostile header cannot make it allocate without end.
struct PNMReadOptions {
  /// Largest width x height accepted (default 2^28, e.g. 16384 x 16384).
  index_t maxPixels = index_t(1) << 28;
};

/// Reads and checks the header of a PNM file (also checks the data length of binary files).
/// IOError as readPNM.
PNMHeader readPNMHeader(const std::string& path, const PNMReadOptions& opts = {});

/// Reads a PGM or PPM file into a new contiguous tensor [C x H x W] (C = 1 or 3) holding the
/// samples 0..maxval (Torch7's `image.load(path, nil, 'byte')`; Torch7's default scales to
/// [0, 1]: divide by maxval yourself). Throws IOError naming the file and the byte offset for:
/// a missing file, an unsupported format (PNG, JPEG, GIF, BMP, TIFF, WebP, gzip, PBM, PAM,
/// PFM: named in the message), bad header syntax, a zero or absurd size (more than
/// `opts.maxPixels`), maxval outside 1..65535, a sample above maxval, truncated data and
/// trailing bytes. TypeError when T cannot hold maxval (a 16-bit file read as uint8: use
/// int32 or float).
template <Element T = std::uint8_t>
Tensor<T> readPNM(const std::string& path, const PNMReadOptions& opts = {});

/// How writePNM writes.
struct PNMWriteOptions {
  int maxval = 255;    ///< 1..65535; above 255 the samples take two bytes (16-bit file)
  bool plain = false;  ///< ASCII P2/P3 instead of binary P5/P6
};

/// Writes `image` [H x W] or [1 x H x W] as PGM, [3 x H x W] as PPM (any layout; Torch7's
/// `image.save` of a .pgm/.ppm, without its scaling from [0, 1]: values are written as they
/// are). Every value must be an integer in 0..maxval (ValueError naming the element
/// otherwise); H and W must be >= 1. Atomic: a temporary file renamed into place.
template <Element T>
void writePNM(const std::string& path, const Tensor<T>& image, const PNMWriteOptions& opts = {});

/// The image format of a file's first bytes: "PGM", "PPM" (readable), or "PNG", "JPEG",
/// "GIF", "BMP", "TIFF", "WebP", "gzip", "PBM", "PAM", "PFM", or "" when unknown.
std::string imageFormat(const std::string& firstBytes);

// =====================================================================================
// Definitions
// =====================================================================================

inline std::string imageFormat(const std::string& b) {
  auto starts = [&](const char* s, std::size_t n) { return b.size() >= n && b.compare(0, n, s, n) == 0; };
  if (b.size() >= 2 && b[0] == 'P') {
    switch (b[1]) {
      case '2': case '5': return "PGM";
      case '3': case '6': return "PPM";
      case '1': case '4': return "PBM";
      case '7': return "PAM";
      case 'F': case 'f': return "PFM";
      default: break;
    }
  }
  if (starts("\x89PNG", 4)) return "PNG";
  if (starts("\xFF\xD8\xFF", 3)) return "JPEG";
  if (starts("GIF8", 4)) return "GIF";
  if (starts("BM", 2)) return "BMP";
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return "TIFF";
  if (starts("RIFF", 4) && b.size() >= 12 && b.compare(8, 4, "WEBP") == 0) return "WebP";
  if (starts("\x1f\x8b", 2)) return "gzip";
  return "";
}

namespace detail {

/// Throws the "unsupported image format" IOError for a file whose first bytes are `head`.
[[noreturn]] T7_COLD inline void failUnsupportedImage(const std::string& where, const std::string& head) {
  const std::string f = imageFormat(head);
  std::string hex;
  for (std::size_t i = 0; i < head.size() && i < 4; ++i) {
    char b[4];
    std::snprintf(b, sizeof b, "%02x", unsigned(static_cast<unsigned char>(head[i])));
    hex += (i ? " " : "");
    hex += b;
  }
  const std::string what = f.empty()   ? cat("unsupported image format (first bytes ", hex.empty() ? "none: empty file" : hex, ")")
                           : f == "gzip" ? std::string("unsupported image format: the file is gzip-compressed (gunzip it first)")
                                         : cat("unsupported image format ", f);
  fail<IOError>(where, what,
                ": t7 reads only PGM and PPM (P2, P3, P5, P6) without an image codec; convert the file (e.g. "
                "`convert in.png out.ppm`)");
}

inline bool pnmSpace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

/// Skips whitespace and `#` comments (to the end of the line).
inline void pnmSkip(InputFile& in) {
  for (;;) {
    const int c = in.peek();
    if (pnmSpace(c)) {
      in.get();
    } else if (c == '#') {
      int d;
      do d = in.get();
      while (d != -1 && d != '\n' && d != '\r');
    } else {
      return;
    }
  }
}

/// Reads a decimal number (at most 9 digits) after whitespace and comments; `what` names it.
inline index_t pnmNumber(InputFile& in, const char* what) {
  pnmSkip(in);
  const index_t at = in.offset();
  int c = in.peek();
  if (c < '0' || c > '9') {
    if (c == -1) fail<IOError>(in.where(), "truncated header at byte ", at, ": expected ", what);
    char shown[16];
    if (c >= 0x20 && c < 0x7f) std::snprintf(shown, sizeof shown, "'%c'", c);
    else std::snprintf(shown, sizeof shown, "byte 0x%02x", unsigned(c));
    fail<IOError>(in.where(), "bad header at byte ", at, ": expected ", what, " (a decimal number), found ", shown);
  }
  index_t v = 0;
  int digits = 0;
  while ((c = in.peek()) >= '0' && c <= '9') {
    in.get();
    if (++digits > 9) fail<IOError>(in.where(), "bad header at byte ", at, ": ", what, " has more than 9 digits");
    v = v * 10 + (c - '0');
  }
  return v;
}

/// Reads and checks the header; `in` is left at the first raster byte.
inline PNMHeader readPNMHeader(InputFile& in, const PNMReadOptions& opts) {
  const std::string head = in.head(12);
  PNMHeader h;
  if (head.size() < 2 || head[0] != 'P' || (head[1] != '2' && head[1] != '3' && head[1] != '5' && head[1] != '6'))
    failUnsupportedImage(in.where(), head);
  in.get();
  h.type = in.get() - '0';
  h.channels = (h.type == 3 || h.type == 6) ? 3 : 1;
  if (!pnmSpace(in.peek()) && in.peek() != '#' && in.peek() != -1)
    fail<IOError>(in.where(), "bad header at byte 2: expected whitespace after the magic P", h.type);
  h.width = pnmNumber(in, "the width");
  h.height = pnmNumber(in, "the height");
  if (h.width < 1 || h.height < 1)
    fail<IOError>(in.where(), "bad header: the image is ", h.width, "x", h.height, " (width x height): no pixel");
  if (h.width > opts.maxPixels / h.height)
    fail<IOError>(in.where(), "header claims ", h.width, "x", h.height, " pixels (width x height), more than the limit ",
                  opts.maxPixels, " (PNMReadOptions::maxPixels)");
  const index_t maxvalAt = (pnmSkip(in), in.offset());
  const index_t maxval = pnmNumber(in, "the maxval");
  if (maxval < 1 || maxval > 65535)
    fail<IOError>(in.where(), "bad maxval ", maxval, " at byte ", maxvalAt, ": expected 1..65535");
  h.maxval = static_cast<int>(maxval);
  const int sep = in.get();  // exactly one whitespace byte before the raster
  if (sep == -1 && !h.plain())
    fail<IOError>(in.where(), "truncated at byte ", in.offset(), ": the header ends without the raster");
  if (sep != -1 && !pnmSpace(sep))
    fail<IOError>(in.where(), "bad header at byte ", in.offset() - 1, ": expected one whitespace byte after the maxval");
  h.dataOffset = in.offset();
  const index_t samples = h.width * h.height * h.channels;
  const index_t present = in.fileSize() - h.dataOffset;
  if (!h.plain()) {
    const index_t want = samples * h.bytesPerSample();
    if (present < want)
      fail<IOError>(in.where(), "truncated at byte ", in.fileSize(), ": header promises ", h.width, "x", h.height, " ",
                    h.channels == 3 ? "RGB" : "grey", " pixels of ", 8 * h.bytesPerSample(), " bits (", want,
                    " bytes from byte ", h.dataOffset, "), ", present, " present");
    if (present > want)
      fail<IOError>(in.where(), present - want, " trailing bytes after the raster, which ends at byte ",
                    h.dataOffset + want, " (trailing data is an error)");
  } else if (present < 2 * samples - 1) {  // each sample: a digit and a separator
    fail<IOError>(in.where(), "truncated at byte ", in.fileSize(), ": ", samples, " ASCII samples need at least ",
                  2 * samples - 1, " bytes from byte ", h.dataOffset, ", ", present, " present");
  }
  return h;
}

[[noreturn]] T7_COLD inline void failSample(const InputFile& in, index_t value, index_t at, int maxval) {
  fail<IOError>(in.where(), "sample ", value, " at byte ", at, " exceeds the maxval ", maxval);
}

/// Reads the raster of `h` into `dst`, contiguous [C x H x W].
template <class T>
void readPNMRaster(InputFile& in, const PNMHeader& h, T* dst) {
  const index_t c = h.channels, plane = h.width * h.height, n = plane * c;
  if (h.plain()) {
    for (index_t i = 0; i < n; ++i) {
      pnmSkip(in);
      const index_t at = in.offset();
      int ch = in.peek();
      if (ch == -1)
        fail<IOError>(in.where(), "truncated at byte ", at, ": ", n, " samples expected, ", i, " present");
      if (ch < '0' || ch > '9')
        fail<IOError>(in.where(), "bad sample at byte ", at, ": expected a decimal number, found ",
                      (ch >= 0x20 && ch < 0x7f) ? cat("'", char(ch), "'") : cat("byte ", ch));
      index_t v = 0;
      int digits = 0;
      while ((ch = in.peek()) >= '0' && ch <= '9') {
        in.get();
        if (++digits > 6)
          fail<IOError>(in.where(), "sample at byte ", at, " has more than 6 digits: it exceeds the maxval ", h.maxval);
        v = v * 10 + (ch - '0');
      }
      if (v > h.maxval) failSample(in, v, at, h.maxval);
      dst[(i % c) * plane + i / c] = static_cast<T>(v);
    }
    pnmSkip(in);
    if (in.peek() != -1)
      fail<IOError>(in.where(), "trailing data at byte ", in.offset(), " after the ", n,
                    " samples (trailing data is an error)");
    return;
  }
  const int bps = h.bytesPerSample();
  const index_t rowBytes = h.width * c * bps;
  std::vector<unsigned char> row(static_cast<std::size_t>(rowBytes));
  const bool check = h.maxval != (bps == 1 ? 255 : 65535);
  for (index_t y = 0; y < h.height; ++y) {
    const index_t start = in.offset();
    const std::size_t got = in.read(row.data(), row.size());
    if (index_t(got) < rowBytes)  // the file shrank since its size was checked
      fail<IOError>(in.where(), "truncated at byte ", start + index_t(got), ": row ", y, " needs ", rowBytes, " bytes");
    for (index_t x = 0; x < h.width; ++x)
      for (index_t k = 0; k < c; ++k) {
        const index_t i = (x * c + k) * bps;
        const unsigned v = bps == 1 ? row[std::size_t(i)] : (unsigned(row[std::size_t(i)]) << 8) | row[std::size_t(i) + 1];
        if (check && v > unsigned(h.maxval)) failSample(in, v, start + i, h.maxval);
        dst[k * plane + y * h.width + x] = static_cast<T>(v);
      }
  }
}

}  // namespace detail

inline PNMHeader readPNMHeader(const std::string& path, const PNMReadOptions& opts) {
  detail::InputFile in(path, "readPNMHeader");
  return detail::readPNMHeader(in, opts);
}

template <Element T>
Tensor<T> readPNM(const std::string& path, const PNMReadOptions& opts) {
  detail::InputFile in(path, "readPNM");
  const PNMHeader h = detail::readPNMHeader(in, opts);
  if constexpr (std::is_integral_v<T>)
    if (h.maxval > index_t(std::numeric_limits<T>::max()))
      detail::fail<TypeError>("readPNM: ", path, ": samples up to the maxval ", h.maxval, " do not fit torch.",
                              TypeName<T>::value, "Tensor (read 16-bit images as int32 or float)");
  Tensor<T> t(h.channels, h.height, h.width);
  detail::readPNMRaster(in, h, t.data());
  return t;
}

template <Element T>
void writePNM(const std::string& path, const Tensor<T>& image, const PNMWriteOptions& opts) {
  const int r = image.dim();
  if (!(r == 2 || (r == 3 && (image.size(0) == 1 || image.size(0) == 3))))
    detail::fail<ValueError>("writePNM: ", path, ": expected an image [H x W], [1 x H x W] or [3 x H x W], got ",
                             detail::bracketed(image.sizes()));
  const index_t c = r == 3 ? image.size(0) : 1, h = image.size(r - 2), w = image.size(r - 1);
  if (h < 1 || w < 1)
    detail::fail<ValueError>("writePNM: ", path, ": the image ", detail::bracketed(image.sizes()), " has no pixel");
  if (opts.maxval < 1 || opts.maxval > 65535)
    detail::fail<ValueError>("writePNM: ", path, ": maxval ", opts.maxval, " is outside 1..65535");
  const index_t sC = r == 3 ? image.stride(0) : 0, sH = image.stride(r - 2), sW = image.stride(r - 1);
  const T* base = image.data();
  const int type = (c == 3 ? 3 : 2) + (opts.plain ? 0 : 3);
  detail::AtomicFile out(path, "writePNM");
  const std::string header = detail::cat('P', type, '\n', w, ' ', h, '\n', opts.maxval, '\n');
  out.write(header.data(), header.size());
  const int bps = opts.maxval < 256 ? 1 : 2;
  std::string text;  // plain: one line of at most 70 characters at a time
  std::vector<unsigned char> row;
  row.reserve(static_cast<std::size_t>(w * c * bps));
  for (index_t y = 0; y < h; ++y) {
    row.clear();
    for (index_t x = 0; x < w; ++x)
      for (index_t k = 0; k < c; ++k) {
        const T v = base[k * sC + y * sH + x * sW];
        const double d = static_cast<double>(v);
        if (!(d >= 0 && d <= opts.maxval && d == static_cast<double>(static_cast<index_t>(d))))
          detail::fail<ValueError>("writePNM: ", path, ": value ", +v, " at [", k, "][", y, "][", x, "] of ",
                                   detail::bracketed(image.sizes()), " is not an integer in 0..", opts.maxval);
        const auto s = static_cast<unsigned>(d);
        if (opts.plain) {
          const std::string num = std::to_string(s);
          if (!text.empty() && text.size() + 1 + num.size() > 70) {
            text += '\n';
            out.write(text.data(), text.size());
            text.clear();
          }
          if (!text.empty()) text += ' ';
          text += num;
        } else if (bps == 1) {
          row.push_back(static_cast<unsigned char>(s));
        } else {
          row.push_back(static_cast<unsigned char>(s >> 8));
          row.push_back(static_cast<unsigned char>(s & 0xFF));
        }
      }
    if (opts.plain) {
      text += '\n';
      out.write(text.data(), text.size());
      text.clear();
    } else {
      out.write(row.data(), row.size());
    }
  }
  out.commit();
}

}  // namespace t7::data
