#pragma once
/// \file idx.hpp
/// The IDX file format of MNIST and Fashion-MNIST (Torch7's `mnist` package reads it into
/// tensors): `readIDX`, `writeIDX`, and `loadMNIST` for the four standard files.
///
/// An IDX file is: two zero bytes, a type byte (0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int,
/// 0x0D float, 0x0E double), a rank byte, `rank` big-endian uint32 sizes, then the elements,
/// big-endian, in row-major order. Files may be gzip-compressed (recognised by the bytes
/// 1f 8b, not by the name); that needs zlib (`T7_HAVE_ZLIB=1` and `-lz`, which the CMake
/// target sets up when zlib is found).
///
/// These readers load files from strangers: every check is on, nothing is allocated that
/// the file merely claims (see `IDXReadOptions`), and every failure throws `IOError` naming
/// the file, the byte offset and what is wrong.

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef T7_HAVE_ZLIB
#define T7_HAVE_ZLIB 0
#endif
#if T7_HAVE_ZLIB
#include <zlib.h>
#endif

#include "t7/core/dtype.hpp"
#include "t7/core/error.hpp"
#include "t7/core/shape.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::data {

/// The element type named by an IDX file's third byte.
enum class IDXType : std::uint8_t {
  UByte = 0x08,   ///< uint8_t  (ByteTensor)
  SByte = 0x09,   ///< int8_t   (CharTensor)
  Short = 0x0B,   ///< int16_t  (ShortTensor)
  Int = 0x0C,     ///< int32_t  (IntTensor)
  Float = 0x0D,   ///< float    (FloatTensor)
  Double = 0x0E,  ///< double   (DoubleTensor)
};

/// Bytes per element of `type` (1, 1, 2, 4, 4, 8).
constexpr int elementSize(IDXType type);
/// "ubyte", "sbyte", "short", "int", "float", "double".
constexpr const char* typeName(IDXType type);
/// The IDX type that holds T without loss: ubyte, sbyte, short, int, float, double; int64
/// (LongTensor) maps to int, since IDX has no 64-bit integer (writeIDX checks the range).
template <Element T>
constexpr IDXType idxTypeOf();

/// What an IDX header says.
struct IDXHeader {
  IDXType type = IDXType::UByte;
  Shape sizes;        ///< one entry per dimension, rank 1..kMaxDims
  bool gzip = false;  ///< the file is gzip-compressed
  /// Bytes of the header: 4 + 4 * rank.
  index_t headerBytes() const { return 4 + 4 * index_t(sizes.size()); }
};

/// Limits of readIDX, so that a hostile header cannot make it allocate or read without end.
struct IDXReadOptions {
  /// Largest element count accepted (default 2^31: 8 times the MNIST training images).
  index_t maxElements = index_t(1) << 31;
};

/// Reads and checks the header of an IDX file (raw or gzip) without reading the data.
IDXHeader readIDXHeader(const std::string& path);

/// Reads an IDX file (raw or gzip) into a new contiguous tensor with the file's sizes
/// (Torch7's `mnist` loaders; `torch.load` of the converted .t7 files).
/// The file's elements convert to T as `Tensor::copy` converts: `readIDX<float>` of a ubyte
/// file gives values 0..255 (not scaled to [0, 1]); floating values stored into an integer T
/// truncate toward zero and saturate, NaN becomes 0 (`t7::convert`).
/// Throws IOError naming the file and the byte offset for: a missing or unreadable file,
/// a bad magic, type byte or rank (1..kMaxDims), a header claiming more than
/// `opts.maxElements` elements, data shorter than the header promises (truncated), bytes
/// after the data (trailing data is an error), and corrupt or truncated gzip streams.
/// A raw file's size is checked before anything is allocated; a gzip file's data is
/// buffered as it decompresses, so memory grows only with bytes actually present (about
/// twice the data at the peak: the buffer and the tensor).
template <Element T = std::uint8_t>
Tensor<T> readIDX(const std::string& path, const IDXReadOptions& opts = {});

