#pragma once
/// \file blas_backend.hpp
/// The four kernels under t7's BLAS-level math (gemm, gemv, ger, dot), on raw pointers to
/// row-major matrices, and the one switch that picks who computes them:
///
/// - `T7_USE_CBLAS=1` (set by CMake's `T7_BLAS=OPENBLAS`, or `AUTO` when OpenBLAS is found):
///   float and double go to the CBLAS functions of `<cblas.h>` (`cblas_sgemm`, `cblas_dgemv`,
///   ...). Link the matching library (`-lopenblas`). Dimensions beyond CBLAS's `int`, and
///   products under kSmallGemm multiply-adds, go to Eigen.
/// - otherwise (`T7_BLAS=EIGEN`): Eigen's products on `Eigen::Map`s of the same memory.
/// - `T7_GEMM_PREFER_EIGEN` (default: 1 when the build targets AVX-512, `__AVX512F__`): gemm
///   runs Eigen's product even where CBLAS is linked; gemv, ger and dot stay with CBLAS. Eigen's
///   kernels are compiled for the build's own ISA, where OpenBLAS picks its kernel at run time
///   and Debian's build may pick an AVX2 one on a newer core (it did here: `OPENBLAS_CORETYPE=
///   Haswell`). Measured on a 2-core Zen 5 (bench_blas, n = 64...2048, 1 thread): Eigen
///   150-203 GFLOP/s, OpenBLAS 182-216 with its AVX-512 kernel, 87-107 with Haswell's; and
///   Eigen's product threads in t7's own OpenMP team, not a second thread pool. Define it to 0
///   to keep OpenBLAS's gemm.
/// - An OpenBLAS that runs pre-AVX2 kernels on this CPU in an AVX2+ build is not used at
///   all (cblasServes()).
/// - `T7_BLAS_FORCE_EIGEN` (a testing knob) selects Eigen even when `T7_USE_CBLAS=1`; define it
///   for a whole program, never for one translation unit of a program (one definition rule).
///
/// Integer element types (Torch7 has BLAS functions for them too) use plain loops that wrap
/// around on overflow as Torch7's C loops do, without C++'s undefined behaviour: they compute
/// modulo 2^64 and keep the low bits.
///
/// Contract of every kernel: sizes >= 1, leading dimensions and increments valid for BLAS
/// (ld >= the stored row length, inc >= 1), outputs not overlapping inputs, and `beta == 0`
/// means the output's old content is never read (NaNs in it do not leak into the result).

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "t7/core/config.hpp"
#include "t7/core/dtype.hpp"
#include "t7/math/detail/skinny_gemm.hpp"

#if defined(T7_USE_CBLAS) && T7_USE_CBLAS && !defined(T7_BLAS_FORCE_EIGEN)
#include <cblas.h>
#define T7_BLAS_HAS_CBLAS 1
#else
#define T7_BLAS_HAS_CBLAS 0
#endif
// OpenBLAS's cblas.h includes openblas_config.h, which defines OPENBLAS_VERSION: only then
// are openblas_set_num_threads and openblas_get_config there to call.
#ifndef T7_GEMM_PREFER_EIGEN
#ifdef __AVX512F__
#define T7_GEMM_PREFER_EIGEN 1
#else
#define T7_GEMM_PREFER_EIGEN 0
#endif
#endif
#if T7_BLAS_HAS_CBLAS && defined(OPENBLAS_VERSION)
#define T7_BLAS_HAS_OPENBLAS 1
#else
#define T7_BLAS_HAS_OPENBLAS 0
#endif

