#pragma once
/// \file activation.hpp
/// The transfer functions that are more than one fused expression: PReLU's per-channel
/// weight (broadcast view and weight gradient), RReLU's random slopes in training, and GELU
/// (erf has no expression functor). The one implementation behind nn::PReLU, nn::RReLU and
/// nn::GELU (and the autograd and CUDA paths later).

#include <cmath>
#include <numbers>

#include "t7/core/generator.hpp"
#include "t7/expr.hpp"
#include "t7/math/detail/dim_apply.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// PReLU's channel dimension for an input of rank `dim` (Torch7's THNN rule): 0 for a 1-D
/// input [C], else 1 ([N x C], [N x C x L], [N x C x H x W], ...).
inline int preluChannelDim(int dim) { return dim > 1 ? 1 : 0; }

/// `weight` viewed so that it broadcasts against `input`: all sizes 1 but the channel
/// dimension (nOutputPlane > 0), or all 1 (the shared weight, nOutputPlane = 0). A view:
/// no copy.
template <Element T>
Tensor<T> preluWeightView(const Tensor<T>& weight, const Tensor<T>& input, index_t nOutputPlane) {
  Shape s = input.sizes();
  for (int d = 0; d < s.size(); ++d) s[d] = 1;
  if (nOutputPlane > 0) s[preluChannelDim(input.dim())] = nOutputPlane;
  return weight.view(s);
}

/// output = x > 0 ? x : w x, w the weight of the element's channel.
template <Element T>
void preluForward(Tensor<T>& output, const Tensor<T>& input, const Tensor<T>& weight, index_t nOutputPlane) {
  const Tensor<T> w = preluWeightView(weight, input, nOutputPlane);
  output.resize(input.sizes());
  output = where(gt(input, 0), input, input * w);
}

/// gradInput = x > 0 ? gradOutput : w gradOutput.
template <Element T>
void preluBackwardInput(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& gradOutput,
                        const Tensor<T>& weight, index_t nOutputPlane) {
  const Tensor<T> w = preluWeightView(weight, input, nOutputPlane);
  gradInput.resize(input.sizes());
  gradInput = where(gt(input, 0), gradOutput, gradOutput * w);
}

/// gradWeight[c] += scale * sum over channel c of (x <= 0 ? x gradOutput : 0). `sums` is a
/// workspace of one element per weight (Torch7's gradWeightBuf), kept between calls.
template <Element T>
void preluAccGrad(Tensor<T>& gradWeight, const Tensor<T>& input, const Tensor<T>& gradOutput, index_t nOutputPlane,
                  double scale, Tensor<T>& sums) {
  const index_t n = nOutputPlane > 0 ? nOutputPlane : 1;
  if (sums.dim() != 1 || sums.size(0) != n) sums.resize(n);
  sums.zero();
  T* acc = sums.data();
  const T* x = input.data();
  const T* g = gradOutput.data();
  if (nOutputPlane == 0) {
    T s = 0;
    t7::detail::stridedLoop<2>(input.sizes(), {&input.strides(), &gradOutput.strides()},
                               [&](index_t len, const auto& off, const auto& st) {
                                 for (index_t i = 0; i < len; ++i) {
                                   const T xi = x[off[0] + i * st[0]];
                                   if (xi <= 0) s += xi * g[off[1] + i * st[1]];
                                 }
                               });
    acc[0] = s;
  } else {
    const int c = preluChannelDim(input.dim());
    const index_t sx = input.stride(c), sg = gradOutput.stride(c);
    t7::detail::forEachSlice<2>(input.sizes(), c, {&input.strides(), &gradOutput.strides()}, [&](const auto& off) {
      for (index_t j = 0; j < n; ++j) {
        const T xi = x[off[0] + j * sx];
        if (xi <= 0) acc[j] += xi * g[off[1] + j * sg];
      }
    });
  }
  gradWeight.add(static_cast<T>(scale), sums);
}

/// RReLU in training: for every x <= 0 (in row-major order) a slope r drawn uniformly in
/// [lower, upper] from `gen`, output = r x and noise = r; elsewhere output = x and noise = 1
/// (Torch7's THNN RReLU, draw for draw: a Torch7 program seeded the same draws the same
/// slopes). `noise` is resized to the input's sizes; `output` is resized (or, in place, is
/// the input).
template <Element T>
void rreluTrainForward(Tensor<T>& output, Tensor<T>& noise, const Tensor<T>& input, double lower, double upper,
                       bool inplace, Generator& gen) {
  if (inplace) {
    output = input;
  } else {
    output.resize(input.sizes());
  }
  noise.resize(input.sizes());
  // Torch7 passes the bounds as the tensor's element type.
  const double a = static_cast<double>(static_cast<T>(lower));
  const double b = static_cast<double>(static_cast<T>(upper));
  const T* x = input.data();
  T* y = output.data();
  T* r = noise.data();
  t7::detail::stridedLoop<3>(input.sizes(), {&input.strides(), &output.strides(), &noise.strides()},
                             [&](index_t n, const auto& off, const auto& st) {
                               for (index_t i = 0; i < n; ++i) {
                                 const T xi = x[off[0] + i * st[0]];
                                 T slope = 1;
                                 if (xi <= 0) slope = static_cast<T>(gen.uniform(a, b));
                                 y[off[1] + i * st[1]] = xi <= 0 ? xi * slope : xi;
                                 r[off[2] + i * st[2]] = slope;
                               }
                             });
}

/// GELU, exact form: y = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). `output` is resized.
template <Element T>
void geluForward(Tensor<T>& output, const Tensor<T>& input) {
  static_assert(std::is_floating_point_v<T>, "GELU: needs a float or double tensor");
  output.resize(input.sizes());
  const T* x = input.data();
  T* y = output.data();
  t7::detail::stridedLoop<2>(input.sizes(), {&input.strides(), &output.strides()},
                             [&](index_t n, const auto& off, const auto& st) {
                               for (index_t i = 0; i < n; ++i) {
                                 const T v = x[off[0] + i * st[0]];
                                 y[off[1] + i * st[1]] = T(0.5) * v * (T(1) + std::erf(v * T(std::numbers::sqrt2 / 2)));
                               }
                             });
}

/// GELU's gradient: gradInput = gradOutput (Phi(x) + x phi(x)), phi the standard normal
/// density. `gradInput` is resized.
template <Element T>
void geluBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& gradOutput) {
  static_assert(std::is_floating_point_v<T>, "GELU: needs a float or double tensor");
  gradInput.resize(input.sizes());
  const T* x = input.data();
  const T* g = gradOutput.data();
  T* gi = gradInput.data();
  const T invSqrt2Pi = static_cast<T>(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
  t7::detail::stridedLoop<3>(
      input.sizes(), {&input.strides(), &gradOutput.strides(), &gradInput.strides()},
      [&](index_t n, const auto& off, const auto& st) {
        for (index_t i = 0; i < n; ++i) {
          const T v = x[off[0] + i * st[0]];
          const T cdf = T(0.5) * (T(1) + std::erf(v * T(std::numbers::sqrt2 / 2)));
          const T pdf = invSqrt2Pi * std::exp(T(-0.5) * v * v);
          gi[off[2] + i * st[2]] = g[off[1] + i * st[1]] * (cdf + v * pdf);
        }
      });
}

}  // namespace t7::kernels
