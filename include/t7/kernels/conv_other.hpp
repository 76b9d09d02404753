#pragma once
/// \file conv_other.hpp
/// The temporal (1-D) and depth-wise 2-D convolutions on raw pointers: the math behind
/// nn::TemporalConvolution and nn::SpatialDepthWiseConvolution (and, later, autograd and
/// CUDA; DESIGN.md decision 6). The volumetric convolution lives in vol2col.hpp, the locally
/// connected one in conv_local.hpp.
///
/// Every function here works on ONE sample or on a batch of contiguous samples, writes into
/// memory the caller owns, and allocates nothing.
///
/// - Temporal: a sequence is [frames x inputFrameSize], row-major; the weight is
///   [outputFrameSize x kW*inputFrameSize] (Torch7's layout: the kW input frames of a window
///   side by side), so output frame t is bias + W * (input frames t*dW .. t*dW+kW-1 read as one
///   row). As Torch7 does, the frames are split into ceil(kW/dW) interleaved groups whose
///   windows do not overlap; each group is one GEMM on strided rows of the input.
/// - Depth-wise: input plane i is convolved with `depthwiseMultiplier` kernels of its own;
///   output plane i*multiplier + m = bias[m][i] + sum_{kh,kw} weight[m][i][kh][kw] *
///   input[i][y*dH - padH + kh][x*dW - padW + kw] (zero padding). Direct loops, one output
///   plane row at a time, threads over (sample, input plane).

#include <algorithm>
#include <cstring>

#include "t7/core/config.hpp"
#include "t7/kernels/detail/threads.hpp"
#include "t7/kernels/im2col.hpp"
#include "t7/math/detail/blas_backend.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace t7::kernels {

// ---- threads -----------------------------------------------------------------------------

namespace detail {
/// Below this many multiply-adds a loop stays on one thread.
inline constexpr index_t kMinParallelMacs = 1 << 15;
}  // namespace detail

// ---- temporal convolution ----------------------------------------------------------------

/// Geometry of Torch7's TemporalConvolution over one sequence of `frames` x `inputFrameSize`.
struct Temporal1d {
  index_t frames = 0, inputFrameSize = 0, outputFrameSize = 0;
  index_t kW = 1, dW = 1;
  /// floor((frames - kW) / dW) + 1 (<= 0 when the sequence is shorter than the kernel).
  index_t outFrames() const { return frames < kW ? 0 : (frames - kW) / dW + 1; }
};

/// output[s] = bias + conv(input[s]) for `n` contiguous sequences ([frames x inputFrameSize]
/// each, output [outFrames x outputFrameSize] each); `bias` may be nullptr.
template <class T>
void temporalConvolutionForward(const T* input, index_t n, const T* weight, const T* bias, T* output,
                                const Temporal1d& g);
/// gradInput[s] = the input gradient of sample s (overwritten).
template <class T>
void temporalConvolutionBackwardInput(const T* gradOutput, index_t n, const T* weight, T* gradInput,
                                      const Temporal1d& g);
/// gradWeight += scale * dW, gradBias += scale * db (gradBias may be nullptr).
template <class T>
void temporalConvolutionAccGrad(const T* input, const T* gradOutput, index_t n, T* gradWeight, T* gradBias,
                                T scale, const Temporal1d& g);

// ---- depth-wise convolution --------------------------------------------------------------

/// Geometry of Torch7's SpatialDepthWiseConvolution over one image of
/// `nInputPlane` x `height` x `width`.
struct DepthWise2d {
  index_t nInputPlane = 0, multiplier = 1, height = 0, width = 0;
  index_t kH = 1, kW = 1, dH = 1, dW = 1, padH = 0, padW = 0;
  index_t outH() const { return Window2d::outSize(height, kH, dH, padH, 1); }
  index_t outW() const { return Window2d::outSize(width, kW, dW, padW, 1); }
  index_t nOutputPlane() const { return nInputPlane * multiplier; }
};

/// output = depth-wise conv of `n` contiguous images; weight [multiplier x nIn x kH x kW],
/// bias [multiplier x nIn] or nullptr; output [n x nIn*multiplier x outH x outW].
template <class T>
void depthWiseConvolutionForward(const T* input, index_t n, const T* weight, const T* bias, T* output,
                                 const DepthWise2d& g);
/// gradInput (overwritten) from gradOutput.
template <class T>
void depthWiseConvolutionBackwardInput(const T* gradOutput, index_t n, const T* weight, T* gradInput,
                                       const DepthWise2d& g);
/// gradWeight += scale * dW, gradBias += scale * db (gradBias may be nullptr).
template <class T>
void depthWiseConvolutionAccGrad(const T* input, const T* gradOutput, index_t n, T* gradWeight, T* gradBias,
                                 T scale, const DepthWise2d& g);

// ---- definitions -------------------------------------------------------------------------

