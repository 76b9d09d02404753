#pragma once
/// \file conv2d_direct.hpp
/// Direct (no im2col) 2-D convolution for layers with few input planes: the forward pass and
/// the weight gradient of a stride-1, undilated window over 1 to 4 input planes, such as the
/// first layer of an image network (1 plane for MNIST, 3 for RGB).
///
/// There im2col + GEMM does little arithmetic per byte: the columns matrix is kH*kW times the
/// image (25x for a 5x5 kernel), is written and read once per pass, and the GEMM's inner
/// dimension (C*kH*kW, 25 to 75) is too short for its packing to pay. The direct kernels read
/// the (zero-padded) image in place and keep a block of output rows of several output planes
/// in SIMD registers (xsimd batches): per kernel tap, one load of the shifted input row feeds
/// one fused multiply-add per output plane. The weight gradient keeps, per block of output
/// planes and kernel columns, one vector accumulator each over the whole output image.
///
/// Each sample is first copied into a zero-padded buffer whose rows are read a little past
/// their end (the last vector of a row); those reads stay inside the buffer and land on zeros
/// or on values whose products are discarded, so the kernels need no masked loads. Used by
/// kernels/conv2d.hpp when `applies(g)`; the results equal im2col + GEMM up to rounding.

#include <algorithm>
#include <cstring>

#include <xsimd/xsimd.hpp>

#include "t7/kernels/detail/threads.hpp"
#include "t7/kernels/im2col.hpp"

namespace t7::kernels::detail::direct {

/// The vectors of these kernels: 256-bit where AVX2 is enabled, also under AVX-512 (their
/// loads start at every column of a row, and 512-bit loads that cross cache lines made the
/// forward pass half as fast), else the widest the build enables.
#if XSIMD_WITH_AVX2
template <class T>
using Vec = xsimd::batch<T, xsimd::avx2>;
#else
template <class T>
using Vec = xsimd::batch<T>;
#endif

/// The padded-buffer geometry of one sample for the window `g`.
struct Layout {
  index_t hp, wp;   // padded plane height and width
  index_t wv;       // output row length rounded up to whole vectors
  index_t plane;    // hp * wp
  index_t padded;   // elements of one padded sample, with read-past slack

