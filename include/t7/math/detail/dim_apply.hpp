#pragma once
/// \file dim_apply.hpp
/// The loop under every "along one dimension" operation of the math library (reductions
/// over a dim, cumsum, sort, topk, gather, scatter, index*): Torch7's TH_TENSOR_DIM_APPLY.
/// `forEachSlice` visits every position of the other dimensions and hands the callback the
/// element offset of each operand's slice; the callback walks the slice with the operand's
/// stride along `dim`.

#include <array>
#include <cstddef>

#include "t7/core/error.hpp"
#include "t7/core/shape.hpp"
#include "t7/tensor/detail/iteration.hpp"

namespace t7::detail {

/// A dimension argument of a math function: 0 <= dim < rank, or negative counting from the
/// end (-1 is the last dimension). Throws IndexError naming the operation otherwise.
inline int normalizeDim(int dim, int rank, const char* op) {
  const int d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank)
    fail<IndexError>(op, ": dimension ", dim, " out of range for a tensor with ", rank, " dimension",
                     rank == 1 ? "" : "s");
  return d;
}

/// `sizes` with dimension `dim` set to `n` (n = 1: Torch7's kept dimension of a reduction).
inline Shape withSize(Shape sizes, int dim, index_t n) {
  sizes[dim] = n;
  return sizes;
}

/// Calls `fn(offsets)` once per slice along `dim` of tensors whose other dimensions have
/// the sizes `sizes` (sizes[dim] is ignored): `offsets[k]` is the element offset of operand
/// k's slice, given its strides `*strides[k]`. Slices are visited in row-major order of
/// the other dimensions. Nothing runs when another dimension has size 0.
template <std::size_t N, class F>
void forEachSlice(const Shape& sizes, int dim, const std::array<const Strides*, N>& strides, F&& fn) {
  Shape outer = sizes;
  outer[dim] = 1;
  stridedLoop<N>(outer, strides,
                 [&](index_t n, std::array<index_t, N> off, const std::array<index_t, N>& inner) {
                   for (index_t i = 0; i < n; ++i) {
                     fn(static_cast<const std::array<index_t, N>&>(off));
                     for (std::size_t k = 0; k < N; ++k) off[k] += inner[k];
                   }
                 });
}

}  // namespace t7::detail
