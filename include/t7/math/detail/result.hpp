#pragma once
/// \file result.hpp
/// The result-first protocol of the math functions (Torch7's optional leading `[res,]`):
/// `res` keeps its layout when it already has the result's sizes, is resized otherwise, and
/// is filled through a temporary whenever writing it directly could read what was already
/// written (it overlaps an input, or two of its elements share memory).

#include <algorithm>

#include "t7/core/shape.hpp"
#include "t7/tensor/detail/iteration.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::detail {

/// dst = src for tensors of the same sizes and type whose memory the caller knows to be
/// disjoint (or identical, element by element): no overlap check, no temporary.
template <class T, class D>
void copyRaw(const Tensor<T, D>& dst, const Tensor<T, D>& src) {
  T* d = dst.data();
  const T* s = src.data();
  stridedLoop<2>(dst.sizes(), {&dst.strides(), &src.strides()}, [&](index_t n, const auto& off, const auto& st) {
    T* dp = d + off[0];
    const T* sp = s + off[1];
    if (st[0] == 1 && st[1] == 1) {
      std::copy_n(sp, n, dp);
    } else {
      for (index_t i = 0; i < n; ++i) dp[i * st[0]] = sp[i * st[1]];
    }
  });
}

/// True when two elements of `t` share memory (an expanded view, stride 0): writing a
/// result into it element by element would be meaningless, and racy across threads.
template <class T, class D>
bool selfOverlaps(const Tensor<T, D>& t) {
  for (int d = 0; d < t.dim(); ++d)
    if (t.size(d) > 1 && t.stride(d) == 0) return true;
  return false;
}

/// Leaves in `res` the result of `fill(out)`, a function writing a tensor of `shape`.
/// `overlaps(res)` says whether res shares memory with an input; it is asked before the
/// resize (res may be an input's own handle, which the resize would change) and after it
/// (a small res can grow over an input on the same storage). Either way, or when res
/// overlaps itself, `fill` writes a temporary that is then copied into res.
template <class T, class D, class Overlaps, class Fill>
Tensor<T, D>& writeResult(Tensor<T, D>& res, const Shape& shape, Overlaps&& overlaps, Fill&& fill) {
  const auto viaTemporary = [&]() -> Tensor<T, D>& {
    Tensor<T, D> tmp(shape);
    fill(tmp);
    if (!res.isSize(shape)) res.resize(shape);
    copyRaw(res, tmp);
    return res;
  };
  const Tensor<T, D>& r = res;
  if (overlaps(r)) return viaTemporary();
  if (!res.isSize(shape)) res.resize(shape);
  if (selfOverlaps(r) || overlaps(r)) return viaTemporary();
  fill(res);
  return res;
}

}  // namespace t7::detail