namespace detail {

/// The frame groups of Torch7's TemporalConvolution: output frames k, k+step, k+2 step, ...
/// read input windows that start `inStep` frames apart and never overlap (inStep >= kW), so
/// each group is a GEMM over rows `inStep * F` apart. Calls fn(k, count).
template <class F>
void forEachFrameGroup(const Temporal1d& g, F&& fn) {
  const index_t nOut = g.outFrames();
  const index_t step = (g.kW - 1) / g.dW + 1;
  for (index_t k = 0; k < std::min(step, nOut); ++k) fn(k, (nOut - k + step - 1) / step, step);
}

}  // namespace detail

template <class T>
void temporalConvolutionForward(const T* input, index_t n, const T* weight, const T* bias, T* output,
                                const Temporal1d& g) {
  const index_t F = g.inputFrameSize, O = g.outputFrameSize, nOut = g.outFrames(), K = g.kW * F;
  const index_t inSample = g.frames * F, outSample = nOut * O;
  [[maybe_unused]] const bool parallel = n > 1 && n * nOut * O * K > detail::kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t s = 0; s < n; ++s) {
    const T* in = input + s * inSample;
    T* out = output + s * outSample;
    for (index_t t = 0; t < nOut; ++t) {
      if (bias) std::copy(bias, bias + O, out + t * O);
      else std::fill(out + t * O, out + (t + 1) * O, T(0));
    }
    detail::forEachFrameGroup(g, [&](index_t k, index_t count, index_t step) {
      // out rows k, k+step, ... += (input windows) * W^T
      t7::detail::blas::gemm(false, true, count, O, K, T(1), in + k * g.dW * F, step * g.dW * F, weight, K, T(1),
                             out + k * O, step * O);
    });
  }
}

template <class T>
void temporalConvolutionBackwardInput(const T* gradOutput, index_t n, const T* weight, T* gradInput,
                                      const Temporal1d& g) {
  const index_t F = g.inputFrameSize, O = g.outputFrameSize, nOut = g.outFrames(), K = g.kW * F;
  const index_t inSample = g.frames * F, outSample = nOut * O;
  [[maybe_unused]] const bool parallel = n > 1 && n * nOut * O * K > detail::kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t s = 0; s < n; ++s) {
    T* gin = gradInput + s * inSample;
    const T* gout = gradOutput + s * outSample;
    std::fill(gin, gin + inSample, T(0));
    detail::forEachFrameGroup(g, [&](index_t k, index_t count, index_t step) {
      // input windows of the group (disjoint) += gradOutput rows * W
      t7::detail::blas::gemm(false, false, count, K, O, T(1), gout + k * O, step * O, weight, K, T(1),
                             gin + k * g.dW * F, step * g.dW * F);
    });
  }
}

template <class T>
void temporalConvolutionAccGrad(const T* input, const T* gradOutput, index_t n, T* gradWeight, T* gradBias,
                                T scale, const Temporal1d& g) {
  const index_t F = g.inputFrameSize, O = g.outputFrameSize, nOut = g.outFrames(), K = g.kW * F;
  const index_t inSample = g.frames * F, outSample = nOut * O;
  for (index_t s = 0; s < n; ++s) {
    const T* in = input + s * inSample;
    const T* gout = gradOutput + s * outSample;
    if (gradBias) {
      for (index_t t = 0; t < nOut; ++t)
        for (index_t o = 0; o < O; ++o) gradBias[o] += scale * gout[t * O + o];
    }
    detail::forEachFrameGroup(g, [&](index_t k, index_t count, index_t step) {
      // gradWeight += scale * (gradOutput rows)^T * (input windows)
      t7::detail::blas::gemm(true, false, O, K, count, scale, gout + k * O, step * O, in + k * g.dW * F,
                             step * g.dW * F, T(1), gradWeight, K);
    });
  }
}

template <class T>
void depthWiseConvolutionForward(const T* input, index_t n, const T* weight, const T* bias, T* output,
                                 const DepthWise2d& g) {
  const index_t nIn = g.nInputPlane, M = g.multiplier, H = g.height, W = g.width;
  const index_t oH = g.outH(), oW = g.outW(), kk = g.kH * g.kW;
  const index_t planes = n * nIn;
  [[maybe_unused]] const bool parallel = planes > 1 && planes * M * oH * oW * kk > detail::kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t p = 0; p < planes; ++p) {
    const index_t i = p % nIn;
    const T* in = input + p * H * W;
    for (index_t m = 0; m < M; ++m) {
      T* out = output + (p * M + m) * oH * oW;  // sample p / nIn, plane i*M + m
      std::fill(out, out + oH * oW, bias ? bias[m * nIn + i] : T(0));
      const T* w = weight + (m * nIn + i) * kk;
      // one output row at a time (it stays in L1 while the kH*kW taps add into it)
      for (index_t y = 0; y < oH; ++y) {
        T* o = out + y * oW;
        for (index_t kh = 0; kh < g.kH; ++kh) {
          const index_t iy = y * g.dH - g.padH + kh;
          if (iy < 0 || iy >= H) continue;
          for (index_t kw = 0; kw < g.kW; ++kw) {
            const T wv = w[kh * g.kW + kw];
            const index_t wOff = kw - g.padW;
            index_t lo, hi;
            detail::conv::insideRange(wOff, g.dW, W, oW, lo, hi);
            if (lo == hi) continue;
            const T* row = in + iy * W + lo * g.dW + wOff;  // column lo's pixel
            T* ol = o + lo;
            if (g.dW == 1) {
              for (index_t x = 0; x < hi - lo; ++x) ol[x] += wv * row[x];
            } else {
              for (index_t x = 0; x < hi - lo; ++x) ol[x] += wv * row[x * g.dW];
            }
          }
        }
      }
    }
  }
}

