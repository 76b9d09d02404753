#pragma once
/// \file conv2d_tiles.hpp
/// Direct 2-D convolution for layers with many input planes, in register tiles: the forward
/// pass, the input gradient and the weight gradient of a stride-1, undilated window (e.g.
/// the 6 -> 16 plane layers of LeNet and the Torch7 suite's CNNs, vgg's 3x3 layers).
///
/// There im2col + GEMM spends its time moving the columns matrix (kH*kW times the image,
/// written, packed by the GEMM, read), and the input gradient's GEMM has the layer's few
/// output planes as its inner dimension. These kernels read the zero-padded image in place:
/// output pixels are numbered on the padded grid (q = y * paddedWidth + x, so that a tap
/// (c, i, j) reads input element c * plane + i * paddedWidth + j + q: one run of consecutive
/// elements for consecutive pixels, the kW - 1 columns past each output row being computed
/// and dropped).
///
/// - Plane tiles (12 output planes or more): one vector of output planes x one vector's count
///   of pixels (16 x 16 in float under AVX-512), one accumulator per pixel. Per tap, one load
///   of the tap's weights for the tile's planes (a row of the tap-major weights [K x planes])
///   feeds one fused multiply-add per pixel with that pixel's input broadcast; the tile is
///   then transposed in registers and stored as planes' runs of pixels.
/// - Pixel tiles (3 to 11 output planes): 3 vectors of consecutive pixels x up to 6 planes;
///   per tap, 3 loads of the input feed one fused multiply-add per plane each.
/// - Weight gradient: per tile, one vector of planes x the taps of a few kernel rows; per
///   output pixel, one load of the pixel's gradOutput over the planes (gradOutput transposed
///   once per sample) feeds one fused multiply-add per tap with the tap's input broadcast.
///
/// The input gradient of a stride-1 convolution is the full correlation of gradOutput with
/// the flipped kernel: the same tiles over gradOutput padded by kH-1-padH and kW-1-padW,
/// with the weights rearranged. Used by kernels/conv2d.hpp where forwardApplies(),
/// inputApplies() and gradApplies() say so; the results equal im2col + GEMM up to rounding.

#include <algorithm>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "t7/kernels/conv2d_direct.hpp"
#include "t7/kernels/detail/threads.hpp"
#include "t7/kernels/im2col.hpp"
#if XSIMD_WITH_AVX512F
#include <immintrin.h>
#endif

namespace t7::kernels::detail::tiles {

/// The vectors of these kernels: the widest the build enables.
template <class T>
using Vec = xsimd::batch<T>;
/// Lanes of a vector: the planes and the pixels of a plane tile.
template <class T>
inline constexpr index_t kLanes = static_cast<index_t>(Vec<T>::size);

/// One sample's geometry on the padded grid of the window `g` with M output planes.
struct Grid {
  direct::Layout pad;  // the zero-padded image (hp, wp, plane, padded: elements with slack)
  index_t q;           // output pixels on the grid: (outH - 1) * wp + outW
  index_t qt;          // q rounded up to whole tiles of qTile pixels
  index_t mp;          // output planes rounded up to a multiple of mRound

