#pragma once
/// \file skinny_gemm.hpp
/// Register-tile kernels for the skinny products of a batched Linear layer with few outputs
/// (the 10-class layers of the Torch7 suite's MLPs), where Eigen's GEMM packs both operands
/// for a product too small to repay it and fills a fifth of its 48-row micro-kernel with the
/// layer's 10 rows. Both read the operands in place (no packing, no workspace):
///
/// - `dots`: C = A B^T ("NT", A [m x k], B [n x k], both rows contiguous along k), one side of
///   C at most kMaxSide. Each element of C is the dot product of a row of A and a row of B:
///   a tile of R rows of A x J rows of B keeps R*J vector accumulators; per vector along k,
///   R + J loads feed R*J fused multiply-adds; each accumulator is summed across its lanes
///   once, at the end. Linear's forward pass: output [batch x out] = input W^T.
/// - `outerSums`: C = A^T B ("TN", A [k x m], B [k x n]), C with at most kMaxSide rows. C is a
///   sum of k outer products of a row of A and a row of B: a tile of M rows x V vectors of
///   columns keeps M*V accumulators; per row of B, V loads and M broadcasts of A's row feed
///   M*V fused multiply-adds. Linear's weight gradient: gradW [out x in] += gradOutput^T input.
///
/// Measured on an Intel Xeon (AVX-512), float, 1 thread, Eigen's GEMM -> these (medians of 5,
/// over several runs): 60 x 10 x 784 NT 22-28 -> 11-15 us, 60 x 10 x 500 NT 14-17 -> 7-9 us;
/// 10 x 784 x 60 TN 13-20 -> 6-12 us; in the AVX2 build (16 registers: smaller tiles) 60 x
/// 10 x 784 NT 31 -> 18 us, 10 x 784 x 60 TN 24 -> 16 us. Where k is short for `dots` or long
/// for `outerSums` Eigen is as fast or faster: gemm() in blas_backend.hpp asks `applies` first.
///
/// Results equal the plain sums up to rounding (the order of the additions differs). Contract:
/// as blas_backend.hpp's gemm (sizes >= 1, beta == 0 never reads C).

#include <algorithm>
#include <array>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "t7/core/config.hpp"

namespace t7::detail::blas::skinny {

template <class T>
using Vec = xsimd::batch<T>;
template <class T>
inline constexpr index_t kLanes = static_cast<index_t>(Vec<T>::size);

/// The longest short side these kernels take.
inline constexpr index_t kMaxSide = 16;
/// The shortest k of `dots` (60 x 10 x 64: Eigen 2.6 us, dots 2.9; x 128: 4.7 and 3.8).
inline constexpr index_t kMinDotLength = 128;
/// The longest k of `outerSums`.
inline constexpr index_t kMaxOuterLength = 256;

#if XSIMD_WITH_AVX512F
inline constexpr int kRegisters = 32;
#else
inline constexpr int kRegisters = 16;
#endif
/// dots' tile: R rows of A x at most J rows of B (R*J accumulators, R + 1 operands in flight).
inline constexpr int kDotRows = kRegisters == 32 ? 4 : 3;
inline constexpr int kDotCols = kRegisters == 32 ? 5 : 4;
/// outerSums' tile: at most M rows of C x V vectors of columns.
inline constexpr int kOuterRows = kRegisters == 32 ? 12 : 6;
inline constexpr int kOuterVectors = 2;

/// True when gemm(transA, transB, m, n, k) is one of the products these kernels compute.
/// dots needs k long enough to repay the sums across lanes; outerSums, k short enough that its
/// pass down B's k rows per tile of columns stays in the caches (past that, Eigen's packed
/// panels are as fast: 10 x 1000 x 600 and 16 x 1000 x 1000 measured level or slower).
template <class T>
bool applies(bool transA, bool transB, index_t m, index_t n, index_t k) {
  if (!transA && transB) return std::min(m, n) <= kMaxSide && k >= kMinDotLength;
  if (transA && !transB) return m <= kMaxSide && n >= kLanes<T> && k <= kMaxOuterLength;
  return false;
}

/// Calls f.template operator()<N>() with N == value, for value in [1, Max].
template <int Max, class F>
void withCount(index_t value, F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (void)((value == I + 1 ? (f.template operator()<I + 1>(), true) : false) || ...);
  }(std::make_integer_sequence<int, Max>{});
}

