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

  /// Throws a copy of this error, of the same type, with `context` put after the id:
  /// `[t7.size_error] Sequential[2] (nn.Linear(784 -> 10)): linear: ...`. Containers use it
  /// to name the module path of an error raised inside them.
  [[noreturn]] virtual void rethrowIn(const std::string& context) const { throw Error(withContext(context)); }

 protected:
  std::string withContext(const std::string& context) const {
    const std::string m = what();
    const std::size_t at = (!m.empty() && m[0] == '[') ? m.find("] ") : std::string::npos;
    if (at == std::string::npos) return context + ": " + m;
    return m.substr(0, at + 2) + context + ": " + m.substr(at + 2);
  }
  struct Whole {};  // tag: the message already carries its id
};

/// Defines an Error subclass whose messages start with `[t7.<id>] `.
#define T7_DEFINE_ERROR(Name, id)                                                                  \
  class Name : public Error {                                                                      \
   public:                                                                                         \
    explicit Name(const std::string& m) : Error("[t7." id "] " + m) {}                             \
    [[noreturn]] void rethrowIn(const std::string& context) const override {                      \
      throw Name(Whole{}, withContext(context));                                                   \
    }                                                                                              \
                                                                                                   \
   private:                                                                                        \
    Name(Whole, const std::string& whole) : Error(whole) {}                                        \
  }

/// Shapes or element counts that do not fit together (copy, view, expand, resize...).
T7_DEFINE_ERROR(SizeError, "size_error");

/// An index or a dimension outside its range.
T7_DEFINE_ERROR(IndexError, "index_error");

/// An argument with a bad value (negative size, zero step, probability outside [0,1]...).
T7_DEFINE_ERROR(ValueError, "value_error");

/// A layout that an operation cannot work with (view of a non-viewable tensor, resize of
/// a storage that does not own its memory...).
T7_DEFINE_ERROR(LayoutError, "layout_error");

/// An operation that the element type or the device does not support.
T7_DEFINE_ERROR(TypeError, "type_error");

/// Files and streams: unreadable, truncated, corrupt or hostile input.
T7_DEFINE_ERROR(IOError, "io_error");

/// Misuse of autograd: a loss that is not one number, an in-place write to a value the tape
/// still needs, a value of an enclosing `grad` call inside a nested one.
T7_DEFINE_ERROR(AutogradError, "autograd_error");

#undef T7_DEFINE_ERROR

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
