#pragma once
/// \file softmax.hpp
/// SoftMax and LogSoftMax along one dimension, forward and backward: the one implementation
/// behind nn::SoftMax, nn::LogSoftMax, nn::SoftMin, CrossEntropyCriterion and autograd's
/// softMax/logSoftMax. Numerically stable (the maximum is subtracted before exp).
///
/// Torch7's choice of dimension (`softmaxDim`): 1-D input over all of it, 2-D per row, 3-D
/// over dim 0 at each pixel, 4-D over dim 1 at each pixel (batch of images).

#include <algorithm>
#include <cmath>
#include <limits>

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// Torch7's softmax dimension for an input of rank `dim` (see the file comment).
inline int softmaxDim(int dim, const char* op) {
  switch (dim) {
    case 1: return 0;
    case 2: return 1;
    case 3: return 0;
    case 4: return 1;
    default: t7::detail::fail<SizeError>(op, ": expected a 1-D, 2-D, 3-D or 4-D input, got ", dim, " dimensions");
  }
}

namespace detail {
/// Runs `fn(in, out, n, stride)` on every line along `dim` of contiguous [outer x n x inner]
/// data: `in`/`out` point at the line's first element, elements are `stride` apart.
template <class F>
void forEachLine(const Shape& sizes, int dim, F&& fn) {
  index_t outer = 1, inner = 1;
  for (int d = 0; d < dim; ++d) outer *= sizes[d];
  for (int d = dim + 1; d < static_cast<int>(sizes.size()); ++d) inner *= sizes[d];
  const index_t n = sizes[dim];
  for (index_t o = 0; o < outer; ++o)
    for (index_t i = 0; i < inner; ++i) fn(o * n * inner + i, n, inner);
}
}  // namespace detail

/// output = softmax(input) along `dim` (log-softmax when `log`). Output is resized and
/// contiguous; a non-contiguous input is read through a contiguous copy.
template <Element T>
void softmaxForward(Tensor<T>& output, const Tensor<T>& input, int dim, bool log) {
  static_assert(std::is_floating_point_v<T>, "softmax: needs a floating-point tensor");
  const Tensor<T> x = input.isContiguous() ? input : input.contiguous();
  output.resize(x.sizes());
  const T* in = x.data();
  T* out = output.data();
  detail::forEachLine(x.sizes(), dim, [&](index_t at, index_t n, index_t s) {
    const T* a = in + at;
    T* b = out + at;
    T mx = -std::numeric_limits<T>::infinity();
    for (index_t k = 0; k < n; ++k) mx = std::max(mx, a[k * s]);
    double sum = 0;
    for (index_t k = 0; k < n; ++k) {
      const T e = std::exp(a[k * s] - mx);
      sum += e;
      if (!log) b[k * s] = e;
    }
    if (log) {
      const T lse = mx + static_cast<T>(std::log(sum));
      for (index_t k = 0; k < n; ++k) b[k * s] = a[k * s] - lse;
    } else {
      const T inv = static_cast<T>(1 / sum);
      for (index_t k = 0; k < n; ++k) b[k * s] *= inv;
    }
  });
}

/// gradInput of softmax (log = false: output * (gradOutput - sum(gradOutput * output))) or
/// of log-softmax (log = true: gradOutput - exp(output) * sum(gradOutput)), from the forward
/// output.
template <Element T>
void softmaxBackward(Tensor<T>& gradInput, const Tensor<T>& gradOutput, const Tensor<T>& output, int dim, bool log) {
  if (!gradOutput.isSameSizeAs(output))
    t7::detail::fail<SizeError>(log ? "LogSoftMax" : "SoftMax", ": gradOutput [", gradOutput.sizes().toString(),
                                "] differs from the output [", output.sizes().toString(), "]");
  const Tensor<T> g = gradOutput.isContiguous() ? gradOutput : gradOutput.contiguous();
  const Tensor<T> y = output.isContiguous() ? output : output.contiguous();
  gradInput.resize(y.sizes());
  const T* gp = g.data();
  const T* yp = y.data();
  T* out = gradInput.data();
  detail::forEachLine(y.sizes(), dim, [&](index_t at, index_t n, index_t s) {
    const T* gl = gp + at;
    const T* yl = yp + at;
    T* r = out + at;
    double sum = 0;
    if (log) {
      for (index_t k = 0; k < n; ++k) sum += gl[k * s];
      for (index_t k = 0; k < n; ++k) r[k * s] = gl[k * s] - std::exp(yl[k * s]) * static_cast<T>(sum);
    } else {
      for (index_t k = 0; k < n; ++k) sum += gl[k * s] * yl[k * s];
      for (index_t k = 0; k < n; ++k) r[k * s] = yl[k * s] * (gl[k * s] - static_cast<T>(sum));
    }
  });
}

}  // namespace t7::kernels