/// Writes `t` (any layout, rank 1..kMaxDims, each size < 2^32) as a raw big-endian IDX file
/// of type `idxTypeOf<T>()`. Atomic: the data goes to `path.tmp.XXXXXX` in the same folder,
/// is flushed and fsync'd, then renamed over `path`; on any failure the temporary is
/// removed and `path` is left as it was. A LongTensor is written as int (ValueError when a
/// value does not fit int32).
template <Element T>
void writeIDX(const std::string& path, const Tensor<T>& t);
/// The same, with the file's element type chosen: each value must be representable
/// (integer types: an integer within the type's range; float: finite doubles within
/// float's range, rounded to nearest), ValueError naming the element otherwise. E.g.
/// MNIST labels: `writeIDX(path, labels, IDXType::UByte)`.
template <Element T>
void writeIDX(const std::string& path, const Tensor<T>& t, IDXType type);

// ---- MNIST --------------------------------------------------------------------------

/// Which half of MNIST: the 60000 training or the 10000 test examples.
enum class Split { Train, Test };

/// One split of MNIST (or Fashion-MNIST, KMNIST: the same files).
struct MNIST {
  ByteTensor images;  ///< N x rows x cols (N x 28 x 28), pixels 0..255
  LongTensor labels;  ///< N, 0-based classes 0..9 (Torch7's mnist gives 1..10)
  /// Number of examples.
  index_t size() const { return labels.dim() == 0 ? 0 : labels.size(0); }
  /// The first n examples (views of these tensors); all of them when n >= size().
  MNIST head(index_t n) const {
    if (n < 0) t7::detail::fail<ValueError>("MNIST::head: ", n, " examples (needs a count >= 0)");
    n = std::min(n, size());
    return {images.narrow(0, 0, n), labels.narrow(0, 0, n)};
  }
};

/// Loads the standard files of a split from `dir`: `train-images-idx3-ubyte` and
/// `train-labels-idx1-ubyte` (Split::Train) or `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte` (Split::Test), each tried plain first, then with `.gz`
/// (Torch7's `mnist.traindataset()` / `mnist.testdataset()`). Throws IOError naming the
/// file when one is missing, is not ubyte, has the wrong rank (3 for images, 1 for
/// labels), when the counts differ or a label is not in 0..9.
MNIST loadMNIST(const std::string& dir, Split split);

/// Where Debian's package `dataset-fashion-mnist` installs the four gzip files.
inline constexpr const char* kFashionMNISTDebianDir = "/usr/share/datasets/fashion-mnist";

/// The folder of Fashion-MNIST: `$T7_DATA_DIR/fashion-mnist` when the environment variable
/// is set and that folder holds the four files, else `/usr/share/datasets/fashion-mnist`
/// (Debian's `dataset-fashion-mnist`) when it holds them, else nothing. Files count plain,
/// or gzip when this build has zlib (Debian's are gzip: a build without zlib finds none).
std::optional<std::string> findFashionMNIST();
/// The folder of the MNIST digits: `$T7_DATA_DIR/mnist` when it holds the four files, else
/// `/usr/share/datasets/mnist` when it does (no Debian package installs it today), else
/// nothing.
std::optional<std::string> findMNIST();

// =====================================================================================
// Definitions
// =====================================================================================

constexpr int elementSize(IDXType type) {
  switch (type) {
    case IDXType::UByte:
    case IDXType::SByte: return 1;
    case IDXType::Short: return 2;
    case IDXType::Int:
    case IDXType::Float: return 4;
    case IDXType::Double: return 8;
  }
  return 0;
}

constexpr const char* typeName(IDXType type) {
  switch (type) {
    case IDXType::UByte: return "ubyte";
    case IDXType::SByte: return "sbyte";
    case IDXType::Short: return "short";
    case IDXType::Int: return "int";
    case IDXType::Float: return "float";
    case IDXType::Double: return "double";
  }
  return "?";
}