/// Lanes i >= first are set.
template <class T>
xsimd::batch_bool<T> lanesFrom(index_t first) {
  alignas(64) std::array<T, kLanes<T>> iota{};
  for (index_t i = 0; i < kLanes<T>; ++i) iota[static_cast<std::size_t>(i)] = static_cast<T>(i);
  return Vec<T>::load_aligned(iota.data()) >= Vec<T>(static_cast<T>(first));
}

/// out = alpha * sum + beta * out; beta == 0 never reads out.
template <class T>
void update(T& out, T alpha, T sum, T beta) {
  out = beta == T(0) ? alpha * sum : beta * out + alpha * sum;
}

/// C(r, j) for r < R, j < J, at c[r * rowStride + j * colStride]: the dot products of A's rows
/// a + r * lda and B's rows b + j * ldb, k >= kLanes long. A last, partial vector along k is
/// read as the full vector ending at k, its lanes already counted masked to zero.
template <int R, int J, class T>
void dotTile(index_t k, T alpha, const T* a, index_t lda, const T* b, index_t ldb, T beta, T* c, index_t rowStride,
             index_t colStride) {
  constexpr index_t L = kLanes<T>;
  Vec<T> acc[R][J];
  for (auto& row : acc)
    for (auto& v : row) v = Vec<T>(T(0));
  const auto step = [&](index_t l, const auto& load) {
    Vec<T> av[R];
    for (int r = 0; r < R; ++r) av[r] = load(a + r * lda + l);
    for (int j = 0; j < J; ++j) {
      const Vec<T> bv = load(b + j * ldb + l);
      for (int r = 0; r < R; ++r) acc[r][j] = xsimd::fma(av[r], bv, acc[r][j]);
    }
  };
  index_t l = 0;
  for (; l + L <= k; l += L) step(l, [](const T* p) { return Vec<T>::load_unaligned(p); });
  if (l < k) {
    const auto fresh = lanesFrom<T>(l + L - k);  // the lanes of [k - L, k) not yet counted
    step(k - L, [&](const T* p) { return xsimd::select(fresh, Vec<T>::load_unaligned(p), Vec<T>(T(0))); });
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < J; ++j) update(c[r * rowStride + j * colStride], alpha, xsimd::hadd(acc[r][j]), beta);
}

/// C = beta C + alpha A B^T on one thread; A [m x k], B [n x k], C [m x n] (row-major, lda,
/// ldb, ldc); applies() holds.
template <class T>
void dots(index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda, const T* b, index_t ldb, T beta, T* c,
          index_t ldc) {
  // Tiles run along the long side ("rows"), in groups of at most kDotCols of the short side.
  const bool wide = m <= kMaxSide && n > m;  // C^T = B A^T: tile B's rows against A's
  const T* rows = wide ? b : a;
  const T* cols = wide ? a : b;
  const index_t ldRows = wide ? ldb : lda, ldCols = wide ? lda : ldb;
  const index_t nRows = wide ? n : m, nCols = wide ? m : n;
  const index_t rowStride = wide ? 1 : ldc, colStride = wide ? ldc : 1;
  // Groups of the short side, split evenly (10 = 5 + 5, 16 = 4 x 4); each tile of the long
  // side runs every group while its rows of k are in the L1 cache.
  const index_t groups = (nCols + kDotCols - 1) / kDotCols;
  const auto tiles = [&]<int R>(index_t i) {
    for (index_t g = 0, j0 = 0; g < groups; ++g) {
      const index_t j1 = nCols * (g + 1) / groups;
      T7_DEBUG_ASSERT(j1 - j0 >= 1 && j1 - j0 <= kDotCols);  // (withCount runs nothing outside)
      withCount<kDotCols>(j1 - j0, [&]<int J>() {
        dotTile<R, J>(k, alpha, rows + i * ldRows, ldRows, cols + j0 * ldCols, ldCols, beta,
                      c + i * rowStride + j0 * colStride, rowStride, colStride);
      });
      j0 = j1;
    }
  };
  index_t i = 0;
  for (; i + kDotRows <= nRows; i += kDotRows) tiles.template operator()<kDotRows>(i);
  for (; i < nRows; ++i) tiles.template operator()<1>(i);
}

