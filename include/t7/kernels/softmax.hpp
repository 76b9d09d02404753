#pragma once
/// \file softmax.hpp
/// SoftMax and LogSoftMax along one dimension, forward and backward: the one implementation
/// behind nn::SoftMax, nn::LogSoftMax, nn::SoftMin, CrossEntropyCriterion and autograd's
/// softMax/logSoftMax. Numerically stable (the maximum is subtracted before exp).
///
/// Lines, and the exponentials, split across OpenMP threads from expr::parallelThreshold()
/// elements; each line's sum is one thread's, in order, whatever the thread count.
///
/// Torch7's choice of dimension (`softmaxDim`): 1-D input over all of it, 2-D per row, 3-D
/// over dim 0 at each pixel, 4-D over dim 1 at each pixel (batch of images).
///
/// The exponentials run over the whole tensor at once in xsimd vectors (`detail::expAll`),
/// between per-line passes that find the maxima and the sums: a classifier's log-softmax has
/// lines of 10, too short for vectors of their own. Every element goes through the same vector
/// exp (the last, partial vector through a padded copy), so a sample gives the same bits alone
/// or in any batch.

#include <algorithm>
#include <cmath>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "t7/core/error.hpp"
#include "t7/core/parallel.hpp"
#include "t7/expr/functors.hpp"
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
/// Runs `fn(at, n, stride)` on every line along `dim` of contiguous [outer x n x inner] data:
/// the line's first element is element `at`, its n elements `stride` apart. Lines are split
/// across OpenMP threads from expr::parallelThreshold() elements in all.
template <class F>
void forEachLine(const Shape& sizes, int dim, F&& fn) {
  index_t outer = 1, inner = 1;
  for (int d = 0; d < dim; ++d) outer *= sizes[d];
  for (int d = dim + 1; d < static_cast<int>(sizes.size()); ++d) inner *= sizes[d];
  const index_t n = sizes[dim], lines = outer * inner;
  const auto run = [&](index_t line) { fn((line / inner) * n * inner + line % inner, n, inner); };
#ifdef _OPENMP
  // (a branch, not an `if` clause: a parallel region even of one thread costs a microsecond,
  // a third of a batch-1 MLP 784/10 step)
  if (lines > 1 && lines * n >= expr::parallelThreshold() && omp_in_parallel() == 0) {
#pragma omp parallel for schedule(static)
    for (index_t line = 0; line < lines; ++line) run(line);
    return;
  }
#endif
  for (index_t line = 0; line < lines; ++line) run(line);
}

/// dst[i] = exp(src[i]) for i < n, in vectors (dst may be src).
/// Split across OpenMP threads as elementwise loops are (t7/core/parallel.hpp).
template <class T>
void expAll(T* dst, const T* src, index_t n) {
  using B = xsimd::batch<T>;
  constexpr index_t L = static_cast<index_t>(B::size);
  t7::detail::forEachFlatBlock(n, [&](index_t lo, index_t hi) {
    index_t i = lo;
    for (; i + L <= hi; i += L) op::safeExp(B::load_unaligned(src + i)).store_unaligned(dst + i);
    if (i < hi) {  // (only at n: blocks are whole vectors)
      alignas(64) T pad[L] = {};
      std::copy(src + i, src + hi, pad);
      op::safeExp(B::load_aligned(pad)).store_aligned(pad);
      std::copy(pad, pad + (hi - i), dst + i);
    }
  });
}

/// The largest of n elements `s` apart.
template <class T>
T lineMax(const T* a, index_t n, index_t s) {
  T mx = -std::numeric_limits<T>::infinity();
  for (index_t k = 0; k < n; ++k) mx = std::max(mx, a[k * s]);
  return mx;
}
}  // namespace detail

/// output = softmax(input) along `dim` (log-softmax when `log`). Output is resized and
/// contiguous; a non-contiguous input is read through a contiguous copy, and an output that
/// shares memory with the input is computed through a temporary.
template <Element T>
void softmaxForward(Tensor<T>& output, const Tensor<T>& input, int dim, bool log) {
  static_assert(std::is_floating_point_v<T>, "softmax: needs a floating-point tensor");
  const Tensor<T> x = input.isContiguous() ? input : input.contiguous();
  if (t7::detail::mayOverlap(output, x)) {
    Tensor<T> fresh;
    softmaxForward(fresh, x, dim, log);
    output.resize(x.sizes());
    output.copy(fresh);
    return;
  }
  output.resize(x.sizes());
  const T* in = x.data();
  T* out = output.data();
  // out = x - (its line's maximum), then exp over all of it, then per line the sum
  detail::forEachLine(x.sizes(), dim, [&](index_t at, index_t n, index_t s) {
    const T mx = detail::lineMax(in + at, n, s);
    for (index_t k = 0; k < n; ++k) out[at + k * s] = in[at + k * s] - mx;
  });
  detail::expAll(out, out, x.nElement());
  detail::forEachLine(x.sizes(), dim, [&](index_t at, index_t n, index_t s) {
    const T* a = in + at;
    T* b = out + at;
    double sum = 0;
    for (index_t k = 0; k < n; ++k) sum += b[k * s];
    if (log) {
      const T lse = detail::lineMax(a, n, s) + static_cast<T>(std::log(sum));
      for (index_t k = 0; k < n; ++k) b[k * s] = a[k * s] - lse;
    } else {
      const T inv = static_cast<T>(1 / sum);
      for (index_t k = 0; k < n; ++k) b[k * s] *= inv;
    }
  });
}

/// gradInput of softmax (log = false: output * (gradOutput - sum(gradOutput * output))) or
/// of log-softmax (log = true: gradOutput - exp(output) * sum(gradOutput)), from the forward
/// output. A gradInput that shares memory with gradOutput or the output is computed through a
/// temporary.
template <Element T>
void softmaxBackward(Tensor<T>& gradInput, const Tensor<T>& gradOutput, const Tensor<T>& output, int dim, bool log) {
  if (!gradOutput.isSameSizeAs(output))
    t7::detail::fail<SizeError>(log ? "LogSoftMax" : "SoftMax", ": gradOutput [", gradOutput.sizes().toString(),
                                "] differs from the output [", output.sizes().toString(), "]");
  const Tensor<T> g = gradOutput.isContiguous() ? gradOutput : gradOutput.contiguous();
  const Tensor<T> y = output.isContiguous() ? output : output.contiguous();
  if (t7::detail::mayOverlap(gradInput, g) || t7::detail::mayOverlap(gradInput, y)) {
    Tensor<T> fresh;
    softmaxBackward(fresh, g, y, dim, log);
    gradInput.resize(y.sizes());
    gradInput.copy(fresh);
    return;
  }
  gradInput.resize(y.sizes());
  const T* gp = g.data();
  const T* yp = y.data();
  T* out = gradInput.data();
  if (log) detail::expAll(out, yp, y.nElement());  // the softmax, exp(output)
  detail::forEachLine(y.sizes(), dim, [&](index_t at, index_t n, index_t s) {
    const T* gl = gp + at;
    const T* yl = yp + at;
    T* r = out + at;
    double sum = 0;
    if (log) {
      for (index_t k = 0; k < n; ++k) sum += gl[k * s];
      for (index_t k = 0; k < n; ++k) r[k * s] = gl[k * s] - r[k * s] * static_cast<T>(sum);
    } else {
      for (index_t k = 0; k < n; ++k) sum += gl[k * s] * yl[k * s];
      for (index_t k = 0; k < n; ++k) r[k * s] = yl[k * s] * (gl[k * s] - static_cast<T>(sum));
    }
  });
}

}  // namespace t7::kernels
