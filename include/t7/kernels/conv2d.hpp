#pragma once
/// \file conv2d.hpp
/// 2-D convolution (Torch7's cross-correlation) and transposed convolution, forward and both
/// backward passes, as im2col + GEMM: the one implementation behind nn::SpatialConvolution,
/// SpatialConvolutionMM, SpatialDilatedConvolution and SpatialFullConvolution (and autograd
/// and CUDA later). Torch7's THNN SpatialConvolutionMM / SpatialDilatedConvolution /
/// SpatialFullConvolution compute the same products.
///
/// Three products cover all six passes (A is a weight matrix [M x K], X_n an image, Y_n a
/// [M x P] matrix, per sample n; K = C*kH*kW, P = outH*outW of the window `g` over X):
///
/// | product                          | convolution        | transposed convolution |
/// |----------------------------------|--------------------|------------------------|
/// | Y_n = A im2col(X_n) (+ bias)     | forward            | backward-input         |
/// | X_n = col2im(A^T Y_n) (+ bias)   | backward-input     | forward                |
/// | G += s sum_n Y_n im2col(X_n)^T   | accGradParameters  | accGradParameters      |
///
/// Threads: a batch whose size reaches the thread count runs one sample per thread (OpenMP,
/// static schedule), each thread with its own columns slice and single-threaded GEMMs
/// (OpenBLAS and Eigen do not nest inside a parallel region); the weight gradient then goes
/// to per-thread partial sums, added at the end. A single sample (or a batch smaller than the
/// thread count) runs its samples in turn: im2col/col2im split over threads, then one
/// multi-threaded GEMM. A 1x1 kernel with stride 1 and no padding needs no im2col: the image
/// is the columns matrix.
///
/// Stride-1, undilated convolutions skip im2col where a direct kernel was measured faster:
/// conv2d_direct.hpp's for 1 to 4 input planes (forward and weight gradient), else, in float
/// under AVX-512, conv2d_tiles.hpp's (forward for 12 output planes or more, input gradient
/// for 3 input planes or more, weight gradient of 5- to 8-column kernels).
///
/// Contract (the modules check it): input, gradOutput, weight and gradWeight contiguous;
/// weight holding M*K elements, bias M (or none: empty), shapes matching `g`. Workspaces
/// (`columns`, `partials`) are resized here and kept by the caller, so a steady step of a
/// fixed shape allocates nothing.

#include <algorithm>
#include <cstring>

#include "t7/kernels/conv2d_direct.hpp"
#include "t7/kernels/conv2d_tiles.hpp"
#include "t7/kernels/detail/bias.hpp"
#include "t7/kernels/detail/threads.hpp"
#include "t7/kernels/im2col.hpp"
#include "t7/math/detail/blas_backend.hpp"
#include "t7/tensor/tensor.hpp"


