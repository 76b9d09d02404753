#pragma once
/// \file accumulate.hpp
/// The loops under t7's reductions (t7/math/reduce.hpp): accumulator types, the accurate and
/// vectorised sum of contiguous memory, the threaded all-element sum with a fixed block
/// decomposition, and the engines that reduce or scan along one dimension.
///
/// Along one dimension there are two loop shapes (plus a strided fallback):
/// - the reduced dimension is the contiguous one: each slice is one contiguous run
///   (`forEachSlice` hands out the slices);
/// - the dimensions after the reduced one form a contiguous block ("columns"): whole rows
///   are accumulated into a row of accumulators, a unit-stride loop the compiler vectorises,
///   instead of one strided walk per column.
/// Both are split across OpenMP threads over output elements, so each output is computed by
/// one thread in a fixed order and results never depend on the thread count.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <xsimd/xsimd.hpp>

#include "t7/core/shape.hpp"
#include "t7/math/detail/dim_apply.hpp"
#include "t7/tensor/detail/iteration.hpp"
#include "t7/tensor/tensor.hpp"

/// `#pragma omp simd` on loops whose vectorisation matters: GCC's -O2 cost model skips them
/// otherwise (clang vectorises them unasked, and warns when a request cannot be honoured).
/// T7_REDUCE_SIMD for loops whose iterations are independent, T7_REDUCE_SIMD_SUM(s) for a
/// sum into `s` (only where reordering is exact: integers).
#define T7_REDUCE_PRAGMA(x) _Pragma(#x)
#if defined(_OPENMP) && !defined(__clang__)
#define T7_REDUCE_SIMD _Pragma("omp simd")
#define T7_REDUCE_SIMD_SUM(s) T7_REDUCE_PRAGMA(omp simd reduction(+ : s))
#else
#define T7_REDUCE_SIMD
#define T7_REDUCE_SIMD_SUM(s)
#endif

namespace t7::detail {

// ---- accumulator types ------------------------------------------------------------------

/// What the all-element forms return (Torch7's `accreal`): double for float and double
/// tensors, int64 for integer tensors.
template <class T>
using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;

/// The running type of a sum or product: double, or uint64 for integers so that overflow
/// wraps (modulo 2^64, as Torch7's C `long` did in practice) instead of being undefined.
template <class T>
using run_t = std::conditional_t<std::is_floating_point_v<T>, double, std::uint64_t>;

template <class T>
inline run_t<T> toRun(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return static_cast<double>(v);
  else
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
}

template <class T>
inline acc_t<T> fromRun(run_t<T> r) {
  return static_cast<acc_t<T>>(r);  // uint64 -> int64 is modular (C++20)
}

/// A running value stored into an element of type T (integers wrap, as Torch7's casts).
template <class T, class R>
inline T storeAs(R r) {
  if constexpr (std::is_floating_point_v<T>)
    return static_cast<T>(r);
  else
    return static_cast<T>(static_cast<std::int64_t>(r));
}

template <class T>
inline bool isNan(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return v != v;
  else
    return false;
}

// ---- sum of contiguous memory -------------------------------------------------------------

/// Sum of `n` contiguous floats: blocks of 32 xsimd batches are summed in four float
/// accumulators (8 additions per lane), each block's lanes are added into double lanes, and
/// the lanes are combined in a fixed order. Error ~1e-7 relative, at memory speed.
inline double sumContiguous(const float* p, index_t n) {
  using B = xsimd::batch<float>;
  constexpr index_t W = B::size;
  constexpr index_t kBlock = 32 * W;
  double lanes[W] = {};
  index_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    const float* q = p + i;
    B a0 = B::load_unaligned(q), a1 = B::load_unaligned(q + W);
    B a2 = B::load_unaligned(q + 2 * W), a3 = B::load_unaligned(q + 3 * W);
    for (index_t j = 4 * W; j < kBlock; j += 4 * W) {
      a0 += B::load_unaligned(q + j);
      a1 += B::load_unaligned(q + j + W);
      a2 += B::load_unaligned(q + j + 2 * W);
      a3 += B::load_unaligned(q + j + 3 * W);
    }
    alignas(64) float buf[W];
    ((a0 + a1) + (a2 + a3)).store_aligned(buf);
    for (index_t w = 0; w < W; ++w) lanes[w] += buf[w];
  }
  double s = 0;
  for (; i < n; ++i) s += p[i];
  for (index_t w = 0; w < W; ++w) s += lanes[w];
  return s;
}