  template <class T>
  static Grid of(const Window2d& g, index_t M, index_t qTile = kLanes<T>, index_t mRound = kLanes<T>) {
    Grid s{};
    s.pad.hp = g.height + 2 * g.padH;
    s.pad.wp = g.width + 2 * g.padW;
    s.pad.plane = s.pad.hp * s.pad.wp;
    s.q = (g.outH() - 1) * s.pad.wp + g.outW();
    s.qt = (s.q + qTile - 1) / qTile * qTile;
    // The largest tap offset plus q - 1 is the padded image's last element: the last tile
    // reads at most qt - q < qTile elements past it.
    s.pad.padded = g.channels * s.pad.plane + qTile;
    s.mp = (M + mRound - 1) / mRound * mRound;
    return s;
  }
};

/// The fewest output planes the plane tiles take: with fewer, most lanes of a plane vector
/// would be empty.
inline constexpr index_t kMinPlanes = 12;
/// The fewest output planes the pixel tiles take (vectors along pixels, for 3 to 11 planes).
inline constexpr index_t kMinPixelPlanes = 3;

/// True for the windows the tiles compute where they were measured faster than im2col + GEMM
/// (bench/bench_conv.cpp): stride 1, no dilation, a reduction (C*kH*kW) of at least 64
/// multiply-adds per output, float under AVX-512.
template <class T>
bool windowApplies(const Window2d& g) {
#if XSIMD_WITH_AVX512F
  return std::is_same_v<T, float> && g.dH == 1 && g.dW == 1 && g.dilationH == 1 && g.dilationW == 1 &&
         g.patchSize() >= 64 && g.outH() >= 1 && g.outW() >= 1;
#else
  (void)g;
  return false;
#endif
}

/// True when the module's forward pass runs forward() for `g` with M output planes:
/// windowApplies() and at least kMinPlanes output planes (2.3-2.6x faster than im2col + GEMM
/// on the 6 -> 16 plane layers, 1.1-1.5x on vgg's 3x3 layers).
template <class T>
bool forwardApplies(const Window2d& g, index_t M) {
  return M >= kMinPlanes && windowApplies<T>(g);
}

/// True when the module's input gradient runs backwardInput() for `g` with M output planes
/// (its C input planes are the tiles' output planes): windowApplies() for the full
/// correlation (M planes in, reduction M*kH*kW), padding of at most k - 1 (the full
/// correlation's padding is k - 1 - pad), and at least kMinPixelPlanes input planes (the 6 ->
/// 16 plane layers: 1.4-1.7x faster than im2col + GEMM with pixel tiles).
template <class T>
bool inputApplies(const Window2d& g, index_t M) {
  Window2d f = g;
  f.channels = M;
  return g.padH < g.kH && g.padW < g.kW && g.channels >= kMinPixelPlanes && windowApplies<T>(f);
}

/// dst[m * ld + r] = acc[r][m] for m, r < L: the tile transposed into L planes' runs.
template <class T>
inline void transposeStore(const Vec<T>* acc, T* dst, index_t ld) {
  constexpr index_t L = kLanes<T>;
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_same_v<T, float> && L == 16) {
    __m512 t[16], u[16];
    for (int k = 0; k < 8; ++k) {  // pairs of rows interleaved within 128-bit lanes
      t[2 * k] = _mm512_unpacklo_ps(acc[2 * k], acc[2 * k + 1]);
      t[2 * k + 1] = _mm512_unpackhi_ps(acc[2 * k], acc[2 * k + 1]);
    }
    for (int k = 0; k < 4; ++k) {  // u[4k + e], lane l: rows 4k..4k+3 of column 4l + e
      const __m512d a = _mm512_castps_pd(t[4 * k]), b = _mm512_castps_pd(t[4 * k + 1]);
      const __m512d c = _mm512_castps_pd(t[4 * k + 2]), d = _mm512_castps_pd(t[4 * k + 3]);
      u[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
      u[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
      u[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
      u[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int e = 0; e < 4; ++e) {  // gather lane l of u[e], u[4+e], u[8+e], u[12+e]
      const __m512 v0 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88), v1 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xdd);
      const __m512 w0 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88);
      const __m512 w1 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xdd);
      _mm512_storeu_ps(dst + e * ld, _mm512_shuffle_f32x4(v0, w0, 0x88));
      _mm512_storeu_ps(dst + (8 + e) * ld, _mm512_shuffle_f32x4(v0, w0, 0xdd));
      _mm512_storeu_ps(dst + (4 + e) * ld, _mm512_shuffle_f32x4(v1, w1, 0x88));
      _mm512_storeu_ps(dst + (12 + e) * ld, _mm512_shuffle_f32x4(v1, w1, 0xdd));
    }
    return;
  }
#endif
  alignas(64) T t[L][L];
  for (index_t r = 0; r < L; ++r) acc[r].store_aligned(t[r]);
  for (index_t m = 0; m < L; ++m)
    for (index_t r = 0; r < L; ++r) dst[m * ld + r] = t[r][m];
}

