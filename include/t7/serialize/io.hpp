#pragma once
/// \file io.hpp
/// Objects to bytes and back (Torch7's `torch.serialize` / `torch.deserialize`), and to files:
/// `writeFile` is atomic (a temporary file in the same directory, flushed, synced, renamed
/// over the target), so a failure mid-save leaves the previous file as it was.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <istream>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

#include "t7/serialize/archive.hpp"

namespace t7::serialize {

namespace detail {
/// Test hook: called with the temporary file's path after the bytes are written and before the
/// rename; a throw from it aborts the save (tests inject failures here).
inline std::function<void(const std::string&)>& beforeRenameHook() {
  static std::function<void(const std::string&)> hook;
  return hook;
}
}  // namespace detail

/// The bytes of one object.
inline std::string toBytes(const Object& o, const Options& options = {}) {
  Writer w(options);
  w.write(o);
  return std::move(w.bytes());
}

/// How a file was most likely written, from its first bytes: ascii (a digit first), else
/// binary in the byte order whose first int is a valid tag. longSize stays 8 (fromBytes falls
/// back to 4 when 8 fails).
inline Options detectOptions(std::string_view bytes) {
  Options o;
  if (bytes.empty()) return o;
  const auto c = static_cast<unsigned char>(bytes[0]);
  if (std::isdigit(c) || c == '-' || c == ' ' || c == '\n') {
    o.format = Format::Ascii;
  } else if (bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0 &&
             static_cast<unsigned char>(bytes[3]) <= 8 && bytes[3] != 0) {
    o.byteOrder = ByteOrder::Big;
  }
  return o;
}

/// The one object in `bytes` (trailing bytes are an error).
inline Object fromBytes(std::string_view bytes, const Options& options) {
  Reader r(bytes, options);
  Object o = r.read();
  if (!r.atEnd()) r.input().fail(bytes.size() - r.position(), " bytes follow the object");
  return o;
}

/// The one object in `bytes`, its format detected: ascii, or binary in either byte order.
/// Binary files are read with 8-byte longs (64-bit Linux and macOS); a file from a Windows or
/// 32-bit build needs `{.longSize = 4}` (Torch7's 'b32'), which the error then suggests.
inline Object fromBytes(std::string_view bytes) {
  const Options o = detectOptions(bytes);
  try {
    return fromBytes(bytes, o);
  } catch (const IOError& e) {
    if (o.format == Format::Ascii) throw;
    Options o4 = o;
    o4.longSize = 4;
    bool b32 = false;
    try {
      fromBytes(bytes, o4);
      b32 = true;
    } catch (const IOError&) {
    }
    if (!b32) throw;
    throw IOError(std::string(e.what()).substr(std::string("[t7.io_error] ").size()) +
                  "; the file reads with 4-byte longs: was it written by a 32-bit or Windows Torch7? Load it "
                  "with {.longSize = 4} (Torch7's 'b32')");
  }
}
/// All the bytes of a file (IOError naming it when it cannot be read).
inline std::string readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) t7::detail::fail<IOError>("load: cannot open '", path, "': ", std::strerror(errno));
  std::ostringstream s;
  s << f.rdbuf();
  if (f.bad()) t7::detail::fail<IOError>("load: cannot read '", path, "'");
  return std::move(s).str();
}

/// All the bytes of a stream.
inline std::string readStream(std::istream& in) {
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) t7::detail::fail<IOError>("load: cannot read the stream");
  return std::move(s).str();
}

/// Writes `bytes` to `path` atomically: a temporary file next to it, written, flushed and
/// synced, then renamed over `path`. On any failure the temporary is removed, `path` is left
/// as it was, and IOError says why.
inline void writeFile(const std::string& path, std::string_view bytes) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) t7::detail::fail<IOError>("save: cannot create a temporary file next to '", path, "': ", std::strerror(errno));
  auto abandon = [&](const std::string& why) {
    ::close(fd);
    ::unlink(tmp.c_str());
    t7::detail::fail<IOError>("save: '", path, "' not written: ", why);
  };
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      abandon(std::strerror(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) abandon(std::strerror(errno));
  // mkstemp makes the file 0600; give it the permissions a new file would get.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    t7::detail::fail<IOError>("save: '", path, "' not written: ", std::strerror(errno));
  }
  try {
    if (detail::beforeRenameHook()) detail::beforeRenameHook()(tmp);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    t7::detail::fail<IOError>("save: cannot rename the temporary file onto '", path, "': ", std::strerror(e));
  }
}

/// Writes `bytes` to a stream.
inline void writeStream(std::ostream& out, std::string_view bytes) {
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) t7::detail::fail<IOError>("save: cannot write the stream");
}

}  // namespace t7::serialize