/// Sum of `n` contiguous doubles: four xsimd accumulators, lanes combined in a fixed order.
inline double sumContiguous(const double* p, index_t n) {
  using B = xsimd::batch<double>;
  constexpr index_t W = B::size;
  index_t i = 0;
  double s = 0;
  if (n >= 4 * W) {
    B a0(0.0), a1(0.0), a2(0.0), a3(0.0);
    for (; i + 4 * W <= n; i += 4 * W) {
      a0 += B::load_unaligned(p + i);
      a1 += B::load_unaligned(p + i + W);
      a2 += B::load_unaligned(p + i + 2 * W);
      a3 += B::load_unaligned(p + i + 3 * W);
    }
    alignas(64) double buf[W];
    ((a0 + a1) + (a2 + a3)).store_aligned(buf);
    for (index_t w = 0; w < W; ++w) s += buf[w];
  }
  for (; i < n; ++i) s += p[i];
  return s;
}

/// Sum of `n` contiguous integers in uint64 (wrapping).
template <class T>
  requires std::is_integral_v<T>
std::uint64_t sumContiguous(const T* p, index_t n) {
  std::uint64_t s = 0;
  T7_REDUCE_SIMD_SUM(s)
  for (index_t i = 0; i < n; ++i) s += toRun(p[i]);
  return s;
}

/// Elements per block of the threaded sum. The blocks depend on the element count only, so
/// the result is the same bits whatever the number of threads.
inline constexpr index_t kSumChunk = index_t{1} << 16;
/// Elements of work below which a reduction stays on one thread.
inline constexpr index_t kReduceParallelThreshold = index_t{1} << 16;

inline bool mayUseThreads([[maybe_unused]] index_t work) {
#ifdef _OPENMP
  return work >= kReduceParallelThreshold && omp_get_max_threads() > 1 && !omp_in_parallel();
#else
  return false;
#endif
}

/// Sum of `n` contiguous elements, split into fixed blocks of kSumChunk elements that threads
/// share; the block sums are added in block order.
template <class T>
run_t<T> sumChunked(const T* p, index_t n) {
  if (n <= kSumChunk) return sumContiguous(p, n);
  const index_t chunks = (n + kSumChunk - 1) / kSumChunk;
  std::vector<run_t<T>> part(static_cast<std::size_t>(chunks));
  [[maybe_unused]] const bool par = mayUseThreads(n);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
  for (index_t c = 0; c < chunks; ++c)
    part[c] = sumContiguous(p + c * kSumChunk, std::min(kSumChunk, n - c * kSumChunk));
  run_t<T> s = 0;
  for (const auto& v : part) s += v;
  return s;
}

/// Calls `row(p, n, stride)` for every innermost run of `t` (any layout), in row-major order.
template <class T, class F>
void forEachRun(const Tensor<T>& t, F&& row) {
  const T* base = t.data();
  stridedLoop<1>(t.sizes(), {&t.strides()},
                 [&](index_t n, const std::array<index_t, 1>& off, const std::array<index_t, 1>& st) {
                   row(base + off[0], n, st[0]);
                 });
}

