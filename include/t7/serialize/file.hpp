#pragma once
/// \file file.hpp
/// The primitives of Torch7's File class (`torch/torch7:lib/TH/THDiskFile.c`): ints, longs,
/// floats, doubles and raw bytes, in binary (either byte order, 4- or 8-byte longs) or in
/// ascii (numbers as text, one call per line). `Input` reads from bytes in memory, so every
/// count read from a file is checked against the bytes that remain before anything is
/// allocated; every error names the byte offset.

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "t7/core/error.hpp"

namespace t7::serialize {

/// Torch7's two file modes: `binary` (torch.save's default) and `ascii`.
enum class Format { Binary, Ascii };
/// The byte order of a binary file (Torch7 wrote the host's: little-endian in practice).
enum class ByteOrder { Little, Big };

/// How a file is written or read (Torch7's `file:binary()`, `:ascii()`, `:bigEndianEncoding()`,
/// `:longSize(4|8)`, `:referenced(bool)`).
struct Options {
  Format format = Format::Binary;
  ByteOrder byteOrder = ByteOrder::Little;
  /// Bytes of a C `long` in the file: 8 (64-bit Linux and macOS) or 4 (Windows, 32-bit builds).
  int longSize = 8;
  /// Write a table or object met twice once, and refer back to it (Torch7's default).
  bool referenced = true;
};

namespace detail {

template <class X>
X byteSwap(X x) {
  unsigned char b[sizeof(X)];
  std::memcpy(b, &x, sizeof(X));
  for (std::size_t i = 0; i < sizeof(X) / 2; ++i) std::swap(b[i], b[sizeof(X) - 1 - i]);
  std::memcpy(&x, b, sizeof(X));
  return x;
}

/// IEEE half (binary16) to float: torch.HalfTensor's elements.
inline float halfToFloat(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1f;
  const std::uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    const float f = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -f : f;
  }
  std::uint32_t bits = exp == 31 ? (sign | 0x7f800000u | (mant << 13)) : (sign | ((exp + 112) << 23) | (mant << 13));
  return std::bit_cast<float>(bits);
}

}  // namespace detail

/// Reads Torch7's primitives from bytes in memory.
class Input {
 public:
  Input(std::string_view bytes, const Options& options) : s_(bytes), o_(options) {
    if (o_.longSize != 4 && o_.longSize != 8) t7::detail::fail<ValueError>("load: longSize must be 4 or 8, not ", o_.longSize);
  }

  const Options& options() const { return o_; }
  std::size_t position() const { return p_; }
  std::size_t remaining() const { return s_.size() - p_; }
  bool atEnd() {
    if (o_.format == Format::Ascii) skipSpace();
    return p_ >= s_.size();
  }

  /// Throws IOError "load: <message> at byte N".
  template <class... Args>
  [[noreturn]] void fail(const Args&... args) const {
    t7::detail::fail<IOError>("load: ", args..., " (at byte ", p_, ")");
  }

  std::int32_t readInt() { return readNumber<std::int32_t>(); }
  /// A C `long` of the file's width, as int64.
  std::int64_t readLong() {
    if (o_.format == Format::Ascii) return readNumber<std::int64_t>();
    if (o_.longSize == 8) return readNumber<std::int64_t>();
    return readNumber<std::int32_t>();
  }
  double readDouble() { return readNumber<double>(); }

  /// `n` elements of type X (one Torch7 call, e.g. a storage's data) into dst.
  template <class X>
  void readArray(X* dst, std::size_t n) {
    if (n == 0) return;
    if constexpr (sizeof(X) == 1) {
      readRaw(dst, n);
    } else if (o_.format == Format::Ascii) {
      for (std::size_t i = 0; i < n; ++i) dst[i] = token<X>();
      endLine();
    } else {
      need(n * sizeof(X), "array");
      std::memcpy(dst, s_.data() + p_, n * sizeof(X));
      p_ += n * sizeof(X);
      if (swap())
        for (std::size_t i = 0; i < n; ++i) dst[i] = detail::byteSwap(dst[i]);
    }
  }
  /// `n` longs of the file's width into int64s.
  void readLongs(std::int64_t* dst, std::size_t n) {
    if (o_.format == Format::Binary && o_.longSize == 4) {
      for (std::size_t i = 0; i < n; ++i) dst[i] = readBinary<std::int32_t>();
    } else {
      readArray(dst, n);
    }
  }
  /// `n` raw bytes (strings, char and byte storages): raw in both modes, then in ascii one
  /// optional newline.
  template <class X>
  void readRaw(X* dst, std::size_t n) {
    static_assert(sizeof(X) == 1);
    if (n == 0) return;
    need(n, "bytes");
    std::memcpy(dst, s_.data() + p_, n);
    p_ += n;
    if (o_.format == Format::Ascii) endLine();
  }
  std::string readString(std::size_t n) {
    if (n > remaining()) fail("a string of ", n, " bytes, but only ", remaining(), " remain");
    std::string r(n, '\0');
    readRaw(r.data(), n);
    return r;
  }
  /// The least number of bytes an element of X takes in this file (bounds counts before
  /// allocating): its size in binary, 1 digit in ascii.
  template <class X>
  std::size_t minBytes() const {
    if (o_.format == Format::Ascii) return 1;
    return sizeof(X);
  }
  std::size_t minLongBytes() const { return o_.format == Format::Ascii ? 1 : static_cast<std::size_t>(o_.longSize); }

