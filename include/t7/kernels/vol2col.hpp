#pragma once
/// \file vol2col.hpp
/// The 3-D unfolding ("vol2col") and its adjoint ("col2vol"), and the volumetric convolution
/// built on them (Torch7's THNN VolumetricConvolutionMM): the math behind
/// nn::VolumetricConvolution.
///
/// Layout: a volume is C x T x H x W, contiguous. The columns matrix is
/// [C*kT*kH*kW x oT*oH*oW], row-major: row (c, kt, kh, kw) = ((c*kT + kt)*kH + kh)*kW + kw,
/// column (t, y, x) = (t*oH + y)*oW + x, and
///
///     columns[(c,kt,kh,kw), (t,y,x)] = volume[c, t*dT - padT + kt, y*dH - padH + kh, x*dW - padW + kw]
///
/// with zeros in the padding. col2vol adds each entry back where vol2col read it (its
/// transpose). The convolution is then, per sample, output [nOut x oT*oH*oW] =
/// weight [nOut x C*kT*kH*kW] * columns (+ bias). The columns of a whole sample are large
/// (27x the input for a 3x3x3 kernel), so they are built and consumed in chunks of output
/// depth slices of about 1 MB (kChunkElements): one GEMM per chunk on a block that stays in
/// cache, and a workspace of one chunk per thread instead of one sample. Threads run over the
/// batch, each with its own chunk (BLAS single-threaded inside); a single sample runs
/// multi-threaded GEMMs.

#include <algorithm>
#include <cstring>

#include "t7/kernels/conv_other.hpp"
#include "t7/kernels/detail/bias.hpp"

namespace t7::kernels {

/// Geometry of a 3-D sliding window (Torch7's kT, kW, kH, dT, dW, dH, padT, padW, padH) over
/// a volume of `channels` x `depth` x `height` x `width`. An aggregate.
struct Window3d {
  index_t channels = 0, depth = 0, height = 0, width = 0;
  index_t kT = 1, kH = 1, kW = 1;
  index_t dT = 1, dH = 1, dW = 1;
  index_t padT = 0, padH = 0, padW = 0;