/// Sum of all elements of `t`, any layout; contiguous tensors take the threaded block sum.
template <class T>
run_t<T> sumAll(const Tensor<T>& t) {
  if (t.nElement() == 0) return 0;
  if (t.isContiguous()) return sumChunked(t.data(), t.nElement());
  run_t<T> s = 0;
  forEachRun(t, [&](const T* p, index_t n, index_t st) {
    if (st == 1) {
      s += sumContiguous(p, n);
    } else {
      for (index_t i = 0; i < n; ++i) s += toRun(p[i * st]);
    }
  });
  return s;
}

// ---- along one dimension --------------------------------------------------------------------

/// Like forEachSlice, but spread over OpenMP threads when `work` elements is large enough:
/// each thread runs forEachSlice over its share of the largest other dimension. Every slice
/// is visited once, by one thread; `fn` must not throw.
template <std::size_t N, class F>
void forEachSliceParallel(const Shape& sizes, int dim, const std::array<const Strides*, N>& strides,
                          [[maybe_unused]] index_t work, F&& fn) {
#ifdef _OPENMP
  int split = -1;
  for (int k = 0; k < sizes.size(); ++k)
    if (k != dim && (split < 0 || sizes[k] > sizes[split])) split = k;
  if (split >= 0 && sizes[split] > 1 && mayUseThreads(work)) {
#pragma omp parallel
    {
      const index_t nt = omp_get_num_threads(), id = omp_get_thread_num();
      const index_t b = sizes[split] * id / nt, e = sizes[split] * (id + 1) / nt;
      if (b < e) {
        Shape part = sizes;
        part[split] = e - b;
        std::array<index_t, N> base;
        for (std::size_t k = 0; k < N; ++k) base[k] = b * (*strides[k])[split];
        forEachSlice<N>(part, dim, strides, [&](const std::array<index_t, N>& o) {
          std::array<index_t, N> q;
          for (std::size_t k = 0; k < N; ++k) q[k] = base[k] + o[k];
          fn(static_cast<const std::array<index_t, N>&>(q));
        });
      }
    }
    return;
  }
#endif
  forEachSlice<N>(sizes, dim, strides, fn);
}

/// True when the dimensions after `d` of `x` form one contiguous block (unit innermost
/// stride); `inner` receives its element count.
template <class T>
bool innerBlockContiguous(const Tensor<T>& x, int d, index_t& inner) {
  index_t expected = 1;
  for (int k = x.dim() - 1; k > d; --k) {
    if (x.size(k) == 1) continue;
    if (x.stride(k) != expected) return false;
    expected *= x.size(k);
  }
  inner = expected;
  return true;
}

/// Columns per tile of the row-accumulation loop (its accumulators stay in L1/L2).
inline constexpr index_t kRowTile = 2048;

/// Adds `n` rows of `w` (<= kRowTile) contiguous elements, `stride` apart, into `acc`, four
/// rows per pass. Floats sum blocks of 32 rows in a float row first (as the blocks of
/// sumContiguous), then add it into the double accumulators: the accumulator traffic is
/// small and every loop is a unit-stride SIMD loop.
template <class T>
void sumRows(run_t<T>* acc, const T* p, index_t stride, index_t n, index_t w) {
  using P = std::conditional_t<std::is_floating_point_v<T>, T, run_t<T>>;  // partial row type
  constexpr index_t kBlock = std::is_same_v<T, float> ? 32 : std::numeric_limits<index_t>::max();
  P part[kRowTile];
  for (index_t i0 = 0; i0 < n; i0 += std::min(kBlock, n - i0)) {
    const index_t i1 = i0 + std::min(kBlock, n - i0);
    for (index_t j = 0; j < w; ++j) part[j] = 0;
    index_t i = i0;
    for (; i + 4 <= i1; i += 4) {
      const T* r0 = p + i * stride;
      const T* r1 = r0 + stride;
      const T* r2 = r1 + stride;
      const T* r3 = r2 + stride;
      T7_REDUCE_SIMD
      for (index_t j = 0; j < w; ++j) {
        if constexpr (std::is_floating_point_v<T>)
          part[j] += (r0[j] + r1[j]) + (r2[j] + r3[j]);
        else
          part[j] += (toRun(r0[j]) + toRun(r1[j])) + (toRun(r2[j]) + toRun(r3[j]));
      }
    }
    for (; i < i1; ++i) {
      const T* row = p + i * stride;
      T7_REDUCE_SIMD
      for (index_t j = 0; j < w; ++j) part[j] += static_cast<P>(toRun(row[j]));
    }
    T7_REDUCE_SIMD
    for (index_t j = 0; j < w; ++j) acc[j] += static_cast<run_t<T>>(part[j]);
  }
}