/// Calls tap(p, w) for every tap k = (c, i, j) of the window in order: p the input run of
/// the tap for grid pixels from q0 (in + c * plane + i * wp + j + q0), w the tap's row of the
/// tap-major weights (wt + k * s.mp).
template <class T, class Tap>
inline void forEachTap(const T* in, const Window2d& g, const Grid& s, const T* wt, index_t q0, Tap&& tap) {
  const T* w = wt;
  for (index_t c = 0; c < g.channels; ++c)
    for (index_t i = 0; i < g.kH; ++i) {
      const T* src = in + c * s.pad.plane + i * s.pad.wp + q0;
      for (index_t j = 0; j < g.kW; ++j, w += s.mp) tap(src + j, w);
    }
}

/// One tile of one padded sample `in`: outQ[m][q0 + r] (rows of s.qt) = sum over taps k =
/// (c, i, j) of wt[k][m] * in[c * plane + i * wp + j + q0 + r], for planes m in [m0, m0 + L)
/// and r < L; `wt` is tap-major, [K x s.mp].
template <class T>
void tile(const T* in, const Window2d& g, const Grid& s, const T* wt, index_t m0, index_t q0, T* outQ) {
  using V = Vec<T>;
  constexpr index_t L = kLanes<T>;
  V acc[L];
  for (auto& a : acc) a = V(T(0));
  forEachTap(in, g, s, wt + m0, q0, [&](const T* p, const T* w) {
    const V wv = V::load_unaligned(w);
    [&]<std::size_t... R>(std::index_sequence<R...>) {
      ((acc[R] = xsimd::fma(wv, V(p[R]), acc[R])), ...);
    }(std::make_index_sequence<static_cast<std::size_t>(L)>{});
  });
  transposeStore<T>(acc, outQ + m0 * s.qt + q0, s.qt);
}

/// y [M x outH x outW] (+ bias[m] on plane m, when not null) from the grid's outQ [s.mp x s.qt].
template <class T>
void unpack(const T* outQ, const Window2d& g, const Grid& s, index_t M, const T* bias, T* y) {
  const index_t outH = g.outH(), outW = g.outW();
  for (index_t m = 0; m < M; ++m) {
    const T b = bias != nullptr ? bias[m] : T(0);
    for (index_t r = 0; r < outH; ++r) {
      const T* src = outQ + m * s.qt + r * s.pad.wp;
      T* dst = y + (m * outH + r) * outW;
#pragma omp simd
      for (index_t x = 0; x < outW; ++x) dst[x] = src[x] + b;
    }
  }
}

/// y[n] = the window g's correlation of x[n] ([N x g.channels x H x W]) (+ bias), y [N x M x
/// outH x outW], computed by `tiles` calls tileFn(paddedImage, t, outQ) per sample, each
/// filling its part of outQ [s.mp x s.qt]. `ws` holds maxThreads() slots of `slot` elements
/// (a padded image and its outQ each).
template <class T, class TileFn>
void run(const T* x, const Window2d& g, const Grid& s, index_t M, const T* bias, T* y, index_t N, T* ws,
         index_t slot, index_t tiles, TileFn&& tileFn) {
  const index_t xs = g.channels * g.height * g.width, ys = M * g.outH() * g.outW();
  const int threads = maxThreads();
  const double work = static_cast<double>(ys) * g.patchSize();
  auto sample = [&](index_t n, T* pad, bool split) {
    T* outQ = pad + s.pad.padded;
    direct::padImage(x + n * xs, g, s.pad, pad);
    [[maybe_unused]] const bool par = split && threads > 1 && work >= (1 << 16);
#pragma omp parallel for schedule(static) if (par)
    for (index_t t = 0; t < tiles; ++t) tileFn(static_cast<const T*>(pad), t, outQ);
    unpack(outQ, g, s, M, bias, y + n * ys);
  };
  if (threads > 1 && N >= threads && static_cast<double>(N) * work >= (1 << 16)) {  // one sample per thread
#pragma omp parallel for schedule(static)
    for (index_t n = 0; n < N; ++n) sample(n, ws + threadId() * slot, false);
  } else {
    for (index_t n = 0; n < N; ++n) sample(n, ws, true);
  }
}