  template <class T>
  static Layout of(const Window2d& g) {
    constexpr index_t L = static_cast<index_t>(Vec<T>::size);
    Layout l{};
    l.hp = g.height + 2 * g.padH;
    l.wp = g.width + 2 * g.padW;
    l.wv = (g.outW() + L - 1) / L * L;
    l.plane = l.hp * l.wp;
    l.padded = g.channels * l.plane + l.wv + g.kW + L;
    return l;
  }
};

/// True when the direct kernels compute this window: stride 1, no dilation, 1 to 4 input
/// planes, an output row of at least one vector, and sizes small enough for plain loops.
template <class T>
bool applies(const Window2d& g) {
  constexpr index_t L = static_cast<index_t>(Vec<T>::size);
  return g.dH == 1 && g.dW == 1 && g.dilationH == 1 && g.dilationW == 1 && g.channels >= 1 && g.channels <= 4 &&
         g.outW() >= L && g.outH() >= 1 && g.kW <= 16;
}

/// Copies one [C x H x W] image into the zero-padded buffer `dst` (Layout::padded elements).
template <class T>
void padImage(const T* src, const Window2d& g, const Layout& l, T* dst) {
  std::memset(static_cast<void*>(dst), 0, sizeof(T) * l.padded);
  for (index_t c = 0; c < g.channels; ++c)
    for (index_t y = 0; y < g.height; ++y)
      kernels::detail::conv::copyRow(dst + c * l.plane + (y + g.padH) * l.wp + g.padW,
                                     src + (c * g.height + y) * g.width, g.width);
}

/// Output rows [y0, y1) of planes [m0, m0 + MB) of one sample: out[m][y][x] = bias[m] +
/// sum over c, i, j of w[m][c][i][j] * in[c][y + i][x + j]; `w` rows hold K = C*kH*kW
/// weights each.
template <class T, int MB>
void forwardBlock(const T* in, const Window2d& g, const Layout& l, const T* w, index_t K, const T* bias, T* out,
                  index_t m0, index_t y0, index_t y1) {
  using V = Vec<T>;
  constexpr index_t L = static_cast<index_t>(V::size);
  const index_t outW = g.outW(), P = g.outH() * outW;
  alignas(64) T tail[L];
  for (index_t y = y0; y < y1; ++y) {
    for (index_t x = 0; x < outW; x += 2 * L) {
      V acc0[MB], acc1[MB];
      for (int mm = 0; mm < MB; ++mm) acc0[mm] = acc1[mm] = V(bias != nullptr ? bias[m0 + mm] : T(0));
      for (index_t c = 0; c < g.channels; ++c) {
        for (index_t i = 0; i < g.kH; ++i) {
          const T* row = in + c * l.plane + (y + i) * l.wp + x;
          const T* wr = w + m0 * K + (c * g.kH + i) * g.kW;
          for (index_t j = 0; j < g.kW; ++j) {
            const V a = V::load_unaligned(row + j);
            const V b = V::load_unaligned(row + j + L);
            for (int mm = 0; mm < MB; ++mm) {
              const V wv(wr[mm * K + j]);
              acc0[mm] = xsimd::fma(wv, a, acc0[mm]);
              acc1[mm] = xsimd::fma(wv, b, acc1[mm]);
            }
          }
        }
      }
      // A vector past the row's end may spill into the next row of its plane when that row
      // is computed later in this call (it then overwrites the spill); the last row of the
      // call goes through `tail`.
      const bool spill = y + 1 < y1;
      for (int mm = 0; mm < MB; ++mm) {
        T* o = out + (m0 + mm) * P + y * outW + x;
        for (int v = 0; v < 2; ++v) {
          const index_t start = x + v * L;
          if (start >= outW) break;
          const V& r = v == 0 ? acc0[mm] : acc1[mm];
          if (start + L <= outW || spill) {
            r.store_unaligned(o + v * L);
          } else {
            r.store_aligned(tail);
            std::copy(tail, tail + (outW - start), o + v * L);
          }
        }
      }
    }
  }
}

/// Planes per forward block: 2 x MB vector accumulators, plus two input vectors and a weight,
/// must stay in registers: 4 with 16 vector registers (AVX2), 6 with 32 (AVX-512: every
/// 256-bit register ymm0-31 is addressable). Six planes in one block read each input vector
/// once for 12 fused multiply-adds instead of twice (two blocks of 3).
#if XSIMD_WITH_AVX512F
inline constexpr index_t kForwardPlanes = 6;
#else
inline constexpr index_t kForwardPlanes = 4;
#endif

/// Output rows [y0, y1) of every output plane of one padded sample, in blocks of up to
/// kForwardPlanes planes as even as possible (with 4: 6 planes are 3 + 3, so each block keeps
/// enough independent accumulators in flight).
template <class T>
void forwardRows(const T* in, const Window2d& g, const Layout& l, const T* w, index_t M, const T* bias, T* out,
                 index_t y0, index_t y1) {
  const index_t K = g.patchSize();
  const index_t blocks = (M + kForwardPlanes - 1) / kForwardPlanes;
  for (index_t b = 0, m = 0; b < blocks; ++b) {
    const index_t mb = (M - m) / (blocks - b) + ((M - m) % (blocks - b) != 0);
    switch (mb) {
#if XSIMD_WITH_AVX512F
      case 6: forwardBlock<T, 6>(in, g, l, w, K, bias, out, m, y0, y1); break;
      case 5: forwardBlock<T, 5>(in, g, l, w, K, bias, out, m, y0, y1); break;
#endif
      case 4: forwardBlock<T, 4>(in, g, l, w, K, bias, out, m, y0, y1); break;
      case 3: forwardBlock<T, 3>(in, g, l, w, K, bias, out, m, y0, y1); break;
      case 2: forwardBlock<T, 2>(in, g, l, w, K, bias, out, m, y0, y1); break;
      default: forwardBlock<T, 1>(in, g, l, w, K, bias, out, m, y0, y1); break;
    }
    m += mb;
  }
}

/// gw[m][c][i][j0 + jj] += scale * sum over y, x of gy[m][y][x] * in[c][y + i][x + j0 + jj]
/// for m in [m0, m0 + MB), jj < JB; `gy` is the zero-extended gradOutput ([M x outH x wv]).
template <class T, int MB, int JB>
void gradBlock(const T* in, const Window2d& g, const Layout& l, const T* gy, T* gw, index_t K, T scale, index_t m0,
               index_t c, index_t i, index_t j0) {
  using V = Vec<T>;
  constexpr index_t L = static_cast<index_t>(V::size);
  const index_t outH = g.outH(), gyPlane = outH * l.wv;
  V acc[MB][JB];
  for (int mm = 0; mm < MB; ++mm)
    for (int jj = 0; jj < JB; ++jj) acc[mm][jj] = V(T(0));
  for (index_t y = 0; y < outH; ++y) {
    const T* row = in + c * l.plane + (y + i) * l.wp + j0;
    const T* grow = gy + m0 * gyPlane + y * l.wv;
    for (index_t x = 0; x < l.wv; x += L) {
      V gv[MB];
      for (int mm = 0; mm < MB; ++mm) gv[mm] = V::load_unaligned(grow + mm * gyPlane + x);
      for (int jj = 0; jj < JB; ++jj) {
        const V a = V::load_unaligned(row + x + jj);
        for (int mm = 0; mm < MB; ++mm) acc[mm][jj] = xsimd::fma(gv[mm], a, acc[mm][jj]);
      }
    }
  }
  for (int mm = 0; mm < MB; ++mm)
    for (int jj = 0; jj < JB; ++jj)
      gw[(m0 + mm) * K + (c * g.kH + i) * g.kW + j0 + jj] += scale * xsimd::hadd(acc[mm][jj]);
}

/// Planes per weight-gradient block for JB kernel columns: about 12 vector accumulators with
/// 16 vector registers (at most 4 planes), about 24 with 32 (AVX-512, at most 6 planes). Each
/// input vector loaded feeds one fused multiply-add per plane of the block: a 7-column kernel
/// with 3 planes does 21 per 10 loads, where one plane did 7 per 8.
#if XSIMD_WITH_AVX512F
constexpr int gradPlanes(int JB) { return JB >= 24 ? 1 : (24 / JB > 6 ? 6 : 24 / JB); }
#else
constexpr int gradPlanes(int JB) { return JB >= 12 ? 1 : (12 / JB > 4 ? 4 : 12 / JB); }
#endif

/// The last, partial block of planes: `rest` (< R + 1) planes from m0, as one block.
template <class T, int JB, int R>
void gradRest(const T* in, const Window2d& g, const Layout& l, const T* gy, T* gw, index_t K, T scale, index_t m0,
              index_t c, index_t i, index_t j0, index_t rest) {
  if constexpr (R >= 1) {
    if (rest == R) gradBlock<T, R, JB>(in, g, l, gy, gw, K, scale, m0, c, i, j0);
    else gradRest<T, JB, R - 1>(in, g, l, gy, gw, K, scale, m0, c, i, j0, rest);
  }
}

/// The kernel columns [j0, j0 + JB) of planes [m0, m0 + gradPlanes(JB)) (fewer at the end).
template <class T, int JB>
void gradColumns(const T* in, const Window2d& g, const Layout& l, const T* gy, T* gw, index_t M, T scale,
                 index_t m0, index_t c, index_t i, index_t j0) {
  constexpr int MB = gradPlanes(JB);
  const index_t K = g.patchSize();
  if (m0 + MB <= M) gradBlock<T, MB, JB>(in, g, l, gy, gw, K, scale, m0, c, i, j0);
  else gradRest<T, JB, MB - 1>(in, g, l, gy, gw, K, scale, m0, c, i, j0, M - m0);
}

/// Kernel columns per pass: the whole row up to 8, else even chunks of at most 8.
inline index_t gradColumnsPerPass(const Window2d& g) { return (g.kW + (g.kW + 7) / 8 - 1) / ((g.kW + 7) / 8); }

/// The number of (plane block, c, i, column chunk) tasks of one sample's weight gradient.
inline index_t gradTasks(const Window2d& g, index_t M) {
  const index_t jb = gradColumnsPerPass(g), mb = gradPlanes(static_cast<int>(jb));
  return (M + mb - 1) / mb * g.channels * g.kH * ((g.kW + jb - 1) / jb);
}

/// Runs task t of gradTasks().
template <class T>
void gradTask(const T* in, const Window2d& g, const Layout& l, const T* gy, T* gw, index_t M, T scale, index_t t) {
  const index_t jb = gradColumnsPerPass(g), mb = gradPlanes(static_cast<int>(jb));
  const index_t chunks = (g.kW + jb - 1) / jb, ci = g.channels * g.kH * chunks;
  const index_t m0 = mb * (t / ci), rest = t % ci;
  const index_t c = rest / (g.kH * chunks), i = (rest / chunks) % g.kH, j0 = (rest % chunks) * jb;
  switch (std::min(jb, g.kW - j0)) {
    case 8: gradColumns<T, 8>(in, g, l, gy, gw, M, scale, m0, c, i, j0); break;
    case 7: gradColumns<T, 7>(in, g, l, gy, gw, M, scale, m0, c, i, j0); break;
    case 6: gradColumns<T, 6>(in, g, l, gy, gw, M, scale, m0, c, i, j0); break;
    case 5: gradColumns<T, 5>(in, g, l, gy, gw, M, scale, m0, c, i, j0); break;
    case 4: gradColumns<T, 4>(in, g, l, gy, gw, M, scale, m0, c, i, j0); break;
    case 3: gradColumns<T, 3>(in, g, l, gy, gw, M, scale, m0, c, i, j0); break;
    case 2: gradColumns<T, 2>(in, g, l, gy, gw, M, scale, m0, c, i, j0); break;
    default: gradColumns<T, 1>(in, g, l, gy, gw, M, scale, m0, c, i, j0); break;
  }
}

/// Copies one sample's gradOutput [M x outH x outW] into `dst` [M x outH x wv], zero-extended.
template <class T>
void extendGrad(const T* gy, const Window2d& g, const Layout& l, index_t M, T* dst) {
  const index_t outH = g.outH(), outW = g.outW();
  for (index_t r = 0; r < M * outH; ++r) {
    kernels::detail::conv::copyRow(dst + r * l.wv, gy + r * outW, outW);
    std::fill(dst + r * l.wv + outW, dst + (r + 1) * l.wv, T(0));
  }
}

using kernels::detail::maxThreads;
using kernels::detail::threadId;

/// y[n] = w * x[n] + bias for the N samples of x ([N x C x H x W], contiguous); y [N x M x
/// outH x outW]. `work` is a workspace (per-thread padded images).
template <class T>
void forward(const T* x, const Window2d& g, const T* w, index_t M, const T* bias, T* y, index_t N, Tensor<T>& work) {
  const Layout l = Layout::of<T>(g);
  const index_t xs = g.channels * g.height * g.width, ys = M * g.outH() * g.outW();
  const int threads = maxThreads();
  const double flops = static_cast<double>(N) * ys * g.patchSize();
  if (threads > 1 && N >= threads && flops >= (1 << 16)) {  // one sample per thread
    work.resize(threads, l.padded);
    T* ws = work.data();
#pragma omp parallel for schedule(static)
    for (index_t n = 0; n < N; ++n) {
      T* pad = ws + threadId() * l.padded;
      padImage(x + n * xs, g, l, pad);
      forwardRows(pad, g, l, w, M, bias, y + n * ys, 0, g.outH());
    }
  } else {  // samples in turn, output rows shared among threads
    work.resize(1, l.padded);
    T* pad = work.data();
    [[maybe_unused]] const bool par = threads > 1 && static_cast<double>(ys) * g.patchSize() >= (1 << 16);
    for (index_t n = 0; n < N; ++n) {
      padImage(x + n * xs, g, l, pad);
      const index_t outH = g.outH();
#pragma omp parallel for schedule(static) if (par)
      for (index_t r = 0; r < outH; ++r) forwardRows(pad, g, l, w, M, bias, y + n * ys, r, r + 1);
    }
  }
}

/// gw [M x K] += scale * sum_n gy[n] (x) x[n], the weight gradient of forward(). `work` and
/// `partials` are workspaces (per-thread padded images and gradOutput copies; per-thread sums).
template <class T>
void accGrad(const T* x, const Window2d& g, const T* gy, index_t M, T* gw, T scale, index_t N, Tensor<T>& work,
             Tensor<T>& partials) {
  const Layout l = Layout::of<T>(g);
  const index_t xs = g.channels * g.height * g.width, ys = M * g.outH() * g.outW();
  const index_t K = g.patchSize(), MK = M * K, slot = l.padded + M * g.outH() * l.wv;
  const int threads = maxThreads();
  const double flops = static_cast<double>(N) * ys * K;
  const index_t tasks = gradTasks(g, M);
  if (threads > 1 && N >= threads && flops >= (1 << 16)) {  // one sample per thread, partial sums
    work.resize(threads, slot);
    T* ws = work.data();
    kernels::detail::sumPerThread(N, MK, partials, gw, scale, [&](index_t n, T* mine, int t) {
      T* pad = ws + t * slot;
      T* gyx = pad + l.padded;
      padImage(x + n * xs, g, l, pad);
      extendGrad(gy + n * ys, g, l, M, gyx);
      for (index_t k = 0; k < tasks; ++k) gradTask(pad, g, l, gyx, mine, M, T(1), k);
    });
  } else {  // samples in turn, the (plane block, c, i) tasks shared among threads
    work.resize(1, slot);
    T* pad = work.data();
    T* gyx = pad + l.padded;
    [[maybe_unused]] const bool par = threads > 1 && static_cast<double>(ys) * K >= (1 << 16);
    for (index_t n = 0; n < N; ++n) {
      padImage(x + n * xs, g, l, pad);
      extendGrad(gy + n * ys, g, l, M, gyx);
#pragma omp parallel for schedule(static) if (par)
      for (index_t k = 0; k < tasks; ++k) gradTask(pad, g, l, gyx, gw, M, scale, k);
    }
  }
}

}  // namespace t7::kernels::detail::direct