template <Element T>
constexpr IDXType idxTypeOf() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return IDXType::UByte;
  else if constexpr (std::is_same_v<T, std::int8_t>) return IDXType::SByte;
  else if constexpr (std::is_same_v<T, std::int16_t>) return IDXType::Short;
  else if constexpr (std::is_same_v<T, float>) return IDXType::Float;
  else if constexpr (std::is_same_v<T, double>) return IDXType::Double;
  else return IDXType::Int;  // int32, and int64 (range-checked on write)
}

namespace detail {

using t7::detail::bracketed;
using t7::detail::cat;
using t7::detail::fail;
using t7::detail::mulOverflows;
using t7::detail::stridedLoop;

/// Visits the C++ type stored by an IDX type: `f(std::type_identity<int16_t>{})`.
template <class F>
decltype(auto) visitIDXType(IDXType type, F&& f) {
  switch (type) {
    case IDXType::UByte: return f(std::type_identity<std::uint8_t>{});
    case IDXType::SByte: return f(std::type_identity<std::int8_t>{});
    case IDXType::Short: return f(std::type_identity<std::int16_t>{});
    case IDXType::Int: return f(std::type_identity<std::int32_t>{});
    case IDXType::Float: return f(std::type_identity<float>{});
    case IDXType::Double: break;
  }
  return f(std::type_identity<double>{});
}

/// The unsigned integer of the same size as U.
template <class U>
using BitsOf = std::conditional_t<sizeof(U) == 1, std::uint8_t,
               std::conditional_t<sizeof(U) == 2, std::uint16_t,
               std::conditional_t<sizeof(U) == 4, std::uint32_t, std::uint64_t>>>;

/// A big-endian U at `p`.
template <class U>
inline U loadBE(const unsigned char* p) {
  BitsOf<U> b = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i) b = static_cast<BitsOf<U>>((b << 8) | p[i]);
  return std::bit_cast<U>(b);
}

/// Stores U big-endian at `p`.
template <class U>
inline void storeBE(U v, unsigned char* p) {
  auto b = std::bit_cast<BitsOf<U>>(v);
  for (std::size_t i = sizeof(U); i-- > 0;) {
    p[i] = static_cast<unsigned char>(b & 0xFF);
    b = static_cast<BitsOf<U>>(b >> 8);
  }
}

/// Decodes `n` big-endian elements of `type` at `src` into `dst`, converting to T.
template <class T>
void decodeIDX(IDXType type, const unsigned char* src, index_t n, T* dst) {
  visitIDXType(type, [&]<class U>(std::type_identity<U>) {
    for (index_t i = 0; i < n; ++i) dst[i] = convert<T>(loadBE<U>(src + i * index_t(sizeof(U))));
  });
}

/// True when `x` (of type T) converts to U without leaving U's range or, for integer U,
/// losing a fraction. Doubles written as float may round.
template <class U, class T>
bool representableAs(T x) {
  if constexpr (std::is_same_v<U, T> || std::is_same_v<U, double>) {
    return true;
  } else if constexpr (std::is_floating_point_v<U>) {  // float from double or an integer
    if constexpr (std::is_floating_point_v<T>)
      return !std::isfinite(x) || std::fabs(x) <= double(std::numeric_limits<float>::max());
    else
      return true;
  } else if constexpr (std::is_floating_point_v<T>) {  // integer from floating
    return std::isfinite(x) && std::trunc(x) == x && x >= double(std::numeric_limits<U>::lowest()) &&
           x <= double(std::numeric_limits<U>::max());
  } else {
    return std::in_range<U>(x);
  }
}

/// Throws IOError with the message made of `args` and the text of `err` (an errno value,
/// taken before anything else can change errno).
template <class... A>
[[noreturn]] T7_COLD void failErrno(int err, const A&... args) {
  fail<IOError>(args..., ": ", std::strerror(err));
}