/// run() with the plane tiles of tile() and the tap-major weights wt [g.patchSize() x s.mp].
template <class T>
void runPlaneTiles(const T* x, const Window2d& g, const Grid& s, const T* wt, index_t M, const T* bias, T* y,
                   index_t N, T* ws, index_t slot) {
  constexpr index_t L = kLanes<T>;
  const index_t tilesQ = s.qt / L;
  run(x, g, s, M, bias, y, N, ws, slot, s.mp / L * tilesQ, [&](const T* pad, index_t t, T* outQ) {
    tile(pad, g, s, wt, t / tilesQ * L, t % tilesQ * L, outQ);
  });
}

/// Pixel vectors per pixel tile (few-plane tiles: vectors along the grid's pixels).
inline constexpr index_t kPixelVectors = 3;

/// A pixel tile of one padded sample, for layers with few output planes: outQ[m][q0 + p] =
/// sum over taps k of wt[k][m] * in[offset(k) + q0 + p] for planes m in [m0, m0 + MB) and
/// p < kPixelVectors * L. Per tap, kPixelVectors loads of consecutive input pixels feed one
/// fused multiply-add per plane each, with the plane's weight broadcast; no transposition.
template <class T, int MB>
void pixelTile(const T* in, const Window2d& g, const Grid& s, const T* wt, index_t m0, index_t q0, T* outQ) {
  using V = Vec<T>;
  constexpr index_t L = kLanes<T>;
  constexpr int PV = static_cast<int>(kPixelVectors);
  V acc[MB][PV];
  for (auto& row : acc)
    for (auto& a : row) a = V(T(0));
  forEachTap(in, g, s, wt + m0, q0, [&](const T* p, const T* w) {
    V a[PV];
    for (int v = 0; v < PV; ++v) a[v] = V::load_unaligned(p + v * L);
    for (int mm = 0; mm < MB; ++mm) {
      const V b(w[mm]);
      for (int v = 0; v < PV; ++v) acc[mm][v] = xsimd::fma(b, a[v], acc[mm][v]);
    }
  });
  for (int mm = 0; mm < MB; ++mm)
    for (int v = 0; v < PV; ++v) acc[mm][v].store_unaligned(outQ + (m0 + mm) * s.qt + q0 + v * L);
}

/// Output planes [m0, m0 + mb) of a pixel tile, mb in [3, 6].
template <class T>
void pixelTileOf(const T* in, const Window2d& g, const Grid& s, const T* wt, index_t m0, index_t mb, index_t q0,
                 T* outQ) {
  switch (mb) {
    case 6: pixelTile<T, 6>(in, g, s, wt, m0, q0, outQ); break;
    case 5: pixelTile<T, 5>(in, g, s, wt, m0, q0, outQ); break;
    case 4: pixelTile<T, 4>(in, g, s, wt, m0, q0, outQ); break;
    default: pixelTile<T, 3>(in, g, s, wt, m0, q0, outQ); break;
  }
}

/// run() with pixel tiles for M in [kMinPixelPlanes, kMinPlanes) output planes (blocks of 6
/// planes, or two even blocks of 3-5), tap-major weights wt [g.patchSize() x s.mp].
template <class T>
void runPixelTiles(const T* x, const Window2d& g, const Grid& s, const T* wt, index_t M, T* y, index_t N, T* ws,
                   index_t slot) {
  constexpr index_t Q = kPixelVectors * kLanes<T>;
  const index_t tilesQ = s.qt / Q, blocks = (M + 5) / 6;
  run(x, g, s, M, static_cast<const T*>(nullptr), y, N, ws, slot, blocks * tilesQ,
      [&](const T* pad, index_t t, T* outQ) {
        const index_t b = t / tilesQ, m0 = b * M / blocks, m1 = (b + 1) * M / blocks;
        pixelTileOf(pad, g, s, wt, m0, m1 - m0, t % tilesQ * Q, outQ);
      });
}

/// Elements of the workspace run() needs after `wtSize` weights: maxThreads() slots.
inline index_t slotSize(const Grid& s) { return s.pad.padded + s.mp * s.qt; }