namespace t7::detail::blas {

/// What `dot` returns: the element type for float and double (what BLAS computes), int64 for
/// integer types (Torch7's `accreal` is `long` for them; the sum wraps modulo 2^64).
template <class T>
using DotResult = std::conditional_t<std::is_floating_point_v<T>, T, std::int64_t>;

/// C = beta*C + alpha*op(A)*op(B); C is m x n (row-major, ldc), op(A) m x k, op(B) k x n;
/// op(X) is X, or X's transpose when the flag is set (then X is stored k x m, resp. n x k).
template <class T>
void gemm(bool transA, bool transB, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
          const T* b, index_t ldb, T beta, T* c, index_t ldc);
/// y = beta*y + alpha*op(A)*x; A is stored m x n (row-major, lda); y has op(A)'s rows.
template <class T>
void gemv(bool trans, index_t m, index_t n, T alpha, const T* a, index_t lda, const T* x, index_t incx, T beta,
          T* y, index_t incy);
/// A += alpha * x * y^T; A is m x n (row-major, lda).
template <class T>
void ger(index_t m, index_t n, T alpha, const T* x, index_t incx, const T* y, index_t incy, T* a, index_t lda);
/// Sum of x[i]*y[i] for i < n.
template <class T>
DotResult<T> dot(index_t n, const T* x, index_t incx, const T* y, index_t incy);

/// The back-end in words: "OpenBLAS (<its build configuration>)", "CBLAS" or "Eigen 3.4.0".
inline std::string backendName();

/// Work (multiply-adds) from which gemm, gemv and ger split their result among OpenMP threads
/// themselves: Eigen's own threshold for its gemm threads (twice its 50,000 multiply-adds per
/// task), so that where t7 splits (kEigenThreadsSide) no product runs on Eigen's threads.
/// Eigen's gemv and rank-1 update run on one thread; without the split, the Torch7 suite's
/// batch-1 MLPs (784 x 500 and 1000 x 1000 layers) took 10-25% longer on 2 threads than with
/// OpenBLAS's.
inline constexpr double kParallelProduct = 100000;

/// Calls f(lo, hi) over [0, count) in blocks of whole 16-element runs, one per thread of an
/// OpenMP team when the `work` is worth it and no team is running already; else f(0, count).
template <class F>
void splitProduct(index_t count, [[maybe_unused]] double work, F&& f) {
#ifdef _OPENMP
  if (work >= kParallelProduct && count >= 32 && omp_get_max_threads() > 1 && omp_in_parallel() == 0) {
#pragma omp parallel
    {
      const index_t team = omp_get_num_threads(), t = omp_get_thread_num();
      const index_t chunk = ((count + team - 1) / team + 15) / 16 * 16;
      const index_t lo = std::min(count, t * chunk), hi = std::min(count, lo + chunk);
      if (lo < hi) f(lo, hi);
    }
    return;
  }
#endif
  f(0, count);
}

// ---- Eigen: products on maps of the caller's memory (no copies) ---------------------------

namespace eigen {

template <class T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatMap = Eigen::Map<RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using ConstMatMap = Eigen::Map<const RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using VecMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>, Eigen::Unaligned, Eigen::InnerStride<>>;
template <class T>
using ConstVecMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>, Eigen::Unaligned, Eigen::InnerStride<>>;

/// dst = beta*dst + alpha*lhs*rhs; with beta == 0 Eigen's `=` never reads dst.
template <class T, class Dst, class L, class R>
void scaleAndAddProduct(Dst&& dst, T beta, T alpha, const L& lhs, const R& rhs) {
  if (beta == T(0)) {
    dst.noalias() = alpha * lhs * rhs;
  } else {
    if (beta != T(1)) dst *= beta;
    dst.noalias() += alpha * lhs * rhs;
  }
}

/// Products whose result C has both sides at least this long run on Eigen's own threads, which
/// split C and share the packed operands. Where a side is shorter (a batch of 60 rows, a
/// 10-unit layer, a convolution's 16 to 128 planes), t7 splits C's longer side among its
/// threads and each computes its block with Eigen on one thread (inside a team Eigen starts
/// none): Eigen's split left a thread idle there, or spinning on the shared packing. Measured on
/// 2 threads, float, Intel Xeon (AVX-512), Eigen's split -> t7's: 60 x 10 x 784 25 -> 18 us
/// (1 thread: 22), 10 x 784 x 60 31 -> 12 us (13), 60 x 1000 x 1000 1001 -> 882 us,
/// 64 x 576 x 1024 479 -> 398 us, 128 x 64 x 1152 145 -> 90 us; with both sides long, Eigen's
/// own split was as fast or faster (576 x 1024 x 64: 312 against 372 us).
inline constexpr index_t kEigenThreadsSide = 256;

template <class T>
void gemm(bool transA, bool transB, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
          const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  // C's rows [r0, r0 + rows) x columns [c0, c0 + cols)
  const auto block = [&](index_t r0, index_t rows, index_t c0, index_t cols) {
    const ConstMatMap<T> A(a + (transA ? r0 : r0 * lda), transA ? k : rows, transA ? rows : k,
                           Eigen::OuterStride<>(lda));
    const ConstMatMap<T> B(b + (transB ? c0 * ldb : c0), transB ? cols : k, transB ? k : cols,
                           Eigen::OuterStride<>(ldb));
    MatMap<T> C(c + r0 * ldc + c0, rows, cols, Eigen::OuterStride<>(ldc));
    if (!transA && !transB) scaleAndAddProduct(C, beta, alpha, A, B);
    else if (transA && !transB) scaleAndAddProduct(C, beta, alpha, A.transpose(), B);
    else if (!transA) scaleAndAddProduct(C, beta, alpha, A, B.transpose());
    else scaleAndAddProduct(C, beta, alpha, A.transpose(), B.transpose());
  };
  const double work = static_cast<double>(m) * n * k;
  if (std::min(m, n) >= kEigenThreadsSide) block(0, m, 0, n);
  else if (m > n) splitProduct(m, work, [&](index_t lo, index_t hi) { block(lo, hi - lo, 0, n); });
  else splitProduct(n, work, [&](index_t lo, index_t hi) { block(0, m, lo, hi - lo); });
}

template <class T>
void gemv(bool trans, index_t m, index_t n, T alpha, const T* a, index_t lda, const T* x, index_t incx, T beta,
          T* y, index_t incy) {
  const ConstMatMap<T> A(a, m, n, Eigen::OuterStride<>(lda));
  const ConstVecMap<T> X(x, trans ? m : n, Eigen::InnerStride<>(incx));
  VecMap<T> Y(y, trans ? n : m, Eigen::InnerStride<>(incy));
  // blocks of y: rows of A, or columns of A when transposed
  splitProduct(trans ? n : m, static_cast<double>(m) * n, [&](index_t lo, index_t hi) {
    if (trans) scaleAndAddProduct(Y.segment(lo, hi - lo), beta, alpha, A.middleCols(lo, hi - lo).transpose(), X);
    else scaleAndAddProduct(Y.segment(lo, hi - lo), beta, alpha, A.middleRows(lo, hi - lo), X);
  });
}

template <class T>
void ger(index_t m, index_t n, T alpha, const T* x, index_t incx, const T* y, index_t incy, T* a, index_t lda) {
  MatMap<T> A(a, m, n, Eigen::OuterStride<>(lda));
  const ConstVecMap<T> X(x, m, Eigen::InnerStride<>(incx));
  const ConstVecMap<T> Y(y, n, Eigen::InnerStride<>(incy));
  splitProduct(m, static_cast<double>(m) * n, [&](index_t lo, index_t hi) {
    A.middleRows(lo, hi - lo).noalias() += alpha * X.segment(lo, hi - lo) * Y.transpose();
  });
}

template <class T>
T dot(index_t n, const T* x, index_t incx, const T* y, index_t incy) {
  return ConstVecMap<T>(x, n, Eigen::InnerStride<>(incx)).dot(ConstVecMap<T>(y, n, Eigen::InnerStride<>(incy)));
}

}  // namespace eigen

// ---- plain loops for the integer types ---------------------------------------------------

namespace loops {

/// Integer arithmetic modulo 2^64: Torch7's wrap-around, without signed-overflow UB.
using Wrap = std::uint64_t;
template <class T>
Wrap wrap(T x) {
  return static_cast<Wrap>(x);
}

template <class T>
void gemm(bool transA, bool transB, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
          const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  const index_t ars = transA ? 1 : lda, acs = transA ? lda : 1;  // A(i, l) = a[i*ars + l*acs]
  const index_t brs = transB ? 1 : ldb, bcs = transB ? ldb : 1;
  std::vector<Wrap> accumulators(static_cast<std::size_t>(n));
  Wrap* acc = accumulators.data();
  for (index_t i = 0; i < m; ++i) {
    std::fill(acc, acc + n, Wrap{0});
    for (index_t l = 0; l < k; ++l) {
      const Wrap ail = wrap(a[i * ars + l * acs]);
      const T* brow = b + l * brs;
      for (index_t j = 0; j < n; ++j) acc[j] += ail * wrap(brow[j * bcs]);
    }
    T* crow = c + i * ldc;
    for (index_t j = 0; j < n; ++j) {
      const Wrap old = beta == T(0) ? 0 : wrap(beta) * wrap(crow[j]);
      crow[j] = static_cast<T>(old + wrap(alpha) * acc[j]);
    }
  }
}

template <class T>
void gemv(bool trans, index_t m, index_t n, T alpha, const T* a, index_t lda, const T* x, index_t incx, T beta,
          T* y, index_t incy) {
  // op(A)(i, l) with i < rows, l < cols.
  const index_t rows = trans ? n : m, cols = trans ? m : n;
  const index_t ars = trans ? 1 : lda, acs = trans ? lda : 1;
  for (index_t i = 0; i < rows; ++i) {
    Wrap acc = 0;
    for (index_t l = 0; l < cols; ++l) acc += wrap(a[i * ars + l * acs]) * wrap(x[l * incx]);
    T& yi = y[i * incy];
    const Wrap old = beta == T(0) ? 0 : wrap(beta) * wrap(yi);
    yi = static_cast<T>(old + wrap(alpha) * acc);
  }
}

template <class T>
void ger(index_t m, index_t n, T alpha, const T* x, index_t incx, const T* y, index_t incy, T* a, index_t lda) {
  for (index_t i = 0; i < m; ++i) {
    const Wrap axi = wrap(alpha) * wrap(x[i * incx]);
    T* row = a + i * lda;
    for (index_t j = 0; j < n; ++j) row[j] = static_cast<T>(wrap(row[j]) + axi * wrap(y[j * incy]));
  }
}

template <class T>
std::int64_t dot(index_t n, const T* x, index_t incx, const T* y, index_t incy) {
  Wrap acc = 0;
  for (index_t i = 0; i < n; ++i) acc += wrap(x[i * incx]) * wrap(y[i * incy]);
  return static_cast<std::int64_t>(acc);
}

}  // namespace loops

// ---- CBLAS ---------------------------------------------------------------------------------

#if T7_BLAS_HAS_CBLAS
namespace cblas {

/// CBLAS takes `int` sizes: true when every argument fits.
template <class... I>
bool fits(I... v) {
  return ((v <= static_cast<index_t>(std::numeric_limits<int>::max())) && ...);
}
inline CBLAS_TRANSPOSE op(bool trans) { return trans ? CblasTrans : CblasNoTrans; }

inline void gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                 float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, op(ta), op(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void gemm(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda, const double* b,
                 int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, op(ta), op(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void gemv(bool t, int m, int n, float alpha, const float* a, int lda, const float* x, int incx, float beta,
                 float* y, int incy) {
  cblas_sgemv(CblasRowMajor, op(t), m, n, alpha, a, lda, x, incx, beta, y, incy);
}
inline void gemv(bool t, int m, int n, double alpha, const double* a, int lda, const double* x, int incx,
                 double beta, double* y, int incy) {
  cblas_dgemv(CblasRowMajor, op(t), m, n, alpha, a, lda, x, incx, beta, y, incy);
}
inline void ger(int m, int n, float alpha, const float* x, int incx, const float* y, int incy, float* a, int lda) {
  cblas_sger(CblasRowMajor, m, n, alpha, x, incx, y, incy, a, lda);
}
inline void ger(int m, int n, double alpha, const double* x, int incx, const double* y, int incy, double* a,
                int lda) {
  cblas_dger(CblasRowMajor, m, n, alpha, x, incx, y, incy, a, lda);
}
inline float dot(int n, const float* x, int incx, const float* y, int incy) { return cblas_sdot(n, x, incx, y, incy); }
inline double dot(int n, const double* x, int incx, const double* y, int incy) {
  return cblas_ddot(n, x, incx, y, incy);
}

}  // namespace cblas
#endif

// ---- dispatch --------------------------------------------------------------------------------

/// True when the linked CBLAS computes what it can: always, except an OpenBLAS that runs
/// kernels older than AVX2 in a build for AVX2 or later. OpenBLAS (DYNAMIC_ARCH) picks its
/// kernels by CPU model when it loads, and Debian's 0.3.21 does not know some newer Intel
/// models: it runs its Prescott (SSE3) kernels there (`openblas_get_corename()`), at 31
/// GFLOP/s for sgemm against Eigen's 140 on such a Xeon, and sgemv/sger were 55% of a batch-1
/// MLP step. Eigen then computes everything. OPENBLAS_CORETYPE=Haswell (or another AVX2+
/// core) in the environment picks OpenBLAS's kernel by hand, and is then used.
inline bool cblasServes() {
#if T7_BLAS_HAS_OPENBLAS && defined(__AVX2__)
  static const bool serves = [] {
    const char* core = openblas_get_corename();
    if (core == nullptr) return true;
    std::string name(core);
    for (char& ch : name) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    for (const char* fast : {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids", "excavator"})
      if (name == fast) return true;
    return false;
  }();
  return serves;
#else
  return true;
#endif
}

/// Below this many multiply-adds (m x n x k), gemm runs Eigen's product even where CBLAS is
/// linked: starting OpenBLAS's thread team costs more than such a product. Measured on the
/// Torch7 suite's MLP 784/10 at batch 60 (60 x 10 x 784 products), 2 threads: 1.21M -> 1.86M
/// examples/s; 1 thread unchanged.
inline constexpr double kSmallGemm = 1 << 20;

/// Work (multiply-adds) from which the skinny kernels split C among t7's threads. Under it one
/// thread computes the product: a 60 x 10 x 784 product takes 6-11 us there, and split, its
/// two halves gained less than the hand-off cost. Measured on the Torch7 suite's MLP 784/10
/// at batch 60 on 2 threads (medians of 7 interleaved runs, Intel Xeon): 1.43M examples/s
/// split, 1.63M not.
inline constexpr double kParallelSkinny = 1 << 20;

/// skinny_gemm.hpp's kernels on t7's threads, C's long side split among them.
template <class T>
void skinnyGemm(bool transA, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda, const T* b,
                index_t ldb, T beta, T* c, index_t ldc) {
  const double product = static_cast<double>(m) * n * k;
  const double work = product >= kParallelSkinny ? product : 0;
  if (transA) {  // C = A^T B, m short: blocks of columns
    splitProduct(n, work, [&](index_t lo, index_t hi) {
      skinny::outerSums(m, hi - lo, k, alpha, a, lda, b + lo, ldb, beta, c + lo, ldc);
    });
  } else if (m >= n) {  // C = A B^T: blocks of rows
    splitProduct(m, work, [&](index_t lo, index_t hi) {
      skinny::dots(hi - lo, n, k, alpha, a + lo * lda, lda, b, ldb, beta, c + lo * ldc, ldc);
    });
  } else {
    splitProduct(n, work, [&](index_t lo, index_t hi) {
      skinny::dots(m, hi - lo, k, alpha, a, lda, b + lo * ldb, ldb, beta, c + lo, ldc);
    });
  }
}

template <class T>
void gemm(bool transA, bool transB, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
          const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  T7_DEBUG_ASSERT(m > 0 && n > 0 && k > 0);
  if constexpr (!std::is_floating_point_v<T>) {
    loops::gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    if (skinny::applies<T>(transA, transB, m, n, k)) {
      skinnyGemm(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
#if T7_BLAS_HAS_CBLAS && !T7_GEMM_PREFER_EIGEN
    // gemm never reads C when beta == 0 (reference BLAS: "C need not be set on input";
    // OpenBLAS's beta kernel stores zeros), so NaNs in C do not leak.
    if (cblasServes() && cblas::fits(m, n, k, lda, ldb, ldc) && static_cast<double>(m) * n * k >= kSmallGemm) {
      cblas::gemm(transA, transB, int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
      return;
    }
#endif
    eigen::gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

template <class T>
void gemv(bool trans, index_t m, index_t n, T alpha, const T* a, index_t lda, const T* x, index_t incx, T beta,
          T* y, index_t incy) {
  T7_DEBUG_ASSERT(m > 0 && n > 0);
  if constexpr (!std::is_floating_point_v<T>) {
    loops::gemv(trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
  } else {
#if T7_BLAS_HAS_CBLAS
    if (cblasServes() && cblas::fits(m, n, lda, incx, incy)) {
      // Whether a CBLAS scales y by beta == 0 (0 * NaN = NaN) or zeroes it varies between
      // implementations and versions: zero it here.
      if (beta == T(0))
        for (index_t i = 0, len = trans ? n : m; i < len; ++i) y[i * incy] = T(0);
      cblas::gemv(trans, int(m), int(n), alpha, a, int(lda), x, int(incx), beta, y, int(incy));
      return;
    }
#endif
    eigen::gemv(trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
  }
}

template <class T>
void ger(index_t m, index_t n, T alpha, const T* x, index_t incx, const T* y, index_t incy, T* a, index_t lda) {
  T7_DEBUG_ASSERT(m > 0 && n > 0);
  if constexpr (!std::is_floating_point_v<T>) {
    loops::ger(m, n, alpha, x, incx, y, incy, a, lda);
  } else {
#if T7_BLAS_HAS_CBLAS
    if (cblasServes() && cblas::fits(m, n, incx, incy, lda)) {
      cblas::ger(int(m), int(n), alpha, x, int(incx), y, int(incy), a, int(lda));
      return;
    }
#endif
    eigen::ger(m, n, alpha, x, incx, y, incy, a, lda);
  }
}

template <class T>
DotResult<T> dot(index_t n, const T* x, index_t incx, const T* y, index_t incy) {
  if constexpr (!std::is_floating_point_v<T>) {
    return loops::dot(n, x, incx, y, incy);
  } else {
#if T7_BLAS_HAS_CBLAS
    if (cblasServes() && cblas::fits(n, incx, incy)) return cblas::dot(int(n), x, int(incx), y, int(incy));
#endif
    return eigen::dot(n, x, incx, y, incy);
  }
}

inline std::string backendName() {
  const std::string eigen = "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
                            std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION);
#if T7_BLAS_HAS_OPENBLAS
  const std::string cblas = std::string("OpenBLAS (") + openblas_get_config() + ")";
  if (!cblasServes())
    return eigen + " (linked: " + cblas + ", not used: its " + openblas_get_corename() + " kernels predate AVX2)";
#elif T7_BLAS_HAS_CBLAS
  const std::string cblas = "CBLAS";
#else
  return eigen;
#endif
#if T7_BLAS_HAS_CBLAS
  return T7_GEMM_PREFER_EIGEN ? eigen + " (gemm), " + cblas + " (gemv, ger, dot)" : cblas;
#endif
}

}  // namespace t7::detail::blas
