#pragma once
/// \file conv_local.hpp
/// The locally connected 2-D convolution (untied weights: one kernel per output location),
/// Torch7's THNN SpatialConvolutionLocal: the math behind nn::SpatialConvolutionLocal.
///
/// With the columns of sample s, X_s = im2col(input_s) ([K x P], K = nIn*kH*kW,
/// P = oH*oW), and W_p the [nOut x K] weight of output location p:
///
///     output[s][o][p] = bias[o][p] + sum_k W_p[o][k] X_s[k][p]
///
/// Torch7 computes one matrix-vector product per (sample, location). Here each location
/// runs ONE small GEMM over the whole batch (its weight read once per batch, not once per
/// sample): the batch's patches of location p are gathered into [n x K], multiplied by W_p^T,
/// and scattered into the output. Threads run over the samples for im2col/col2im and over the
/// locations for the products (each location owns its weight gradient: no races).

#include <algorithm>

#include "t7/kernels/conv_other.hpp"
#include "t7/kernels/im2col.hpp"

namespace t7::kernels {

/// Elements of the per-thread scratch the local-convolution kernels need: maxThreads()
/// slices of n * (K + nOut).
inline index_t localConvolutionScratchSize(index_t n, index_t nOut, const Window2d& g) {
  return static_cast<index_t>(detail::maxThreads()) * n * (g.patchSize() + nOut);
}

/// output [n x nOut x oH x oW] from `n` contiguous images; weight [oH*oW x nOut x K] (K =
/// g.patchSize()), bias [nOut x oH*oW] or nullptr. `columns` holds n * K * oH*oW elements,
/// `scratch` localConvolutionScratchSize(n, nOut, g).
template <class T>
void localConvolutionForward(const T* input, index_t n, const T* weight, const T* bias, T* output, index_t nOut,
                             const Window2d& g, T* columns, T* scratch);
/// gradInput (overwritten) from gradOutput; buffers as for the forward.
template <class T>
void localConvolutionBackwardInput(const T* gradOutput, index_t n, const T* weight, T* gradInput, index_t nOut,
                                   const Window2d& g, T* columns, T* scratch);
/// gradWeight += scale * dW, gradBias += scale * db (gradBias may be nullptr); the columns
/// are recomputed from `input`.
template <class T>
void localConvolutionAccGrad(const T* input, const T* gradOutput, index_t n, T* gradWeight, T* gradBias, T scale,
                             index_t nOut, const Window2d& g, T* columns, T* scratch);

// ---- definitions -------------------------------------------------------------------------

namespace detail {

/// im2col of every sample into columns [n x K x P].
template <class T>
void im2colBatch(const T* input, index_t n, const Window2d& g, T* columns) {
  const index_t K = g.patchSize(), P = g.outH() * g.outW(), inSample = g.channels * g.height * g.width;
  [[maybe_unused]] const bool parallel = n > 1 && n * K * P > kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t s = 0; s < n; ++s) im2col(input + s * inSample, g, columns + s * K * P);
}

/// dst[s * ld + j] = src[s * sampleStride + j * P + p] for s < n, j < m: location p's
/// entries of every sample, as an [n x m] matrix.
template <class T>
void gatherLocation(const T* src, index_t n, index_t m, index_t P, index_t p, T* dst) {
  for (index_t s = 0; s < n; ++s) {
    const T* from = src + s * m * P + p;
    T* to = dst + s * m;
    for (index_t j = 0; j < m; ++j) to[j] = from[j * P];
  }
}

}  // namespace detail

template <class T>
void localConvolutionForward(const T* input, index_t n, const T* weight, const T* bias, T* output, index_t nOut,
                             const Window2d& g, T* columns, T* scratch) {
  const index_t K = g.patchSize(), P = g.outH() * g.outW();
  detail::im2colBatch(input, n, g, columns);
  const bool parallel = P > 1 && n * nOut * K * P > detail::kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t p = 0; p < P; ++p) {
    T* X = scratch + (parallel ? detail::threadId() : 0) * n * (K + nOut);
    T* Y = X + n * K;
    detail::gatherLocation(columns, n, K, P, p, X);
    t7::detail::blas::gemm(false, true, n, nOut, K, T(1), X, K, weight + p * nOut * K, K, T(0), Y, nOut);
    for (index_t s = 0; s < n; ++s) {
      T* out = output + s * nOut * P + p;
      for (index_t o = 0; o < nOut; ++o) out[o * P] = Y[s * nOut + o] + (bias ? bias[o * P + p] : T(0));
    }
  }
}

template <class T>
void localConvolutionBackwardInput(const T* gradOutput, index_t n, const T* weight, T* gradInput, index_t nOut,
                                   const Window2d& g, T* columns, T* scratch) {
  const index_t K = g.patchSize(), P = g.outH() * g.outW(), inSample = g.channels * g.height * g.width;
  const bool parallel = P > 1 && n * nOut * K * P > detail::kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t p = 0; p < P; ++p) {
    T* G = scratch + (parallel ? detail::threadId() : 0) * n * (K + nOut);
    T* D = G + n * nOut;
    detail::gatherLocation(gradOutput, n, nOut, P, p, G);
    t7::detail::blas::gemm(false, false, n, K, nOut, T(1), G, nOut, weight + p * nOut * K, K, T(0), D, K);
    for (index_t s = 0; s < n; ++s) {
      T* col = columns + s * K * P + p;
      for (index_t k = 0; k < K; ++k) col[k * P] = D[s * K + k];
    }
  }
  [[maybe_unused]] const bool parallelFold = n > 1 && n * K * P > detail::kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallelFold)
  for (index_t s = 0; s < n; ++s) {
    T* gin = gradInput + s * inSample;
    std::fill(gin, gin + inSample, T(0));
    col2im(columns + s * K * P, g, gin);
  }
}

template <class T>
void localConvolutionAccGrad(const T* input, const T* gradOutput, index_t n, T* gradWeight, T* gradBias, T scale,
                             index_t nOut, const Window2d& g, T* columns, T* scratch) {
  const index_t K = g.patchSize(), P = g.outH() * g.outW();
  detail::im2colBatch(input, n, g, columns);
  const bool parallel = P > 1 && n * nOut * K * P > detail::kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t p = 0; p < P; ++p) {
    T* X = scratch + (parallel ? detail::threadId() : 0) * n * (K + nOut);
    T* G = X + n * K;
    detail::gatherLocation(columns, n, K, P, p, X);
    detail::gatherLocation(gradOutput, n, nOut, P, p, G);
    t7::detail::blas::gemm(true, false, nOut, K, n, scale, G, nOut, X, K, T(1), gradWeight + p * nOut * K, K);
    if (gradBias) {
      for (index_t o = 0; o < nOut; ++o) {
        T sum = 0;
        for (index_t s = 0; s < n; ++s) sum += G[s * nOut + o];
        gradBias[o * P + p] += scale * sum;
      }
    }
  }
}

}  // namespace t7::kernels
