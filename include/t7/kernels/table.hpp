#pragma once
/// \file table.hpp
/// The reductions under the table layers that compare or mix tensors (DotProduct,
/// CosineDistance, PairwiseDistance, MixtureTable): `dst += f(a, b)` over tensors of one
/// shape, where `dst` may be an expanded view (stride 0) so that those dimensions sum into it.
/// One serial strided loop, no temporary: a row sum is `accumulatePairs(out.unsqueeze(1).expand(n, d), a, b, f)`.

#include <array>
#include <cmath>

#include "t7/core/error.hpp"
#include "t7/tensor/detail/iteration.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// dst += f(a, b) elementwise; a, b and dst have the same sizes. Dimensions where `dst` has
/// stride 0 (an expanded view) are summed into it. A run along a summed innermost dimension
/// accumulates in double before it is added.
template <Element T, class F>
void accumulatePairs(const Tensor<T>& dst, const Tensor<T>& a, const Tensor<T>& b, F&& f) {
  if (!a.isSameSizeAs(dst) || !b.isSameSizeAs(dst))
    t7::detail::fail<SizeError>("accumulatePairs: operands [", a.sizes().toString(), "] and [", b.sizes().toString(),
                                "] differ from the destination [", dst.sizes().toString(), "]");
  T* pd = dst.data();
  const T* pa = a.data();
  const T* pb = b.data();
  t7::detail::stridedLoop<3>(dst.sizes(), {&dst.strides(), &a.strides(), &b.strides()},
                             [&](index_t n, const std::array<index_t, 3>& off, const std::array<index_t, 3>& in) {
                               const T* xa = pa + off[1];
                               const T* xb = pb + off[2];
                               if (in[0] == 0) {
                                 double acc = 0;
                                 for (index_t i = 0; i < n; ++i)
                                   acc += static_cast<double>(f(xa[i * in[1]], xb[i * in[2]]));
                                 pd[off[0]] += static_cast<T>(acc);
                               } else {
                                 T* xd = pd + off[0];
                                 for (index_t i = 0; i < n; ++i)
                                   xd[i * in[0]] += static_cast<T>(f(xa[i * in[1]], xb[i * in[2]]));
                               }
                             });
}

/// Functors for accumulatePairs.
struct PairProduct {
  template <class T>
  T operator()(T a, T b) const {
    return a * b;
  }
};
/// |a - b|^p (p = 1 and p = 2 without pow).
struct PairPowDiff {
  double p;
  template <class T>
  double operator()(T a, T b) const {
    const double d = std::abs(static_cast<double>(a) - static_cast<double>(b));
    if (p == 1) return d;
    if (p == 2) return d * d;
    return std::pow(d, p);
  }
};

}  // namespace t7::kernels