/// A file being read: raw (POSIX reads) or gzip (zlib), told apart by the first two bytes.
class IDXInput {
 public:
  IDXInput(const std::string& path, const char* op);
  ~IDXInput() { close(); }
  IDXInput(const IDXInput&) = delete;
  IDXInput& operator=(const IDXInput&) = delete;

  /// Reads up to `n` bytes; fewer only at the end of the data. Throws IOError on a read
  /// error or corrupt compressed data.
  std::size_t read(void* dst, std::size_t n);
  bool gzip() const { return gz_ != nullptr; }
  /// Size of the file on disk.
  index_t fileSize() const { return fileSize_; }
  /// Bytes of (decompressed) data delivered so far.
  index_t offset() const { return offset_; }
  /// True after a gzip stream ended before its end marker (a truncated .gz file).
  bool gzipCut() const { return gzipCut_; }
  /// "foo.idx: " and, for gzip files, where offsets count.
  std::string where() const { return cat(op_, ": ", path_, ": "); }
  const char* unit() const { return gzip() ? " of the decompressed data" : ""; }

 private:
  void close();

  std::string path_;
  const char* op_;
  int fd_ = -1;
  void* gz_ = nullptr;  // gzFile when compressed
  index_t fileSize_ = 0;
  index_t offset_ = 0;
  bool gzipCut_ = false;
};

inline IDXInput::IDXInput(const std::string& path, const char* op) : path_(path), op_(op) {
  do fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) failErrno(errno, op, ": ", path, ": cannot open");
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int e = errno;
    close();
    failErrno(e, op, ": ", path, ": cannot stat");
  }
  if (!S_ISREG(st.st_mode)) {
    close();
    fail<IOError>(op, ": ", path, ": not a regular file");
  }
  fileSize_ = st.st_size;
  unsigned char magic[2] = {0, 0};
  const bool isGzip = fileSize_ >= 2 && ::pread(fd_, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (!isGzip) return;
#if T7_HAVE_ZLIB
  gz_ = gzdopen(fd_, "rb");  // takes the descriptor; reads from offset 0 (pread moved nothing)
  if (!gz_) {
    close();
    fail<IOError>(op, ": ", path, ": cannot start reading the gzip stream (out of memory)");
  }
  fd_ = -1;
  gzbuffer(static_cast<gzFile>(gz_), 1 << 17);
#else
  close();
  fail<IOError>(op, ": ", path, ": is gzip-compressed, but t7 was built without zlib (define T7_HAVE_ZLIB=1 and link -lz, "
                "or gunzip the file)");
#endif
}