/// How a reduction along `d` of `x` walks memory.
struct DimPlan {
  index_t n = 0;       ///< size of the reduced dimension
  index_t stride = 0;  ///< x's stride along it
  index_t inner = 1;   ///< contiguous block after it (row path)
  bool rows = false;   ///< accumulate whole rows (the reduced dimension is an outer one)
};

template <class T>
DimPlan planDim(const Tensor<T>& x, int d) {
  DimPlan p;
  p.n = x.size(d);
  p.stride = x.stride(d);
  index_t inner = 1;
  p.rows = p.stride != 1 && p.n > 1 && innerBlockContiguous(x, d, inner) && inner > 1;
  p.inner = inner;
  return p;
}

/// Runs `tile(xOff, outOff, j0, w)` over every outer position of the row path and every tile
/// of `kRowTile` columns: x's block of that position starts at element `xOff`, the output's
/// at `outOff` (an output with contiguous dimensions after `d`, given by `outStrides`).
/// Threads share the outer positions, or the tiles when there are fewer positions than tiles.
template <class T, class F>
void forEachRowTile(const Tensor<T>& x, int d, const Strides& outStrides, index_t inner, F&& tile) {
  Shape head, xh, oh;
  index_t outer = 1;
  for (int k = 0; k <= d; ++k) {
    head.push_back(x.size(k));
    xh.push_back(x.stride(k));
    oh.push_back(outStrides[k]);
    if (k < d) outer *= x.size(k);
  }
  const index_t tiles = (inner + kRowTile - 1) / kRowTile;
  auto tilesOf = [&](const std::array<index_t, 2>& o, index_t t0, index_t t1) {
    for (index_t t = t0; t < t1; ++t) tile(o[0], o[1], t * kRowTile, std::min(kRowTile, inner - t * kRowTile));
  };
  if (outer >= tiles) {
    forEachSliceParallel<2>(head, d, {&xh, &oh}, x.nElement(),
                            [&](const std::array<index_t, 2>& o) { tilesOf(o, 0, tiles); });
    return;
  }
  [[maybe_unused]] const bool par = mayUseThreads(x.nElement());
  forEachSlice<2>(head, d, {&xh, &oh}, [&](const std::array<index_t, 2>& o) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
    for (index_t t = 0; t < tiles; ++t) tilesOf(o, t, t + 1);
  });
}