template <class T>
void depthWiseConvolutionBackwardInput(const T* gradOutput, index_t n, const T* weight, T* gradInput,
                                       const DepthWise2d& g) {
  const index_t nIn = g.nInputPlane, M = g.multiplier, H = g.height, W = g.width;
  const index_t oH = g.outH(), oW = g.outW(), kk = g.kH * g.kW;
  const index_t planes = n * nIn;
  [[maybe_unused]] const bool parallel = planes > 1 && planes * M * oH * oW * kk > detail::kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t p = 0; p < planes; ++p) {
    const index_t i = p % nIn;
    T* gin = gradInput + p * H * W;
    std::fill(gin, gin + H * W, T(0));
    for (index_t m = 0; m < M; ++m) {
      const T* gout = gradOutput + (p * M + m) * oH * oW;
      const T* w = weight + (m * nIn + i) * kk;
      for (index_t y = 0; y < oH; ++y) {
        const T* go = gout + y * oW;
        for (index_t kh = 0; kh < g.kH; ++kh) {
          const index_t iy = y * g.dH - g.padH + kh;
          if (iy < 0 || iy >= H) continue;
          for (index_t kw = 0; kw < g.kW; ++kw) {
            const T wv = w[kh * g.kW + kw];
            const index_t wOff = kw - g.padW;
            index_t lo, hi;
            detail::conv::insideRange(wOff, g.dW, W, oW, lo, hi);
            if (lo == hi) continue;
            T* row = gin + iy * W + lo * g.dW + wOff;  // column lo's pixel
            const T* gol = go + lo;
            if (g.dW == 1) {
              for (index_t x = 0; x < hi - lo; ++x) row[x] += wv * gol[x];
            } else {
              for (index_t x = 0; x < hi - lo; ++x) row[x * g.dW] += wv * gol[x];
            }
          }
        }
      }
    }
  }
}

template <class T>
void depthWiseConvolutionAccGrad(const T* input, const T* gradOutput, index_t n, T* gradWeight, T* gradBias,
                                 T scale, const DepthWise2d& g) {
  const index_t nIn = g.nInputPlane, M = g.multiplier, H = g.height, W = g.width;
  const index_t oH = g.outH(), oW = g.outW(), kk = g.kH * g.kW;
  // Input plane i owns gradWeight[:, i] and gradBias[:, i]: threads over i, no races.
  [[maybe_unused]] const bool parallel = nIn > 1 && n * nIn * M * oH * oW * kk > detail::kMinParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t i = 0; i < nIn; ++i) {
    for (index_t m = 0; m < M; ++m) {
      T* gw = gradWeight + (m * nIn + i) * kk;
      T biasSum = 0;
      for (index_t s = 0; s < n; ++s) {
        const T* in = input + (s * nIn + i) * H * W;
        const T* gout = gradOutput + ((s * nIn + i) * M + m) * oH * oW;
        if (gradBias)
          for (index_t q = 0; q < oH * oW; ++q) biasSum += gout[q];
        for (index_t kh = 0; kh < g.kH; ++kh) {
          for (index_t kw = 0; kw < g.kW; ++kw) {
            const index_t wOff = kw - g.padW;
            index_t lo, hi;
            detail::conv::insideRange(wOff, g.dW, W, oW, lo, hi);
            if (lo == hi) continue;
            T acc = 0;
            for (index_t y = 0; y < oH; ++y) {
              const index_t iy = y * g.dH - g.padH + kh;
              if (iy < 0 || iy >= H) continue;
              const T* row = in + iy * W + lo * g.dW + wOff;  // column lo's pixel
              acc += t7::detail::blas::dot(hi - lo, gout + y * oW + lo, 1, row, g.dW);  // vectorised
            }
            gw[kh * g.kW + kw] += scale * acc;
          }
        }
      }
      if (gradBias) gradBias[m * nIn + i] += scale * biasSum;
    }
  }
}

}  // namespace t7::kernels