namespace t7::kernels {

// ---- convolution ---------------------------------------------------------------------------

/// output = weight * input + bias over the window `g` (g.channels = nInputPlane): input
/// [C x H x W] or [N x C x H x W], weight [nOut x C x kH x kW] (any shape with those
/// elements, e.g. SpatialConvolutionMM's [nOut x C*kH*kW]), bias [nOut] or empty; output
/// resized to [nOut x outH x outW] or [N x nOut x outH x outW]. `columns` is a workspace.
/// Torch7's SpatialConvolutionMM_updateOutput (with dilation: SpatialDilatedConvolution's).
template <Element T>
void conv2dForward(Tensor<T>& output, const Tensor<T>& input, const Tensor<T>& weight, const Tensor<T>& bias,
                   const Window2d& g, Tensor<T>& columns);

/// gradInput = the convolution's input gradient for gradOutput ([nOut x outH x outW] or
/// [N x nOut x outH x outW]); gradInput resized to [C x H x W] or [N x C x H x W].
/// Torch7's SpatialConvolutionMM_updateGradInput.
template <Element T>
void conv2dBackwardInput(Tensor<T>& gradInput, const Tensor<T>& gradOutput, const Tensor<T>& weight,
                         const Window2d& g, Tensor<T>& columns);

/// gradWeight += scale * sum_n gradOutput_n im2col(input_n)^T; gradBias += scale * (sums of
/// gradOutput over batch and pixels), skipped when gradBias is empty. `columns` and
/// `partials` (per-thread gradient sums) are workspaces. Torch7's
/// SpatialConvolutionMM_accGradParameters.
template <Element T>
void conv2dAccGradParameters(Tensor<T>& gradWeight, Tensor<T>& gradBias, const Tensor<T>& input,
                             const Tensor<T>& gradOutput, const Window2d& g, double scale, Tensor<T>& columns,
                             Tensor<T>& partials);

// ---- transposed convolution ----------------------------------------------------------------

/// The transposed ("full") convolution: `g` is the window over the OUTPUT image (g.channels =
/// nOutputPlane, g.height x g.width = the output size, so g.outH() x g.outW() is the input
/// size); input [nIn x outH x outW] or [N x ...]; weight [nIn x nOut x kH x kW]; bias [nOut]
/// or empty; output resized to [nOut x H x W] or [N x nOut x H x W].
/// Torch7's SpatialFullConvolution_updateOutput.
template <Element T>
void fullConv2dForward(Tensor<T>& output, const Tensor<T>& input, const Tensor<T>& weight, const Tensor<T>& bias,
                       const Window2d& g, Tensor<T>& columns);

/// gradInput (resized to [nIn x g.outH() x g.outW()] or batch) for gradOutput ([nOut x H x W]
/// or batch). Torch7's SpatialFullConvolution_updateGradInput.
template <Element T>
void fullConv2dBackwardInput(Tensor<T>& gradInput, const Tensor<T>& gradOutput, const Tensor<T>& weight,
                             const Window2d& g, Tensor<T>& columns);

/// gradWeight ([nIn x nOut x kH x kW]) += scale * sum_n input_n im2col(gradOutput_n)^T;
/// gradBias += scale * sums of gradOutput. Torch7's SpatialFullConvolution_accGradParameters.
template <Element T>
void fullConv2dAccGradParameters(Tensor<T>& gradWeight, Tensor<T>& gradBias, const Tensor<T>& input,
                                 const Tensor<T>& gradOutput, const Window2d& g, double scale, Tensor<T>& columns,
                                 Tensor<T>& partials);

// ---- definitions ---------------------------------------------------------------------------

namespace detail::conv {

using kernels::detail::maxThreads;
using kernels::detail::threadId;

/// Below this many multiply-adds a parallel region costs more than it saves.
inline constexpr double kParallelWork = 1 << 16;

/// True when the window's columns matrix is the image itself (1x1 kernel, stride 1, no padding).
inline bool isPointwise(const Window2d& g) {
  return g.kH == 1 && g.kW == 1 && g.dH == 1 && g.dW == 1 && g.padH == 0 && g.padW == 0;
}

/// True when a batch of n samples of `work` multiply-adds each runs one sample per thread.
inline bool samplePerThread(index_t n, double work) {
  const int t = maxThreads();
  return t > 1 && n > 1 && n >= t && static_cast<double>(n) * work >= kParallelWork;
}

/// Samples per GEMM for a batch (groups of samples run one per thread): images with few
/// output pixels (P < 512, e.g. 10x10 or 12x12 maps) are unfolded side by side into one
/// [K x G*P] columns matrix, so the GEMM's long dimension is G*P >= 512 instead of a short P.
/// 1 (no grouping) for large images, single samples and the im2col-free 1x1 case.
inline index_t groupSize(const Window2d& g, index_t N) {
  const index_t P = g.outH() * g.outW();
  if (isPointwise(g) || P >= 512 || N < 2) return 1;
  return std::min<index_t>((512 + P - 1) / P, std::max<index_t>(N / maxThreads(), 1));
}

/// Unfolds samples [n0, n0 + G) of x side by side into cols [K x G*P].
template <class T>
void unfoldGroup(const T* x, const Window2d& g, index_t n0, index_t G, T* cols) {
  const index_t K = g.patchSize(), P = g.outH() * g.outW(), xs = g.channels * g.height * g.width;
  for (index_t s = 0; s < G; ++s) im2colRows(x + (n0 + s) * xs, g, cols + s * P, 0, K, G * P);
}

/// Runs `group(n0, gn, slot)` for the groups of G samples of a batch of N, one group per
/// thread at a time; `slot` is the thread's `slotSize` elements of `columns` (resized here).
template <class T, class Group>
void forEachGroup(index_t N, index_t G, index_t slotSize, Tensor<T>& columns, Group&& group) {
  const index_t groups = (N + G - 1) / G;
  columns.resize(maxThreads(), slotSize);
  T* ws = columns.data();
#pragma omp parallel for schedule(static)
  for (index_t q = 0; q < groups; ++q) group(q * G, std::min(G, N - q * G), ws + threadId() * slotSize);
}

/// im2col of one image; `split`: the rows are shared among threads.
template <class T>
void unfold(const T* image, const Window2d& g, T* columns, bool split) {
  const index_t rows = g.patchSize();
  const double work = static_cast<double>(rows) * g.outH() * g.outW();
  if (split && rows > 1 && work >= kParallelWork && maxThreads() > 1) {
#pragma omp parallel for schedule(static)
    for (index_t r = 0; r < rows; ++r) im2colRows(image, g, columns, r, r + 1);
  } else {
    im2colRows(image, g, columns, 0, rows);
  }
}

/// col2im of one image (accumulating); `split`: the channels are shared among threads.
template <class T>
void fold(const T* columns, const Window2d& g, T* image, bool split) {
  const double work = static_cast<double>(g.patchSize()) * g.outH() * g.outW();
  if (split && g.channels > 1 && work >= kParallelWork && maxThreads() > 1) {
#pragma omp parallel for schedule(static)
    for (index_t c = 0; c < g.channels; ++c) col2imChannels(columns, g, image, c, c + 1);
  } else {
    col2imChannels(columns, g, image, 0, g.channels);
  }
}

/// Fills the `rows` rows of `len` elements of y with value[row] (zeros when value is null).
template <class T>
void fillRows(T* y, index_t rows, index_t len, const T* value) {
  if (value == nullptr) {
    std::memset(static_cast<void*>(y), 0, sizeof(T) * rows * len);
  } else {
    for (index_t r = 0; r < rows; ++r) std::fill(y + r * len, y + (r + 1) * len, value[r]);
  }
}

/// Y_n [M x P] = A [M x K] im2col(X_n) (+ bias[m] on row m), for n < N.
template <class T>
void unfoldGemm(const T* a, index_t M, const Window2d& g, const T* x, const T* bias, T* y, index_t N,
                Tensor<T>& columns) {
  const index_t K = g.patchSize(), P = g.outH() * g.outW();
  const index_t xs = g.channels * g.height * g.width, ys = M * P;
  if (N == 0 || M == 0 || K == 0 || P == 0) return;
  const bool direct = isPointwise(g);
  if (const index_t G = groupSize(g, N); G > 1) {  // groups of G samples, one GEMM each
    forEachGroup(N, G, (K + M) * G * P, columns, [&](index_t n0, index_t gn, T* cols) {
      T* prod = cols + K * G * P;  // [M x gn*P]
      unfoldGroup(x, g, n0, gn, cols);
      t7::detail::blas::gemm(false, false, M, gn * P, K, T(1), a, K, cols, gn * P, T(0), prod, gn * P);
      for (index_t s = 0; s < gn; ++s)
        for (index_t m = 0; m < M; ++m) {
          const T* src = prod + m * gn * P + s * P;
          T* dst = y + (n0 + s) * ys + m * P;
          const T add = bias != nullptr ? bias[m] : T(0);
          for (index_t p = 0; p < P; ++p) dst[p] = src[p] + add;
        }
    });
    return;
  }
  auto sample = [&](index_t n, T* cols, bool split) {
    const T* b = x + n * xs;
    if (!direct) {
      unfold(b, g, cols, split);
      b = cols;
    }
    T* yn = y + n * ys;
    if (bias != nullptr) fillRows(yn, M, P, bias);
    t7::detail::blas::gemm(false, false, M, P, K, T(1), a, K, b, P, bias != nullptr ? T(1) : T(0), yn, P);
  };
  if (samplePerThread(N, static_cast<double>(M) * K * P)) {
    if (!direct) columns.resize(maxThreads(), K, P);
    T* ws = columns.data();
#pragma omp parallel for schedule(static)
    for (index_t n = 0; n < N; ++n) sample(n, direct ? nullptr : ws + threadId() * K * P, false);
  } else {
    if (!direct) columns.resize(1, K, P);
    for (index_t n = 0; n < N; ++n) sample(n, direct ? nullptr : columns.data(), true);
  }
}

/// X_n = col2im(A^T Y_n) (+ bias[c] on channel c of X_n; else X_n starts from zero), A [M x K].
template <class T>
void gemmFold(const T* a, index_t M, const Window2d& g, const T* y, const T* bias, T* x, index_t N,
              Tensor<T>& columns) {
  const index_t K = g.patchSize(), P = g.outH() * g.outW(), HW = g.height * g.width;
  const index_t xs = g.channels * HW, ys = M * P;
  if (N == 0 || xs == 0) return;
  if (M == 0 || P == 0) {  // nothing folds in: the bias alone
    for (index_t n = 0; n < N; ++n) fillRows(x + n * xs, g.channels, HW, bias);
    return;
  }
  const bool direct = isPointwise(g);
  if (const index_t G = groupSize(g, N); G > 1) {  // groups of G samples, one GEMM each
    forEachGroup(N, G, (K + M) * G * P, columns, [&](index_t n0, index_t gn, T* cols) {
      T* grads = cols + K * G * P;  // the group's Y, [M x gn*P]
      for (index_t s = 0; s < gn; ++s)
        for (index_t m = 0; m < M; ++m)
          std::memcpy(grads + m * gn * P + s * P, y + (n0 + s) * ys + m * P, sizeof(T) * P);
      t7::detail::blas::gemm(true, false, K, gn * P, M, T(1), a, K, grads, gn * P, T(0), cols, gn * P);
      for (index_t s = 0; s < gn; ++s) {
        T* xn = x + (n0 + s) * xs;
        fillRows(xn, g.channels, HW, bias);
        col2imChannels(cols + s * P, g, xn, 0, g.channels, gn * P);
      }
    });
    return;
  }
  auto sample = [&](index_t n, T* cols, bool split) {
    T* xn = x + n * xs;
    const T* yn = y + n * ys;
    if (direct) {
      if (bias != nullptr) fillRows(xn, g.channels, HW, bias);
      t7::detail::blas::gemm(true, false, K, P, M, T(1), a, K, yn, P, bias != nullptr ? T(1) : T(0), xn, P);
    } else {
      t7::detail::blas::gemm(true, false, K, P, M, T(1), a, K, yn, P, T(0), cols, P);
      fillRows(xn, g.channels, HW, bias);
      fold(cols, g, xn, split);
    }
  };
  if (samplePerThread(N, static_cast<double>(M) * K * P)) {
    if (!direct) columns.resize(maxThreads(), K, P);
    T* ws = columns.data();
#pragma omp parallel for schedule(static)
    for (index_t n = 0; n < N; ++n) sample(n, direct ? nullptr : ws + threadId() * K * P, false);
  } else {
    if (!direct) columns.resize(1, K, P);
    for (index_t n = 0; n < N; ++n) sample(n, direct ? nullptr : columns.data(), true);
  }
}

/// G [M x K] += scale * sum_n Y_n [M x P] im2col(X_n)^T.
template <class T>
void accUnfold(const T* y, index_t M, const Window2d& g, const T* x, T* G, T scale, index_t N, Tensor<T>& columns,
               Tensor<T>& partials) {
  const index_t K = g.patchSize(), P = g.outH() * g.outW();
  const index_t xs = g.channels * g.height * g.width, ys = M * P, MK = M * K;
  if (N == 0 || M == 0 || K == 0 || P == 0 || scale == T(0)) return;
  const bool direct = isPointwise(g);
  if (const index_t GS = groupSize(g, N); GS > 1) {  // groups of GS samples, one GEMM each
    const index_t groups = (N + GS - 1) / GS, slot = (K + M) * GS * P;
    columns.resize(maxThreads(), slot);
    T* ws = columns.data();
    kernels::detail::sumPerThread(groups, MK, partials, G, scale, [&](index_t q, T* mine, int t) {
      const index_t n0 = q * GS, gn = std::min(GS, N - n0);
      T* cols = ws + t * slot;
      T* grads = cols + K * GS * P;  // gradOutput of the group, [M x gn*P]
      unfoldGroup(x, g, n0, gn, cols);
      for (index_t s = 0; s < gn; ++s)
        for (index_t m = 0; m < M; ++m)
          std::memcpy(grads + m * gn * P + s * P, y + (n0 + s) * ys + m * P, sizeof(T) * P);
      t7::detail::blas::gemm(false, true, M, K, gn * P, T(1), grads, gn * P, cols, gn * P, T(1), mine, K);
    });
    return;
  }
  if (samplePerThread(N, static_cast<double>(M) * K * P)) {
    if (!direct) columns.resize(maxThreads(), K, P);
    T* ws = columns.data();
    kernels::detail::sumPerThread(N, MK, partials, G, scale, [&](index_t n, T* mine, int t) {
      const T* b = x + n * xs;
      if (!direct) {
        T* cols = ws + t * K * P;
        im2colRows(b, g, cols, 0, K);
        b = cols;
      }
      t7::detail::blas::gemm(false, true, M, K, P, T(1), y + n * ys, P, b, P, T(1), mine, K);
    });
  } else {
    if (!direct) columns.resize(1, K, P);
    for (index_t n = 0; n < N; ++n) {
      const T* b = x + n * xs;
      if (!direct) {
        unfold(b, g, columns.data(), true);
        b = columns.data();
      }
      t7::detail::blas::gemm(false, true, M, K, P, scale, y + n * ys, P, b, P, T(1), G, K);
    }
  }
}

using kernels::detail::accBiasGrad;

/// The batch size of a 3-D (one sample: 1) or 4-D tensor.
template <Element T>
index_t batchOf(const Tensor<T>& t) {
  return t.dim() == 4 ? t.size(0) : 1;
}

/// Resizes t to [c x h x w], or [n x c x h x w] when `batch`.
template <Element T>
void resizeImage(Tensor<T>& t, bool batch, index_t n, index_t c, index_t h, index_t w) {
  if (batch) t.resize(n, c, h, w);
  else t.resize(c, h, w);
}

}  // namespace detail::conv

template <Element T>
void conv2dForward(Tensor<T>& output, const Tensor<T>& input, const Tensor<T>& weight, const Tensor<T>& bias,
                   const Window2d& g, Tensor<T>& columns) {
  T7_DEBUG_ASSERT(input.isContiguous() && weight.isContiguous());
  const index_t N = detail::conv::batchOf(input), M = weight.nElement() / std::max<index_t>(g.patchSize(), 1);
  detail::conv::resizeImage(output, input.dim() == 4, N, M, g.outH(), g.outW());
  const T* b = bias.nElement() > 0 ? bias.data() : nullptr;
  if (detail::direct::applies<T>(g)) {
    detail::direct::forward(input.data(), g, weight.data(), M, b, output.data(), N, columns);
    return;
  }
  if (detail::tiles::forwardApplies<T>(g, M)) {
    detail::tiles::forward(input.data(), g, weight.data(), M, b, output.data(), N, columns);
    return;
  }
  detail::conv::unfoldGemm(weight.data(), M, g, input.data(), b, output.data(), N, columns);
}

template <Element T>
void conv2dBackwardInput(Tensor<T>& gradInput, const Tensor<T>& gradOutput, const Tensor<T>& weight,
                         const Window2d& g, Tensor<T>& columns) {
  T7_DEBUG_ASSERT(gradOutput.isContiguous() && weight.isContiguous());
  const index_t N = detail::conv::batchOf(gradOutput), M = weight.nElement() / std::max<index_t>(g.patchSize(), 1);
  detail::conv::resizeImage(gradInput, gradOutput.dim() == 4, N, g.channels, g.height, g.width);
  if (detail::tiles::inputApplies<T>(g, M)) {
    detail::tiles::backwardInput(gradOutput.data(), g, weight.data(), M, gradInput.data(), N, columns);
    return;
  }
  detail::conv::gemmFold(weight.data(), M, g, gradOutput.data(), static_cast<const T*>(nullptr), gradInput.data(),
                         N, columns);
}

template <Element T>
void conv2dAccGradParameters(Tensor<T>& gradWeight, Tensor<T>& gradBias, const Tensor<T>& input,
                             const Tensor<T>& gradOutput, const Window2d& g, double scale, Tensor<T>& columns,
                             Tensor<T>& partials) {
  T7_DEBUG_ASSERT(input.isContiguous() && gradOutput.isContiguous() && gradWeight.isContiguous());
  const index_t N = detail::conv::batchOf(input), M = gradWeight.nElement() / std::max<index_t>(g.patchSize(), 1);
  const T s = static_cast<T>(scale);
  if (detail::direct::applies<T>(g)) {
    if (s != T(0)) detail::direct::accGrad(input.data(), g, gradOutput.data(), M, gradWeight.data(), s, N, columns, partials);
  } else if (detail::tiles::gradApplies<T>(g, M)) {
    detail::tiles::accGrad(input.data(), g, gradOutput.data(), M, gradWeight.data(), s, N, columns, partials);
  } else {
    detail::conv::accUnfold(gradOutput.data(), M, g, input.data(), gradWeight.data(), s, N, columns, partials);
  }
  if (gradBias.nElement() > 0)
    detail::conv::accBiasGrad(gradOutput.data(), N, M, g.outH() * g.outW(), gradBias.data(), s);
}

template <Element T>
void fullConv2dForward(Tensor<T>& output, const Tensor<T>& input, const Tensor<T>& weight, const Tensor<T>& bias,
                       const Window2d& g, Tensor<T>& columns) {
  T7_DEBUG_ASSERT(input.isContiguous() && weight.isContiguous());
  const index_t N = detail::conv::batchOf(input), M = weight.nElement() / std::max<index_t>(g.patchSize(), 1);
  detail::conv::resizeImage(output, input.dim() == 4, N, g.channels, g.height, g.width);
  const T* b = bias.nElement() > 0 ? bias.data() : nullptr;
  detail::conv::gemmFold(weight.data(), M, g, input.data(), b, output.data(), N, columns);
}

template <Element T>
void fullConv2dBackwardInput(Tensor<T>& gradInput, const Tensor<T>& gradOutput, const Tensor<T>& weight,
                             const Window2d& g, Tensor<T>& columns) {
  T7_DEBUG_ASSERT(gradOutput.isContiguous() && weight.isContiguous());
  const index_t N = detail::conv::batchOf(gradOutput), M = weight.nElement() / std::max<index_t>(g.patchSize(), 1);
  detail::conv::resizeImage(gradInput, gradOutput.dim() == 4, N, M, g.outH(), g.outW());
  detail::conv::unfoldGemm(weight.data(), M, g, gradOutput.data(), static_cast<const T*>(nullptr), gradInput.data(),
                           N, columns);
}

template <Element T>
void fullConv2dAccGradParameters(Tensor<T>& gradWeight, Tensor<T>& gradBias, const Tensor<T>& input,
                                 const Tensor<T>& gradOutput, const Window2d& g, double scale, Tensor<T>& columns,
                                 Tensor<T>& partials) {
  T7_DEBUG_ASSERT(input.isContiguous() && gradOutput.isContiguous() && gradWeight.isContiguous());
  const index_t N = detail::conv::batchOf(input), M = gradWeight.nElement() / std::max<index_t>(g.patchSize(), 1);
  const T s = static_cast<T>(scale);
  detail::conv::accUnfold(input.data(), M, g, gradOutput.data(), gradWeight.data(), s, N, columns, partials);
  if (gradBias.nElement() > 0)
    detail::conv::accBiasGrad(gradOutput.data(), N, g.channels, g.height * g.width, gradBias.data(), s);
}

}  // namespace t7::kernels