/// Reduces `x` along `d` into the contiguous buffer `out` (x's shape with size 1 at `d`).
/// The reducer `r` provides `Acc init(k)`, `void add(Acc&, T, k)`, `Out finish(Acc, n, k)`
/// where k is the output element's offset, and optionally `Acc contiguous(const T*, n)` for
/// unit-stride slices and `rows(Acc* acc, const T* p, stride, n, w)` to fold n rows of w
/// columns into the accumulators its own way.
template <class T, class Out, class R>
void reduceDim(Out* out, const Tensor<T>& x, int d, const R& r) {
  using Acc = typename R::Acc;
  const Shape outShape = withSize(x.sizes(), d, 1);
  if (outShape.product() == 0) return;
  if (x.nElement() == 0) {  // an empty reduced dimension (and no data to point into)
    for (index_t k = 0; k < outShape.product(); ++k) out[k] = static_cast<Out>(r.finish(r.init(k), 0, k));
    return;
  }
  const Strides os = contiguousStrides(outShape);
  const DimPlan plan = planDim(x, d);
  const T* xd = x.data();
  if (!plan.rows) {
    forEachSliceParallel<2>(x.sizes(), d, {&x.strides(), &os}, x.nElement(), [&](const std::array<index_t, 2>& off) {
      const T* p = xd + off[0];
      const index_t k = off[1];
      if constexpr (requires { r.contiguous(p, plan.n); }) {
        if (plan.stride == 1) {
          out[k] = static_cast<Out>(r.finish(r.contiguous(p, plan.n), plan.n, k));
          return;
        }
      }
      Acc a = r.init(k);
      for (index_t i = 0; i < plan.n; ++i) r.add(a, p[i * plan.stride], k);
      out[k] = static_cast<Out>(r.finish(a, plan.n, k));
    });
    return;
  }
  forEachRowTile(x, d, os, plan.inner, [&](index_t xOff, index_t oOff, index_t j0, index_t w) {
    Acc acc[kRowTile];
    const index_t k0 = oOff + j0;
    for (index_t j = 0; j < w; ++j) acc[j] = r.init(k0 + j);
    index_t i = 0;
    if constexpr (requires(Acc* a) { r.rows(a, xd, plan.stride, plan.n, w); }) {
      r.rows(acc, xd + xOff + j0, plan.stride, plan.n, w);  // the reducer's own row loop
      i = plan.n;
    }
    for (; i < plan.n; ++i) {
      const T* row = xd + xOff + i * plan.stride + j0;
      T7_REDUCE_SIMD
      for (index_t j = 0; j < w; ++j) r.add(acc[j], row[j], k0 + j);
    }
    for (index_t j = 0; j < w; ++j) out[k0 + j] = static_cast<Out>(r.finish(acc[j], plan.n, k0 + j));
  });
}

/// Index and value of the maximum (Max) or minimum of a slice, Torch7's loop: the first
/// index among ties, and the first NaN wins (NaN propagates).
template <bool Max, class T>
std::pair<T, index_t> argExtremeSlice(const T* p, index_t n, index_t stride) {
  T m = p[0];
  index_t mi = 0;
  for (index_t i = 1; i < n; ++i) {
    if (isNan(m)) break;
    const T v = p[i * stride];
    if (Max ? !(v <= m) : !(v >= m)) {
      m = v;
      mi = i;
    }
  }
  return {m, mi};
}

/// max/min with indices along `d` into contiguous `vals` and `idx` (n >= 1).
template <bool Max, class T>
void argExtremeDim(T* vals, index_t* idx, const Tensor<T>& x, int d) {
  const Shape outShape = withSize(x.sizes(), d, 1);
  if (outShape.product() == 0) return;
  const Strides os = contiguousStrides(outShape);
  const DimPlan plan = planDim(x, d);
  const T* xd = x.data();
  if (!plan.rows) {
    forEachSliceParallel<2>(x.sizes(), d, {&x.strides(), &os}, x.nElement(), [&](const std::array<index_t, 2>& off) {
      const auto [m, mi] = argExtremeSlice<Max>(xd + off[0], plan.n, plan.stride);
      vals[off[1]] = m;
      idx[off[1]] = mi;
    });
    return;
  }
  forEachRowTile(x, d, os, plan.inner, [&](index_t xOff, index_t oOff, index_t j0, index_t w) {
    T* v = vals + oOff + j0;
    index_t* ix = idx + oOff + j0;
    const T* row0 = xd + xOff + j0;
    for (index_t j = 0; j < w; ++j) {
      v[j] = row0[j];
      ix[j] = 0;
    }
    for (index_t i = 1; i < plan.n; ++i) {
      const T* row = xd + xOff + i * plan.stride + j0;
      T7_REDUCE_SIMD
      for (index_t j = 0; j < w; ++j) {
        const T e = row[j];
        const bool take = (Max ? !(e <= v[j]) : !(e >= v[j])) && !isNan(v[j]);
        v[j] = take ? e : v[j];
        ix[j] = take ? i : ix[j];
      }
    }
  });
}