/// Rounds n up to a multiple of 16 elements (64-byte rows for float), so the slots after the
/// weights start aligned.
inline index_t roundUp16(index_t n) { return (n + 15) / 16 * 16; }

/// y = w * x + bias, the forward pass of `g` (see conv2d.hpp's conv2dForward) for x [N x C x
/// H x W], w [M x C*kH*kW], y [N x M x outH x outW]. `work` is a workspace.
template <class T>
void forward(const T* x, const Window2d& g, const T* w, index_t M, const T* bias, T* y, index_t N, Tensor<T>& work) {
  if (N == 0 || M == 0 || g.outH() <= 0 || g.outW() <= 0) return;
  const Grid s = Grid::of<T>(g, M);
  const index_t K = g.patchSize(), wtSize = roundUp16(K * s.mp), slot = roundUp16(slotSize(s));
  work.resize(wtSize + maxThreads() * slot);
  T* wt = work.data();
  for (index_t k = 0; k < K; ++k)
    for (index_t m = 0; m < s.mp; ++m) wt[k * s.mp + m] = m < M ? w[m * K + k] : T(0);
  runPlaneTiles(x, g, s, wt, M, bias, y, N, wt + wtSize, slot);
}

/// The full correlation whose output is the input gradient of `g` (stride 1, undilated):
/// over gradOutput's M planes, padded by k - 1 - pad; its output is the H x W input.
inline Window2d fullWindow(const Window2d& g, index_t M) {
  Window2d f{};
  f.channels = M;
  f.height = g.outH();
  f.width = g.outW();
  f.kH = g.kH;
  f.kW = g.kW;
  f.padH = g.kH - 1 - g.padH;
  f.padW = g.kW - 1 - g.padW;
  return f;
}

/// gx = the input gradient of the forward pass of `g` (M output planes, weights w [M x C x kH
/// x kW]) for gy [N x M x outH x outW]; gx [N x C x H x W] overwritten. `work` is a
/// workspace. Requires padH < kH and padW < kW (inputApplies); plane tiles for kMinPlanes
/// input planes or more, pixel tiles for kMinPixelPlanes or more, else any.
template <class T>
void backwardInput(const T* gy, const Window2d& g, const T* w, index_t M, T* gx, index_t N, Tensor<T>& work) {
  constexpr index_t L = kLanes<T>;
  const index_t C = g.channels, taps = g.kH * g.kW;
  if (N == 0 || C == 0 || g.height <= 0 || g.width <= 0) return;
  const Window2d f = fullWindow(g, M);
  const bool pixels = C < kMinPlanes && C >= kMinPixelPlanes;
  const Grid s = pixels ? Grid::of<T>(f, C, kPixelVectors * L, 1) : Grid::of<T>(f, C);
  const index_t K = f.patchSize(), wtSize = roundUp16(K * s.mp), slot = roundUp16(slotSize(s));
  work.resize(wtSize + maxThreads() * slot);
  T* wt = work.data();
  // the flipped kernel, tap-major: wt[(m, i, j)][c] = w[m][c][kH-1-i][kW-1-j], zero past C
  for (index_t m = 0; m < M; ++m)
    for (index_t t = 0; t < taps; ++t) {
      T* row = wt + (m * taps + t) * s.mp;
      for (index_t c = 0; c < s.mp; ++c) row[c] = c < C ? w[(m * C + c) * taps + taps - 1 - t] : T(0);
    }
  if (pixels) runPixelTiles(gy, f, s, wt, C, gx, N, wt + wtSize, slot);
  else runPlaneTiles(gy, f, s, wt, C, static_cast<const T*>(nullptr), gx, N, wt + wtSize, slot);
}

// ---- weight gradient -----------------------------------------------------------------------

/// Kernel columns the weight-gradient tiles take (one accumulator each per kernel row).
inline constexpr index_t kMaxGradColumns = 8;

