#pragma once
/// \file shape.hpp
/// `Shape`: a small inline array of sizes or strides (Torch7's LongStorage in that role).
/// It never allocates, so views and handles stay allocation-free.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "t7/core/config.hpp"
#include "t7/core/error.hpp"

namespace t7 {

namespace detail {
/// a * b and a + b on int64, reporting overflow instead of wrapping.
inline bool mulOverflows(index_t a, index_t b, index_t& r) { return __builtin_mul_overflow(a, b, &r); }
inline bool addOverflows(index_t a, index_t b, index_t& r) { return __builtin_add_overflow(a, b, &r); }
}  // namespace detail

/// Sizes or strides of a tensor: up to kMaxDims int64 values stored inline.
class Shape {
 public:
  using value_type = index_t;
  using iterator = index_t*;
  using const_iterator = const index_t*;

  constexpr Shape() noexcept : v_{} {}
  /// Copies move only the values in use: handles (and expression leaves, which copy them)
  /// stay cheap to copy although the capacity is kMaxDims.
  Shape(const Shape& o) noexcept : n_(o.n_) { copyValues(o); }
  Shape& operator=(const Shape& o) noexcept {
    n_ = o.n_;
    copyValues(o);
    return *this;
  }
  /// `Shape{4, 3}`: explicit values.
  Shape(std::initializer_list<index_t> values) : Shape() { assign(values.begin(), values.end()); }
  explicit Shape(std::span<const index_t> values) : Shape() { assign(values.begin(), values.end()); }
  explicit Shape(const std::vector<index_t>& v) : Shape() { assign(v.begin(), v.end()); }
  /// `n` copies of `value`.
  static Shape filled(int n, index_t value) {
    Shape s;
    s.resize(n, value);
    return s;
  }

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  index_t* data() { return v_; }
  const index_t* data() const { return v_; }
  iterator begin() { return v_; }
  iterator end() { return v_ + n_; }
  const_iterator begin() const { return v_; }
  const_iterator end() const { return v_ + n_; }
  index_t& operator[](int i) { T7_DEBUG_ASSERT(i >= 0 && i < n_); return v_[i]; }
  index_t operator[](int i) const { T7_DEBUG_ASSERT(i >= 0 && i < n_); return v_[i]; }
  index_t back() const { T7_DEBUG_ASSERT(n_ > 0); return v_[n_ - 1]; }

  void push_back(index_t x) {
    if (n_ >= kMaxDims) tooMany(n_ + 1);
    v_[n_++] = x;
  }
  void resize(int n, index_t value = 0) {
    if (n < 0 || n > kMaxDims) tooMany(n);
    for (int i = n_; i < n; ++i) v_[i] = value;
    n_ = n;
  }
  void insert(int pos, index_t x) {
    if (n_ >= kMaxDims) tooMany(n_ + 1);
    for (int i = n_; i > pos; --i) v_[i] = v_[i - 1];
    v_[pos] = x;
    ++n_;
  }
  void erase(int pos) {
    for (int i = pos; i + 1 < n_; ++i) v_[i] = v_[i + 1];
    --n_;
  }
  std::vector<index_t> vec() const { return {begin(), end()}; }

  /// Product of the values (the element count of a tensor with these sizes); 1 when empty.
  /// Throws SizeError when the product overflows int64.
  index_t product() const {
    for (int i = 0; i < n_; ++i)
      if (v_[i] == 0) return 0;
    index_t p = 1;
    for (int i = 0; i < n_; ++i)
      if (v_[i] < 0 || detail::mulOverflows(p, v_[i], p))
        detail::fail<SizeError>("element count of size ", toString(), " overflows int64");
    return p;
  }

  /// Product of values already known not to overflow (the sizes of an existing tensor).
  /// Unsigned, so that sizes like {2^62, 4, 0} (accepted: no element) wrap instead of
  /// overflowing on the way to their product, 0.
  index_t productUnchecked() const {
    std::uint64_t p = 1;
    for (int i = 0; i < n_; ++i) p *= static_cast<std::uint64_t>(v_[i]);
    return static_cast<index_t>(p);
  }

  /// "2x3x4", as Torch7 prints sizes.
  std::string toString() const {
    std::string s;
    for (int i = 0; i < n_; ++i) {
      if (i) s += 'x';
      s += std::to_string(v_[i]);
    }
    return s.empty() ? std::string("[]") : s;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.n_ != b.n_) return false;
    for (int i = 0; i < a.n_; ++i)  // (a plain loop: std::equal becomes a memcmp call)
      if (a.v_[i] != b.v_[i]) return false;
    return true;
  }
  friend std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.toString(); }

 private:
  template <class It>
  void assign(It first, It last) {
    const auto n = std::distance(first, last);
    if (n > kMaxDims) tooMany(static_cast<int>(n));
    n_ = static_cast<int>(n);
    std::copy(first, last, v_);
  }
  [[noreturn]] T7_COLD static void tooMany(int n) {
    detail::fail<SizeError>("Shape: ", n, " dimensions requested, at most ", kMaxDims,
                            " supported (define T7_MAX_DIMS to raise it)");
  }

  /// The first kHead values in one fixed-size move (ranks up to 4: almost every tensor),
  /// the rest only when in use. Values past n_ are never read as numbers, so copying
  /// whatever bytes they hold is harmless.
  static constexpr int kHead = 4;
  void copyValues(const Shape& o) noexcept {
    std::memcpy(v_, o.v_, kHead * sizeof(index_t));
    if (n_ > kHead) [[unlikely]]
      std::memcpy(v_ + kHead, o.v_ + kHead, (kMaxDims - kHead) * sizeof(index_t));
  }

  index_t v_[kMaxDims];  // constructors zero it; copies carry the values in use (see copyValues)
  int n_ = 0;
};

namespace detail {
/// "[2x3]" ("[]" for no dimension), as error messages print shapes.
inline std::string bracketed(const Shape& s) {
  std::string r = s.toString();
  if (!s.empty()) {  // (inserting, not "[" + r + "]": GCC 12 warns falsely on the latter)
    r.insert(r.begin(), '[');
    r.push_back(']');
  }
  return r;
}
}  // namespace detail

/// Strides are stored in the same inline array type as sizes.
using Strides = Shape;

/// Row-major (contiguous) strides for `sizes`. Throws SizeError when a stride overflows
/// int64 (possible even with no element: sizes {0, 2^62, 2^62}).
inline Strides contiguousStrides(const Shape& sizes) {
  Strides st = Shape::filled(sizes.size(), 1);
  index_t acc = 1;
  for (int d = sizes.size() - 1; d >= 0; --d) {
    st[d] = acc;
    if (d > 0 && detail::mulOverflows(acc, std::max<index_t>(sizes[d], 1), acc))
      detail::fail<SizeError>("the strides of size ", sizes.toString(), " overflow int64");
  }
  return st;
}

}  // namespace t7