  /// floor((depth + 2 padT - kT) / dT) + 1, Torch7's formula (<= 0 when too small).
  index_t outT() const { return Window2d::outSize(depth, kT, dT, padT, 1); }
  index_t outH() const { return Window2d::outSize(height, kH, dH, padH, 1); }
  index_t outW() const { return Window2d::outSize(width, kW, dW, padW, 1); }
  /// Rows of the columns matrix: channels * kT * kH * kW.
  index_t patchSize() const { return channels * kT * kH * kW; }
  /// Columns of the columns matrix: outT * outH * outW.
  index_t outPlane() const { return outT() * outH() * outW(); }
  /// True when the columns matrix IS the volume (1x1x1 kernel, stride 1, no padding).
  bool isPointwise() const {
    return kT == 1 && kH == 1 && kW == 1 && dT == 1 && dH == 1 && dW == 1 && padT == 0 && padH == 0 && padW == 0;
  }
};

/// Unfolds `volume` (C x T x H x W, contiguous) into `columns` ([C*kT*kH*kW x oT*oH*oW];
/// every entry written, padding as zeros). Torch7's THNN `unfolded_copy_vol`.
template <class T>
void vol2col(const T* volume, const Window3d& g, T* columns);

/// vol2col restricted to the output depth slices [t0, t1): `columns` is
/// [C*kT*kH*kW x (t1-t0)*oH*oW], the columns of those slices.
template <class T>
void vol2colSlices(const T* volume, const Window3d& g, T* columns, index_t t0, index_t t1);

/// Folds `columns` back onto `volume`: every entry is ADDED to the voxel vol2col read it from
/// (the caller zeroes the volume first for a plain fold). Torch7's THNN `unfolded_acc_vol`.
template <class T>
void col2vol(const T* columns, const Window3d& g, T* volume);

/// col2vol of the columns of output depth slices [t0, t1) (as vol2colSlices writes them).
template <class T>
void col2volSlices(const T* columns, const Window3d& g, T* volume, index_t t0, index_t t1);

/// Elements of the `columns` workspace the volumetric kernels need for `n` samples: one chunk
/// of output depth slices per thread that may run (0 when g.isPointwise()).
inline index_t volumetricColumnsSize(index_t n, index_t nOut, const Window3d& g);

/// output = weight * vol2col(input) + bias for `n` contiguous samples; weight
/// [nOut x patchSize()], bias [nOut] or nullptr, output [n x nOut x oT x oH x oW].
/// `columns` holds volumetricColumnsSize(n, nOut, g) elements.
template <class T>
void volumetricConvolutionForward(const T* input, index_t n, const T* weight, const T* bias, T* output,
                                  index_t nOut, const Window3d& g, T* columns);
/// gradInput (overwritten) = col2vol(weight^T * gradOutput), per sample. `columns` as above.
template <class T>
void volumetricConvolutionBackwardInput(const T* gradOutput, index_t n, const T* weight, T* gradInput,
                                        index_t nOut, const Window3d& g, T* columns);
/// gradWeight += scale * gradOutput * vol2col(input)^T, gradBias += scale * (sums of
/// gradOutput's planes), over the batch (samples in turn, each GEMM multi-threaded).
/// `columns` holds volumetricColumnsSize(1, nOut, g) elements.
template <class T>
void volumetricConvolutionAccGrad(const T* input, const T* gradOutput, index_t n, T* gradWeight, T* gradBias,
                                  T scale, index_t nOut, const Window3d& g, T* columns);

// ---- definitions -------------------------------------------------------------------------

namespace detail {
/// Target size of one chunk of columns (elements): about 1 MB of floats, L2-sized.
inline constexpr index_t kChunkElements = index_t{1} << 18;

/// Output depth slices per chunk (at least one).
inline index_t volumetricChunkSlices(const Window3d& g) {
  const index_t perSlice = g.patchSize() * g.outH() * g.outW();
  return std::clamp<index_t>(kChunkElements / std::max<index_t>(perSlice, 1), 1, g.outT());
}

/// Whether the batch loop of the volumetric kernels runs on threads.
inline bool volumetricParallel(index_t n, index_t nOut, const Window3d& g) {
  return n > 1 && n * nOut * g.patchSize() * g.outPlane() > kMinParallelMacs;
}
}  // namespace detail

template <class T>
void vol2colSlices(const T* volume, const Window3d& g, T* columns, index_t t0, index_t t1) {
  const index_t oH = g.outH(), oW = g.outW();
  const index_t D = g.depth, H = g.height, W = g.width;
  const index_t k3 = g.kT * g.kH * g.kW, k2 = g.kH * g.kW;
  for (index_t r = 0; r < g.patchSize(); ++r) {
    const index_t c = r / k3, kt = (r % k3) / k2, kh = (r % k2) / g.kW, kw = r % g.kW;
    const index_t wOff = kw - g.padW;
    index_t lo, hi;
    detail::conv::insideRange(wOff, g.dW, W, oW, lo, hi);
    const T* vol = volume + c * D * H * W;
    T* out = columns + r * (t1 - t0) * oH * oW;
    for (index_t t = t0; t < t1; ++t) {
      const index_t it = t * g.dT - g.padT + kt;
      for (index_t y = 0; y < oH; ++y, out += oW) {
        const index_t iy = y * g.dH - g.padH + kh;
        if (it < 0 || it >= D || iy < 0 || iy >= H || lo == hi) {
          std::memset(static_cast<void*>(out), 0, sizeof(T) * oW);
          continue;
        }
        if (lo > 0) std::memset(static_cast<void*>(out), 0, sizeof(T) * lo);
        const T* in = vol + (it * H + iy) * W + lo * g.dW + wOff;  // column lo's voxel
        if (g.dW == 1) {
          std::memcpy(static_cast<void*>(out + lo), in, sizeof(T) * (hi - lo));
        } else {
          for (index_t i = 0, m = hi - lo; i < m; ++i) out[lo + i] = in[i * g.dW];
        }
        if (hi < oW) std::memset(static_cast<void*>(out + hi), 0, sizeof(T) * (oW - hi));
      }
    }
  }
}

template <class T>
void col2volSlices(const T* columns, const Window3d& g, T* volume, index_t t0, index_t t1) {
  const index_t oH = g.outH(), oW = g.outW();
  const index_t D = g.depth, H = g.height, W = g.width;
  const index_t k3 = g.kT * g.kH * g.kW, k2 = g.kH * g.kW;
  for (index_t r = 0; r < g.patchSize(); ++r) {
    const index_t c = r / k3, kt = (r % k3) / k2, kh = (r % k2) / g.kW, kw = r % g.kW;
    const index_t wOff = kw - g.padW;
    index_t lo, hi;
    detail::conv::insideRange(wOff, g.dW, W, oW, lo, hi);
    if (lo == hi) continue;
    T* vol = volume + c * D * H * W;
    const T* col = columns + r * (t1 - t0) * oH * oW;
    for (index_t t = t0; t < t1; ++t) {
      const index_t it = t * g.dT - g.padT + kt;
      for (index_t y = 0; y < oH; ++y, col += oW) {
        const index_t iy = y * g.dH - g.padH + kh;
        if (it < 0 || it >= D || iy < 0 || iy >= H) continue;
        T* out = vol + (it * H + iy) * W + lo * g.dW + wOff;  // column lo's voxel
        const T* in = col + lo;
        if (g.dW == 1) {
          for (index_t i = 0, m = hi - lo; i < m; ++i) out[i] += in[i];
        } else {
          for (index_t i = 0, m = hi - lo; i < m; ++i) out[i * g.dW] += in[i];
        }
      }
    }
  }
}

template <class T>
void vol2col(const T* volume, const Window3d& g, T* columns) {
  vol2colSlices(volume, g, columns, 0, g.outT());
}

template <class T>
void col2vol(const T* columns, const Window3d& g, T* volume) {
  col2volSlices(columns, g, volume, 0, g.outT());
}

inline index_t volumetricColumnsSize(index_t n, index_t nOut, const Window3d& g) {
  if (g.isPointwise()) return 0;
  const index_t slots = detail::volumetricParallel(n, nOut, g) ? detail::maxThreads() : 1;
  return slots * g.patchSize() * detail::volumetricChunkSlices(g) * g.outH() * g.outW();
}

template <class T>
void volumetricConvolutionForward(const T* input, index_t n, const T* weight, const T* bias, T* output,
                                  index_t nOut, const Window3d& g, T* columns) {
  const index_t K = g.patchSize(), P = g.outPlane(), slice = g.outH() * g.outW();
  const index_t inSample = g.channels * g.depth * g.height * g.width;
  const index_t chunk = detail::volumetricChunkSlices(g);
  const bool parallel = detail::volumetricParallel(n, nOut, g);
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t s = 0; s < n; ++s) {
    const T* in = input + s * inSample;
    T* out = output + s * nOut * P;
    if (bias) {
      for (index_t o = 0; o < nOut; ++o) std::fill(out + o * P, out + (o + 1) * P, bias[o]);
    }
    const T beta = bias ? T(1) : T(0);
    if (g.isPointwise()) {
      t7::detail::blas::gemm(false, false, nOut, P, K, T(1), weight, K, in, P, beta, out, P);
      continue;
    }
    T* cols = columns + (parallel ? detail::threadId() : 0) * K * chunk * slice;
    for (index_t t0 = 0; t0 < g.outT(); t0 += chunk) {
      const index_t t1 = std::min(t0 + chunk, g.outT()), m = (t1 - t0) * slice;
      vol2colSlices(in, g, cols, t0, t1);
      t7::detail::blas::gemm(false, false, nOut, m, K, T(1), weight, K, cols, m, beta, out + t0 * slice, P);
    }
  }
}

