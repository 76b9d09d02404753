#pragma once
/// \file dataset.hpp
/// `LabeledImages`, what the CIFAR, GTSRB and image-folder loaders return (Torch7's dataset
/// tables `{data = ..., labels = ...}`), and the file reader they share.

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t7/core/error.hpp"
#include "t7/data/idx.hpp"  // Split, detail::failErrno, detail::AtomicFile
#include "t7/tensor/tensor.hpp"

namespace t7::data {

/// A labelled image dataset (Torch7's `{data = ..., labels = ...}` tables).
struct LabeledImages {
  ByteTensor images;                 ///< N x C x H x W, pixels 0..255
  LongTensor labels;                 ///< N, 0-based classes (Torch7 code used 1-based)
  std::vector<std::string> classes;  ///< class names: label k is classes[k]
  /// Number of examples.
  index_t size() const { return labels.dim() == 0 ? 0 : labels.size(0); }
};

namespace detail {

/// A regular file read sequentially with POSIX reads (no decompression), which knows its
/// size and how many bytes it has delivered: the reader of CIFAR batches and PNM images.
class InputFile {
 public:
  InputFile(const std::string& path, const char* op);
  ~InputFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  /// Reads up to `n` bytes; fewer only at the end of the file. IOError on a read error.
  std::size_t read(void* dst, std::size_t n);
  /// Reads and returns one byte, or -1 at the end of the file.
  int get() {
    if (pos_ == end_ && !fill()) return -1;
    return buf_[pos_++];
  }
  /// The next byte without consuming it, or -1 at the end.
  int peek() {
    if (pos_ == end_ && !fill()) return -1;
    return buf_[pos_];
  }
  /// Up to the first `n` bytes of the file (n <= 16), without moving the position; used to
  /// recognise formats. Valid right after opening.
  std::string head(std::size_t n);
  index_t fileSize() const { return fileSize_; }
  /// The byte offset of the next byte get() or read() returns.
  index_t offset() const { return offset_ - index_t(end_ - pos_); }
  /// "op: path: ", the start of every message about this file.
  std::string where() const { return cat(op_, ": ", path_, ": "); }
  const std::string& path() const { return path_; }

 private:
  bool fill();
  std::size_t readRaw(unsigned char* dst, std::size_t n);

  std::string path_;
  const char* op_;
  int fd_ = -1;
  index_t fileSize_ = 0;
  index_t offset_ = 0;  // bytes taken from the file (including those still buffered)
  std::vector<unsigned char> buf_;
  std::size_t pos_ = 0, end_ = 0;
};

inline InputFile::InputFile(const std::string& path, const char* op) : path_(path), op_(op) {
  do fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) failErrno(errno, op, ": ", path, ": cannot open");
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    failErrno(e, op, ": ", path, ": cannot stat");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    fail<IOError>(op, ": ", path, ": not a regular file");
  }
  fileSize_ = st.st_size;
}

inline std::size_t InputFile::readRaw(unsigned char* dst, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd_, dst + got, std::min<std::size_t>(n - got, std::size_t(1) << 24));
    if (r < 0) {
      if (errno == EINTR) continue;
      failErrno(errno, where(), "read error at byte ", offset_ + index_t(got));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  offset_ += index_t(got);
  return got;
}

inline bool InputFile::fill() {
  if (buf_.empty()) buf_.resize(std::size_t(1) << 14);
  pos_ = 0;
  end_ = readRaw(buf_.data(), buf_.size());
  return end_ > 0;
}

inline std::size_t InputFile::read(void* dst, std::size_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  const std::size_t buffered = std::min(n, end_ - pos_);
  std::copy(buf_.begin() + std::ptrdiff_t(pos_), buf_.begin() + std::ptrdiff_t(pos_ + buffered), out);
  pos_ += buffered;
  return buffered + (n > buffered ? readRaw(out + buffered, n - buffered) : 0);
}

inline std::string InputFile::head(std::size_t n) {
  unsigned char b[16] = {};
  n = std::min<std::size_t>(n, 16);
  const ssize_t r = ::pread(fd_, b, n, 0);
  return r > 0 ? std::string(reinterpret_cast<const char*>(b), std::size_t(r)) : std::string();
}

/// `$T7_DATA_DIR/name`, then `/usr/share/datasets/name`, when `ok(folder)` holds.
template <class Ok>
std::optional<std::string> findDataDir(const char* name, Ok&& ok) {
  if (const char* env = std::getenv("T7_DATA_DIR"); env && *env) {
    const std::string d = (std::filesystem::path(env) / name).string();
    if (ok(d)) return d;
  }
  const std::string d = std::string("/usr/share/datasets/") + name;
  if (ok(d)) return d;
  return std::nullopt;
}

/// True when `p` is a directory (no exception).
inline bool isDir(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p, ec);
}

/// True when `p` is a regular file (no exception).
inline bool isFile(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

}  // namespace detail
}  // namespace t7::data