 private:
  bool swap() const { return (o_.byteOrder == ByteOrder::Big) != (std::endian::native == std::endian::big); }

  void need(std::size_t n, const char* what) const {
    if (n > remaining()) fail("truncated file: ", what, " of ", n, " bytes, but only ", remaining(), " remain");
  }

  template <class X>
  X readBinary() {
    need(sizeof(X), "a number");
    X x;
    std::memcpy(&x, s_.data() + p_, sizeof(X));
    p_ += sizeof(X);
    return swap() ? detail::byteSwap(x) : x;
  }

  template <class X>
  X readNumber() {
    if (o_.format == Format::Binary) return readBinary<X>();
    X x = token<X>();
    endLine();
    return x;
  }

  void skipSpace() {
    while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
  }
  /// Torch7's ascii reads consume one newline after each call's numbers.
  void endLine() {
    if (p_ < s_.size() && s_[p_] == '\n') ++p_;
  }

  /// One whitespace-separated number (scanf's %d, %ld, %g).
  template <class X>
  X token() {
    skipSpace();
    const std::size_t start = p_;
    while (p_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
    const std::string_view t = s_.substr(start, p_ - start);
    if (t.empty()) fail("truncated file: expected a number");
    if constexpr (std::is_floating_point_v<X>) {
      // strtod understands inf, -inf, nan and -nan as printf writes them; copy to be terminated.
      if (t.size() > 64) failToken(t);
      char buf[72];
      std::memcpy(buf, t.data(), t.size());
      buf[t.size()] = '\0';
      char* end = nullptr;
      const double d = std::strtod(buf, &end);
      if (end != buf + t.size()) failToken(t);
      return static_cast<X>(d);
    } else {
      X x{};
      const char* b = t.data();
      if (*b == '+') ++b;
      auto [ptr, ec] = std::from_chars(b, t.data() + t.size(), x);
      if (ec != std::errc() || ptr != t.data() + t.size()) failToken(t);
      return x;
    }
  }
  [[noreturn]] void failToken(std::string_view t) const {
    fail("'", t.substr(0, 32), t.size() > 32 ? "..." : "", "' is not a number");
  }

  std::string_view s_;
  Options o_;
  std::size_t p_ = 0;
};

/// Writes Torch7's primitives into a byte string.
class Output {
 public:
  explicit Output(const Options& options) : o_(options) {
    if (o_.longSize != 4 && o_.longSize != 8)
      t7::detail::fail<ValueError>("save: longSize must be 4 or 8, not ", o_.longSize);
  }
  const Options& options() const { return o_; }
  std::string& bytes() { return out_; }

  void writeInt(std::int32_t x) { writeArray(&x, 1); }
  void writeLong(std::int64_t x) { writeLongs(&x, 1); }
  void writeDouble(double x) { writeArray(&x, 1); }

  template <class X>
  void writeArray(const X* src, std::size_t n) {
    if (n == 0) return;
    if constexpr (sizeof(X) == 1) {
      writeRaw(src, n);
    } else if (o_.format == Format::Ascii) {
      for (std::size_t i = 0; i < n; ++i) {
        if (i) out_ += ' ';
        text(src[i]);
      }
      out_ += '\n';
    } else if (!swap()) {
      out_.append(reinterpret_cast<const char*>(src), n * sizeof(X));
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        const X y = detail::byteSwap(src[i]);
        out_.append(reinterpret_cast<const char*>(&y), sizeof(X));
      }
    }
  }
  void writeLongs(const std::int64_t* src, std::size_t n) {
    if (o_.format == Format::Binary && o_.longSize == 4) {
      for (std::size_t i = 0; i < n; ++i) {
        if (src[i] < std::numeric_limits<std::int32_t>::min() || src[i] > std::numeric_limits<std::int32_t>::max())
          t7::detail::fail<ValueError>("save: ", src[i], " does not fit a 4-byte long");
        const auto y = static_cast<std::int32_t>(src[i]);
        writeArray(&y, 1);
      }
    } else {
      writeArray(src, n);
    }
  }
  template <class X>
  void writeRaw(const X* src, std::size_t n) {
    static_assert(sizeof(X) == 1);
    if (n == 0) return;
    out_.append(reinterpret_cast<const char*>(src), n);
    if (o_.format == Format::Ascii) out_ += '\n';
  }
  void writeString(std::string_view s) {
    writeInt(static_cast<std::int32_t>(s.size()));
    writeRaw(s.data(), s.size());
  }

 private:
  bool swap() const { return (o_.byteOrder == ByteOrder::Big) != (std::endian::native == std::endian::big); }

  /// printf's formats of THDiskFile: %d, %ld, %hd, %.9g (float), %.17g (double).
  template <class X>
  void text(X x) {
    char buf[40];
    int n = 0;
    if constexpr (std::is_same_v<X, float>) {
      n = std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(x));
    } else if constexpr (std::is_same_v<X, double>) {
      n = std::snprintf(buf, sizeof buf, "%.17g", x);
    } else {
      n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
    }
    out_.append(buf, static_cast<std::size_t>(n));
  }

  Options o_;
  std::string out_;
};

}  // namespace t7::serialize