/// True when the module's weight gradient runs accGrad() for `g` with M output planes: as
/// forwardApplies(), with kernels of 5 to kMaxGradColumns columns. With 3 columns (vgg's 3x3
/// layers) im2col + GEMM was 10% faster; with 5 and 7 (the 6 -> 16 plane layers of LeNet and
/// the Torch7 suite's CNNs) the tiles were 1.4-2.2x faster (bench/bench_conv.cpp).
/// accGrad() itself computes any kernel of at most kMaxGradColumns columns.
template <class T>
bool gradApplies(const Window2d& g, index_t M) {
  return g.kW >= 5 && g.kW <= kMaxGradColumns && forwardApplies<T>(g, M);
}

/// Kernel rows per weight-gradient tile for J columns: about 24 accumulators (at most 8 rows).
constexpr int gradRows(int J) { return 24 / J > 8 ? 8 : 24 / J; }

/// gwT[k][m] += sum over output pixels (y, x) of gyT[y * outW + x][m] * in[c * plane + (y + i)
/// * wp + x + j] for planes m in [m0, m0 + L) and the taps k = (c, i, j) of the RB kernel rows
/// r0 .. r0 + RB - 1 (row r = c * kH + i, J = kW columns each). gyT is pixel-major [P x
/// s.mp], gwT tap-major [K x s.mp].
template <class T, int RB, int J>
void gradTile(const T* in, const Window2d& g, const Grid& s, const T* gyT, index_t m0, index_t r0, T* gwT) {
  using V = Vec<T>;
  const index_t outH = g.outH(), outW = g.outW();
  V acc[RB][J];
  const T* rows[RB];
  for (int rr = 0; rr < RB; ++rr) {
    const index_t r = r0 + rr;
    rows[rr] = in + r / g.kH * s.pad.plane + r % g.kH * s.pad.wp;
    for (int j = 0; j < J; ++j) acc[rr][j] = V(T(0));
  }
  for (index_t y = 0; y < outH; ++y) {
    const T* gv = gyT + y * outW * s.mp + m0;
    const index_t q0 = y * s.pad.wp;
    for (index_t x = 0; x < outW; ++x, gv += s.mp) {
      const V d = V::load_unaligned(gv);
      for (int rr = 0; rr < RB; ++rr) {
        const T* p = rows[rr] + q0 + x;
        for (int j = 0; j < J; ++j) acc[rr][j] = xsimd::fma(d, V(p[j]), acc[rr][j]);
      }
    }
  }
  for (int rr = 0; rr < RB; ++rr)
    for (int j = 0; j < J; ++j) {
      T* dst = gwT + ((r0 + rr) * J + j) * s.mp + m0;
      (V::load_unaligned(dst) + acc[rr][j]).store_unaligned(dst);
    }
}

/// The kernel rows [r0, r0 + min(RB, rows - r0)) of planes [m0, m0 + L): a block of RB rows,
/// or the last, partial block as one block.
template <class T, int RB, int J>
void gradRowBlock(const T* in, const Window2d& g, const Grid& s, const T* gyT, index_t m0, index_t r0, index_t rows,
                  T* gwT) {
  if constexpr (RB >= 1) {
    if (rows - r0 >= RB) gradTile<T, RB, J>(in, g, s, gyT, m0, r0, gwT);
    else gradRowBlock<T, RB - 1, J>(in, g, s, gyT, m0, r0, rows, gwT);
  }
}

/// Task t of one sample's weight gradient: a plane tile x a block of gradRows(kW) kernel rows.
template <class T, int J>
void gradTaskJ(const T* in, const Window2d& g, const Grid& s, const T* gyT, index_t t, T* gwT) {
  constexpr index_t RB = gradRows(J);
  const index_t rows = g.channels * g.kH, blocks = (rows + RB - 1) / RB;
  gradRowBlock<T, RB, J>(in, g, s, gyT, t / blocks * kLanes<T>, t % blocks * RB, rows, gwT);
}

/// The number of tasks of one sample's weight gradient.
inline index_t gradTasks(const Window2d& g, const Grid& s, index_t lanes) {
  const index_t rb = gradRows(static_cast<int>(g.kW)), rows = g.channels * g.kH;
  return s.mp / lanes * ((rows + rb - 1) / rb);
}