inline void IDXInput::close() {
#if T7_HAVE_ZLIB
  if (gz_) gzclose(static_cast<gzFile>(gz_));
#endif
  gz_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

inline std::size_t IDXInput::read(void* dst, std::size_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  std::size_t got = 0;
  while (got < n) {
    const std::size_t want = std::min<std::size_t>(n - got, std::size_t(1) << 24);
#if T7_HAVE_ZLIB
    if (gz_) {
      auto* gz = static_cast<gzFile>(gz_);
      const int r = gzread(gz, out + got, static_cast<unsigned>(want));
      int err = Z_OK;
      const char* msg = gzerror(gz, &err);
      if (r < 0 || (err != Z_OK && err != Z_BUF_ERROR))
        fail<IOError>(where(), "corrupt gzip data after byte ", offset_ + index_t(got), unit(), ": ",
                      msg ? msg : "zlib error");
      got += static_cast<std::size_t>(r);
      if (r == 0 || err == Z_BUF_ERROR) {  // end of the data, or a stream cut short
        gzipCut_ = gzipCut_ || err == Z_BUF_ERROR;
        if (r == 0) break;
      }
      continue;
    }
#endif
    const ssize_t r = ::read(fd_, out + got, want);
    if (r < 0) {
      const int e = errno;
      if (e == EINTR) continue;
      failErrno(e, where(), "read error at byte ", offset_ + index_t(got));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  offset_ += index_t(got);
  return got;
}

/// Reads and checks the header; `in` is left at the first data byte.
inline IDXHeader readHeader(IDXInput& in, const IDXReadOptions& opts) {
  IDXHeader h;
  h.gzip = in.gzip();
  unsigned char m[4] = {0, 0, 0, 0};
  const std::size_t got = in.read(m, 4);
  auto hex = [](unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, "%02x", v & 0xFFu);
    return std::string(b);
  };
  if ((got >= 1 && m[0] != 0) || (got >= 2 && m[1] != 0)) {
    std::string found;
    for (std::size_t i = 0; i < got; ++i) {
      if (i) found += ' ';
      found += hex(m[i]);
    }
    fail<IOError>(in.where(), "bad magic at byte 0: expected 00 00 <type> <rank>, found ", found,
                  " (not an IDX file)");
  }
  const char* cut = " (the gzip stream is cut short)";
  if (got < 4)
    fail<IOError>(in.where(), "truncated header at byte ", got, in.unit(), ": the IDX magic needs 4 bytes, ", got,
                  " present", in.gzipCut() ? cut : "");
  const unsigned t = m[2];
  if (t != 0x08 && t != 0x09 && t != 0x0B && t != 0x0C && t != 0x0D && t != 0x0E)
    fail<IOError>(in.where(), "bad type byte 0x", hex(t), " at byte 2: expected 0x08 (ubyte), 0x09 (sbyte), ",
                  "0x0B (short), 0x0C (int), 0x0D (float) or 0x0E (double)");
  h.type = static_cast<IDXType>(t);
  const int rank = m[3];
  if (rank < 1 || rank > kMaxDims)
    fail<IOError>(in.where(), "bad rank ", rank, " at byte 3: expected 1..", kMaxDims);
  unsigned char d[4 * kMaxDims];
  const std::size_t dimBytes = std::size_t(4) * rank;
  const std::size_t gotDims = in.read(d, dimBytes);
  if (gotDims < dimBytes)
    fail<IOError>(in.where(), "truncated header at byte ", 4 + gotDims, in.unit(), ": rank ", rank, " needs ",
                  4 + dimBytes, " header bytes, ", 4 + gotDims, " present", in.gzipCut() ? cut : "");
  h.sizes.resize(rank);
  bool anyZero = false;
  for (int i = 0; i < rank; ++i) {
    h.sizes[i] = loadBE<std::uint32_t>(d + 4 * i);
    anyZero = anyZero || h.sizes[i] == 0;
    if (h.sizes[i] > opts.maxElements)
      fail<IOError>(in.where(), "size ", h.sizes[i], " of dimension ", i, " (at byte ", 4 + 4 * i,
                    ") exceeds the element limit ", opts.maxElements, " (IDXReadOptions::maxElements)");
  }
  if (!anyZero) {
    index_t n = 1;
    for (int i = 0; i < rank; ++i)
      if (mulOverflows(n, h.sizes[i], n) || n > opts.maxElements)
        fail<IOError>(in.where(), "header at bytes 4..", h.headerBytes() - 1, " claims ", h.sizes.toString(),
                      " elements, more than the limit ", opts.maxElements, " (IDXReadOptions::maxElements)");
  }
  return h;
}

/// Bytes of data the header promises (checked against overflow).
inline index_t dataBytes(const IDXInput& in, const IDXHeader& h) {
  index_t n = h.sizes.product();
  if (mulOverflows(n, index_t(elementSize(h.type)), n))
    fail<IOError>(in.where(), "header claims ", h.sizes.toString(), " ", typeName(h.type),
                  " elements, whose byte count overflows int64");
  return n;
}

[[noreturn]] T7_COLD inline void failTruncated(const IDXInput& in, const IDXHeader& h, index_t want, index_t present) {
  fail<IOError>(in.where(), "truncated at byte ", h.headerBytes() + present, in.unit(), ": header promises ",
                h.sizes.toString(), " ", typeName(h.type), " (", want, " bytes), ", present, " present",
                in.gzipCut() ? " (the gzip stream is cut short)" : "");
}

/// After the data: no byte may follow, and a gzip stream must end cleanly.
inline void checkEnd(IDXInput& in, const IDXHeader& h, index_t want) {
  const index_t end = h.headerBytes() + want;
  if (!in.gzip() && in.fileSize() > end)
    fail<IOError>(in.where(), in.fileSize() - end, " trailing bytes after the data, which ends at byte ", end,
                  " (trailing data is an error)");
  unsigned char extra;
  if (in.read(&extra, 1) != 0)
    fail<IOError>(in.where(), "trailing data after byte ", end, in.unit(),
                  ", where the data ends (trailing data is an error)");
  if (in.gzipCut())
    fail<IOError>(in.where(), "the gzip stream is cut short after byte ", end, in.unit(),
                  " (truncated .gz file: its end marker is missing)");
}

/// An output file that appears at its path only when committed (temporary + fsync + rename).
class AtomicFile {
 public:
  AtomicFile(const std::string& path, const char* op);
  ~AtomicFile() { discard(); }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Writes all `n` bytes or throws IOError.
  void write(const void* src, std::size_t n);
  /// Flushes to disk and renames over the target.
  void commit();

 private:
  void discard() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
    tmp_.clear();
  }
  /// The mode a new file gets from open(0666): 0666 less the umask (read from /proc, since
  /// umask() would change it for every thread); an existing target keeps its mode.
  mode_t targetMode() const;

  std::string path_, tmp_;
  const char* op_;
  int fd_ = -1;
};

inline AtomicFile::AtomicFile(const std::string& path, const char* op) : path_(path), op_(op) {
  std::string tmpl = path + ".tmp.XXXXXX";
  fd_ = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd_ < 0)
    failErrno(errno, op, ": ", path, ": cannot create the temporary file ", path, ".tmp.XXXXXX");
  tmp_ = tmpl;
}