/// Cumulative scan along `d` of `x` into the contiguous `out` of x's shape: out_i = op(out_{i-1}, x_i)
/// in the running type `Acc` starting from `init` (Torch7's cumsum/cumprod accumulate in accreal).
template <class T, class Acc, class Op>
void scanDim(T* out, const Tensor<T>& x, int d, Acc init, Op op) {
  if (x.nElement() == 0) return;
  const Strides os = contiguousStrides(x.sizes());
  const DimPlan plan = planDim(x, d);
  const index_t ostep = os[d];
  const T* xd = x.data();
  if (!plan.rows) {
    forEachSliceParallel<2>(x.sizes(), d, {&x.strides(), &os}, x.nElement(), [&](const std::array<index_t, 2>& off) {
      const T* p = xd + off[0];
      T* o = out + off[1];
      Acc a = init;
      for (index_t i = 0; i < plan.n; ++i) {
        a = op(a, p[i * plan.stride]);
        o[i * ostep] = storeAs<T>(a);
      }
    });
    return;
  }
  forEachRowTile(x, d, os, plan.inner, [&](index_t xOff, index_t oOff, index_t j0, index_t w) {
    Acc acc[kRowTile];
    for (index_t j = 0; j < w; ++j) acc[j] = init;
    for (index_t i = 0; i < plan.n; ++i) {
      const T* row = xd + xOff + i * plan.stride + j0;
      T* orow = out + oOff + i * ostep + j0;
      T7_REDUCE_SIMD
      for (index_t j = 0; j < w; ++j) {
        acc[j] = op(acc[j], row[j]);
        orow[j] = storeAs<T>(acc[j]);
      }
    }
  });
}

// ---- order statistics ------------------------------------------------------------------------

/// Strict weak order on values with NaN after every number (as PyTorch's sort): std
/// algorithms stay well defined on data with NaN.
template <class T>
inline bool lessNanLast(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (a != a) return false;
    if (b != b) return true;
  }
  return a < b;
}

template <class T>
inline bool sameRank(T a, T b) {
  return !lessNanLast(a, b) && !lessNanLast(b, a);
}

/// A value and its 0-based position in its slice.
template <class T>
struct Ranked {
  T v;
  index_t i;
  friend bool operator<(const Ranked& a, const Ranked& b) {
    return lessNanLast(a.v, b.v) || (!lessNanLast(b.v, a.v) && a.i < b.i);
  }
};

/// The k-th smallest (0-based) of a slice in (value, position) order: among equal values the
/// one with the k-th position, so the result is fully determined.
template <class T>
Ranked<T> kthOfSlice(std::vector<Ranked<T>>& buf, const T* p, index_t n, index_t stride, index_t k) {
  buf.resize(static_cast<std::size_t>(n));
  for (index_t i = 0; i < n; ++i) buf[i] = {p[i * stride], i};
  std::nth_element(buf.begin(), buf.begin() + k, buf.end());
  return buf[k];
}

/// The most frequent value of a slice (ties: the smallest value, as Torch7's ascending scan)
/// and the last position where it occurs.
template <class T>
Ranked<T> modeOfSlice(std::vector<Ranked<T>>& buf, const T* p, index_t n, index_t stride) {
  buf.resize(static_cast<std::size_t>(n));
  for (index_t i = 0; i < n; ++i) buf[i] = {p[i * stride], i};
  std::sort(buf.begin(), buf.end());
  Ranked<T> best = buf[0];
  index_t bestCount = 0, count = 0;
  for (index_t i = 0; i < n; ++i) {
    ++count;
    if (i == n - 1 || !sameRank(buf[i].v, buf[i + 1].v)) {
      if (count > bestCount) {
        best = buf[i];
        bestCount = count;
      }
      count = 0;
    }
  }
  return best;
}

}  // namespace t7::detail