template <class T>
void gradTask(const T* in, const Window2d& g, const Grid& s, const T* gyT, index_t t, T* gwT) {
  switch (g.kW) {
    case 8: gradTaskJ<T, 8>(in, g, s, gyT, t, gwT); break;
    case 7: gradTaskJ<T, 7>(in, g, s, gyT, t, gwT); break;
    case 6: gradTaskJ<T, 6>(in, g, s, gyT, t, gwT); break;
    case 5: gradTaskJ<T, 5>(in, g, s, gyT, t, gwT); break;
    case 4: gradTaskJ<T, 4>(in, g, s, gyT, t, gwT); break;
    case 3: gradTaskJ<T, 3>(in, g, s, gyT, t, gwT); break;
    case 2: gradTaskJ<T, 2>(in, g, s, gyT, t, gwT); break;
    default: gradTaskJ<T, 1>(in, g, s, gyT, t, gwT); break;
  }
}

/// gyT [P x s.mp] = one sample's gradOutput gy [M x P] transposed, zero past M.
template <class T>
void transposeGrad(const T* gy, index_t M, index_t P, index_t mp, T* gyT) {
  for (index_t p = 0; p < P; ++p) {
    T* row = gyT + p * mp;
    for (index_t m = 0; m < M; ++m) row[m] = gy[m * P + p];
    std::fill(row + M, row + mp, T(0));
  }
}

/// gw [M x K] += scale * sum_n gy[n] (x) x[n], the weight gradient of forward(), for a
/// stride-1, undilated window of at most kMaxGradColumns kernel columns. `work` and
/// `partials` are workspaces (per-thread padded images and transposed gradOutputs; per-thread
/// tap-major sums).
template <class T>
void accGrad(const T* x, const Window2d& g, const T* gy, index_t M, T* gw, T scale, index_t N, Tensor<T>& work,
             Tensor<T>& partials) {
  constexpr index_t L = kLanes<T>;
  const index_t P = g.outH() * g.outW();
  if (N == 0 || M == 0 || P <= 0 || scale == T(0)) return;
  T7_DEBUG_ASSERT(g.kW <= kMaxGradColumns);
  const Grid s = Grid::of<T>(g, M);
  const index_t K = g.patchSize(), KM = K * s.mp, xs = g.channels * g.height * g.width, ys = M * P;
  const index_t slot = roundUp16(s.pad.padded + P * s.mp), sumSize = roundUp16(KM), tasks = gradTasks(g, s, L);
  const int threads = maxThreads();
  work.resize(sumSize + threads * slot);
  T* sum = work.data();  // tap-major [K x s.mp]
  T* ws = sum + sumSize;
  auto prepare = [&](index_t n, T* pad) {
    direct::padImage(x + n * xs, g, s.pad, pad);
    transposeGrad(gy + n * ys, M, P, s.mp, pad + s.pad.padded);
  };
  std::fill(sum, sum + KM, T(0));
  if (threads > 1 && N >= threads && static_cast<double>(N) * ys * K >= (1 << 16)) {  // one sample per thread
    kernels::detail::sumPerThread(N, KM, partials, sum, T(1), [&](index_t n, T* mine, int t) {
      T* pad = ws + t * slot;
      prepare(n, pad);
      for (index_t k = 0; k < tasks; ++k) gradTask(pad, g, s, pad + s.pad.padded, k, mine);
    });
  } else {  // samples in turn, the tasks (disjoint parts of the sum) shared among threads
    [[maybe_unused]] const bool par = threads > 1 && static_cast<double>(ys) * K >= (1 << 16);
    for (index_t n = 0; n < N; ++n) {
      prepare(n, ws);
#pragma omp parallel for schedule(static) if (par)
      for (index_t k = 0; k < tasks; ++k) gradTask(ws, g, s, ws + s.pad.padded, k, sum);
    }
  }
  for (index_t m = 0; m < M; ++m)
    for (index_t k = 0; k < K; ++k) gw[m * K + k] += scale * sum[k * s.mp + m];
}

}  // namespace t7::kernels::detail::tiles