template <class T>
void volumetricConvolutionBackwardInput(const T* gradOutput, index_t n, const T* weight, T* gradInput,
                                        index_t nOut, const Window3d& g, T* columns) {
  const index_t K = g.patchSize(), P = g.outPlane(), slice = g.outH() * g.outW();
  const index_t inSample = g.channels * g.depth * g.height * g.width;
  const index_t chunk = detail::volumetricChunkSlices(g);
  const bool parallel = detail::volumetricParallel(n, nOut, g);
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t s = 0; s < n; ++s) {
    T* gin = gradInput + s * inSample;
    const T* gout = gradOutput + s * nOut * P;
    if (g.isPointwise()) {
      t7::detail::blas::gemm(true, false, K, P, nOut, T(1), weight, K, gout, P, T(0), gin, P);
      continue;
    }
    T* cols = columns + (parallel ? detail::threadId() : 0) * K * chunk * slice;
    std::fill(gin, gin + inSample, T(0));
    for (index_t t0 = 0; t0 < g.outT(); t0 += chunk) {
      const index_t t1 = std::min(t0 + chunk, g.outT()), m = (t1 - t0) * slice;
      t7::detail::blas::gemm(true, false, K, m, nOut, T(1), weight, K, gout + t0 * slice, P, T(0), cols, m);
      col2volSlices(cols, g, gin, t0, t1);
    }
  }
}

template <class T>
void volumetricConvolutionAccGrad(const T* input, const T* gradOutput, index_t n, T* gradWeight, T* gradBias,
                                  T scale, index_t nOut, const Window3d& g, T* columns) {
  const index_t K = g.patchSize(), P = g.outPlane(), slice = g.outH() * g.outW();
  const index_t inSample = g.channels * g.depth * g.height * g.width;
  const index_t chunk = detail::volumetricChunkSlices(g);
  for (index_t s = 0; s < n; ++s) {
    const T* in = input + s * inSample;
    const T* gout = gradOutput + s * nOut * P;
    if (g.isPointwise()) {
      t7::detail::blas::gemm(false, true, nOut, K, P, scale, gout, P, in, P, T(1), gradWeight, K);
    } else {
      for (index_t t0 = 0; t0 < g.outT(); t0 += chunk) {
        const index_t t1 = std::min(t0 + chunk, g.outT()), m = (t1 - t0) * slice;
        vol2colSlices(in, g, columns, t0, t1);
        t7::detail::blas::gemm(false, true, nOut, K, m, scale, gout + t0 * slice, P, columns, m, T(1), gradWeight,
                               K);
      }
    }
  }
  if (gradBias) detail::accBiasGrad(gradOutput, n, nOut, P, gradBias, scale);
}

}  // namespace t7::kernels
