#pragma once
/// \file error.hpp
/// t7's exceptions. Every check on user input is always on and throws one of these; the
/// message names the operation and the sizes involved, and starts with a stable id
/// (`[t7.size_error]`) that docs/errors.md lists with causes and fixes.

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "t7/core/config.hpp"

namespace t7 {

/// Base of all t7 exceptions.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// Shapes or element counts that do not fit together (copy, view, expand, resize...).
class SizeError : public Error {
 public:
  explicit SizeError(const std::string& m) : Error("[t7.size_error] " + m) {}
};

/// An index or a dimension outside its range.
class IndexError : public Error {
 public:
  explicit IndexError(const std::string& m) : Error("[t7.index_error] " + m) {}
};

/// An argument with a bad value (negative size, zero step, probability outside [0,1]...).
class ValueError : public Error {
 public:
  explicit ValueError(const std::string& m) : Error("[t7.value_error] " + m) {}
};

/// A layout that an operation cannot work with (view of a non-viewable tensor, resize of
/// a storage that does not own its memory...).
class LayoutError : public Error {
 public:
  explicit LayoutError(const std::string& m) : Error("[t7.layout_error] " + m) {}
};

/// An operation that the element type or the device does not support.
class TypeError : public Error {
 public:
  explicit TypeError(const std::string& m) : Error("[t7.type_error] " + m) {}
};

/// Files and streams: unreadable, truncated, corrupt or hostile input.
class IOError : public Error {
 public:
  explicit IOError(const std::string& m) : Error("[t7.io_error] " + m) {}
};

namespace detail {

/// Streams its arguments into one string (`cat("narrow: dim ", d, " out of range")`).
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

/// Throws from a cold, non-inlined function so that the checking call sites stay small.
template <class E, class... Args>
[[noreturn]] T7_COLD void fail(const Args&... args) {
  throw E(cat(args...));
}

}  // namespace detail
}  // namespace t7
