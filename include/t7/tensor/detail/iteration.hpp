#pragma once
/// \file iteration.hpp
/// Strided iteration over one or more tensors of the same sizes: the loop under copy, fill,
/// apply, map and the random fills. Dimensions that are contiguous for every operand are
/// merged, so a contiguous tensor is one flat inner loop; the visiting order is always the
/// row-major order of the sizes (Torch7's TH_TENSOR_APPLY order, which random draws follow).

#include <array>
#include <cstddef>
#include <iterator>

#include "t7/core/shape.hpp"

namespace t7::detail {

/// Sizes and per-operand strides after merging dimensions that can be walked as one.
template <std::size_t N>
struct LoopShape {
  int dims = 0;
  index_t size[kMaxDims];
  index_t stride[N][kMaxDims];
};

template <std::size_t N>
LoopShape<N> coalesce(const Shape& sizes, const std::array<const Strides*, N>& strides) {
  LoopShape<N> ls;
  for (int d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;  // a size-1 dimension moves no pointer
    bool merge = ls.dims > 0;
    for (std::size_t k = 0; merge && k < N; ++k)
      merge = ls.stride[k][ls.dims - 1] == (*strides[k])[d] * sizes[d];
    if (merge) {
      ls.size[ls.dims - 1] *= sizes[d];
      for (std::size_t k = 0; k < N; ++k) ls.stride[k][ls.dims - 1] = (*strides[k])[d];
    } else {
      ls.size[ls.dims] = sizes[d];
      for (std::size_t k = 0; k < N; ++k) ls.stride[k][ls.dims] = (*strides[k])[d];
      ++ls.dims;
    }
  }
  return ls;
}

/// Runs `kernel(n, offsets, innerStrides)` over all elements of tensors with sizes `sizes`
/// and the given strides: each call covers `n` elements of the innermost (merged) dimension,
/// starting at element offsets `offsets[k]` of operand k, `innerStrides[k]` apart.
/// An empty tensor (no dimension, or a size 0) runs nothing.
template <std::size_t N, class Kernel>
void stridedLoop(const Shape& sizes, const std::array<const Strides*, N>& strides, Kernel&& kernel) {
  if (sizes.size() == 0) return;
  for (index_t s : sizes)
    if (s == 0) return;
  const LoopShape<N> ls = coalesce(sizes, strides);
  std::array<index_t, N> off{}, inner{};
  if (ls.dims == 0) {  // a single element
    kernel(index_t{1}, off, inner);
    return;
  }
  const int last = ls.dims - 1;
  for (std::size_t k = 0; k < N; ++k) inner[k] = ls.stride[k][last];
  index_t counter[kMaxDims] = {};
  for (;;) {
    kernel(ls.size[last], off, inner);
    int d = last - 1;
    for (; d >= 0; --d) {
      ++counter[d];
      for (std::size_t k = 0; k < N; ++k) off[k] += ls.stride[k][d];
      if (counter[d] < ls.size[d]) break;
      for (std::size_t k = 0; k < N; ++k) off[k] -= ls.stride[k][d] * ls.size[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

/// Forward iterator over the elements of a tensor in row-major order.
template <class T, class D>
class ElementIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  using pointer = T*;
  using reference = T&;

  ElementIterator() = default;
  ElementIterator(T* base, const Shape& sizes, const Strides& strides, index_t remaining)
      : base_(base), sizes_(sizes), strides_(strides), index_(Shape::filled(sizes.size(), 0)), left_(remaining) {}

  T& operator*() const { return base_[off_]; }
  T* operator->() const { return base_ + off_; }
  ElementIterator& operator++() {
    --left_;
    for (int d = sizes_.size() - 1; d >= 0; --d) {
      off_ += strides_[d];
      if (++index_[d] < sizes_[d]) return *this;
      off_ -= strides_[d] * sizes_[d];
      index_[d] = 0;
    }
    return *this;
  }
  ElementIterator operator++(int) {
    auto old = *this;
    ++*this;
    return old;
  }
  /// Iterators over the same tensor compare by how many elements remain.
  friend bool operator==(const ElementIterator& a, const ElementIterator& b) { return a.left_ == b.left_; }

 private:
  T* base_ = nullptr;
  Shape sizes_, strides_, index_;
  index_t off_ = 0;
  index_t left_ = 0;
};

}  // namespace t7::detail