inline void AtomicFile::write(const void* src, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(src);
  while (n > 0) {
    const ssize_t r = ::write(fd_, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      failErrno(errno, op_, ": ", path_, ": write error on ", tmp_);
    }
    p += r;
    n -= static_cast<std::size_t>(r);
  }
}

inline mode_t AtomicFile::targetMode() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) return st.st_mode & 07777;
  mode_t mask = 022;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Umask:", 0) == 0) {
      mask = static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
      break;
    }
  return 0666 & ~mask;
}

inline void AtomicFile::commit() {
  if (::fchmod(fd_, targetMode()) != 0 || ::fsync(fd_) != 0)
    failErrno(errno, op_, ": ", path_, ": cannot flush ", tmp_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) failErrno(errno, op_, ": ", path_, ": cannot close ", tmp_);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    failErrno(errno, op_, ": ", path_, ": cannot rename ", tmp_, " into place");
  tmp_.clear();
  // Make the rename itself durable (best effort: some file systems refuse fsync on folders).
  std::string dir = std::filesystem::path(path_).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

/// `dir/name` if it is a file, else `dir/name.gz` if that is (and `gz`), else empty.
inline std::string findPlainOrGz(const std::string& dir, const std::string& name, bool gz = true) {
  std::error_code ec;
  const auto plain = std::filesystem::path(dir) / name;
  if (std::filesystem::is_regular_file(plain, ec)) return plain.string();
  const auto gzPath = std::filesystem::path(dir) / (name + ".gz");
  if (gz && std::filesystem::is_regular_file(gzPath, ec)) return gzPath.string();
  return {};
}

/// True when `dir` holds the four MNIST files, each plain or, when this build can read
/// them (zlib), .gz.
inline bool hasMNISTFiles(const std::string& dir) {
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                        "t10k-labels-idx1-ubyte"})
    if (findPlainOrGz(dir, f, T7_HAVE_ZLIB).empty()) return false;
  return true;
}

