#pragma once
/// \file slice.hpp
/// One entry of `Tensor::slice({...})`, Torch7's `t[{ ... }]` indexing.

#include <concepts>
#include <initializer_list>

#include "t7/core/config.hpp"
#include "t7/core/error.hpp"

namespace t7 {

/// Tag for a whole dimension in `slice` (Lua's `{}`).
struct All {
  /// `all(mask)`, `all(mask, dim)`: Torch7's `x:all()` (logicalAll, in t7/math/reduce.hpp).
  template <class... A>
  decltype(auto) operator()(A&&... a) const;
};
inline constexpr All all{};

/// `all`, an index `i` (select: the dimension goes away), `{i}` (narrow to one element,
/// the dimension stays) or `{first, last}` (inclusive range; negatives count from the end).
class Slice {
 public:
  enum class Kind { all, index, range };

  Slice(All) : kind_(Kind::all) {}
  template <std::integral I>
  Slice(I index) : kind_(Kind::index), first_(static_cast<index_t>(index)), last_(first_) {}
  Slice(std::initializer_list<index_t> range) : kind_(Kind::range) {
    if (range.size() == 0) {
      kind_ = Kind::all;
    } else if (range.size() <= 2) {
      first_ = *range.begin();
      last_ = *(range.end() - 1);
    } else {
      detail::fail<ValueError>("slice: a range has one or two bounds {first, last}, got ", range.size());
    }
  }

  Kind kind() const { return kind_; }
  index_t first() const { return first_; }
  index_t last() const { return last_; }

 private:
  Kind kind_;
  index_t first_ = 0, last_ = 0;
};

}  // namespace t7