/// C(r, c0 + v * L + lane) for r < M, v < V: the sums over l < k of A(l, r) B(l, ...), A's
/// row l at a + l * lda (M elements), B's at b + l * ldb. With `tail`, the last vector's lanes
/// below it are kept as they are in C (computed already by the tile before).
template <int M, int V, class T>
void outerTile(index_t k, T alpha, const T* a, index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc,
               index_t tail = 0) {
  constexpr index_t L = kLanes<T>;
  Vec<T> acc[M][V];
  for (auto& row : acc)
    for (auto& v : row) v = Vec<T>(T(0));
  for (index_t l = 0; l < k; ++l) {
    Vec<T> bv[V];
    for (int v = 0; v < V; ++v) bv[v] = Vec<T>::load_unaligned(b + l * ldb + v * L);
    for (int r = 0; r < M; ++r) {
      const Vec<T> ar(a[l * lda + r]);
      for (int v = 0; v < V; ++v) acc[r][v] = xsimd::fma(ar, bv[v], acc[r][v]);
    }
  }
  const Vec<T> va(alpha), vb(beta);
  for (int r = 0; r < M; ++r)
    for (int v = 0; v < V; ++v) {
      T* out = c + r * ldc + v * L;
      Vec<T> result = va * acc[r][v];
      if (beta != T(0) || tail > 0) {
        const Vec<T> old = Vec<T>::load_unaligned(out);
        if (beta != T(0)) result = xsimd::fma(vb, old, result);
        if (tail > 0 && v == V - 1) result = xsimd::select(lanesFrom<T>(tail), result, old);
      }
      result.store_unaligned(out);
    }
}

/// C = beta C + alpha A^T B on one thread; A [k x m], B [k x n], C [m x n] (row-major, lda,
/// ldb, ldc); m <= kMaxSide (fewer than kLanes columns, a thread's share, run plain loops).
template <class T>
void outerSums(index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda, const T* b, index_t ldb, T beta,
               T* c, index_t ldc) {
  constexpr index_t L = kLanes<T>;
  if (n < L) {
    for (index_t r = 0; r < m; ++r)
      for (index_t j = 0; j < n; ++j) {
        T sum = 0;
        for (index_t l = 0; l < k; ++l) sum += a[l * lda + r] * b[l * ldb + j];
        update(c[r * ldc + j], alpha, sum, beta);
      }
    return;
  }
  for (index_t r0 = 0; r0 < m;) {
    const index_t left = m - r0, groups = (left + kOuterRows - 1) / kOuterRows;
    const index_t height = (left + groups - 1) / groups;
    T7_DEBUG_ASSERT(height >= 1 && height <= kOuterRows);
    const auto run = [&]<int M>() {
      index_t c0 = 0;
      for (; c0 + kOuterVectors * L <= n; c0 += kOuterVectors * L)
        outerTile<M, kOuterVectors>(k, alpha, a + r0, lda, b + c0, ldb, beta, c + r0 * ldc + c0, ldc);
      for (; c0 + L <= n; c0 += L) outerTile<M, 1>(k, alpha, a + r0, lda, b + c0, ldb, beta, c + r0 * ldc + c0, ldc);
      // The last columns: the vector ending at n, its lanes before c0 left as computed.
      if (c0 < n)
        outerTile<M, 1>(k, alpha, a + r0, lda, b + n - L, ldb, beta, c + r0 * ldc + n - L, ldc, c0 - (n - L));
    };
    withCount<kOuterRows>(height, run);
    r0 += height;
  }
}

}  // namespace t7::detail::blas::skinny
