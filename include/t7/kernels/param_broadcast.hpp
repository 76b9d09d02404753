#pragma once
/// \file param_broadcast.hpp
/// Gradients of parameters that are broadcast over an input (nn.Mul, nn.Add, nn.CMul,
/// nn.CAdd): the parameter's gradient, viewed with stride 0 along the broadcast dimensions,
/// accumulates `scale * a` or `scale * a * b` element by element. One strided loop, serial
/// (several input elements write the same gradient element), no temporary.

#include <array>

#include "t7/core/error.hpp"
#include "t7/tensor/detail/iteration.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// sum_i a_i * b_i over two tensors of the same sizes (any layout), accumulated in double.
template <Element T>
double sumOfProducts(const Tensor<T>& a, const Tensor<T>& b) {
  double s = 0;
  const T* pa = a.data();
  const T* pb = b.data();
  t7::detail::stridedLoop<2>(a.sizes(), {&a.strides(), &b.strides()}, [&](index_t n, const auto& off, const auto& st) {
    for (index_t i = 0; i < n; ++i)
      s += static_cast<double>(pa[off[0] + i * st[0]]) * static_cast<double>(pb[off[1] + i * st[1]]);
  });
  return s;
}

/// target[i] += scale * a[i] (b == nullptr) or scale * a[i] * b[i], where `target` has a's
/// sizes and may repeat elements (stride 0: the gradient of a broadcast parameter).
template <Element T>
void accumulateBroadcast(const Tensor<T>& target, T scale, const Tensor<T>& a, const Tensor<T>* b = nullptr) {
  T* pt = target.data();
  const T* pa = a.data();
  if (b == nullptr) {
    t7::detail::stridedLoop<2>(a.sizes(), {&target.strides(), &a.strides()},
                               [&](index_t n, const auto& off, const auto& st) {
                                 for (index_t i = 0; i < n; ++i) pt[off[0] + i * st[0]] += scale * pa[off[1] + i * st[1]];
                               });
    return;
  }
  const T* pb = b->data();
  t7::detail::stridedLoop<3>(a.sizes(), {&target.strides(), &a.strides(), &b->strides()},
                             [&](index_t n, const auto& off, const auto& st) {
                               for (index_t i = 0; i < n; ++i)
                                 pt[off[0] + i * st[0]] += scale * pa[off[1] + i * st[1]] * pb[off[2] + i * st[2]];
                             });
}

}  // namespace t7::kernels