/// `$T7_DATA_DIR/name`, then `/usr/share/datasets/name`, if it holds the MNIST files.
inline std::optional<std::string> findMNISTLike(const char* name) {
  if (const char* env = std::getenv("T7_DATA_DIR"); env && *env) {
    const std::string d = (std::filesystem::path(env) / name).string();
    if (hasMNISTFiles(d)) return d;
  }
  const std::string d = std::string("/usr/share/datasets/") + name;
  if (hasMNISTFiles(d)) return d;
  return std::nullopt;
}

}  // namespace detail

inline IDXHeader readIDXHeader(const std::string& path) {
  detail::IDXInput in(path, "readIDXHeader");
  return detail::readHeader(in, IDXReadOptions{});
}

template <Element T>
Tensor<T> readIDX(const std::string& path, const IDXReadOptions& opts) {
  detail::IDXInput in(path, "readIDX");
  const IDXHeader h = detail::readHeader(in, opts);
  const index_t want = detail::dataBytes(in, h);
  const index_t esize = elementSize(h.type);
  if (!in.gzip()) {
    // Raw: the file size tells what is present before anything is allocated.
    const index_t present = in.fileSize() - h.headerBytes();
    if (present < want) detail::failTruncated(in, h, want, present);
    if (present > want) detail::checkEnd(in, h, want);  // throws: trailing bytes
    Tensor<T> t(h.sizes);
    T* dst = t.data();
    std::vector<unsigned char> buf(std::size_t(std::min<index_t>(want, index_t(1) << 16)));
    const index_t chunk = std::max<index_t>(1, index_t(buf.size()) / esize);
    for (index_t done = 0, n = t.nElement(); done < n;) {
      const index_t k = std::min(chunk, n - done);
      const std::size_t got = in.read(buf.data(), std::size_t(k * esize));
      if (index_t(got) < k * esize) detail::failTruncated(in, h, want, done * esize + index_t(got));  // shrank
      detail::decodeIDX(h.type, buf.data(), k, dst + done);
      done += k;
    }
    detail::checkEnd(in, h, want);  // (the file may have grown meanwhile)
    return t;
  }
  // Gzip: the decompressed size is unknown until the stream ends, so the buffer grows with
  // the bytes that actually arrive, never to what the header merely claims.
  std::vector<unsigned char> buf;
  index_t have = 0;
  while (have < want) {
    if (have == index_t(buf.size()))
      buf.resize(std::size_t(std::min<index_t>(want, std::max<index_t>(2 * have, index_t(1) << 20))));
    const std::size_t got = in.read(buf.data() + have, std::size_t(index_t(buf.size()) - have));
    if (got == 0) detail::failTruncated(in, h, want, have);
    have += index_t(got);
  }
  detail::checkEnd(in, h, want);
  Tensor<T> t(h.sizes);
  if (t.nElement() > 0) detail::decodeIDX(h.type, buf.data(), t.nElement(), t.data());
  return t;
}

template <Element T>
void writeIDX(const std::string& path, const Tensor<T>& t) {
  writeIDX(path, t, idxTypeOf<T>());
}

