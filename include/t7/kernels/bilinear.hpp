#pragma once
/// \file bilinear.hpp
/// The math of nn.Bilinear: y[n][k] = x1[n] W[k] x2[n]^T + b[k] for x1 [n x in1],
/// x2 [n x in2], W [out x in1 x in2], b [out] (may be empty). One matrix product per output
/// unit into workspaces the caller keeps, as Torch7 does.

#include "t7/expr.hpp"
#include "t7/math/blas.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// y (a [n x out] tensor of the right size) = the bilinear forms plus the bias. `work` is a
/// workspace ([n x in2]).
template <Element T>
void bilinearForward(const Tensor<T>& y, const Tensor<T>& x1, const Tensor<T>& x2, const Tensor<T>& weight,
                     const Tensor<T>& bias, Tensor<T>& work) {
  const index_t n = x1.size(0), in2 = x2.size(1), out = weight.size(0);
  work.resize(n, in2);
  T* py = y.data();
  const index_t ys0 = y.stride(0), ys1 = y.stride(1);
  const T* p2 = x2.data();
  const index_t s20 = x2.stride(0), s21 = x2.stride(1);
  const T* pb = bias.nElement() > 0 ? bias.data() : nullptr;
  for (index_t k = 0; k < out; ++k) {
    mm(work, x1, weight.select(0, k));  // [n x in2]: x1 W_k
    const T* pw = work.data();
    for (index_t b = 0; b < n; ++b) {
      T s = pb ? pb[k * bias.stride(0)] : T(0);
      for (index_t j = 0; j < in2; ++j) s += pw[b * in2 + j] * p2[b * s20 + j * s21];
      py[b * ys0 + k * ys1] = s;
    }
  }
}

/// g1 = sum_k g[:, k] * (x2 W_k^T), g2 = sum_k g[:, k] * (x1 W_k), written into g1 and g2
/// (handles on tensors of x1's and x2's sizes). `work1` ([n x in1]) and `work2` ([n x in2])
/// are workspaces.
template <Element T>
void bilinearBackward(Tensor<T> g1, Tensor<T> g2, const Tensor<T>& x1, const Tensor<T>& x2, const Tensor<T>& weight,
                      const Tensor<T>& g, Tensor<T>& work1, Tensor<T>& work2) {
  const index_t out = weight.size(0);
  g1.zero();
  g2.zero();
  for (index_t k = 0; k < out; ++k) {
    const Tensor<T> wk = weight.select(0, k);
    const Tensor<T> gk = g.narrow(1, k, 1);  // [n x 1], broadcast over the columns
    mm(work1, x2, wk.t());
    g1 += work1 * gk;
    mm(work2, x1, wk);
    g2 += work2 * gk;
  }
}

/// gradWeight[k] += scale * (x1 * g[:, k])^T x2; gradBias += scale * sum_n g[n]. `work` is a
/// workspace ([n x in1]).
template <Element T>
void bilinearAccGrad(const Tensor<T>& gradWeight, const Tensor<T>& gradBias, const Tensor<T>& x1,
                     const Tensor<T>& x2, const Tensor<T>& g, T scale, Tensor<T>& work) {
  const index_t n = x1.size(0), out = gradWeight.size(0);
  work.resize(x1.sizes());
  for (index_t k = 0; k < out; ++k) {
    work = x1 * g.narrow(1, k, 1);
    Tensor<T> gwk = gradWeight.select(0, k);
    addmm(gwk, T(1), gwk, scale, work.t(), x2);
  }
  if (gradBias.nElement() > 0) {
    T* pb = gradBias.data();
    const T* pg = g.data();
    for (index_t k = 0; k < out; ++k) {
      T s = 0;
      for (index_t b = 0; b < n; ++b) s += pg[b * g.stride(0) + k * g.stride(1)];
      pb[k * gradBias.stride(0)] += scale * s;
    }
  }
}

}  // namespace t7::kernels