template <Element T>
void writeIDX(const std::string& path, const Tensor<T>& t, IDXType type) {
  const unsigned tb = static_cast<unsigned>(type);
  if (tb != 0x08 && tb != 0x09 && tb != 0x0B && tb != 0x0C && tb != 0x0D && tb != 0x0E)
    detail::fail<ValueError>("writeIDX: ", path, ": bad IDX type byte ", tb);
  if (t.dim() < 1)
    detail::fail<ValueError>("writeIDX: ", path, ": a tensor with no dimension cannot be written (IDX rank is 1..",
                             kMaxDims, ")");
  for (int d = 0; d < t.dim(); ++d)
    if (t.size(d) > index_t(std::numeric_limits<std::uint32_t>::max()))
      detail::fail<ValueError>("writeIDX: ", path, ": size ", t.size(d), " of dimension ", d, " in ",
                               detail::bracketed(t.sizes()), " does not fit IDX's uint32 sizes");
  detail::AtomicFile out(path, "writeIDX");
  std::vector<unsigned char> buf(std::size_t(4) + 4 * std::size_t(t.dim()));
  buf[2] = static_cast<unsigned char>(tb);
  buf[3] = static_cast<unsigned char>(t.dim());
  for (int d = 0; d < t.dim(); ++d) detail::storeBE(static_cast<std::uint32_t>(t.size(d)), buf.data() + 4 + 4 * d);
  out.write(buf.data(), buf.size());
  detail::visitIDXType(type, [&]<class U>(std::type_identity<U>) {
    constexpr std::size_t kChunk = std::size_t(1) << 16;
    buf.assign(kChunk * sizeof(U), 0);
    std::size_t used = 0;
    index_t index = 0;  // row-major element number, for messages
    const T* base = t.data();
    detail::stridedLoop<1>(t.sizes(), {&t.strides()}, [&](index_t n, const auto& off, const auto& st) {
      const T* x = base + off[0];
      for (index_t i = 0; i < n; ++i, ++index) {
        const T v = x[i * st[0]];
        if (!detail::representableAs<U>(v))
          detail::fail<ValueError>("writeIDX: ", path, ": value ", +v, " at element ", index, " of ",
                                   detail::bracketed(t.sizes()), " does not fit the IDX type ", typeName(type));
        detail::storeBE(static_cast<U>(v), buf.data() + used * sizeof(U));
        if (++used == kChunk) {
          out.write(buf.data(), used * sizeof(U));
          used = 0;
        }
      }
    });
    out.write(buf.data(), used * sizeof(U));
  });
  out.commit();
}

inline MNIST loadMNIST(const std::string& dir, Split split) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  auto locate = [&](const std::string& name) {
    std::string p = detail::findPlainOrGz(dir, name);
    if (p.empty()) {
      const std::string base = (std::filesystem::path(dir) / name).string();
      detail::fail<IOError>("loadMNIST: ", base, ": missing (neither ", base, " nor ", base, ".gz exists)");
    }
    return p;
  };
  const std::string imagesPath = locate(prefix + "-images-idx3-ubyte");
  const std::string labelsPath = locate(prefix + "-labels-idx1-ubyte");
  auto expect = [](const std::string& p, int rank, const char* what) {
    const IDXHeader h = readIDXHeader(p);
    if (h.type != IDXType::UByte || h.sizes.size() != rank)
      detail::fail<IOError>("loadMNIST: ", p, ": expected ", what, " (ubyte, rank ", rank, "), found ",
                            typeName(h.type), " of size ", detail::bracketed(h.sizes));
  };
  expect(imagesPath, 3, "images");
  expect(labelsPath, 1, "labels");
  MNIST m;
  m.images = readIDX<std::uint8_t>(imagesPath);
  const ByteTensor labels = readIDX<std::uint8_t>(labelsPath);
  if (m.images.size(0) != labels.size(0))
    detail::fail<IOError>("loadMNIST: ", imagesPath, " has ", m.images.size(0), " images but ", labelsPath, " has ",
                          labels.size(0), " labels");
  const std::uint8_t* l = labels.data();
  for (index_t i = 0; i < labels.size(0); ++i)
    if (l[i] >= 10)
      detail::fail<IOError>("loadMNIST: ", labelsPath, ": label ", int(l[i]), " of example ", i,
                            " (at byte ", 8 + i, ") is not a class 0..9");
  m.labels = labels.toLong();
  return m;
}

inline std::optional<std::string> findFashionMNIST() { return detail::findMNISTLike("fashion-mnist"); }

inline std::optional<std::string> findMNIST() { return detail::findMNISTLike("mnist"); }

}  // namespace t7::data
